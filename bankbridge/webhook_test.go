package bankbridge

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	body := []byte(`{"id":"evt_1","type":"transfer.received","data":{}}`)
	now := time.Unix(1_790_000_000, 0)
	h := http.Header{}
	SetHeaders(h, key, "evt_1", now, body)
	if id, err := Verify(key, h, body, now); err != nil || id != "evt_1" {
		t.Fatalf("valid delivery: %q %v", id, err)
	}
	// The Standard Webhooks test vector shape: v1,<base64 of 32 bytes>.
	if sig := h.Get("webhook-signature"); len(sig) != 3+44 {
		t.Fatalf("signature %q", sig)
	}
	cases := map[string]func(h http.Header) ([]byte, time.Time){
		"tampered body": func(h http.Header) ([]byte, time.Time) {
			return []byte(`{"id":"evt_1","type":"transfer.received","data":{"x":1}}`), now
		},
		"301 s late":  func(h http.Header) ([]byte, time.Time) { return body, now.Add(301 * time.Second) },
		"301 s early": func(h http.Header) ([]byte, time.Time) { return body, now.Add(-301 * time.Second) },
		"other id": func(h http.Header) ([]byte, time.Time) {
			h.Set("webhook-id", "evt_2")
			return body, now
		},
		"no signature": func(h http.Header) ([]byte, time.Time) { h.Del("webhook-signature"); return body, now },
		"garbage timestamp": func(h http.Header) ([]byte, time.Time) {
			h.Set("webhook-timestamp", "yesterday")
			return body, now
		},
		"v2 scheme": func(h http.Header) ([]byte, time.Time) {
			h.Set("webhook-signature", "v2,"+h.Get("webhook-signature")[3:])
			return body, now
		},
	}
	for name, mutate := range cases {
		h := http.Header{}
		SetHeaders(h, key, "evt_1", now, body)
		b, at := mutate(h)
		if _, err := Verify(key, h, b, at); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// 300 s either way is still fine; several signatures, one valid (rotation), too.
	for _, d := range []time.Duration{300 * time.Second, -300 * time.Second} {
		if _, err := Verify(key, h, body, now.Add(d)); err != nil {
			t.Errorf("at %v: %v", d, err)
		}
	}
	multi := http.Header{}
	multi.Set("webhook-id", "evt_1")
	multi.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	multi.Set("webhook-signature", Sign([]byte("old-key-old-key-old-key-old-key!"), "evt_1", now.Unix(), body)+" "+Sign(key, "evt_1", now.Unix(), body))
	if _, err := Verify(key, multi, body, now); err != nil {
		t.Fatalf("rotation: %v", err)
	}
}

func TestParse(t *testing.T) {
	good := `{"id":"evt_1","type":"transfer.received","created_at":"2026-11-29T08:15:02Z","data":{"bank_txn_id":"B1","amount":"259.00","currency":"CNY","reference":"x","payer_account":"1","payer_name":"张伟","channel":"phone_banking","value_date":"2026-11-29"}}`
	if _, err := Parse([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"not json":        `{`,
		"no data":         `{"id":"evt_1","type":"transfer.received"}`,
		"number amount":   `{"id":"e","type":"transfer.received","data":{"bank_txn_id":"B1","amount":259.00,"currency":"CNY"}}`,
		"three decimals":  `{"id":"e","type":"transfer.received","data":{"bank_txn_id":"B1","amount":"259.001","currency":"CNY"}}`,
		"other currency":  `{"id":"e","type":"transfer.received","data":{"bank_txn_id":"B1","amount":"1.00","currency":"USD"}}`,
		"no txn":          `{"id":"e","type":"transfer.received","data":{"amount":"1.00","currency":"CNY"}}`,
		"reversal no id":  `{"id":"e","type":"transfer.reversed","data":{"bank_txn_id":"B1","amount":"1.00"}}`,
		"payout no id":    `{"id":"e","type":"payout.failed","data":{"amount":"1.00"}}`,
		"zero amount":     `{"id":"e","type":"transfer.received","data":{"bank_txn_id":"B1","amount":"0.00","currency":"CNY"}}`,
		"negative amount": `{"id":"e","type":"transfer.received","data":{"bank_txn_id":"B1","amount":"-1.00","currency":"CNY"}}`,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Unknown types parse (and are kept for review).
	if e, err := Parse([]byte(`{"id":"e","type":"account.frozen","data":{"why":"x"}}`)); err != nil || Known(e.Type) {
		t.Fatalf("unknown type: %v", err)
	}
}
