// Package payouts takes money out of the platform: sellers withdraw what is
// available, buyers their prepaid balance, to a bank account in their own
// name; operators pay transfers in suspense back to their payers through the
// same path.
//
// A payout is recorded and its money moved to payouts:in_transit in one
// transaction, with the River job that will send it. The job calls the
// bank's POST /v1/payouts with the payout's id as the Idempotency-Key, after
// the transaction committed and never inside one; a timeout is retried with
// the same key, so the bank pays once. The bank's payout.succeeded callback
// settles it (in transit → out of the bank account), payout.failed returns
// the money where it came from and keeps the bank's reason for its owner.
// Each settles once: the payout row is locked and its state guards every
// move, whatever order the callback and the job's answer come in. Payouts
// that stay without a result are flagged for operators.
package payouts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/clawback"
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/notices"
	"lineescrow/app/risk"
	"lineescrow/app/settings"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// State is where a payout is.
type State string

// Payout states.
const (
	Requested State = "requested" // recorded, money in transit, not sent yet
	Sending   State = "sending"   // the job is calling the bank (the call may be repeated, never undone)
	Sent      State = "sent"      // the bank accepted it; its result comes as a callback
	Succeeded State = "succeeded" // paid
	Failed    State = "failed"    // refused or bounced: the money went back
)

// Minimum is the smallest payout.
var Minimum = models.FromFen(100)

// StuckAfter is how long a payout may wait for its result before operators
// are asked to look.
const StuckAfter = 24 * time.Hour

// Payout is one payout.
type Payout struct {
	ID                 string       `json:"id"`
	UserID             *int64       `json:"user_id"`
	Source             string       `json:"source"`
	BankTxnID          *string      `json:"bank_txn_id,omitempty"`
	Amount             models.Money `json:"amount"`
	BeneficiaryAccount string       `json:"beneficiary_account"`
	BeneficiaryName    string       `json:"beneficiary_name"`
	Memo               string       `json:"memo"`
	State              State        `json:"state"`
	Reason             string       `json:"reason,omitempty"`
	PaidTxnID          *string      `json:"paid_txn_id,omitempty"`
	Attempts           int          `json:"attempts"`
	CreatedAt          time.Time    `json:"created_at"`
	SentAt             *time.Time   `json:"sent_at,omitempty"`
	SettledAt          *time.Time   `json:"settled_at,omitempty"`
}

// Bank is the part of the bank bridge payouts use.
type Bank interface {
	Payout(ctx context.Context, p bankbridge.PayoutInstruction) error
}

// PayPasswords checks a payment password.
type PayPasswords interface {
	VerifyPayPassword(ctx context.Context, userID int64, pin string) error
}

// Returns hears, in the transaction that settles it, how a return of a
// transfer in suspense to its payer ended (funding).
type Returns interface {
	ReturnSettled(ctx context.Context, tx *gorm.DB, bankTxnID string, paid bool) error
}

// Service takes money out.
type Service struct {
	DB *gorm.DB
	// Notices tells the payee how a payout settled (nil: nobody).
	Notices   *notices.Service
	Queue     *jobs.Queue
	Bank      Bank
	Settings  *settings.Service
	Passwords PayPasswords
	Returns   Returns
	MaxAmount models.Money
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Withdrawal is a person's request to be paid out.
type Withdrawal struct {
	Amount models.Money
	// Account is a buyer's bank account (in the buyer's own name); a seller is
	// paid to the account registered with the shop.
	Account     string
	PayPassword string
}

// Withdrawable is what a person can take out now: the balance of their
// source, less what they owe the platform for recalled payments.
func (s *Service) Withdrawable(ctx context.Context, actor models.Actor) (models.Money, error) {
	src, err := source(actor)
	if err != nil {
		return models.Zero, err
	}
	return withdrawable(ctx, store.Reader(ctx, s.DB), actor.UserID, src)
}

func withdrawable(ctx context.Context, db *gorm.DB, userID int64, src string) (models.Money, error) {
	bal, err := ledger.Balance(ctx, db, src)
	if err != nil {
		return models.Zero, err
	}
	var owed models.Money
	if err := db.WithContext(ctx).Raw(`SELECT coalesce(sum(amount - recovered - written_off), 0) FROM clawbacks
		WHERE user_id = ? AND status IN ('open', 'recovering')`, userID).Row().Scan(&owed); err != nil {
		return models.Zero, fmt.Errorf("claw-backs of user %d: %w", userID, err)
	}
	w := bal.Sub(owed)
	if w.IsNegative() {
		return models.Zero, nil
	}
	return w, nil
}

func source(actor models.Actor) (string, error) {
	switch actor.Role {
	case models.RoleSeller:
		return models.SellerAvailableAccount(actor.UserID), nil
	case models.RoleBuyer:
		return models.WalletAccount(actor.UserID), nil
	}
	return "", models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
}

// Withdraw pays money out to the person's own bank account, with their
// payment password: at least Minimum, at most what is withdrawable and what
// the day's limit leaves.
//
// Errors: EFORBIDDEN for an operator or a frozen person; EINVALID (fields
// amount, account, pay_password); EINSUFFICIENT beyond what is withdrawable
// or the daily limit; ELOCKED while payments are locked.
func (s *Service) Withdraw(ctx context.Context, actor models.Actor, w Withdrawal) (*Payout, error) {
	src, err := source(actor)
	if err != nil {
		return nil, err
	}
	if err := actor.CanMoveMoney(); err != nil {
		return nil, err
	}
	var ps []*models.Error
	if w.Amount.LessThan(Minimum) {
		ps = append(ps, models.FieldError("amount", "Withdraw at least %s.", Minimum.Display()))
	} else if !s.MaxAmount.IsZero() && w.Amount.GreaterThan(s.MaxAmount) {
		ps = append(ps, models.FieldError("amount", "One withdrawal may be at most %s.", s.MaxAmount.Display()))
	}
	var account, name string
	if actor.Role == models.RoleSeller {
		if err := s.DB.WithContext(ctx).Raw("SELECT bank_account, bank_holder FROM sellers WHERE user_id = ?", actor.UserID).
			Row().Scan(&account, &name); err != nil {
			return nil, fmt.Errorf("payout account of seller %d: %w", actor.UserID, err)
		}
	} else {
		if account, err = models.CheckBankAccount("account", w.Account); err != nil {
			ps = append(ps, models.AsError(err))
		}
		if err := s.DB.WithContext(ctx).Raw("SELECT display_name FROM users WHERE id = ?", actor.UserID).Row().Scan(&name); err != nil {
			return nil, fmt.Errorf("name of user %d: %w", actor.UserID, err)
		}
	}
	if err := models.Invalid(ps...); err != nil {
		return nil, err
	}
	// Before the password is spent: what the person could never take anyway.
	if have, err := withdrawable(ctx, s.DB, actor.UserID, src); err != nil {
		return nil, err
	} else if w.Amount.GreaterThan(have) {
		return nil, models.FieldError("amount", "You can withdraw at most %s now.", have.Display())
	}
	if err := s.Passwords.VerifyPayPassword(ctx, actor.UserID, w.PayPassword); err != nil {
		return nil, err
	}
	vals, err := s.Settings.Get(ctx, nil)
	if err != nil {
		return nil, err
	}
	p := &Payout{ID: newID(), UserID: &actor.UserID, Source: src, Amount: w.Amount, BeneficiaryAccount: account,
		BeneficiaryName: name, State: Requested}
	p.Memo = "LineEscrow payout " + p.ID
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		// One person's payouts one at a time: the limit and the balance hold.
		if err := tx.Exec("SELECT 1 FROM users WHERE id = ? FOR UPDATE", actor.UserID).Error; err != nil {
			return err
		}
		var today models.Money
		if err := tx.Raw(`SELECT coalesce(sum(amount), 0) FROM payouts WHERE user_id = ? AND state <> 'failed'
			AND created_at >= ?`, actor.UserID, dayStart(s.now())).Row().Scan(&today); err != nil {
			return err
		}
		if left := vals.PayoutDailyLimit.Sub(today); w.Amount.GreaterThan(left) {
			if left.IsNegative() {
				left = models.Zero
			}
			return models.FieldError("amount", "Today you can withdraw at most %s more.", left.Display())
		}
		have, err := withdrawable(ctx, tx, actor.UserID, src)
		if err != nil {
			return err
		}
		if w.Amount.GreaterThan(have) {
			return models.FieldError("amount", "You can withdraw at most %s now.", have.Display())
		}
		return s.create(ctx, tx, p)
	})
	if err != nil {
		return nil, fmt.Errorf("withdraw: %w", err)
	}
	return s.Get(ctx, actor, p.ID)
}

// ReturnCredit pays a transfer in suspense back to its payer, within tx
// (funding's, which has the credit locked): the money leaves suspense for
// payouts:in_transit now, the bank is called by the job.
func (s *Service) ReturnCredit(ctx context.Context, tx *gorm.DB, bankTxnID string, amount models.Money, account, name string) (*Payout, error) {
	acc, err := models.CheckBankAccount("account", account)
	if err != nil || strings.TrimSpace(name) == "" {
		return nil, models.Errorf(models.ECONFLICT, "This transfer has no payer account to return it to; assign it instead.")
	}
	p := &Payout{ID: newID(), Source: models.AccSuspense, BankTxnID: &bankTxnID, Amount: amount, BeneficiaryAccount: acc,
		BeneficiaryName: strings.TrimSpace(name), Memo: "Returned: " + bankTxnID, State: Requested}
	if err := s.create(ctx, tx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// SettleBiller pays, within tx, amount of what payers paid a biller (its
// account biller:<code>) to the biller's bank account: the money leaves
// biller:<code> for payouts:in_transit now, the bank is called by the job; a
// failed payout puts it back on biller:<code>.
//
// Errors: EINVALID (field amount) under Minimum; EINSUFFICIENT (field
// amount) beyond the biller's balance.
func (s *Service) SettleBiller(ctx context.Context, tx *gorm.DB, code string, amount models.Money, account, name string) (*Payout, error) {
	acc, err := models.CheckBankAccount("account", account)
	if err != nil {
		return nil, err
	}
	if amount.LessThan(Minimum) {
		return nil, models.FieldError("amount", "Settle at least %s.", Minimum.Display())
	}
	p := &Payout{ID: newID(), Source: models.BillerAccount(code), Amount: amount, BeneficiaryAccount: acc,
		BeneficiaryName: strings.TrimSpace(name), State: Requested}
	p.Memo = "LineEscrow bill settlement " + p.ID
	if err := s.create(ctx, tx, p); err != nil {
		if models.ErrorCode(err) == models.EINVALID {
			return nil, models.Errorf(models.EINSUFFICIENT, "The biller's balance is not enough for this settlement.")
		}
		return nil, err
	}
	return p, nil
}

// create records p with its money in transit and the job that sends it.
func (s *Service) create(ctx context.Context, tx *gorm.DB, p *Payout) error {
	if err := tx.Exec(`INSERT INTO payouts (id, user_id, source, bank_txn_id, amount, beneficiary_account, beneficiary_name, memo, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'requested')`, p.ID, p.UserID, p.Source, p.BankTxnID, p.Amount, p.BeneficiaryAccount,
		p.BeneficiaryName, p.Memo).Error; err != nil {
		return fmt.Errorf("record payout: %w", err)
	}
	if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "payout:" + p.ID, Kind: "payout.request", Ref: "payout:" + p.ID,
		Postings: models.Move(p.Source, models.AccPayoutsInTransit, p.Amount)}); err != nil {
		if models.ErrorCode(err) == models.EINSUFFICIENT {
			return models.FieldError("amount", "Your balance is not enough for this withdrawal.")
		}
		return err
	}
	_, err := s.Queue.InsertTx(ctx, tx, SendArgs{PayoutID: p.ID}, nil)
	return err
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "PO" + strings.ToUpper(hex.EncodeToString(b))
}

func dayStart(t time.Time) time.Time {
	t = t.In(models.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, models.Shanghai)
}

// SendArgs is the job that sends a payout to the bank.
type SendArgs struct {
	PayoutID string `json:"payout_id"`
}

// Kind names the job.
func (SendArgs) Kind() string { return "payout_send" }

// InsertOpts puts payouts on their own queue, retried for about a day.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueuePayouts, MaxAttempts: 20}
}

// SendWorker runs SendArgs.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	Payouts *Service
}

// Work sends the payout.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	return w.Payouts.Send(ctx, job.Args.PayoutID)
}

// Send calls the bank for a payout still waiting to be sent (the job's body).
// It returns an error when there was no decisive answer, for River to retry
// with the same key; an accepted or refused payout is done.
func (s *Service) Send(ctx context.Context, id string) error {
	var p Payout
	res := s.DB.WithContext(ctx).Table("payouts").Where("id = ?", id).Limit(1).Find(&p)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 || (p.State != Requested && p.State != Sending) {
		return nil // settled by an early callback, or already accepted
	}
	// Claimed before the call: from now on it cannot be cancelled, only settled.
	claim := s.DB.WithContext(ctx).Exec(`UPDATE payouts SET state = 'sending' WHERE id = ? AND state IN ('requested', 'sending')`, id)
	if claim.Error != nil {
		return claim.Error
	}
	if claim.RowsAffected == 0 {
		return nil // cancelled or settled meanwhile
	}
	err := s.Bank.Payout(ctx, bankbridge.PayoutInstruction{PayoutID: p.ID, Amount: p.Amount, BeneficiaryAccount: p.BeneficiaryAccount,
		BeneficiaryName: p.BeneficiaryName, Memo: p.Memo})
	var refused *bankbridge.PayoutRefused
	switch {
	case err == nil:
		return s.DB.WithContext(ctx).Exec(`UPDATE payouts SET state = 'sent', sent_at = now(), attempts = attempts + 1
			WHERE id = ? AND state = 'sending'`, id).Error
	case errors.As(err, &refused):
		return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
			_, err := s.settle(ctx, tx, id, false, "", refused.Code)
			return err
		})
	default:
		if uerr := s.DB.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE payouts SET attempts = attempts + 1, last_error = ?
			WHERE id = ?`, truncate(err.Error(), 300), id).Error; uerr != nil {
			return errors.Join(err, uerr)
		}
		return fmt.Errorf("send payout %s: %w", id, err)
	}
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Settle applies a payout callback within tx (funding's event transaction).
// It reports false when the payout is not one of the platform's.
func (s *Service) Settle(ctx context.Context, tx *gorm.DB, d bankbridge.Payout, succeeded bool) (bool, error) {
	var amount models.Money
	res := tx.WithContext(ctx).Raw("SELECT amount FROM payouts WHERE id = ?", d.PayoutID).Scan(&amount)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	if !d.Amount.IsZero() && !d.Amount.Equal(amount) {
		if err := risk.Raise(ctx, tx, risk.PayoutMismatch, nil, nil, map[string]any{"payout_id": d.PayoutID,
			"amount": amount.String(), "bank_says": d.Amount.String()}); err != nil {
			return true, err
		}
	}
	reason := d.Reason
	if !succeeded && reason == "" {
		reason = "refused by the bank"
	}
	return s.settle(ctx, tx, d.PayoutID, succeeded, d.BankTxnID, reason)
}

// settle moves a payout's money once: paid out of the bank account, or back
// where it came from.
func (s *Service) settle(ctx context.Context, tx *gorm.DB, id string, succeeded bool, paidTxn, reason string) (bool, error) {
	var p Payout
	if err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Table("payouts").Where("id = ?", id).Take(&p).Error; err != nil {
		return false, err
	}
	if p.State == Succeeded || p.State == Failed {
		if (p.State == Succeeded) != succeeded {
			// The bank said both: an operator must look; nothing moves twice.
			return true, risk.Raise(ctx, tx, risk.PayoutContradiction, nil, p.UserID, map[string]any{"payout_id": id,
				"state": string(p.State), "now_says_succeeded": succeeded, "reason": reason})
		}
		return true, nil // a repeated callback
	}
	postings := models.Move(models.AccPayoutsInTransit, models.AccBankCollection, p.Amount)
	key, kind, state := "payout:"+id+":paid", "payout.paid", Succeeded
	if !succeeded {
		postings = models.Move(models.AccPayoutsInTransit, p.Source, p.Amount)
		key, kind, state = "payout:"+id+":failed", "payout.failed", Failed
	}
	if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: kind, Ref: "payout:" + id, Memo: reason, Postings: postings}); err != nil {
		return true, err
	}
	var txn *string
	if paidTxn != "" {
		txn = &paidTxn
	}
	if err := tx.Exec(`UPDATE payouts SET state = ?, reason = ?, paid_txn_id = ?, settled_at = now() WHERE id = ?`,
		string(state), reason, txn, id).Error; err != nil {
		return true, err
	}
	if p.UserID != nil {
		kind := models.NoticePayoutPaid
		if !succeeded {
			kind = models.NoticePayoutFailed
		}
		if err := s.Notices.Add(ctx, tx, models.Notice{UserID: *p.UserID, Kind: kind, PayoutID: id,
			Params: []string{p.Amount.Display()}}); err != nil {
			return true, err
		}
	}
	if !succeeded {
		// Money back on a person's balance is swept for what they owe first.
		if err := clawback.SweepCredited(ctx, tx, postings); err != nil {
			return true, err
		}
	}
	if p.BankTxnID != nil && s.Returns != nil {
		return true, s.Returns.ReturnSettled(ctx, tx, *p.BankTxnID, succeeded)
	}
	return true, nil
}

// CancelReturn cancels, within tx, the return of a credit to its payer if it
// has not been sent to the bank yet (the bank recalled the credit meanwhile):
// its money is back in suspense. It reports whether it cancelled one.
func (s *Service) CancelReturn(ctx context.Context, tx *gorm.DB, bankTxnID string) (bool, error) {
	var id string
	res := tx.WithContext(ctx).Raw(`SELECT id FROM payouts WHERE bank_txn_id = ? AND state = 'requested' FOR UPDATE`, bankTxnID).Scan(&id)
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	_, err := s.settle(ctx, tx, id, false, "", "cancelled: the bank recalled the transfer")
	return err == nil, err
}

// Query selects payouts.
type Query struct {
	OpenOnly bool // requested or sent: waiting for a result
	Limit    int
}

// List returns payouts, newest first: a person's own, or all for operators.
//
// Errors: EFORBIDDEN for nobody.
func (s *Service) List(ctx context.Context, actor models.Actor, q Query) ([]Payout, error) {
	db := store.Reader(ctx, s.DB).Table("payouts")
	switch {
	case actor.IsOperator():
	case actor.Role == models.RoleBuyer || actor.Role == models.RoleSeller:
		db = db.Where("user_id = ?", actor.UserID)
	default:
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	if q.OpenOnly {
		db = db.Where("state IN ('requested', 'sending', 'sent')")
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 100
	}
	var out []Payout
	if err := db.Order("created_at DESC").Limit(q.Limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list payouts: %w", err)
	}
	return out, nil
}

// Get returns a payout its owner or an operator may see. Errors: ENOTFOUND.
func (s *Service) Get(ctx context.Context, actor models.Actor, id string) (*Payout, error) {
	var p Payout
	res := s.DB.WithContext(ctx).Table("payouts").Where("id = ?", id).Limit(1).Find(&p)
	if res.Error != nil {
		return nil, fmt.Errorf("payout %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 || (!actor.IsOperator() && (p.UserID == nil || *p.UserID != actor.UserID)) {
		return nil, models.Errorf(models.ENOTFOUND, "No such payout.")
	}
	return &p, nil
}

// Totals are a person's payouts by stage.
type Totals struct {
	InTransit models.Money `json:"in_transit"`
	PaidOut   models.Money `json:"paid_out"`
}

// TotalsOf sums a person's payouts waiting for a result and paid out.
func (s *Service) TotalsOf(ctx context.Context, userID int64) (Totals, error) {
	var t Totals
	err := store.Reader(ctx, s.DB).Raw(`SELECT
		coalesce(sum(amount) FILTER (WHERE state IN ('requested', 'sending', 'sent')), 0) AS in_transit,
		coalesce(sum(amount) FILTER (WHERE state = 'succeeded'), 0) AS paid_out
		FROM payouts WHERE user_id = ?`, userID).Scan(&t).Error
	return t, err
}

// StuckArgs is the periodic job that flags payouts without a result.
type StuckArgs struct{}

// Kind names the job.
func (StuckArgs) Kind() string { return "payout_stuck" }

// StuckWorker runs StuckArgs.
type StuckWorker struct {
	river.WorkerDefaults[StuckArgs]
	Payouts *Service
}

// Work flags.
func (w *StuckWorker) Work(ctx context.Context, _ *river.Job[StuckArgs]) error {
	_, err := w.Payouts.FlagStuck(ctx)
	return err
}

// FlagStuck raises a case, once, for each payout waiting longer than
// StuckAfter for its result, and returns how many.
func (s *Service) FlagStuck(ctx context.Context) (int, error) {
	n := 0
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var stuck []Payout
		if err := tx.Raw(`SELECT * FROM payouts WHERE state IN ('requested', 'sending', 'sent') AND NOT stuck_flagged AND created_at < ?
			ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED`, s.now().Add(-StuckAfter)).Scan(&stuck).Error; err != nil {
			return err
		}
		for _, p := range stuck {
			if err := risk.Raise(ctx, tx, risk.PayoutStuck, nil, p.UserID, map[string]any{"payout_id": p.ID, "amount": p.Amount.String(),
				"state": string(p.State), "attempts": p.Attempts, "since": p.CreatedAt}); err != nil {
				return err
			}
			if err := tx.Exec("UPDATE payouts SET stuck_flagged = true WHERE id = ?", p.ID).Error; err != nil {
				return err
			}
		}
		n = len(stuck)
		return nil
	})
	return n, err
}
