// Package recon reconciles the platform's books with the bank: each day's
// statement of the collection account is matched line by line with the
// ledger, by bank transaction id.
//
//   - A credit whose callback never arrived is booked from the statement
//     exactly as the callback would have been (it goes through funding's
//     event path, under the id "stmt:<bank_txn_id>"); so is a payout whose
//     result never came (by the payout id in the line's reference) and a
//     reversal (by the credit it names).
//   - A line nobody knows, or one whose amount differs from the ledger's,
//     becomes a break in an operator queue; so does a difference between the
//     statement's closing balance and bank:collection at the end of the day
//     (by the transfers' value time: when they happened at the bank).
//
// Each run is kept as a report; clearing a break is audited.
package recon

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/audit"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Bank is the part of the bank bridge reconciliation reads.
type Bank interface {
	Statement(ctx context.Context, day string) (*bankbridge.Statement, error)
}

// Events books what the statement shows and the platform missed, through the
// same path as the bank's callbacks (funding.Service.Book).
type Events interface {
	Book(ctx context.Context, id string, body []byte) error
}

// BreakKind names what a break is.
type BreakKind string

// Break kinds.
const (
	UnknownLine       BreakKind = "unknown_line"       // the statement has it, the platform does not know it
	AmountMismatch    BreakKind = "amount_mismatch"    // the amounts differ
	BalanceDifference BreakKind = "balance_difference" // the closing balance differs from bank:collection
)

// Run is one reconciliation of a day.
type Run struct {
	ID             int64         `json:"id"`
	Day            time.Time     `json:"day"`
	StartedAt      time.Time     `json:"started_at"`
	FinishedAt     *time.Time    `json:"finished_at"`
	Status         string        `json:"status"` // running, clean, breaks, failed
	OpeningBalance *models.Money `json:"opening_balance"`
	ClosingBalance *models.Money `json:"closing_balance"`
	LedgerBalance  *models.Money `json:"ledger_balance"`
	Lines          int           `json:"lines"`
	Matched        int           `json:"matched"`
	Booked         int           `json:"booked"`
	Breaks         int           `json:"breaks"`
	Error          string        `json:"error,omitempty"`
}

// Break is something a run could not match.
type Break struct {
	ID    int64 `json:"id"`
	RunID int64 `json:"run_id"`
	// Day is the statement's day; for a break of the telecom operator's
	// settlement (Cycle set, RunID 0) the day it was found.
	Day time.Time `json:"day"`
	// Cycle is the bill cycle (YYYY-MM) of a break in the operator's
	// settlement report; BankTxnID is then the charge, "commission",
	// "total" or the settlement reference.
	Cycle     string          `json:"cycle,omitempty"`
	Kind      BreakKind       `json:"kind"`
	BankTxnID string          `json:"bank_txn_id"`
	Expected  *models.Money   `json:"expected"`
	Actual    *models.Money   `json:"actual"`
	Detail    json.RawMessage `json:"detail"`
	Status    string          `json:"status"` // open, cleared
	Note      string          `json:"note"`
	CreatedAt time.Time       `json:"created_at"`
}

// Service reconciles.
type Service struct {
	DB     *gorm.DB
	Bank   Bank
	Events Events
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

var payoutRef = regexp.MustCompile(`\bPO[0-9A-F]{16}\b`)
var reversalRef = regexp.MustCompile(`^REVERSAL (\S+)$`)

// Reconcile reconciles day (YYYY-MM-DD, the bank's statement day, UTC) and
// returns the run. The system (the daily job, the command line) or an
// operator may run it; a day may be run again (known breaks are not repeated).
//
// Errors: EFORBIDDEN for anyone else; EINVALID (field date) for a bad date;
// an error when the statement cannot be fetched (the run is kept as failed).
func (s *Service) Reconcile(ctx context.Context, actor models.Actor, day string) (*Run, error) {
	if !actor.IsOperator() && !actor.IsSystem() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	start, err := time.ParseInLocation("2006-01-02", day, time.UTC)
	if err != nil {
		return nil, models.FieldError("date", "Enter a date as YYYY-MM-DD.")
	}
	var runBy *int64
	if actor.IsOperator() {
		runBy = &actor.UserID
	}
	var runID int64
	if err := s.DB.WithContext(ctx).Raw(`INSERT INTO recon_runs (day, run_by) VALUES (?, ?) RETURNING id`, day, runBy).Scan(&runID).Error; err != nil {
		return nil, fmt.Errorf("reconcile %s: %w", day, err)
	}
	if err := s.reconcile(ctx, runID, start); err != nil {
		_ = s.DB.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE recon_runs SET status = 'failed', error = ?, finished_at = now() WHERE id = ?`,
			err.Error(), runID).Error
		return nil, fmt.Errorf("reconcile %s: %w", day, err)
	}
	if actor.IsOperator() {
		if err := audit.Record(ctx, s.DB, &actor, "recon.run", fmt.Sprintf("recon:%d", runID), map[string]any{"day": day}); err != nil {
			return nil, err
		}
	}
	return s.RunOf(ctx, runID)
}

type counts struct{ matched, booked, breaks int }

func (s *Service) reconcile(ctx context.Context, runID int64, start time.Time) error {
	day := start.Format("2006-01-02")
	st, err := s.Bank.Statement(ctx, day)
	if err != nil {
		return err
	}
	var n counts
	for _, l := range st.Lines {
		if err := s.line(ctx, runID, day, l, &n); err != nil {
			return fmt.Errorf("line %s: %w", l.BankTxnID, err)
		}
	}
	ledgerBal, err := ledger.BalanceAt(ctx, s.DB, models.AccBankCollection, start.Add(24*time.Hour))
	if err != nil {
		return err
	}
	if !ledgerBal.Equal(st.ClosingBalance) {
		if err := s.addBreak(ctx, runID, day, BalanceDifference, "", &st.ClosingBalance, &ledgerBal,
			map[string]any{"statement_closing": st.ClosingBalance.String(), "ledger": ledgerBal.String()}, &n); err != nil {
			return err
		}
	}
	status := "clean"
	var open int64
	if err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM recon_breaks WHERE day = ? AND status = 'open'`, day).Scan(&open).Error; err != nil {
		return err
	}
	if open > 0 {
		status = "breaks"
	}
	return s.DB.WithContext(ctx).Exec(`UPDATE recon_runs SET status = ?, opening_balance = ?, closing_balance = ?, ledger_balance = ?,
		lines = ?, matched = ?, booked = ?, breaks = ?, finished_at = now() WHERE id = ?`,
		status, st.OpeningBalance, st.ClosingBalance, ledgerBal, len(st.Lines), n.matched, n.booked, n.breaks, runID).Error
}

// line matches one statement line.
func (s *Service) line(ctx context.Context, runID int64, day string, l bankbridge.StatementLine, n *counts) error {
	db := s.DB.WithContext(ctx)
	detail := map[string]any{"direction": l.Direction, "reference": l.Reference, "counterparty": l.CounterpartyName,
		"booked_at": l.BookedAt}
	mismatch := func(known models.Money) error {
		if known.Equal(l.Amount) {
			n.matched++
			return nil
		}
		return s.addBreak(ctx, runID, day, AmountMismatch, l.BankTxnID, &known, &l.Amount, detail, n)
	}
	if l.Direction == "credit" {
		var amount models.Money
		res := db.Raw("SELECT amount FROM bank_credits WHERE bank_txn_id = ?", l.BankTxnID).Scan(&amount)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			return mismatch(amount)
		}
		// The callback never came: book it as the callback would have.
		data, _ := json.Marshal(bankbridge.Received{BankTxnID: l.BankTxnID, Amount: l.Amount, Currency: "CNY", Reference: l.Reference,
			PayerAccount: l.CounterpartyAccount, PayerName: l.CounterpartyName, Channel: "statement", ValueDate: day})
		if err := s.book(ctx, l, bankbridge.TransferReceived, data); err != nil {
			return err
		}
		n.booked++
		return nil
	}
	// A debit: a payout of ours, or a reversal.
	if id := payoutRef.FindString(l.Reference); id != "" {
		var p struct {
			Amount models.Money
			State  string
		}
		res := db.Raw("SELECT amount, state FROM payouts WHERE id = ?", id).Scan(&p)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			if p.State != "succeeded" && p.State != "failed" && p.Amount.Equal(l.Amount) {
				data, _ := json.Marshal(bankbridge.Payout{PayoutID: id, BankTxnID: l.BankTxnID, Amount: l.Amount})
				if err := s.book(ctx, l, bankbridge.PayoutSucceeded, data); err != nil {
					return err
				}
				n.booked++
				return nil
			}
			return mismatch(p.Amount)
		}
	}
	var rev models.Money
	res := db.Raw("SELECT amount FROM bank_reversals WHERE reversal_txn_id = ?", l.BankTxnID).Scan(&rev)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return mismatch(rev)
	}
	if m := reversalRef.FindStringSubmatch(l.Reference); m != nil {
		var known int64
		if err := db.Raw("SELECT count(*) FROM bank_credits WHERE bank_txn_id = ?", m[1]).Scan(&known).Error; err != nil {
			return err
		}
		if known == 1 {
			data, _ := json.Marshal(bankbridge.Reversed{BankTxnID: m[1], ReversalTxnID: l.BankTxnID, Amount: l.Amount,
				Reason: "booked from the bank statement"})
			if err := s.book(ctx, l, bankbridge.TransferReversed, data); err != nil {
				return err
			}
			n.booked++
			return nil
		}
	}
	return s.addBreak(ctx, runID, day, UnknownLine, l.BankTxnID, nil, &l.Amount, detail, n)
}

// book feeds what the statement shows through the callbacks' path, as an
// event of the time the bank booked it.
func (s *Service) book(ctx context.Context, l bankbridge.StatementLine, typ string, data json.RawMessage) error {
	id := "stmt:" + l.BankTxnID
	body, err := json.Marshal(bankbridge.Event{ID: id, Type: typ, CreatedAt: l.BookedAt, Data: data})
	if err != nil {
		return err
	}
	return s.Events.Book(ctx, id, body)
}

func (s *Service) addBreak(ctx context.Context, runID int64, day string, kind BreakKind, txn string, expected, actual *models.Money,
	detail map[string]any, n *counts) error {
	b, _ := json.Marshal(detail)
	res := s.DB.WithContext(ctx).Exec(`INSERT INTO recon_breaks (run_id, day, kind, bank_txn_id, expected, actual, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, kind, bank_txn_id) WHERE status = 'open' DO NOTHING`,
		runID, day, string(kind), txn, expected, actual, b)
	if res.Error != nil {
		return res.Error
	}
	n.breaks += int(res.RowsAffected)
	return nil
}

// RunOf returns a run.
func (s *Service) RunOf(ctx context.Context, id int64) (*Run, error) {
	var r Run
	res := s.DB.WithContext(ctx).Table("recon_runs").Where("id = ?", id).Limit(1).Find(&r)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No reconciliation run %d.", id)
	}
	return &r, nil
}

// Report is the reconciliation page: the latest runs and the open breaks.
type Report struct {
	Runs   []Run   `json:"runs"`
	Breaks []Break `json:"breaks"`
	// Yesterday is the day the daily job reconciles (UTC), the run form's default.
	Yesterday string `json:"yesterday" format:"date"`
}

// ReportOf returns the last 30 runs and the open breaks (up to 200).
//
// Errors: EFORBIDDEN unless operator.
func (s *Service) ReportOf(ctx context.Context, actor models.Actor) (*Report, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	r := &Report{Runs: []Run{}, Breaks: []Break{}, Yesterday: s.yesterday()}
	db := s.DB.WithContext(ctx)
	if err := db.Table("recon_runs").Order("id DESC").Limit(30).Find(&r.Runs).Error; err != nil {
		return nil, err
	}
	if err := db.Table("recon_breaks").Select(`id, coalesce(run_id, 0) AS run_id, coalesce(day, created_at::date) AS day, cycle, kind,
		bank_txn_id, expected, actual, detail, status, note, created_at`).Where("status = 'open'").Order("id DESC").Limit(200).Find(&r.Breaks).Error; err != nil {
		return nil, err
	}
	return r, nil
}

// OpenBreaks counts the breaks waiting for an operator (for the overview).
func (s *Service) OpenBreaks(ctx context.Context) (int, error) {
	var n int
	if err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM recon_breaks WHERE status = 'open'`).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("open breaks: %w", err)
	}
	return n, nil
}

// Facts are what the statement said of a break's line, as its run kept them.
type Facts struct {
	Direction    string    // credit or debit
	Reference    string    // the line's memo
	Counterparty string    // who paid or was paid
	BookedAt     time.Time // when the bank booked it
}

// Facts returns what the break's detail says of its statement line (zero
// values for what it does not say: a balance difference has no line).
func (b *Break) Facts() Facts {
	var d struct {
		Direction    string    `json:"direction"`
		Reference    string    `json:"reference"`
		Counterparty string    `json:"counterparty"`
		BookedAt     time.Time `json:"booked_at"`
	}
	if json.Unmarshal(b.Detail, &d) != nil {
		return Facts{}
	}
	return Facts{Direction: d.Direction, Reference: d.Reference, Counterparty: d.Counterparty, BookedAt: d.BookedAt}
}

// Clear closes a break with a note saying what was done.
//
// Errors: EFORBIDDEN unless operator; EINVALID (field note); ENOTFOUND when
// no such open break.
func (s *Service) Clear(ctx context.Context, actor models.Actor, id int64, note string) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	note, err := models.CheckName("note", note, 500)
	if err != nil {
		return models.FieldError("note", "Say what was done (at most 500 characters).")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE recon_breaks SET status = 'cleared', cleared_at = now(), cleared_by = ?, note = ? WHERE id = ? AND status = 'open'`,
			actor.UserID, note, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No open break %d.", id)
		}
		return audit.Record(ctx, tx, &actor, "recon.clear", fmt.Sprintf("recon_break:%d", id), map[string]any{"note": note})
	})
}

// DailyArgs is the job that reconciles yesterday (UTC).
type DailyArgs struct{}

// Kind names the job.
func (DailyArgs) Kind() string { return "recon_daily" }

// DailyWorker runs DailyArgs.
type DailyWorker struct {
	river.WorkerDefaults[DailyArgs]
	Recon *Service
}

// Work reconciles yesterday.
func (w *DailyWorker) Work(ctx context.Context, _ *river.Job[DailyArgs]) error {
	_, err := w.Recon.Reconcile(ctx, models.System, w.Recon.yesterday())
	return err
}

// yesterday is the day before today, UTC: the last day whose statement is
// complete.
func (s *Service) yesterday() string { return s.now().UTC().AddDate(0, 0, -1).Format("2006-01-02") }
