package views

import (
	"time"

	"lineescrow/models"
)

// OpsChargesVM is the operators' page of fixed-line charges and the
// operator's settlements.
type OpsChargesVM struct {
	State, Cycle string
	OrderID      int64
	Charges      []OpsChargeRow
	Settlements  []SettlementRow
}

// OpsChargeRow is one charge.
type OpsChargeRow struct {
	ID, Title, Phone, State, Waiting, Cycle, LastError string
	OrderID                                            int64
	InstoreID                                          string // the in-store payment it pays, when OrderID is 0
	Amount, LateFee, Credited, Pending, Advanced       models.Money
	DueAt                                              *time.Time
	HolderMismatch, Flagged                            bool
	Links                                              []LinkLine
	Refunds                                            []OpenRefundRow
	CreatedAt                                          time.Time
}

// OpenRefundRow is a refund not made yet at the front-end.
type OpenRefundRow struct {
	ID, Method, LastError string
	Amount                models.Money
	Attempts              int
	At                    time.Time
}

// LinkLine is what tied a seller to the line that paid them.
type LinkLine struct{ Kind, Detail string }

// SettlementRow is one cycle the operator settled.
type SettlementRow struct {
	Cycle, Reference, Status, Error string
	Announced, Total, Commission    *models.Money
	Received                        models.Money
	Lines, Matched, Breaks          int
}

// OpsAdvancesVM is the operators' page of advances (垫资).
type OpsAdvancesVM struct {
	Total, Cap models.Money
	Sellers    []AdvanceRow
	// Form is a refused form shown again: the cap form of seller FormFor, or
	// the run form (FormFor 0).
	FormFor int64
	Form    *Form
}

// AdvanceRow is one seller's advances.
type AdvanceRow struct {
	SellerID               int64
	Shop                   string
	Pending, Advanced, Cap models.Money
	OwnCap                 bool
}

func (vm OpsAdvancesVM) form(id int64) *Form {
	if vm.Form != nil && vm.FormFor == id {
		return vm.Form
	}
	return NewForm()
}

// Room is what the global cap still allows.
func (vm OpsAdvancesVM) Room() models.Money {
	r := vm.Cap.Sub(vm.Total)
	if r.IsNegative() {
		return models.Zero
	}
	return r
}

func chargeStateLabel(s string) string {
	switch s {
	case "requested":
		return "Waiting for the operator's answer"
	case "refused":
		return "Refused by the operator"
	case "accepted":
		return "On the next bill"
	case "void":
		return "Void (cancelled)"
	case "billed":
		return "Billed"
	case "collected":
		return "Collected"
	case "overdue":
		return "Overdue"
	case "written_off":
		return "Written off"
	case "cancelled":
		return "Cancelled"
	}
	return s
}

func chargeStateBadge(s string) string {
	switch s {
	case "collected":
		return "ok"
	case "overdue", "written_off", "refused":
		return "err"
	case "requested", "billed", "accepted":
		return "warn"
	}
	return ""
}

func linkLabel(kind string) string {
	switch kind {
	case string(models.LinkSameLine):
		return "The seller's own landline"
	case string(models.LinkSameID):
		return "Same ID digits as the seller's line holder"
	case string(models.LinkSameHolder):
		return "The holder has the seller's name"
	case string(models.LinkSameAccount):
		return "The buyer withdrew to the seller's account"
	case string(models.LinkSameAddress):
		return "Delivered to the seller's own address"
	}
	return kind
}

func settlementStatusLabel(s string) string {
	switch s {
	case "pending":
		return "Waiting for the money"
	case "clean":
		return "Clean"
	case "breaks":
		return "Breaks"
	case "failed":
		return "Failed"
	}
	return s
}

func refundMethodLabel(m string) string {
	switch m {
	case "cancel":
		return "a cancel"
	case "bill_credit":
		return "a bill credit"
	}
	return m
}
