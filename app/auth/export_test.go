package auth

// BeforePINCheck makes s call f after reserving a payment password attempt
// and before hashing its PIN, so tests can hold checks in flight.
func BeforePINCheck(s *Service, f func(pin string)) { s.beforePINCheck = f }
