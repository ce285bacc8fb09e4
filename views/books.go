package views

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"lineescrow/models"
)

// The operators' books: the view models of the books' dashboard, the
// reconciliation and the payouts queue, and what links a ledger transfer to
// the page of what it belongs to.

// RefLink is the operators' page of what a ledger transfer belongs to, from
// the transfer's reference: order:N → that order; payout:ID → that payout in
// the payouts queue; bank:TXN → the bank's events of that transaction;
// user:N → that user; clawback:… → the claw-backs; bill:ID → that bill
// payment's receipt. It returns "" for a
// reference the portal has no page for (or a malformed one).
func RefLink(ref string) string {
	kind, id, ok := strings.Cut(ref, ":")
	if !ok || id == "" {
		return ""
	}
	number := func() (int64, bool) {
		n, err := strconv.ParseInt(id, 10, 64)
		return n, err == nil && n > 0 && strconv.FormatInt(n, 10) == id
	}
	switch kind {
	case "order":
		if n, ok := number(); ok {
			return "/ops/orders/" + strconv.FormatInt(n, 10)
		}
	case "payout":
		return "/ops/payouts?id=" + url.QueryEscape(id)
	case "bank":
		return "/ops/events?txn=" + url.QueryEscape(id)
	case "user":
		if n, ok := number(); ok {
			return "/ops/users?id=" + strconv.FormatInt(n, 10)
		}
	case "clawback":
		return "/ops/clawbacks?all=1"
	case "bill":
		if strings.HasPrefix(id, "BP") && len(id) <= 40 && strings.Trim(id[2:], "0123456789ABCDEF") == "" {
			return "/ops/bills/" + id
		}
	}
	return ""
}

// Waited says how long something has waited, to the minute, in its two
// largest units: "3 d 4 h", "5 h 12 min", "7 min".
func Waited(ctx context.Context, d time.Duration) string {
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case d < time.Minute:
		return T(ctx, "less than a minute")
	case d < time.Hour:
		return Tf(ctx, "%d min", mins)
	case d < 24*time.Hour:
		return Tf(ctx, "%d h %d min", hours, mins)
	}
	return Tf(ctx, "%d d %d h", days, hours)
}

// BooksVM is the books' dashboard.
type BooksVM struct {
	Kinds    []KindLine // asset, liability, revenue, expense, equity
	TotalsAt time.Time
	// ZeroSum is assets + expenses − liabilities − revenue − equity.
	ZeroSum  models.Money
	Negative []NegativeLine
	Checked  bool   // the whole-ledger check ran
	Findings string // what it found; "" when every check passed
	Journal  JournalHead
}

// JournalHead is the end of the tamper-evident journal.
type JournalHead struct {
	Seq, TransferID int64 // Seq 0: nothing sealed yet
	Hash, Anchor    string
	SealedAt        time.Time
	Unsealed        int64
}

// KindLine is the total of one kind of account.
type KindLine struct {
	Kind     string
	Total    models.Money
	Accounts int64
}

// NegativeLine is a constrained account below zero.
type NegativeLine struct {
	Code    string
	Balance models.Money
}

// kindNameLabel names the kinds of accounts in the plural, as the dashboard
// lists them.
func kindNameLabel(kind string) string {
	switch kind {
	case "asset":
		return "Assets"
	case "liability":
		return "Liabilities"
	case "revenue":
		return "Revenue"
	case "expense":
		return "Expenses"
	case "equity":
		return "Equity"
	}
	return kind
}

// zeroSumText writes the zero sum out: assets + expenses − liabilities −
// revenue − equity = result.
func zeroSumText(ctx context.Context, vm BooksVM) string {
	total := map[string]models.Money{}
	for _, k := range vm.Kinds {
		total[k.Kind] = k.Total
	}
	var b strings.Builder
	for i, kind := range []string{"asset", "expense", "liability", "revenue", "equity"} {
		switch {
		case i == 0:
		case kind == "expense":
			b.WriteString(" + ")
		default:
			b.WriteString(" − ")
		}
		b.WriteString(T(ctx, kindNameLabel(kind)) + " " + total[kind].Display())
	}
	return b.String() + " = " + vm.ZeroSum.Display()
}

// ReconVM is the reconciliation page.
type ReconVM struct {
	Runs   []ReconRun
	Breaks []ReconBreak
	// RunForm is the "run now" form (its date); ClearForm the clear form of
	// break ClearID when it was refused.
	RunForm   *Form
	ClearID   int64
	ClearForm *Form
}

// ReconRun is one reconciliation of a day.
type ReconRun struct {
	ID                             int64
	Day                            string // the statement's day (UTC)
	Status                         string // running, clean, breaks, failed
	Lines, Matched, Booked, Breaks int
	Closing, Ledger                *models.Money
	StartedAt                      time.Time
	Error                          string
}

// balanceDiffers reports whether the statement's closing balance and the
// ledger's differ.
func (r ReconRun) balanceDiffers() bool {
	return r.Closing != nil && r.Ledger != nil && !r.Closing.Equal(*r.Ledger)
}

// ReconBreak is something a run could not match.
type ReconBreak struct {
	ID               int64
	Day              string
	Kind             string
	BankTxnID        string
	Expected, Actual *models.Money
	// What the statement said of the line (none for a balance difference).
	Direction, Reference, Counterparty string
	BookedAt                           time.Time
	// Cycle is set for a break of the telecom operator's settlement report:
	// BankTxnID is then the charge (or "total", "commission", the
	// settlement's reference), Why the reconciliation's words, Report and
	// Ours the two statuses of a status mismatch.
	Cycle             string
	OrderID           int64
	Why, Report, Ours string
}

func runStatusLabel(status string) string {
	switch status {
	case "clean":
		return "Clean"
	case "breaks":
		return "Breaks"
	case "failed":
		return "Failed"
	}
	return "Running"
}

func runStatusBadge(status string) string {
	switch status {
	case "clean":
		return "ok"
	case "breaks":
		return "warn"
	case "failed":
		return "err"
	}
	return "info"
}

func breakKindLabel(kind string) string {
	switch kind {
	case "unknown_line":
		return "Unknown line"
	case "amount_mismatch":
		return "Amount differs"
	case "balance_difference":
		return "Closing balance differs"
	case "missing_from_statement":
		return "Missing from the statement"
	case "unknown_charge":
		return "Charge unknown to the platform"
	case "status_mismatch":
		return "Status differs"
	case "late_fee_mismatch":
		return "Late fee differs"
	case "missing_from_report":
		return "Missing from the settlement"
	case "unknown_credit":
		return "Bill credit unknown to the platform"
	case "total_mismatch":
		return "Total differs"
	case "transfer_mismatch":
		return "Transfer differs"
	}
	return kind
}

func moneyOrDash(m *models.Money) string {
	if m == nil {
		return "—"
	}
	return m.Display()
}

// breakText says in words what a break is.
func breakText(ctx context.Context, b ReconBreak) string {
	if b.Cycle != "" {
		return settlementBreakText(ctx, b)
	}
	switch b.Kind {
	case "unknown_line":
		if b.Direction == "credit" {
			return Tf(ctx, "The statement shows a credit of %s that the platform does not know.", moneyOrDash(b.Actual))
		}
		return Tf(ctx, "The statement shows a debit of %s that the platform does not know.", moneyOrDash(b.Actual))
	case "amount_mismatch":
		return Tf(ctx, "The statement says %s, the ledger %s.", moneyOrDash(b.Actual), moneyOrDash(b.Expected))
	case "balance_difference":
		return Tf(ctx, "The statement closes the day at %s; by the ledger the bank account held %s.", moneyOrDash(b.Expected), moneyOrDash(b.Actual))
	case "missing_from_statement":
		return Tf(ctx, "The ledger has %s that the statement does not show.", moneyOrDash(b.Expected))
	}
	return b.Kind
}

// OpsPayoutsVM is the operators' payouts queue.
type OpsPayoutsVM struct {
	Waiting []OpsPayoutRow
	Recent  []OpsPayoutRow
	// ID is the one payout shown (the ledger's link); OpenOnly hides the
	// settled ones.
	ID       string
	OpenOnly bool
	// StuckAfter is how long a payout may wait before it is called stuck.
	StuckAfter time.Duration
}

// OpsPayoutRow is one payout.
type OpsPayoutRow struct {
	ID     string
	Amount models.Money
	State  string
	// OwnerID, Owner and OwnerRole are the person paid; ReturnOf the bank
	// transaction paid back to its payer when there is none.
	OwnerID   int64
	Owner     string
	OwnerRole string
	ReturnOf  string
	// Biller is the code of the biller a settlement pays (app/bills).
	Biller      string
	Beneficiary string
	Account     string
	Reason      string
	Attempts    int
	CreatedAt   time.Time
	SettledAt   time.Time
	Waited      time.Duration
	Stuck       bool
}

func opsPayoutStateLabel(state string) string {
	switch state {
	case "requested":
		return "Recorded, not sent yet"
	case "sending":
		return "Being sent to the bank"
	case "sent":
		return "Sent, waiting for the bank"
	case "succeeded":
		return "Paid"
	case "failed":
		return "Failed"
	}
	return state
}

func opsPayoutBadge(state string) string {
	switch state {
	case "succeeded":
		return "ok"
	case "failed":
		return "err"
	}
	return "info"
}

// LedgerLine is a posting in the ledger explorer: the transfer it belongs
// to (its kind and reference, linked by RefLink) and the account it moved.
type LedgerLine struct {
	At        time.Time
	Kind      string
	Ref       string
	Account   string
	Direction string
	Amount    models.Money
}

// clearForm is the clear form of break id: the refused one again, or empty.
func (vm ReconVM) clearForm(id int64) *Form {
	if id == vm.ClearID && vm.ClearForm != nil {
		return vm.ClearForm
	}
	return NewForm()
}

// ledgerKindLabels name the transfers of money out and of claw-backs, for
// the ledger explorer (KindLabel reads them with the others).
var ledgerKindLabels = map[string]string{
	"payout.request":     "Payout requested",
	"payout.paid":        "Payout paid",
	"payout.failed":      "Payout failed: money returned",
	"clawback.recover":   "Claw-back recovered",
	"clawback.write_off": "Claw-back written off",
}

func init() {
	for k, v := range ledgerKindLabels {
		if _, ok := kindLabels[k]; !ok {
			kindLabels[k] = v
		}
	}
}

// settlementBreakText says in words what a break of a cycle's settlement is.
func settlementBreakText(ctx context.Context, b ReconBreak) string {
	switch b.Kind {
	case "unknown_charge":
		return Tf(ctx, "The operator's settlement of %s has a line of %s for a charge the platform does not know.", b.Cycle, moneyOrDash(b.Actual))
	case "status_mismatch":
		if b.Why != "" {
			return Tf(ctx, "Cycle %s: %s.", b.Cycle, b.Why)
		}
		return Tf(ctx, "Cycle %s: the operator says the charge is %s, the platform %s.", b.Cycle, b.Report, b.Ours)
	case "amount_mismatch":
		return Tf(ctx, "Cycle %s: the operator's line is %s, the charge %s.", b.Cycle, moneyOrDash(b.Actual), moneyOrDash(b.Expected))
	case "late_fee_mismatch":
		return Tf(ctx, "Cycle %s: the operator collected a late fee of %s, the platform booked %s.", b.Cycle, moneyOrDash(b.Actual), moneyOrDash(b.Expected))
	case "missing_from_report":
		return Tf(ctx, "Cycle %s: the platform's charge of %s is not in the operator's settlement.", b.Cycle, moneyOrDash(b.Expected))
	case "unknown_credit":
		return Tf(ctx, "Cycle %s: the operator deducted a bill credit of %s the platform did not make.", b.Cycle, moneyOrDash(b.Actual))
	case "total_mismatch", "transfer_mismatch":
		return Tf(ctx, "Cycle %s: %s (expected %s, actual %s).", b.Cycle, b.Why, moneyOrDash(b.Expected), moneyOrDash(b.Actual))
	}
	return b.Kind
}
