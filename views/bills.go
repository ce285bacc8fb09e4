package views

import (
	"time"

	"lineescrow/models"
)

// BillerOption is a biller to choose.
type BillerOption struct {
	Code, Name, Category string
}

// BillVM is what an account owes, as its biller said just now.
type BillVM struct {
	BillerCode, BillerName, Category string
	Account, Holder, Period          string
	Owed                             models.Money
}

// BillRow is a past bill payment.
type BillRow struct {
	ID, ReceiptNo       string
	BillerName, Account string
	Payer               string // operators' list only
	Amount              models.Money
	NoticeState         string
	At                  time.Time
	Href                string
}

// BillsVM is the buyer's "Pay bills" page.
type BillsVM struct {
	Billers []BillerOption
	Balance models.Money
	// Query is the form choosing the biller and account; Bill what it
	// found (nil before).
	Query *Form
	Bill  *BillVM
	// Pay is the payment form; RequestID its key (a retry of the form pays
	// once).
	Pay           *Form
	RequestID     string
	NoPayPassword bool
	Payments      []BillRow
}

// BillReceiptVM is a payment's receipt.
type BillReceiptVM struct {
	ID, ReceiptNo, Payer, BillerName, Category string
	Account, Holder                            string
	Amount, OwedBefore                         models.Money
	OwedAfter                                  *models.Money
	NoticeState                                string
	NoticeTries                                int
	At                                         time.Time
	DeliveredAt                                *time.Time
	Back                                       string
	// Operator: the page shows the resend form for a notice not delivered.
	Operator bool
}

// OpsBillerRow is a biller on the operators' page.
type OpsBillerRow struct {
	Code, Name, Category, BankAccount, BankHolder string
	Balance, InTransit, Settled                   models.Money
	Payments, Undelivered                         int64
	CanSettle                                     bool
}

// OpsBillersVM is the operators' billers page.
type OpsBillersVM struct {
	Billers  []OpsBillerRow
	Payments []BillRow
	Form     *Form
}

// BillerCategoryLabel names a biller's category.
func BillerCategoryLabel(c string) string {
	switch c {
	case "telecom":
		return "Phone and broadband"
	case "electricity":
		return "Electricity"
	case "water":
		return "Water"
	}
	return c
}

// NoticeStateLabel says where a payment's notice to its biller is.
func NoticeStateLabel(s string) string {
	switch s {
	case "pending":
		return "Telling the company"
	case "retrying":
		return "Telling the company (trying again)"
	case "delivered":
		return "Received by the company"
	case "failed":
		return "Not confirmed by the company yet: our staff are on it"
	}
	return s
}

func noticeBadge(s string) string {
	switch s {
	case "delivered":
		return "ok"
	case "failed":
		return "warn"
	}
	return "info"
}

// BillSimVM is the billers' simulator page.
type BillSimVM struct {
	Prefix    string
	FailNext  int
	Companies []BillSimCompany
	Notices   []BillSimNotice
}

// BillSimCompany is a simulated biller and its accounts.
type BillSimCompany struct {
	Code, Name string
	Accounts   []BillSimAccount
}

// BillSimAccount is an account of a simulated biller.
type BillSimAccount struct {
	Number, Holder, Period string
	Owed                   models.Money
}

// BillSimNotice is a payment notice a simulated biller received.
type BillSimNotice struct {
	Company, PaymentID, ReceiptNo, Account string
	Amount                                 models.Money
	Tries, Refused                         int
	Applied                                bool
	At                                     time.Time
}
