package auth

// BeforePINCheck makes s call f after reserving a payment password attempt
// and before hashing its PIN, so tests can hold checks in flight.
func BeforePINCheck(s *Service, f func(pin string)) { s.beforePINCheck = f }

// HashPINAsBefore hashes pin under s's pepper with the login passwords'
// argon2id parameters, as payment passwords were hashed before pinParams.
func HashPINAsBefore(s *Service, pin string) (string, error) {
	secret, err := s.pinSecret(pin)
	if err != nil {
		return "", err
	}
	return hash(idPIN, secret, passwordParams)
}
