package models

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Rate is a share of an amount, such as a seller's commission: 0.006 is
// 0.6 %. People type and read it in percent; it is stored as the fraction.
type Rate struct{ d decimal.Decimal }

// MaxRatePercent bounds a commission: below 20 %.
const MaxRatePercent = 20

// ParseRatePercent reads a rate typed in percent ("0.6", "0.6%", "1"), with
// at most two decimals, from 0 up to (not including) MaxRatePercent.
//
// Errors: EINVALID on field.
func ParseRatePercent(field, s string) (Rate, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	d, err := decimal.NewFromString(s)
	if err != nil || strings.Trim(s, "0123456789.") != "" || strings.Count(s, ".") > 1 || d.IsNegative() || d.GreaterThanOrEqual(decimal.NewFromInt(MaxRatePercent)) || !d.Equal(d.Round(2)) {
		return Rate{}, FieldError(field, "Enter a rate in percent from 0 to 20, such as 0.6.")
	}
	return Rate{d.Shift(-2)}, nil
}

// ParseRate reads a stored fraction ("0.0060"); an error means the stored
// value is corrupt, never a person's typing.
func ParseRate(s string) (Rate, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil || d.IsNegative() || d.GreaterThanOrEqual(decimal.NewFromInt(1)) {
		return Rate{}, fmt.Errorf("%q is not a rate", s)
	}
	return Rate{d}, nil
}

// RateOfFraction returns the rate of a fraction known to be one (a constant).
func RateOfFraction(d decimal.Decimal) Rate { return Rate{d} }

// Of is the rate's share of m, rounded half-up to the fen, never more than m.
func (r Rate) Of(m Money) Money { return m.MulRate(r.d).Min(m) }

// Percent writes the rate in percent without the sign: 0.006 → "0.6".
func (r Rate) Percent() string { return r.d.Mul(hundred).String() }

// Display writes the rate for people: "0.60%".
func (r Rate) Display() string { return r.d.Mul(hundred).StringFixed(2) + "%" }

// String is the fraction: "0.006".
func (r Rate) String() string { return r.d.String() }

// Equal reports whether two rates are the same.
func (r Rate) Equal(o Rate) bool { return r.d.Equal(o.d) }

// MarshalJSON writes the rate in percent as a string ("0.6"), as the API reads it.
func (r Rate) MarshalJSON() ([]byte, error) { return []byte(`"` + r.Percent() + `"`), nil }

// Value stores the fraction.
func (r Rate) Value() (driver.Value, error) { return r.d.String(), nil }

// Scan reads a stored fraction.
func (r *Rate) Scan(src any) error {
	var d decimal.Decimal
	if err := d.Scan(src); err != nil {
		return fmt.Errorf("scan rate: %w", err)
	}
	r.d = d
	return nil
}
