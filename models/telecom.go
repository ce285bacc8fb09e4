package models

import (
	"strings"
	"time"
	"unicode"
)

// LandlineState is where a buyer's landline is in its binding.
type LandlineState string

// Landline states.
const (
	LineLookedUp       LandlineState = "looked_up"       // active and not in arrears; the holder not checked yet
	LineHolderVerified LandlineState = "holder_verified" // name and ID digits match; the call's code not typed yet
	LineBound          LandlineState = "bound"
	LineUnbound        LandlineState = "unbound"
	LineAbandoned      LandlineState = "abandoned" // a binding given up or replaced by another
)

// Landline is a landline a buyer binds to the account. HolderName is the
// full name once verified; the ID digits are only ever kept as a keyed MAC.
type Landline struct {
	ID           int64 `gorm:"primaryKey"`
	UserID       int64
	Phone        string // digits only
	State        LandlineState
	HolderMasked string
	HolderName   string
	IDMac        string `gorm:"column:id_mac"`
	CreditClass  string
	TenureMonths int
	BillingDay   int
	LineStatus   string
	InArrears    bool
	LookedUpAt   time.Time
	HolderTries  int
	CodeMac      string
	CodeSentAt   *time.Time
	CodeTries    int
	Calls        int
	CreatedAt    time.Time
	BoundAt      *time.Time
	UnboundAt    *time.Time
}

// ChargeState is where a fixed-line charge is.
type ChargeState string

// Charge states (see migrations/00008_telecom.sql).
const (
	ChargeRequested  ChargeState = "requested"
	ChargeRefused    ChargeState = "refused"
	ChargeAccepted   ChargeState = "accepted"
	ChargeVoid       ChargeState = "void"
	ChargeBilled     ChargeState = "billed"
	ChargeCollected  ChargeState = "collected"
	ChargeOverdue    ChargeState = "overdue"
	ChargeWrittenOff ChargeState = "written_off"
	ChargeCancelled  ChargeState = "cancelled"
)

// Uncollected reports whether the charge still uses the line's credit: it is
// (or may be) on a bill the subscriber has not paid.
func (s ChargeState) Uncollected() bool {
	return s == ChargeRequested || s == ChargeAccepted || s == ChargeBilled || s == ChargeOverdue
}

// Ended reports whether the operator is done with the charge: the seller's
// proceeds need not wait for it any longer.
func (s ChargeState) Ended() bool {
	return s == ChargeCollected || s == ChargeWrittenOff || s == ChargeCancelled || s == ChargeRefused || s == ChargeVoid
}

// Charge is an order, or an in-store payment, charged to a landline.
type Charge struct {
	ID string `gorm:"primaryKey"`
	// OrderID is the order the charge pays (0 when it pays an in-store
	// payment, InstorePaymentID, instead).
	OrderID          int64
	InstorePaymentID *string
	BuyerID          int64
	SellerID         int64
	LandlineID       int64
	Phone            string
	Amount           Money
	State            ChargeState
	Refusal          string
	WorkOrderID      *string
	BillCycle        *string
	BilledAt         *time.Time
	CollectedAt      *time.Time
	DaysOverdue      int
	LateFee          Money
	Credited         Money
	ToPending        Money
	Advanced         Money
	ProceedsReleased bool
	HolderMismatch   bool
	Flagged          bool
	Links            []byte `gorm:"type:jsonb"`
	MerchantName     string
	Description      string
	WrittenOff       Money
	WrittenOffFee    Money
	SettledCycle     *string
	Attempts         int
	LastError        string
	CreatedAt        time.Time
	AcceptedAt       *time.Time
	UpdatedAt        time.Time
}

// TableName is the charges' table.
func (Charge) TableName() string { return "telecom_charges" }

// InstoreRef is the ledger reference of an in-store payment's transfers.
func InstoreRef(id string) string { return "instore:" + id }

// ForInstore reports whether the charge pays an in-store payment rather
// than an order.
func (c Charge) ForInstore() bool { return c.InstorePaymentID != nil }

// Owed is what the subscriber still owes for the charge, bill credits
// deducted: the part of the line's credit it uses while uncollected.
func (c Charge) Owed() Money { return c.Amount.Sub(c.Credited) }

// Cycle is the bill cycle that carries the charge, or "".
func (c Charge) Cycle() string {
	if c.BillCycle == nil {
		return ""
	}
	return *c.BillCycle
}

// CreditPolicy is how much a landline may charge at the platform: the limit
// by the operator's credit class, capped for lines of short tenure, and the
// limits on how often (PRODUCT.md, Paying 2; operators can change each).
type CreditPolicy struct {
	LimitA, LimitB, LimitC, LimitD Money
	// Lines younger than NewLineMonths (tenure) charge at most NewLineLimit.
	NewLineMonths int
	NewLineLimit  Money
	// ChargesPerDay bounds the charges of one line in a day (Asia/Shanghai).
	ChargesPerDay int
	// In its first NewBindingDays at the platform a line charges at most
	// NewBindingCharges times.
	NewBindingDays    int
	NewBindingCharges int
}

// DefaultCreditPolicy is PRODUCT.md's.
var DefaultCreditPolicy = CreditPolicy{
	LimitA: FromFen(300000), LimitB: FromFen(150000), LimitC: FromFen(50000), LimitD: Zero,
	NewLineMonths: 6, NewLineLimit: FromFen(30000),
	ChargesPerDay: 5, NewBindingDays: 7, NewBindingCharges: 3,
}

// Limit is the credit of a line of class (A to D) and tenure in months.
func (p CreditPolicy) Limit(class string, tenureMonths int) Money {
	var l Money
	switch class {
	case "A":
		l = p.LimitA
	case "B":
		l = p.LimitB
	case "C":
		l = p.LimitC
	case "D":
		l = p.LimitD
	default:
		return Zero
	}
	if tenureMonths < p.NewLineMonths {
		l = l.Min(p.NewLineLimit)
	}
	if l.IsNegative() {
		return Zero
	}
	return l
}

// LinkKind names what ties a seller to the landline that pays them: the
// cashing-out (套现) pattern of a seller paid on a friend's or their own line.
type LinkKind string

// Links. Hard links refuse the charge; the others flag it.
const (
	LinkSameLine    LinkKind = "same_landline"  // the seller's own number is the line
	LinkSameID      LinkKind = "same_id_digits" // the seller's own bound line has the same holder ID digits
	LinkSameHolder  LinkKind = "same_holder"    // the holder's name is the seller's (display, legal or account holder)
	LinkSameAccount LinkKind = "same_payout"    // the buyer withdrew to the seller's bank account
	LinkSameAddress LinkKind = "same_address"   // delivered to the seller's own address
)

// Hard reports whether a link refuses the charge outright.
func (k LinkKind) Hard() bool { return k == LinkSameLine || k == LinkSameID }

// Link is one tie found between a seller and a line.
type Link struct {
	Kind   LinkKind `json:"kind"`
	Detail string   `json:"detail"` // what matched, masked as operators may see it
}

// SameName compares two people's names as typed: case, spaces and middle
// dots (·) do not matter.
func SameName(a, b string) bool {
	n := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || r == '·' || r == '•' || r == '.' {
				return -1
			}
			return unicode.ToLower(r)
		}, s)
	}
	x, y := n(a), n(b)
	return x != "" && x == y
}

// SameAddress compares two delivery addresses, ignoring spaces and
// punctuation.
func SameAddress(a, b string) bool {
	n := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || unicode.IsPunct(r) {
				return -1
			}
			return unicode.ToLower(r)
		}, s)
	}
	x, y := n(a), n(b)
	return len([]rune(x)) >= 6 && x == y
}

// ParseLandline reads a landline number as people write it ("0530-5551234",
// "0530 555 1234", "(0530)5551234") into digits: 0, an area code and the
// number, 10 to 12 digits. Errors: EINVALID on field "phone".
func ParseLandline(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", FieldError("phone", "Enter the landline number with its area code, such as 0530-5551234.")
		}
	}
	d := b.String()
	if len(d) < 10 || len(d) > 12 || d[0] != '0' || d[1] == '0' {
		return "", FieldError("phone", "Enter the landline number with its area code, such as 0530-5551234.")
	}
	return d, nil
}

// FormatLandline writes a landline's digits with its area code apart:
// 0530-5551234 (three-digit codes of the big cities: 010-, 02x-).
func FormatLandline(d string) string {
	if len(d) < 10 {
		return d
	}
	n := 4
	if d[1] == '1' || d[1] == '2' {
		n = 3
	}
	return d[:n] + "-" + d[n:]
}

// MaskLandline shows a landline to someone who is not its holder: the area
// code and the last four digits.
func MaskLandline(d string) string {
	f := FormatLandline(d)
	i := strings.IndexByte(f, '-')
	if i < 0 || len(f)-i-1 <= 4 {
		return f
	}
	return f[:i+1] + strings.Repeat("*", len(f)-i-5) + f[len(f)-4:]
}

// ParseIDLast6 reads the last six characters of a Chinese ID number: five
// digits and a digit or X. Errors: EINVALID on field "id_last6".
func ParseIDLast6(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 6 {
		return "", FieldError("id_last6", "Enter the last six characters of the holder's ID number (digits, the last may be X).")
	}
	for i, r := range s {
		if !(r >= '0' && r <= '9') && !(i == 5 && r == 'X') {
			return "", FieldError("id_last6", "Enter the last six characters of the holder's ID number (digits, the last may be X).")
		}
	}
	return s, nil
}
