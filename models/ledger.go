package models

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AccountKind is an account's place in the books. Assets and expenses grow by
// debits; liabilities, revenue and equity grow by credits.
type AccountKind string

// Account kinds.
const (
	Asset     AccountKind = "asset"
	Liability AccountKind = "liability"
	Revenue   AccountKind = "revenue"
	Expense   AccountKind = "expense"
	Equity    AccountKind = "equity"
)

// DebitNormal reports whether debits increase an account of this kind.
func (k AccountKind) DebitNormal() bool { return k == Asset || k == Expense }

// Direction is the side of a posting.
type Direction string

// Posting directions.
const (
	Debit  Direction = "debit"
	Credit Direction = "credit"
)

// Well-known account codes.
const (
	AccBankCollection    = "bank:collection"
	AccTelecomReceivable = "telecom:receivable"
	// AccTelecomCards is what the operator owes for the recharge cards
	// people redeemed at the platform (it sold them; the cycle's settlement
	// does not carry them).
	AccTelecomCards       = "telecom:cards"
	AccPayoutsInTransit   = "payouts:in_transit"
	AccSuspense           = "suspense"
	AccRevenueFees        = "revenue:fees"
	AccRevenueLateFees    = "revenue:late_fees"
	AccExpenseTelecomComm = "expense:telecom_commission"
	AccExpenseBadDebt     = "expense:bad_debt"
	AccEquityAdvance      = "equity:advance"
)

// EscrowAccount is the account holding one order's money.
func EscrowAccount(orderID int64) string { return "escrow:order:" + strconv.FormatInt(orderID, 10) }

// WalletAccount is a user's prepaid balance.
func WalletAccount(userID int64) string { return "wallet:" + strconv.FormatInt(userID, 10) }

// SellerPendingAccount holds a seller's released proceeds the operator has not collected yet.
func SellerPendingAccount(sellerID int64) string {
	return "seller:" + strconv.FormatInt(sellerID, 10) + ":pending"
}

// SellerAvailableAccount holds money a seller can withdraw.
func SellerAvailableAccount(sellerID int64) string {
	return "seller:" + strconv.FormatInt(sellerID, 10) + ":available"
}

// ClawbackAccount is what one person owes the platform for recalled payments
// that had already been spent or paid out (an asset: a receivable). It cannot
// go below zero, so no more can be recovered than is owed.
func ClawbackAccount(userID int64) string { return "clawback:" + strconv.FormatInt(userID, 10) }

// BillerAccount holds what payers paid one biller (a company whose bills
// buyers pay from their balance) and the platform has not settled to the
// biller's bank account yet: a liability, never negative.
func BillerAccount(code string) string { return "biller:" + code }

// ValidBillerCode reports whether code can name a biller: a lower-case
// letter, then 1 to 30 lower-case letters, digits or underscores.
func ValidBillerCode(code string) bool {
	if len(code) < 2 || len(code) > 31 || code[0] < 'a' || code[0] > 'z' {
		return false
	}
	for _, r := range code {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// AccountSpec says what an account code means.
type AccountSpec struct {
	Code string
	Kind AccountKind
	// Constrained accounts may never go negative (balances owed to a person or an
	// order). Unconstrained accounts are the platform's own books.
	Constrained bool
}

var fixedAccounts = map[string]AccountSpec{
	AccBankCollection:     {Kind: Asset},
	AccTelecomReceivable:  {Kind: Asset},
	AccTelecomCards:       {Kind: Asset},
	AccPayoutsInTransit:   {Kind: Liability, Constrained: true},
	AccSuspense:           {Kind: Liability, Constrained: true},
	AccRevenueFees:        {Kind: Revenue},
	AccRevenueLateFees:    {Kind: Revenue},
	AccExpenseTelecomComm: {Kind: Expense},
	AccExpenseBadDebt:     {Kind: Expense},
	AccEquityAdvance:      {Kind: Equity},
}

// PlatformAccounts returns the codes of the platform's own accounts, the
// fixed part of the chart of accounts, sorted. Every other account belongs to
// one person or one order.
func PlatformAccounts() []string {
	out := make([]string, 0, len(fixedAccounts))
	for code := range fixedAccounts {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}

// ClassifyAccount returns the spec of an account code from the chart of
// accounts, or EINVALID when the code is not one.
func ClassifyAccount(code string) (AccountSpec, error) {
	if s, ok := fixedAccounts[code]; ok {
		s.Code = code
		return s, nil
	}
	parts := strings.Split(code, ":")
	id := func(s string) bool {
		n, err := strconv.ParseInt(s, 10, 64)
		return err == nil && n > 0 && strconv.FormatInt(n, 10) == s
	}
	switch {
	case len(parts) == 3 && parts[0] == "escrow" && parts[1] == "order" && id(parts[2]):
		return AccountSpec{Code: code, Kind: Liability, Constrained: true}, nil
	case len(parts) == 2 && parts[0] == "wallet" && id(parts[1]):
		return AccountSpec{Code: code, Kind: Liability, Constrained: true}, nil
	case len(parts) == 2 && parts[0] == "clawback" && id(parts[1]):
		return AccountSpec{Code: code, Kind: Asset, Constrained: true}, nil
	case len(parts) == 2 && parts[0] == "biller" && ValidBillerCode(parts[1]):
		return AccountSpec{Code: code, Kind: Liability, Constrained: true}, nil
	case len(parts) == 3 && parts[0] == "seller" && id(parts[1]) && (parts[2] == "pending" || parts[2] == "available"):
		return AccountSpec{Code: code, Kind: Liability, Constrained: true}, nil
	}
	return AccountSpec{}, Errorf(EINVALID, "%q is not an account of the chart of accounts", code)
}

// Posting is one side of a transfer: Amount (always positive) moves on Account
// in Direction.
type Posting struct {
	Account   string    `json:"account"`
	Direction Direction `json:"direction"`
	Amount    Money     `json:"amount"`
}

// Move returns the two postings that move amount out of from and into to:
// a debit on from and a credit on to. For liabilities (wallets, escrows) the
// debit lowers the balance and the credit raises it; money arriving at the bank
// is Move(bank:collection, wallet:…), which raises both.
func Move(from, to string, amount Money) []Posting {
	return []Posting{
		{Account: from, Direction: Debit, Amount: amount},
		{Account: to, Direction: Credit, Amount: amount},
	}
}

// Transfer is a ledger command: a balanced set of postings recorded once under
// its idempotency Key. Kind names the business operation ("order.pay"), Ref the
// business object it belongs to ("order:42").
type Transfer struct {
	Key      string
	Kind     string
	Ref      string
	Memo     string
	Postings []Posting
}

// Validate checks the transfer's shape and that its debits equal its credits.
// It returns EINVALID describing the first problem found.
func (t Transfer) Validate() error {
	switch {
	case t.Key == "" || len(t.Key) > 200:
		return Errorf(EINVALID, "transfer needs an idempotency key of 1 to 200 characters")
	case t.Kind == "" || len(t.Kind) > 64:
		return Errorf(EINVALID, "transfer needs a kind of 1 to 64 characters")
	case len(t.Ref) > 200:
		return Errorf(EINVALID, "transfer reference too long")
	case len(t.Postings) < 2:
		return Errorf(EINVALID, "transfer %s needs at least two postings", t.Key)
	}
	var debits, credits Money
	for _, p := range t.Postings {
		if _, err := ClassifyAccount(p.Account); err != nil {
			return err
		}
		if !p.Amount.IsPositive() {
			return Errorf(EINVALID, "transfer %s: posting on %s must have a positive amount", t.Key, p.Account)
		}
		switch p.Direction {
		case Debit:
			debits = debits.Add(p.Amount)
		case Credit:
			credits = credits.Add(p.Amount)
		default:
			return Errorf(EINVALID, "transfer %s: posting on %s has no direction", t.Key, p.Account)
		}
	}
	if !debits.Equal(credits) {
		return Errorf(EINVALID, "transfer %s does not balance: debits %s, credits %s", t.Key, debits, credits)
	}
	return nil
}

// Fingerprint is a digest of everything that defines the transfer except its key,
// independent of posting order: two requests with the same key are the same
// request exactly when their fingerprints match.
func (t Transfer) Fingerprint() []byte {
	lines := make([]string, len(t.Postings))
	for i, p := range t.Postings {
		lines[i] = fmt.Sprintf("%s|%s|%s", p.Account, p.Direction, p.Amount)
	}
	sort.Strings(lines)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", t.Kind, t.Ref, t.Memo)
	for _, l := range lines {
		fmt.Fprintln(h, l)
	}
	return h.Sum(nil)
}

// Delta is the change a posting makes to its account's balance, where a balance
// is counted on the account's normal side (so a wallet's balance is what the
// platform owes its owner, and bank:collection's is the money it holds).
func (p Posting) Delta(kind AccountKind) Money {
	if (p.Direction == Debit) == kind.DebitNormal() {
		return p.Amount
	}
	return p.Amount.Neg()
}

// Movement is one posting as recorded, with its transfer: a line of an
// account's history, an order's money trail or the ledger explorer.
type Movement struct {
	TransferID int64
	Key        string // the transfer's idempotency key
	Kind       string
	Ref        string
	Memo       string
	At         time.Time
	Account    string
	Direction  Direction
	Amount     Money
}

// Delta is the change the movement made to its account's balance (see
// Posting.Delta); zero for an account outside the chart of accounts.
func (m Movement) Delta() Money {
	spec, err := ClassifyAccount(m.Account)
	if err != nil {
		return Zero
	}
	return Posting{Account: m.Account, Direction: m.Direction, Amount: m.Amount}.Delta(spec.Kind)
}
