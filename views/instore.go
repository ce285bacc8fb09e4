package views

import (
	"time"

	"lineescrow/models"
)

// The in-store payments' pages (app/instore): the seller's shop number,
// counter card and till; the buyer's "Pay a shop".

// InstoreShopVM is a seller's shop number.
type InstoreShopVM struct {
	Number  string // as printed: 123 4567
	Name    string
	Enabled bool
}

// InstoreVM is the seller's in-store payments page.
type InstoreVM struct {
	Shop       *InstoreShopVM // nil until enabled
	Rate       string         // the platform's in-store rate, 0.38%
	MaxPayment models.Money
	Hotline    string
}

// CounterCardVM is the printable card on the shop's counter.
type CounterCardVM struct {
	Number, Name, Hotline, PayURL string
}

// TillRow is an in-store payment as the till shows it.
type TillRow struct {
	ID                 string
	At                 time.Time
	Amount, Fee, Net   models.Money
	Last4              string
	Hotline            bool
	Refunded           bool
	Refundable         bool
	RefundHref         string
	RefundUntil        time.Time
	ShopName, ShopShow string
	// Landline: charged to the payer's line (Line, masked); Charging: the
	// phone company has not confirmed it yet; ChargeRefused: it refused it.
	Landline, Charging, ChargeRefused bool
	Line                              string
}

// TillVM is the seller's till: the day's payments, newest first.
type TillVM struct {
	Shop  *InstoreShopVM
	Day   time.Time
	Total models.Money
	Count int
	Rows  []TillRow
}

// InstoreRefundVM asks the seller for the payment password to refund.
type InstoreRefundVM struct {
	Row  TillRow
	Form *Form
}

// PayShopVM is the buyer's "Pay a shop": first the shop number and the
// amount, then (Confirm) the shop's name beside the amount and the payment
// password.
type PayShopVM struct {
	Confirm bool
	Form    *Form
	// The shop and the amount being confirmed.
	Shop, ShopShow, ShopName string
	Amount                   models.Money
	// IdemKey makes a second press of Pay pay nothing twice.
	IdemKey string
	// Methods can pay the amount now (wallet, landline), Method is the one
	// chosen; Line is the landline charged (masked); WalletWhy and LineWhy
	// say why the balance or the bound line cannot pay it.
	Methods            []string
	Method             string
	Line               string
	WalletWhy, LineWhy string
	// What the limits and the balance leave.
	MaxPayment, Left, Balance models.Money
	NoPayPassword             bool
	Recent                    []TillRow
}

// InstoreReceiptVM is one payment's receipt.
type InstoreReceiptVM struct {
	Row TillRow
	// ForSeller: the seller's view (with the fee and the payer's digits).
	ForSeller bool
}

func init() {
	auditActionLabels["instore.enable"] = "Enabled in-store payments"
	auditActionLabels["instore.disable"] = "Turned in-store payments off"
	auditActionLabels["instore.refund"] = "Refunded an in-store payment"
	kindLabels["instore.pay"] = "In-store payment"
	kindLabels["instore.refund"] = "In-store payment refunded"
}
