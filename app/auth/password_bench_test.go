package auth

import "testing"

// BenchmarkPINCheck measures one payment password check with the argon2id
// parameters PINs used before (the login passwords') and with today's
// pinParams; -benchmem shows the memory each holds.
func BenchmarkPINCheck(b *testing.B) {
	s := &Service{pepper: []byte("bench-pepper-bench-pepper-bench-pepper")}
	secret, err := s.pinSecret("284913")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		p    params
	}{{"before/m=19MiB,t=2", passwordParams}, {"now/m=2MiB,t=1", pinParams}} {
		h, err := hash(idPIN, secret, c.p)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if ok, _, err := s.verifyPIN(h, "284913"); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
