package models

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// Payment references are what a payer types as the memo of a phone-banking
// transfer: nine digits (easy on a phone keypad), the last a Luhn check digit
// that catches any single mistyped digit and most swapped neighbours. The first
// digit says what the money is for.
const (
	refLen = 9
)

// ReferenceKind is what a payment reference pays for.
type ReferenceKind int

// Reference kinds.
const (
	RefUnknown ReferenceKind = iota
	RefOrder                 // first digit 1–7
	RefWallet                // first digit 8: a buyer's personal top-up reference
)

// NewReference returns a fresh random reference of the kind.
func NewReference(kind ReferenceKind) string {
	var first int64
	switch kind {
	case RefOrder:
		n, _ := rand.Int(rand.Reader, big.NewInt(7))
		first = 1 + n.Int64()
	case RefWallet:
		first = 8
	default:
		panic("NewReference: unknown kind")
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(10_000_000))
	body := []byte{byte('0' + first)}
	s := n.String()
	body = append(body, strings.Repeat("0", 7-len(s))+s...)
	return string(body) + string(rune('0'+luhnDigit(string(body))))
}

// luhnDigit is the Luhn check digit of the digits s.
func luhnDigit(s string) int {
	sum := 0
	double := true
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

// ValidReference reports whether ref is nine digits with a right check digit.
func ValidReference(ref string) bool {
	if len(ref) != refLen || strings.Trim(ref, "0123456789") != "" {
		return false
	}
	return luhnDigit(ref[:refLen-1]) == int(ref[refLen-1]-'0')
}

// FindReference extracts a payment reference from a transfer memo, as payers
// type them: with spaces or dashes, among other words, in full-width digits.
// It returns the reference and its kind, or RefUnknown when the memo holds no
// valid one (a typo fails the check digit and goes to suspense).
func FindReference(memo string) (string, ReferenceKind) {
	var b strings.Builder
	flush := func() (string, bool) {
		s := b.String()
		b.Reset()
		return s, ValidReference(s)
	}
	for _, r := range memo + " " {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case (r == ' ' || r == '-' || r == '　') && b.Len() > 0 && b.Len() < refLen:
			// grouping inside a reference ("123 456 789")
		default:
			if s, ok := flush(); ok {
				return s, referenceKind(s)
			}
		}
	}
	return "", RefUnknown
}

func referenceKind(ref string) ReferenceKind {
	switch {
	case ref[0] >= '1' && ref[0] <= '7':
		return RefOrder
	case ref[0] == '8':
		return RefWallet
	}
	return RefUnknown
}

// GroupReference shows a reference in groups of three: "123 456 789".
func GroupReference(ref string) string {
	if len(ref) != refLen {
		return ref
	}
	return ref[0:3] + " " + ref[3:6] + " " + ref[6:9]
}

// NearReferences are the order references a payer may have meant by the nine
// digits d: d with one digit changed or two neighbours swapped, where the
// result is a valid order reference (the check digit catches exactly these
// mistakes, so the money went to suspense). At most 89 of them.
func NearReferences(d string) []string {
	if len(d) != refLen || strings.Trim(d, "0123456789") != "" {
		return nil
	}
	var out []string
	seen := map[string]bool{d: true}
	add := func(b []byte) {
		s := string(b)
		if !seen[s] && ValidReference(s) && referenceKind(s) == RefOrder {
			seen[s] = true
			out = append(out, s)
		}
	}
	for i := 0; i < refLen; i++ {
		for c := byte('0'); c <= '9'; c++ {
			b := []byte(d)
			b[i] = c
			add(b)
		}
		if i+1 < refLen {
			b := []byte(d)
			b[i], b[i+1] = b[i+1], b[i]
			add(b)
		}
	}
	return out
}
