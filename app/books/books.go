// Package books is the operators' view of the ledger: the overview of the
// platform's own balances and of the per-person totals (with the counts of
// the queues waiting for them), the books' dashboard (totals by account kind
// and the invariants cheap enough to compute live), the ledger explorer's
// accounts and their movements, and the whole-ledger check. Every method of
// Service is for operators only and returns EFORBIDDEN to anyone else.
//
// No page here reads every account: the platform's own accounts are a fixed
// handful read by code, and the per-person accounts (one escrow per order,
// one wallet per buyer, …) are shown as one line per class from the totals
// a periodic job sums (ledger.RefreshTotals), so no page's cost grows with
// the number of orders or people; so are the totals by kind, summed in the
// same statement. Only the check reads everything (Verify), and it runs when
// an operator asks for it or from the command line.
package books

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/funding"
	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Queues counts what waits for operators (funding.Service).
type Queues interface {
	OverviewOf(ctx context.Context, actor models.Actor) (funding.Overview, error)
}

// PayoutQueue counts the payouts waiting for the bank's result
// (payouts.Service).
type PayoutQueue interface {
	// Waiting returns how many payouts wait for a result, and how many of
	// them have waited longer than they should.
	Waiting(ctx context.Context) (waiting, stuck int, err error)
}

// Breaks counts the reconciliation's open breaks (recon.Service).
type Breaks interface {
	OpenBreaks(ctx context.Context) (int, error)
}

// Service reads the books.
type Service struct {
	DB *gorm.DB
	// Read is the read replica the reports (overview, accounts, the ledger
	// explorer, the dashboard's totals) read from while it is fresh; nil:
	// the primary. Checks of the books always read the primary.
	Read    *store.Replica
	Queues  Queues
	Payouts PayoutQueue
	Breaks  Breaks
}

var errForbidden = models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")

// ClassTotal is the sum of one class of per-person accounts.
type ClassTotal struct {
	Class    string // "escrow", "wallet", "seller", "clawback"
	Total    models.Money
	Accounts int64
}

// Overview is the operators' home page: the queues, the platform's main
// balances and the per-person totals.
type Overview struct {
	Queues funding.Overview
	// Payouts wait for the bank's result; Stuck of them longer than they
	// should. Breaks are the reconciliation's, open.
	Payouts, Stuck, Breaks int
	// Balances of the platform's own accounts, now.
	Bank, Suspense, Fees, BadDebt models.Money
	// Escrow and Wallets are the totals of all escrows and all wallets; Classes
	// has every class. They are as of TotalsAt (summed every minute).
	Escrow, Wallets models.Money
	Classes         []ClassTotal
	TotalsAt        time.Time
}

// Overview returns the operators' overview.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) Overview(ctx context.Context, actor models.Actor) (*Overview, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	q, err := s.Queues.OverviewOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	ov := &Overview{Queues: q}
	if ov.Payouts, ov.Stuck, err = s.Payouts.Waiting(ctx); err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	if ov.Breaks, err = s.Breaks.OpenBreaks(ctx); err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	bals, err := ledger.Balances(ctx, s.Read.Or(ctx, s.DB), models.AccBankCollection, models.AccSuspense, models.AccRevenueFees, models.AccExpenseBadDebt)
	if err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	ov.Bank, ov.Suspense, ov.Fees, ov.BadDebt = bals[models.AccBankCollection], bals[models.AccSuspense], bals[models.AccRevenueFees], bals[models.AccExpenseBadDebt]
	if ov.Classes, ov.TotalsAt, err = s.classes(ctx); err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	for _, c := range ov.Classes {
		switch c.Class {
		case "escrow":
			ov.Escrow = c.Total
		case "wallet":
			ov.Wallets = c.Total
		}
	}
	return ov, nil
}

// classes returns the per-person totals in ledger.Classes order and when
// the oldest of them was summed.
func (s *Service) classes(ctx context.Context) ([]ClassTotal, time.Time, error) {
	totals, err := ledger.Totals(ctx, s.Read.Or(ctx, s.DB))
	if err != nil {
		return nil, time.Time{}, err
	}
	var at time.Time
	out := make([]ClassTotal, 0, len(ledger.Classes))
	for _, class := range ledger.Classes {
		t, ok := totals[class]
		if !ok {
			continue
		}
		if at.IsZero() || t.TakenAt.Before(at) {
			at = t.TakenAt
		}
		out = append(out, ClassTotal{Class: class, Total: t.Total, Accounts: t.Accounts})
	}
	return out, at, nil
}

// Account is a line of the ledger explorer: one of the platform's accounts,
// or a whole class of per-person accounts ("escrow:*").
type Account struct {
	Code    string
	Kind    models.AccountKind
	Balance models.Money
}

// Accounts is the ledger explorer's list.
type Accounts struct {
	Lines []Account // by code
	// TotalsAt is when the class lines were summed.
	TotalsAt time.Time
}

// Accounts returns the platform's own accounts that have been used, with
// their balances now, and one line per class of per-person accounts that
// has any, with its total as last summed.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) Accounts(ctx context.Context, actor models.Actor) (*Accounts, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	own, err := ledger.AccountBalances(ctx, s.Read.Or(ctx, s.DB), models.PlatformAccounts()...)
	if err != nil {
		return nil, fmt.Errorf("ledger accounts: %w", err)
	}
	out := &Accounts{}
	for _, a := range own {
		out.Lines = append(out.Lines, Account{Code: a.Code, Kind: a.Kind, Balance: a.Balance})
	}
	classes, at, err := s.classes(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger accounts: %w", err)
	}
	out.TotalsAt = at
	for _, c := range classes {
		if c.Accounts == 0 {
			continue
		}
		kind, err := classKind(c.Class)
		if err != nil {
			return nil, fmt.Errorf("ledger accounts: %w", err)
		}
		out.Lines = append(out.Lines, Account{Code: c.Class + ":*", Kind: kind, Balance: c.Total})
	}
	sort.Slice(out.Lines, func(i, j int) bool { return out.Lines[i].Code < out.Lines[j].Code })
	return out, nil
}

// classKind is the kind of every account of a per-person class, as the
// chart of accounts says for one of them.
func classKind(class string) (models.AccountKind, error) {
	sample := map[string]string{
		"escrow": models.EscrowAccount(1), "wallet": models.WalletAccount(1),
		"seller": models.SellerAvailableAccount(1), "clawback": models.ClawbackAccount(1), "biller": models.BillerAccount("xx"),
	}[class]
	spec, err := models.ClassifyAccount(sample)
	if err != nil {
		return "", fmt.Errorf("class %q: %w", class, err)
	}
	return spec.Kind, nil
}

// MaxMovements is how many postings Movements returns.
const MaxMovements = 300

// Movements returns the latest postings (up to MaxMovements, newest first)
// of one account ("wallet:12"), or of every account whose code starts with
// what comes before a final "*" ("escrow:*").
//
// Errors: EFORBIDDEN unless actor is an operator; EINVALID (field account)
// when no account is named.
func (s *Service) Movements(ctx context.Context, actor models.Actor, account string) ([]models.Movement, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	account = strings.TrimSpace(account)
	if account == "" {
		return nil, models.FieldError("account", "Enter an account.")
	}
	q := ledger.MovementQuery{Account: account, Limit: MaxMovements}
	if p, ok := strings.CutSuffix(account, "*"); ok {
		q = ledger.MovementQuery{AccountPrefix: p, Limit: MaxMovements}
	}
	moves, err := ledger.Movements(ctx, s.Read.Or(ctx, s.DB), q)
	if err != nil {
		return nil, fmt.Errorf("movements of %s: %w", account, err)
	}
	return moves, nil
}

// Check runs the whole-ledger checks (Verify) for an operator. It returns
// what is wrong, "" when every check passed. It reads every posting: run it
// on request, not on every visit.
//
// Errors: EFORBIDDEN unless actor is an operator; the error that stopped a
// check from running.
func (s *Service) Check(ctx context.Context, actor models.Actor) (string, error) {
	if !actor.IsOperator() {
		return "", errForbidden
	}
	return Verify(ctx, s.DB)
}

// JournalHead returns the end of the tamper-evident journal (ledger.Seal):
// the last seal and how many transfers wait for theirs. Operators export its
// anchor (Head.Anchor) to check the journal against later.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) JournalHead(ctx context.Context, actor models.Actor) (ledger.Head, error) {
	if !actor.IsOperator() {
		return ledger.Head{}, errForbidden
	}
	return ledger.JournalHead(ctx, s.DB)
}

// JournalExport is what an operator downloads to keep outside the
// platform: the journal's head, and from which transfer on every transfer
// carries a digest.
type JournalExport struct {
	Head        ledger.Head
	DigestsFrom int64
}

// ExportJournal returns the journal's head to export.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) ExportJournal(ctx context.Context, actor models.Actor) (*JournalExport, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	h, err := ledger.JournalHead(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	from, err := ledger.DigestsFrom(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	return &JournalExport{Head: h, DigestsFrom: from}, nil
}

// Verify runs every check of the whole ledger: each transfer balances, all
// postings sum to zero, no constrained account is negative, every balance
// equals its postings (ledger.CheckInvariants), every escrow holds what
// its order says (orders.CheckInvariants), and the journal's hash chain is
// unbroken and passes through every anchor given (ledger.VerifyJournal). It
// returns what is wrong, "" when every check passed, or the error that
// stopped a check from running. The operators' check (Check) and
// `lineescrow ledger verify` both run it: one list of checks for the page,
// the API and the command line.
func Verify(ctx context.Context, db *gorm.DB, anchors ...ledger.Anchor) (string, error) {
	var problems []string
	journal := func(ctx context.Context, db *gorm.DB) error { return ledger.VerifyJournal(ctx, db, anchors...) }
	for _, check := range []struct {
		run  func(context.Context, *gorm.DB) error
		fail error
	}{{ledger.CheckInvariants, ledger.ErrInvariants}, {orders.CheckInvariants, orders.ErrInvariants}, {journal, ledger.ErrJournal}} {
		err := check.run(ctx, db)
		switch {
		case err == nil:
		case errors.Is(err, check.fail):
			problems = append(problems, err.Error())
		default:
			return "", fmt.Errorf("check the books: %w", err)
		}
	}
	return strings.Join(problems, "; "), nil
}

// KindTotal is the sum of the balances of every account of one kind, each on
// its normal side.
type KindTotal struct {
	Kind     models.AccountKind
	Total    models.Money
	Accounts int64
}

// MaxNegative is how many negative accounts the dashboard names.
const MaxNegative = 20

// Dashboard is the books' page: the totals by account kind, the invariants
// cheap enough to compute on every visit, and the whole-ledger check when
// asked for.
type Dashboard struct {
	// Kinds are the totals in ledger.Kinds order (asset, liability, revenue,
	// expense, equity), summed together as of TotalsAt (every minute).
	Kinds    []KindTotal
	TotalsAt time.Time
	// ZeroSum is assets + expenses − liabilities − revenue − equity from
	// those totals: zero when all postings sum to zero.
	ZeroSum models.Money
	// Negative are constrained accounts below zero now (at most
	// MaxNegative): none while the database's guard holds.
	Negative []ledger.Negative
	// Journal is the end of the tamper-evident journal, now.
	Journal ledger.Head
	// Checked says the whole-ledger check ran for this page; Findings is
	// what it found ("" when every check passed).
	Checked  bool
	Findings string
}

// Balanced reports whether the kinds' totals sum to zero.
func (d *Dashboard) Balanced() bool { return d.ZeroSum.IsZero() }

// DashboardOf returns the books' dashboard; with check it also runs the
// whole-ledger check (Verify), which reads every posting.
//
// Errors: EFORBIDDEN unless actor is an operator; the error that stopped a
// check from running.
func (s *Service) DashboardOf(ctx context.Context, actor models.Actor, check bool) (*Dashboard, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	report := s.Read.Or(ctx, s.DB)
	totals, err := ledger.Totals(ctx, report)
	if err != nil {
		return nil, fmt.Errorf("books dashboard: %w", err)
	}
	d := &Dashboard{}
	for _, k := range ledger.Kinds {
		t := totals[ledger.KindClass(k)]
		if d.TotalsAt.IsZero() || t.TakenAt.Before(d.TotalsAt) {
			d.TotalsAt = t.TakenAt
		}
		d.Kinds = append(d.Kinds, KindTotal{Kind: k, Total: t.Total, Accounts: t.Accounts})
		if k.DebitNormal() {
			d.ZeroSum = d.ZeroSum.Add(t.Total)
		} else {
			d.ZeroSum = d.ZeroSum.Sub(t.Total)
		}
	}
	if d.Negative, err = ledger.NegativeAccounts(ctx, report, MaxNegative); err != nil {
		return nil, fmt.Errorf("books dashboard: %w", err)
	}
	if d.Journal, err = ledger.JournalHead(ctx, report); err != nil {
		return nil, fmt.Errorf("books dashboard: %w", err)
	}
	if check {
		d.Checked = true
		if d.Findings, err = Verify(ctx, s.DB); err != nil {
			return nil, err
		}
	}
	return d, nil
}
