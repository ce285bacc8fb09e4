package auth

import (
	"testing"
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
