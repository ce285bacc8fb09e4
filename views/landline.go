package views

import (
	"context"
	"time"

	"lineescrow/models"
)

// What a fixed-line charge waits for: the service's words (telecom.Waiting),
// which the web layer passes through (a test there holds the two together).
const (
	WaitOperator = "operator" // the phone company has not confirmed the charge
	WaitBill     = "bill"     // on the bill of its cycle, not issued yet
	WaitPayment  = "payment"  // billed: the subscriber pays by the due date
	WaitOverdue  = "overdue"  // the bill is overdue
)

// Why a bound line cannot charge now (telecom.Blocked…).
const (
	BlockedOverdue    = "overdue"
	BlockedWrittenOff = "written_off"
	BlockedArrears    = "in_arrears"
	BlockedStatus     = "not_active"
	BlockedNoCredit   = "no_credit"
)

// The steps of the landline page.
const (
	LandlineStepLookup = "lookup" // no line bound, no binding: the number
	LandlineStepHolder = "holder" // looked up: the holder's name and ID digits
	LandlineStepCode   = "code"   // the holder confirmed: the code the call read
	LandlineStepBound  = "bound"
)

// LandlineVM is the buyer's landline page: one step of the binding, or the
// bound line with its credit; and the orders charged to the phone bill.
type LandlineVM struct {
	Step    string
	Binding *BindingVM // the holder and code steps
	Line    *LineVM    // bound
	Charges []LineChargeRow
	Form    *Form
	// SimURL is the telecom simulator (demo), where the call's code shows.
	SimURL string
}

// BindingVM is a binding in progress. It never holds the ID digits or the
// code.
type BindingVM struct {
	Phone        string // formatted, 0530-5552001
	HolderMasked string // 张*
	CreditClass  string
	TenureMonths int
	TriesLeft    int // holder checks left
	CallsLeft    int
	CalledAt     *time.Time // the last verification call
	CodeUntil    *time.Time // when its code expires
}

// LineVM is the bound landline and its credit here.
type LineVM struct {
	Phone        string // formatted
	Holder       string
	CreditClass  string
	TenureMonths int
	BoundAt      *time.Time
	Limit        models.Money
	Used         models.Money
	Available    models.Money
	// Blocked says why the line cannot charge now (Blocked…), "" when it can.
	Blocked string
	Policy  models.CreditPolicy
}

// ChargeFacts are what the pages say of a fixed-line charge.
type ChargeFacts struct {
	State       string // models.ChargeState
	Waiting     string // Wait…, "" when it waits for nothing
	BillCycle   string
	BillDate    *time.Time // when the bill carrying it is issued (not billed yet)
	DueAt       *time.Time // when that bill is due (billed)
	DaysOverdue int
	LateFee     models.Money
	Credited    models.Money
}

// LineChargeRow is an order charged to the buyer's phone bill.
type LineChargeRow struct {
	ChargeFacts
	OrderID int64
	Title   string
	Href    string
	Amount  models.Money
	At      time.Time
}

// OrderChargeVM is an order's charge as its page shows it.
type OrderChargeVM struct {
	ChargeFacts
	Phone string // masked for anyone but the buyer
	// HolderMismatch: the consignee is not the line's holder (never set for
	// the buyer).
	HolderMismatch bool
}

// LandlinePayVM is the buyer's landline, for paying an order with it.
type LandlinePayVM struct {
	Bound       bool
	Phone       string
	CreditClass string
	Limit       models.Money
	Available   models.Money
	Blocked     string
}

// CardRow is a recharge card top-up.
type CardRow struct {
	ID      string
	Last4   string
	State   string // requested, redeemed, refused
	Refusal string
	Face    *models.Money
	At      time.Time
}

// SellerChargeRow is an order whose proceeds wait for the buyer's phone bill.
type SellerChargeRow struct {
	ChargeFacts
	OrderID int64
	Title   string
	Href    string
	// Pending is the seller's part still waiting; Advanced the part paid
	// early (垫资).
	Pending  models.Money
	Advanced models.Money
}

// ChargeStateLabel names a charge's state.
func ChargeStateLabel(state string) string {
	switch models.ChargeState(state) {
	case models.ChargeRequested:
		return "Not confirmed by the phone company yet"
	case models.ChargeAccepted:
		return "Accepted, not billed yet"
	case models.ChargeBilled:
		return "Billed"
	case models.ChargeCollected:
		return "Paid with the phone bill"
	case models.ChargeOverdue:
		return "Overdue"
	case models.ChargeWrittenOff:
		return "Written off"
	case models.ChargeCancelled:
		return "Cancelled"
	case models.ChargeVoid:
		return "Not used"
	case models.ChargeRefused:
		return "Refused"
	}
	return state
}

func chargeBadge(state string) string {
	switch models.ChargeState(state) {
	case models.ChargeCollected:
		return "ok"
	case models.ChargeOverdue, models.ChargeWrittenOff, models.ChargeRefused:
		return "err"
	case models.ChargeCancelled, models.ChargeVoid:
		return ""
	}
	return "info"
}

// BuyerWaits says, in the buyer's words, what a charge waits for now.
func BuyerWaits(ctx context.Context, c ChargeFacts) string {
	switch c.Waiting {
	case WaitOperator:
		return T(ctx, "The phone company has not confirmed the charge yet.")
	case WaitBill:
		if c.BillDate != nil {
			return Tf(ctx, "On your phone bill issued on %s.", Day(*c.BillDate))
		}
		if c.BillCycle != "" {
			return Tf(ctx, "On your phone bill of %s.", c.BillCycle)
		}
		return T(ctx, "On your next phone bill.")
	case WaitPayment:
		if c.DueAt != nil {
			return Tf(ctx, "On your phone bill, due by %s.", Day(*c.DueAt))
		}
		return T(ctx, "On your phone bill: pay it by its due date.")
	case WaitOverdue:
		return Tf(ctx, "Overdue, late fee %s: pay your phone bill.", c.LateFee.Display())
	}
	switch models.ChargeState(c.State) {
	case models.ChargeCollected:
		return T(ctx, "Paid with your phone bill.")
	case models.ChargeCancelled:
		return T(ctx, "Cancelled: it is not on your phone bill.")
	case models.ChargeWrittenOff:
		return T(ctx, "The phone company stopped collecting it.")
	case models.ChargeVoid:
		return T(ctx, "Not used: the order was paid another way, the charge is cancelled.")
	}
	return ""
}

// SellerWaits says, in the seller's words, what a charge waits for now.
func SellerWaits(ctx context.Context, c ChargeFacts) string {
	switch c.Waiting {
	case WaitOperator:
		return T(ctx, "The phone company has not confirmed the charge yet.")
	case WaitBill:
		if c.BillDate != nil {
			return Tf(ctx, "On the buyer's phone bill issued on %s.", Day(*c.BillDate))
		}
		if c.BillCycle != "" {
			return Tf(ctx, "On the buyer's phone bill of %s, not issued yet.", c.BillCycle)
		}
		return T(ctx, "On the buyer's next phone bill, not issued yet.")
	case WaitPayment:
		if c.DueAt != nil {
			return Tf(ctx, "Billed: the buyer pays by %s.", Day(*c.DueAt))
		}
		return T(ctx, "Billed: the buyer pays by the bill's due date.")
	case WaitOverdue:
		return Tf(ctx, "The buyer's bill is %d days overdue: the phone company is still collecting it.", c.DaysOverdue)
	}
	return ""
}

// CreditedText says a bill credit, "" when there is none.
func CreditedText(ctx context.Context, c ChargeFacts) string {
	if !c.Credited.IsPositive() {
		return ""
	}
	return Tf(ctx, "Credited %s on your next phone bill.", c.Credited.Display())
}

// BlockedText says why a line cannot charge now.
func BlockedText(ctx context.Context, blocked, class string) string {
	switch blocked {
	case BlockedOverdue:
		return T(ctx, "A phone bill of this line is overdue: the line cannot pay until that bill is paid.")
	case BlockedWrittenOff:
		return T(ctx, "A phone bill of this line was never paid: the line can no longer pay here.")
	case BlockedArrears:
		return T(ctx, "The phone company says this line has an unpaid bill: pay it first.")
	case BlockedStatus:
		return T(ctx, "The phone company has suspended or closed this line: it cannot pay.")
	case BlockedNoCredit:
		return Tf(ctx, "The phone company's credit class of this line (%s) gives it no credit for payments.", class)
	}
	return ""
}

// limitText is a class's limit, or "none".
func limitText(ctx context.Context, m models.Money) string {
	if !m.IsPositive() {
		return T(ctx, "none")
	}
	return m.Display()
}

// CreditWhy explains, with the operators' numbers, how the line's credit
// comes from its class and tenure.
func CreditWhy(ctx context.Context, l LineVM) []string {
	p := l.Policy
	out := []string{Tf(ctx, "Your credit here comes from the phone company's credit class of the line and how long it has been open: class A %s, class B %s, class C %s, class D %s; a line open less than %d months gets at most %s.",
		limitText(ctx, p.LimitA), limitText(ctx, p.LimitB), limitText(ctx, p.LimitC), limitText(ctx, p.LimitD), p.NewLineMonths, p.NewLineLimit.Display())}
	if l.TenureMonths < p.NewLineMonths {
		out = append(out, Tf(ctx, "This line is class %s and has been open %d months, less than %d: its credit is %s.",
			l.CreditClass, l.TenureMonths, p.NewLineMonths, limitText(ctx, l.Limit)))
	} else {
		out = append(out, Tf(ctx, "This line is class %s and has been open %d months: its credit is %s.", l.CreditClass, l.TenureMonths, limitText(ctx, l.Limit)))
	}
	out = append(out, T(ctx, "Credit used is what your orders charged to the line and the phone company has not collected yet: it is free again once you pay the phone bill that carries it."))
	return out
}

// CardStateLabel names where a recharge card top-up is.
func CardStateLabel(state string) string {
	switch state {
	case "requested":
		return "Waiting for the phone company's answer"
	case "redeemed":
		return "Added to your balance"
	case "refused":
		return "Refused"
	}
	return state
}

// CardRefusalLabel names why the phone company refused a card.
func CardRefusalLabel(code string) string {
	switch code {
	case "invalid_card":
		return "wrong card number or PIN"
	case "already_used":
		return "already used"
	case "expired":
		return "expired"
	}
	return code
}

func cardBadge(state string) string {
	switch state {
	case "redeemed":
		return "ok"
	case "refused":
		return "err"
	}
	return "info"
}

// payFormFor is the order page's form as one payment form shows it: the
// errors of a refused payment beside the fields of the form that was sent
// (pay_via), not beside every payment password on the page.
func payFormFor(f *Form, via string) *Form {
	sent := f.Get("pay_via")
	if sent == "" {
		sent = "wallet"
	}
	if sent == via {
		return f
	}
	return NewForm()
}

// landlineKindLabels name the timeline and ledger kinds of fixed-line
// charging and recharge cards.
var landlineKindLabels = map[string]string{
	"charge.accepted":              "Charged to the landline's phone bill",
	"charge.refused":               "The phone company refused the charge",
	"charge.void":                  "Charge not used: the order was paid another way",
	"charge.refund":                "Refund back to the phone bill",
	"charge.cancelled":             "Charge cancelled before the bill",
	"charge.credited":              "Credited on the next phone bill",
	"charge.billed":                "On the issued phone bill",
	"charge.collected":             "Phone bill paid",
	"charge.overdue":               "Phone bill overdue",
	"charge.written_off":           "Phone bill written off by the phone company",
	"charge.advanced":              "Paid to the seller early",
	"wallet.card_topup":            "Recharge card top-up",
	"telecom.advance":              "Paid early, before the phone bill",
	"telecom.proceeds_collected":   "The phone bill was paid: available",
	"telecom.proceeds_written_off": "Available (the phone company stopped collecting)",
}

func init() {
	for k, v := range landlineKindLabels {
		kindLabels[k] = v
	}
}
