package ivr

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lineescrow/bankbridge"
)

// FuzzHotlineRequest sends the hotline arbitrary requests as the IVR platform
// would, without reaching the database: from an address that is not the
// platform's and unsigned (or signed with another key) it is always 403; from
// the platform, /ivr/step with any form but a call state the server sealed
// is always 400. Nothing else is ever answered, and nothing panics.
func FuzzHotlineRequest(f *testing.F) {
	f.Add([]byte("s=abc.def&pin=123456"), true, false, "ivr_1")
	f.Add([]byte("ani=05305552001&call_id=x"), false, true, "")
	f.Add([]byte("s=eyJjIjoxLCJrIjoicGluIiwiZSI6OTk5OTk5OTk5OX0.AAAA&ok=1"), true, true, "ivr_2")
	f.Add([]byte("%zz&s=&s=x"), true, false, "ivr 3")
	f.Add([]byte(strings.Repeat("a", 70<<10)), true, false, "ivr_4")
	now := time.Unix(1767225600, 0)
	platform := &net.IPNet{IP: net.IPv4(198, 51, 100, 0), Mask: net.CIDRMask(24, 32)}
	s := &Service{Key: []byte("state-key-0123456789abcdef012345"), WebhookKey: []byte("ivr-key-0123456789abcdef01234567"),
		Platforms: []*net.IPNet{platform}, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, body []byte, fromPlatform, signed bool, id string) {
		for _, wrongKey := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodPost, StepPath, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			ip := "203.0.113.9"
			if fromPlatform {
				ip = "198.51.100.7"
			}
			req = req.WithContext(WithClientIP(req.Context(), ip))
			if signed {
				key := s.WebhookKey
				if wrongKey {
					key = []byte("not-the-platform-key-0123456789ab")
				}
				bankbridge.SetHeaders(req.Header, key, id, now, body)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			believed := fromPlatform || signed && !wrongKey && id != "" && len(body) <= 64<<10
			want := http.StatusForbidden
			if believed {
				want = http.StatusBadRequest
			}
			if rec.Code != want {
				t.Fatalf("platform %v signed %v wrong key %v: %d %s, want %d", fromPlatform, signed, wrongKey, rec.Code, rec.Body, want)
			}
		}
	})
}

// FuzzCallState: the call state handed to the platform opens to exactly what
// was sealed, until it expires; any change to its text, a state sealed with
// another key, or one past its life is refused.
func FuzzCallState(f *testing.F) {
	f.Add(int64(1), "flow", "3", "amount", "pin", "shop", "1234564", 0, uint8(0))
	f.Add(int64(9), "pin", "", "", "", "", "", 29, uint8(7))
	f.Add(int64(-1), "agent", "x", "y", "", "k", "v", 31, uint8(200))
	now := time.Unix(1767225600, 0)
	f.Fuzz(func(t *testing.T, call int64, kind, flow, step, in, key, value string, later int, at uint8) {
		clock := now
		s := &Service{Key: []byte("state-key-0123456789abcdef012345"), Now: func() time.Time { return clock }}
		st := state{Call: call, Kind: kind, Flow: flow, Step: step}
		if in != "" {
			st.In = []string{in}
		}
		if key != "" {
			st.Data = Data{key: value}
		}
		tok := s.seal(st)
		st.Exp = now.Add(StateLife).Unix()
		got, err := s.open(tok)
		if call <= 0 {
			if err == nil {
				t.Fatalf("a state of call %d opened", call)
			}
			return
		}
		if err != nil || !reflect.DeepEqual(got, st) {
			if !validUTF8(kind, flow, step, in, key, value) {
				return // JSON carries U+FFFD for such text: not what was sealed
			}
			t.Fatalf("sealed %+v, opened %+v %v", st, got, err)
		}
		// One character changed anywhere.
		b := []byte(tok)
		i := int(at) % len(b)
		b[i] ^= 0x01
		if _, err := s.open(string(b)); err == nil {
			t.Fatalf("a state changed at %d opened: %s", i, b)
		}
		other := &Service{Key: []byte("another-key-0123456789abcdef0123"), Now: s.Now}
		if _, err := other.open(tok); err == nil {
			t.Fatal("a state opened under another key")
		}
		clock = now.Add(time.Duration(later%60) * time.Minute)
		_, err = s.open(tok)
		if expired := clock.Unix() > st.Exp; expired != (err != nil) {
			t.Fatalf("%v later: %v", clock.Sub(now), err)
		}
	})
}

func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// FuzzCallerNumber: the calling number comes out as digits only, as a
// domestic number (no +86 or 0086 left), and normalising it again changes
// nothing.
func FuzzCallerNumber(f *testing.F) {
	for _, s := range []string{"05305552001", "+865305552001", "tel:+865305552001", "+86 138 0013 8000", "008613800138000", "+86", "tel:", "", "١٢٣", "0086"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ani string) {
		n := CallerNumber(ani)
		if strings.Trim(n, "0123456789") != "" {
			t.Fatalf("%q → %q", ani, n)
		}
		if again := CallerNumber(n); again != n {
			t.Fatalf("%q → %q → %q", ani, n, again)
		}
	})
}

func TestCallerNumber(t *testing.T) {
	for ani, want := range map[string]string{"05305552001": "05305552001", "+865305552001": "05305552001", "tel:+865305552001": "05305552001",
		"+86 530 5552001": "05305552001", "+86 0530 5552001": "05305552001", "TEL: +86 530-5552001": "05305552001",
		"sip:+865305552001@gw.example": "05305552001", "008613800138000": "13800138000", "+8613800138000": "13800138000",
		"+15551234567": "15551234567", "+86": "", "": ""} {
		if got := CallerNumber(ani); got != want {
			t.Errorf("CallerNumber(%q) = %q, want %q", ani, got, want)
		}
	}
}
