package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/models"
)

// MovementQuery selects movements: by transfer reference, by account code, or
// both; Limit defaults to 200.
type MovementQuery struct {
	Ref     string
	Account string
	// Accounts matches any of these account codes (each read by its index).
	Accounts []string
	// AccountPrefix matches account codes starting with it (e.g. "escrow:").
	AccountPrefix string
	// From and To bound the transfers' times (From included, To excluded).
	From, To time.Time
	// Oldest returns the oldest transfer first.
	Oldest   bool
	Limit    int   // 200 unless set; at most 1000, or 20000 with From and To
	BeforeID int64 // for paging: transfers with id < BeforeID
}

// Movements returns postings matching q, newest transfer first.
func Movements(ctx context.Context, db *gorm.DB, q MovementQuery) ([]models.Movement, error) {
	var where []string
	var args []any
	if q.Ref != "" {
		where = append(where, "t.ref = ?")
		args = append(args, q.Ref)
	}
	if q.Account != "" {
		where = append(where, "a.code = ?")
		args = append(args, q.Account)
	}
	if len(q.Accounts) > 0 {
		where = append(where, "a.code IN ?")
		args = append(args, q.Accounts)
	}
	if !q.From.IsZero() {
		where = append(where, "t.created_at >= ?")
		args = append(args, q.From)
	}
	if !q.To.IsZero() {
		where = append(where, "t.created_at < ?")
		args = append(args, q.To)
	}
	if q.AccountPrefix != "" {
		where = append(where, "a.code LIKE ?")
		args = append(args, strings.NewReplacer("%", `\%`, "_", `\_`).Replace(q.AccountPrefix)+"%")
	}
	if q.BeforeID > 0 {
		where = append(where, "t.id < ?")
		args = append(args, q.BeforeID)
	}
	bounded := !q.From.IsZero() && !q.To.IsZero()
	if q.Limit <= 0 || (q.Limit > 1000 && !bounded) || q.Limit > 20000 {
		q.Limit = 200
	}
	sql := `SELECT t.id AS transfer_id, t.idempotency_key AS key, t.kind, t.ref, t.memo, t.created_at AS at,
		a.code AS account, p.direction, p.amount
		FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
		JOIN ledger_accounts a ON a.id = p.account_id`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	if q.Oldest {
		sql += " ORDER BY t.id, p.id LIMIT ?"
	} else {
		sql += " ORDER BY t.id DESC, p.id LIMIT ?"
	}
	args = append(args, q.Limit)
	var out []models.Movement
	if err := db.WithContext(ctx).Raw(sql, args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("movements: %w", err)
	}
	return out, nil
}

// CheckInvariants verifies the whole ledger: every transfer has at least two
// postings and balances; all postings sum to zero; no constrained account is
// negative; every account's balance equals the sum of its postings. It returns
// an error wrapping ErrInvariants describing each violation found (the first
// 20 of each kind), or the error that stopped the check. Tests run it after every
// integration test; operators can run it from the books page.
func CheckInvariants(ctx context.Context, db *gorm.DB) error {
	db = db.WithContext(ctx)
	var problems []string
	var unbalanced []struct {
		ID  int64
		N   int
		Net models.Money
	}
	if err := db.Raw(`SELECT t.id, count(p.id) AS n,
			coalesce(sum(CASE p.direction WHEN 'debit' THEN p.amount ELSE -p.amount END), 0) AS net
		FROM ledger_transfers t LEFT JOIN ledger_postings p ON p.transfer_id = t.id
		GROUP BY t.id HAVING count(p.id) < 2
			OR coalesce(sum(CASE p.direction WHEN 'debit' THEN p.amount ELSE -p.amount END), 0) <> 0
		LIMIT 20`).Scan(&unbalanced).Error; err != nil {
		return fmt.Errorf("check invariants: %w", err)
	}
	for _, u := range unbalanced {
		problems = append(problems, fmt.Sprintf("transfer %d has %d postings netting %s", u.ID, u.N, u.Net))
	}
	var total models.Money
	if err := db.Raw(`SELECT coalesce(sum(CASE direction WHEN 'debit' THEN amount ELSE -amount END), 0)
		FROM ledger_postings`).Row().Scan(&total); err != nil {
		return fmt.Errorf("check invariants: %w", err)
	}
	if !total.IsZero() {
		problems = append(problems, "all postings sum to "+total.String())
	}
	negative, err := NegativeAccounts(ctx, db, 20)
	if err != nil {
		return fmt.Errorf("check invariants: %w", err)
	}
	for _, n := range negative {
		problems = append(problems, "constrained account "+n.Code+" is negative")
	}
	var drift []struct {
		Code     string
		Balance  models.Money
		Postings models.Money
	}
	if err := db.Raw(`WITH kept AS (
			SELECT account_id, sum(balance) AS balance FROM ledger_balances GROUP BY account_id),
		summed AS (
			SELECT p.account_id, sum(CASE WHEN (p.direction = 'debit') = (a.kind IN ('asset', 'expense'))
				THEN p.amount ELSE -p.amount END) AS postings
			FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id GROUP BY p.account_id)
		SELECT a.code, coalesce(k.balance, 0) AS balance, coalesce(s.postings, 0) AS postings
		FROM ledger_accounts a LEFT JOIN kept k ON k.account_id = a.id LEFT JOIN summed s ON s.account_id = a.id
		WHERE coalesce(k.balance, 0) <> coalesce(s.postings, 0) LIMIT 20`).Scan(&drift).Error; err != nil {
		return fmt.Errorf("check invariants: %w", err)
	}
	for _, d := range drift {
		problems = append(problems, fmt.Sprintf("account %s balance %s but its postings sum to %s", d.Code, d.Balance, d.Postings))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvariants, strings.Join(problems, "; "))
	}
	return nil
}

// ErrInvariants is wrapped by CheckInvariants' error when the books are
// wrong, as opposed to when the check could not run.
var ErrInvariants = errors.New("ledger invariants violated")

// Negative is a constrained account whose balance is below zero.
type Negative struct {
	Code    string
	Balance models.Money
}

// NegativeAccounts returns up to limit constrained accounts whose balance is
// below zero, by code. The database refuses such a balance (CHECK), so there
// are none unless one was written behind the ledger's back; the query reads
// a partial index of exactly those rows (empty), so it is cheap enough to run
// on every visit of the books page.
func NegativeAccounts(ctx context.Context, db *gorm.DB, limit int) ([]Negative, error) {
	var out []Negative
	if err := db.WithContext(ctx).Raw(`SELECT a.code, b.balance FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
		WHERE b.constrained AND b.balance < 0 ORDER BY a.code LIMIT ?`, limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("negative accounts: %w", err)
	}
	return out, nil
}

// Total is the sum of one class of per-person accounts (all escrows, all
// wallets …), or of every account of one kind, as of the last refresh.
type Total struct {
	Class    string
	Total    models.Money
	Accounts int64
	TakenAt  time.Time
}

// Classes of per-person accounts whose totals the operators' overview shows.
var Classes = []string{"escrow", "wallet", "seller", "clawback", "biller"}

// Kinds are the account kinds whose totals RefreshTotals sums beside the
// classes (under KindClass), for the books' dashboard and its zero sum.
var Kinds = []models.AccountKind{models.Asset, models.Liability, models.Revenue, models.Expense, models.Equity}

// KindClass is the name under which the total of every account of kind k is
// kept with the classes' totals ("kind:asset").
func KindClass(k models.AccountKind) string { return "kind:" + string(k) }

// RefreshTotals sums every class of per-person accounts, and every account
// by kind, into ledger_totals. One statement computes them all, so they are
// the figures of one moment (one snapshot of the balances, one taken_at):
// the kinds' zero sum (assets + expenses = liabilities + revenue + equity)
// holds among them as it holds in the ledger. It reads every balance row
// once: a periodic job runs it, pages read the result (Totals), so no page's
// cost grows with the number of accounts.
func RefreshTotals(ctx context.Context, db *gorm.DB) error {
	kinds := make([]string, len(Kinds))
	for i, k := range Kinds {
		kinds[i] = string(k)
	}
	return db.WithContext(ctx).Exec(`
		WITH balances AS (
			SELECT a.id, a.code, a.kind, coalesce(sum(b.balance), 0) AS balance
			FROM ledger_accounts a LEFT JOIN ledger_balances b ON b.account_id = a.id
			GROUP BY a.id),
		sums AS (
			SELECT c.class, coalesce(sum(b.balance), 0) AS total, count(b.id) AS accounts
			FROM unnest(?::text[]) AS c(class) LEFT JOIN balances b ON b.code LIKE c.class || ':%'
			GROUP BY c.class
			UNION ALL
			SELECT 'kind:' || k.kind, coalesce(sum(b.balance), 0), count(b.id)
			FROM unnest(?::text[]) AS k(kind) LEFT JOIN balances b ON b.kind = k.kind
			GROUP BY k.kind)
		INSERT INTO ledger_totals (class, total, accounts, taken_at)
		SELECT class, total, accounts, now() FROM sums
		ON CONFLICT (class) DO UPDATE SET total = EXCLUDED.total, accounts = EXCLUDED.accounts, taken_at = EXCLUDED.taken_at`,
		"{"+strings.Join(Classes, ",")+"}", "{"+strings.Join(kinds, ",")+"}").Error
}

// Totals returns the last refreshed totals by class, the kinds' under
// KindClass (refreshing them first when any is missing: before the first
// run of the job).
func Totals(ctx context.Context, db *gorm.DB) (map[string]Total, error) {
	out, err := readTotals(ctx, db)
	if err != nil || complete(out) {
		return out, err
	}
	if err := RefreshTotals(ctx, db); err != nil {
		return nil, fmt.Errorf("ledger totals: %w", err)
	}
	return readTotals(ctx, db)
}

func readTotals(ctx context.Context, db *gorm.DB) (map[string]Total, error) {
	var rows []Total
	if err := db.WithContext(ctx).Raw(`SELECT class, total, accounts, taken_at FROM ledger_totals`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("ledger totals: %w", err)
	}
	out := make(map[string]Total, len(rows))
	for _, r := range rows {
		out[r.Class] = r
	}
	return out, nil
}

// complete reports whether totals has every class and every kind.
func complete(totals map[string]Total) bool {
	for _, c := range Classes {
		if _, ok := totals[c]; !ok {
			return false
		}
	}
	for _, k := range Kinds {
		if _, ok := totals[KindClass(k)]; !ok {
			return false
		}
	}
	return true
}

// TotalsArgs is the periodic job that refreshes the totals.
type TotalsArgs struct{}

// Kind names the job.
func (TotalsArgs) Kind() string { return "ledger_totals" }

// TotalsWorker runs TotalsArgs.
type TotalsWorker struct {
	river.WorkerDefaults[TotalsArgs]
	DB *gorm.DB
}

// Work refreshes the totals.
func (w *TotalsWorker) Work(ctx context.Context, _ *river.Job[TotalsArgs]) error {
	return RefreshTotals(ctx, w.DB)
}
