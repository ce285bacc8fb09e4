package models

import "testing"

func TestReferences(t *testing.T) {
	for range 200 {
		o, w := NewReference(RefOrder), NewReference(RefWallet)
		if !ValidReference(o) || !ValidReference(w) {
			t.Fatalf("invalid fresh references %s %s", o, w)
		}
		if _, k := FindReference(o); k != RefOrder {
			t.Fatalf("%s not an order reference", o)
		}
		if _, k := FindReference(w); k != RefWallet {
			t.Fatalf("%s not a wallet reference", w)
		}
		// Every single-digit typo is caught.
		for i := 0; i < 9; i++ {
			for d := byte('0'); d <= '9'; d++ {
				if d == o[i] {
					continue
				}
				typo := o[:i] + string(d) + o[i+1:]
				if ValidReference(typo) {
					t.Fatalf("typo %s of %s passes the check digit", typo, o)
				}
			}
		}
	}
	ref := NewReference(RefOrder)
	g := GroupReference(ref)
	fw := ""
	for _, r := range ref {
		fw += string(r - '0' + '０')
	}
	for _, memo := range []string{ref, g, "order " + g + " thanks", "付款" + ref, ref[:3] + "-" + ref[3:6] + "-" + ref[6:], fw} {
		got, k := FindReference(memo)
		if got != ref || k != RefOrder {
			t.Errorf("FindReference(%q) = %q %v, want %s", memo, got, k, ref)
		}
	}
	for _, memo := range []string{"", "thanks", "12345678", "1234567890", ref[:8] + string('0'+(ref[8]-'0'+1)%10)} {
		if got, k := FindReference(memo); k != RefUnknown {
			t.Errorf("FindReference(%q) = %q, want nothing", memo, got)
		}
	}
}
