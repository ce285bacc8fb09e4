package models

import "testing"

func TestParseRatePercent(t *testing.T) {
	for in, want := range map[string]string{"0.6": "0.006", "0.6%": "0.006", " 1 ": "0.01", "0": "0", "19.99": "0.1999"} {
		r, err := ParseRatePercent("rate", in)
		if err != nil || r.String() != want {
			t.Errorf("%q: %v %v, want %s", in, r, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-1", "20", "25", "0.125", "1e1", "NaN"} {
		if _, err := ParseRatePercent("rate", in); ErrorField(err) != "rate" {
			t.Errorf("%q accepted: %v", in, err)
		}
	}
	r, _ := ParseRatePercent("rate", "0.6")
	if r.Percent() != "0.6" || r.Display() != "0.60%" || r.Of(MustParseMoney("259.00")).String() != "1.55" {
		t.Fatalf("0.6%%: %s %s %s", r.Percent(), r.Display(), r.Of(MustParseMoney("259.00")))
	}
	if half := r.Of(MustParseMoney("0.75")); half.String() != "0.00" { // 0.0045 rounds down
		t.Fatalf("0.6%% of 0.75 = %s", half)
	}
	big, _ := ParseRatePercent("rate", "19")
	if got := big.Of(MustParseMoney("0.01")); got.String() != "0.00" {
		t.Fatalf("19%% of 0.01 = %s", got)
	}
	if _, err := ParseRate("1.5"); err == nil {
		t.Fatal("a stored rate of 150% accepted")
	}
}
