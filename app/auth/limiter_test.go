package auth

import (
	"testing"
	"time"
)

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":                   "ip:203.0.113.7",
		"::ffff:203.0.113.7":            "ip:203.0.113.7",
		"2001:db8:1:2::1":               "ip:2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:ffff:9": "ip:2001:db8:1:2::/64",
		"2001:DB8:1:2::abcd":            "ip:2001:db8:1:2::/64",
		"fe80::1%eth0":                  "ip:fe80::/64",
		"2001:db8:1:3::1":               "ip:2001:db8:1:3::/64",
		"::1":                           "ip:::/64",
		"":                              "ip:",
		"not an address":                "ip:not an address",
	} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLimiterRefillsByItsClock(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(time.Minute, 2)
	l.Now = func() time.Time { return now }
	first, second, third := l.Allow("k"), l.Allow("k"), l.Allow("k")
	if !first || !second || third {
		t.Fatal("burst of 2 not enforced")
	}
	now = now.Add(59 * time.Second)
	if l.Allow("k") {
		t.Fatal("refilled before the interval")
	}
	now = now.Add(time.Second)
	if !l.Allow("k") || l.Allow("k") {
		t.Fatal("not exactly one attempt after one interval")
	}
	if !l.Allow("other") {
		t.Fatal("keys share a bucket")
	}
}

func TestLimiterReserveGivesBack(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(time.Hour, 2)
	l.Now = func() time.Time { return now }
	for i := range 10 {
		back, ok := l.Reserve("k")
		if !ok {
			t.Fatalf("reservation %d refused although every one was given back", i)
		}
		back()
	}
	if _, ok := l.Reserve("k"); !ok {
		t.Fatal("first kept reservation refused")
	}
	if !l.Allow("k") {
		t.Fatal("second attempt refused")
	}
	if back, ok := l.Reserve("k"); ok || back != nil {
		t.Fatal("reservation beyond the burst allowed")
	}
	if l.Allow("k") {
		t.Fatal("a refused reservation left a token")
	}
}
