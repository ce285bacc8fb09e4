package models

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is an amount of CNY, exact to the fen (two decimals). The zero value is
// ¥0.00. It is the only way amounts enter the program: ParseMoney and
// ParseAmount for text from outside, FromFen for whole fen, and arithmetic on
// Money values. There is no constructor from float64.
//
// In JSON a Money is a string such as "259.00"; JSON numbers are refused so that
// no client's float can round on the way in. In SQL it is NUMERIC(18,2).
type Money struct{ d decimal.Decimal }

// plainDecimal is what an amount from outside may look like: digits, no sign, no
// exponent, no grouping, no leading zeros, at most two decimals (checked apart so
// the message can say so).
var plainDecimal = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// maxDigits keeps amounts inside NUMERIC(18,2).
const maxDigits = 16

var hundred = decimal.NewFromInt(100)

// Zero is ¥0.00.
var Zero = Money{}

// FromFen returns the Money of n fen (1/100 yuan).
func FromFen(n int64) Money { return Money{decimal.New(n, -2)} }

// MustParseMoney parses s or panics; for constants in code and tests only.
func MustParseMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// ParseMoney parses a non-negative plain decimal with at most two decimals, such
// as "0", "12", "259.5" or "259.00". It returns EINVALID for anything else: empty
// text, signs, exponents, NaN, grouping, spaces, or a third decimal.
func ParseMoney(s string) (Money, error) {
	if s == "" {
		return Money{}, FieldError("amount", "Enter an amount.")
	}
	if !plainDecimal.MatchString(s) {
		return Money{}, FieldError("amount", "Enter the amount as a plain number such as 259.00.")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return Money{}, FieldError("amount", "An amount has at most two decimals (fen).")
	}
	if len(intPart) > maxDigits {
		return Money{}, FieldError("amount", "The amount is too large.")
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Money{}, FieldError("amount", "Enter the amount as a plain number such as 259.00.")
	}
	return Money{d}, nil
}

// ParseAmount parses an amount that must be positive and at most max (ignored
// when max is zero). Errors are EINVALID with field "amount".
func ParseAmount(s string, max Money) (Money, error) {
	m, err := ParseMoney(s)
	if err != nil {
		return Money{}, err
	}
	if !m.IsPositive() {
		return Money{}, FieldError("amount", "The amount must be greater than zero.")
	}
	if !max.IsZero() && m.GreaterThan(max) {
		return Money{}, FieldError("amount", "The amount may not exceed %s.", max.Display())
	}
	return m, nil
}

// String returns the amount with exactly two decimals, e.g. "1234.50" or "-3.00".
func (m Money) String() string { return m.d.StringFixed(2) }

// Display returns the amount as people read it: "¥1,234.50" (with a leading
// minus for negative amounts).
func (m Money) Display() string {
	s := m.d.Abs().StringFixed(2)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if m.d.IsNegative() {
		b.WriteByte('-')
	}
	b.WriteString("¥")
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	b.WriteString(frac)
	return b.String()
}

// Fen returns the amount in whole fen.
func (m Money) Fen() int64 { return m.d.Mul(hundred).IntPart() }

// Decimal returns the underlying decimal, for code that must compute with rates.
func (m Money) Decimal() decimal.Decimal { return m.d }

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{m.d.Add(o.d)} }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return Money{m.d.Sub(o.d)} }

// Neg returns -m.
func (m Money) Neg() Money { return Money{m.d.Neg()} }

// Cmp compares m and o: -1, 0 or +1.
func (m Money) Cmp(o Money) int { return m.d.Cmp(o.d) }

// Equal reports whether m == o.
func (m Money) Equal(o Money) bool { return m.d.Equal(o.d) }

// GreaterThan reports whether m > o.
func (m Money) GreaterThan(o Money) bool { return m.d.GreaterThan(o.d) }

// LessThan reports whether m < o.
func (m Money) LessThan(o Money) bool { return m.d.LessThan(o.d) }

// IsZero reports whether m is ¥0.00.
func (m Money) IsZero() bool { return m.d.IsZero() }

// IsPositive reports whether m > 0.
func (m Money) IsPositive() bool { return m.d.IsPositive() }

// IsNegative reports whether m < 0.
func (m Money) IsNegative() bool { return m.d.IsNegative() }

// Min returns the smaller of m and o.
func (m Money) Min(o Money) Money {
	if o.LessThan(m) {
		return o
	}
	return m
}

// MulRate returns m × rate rounded half-up to the fen (half away from zero, which
// is half-up for the positive amounts fees are taken from).
func (m Money) MulRate(rate decimal.Decimal) Money { return Money{m.d.Mul(rate).Round(2)} }

// RoundFen rounds a decimal half-up (away from zero) to the fen.
func RoundFen(d decimal.Decimal) Money { return Money{d.Round(2)} }

// MarshalJSON writes the amount as a JSON string with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(`"` + m.String() + `"`), nil }

// UnmarshalJSON accepts only a JSON string holding a plain non-negative decimal
// with at most two decimals. Numbers, null, exponents and NaN are refused.
func (m *Money) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return FieldError("amount", "An amount must be a JSON string such as \"259.00\", not a number.")
	}
	v, err := ParseMoney(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalText and UnmarshalText let Money sit in query strings and form binders.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses text with ParseMoney.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Value stores the amount as a NUMERIC literal.
func (m Money) Value() (driver.Value, error) { return m.String(), nil }

// Scan reads a NUMERIC column. Values with more than two decimals are refused:
// the schema makes them impossible, so one would mean corruption.
func (m *Money) Scan(src any) error {
	var d decimal.Decimal
	if err := d.Scan(src); err != nil {
		return fmt.Errorf("scan money: %w", err)
	}
	if !d.Equal(d.Round(2)) {
		return fmt.Errorf("scan money: %s has more than two decimals", d)
	}
	*m = Money{d}
	return nil
}
