package views

import (
	"time"

	"lineescrow/models"
)

// The transfers' pages (app/transfers): the buyer's "Transfer" and the
// receipt both sides see.

// TransferRow is a transfer as one of its sides sees it.
type TransferRow struct {
	ID     string
	At     time.Time
	Amount models.Money
	// Sent: the viewer sent it; Name and Number are then the recipient's,
	// else the sender's, masked.
	Sent         bool
	Name, Number string
	Hotline      bool
	Href         string
}

// TransfersVM is "Transfer": first the recipient's number and the amount,
// then (Confirm) the recipient's masked name and number beside the amount
// and the payment password.
type TransfersVM struct {
	Confirm bool
	Form    *Form
	// The recipient and the amount being confirmed; Number is what was
	// typed (digits), carried by the confirm form.
	Number, NumberMasked, NameMasked string
	Amount                           models.Money
	// RequestID makes a second press of Send send nothing twice.
	RequestID string
	// What the limits and the balance leave.
	MaxAmount, Left, Balance models.Money
	NoPayPassword            bool
	Recent                   []TransferRow
}

// TransferReceiptVM is one transfer's receipt.
type TransferReceiptVM struct {
	Row TransferRow
}

func init() {
	kindLabels["wallet.transfer"] = "Transfer between balances"
}
