package settings

import (
	"testing"
	"time"
)

func TestDurations(t *testing.T) {
	good := map[string]time.Duration{"72h": 72 * time.Hour, "7d": 7 * 24 * time.Hour, "30m": 30 * time.Minute,
		"1h30m": 90 * time.Minute, "0.5d": 12 * time.Hour, " 10D ": 10 * 24 * time.Hour}
	for in, want := range good {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "30s", "0d", "-1h", "366d", "1e3h"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	for d, want := range map[time.Duration]string{72 * time.Hour: "3d", 7 * 24 * time.Hour: "7d", 90 * time.Minute: "1h30m",
		30 * time.Minute: "30m", 2 * time.Hour: "2h"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestCommissionSetting(t *testing.T) {
	v := Defaults
	if err := v.set(KeyDefaultCommission, "0.75"); err != nil || v.DefaultCommission.String() != "0.0075" {
		t.Fatalf("0.75%% = %v, %v", v.DefaultCommission, err)
	}
	for _, bad := range []string{"20", "-1", "0.125", "abc"} {
		if err := v.set(KeyDefaultCommission, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := v.Form()[KeyDefaultCommission]; got != "0.75" {
		t.Fatalf("form value %q", got)
	}
}
