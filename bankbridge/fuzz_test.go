package bankbridge

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// FuzzVerify: no header or body verifies unless it was signed with the key,
// and a signed delivery with one byte of its body changed never verifies.
func FuzzVerify(f *testing.F) {
	f.Add("msg_1", int64(1767225600), []byte(`{"type":"transfer.received"}`), "v1,abc")
	f.Add("", int64(0), []byte{}, "")
	f.Add("msg_2", int64(-1), []byte("\x00\xff"), "v1,a v1,b v2,c")
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1767225600, 0)
	f.Fuzz(func(t *testing.T, id string, ts int64, body []byte, sig string) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", time.Unix(ts, 0).Format("2006")) // nonsense timestamps too
		h.Set("webhook-signature", sig)
		if _, err := Verify(key, h, body, now); err == nil {
			t.Fatalf("an unsigned delivery verified: %q %q", id, sig)
		}
		SetHeaders(h, key, id, now, body)
		got, err := Verify(key, h, body, now)
		if id != "" && (err != nil || got != id) {
			t.Fatalf("a signed delivery: %q %v", got, err)
		}
		if len(body) > 0 {
			tampered := bytes.Clone(body)
			tampered[0] ^= 1
			if _, err := Verify(key, h, tampered, now); err == nil {
				t.Fatal("a changed body verified")
			}
		}
	})
}

// FuzzParseEvents: the bank's and the telecom's event parsers never panic,
// what they accept is an event, and Clean leaves no NUL behind.
func FuzzParseEvents(f *testing.F) {
	for _, s := range []string{`{"id":"evt_1","type":"transfer.received","data":{"amount":"10.00"}}`, `{}`, `[]`, `null`,
		`{"id":"e","type":"charge.collected","data":{}}`, "{\"id\":\"\\u0000\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if e, err := Parse(body); err == nil && e == nil {
			t.Fatal("bank event accepted as nothing")
		}
		if e, err := ParseTelecom(body); err == nil && e == nil {
			t.Fatal("telecom event accepted as nothing")
		}
		if c, err := Clean(body); err == nil && bytes.IndexByte(c, 0) >= 0 {
			t.Fatalf("NUL left in %q", c)
		}
		Peek(body)
	})
}
