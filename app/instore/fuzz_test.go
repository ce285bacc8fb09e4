package instore_test

import (
	"testing"

	"lineescrow/app/instore"
	"lineescrow/models"
)

// FuzzParseShopNumber: whatever is typed or keyed in, ParseShopNumber either
// returns seven ASCII digits, not starting with 0, whose last is the Luhn
// digit of the first six (computed here on its own), or refuses with EINVALID
// on the field "shop" and no number. What it accepts, printed as the counter
// card prints it, parses back to itself; and the same number with one digit
// mistyped, or two neighbours swapped (except 0 and 9, which Luhn cannot
// tell apart), is refused as mistyped.
func FuzzParseShopNumber(f *testing.F) {
	for _, s := range []string{"123 4564", "1234564", "１２３４５６４", "123-4564", "123\u30004564", "0234567", "12345678",
		"", " ", "12a4567", "1234565", "+123456", "١٢٣٤٥٦٤", "1234564\n", models.NewShopNumber()} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		n, err := instore.ParseShopNumber(typed)
		if err != nil {
			if e := models.AsError(err); e == nil || e.Code != models.EINVALID || e.Field != "shop" || n != "" {
				t.Fatalf("%q refused as %v with %q", typed, err, n)
			}
			return
		}
		d := string(n)
		if len(d) != 7 || d[0] < '1' || d[0] > '9' {
			t.Fatalf("%q accepted as %q", typed, d)
		}
		sum := 0
		for i := range 7 {
			c := d[i]
			if c < '0' || c > '9' {
				t.Fatalf("%q accepted as %q", typed, d)
			}
			v := int(c - '0')
			if i%2 == 1 { // from the right, every second digit before the check digit
				v *= 2
				if v > 9 {
					v -= 9
				}
			}
			sum += v
		}
		if sum%10 != 0 {
			t.Fatalf("%q accepted as %q, whose check digit is wrong", typed, d)
		}
		if back, err := instore.ParseShopNumber(n.Display()); err != nil || back != n {
			t.Fatalf("%q printed %q parses to %q %v", d, n.Display(), back, err)
		}
		mistyped := func(s string) {
			_, err := instore.ParseShopNumber(s)
			if e := models.AsError(err); e == nil || e.Field != "shop" || e.Reason != models.ReasonCheckDigit {
				t.Fatalf("%s (from %s) not refused as mistyped: %v", s, d, err)
			}
		}
		for i := range 7 {
			if i > 0 || d[i] != '9' { // a first digit of 0 is refused for another reason
				b := []byte(d)
				b[i] = '0' + (b[i]-'0'+1)%10
				if b[0] != '0' {
					mistyped(string(b))
				}
			}
			if i < 6 && d[i] != d[i+1] && !(d[i] == '0' && d[i+1] == '9' || d[i] == '9' && d[i+1] == '0') && (i > 0 || d[1] != '0') {
				b := []byte(d)
				b[i], b[i+1] = b[i+1], b[i]
				mistyped(string(b))
			}
		}
	})
}
