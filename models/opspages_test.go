package models

import "testing"

// TestNearReferences: a reference with one mistyped digit or two swapped
// neighbours finds what it could have meant, and only valid order references.
func TestNearReferences(t *testing.T) {
	for i := 0; i < 200; i++ {
		ref := NewReference(RefOrder)
		b := []byte(ref)
		b[3] = '0' + (b[3]-'0'+7)%10
		swapped := []byte(ref)
		swapped[5], swapped[6] = swapped[6], swapped[5]
		for _, bad := range []string{string(b), string(swapped)} {
			if bad == ref {
				continue
			}
			near := NearReferences(bad)
			found := false
			for _, n := range near {
				if !ValidReference(n) || referenceKind(n) != RefOrder {
					t.Fatalf("NearReferences(%s) gives %s", bad, n)
				}
				found = found || n == ref
			}
			if !found || len(near) > 89 {
				t.Fatalf("NearReferences(%s) = %v, want %s among them", bad, near, ref)
			}
		}
	}
	for _, bad := range []string{"", "12345678", "1234567890", "12345678x"} {
		if n := NearReferences(bad); n != nil {
			t.Errorf("NearReferences(%q) = %v", bad, n)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"13800138000":      "138****8000",
		"05305551234":      "0530-***1234",
		"01012345678":      "010-****5678",
		"6222020200112233": "************2233",
		"123":              "123",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%s) = %s, want %s", in, got, want)
		}
	}
}
