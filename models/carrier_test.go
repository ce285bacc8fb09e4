package models

import (
	"strings"
	"testing"
)

func TestCarrierFormats(t *testing.T) {
	cases := []struct {
		code, no string
		ok       bool
	}{
		{"SF", "SF1234567890123", true},
		{"sf", "SF123", false},
		{"JT", "JT1234567890123", true},
		{"JT", "SF1234567890123", false},
		{"EMS", "EA123456789CN", true},
		{"EMS", "EA12345CN", false},
		{"YUNDA", "4312345678901", true},
	}
	for _, c := range cases {
		car, found := CarrierByCode(c.code)
		if !found {
			t.Fatalf("carrier %q not found", c.code)
		}
		if got := car.TrackingMatches(c.no); got != c.ok {
			t.Errorf("%s %s: got %v want %v", c.code, c.no, got, c.ok)
		}
	}
	if _, found := CarrierByCode("nope"); found {
		t.Error("unknown carrier found")
	}
	sf, _ := CarrierByCode("SF")
	if l := sf.TrackingLink("SF 1&2"); !strings.Contains(l, "SF+1%262") {
		t.Errorf("link not escaped: %s", l)
	}
}
