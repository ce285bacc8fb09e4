package models

import (
	"strings"
	"testing"
)

// FuzzParseMoney: whatever the text, a parsed amount prints back to an
// equal amount with two decimals, is never negative, and ParseAmount never
// accepts what ParseMoney refuses or more than its maximum.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "259.00", "259.5", "1e3", "NaN", "-1", "+1", "1,000", " 1", "0.001", "99999999999999999999", "１２"} {
		f.Add(s)
	}
	max := MustParseMoney("50000.00")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		a, aerr := ParseAmount(s, max)
		if err != nil {
			if aerr == nil {
				t.Fatalf("ParseAmount accepted %q that ParseMoney refused", s)
			}
			return
		}
		if m.IsNegative() {
			t.Fatalf("%q parsed negative: %s", s, m)
		}
		back, err := ParseMoney(m.String())
		if err != nil || !back.Equal(m) || !strings.Contains(m.String(), ".") || len(m.String())-strings.Index(m.String(), ".") != 3 {
			t.Fatalf("%q → %q → %v %v", s, m.String(), back, err)
		}
		if aerr == nil && (!a.IsPositive() || a.GreaterThan(max)) {
			t.Fatalf("ParseAmount(%q) = %s", s, a)
		}
	})
}

// FuzzFindReference: a reference found in any memo is valid (its check
// digit right), and every valid reference is found again among other words.
func FuzzFindReference(f *testing.F) {
	for _, s := range []string{"货款 123456782", "1234 5678 2", "１２３４５６７８２", "ref 12345678-3", "", "8000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, memo string) {
		ref, kind := FindReference(memo)
		if ref == "" {
			if kind != RefUnknown {
				t.Fatalf("no reference in %q but kind %v", memo, kind)
			}
			return
		}
		if !ValidReference(ref) {
			t.Fatalf("found invalid %q in %q", ref, memo)
		}
		if got, _ := FindReference("付款 " + ref + " 谢谢"); got != ref {
			t.Fatalf("%q not found again: %q", ref, got)
		}
		// One digit changed fails the check digit.
		b := []byte(ref)
		b[3] = '0' + (b[3]-'0'+1)%10
		if ValidReference(string(b)) {
			t.Fatalf("%q with a typo %q still valid", ref, b)
		}
	})
}
