// Package funding brings money in: the bank's callbacks (stored before they
// are answered, then matched to orders and wallets by payment reference),
// reversals, the suspense queue of money nobody could match, and wallets.
//
// Matching (PRODUCT.md, Paying 1): exact amount → the order is paid; less →
// kept on the buyer's wallet (and the order paid from it once the wallet
// covers it); more → order paid, surplus to the wallet; after the order
// closed → the wallet; an unknown or missing reference → suspense.
package funding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Service handles incoming money.
type Service struct {
	DB     *gorm.DB
	Orders *orders.Service
	Queue  *jobs.Queue
	Log    *slog.Logger
}

// Credit is a bank credit as recorded.
type Credit struct {
	BankTxnID     string       `json:"bank_txn_id"`
	Amount        models.Money `json:"amount"`
	Reference     string       `json:"reference"`
	PayerAccount  string       `json:"payer_account"`
	PayerName     string       `json:"payer_name"`
	Channel       string       `json:"channel"`
	Outcome       string       `json:"outcome"`
	OrderID       *int64       `json:"order_id"`
	UserID        *int64       `json:"user_id"`
	ToEscrow      models.Money `json:"to_escrow"`
	ToWallet      models.Money `json:"to_wallet"`
	ToSuspense    models.Money `json:"to_suspense"`
	SuspenseState *string      `json:"suspense_state"`
	SuspenseNote  string       `json:"suspense_note"`
	ReversalTxnID *string      `json:"reversal_txn_id"`
	CreatedAt     time.Time    `json:"created_at"`
}

// Outcomes of a credit.
const (
	OutcomeOrderPaid   = "order_paid"
	OutcomeShortPaid   = "short_paid" // short, but the wallet covered the rest
	OutcomeOverpaid    = "overpaid"
	OutcomeShort       = "short"
	OutcomeAfterClose  = "after_close"
	OutcomeAlreadyPaid = "already_paid" // the order was paid before: to the wallet
	OutcomeTopUp       = "wallet_topup"
	OutcomeSuspense    = "suspense"
)

// ProcessArgs is the River job that processes a stored bank event.
type ProcessArgs struct {
	WebhookID string `json:"webhook_id"`
}

// Kind names the job.
func (ProcessArgs) Kind() string { return "bank_event" }

// InsertOpts puts the job on the webhooks queue.
func (ProcessArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueWebhooks, MaxAttempts: 25}
}

// Worker processes stored bank events that were not processed inline.
type Worker struct {
	river.WorkerDefaults[ProcessArgs]
	Funding *Service
}

// Work processes one event.
func (w *Worker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	return w.Funding.Process(ctx, job.Args.WebhookID)
}

// Receive durably stores a verified, well-formed bank event (once per webhook
// id) with the job that will process it, then processes it at once. It returns
// nil as soon as the event is stored: that is when the bank may be told 2xx.
// Events of unknown types are stored for review.
func (s *Service) Receive(ctx context.Context, e *bankbridge.Event, payload []byte) error {
	known := bankbridge.Known(e.Type)
	fresh := false
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		status, note := "pending", ""
		if !known {
			status, note = "review", "unknown event type"
		}
		res := tx.Exec(`INSERT INTO bank_events (webhook_id, type, payload, status, note) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (webhook_id) DO NOTHING`, e.ID, e.Type, payload, status, note)
		if res.Error != nil {
			return res.Error
		}
		fresh = res.RowsAffected == 1
		if !fresh || !known {
			return nil
		}
		_, err := s.Queue.InsertTx(ctx, tx, ProcessArgs{WebhookID: e.ID}, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("store bank event %s: %w", e.ID, err)
	}
	if fresh && known {
		if err := s.Process(ctx, e.ID); err != nil {
			// River retries it; the bank has its answer either way.
			s.log().WarnContext(ctx, "bank event processing failed; will retry", "webhook_id", e.ID, "err", err)
		}
	}
	return nil
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Process applies a stored event, once: the event row is locked and marked
// processed in the same transaction as its effects.
func (s *Service) Process(ctx context.Context, webhookID string) error {
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var ev struct {
			Type    string
			Payload []byte
			Status  string
		}
		if err := tx.Raw(`SELECT type, payload, status FROM bank_events WHERE webhook_id = ? FOR UPDATE`, webhookID).
			Scan(&ev).Error; err != nil {
			return err
		}
		if ev.Status != "pending" {
			return nil
		}
		e, err := bankbridge.Parse(ev.Payload)
		if err != nil {
			return tx.Exec(`UPDATE bank_events SET status = 'review', note = ?, processed_at = now() WHERE webhook_id = ?`,
				err.Error(), webhookID).Error
		}
		status, note := "processed", ""
		switch e.Type {
		case bankbridge.TransferReceived:
			var d bankbridge.Received
			_ = json.Unmarshal(e.Data, &d)
			err = s.credit(ctx, tx, d)
		case bankbridge.TransferReversed:
			var d bankbridge.Reversed
			_ = json.Unmarshal(e.Data, &d)
			err = s.reverse(ctx, tx, d)
		case bankbridge.PayoutSucceeded, bankbridge.PayoutFailed:
			var d bankbridge.Payout
			_ = json.Unmarshal(e.Data, &d)
			status, note = "review", "payout "+d.PayoutID+" is not one of the platform's payouts"
			err = flag(ctx, tx, "unknown_payout", nil, nil, map[string]any{"webhook_id": webhookID, "payout_id": d.PayoutID})
		}
		if err != nil {
			return err
		}
		return tx.Exec(`UPDATE bank_events SET status = ?, note = ?, processed_at = now() WHERE webhook_id = ?`,
			status, note, webhookID).Error
	})
}

// credit records a transfer.received once per bank transaction and sends the
// money where its reference says.
func (s *Service) credit(ctx context.Context, tx *gorm.DB, d bankbridge.Received) error {
	// The row is inserted first: among concurrent copies of one transaction
	// (under different webhook ids) only the first gets past this line.
	res := tx.Exec(`INSERT INTO bank_credits (bank_txn_id, amount, reference, payer_account, payer_name, channel, value_date, outcome)
		VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, '')::date, 'suspense') ON CONFLICT (bank_txn_id) DO NOTHING`,
		d.BankTxnID, d.Amount, d.Reference, d.PayerAccount, d.PayerName, d.Channel, validDate(d.ValueDate))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return nil // already credited
	}
	c := &Credit{BankTxnID: d.BankTxnID, Amount: d.Amount, Reference: d.Reference}
	ref, kind := models.FindReference(d.Reference)
	switch kind {
	case models.RefOrder:
		o, err := orders.ByReference(ctx, tx, ref)
		if err != nil {
			return err
		}
		if o != nil {
			if err := s.toOrder(ctx, tx, c, o, models.AccBankCollection, "bank:credit:"+d.BankTxnID); err != nil {
				return err
			}
			return s.applyPendingReversals(ctx, tx, d.BankTxnID)
		}
	case models.RefWallet:
		var userID int64
		if err := tx.Raw("SELECT id FROM users WHERE topup_reference = ?", ref).Scan(&userID).Error; err != nil {
			return err
		}
		if userID != 0 {
			if err := s.toWallet(ctx, tx, c, userID, models.AccBankCollection, "bank:credit:"+d.BankTxnID, OutcomeTopUp); err != nil {
				return err
			}
			return s.applyPendingReversals(ctx, tx, d.BankTxnID)
		}
	}
	if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "bank:credit:" + d.BankTxnID, Kind: "bank.credit.suspense",
		Ref: "bank:" + d.BankTxnID, Memo: d.Reference, Postings: models.Move(models.AccBankCollection, models.AccSuspense, d.Amount)}); err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE bank_credits SET outcome = 'suspense', to_suspense = amount, suspense_state = 'open'
		WHERE bank_txn_id = ?`, d.BankTxnID).Error; err != nil {
		return err
	}
	return s.applyPendingReversals(ctx, tx, d.BankTxnID)
}

func validDate(s string) string {
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return ""
	}
	return s
}

// toOrder sends credit c, held in account from, to order o by the matching rules.
func (s *Service) toOrder(ctx context.Context, tx *gorm.DB, c *Credit, o *models.Order, from, key string) error {
	amt := c.Amount
	escrow, wallet := models.EscrowAccount(o.ID), models.WalletAccount(o.BuyerID)
	var outcome string
	var toEscrow, toWallet models.Money
	detail := map[string]any{"bank_txn_id": c.BankTxnID, "amount": amt.String()}
	if o.State != models.AwaitingPayment {
		outcome, toWallet = OutcomeAfterClose, amt
		if o.State != models.Closed {
			outcome = OutcomeAlreadyPaid
		}
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "bank.credit.wallet", Ref: orders.Ref(o.ID),
			Postings: models.Move(from, wallet, amt)}); err != nil {
			return err
		}
		detail["to_wallet"] = amt.String()
		if err := orders.Event(ctx, tx, o.ID, "payment.after_close", detail); err != nil {
			return err
		}
	} else if amt.Cmp(o.Amount) >= 0 {
		surplus := amt.Sub(o.Amount)
		postings := []models.Posting{{Account: from, Direction: models.Debit, Amount: amt},
			{Account: escrow, Direction: models.Credit, Amount: o.Amount}}
		outcome, toEscrow = OutcomeOrderPaid, o.Amount
		if surplus.IsPositive() {
			postings = append(postings, models.Posting{Account: wallet, Direction: models.Credit, Amount: surplus})
			outcome, toWallet = OutcomeOverpaid, surplus
			detail["surplus_to_wallet"] = surplus.String()
		}
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "bank.credit.order", Ref: orders.Ref(o.ID), Postings: postings}); err != nil {
			return err
		}
		if err := orders.Event(ctx, tx, o.ID, "payment.received", detail); err != nil {
			return err
		}
		if _, err := s.Orders.PaySystem(ctx, tx, o.ID, models.FundingBank, nil); err != nil {
			return err
		}
	} else {
		// Short: kept on the wallet; if the wallet now covers the order (an
		// earlier short payment plus this one), pay it from there.
		outcome, toWallet = OutcomeShort, amt
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "bank.credit.wallet", Ref: orders.Ref(o.ID),
			Postings: models.Move(from, wallet, amt)}); err != nil {
			return err
		}
		bal, err := ledger.Balance(ctx, tx, wallet)
		if err != nil {
			return err
		}
		detail["to_wallet"] = amt.String()
		if bal.Cmp(o.Amount) >= 0 {
			outcome = OutcomeShortPaid
			if err := orders.Event(ctx, tx, o.ID, "payment.received", detail); err != nil {
				return err
			}
			if _, err := s.Orders.PaySystem(ctx, tx, o.ID, models.FundingWallet, models.Move(wallet, escrow, o.Amount)); err != nil {
				return err
			}
		} else {
			detail["missing"] = o.Amount.Sub(bal).String()
			if err := orders.Event(ctx, tx, o.ID, "payment.short", detail); err != nil {
				return err
			}
		}
	}
	return tx.Exec(`UPDATE bank_credits SET outcome = ?, order_id = ?, user_id = ?, to_escrow = to_escrow + ?, to_wallet = to_wallet + ?
		WHERE bank_txn_id = ?`, outcome, o.ID, o.BuyerID, toEscrow, toWallet, c.BankTxnID).Error
}

// toWallet sends credit c, held in account from, to a user's wallet.
func (s *Service) toWallet(ctx context.Context, tx *gorm.DB, c *Credit, userID int64, from, key, outcome string) error {
	if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "bank.credit.wallet", Ref: fmt.Sprintf("user:%d", userID),
		Postings: models.Move(from, models.WalletAccount(userID), c.Amount)}); err != nil {
		return err
	}
	return tx.Exec(`UPDATE bank_credits SET outcome = ?, user_id = ?, to_wallet = to_wallet + ? WHERE bank_txn_id = ?`,
		outcome, userID, c.Amount, c.BankTxnID).Error
}

// reverse records a transfer.reversed once, and applies it when its credit is known.
func (s *Service) reverse(ctx context.Context, tx *gorm.DB, d bankbridge.Reversed) error {
	res := tx.Exec(`INSERT INTO bank_reversals (reversal_txn_id, bank_txn_id, amount, reason) VALUES (?, ?, ?, ?)
		ON CONFLICT (reversal_txn_id) DO NOTHING`, d.ReversalTxnID, d.BankTxnID, d.Amount, d.Reason)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return s.applyPendingReversals(ctx, tx, d.BankTxnID)
}

// applyPendingReversals applies the reversals of a credit that arrived before
// it (or with it): the bank's events come in any order.
func (s *Service) applyPendingReversals(ctx context.Context, tx *gorm.DB, bankTxnID string) error {
	var c Credit
	res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Table("bank_credits").Where("bank_txn_id = ?", bankTxnID).Limit(1).Find(&c)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error // the credit has not arrived yet: the reversal waits for it
	}
	var pending []struct {
		ReversalTxnID string
		Amount        models.Money
		Reason        string
	}
	if err := tx.Raw(`SELECT reversal_txn_id, amount, reason FROM bank_reversals
		WHERE bank_txn_id = ? AND applied_at IS NULL ORDER BY created_at FOR UPDATE`, bankTxnID).Scan(&pending).Error; err != nil {
		return err
	}
	for _, r := range pending {
		if c.ReversalTxnID != nil {
			// A second reversal of one credit takes nothing: flag it.
			if err := tx.Exec(`UPDATE bank_reversals SET applied_at = now() WHERE reversal_txn_id = ?`, r.ReversalTxnID).Error; err != nil {
				return err
			}
			if err := flag(ctx, tx, "duplicate_reversal", c.OrderID, c.UserID, map[string]any{"bank_txn_id": bankTxnID, "reversal_txn_id": r.ReversalTxnID}); err != nil {
				return err
			}
			continue
		}
		if err := s.applyReversal(ctx, tx, &c, r.ReversalTxnID, r.Amount, r.Reason); err != nil {
			return err
		}
		id := r.ReversalTxnID
		c.ReversalTxnID = &id
	}
	return nil
}

// applyReversal takes the recalled money back from wherever the credit went:
// its suspense part, its escrow part (closing the order if it still holds
// it), its wallet part as far as the wallet still has it. What was already
// spent is the platform's loss (expense:bad_debt) and a case for operators.
func (s *Service) applyReversal(ctx context.Context, tx *gorm.DB, c *Credit, reversalID string, amount models.Money, reason string) error {
	left := amount.Min(c.Amount)
	recovered := models.Zero
	var postings []models.Posting
	take := func(account string, have models.Money) {
		n := have.Min(left)
		if n.IsPositive() {
			postings = append(postings, models.Posting{Account: account, Direction: models.Debit, Amount: n})
			left, recovered = left.Sub(n), recovered.Add(n)
		}
	}
	detail := map[string]any{"bank_txn_id": c.BankTxnID, "reversal_txn_id": reversalID, "amount": amount.String(), "reason": reason}
	shipped := false
	if c.ToSuspense.IsPositive() && c.SuspenseState != nil && *c.SuspenseState == "open" {
		take(models.AccSuspense, c.ToSuspense)
	}
	if c.ToEscrow.IsPositive() && c.OrderID != nil {
		var o models.Order
		if err := tx.Where("id = ?", *c.OrderID).Take(&o).Error; err != nil {
			return err
		}
		if (o.State == models.Paid || o.State == models.Shipped) && !o.Held.LessThan(c.ToEscrow.Min(left)) && left.IsPositive() {
			n := c.ToEscrow.Min(left)
			shipped = o.State == models.Shipped
			if _, err := s.Orders.Step(ctx, tx, models.Actor{}, o.ID, models.Command{Action: models.ActReverse, Amount: n, Reason: reason}, nil); err != nil {
				return err
			}
			left, recovered = left.Sub(n), recovered.Add(n)
		}
	}
	if c.ToWallet.IsPositive() && c.UserID != nil && left.IsPositive() {
		bal, err := ledger.Balance(ctx, tx, models.WalletAccount(*c.UserID))
		if err != nil {
			return err
		}
		take(models.WalletAccount(*c.UserID), bal.Min(c.ToWallet))
	}
	shortfall := left
	if shortfall.IsPositive() {
		postings = append(postings, models.Posting{Account: models.AccExpenseBadDebt, Direction: models.Debit, Amount: shortfall})
	}
	if len(postings) > 0 {
		total := models.Zero
		for _, p := range postings {
			total = total.Add(p.Amount)
		}
		postings = append(postings, models.Posting{Account: models.AccBankCollection, Direction: models.Credit, Amount: total})
		ref := "bank:" + c.BankTxnID
		if c.OrderID != nil {
			ref = orders.Ref(*c.OrderID)
		}
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "bank:reversal:" + reversalID, Kind: "bank.reversal", Ref: ref,
			Memo: reason, Postings: postings}); err != nil {
			return err
		}
	}
	if err := tx.Exec(`UPDATE bank_reversals SET applied_at = now(), recovered = ?, shortfall = ? WHERE reversal_txn_id = ?`,
		recovered, shortfall, reversalID).Error; err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE bank_credits SET reversal_txn_id = ?,
		suspense_state = CASE WHEN suspense_state = 'open' THEN NULL ELSE suspense_state END WHERE bank_txn_id = ?`,
		reversalID, c.BankTxnID).Error; err != nil {
		return err
	}
	detail["recovered"], detail["shortfall"] = recovered.String(), shortfall.String()
	if c.OrderID != nil {
		if err := orders.Event(ctx, tx, *c.OrderID, "payment.reversed", detail); err != nil {
			return err
		}
	}
	switch {
	case shortfall.IsPositive():
		return flag(ctx, tx, "reversal_shortfall", c.OrderID, c.UserID, detail)
	case shipped:
		return flag(ctx, tx, "reversed_after_shipping", c.OrderID, c.UserID, detail)
	}
	return nil
}

// flag opens a case for operators.
func flag(ctx context.Context, tx *gorm.DB, kind string, orderID, userID *int64, detail map[string]any) error {
	b, _ := json.Marshal(detail)
	return tx.WithContext(ctx).Exec(`INSERT INTO risk_flags (kind, order_id, user_id, detail) VALUES (?, ?, ?, ?)`,
		kind, orderID, userID, b).Error
}

// Credits lists bank credits: the open suspense queue (suspenseOnly) or all,
// newest first. Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) Credits(ctx context.Context, actor models.Actor, suspenseOnly bool, limit int) ([]Credit, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	db := s.DB.WithContext(ctx).Table("bank_credits")
	if suspenseOnly {
		db = db.Where("suspense_state IN ('open', 'return_requested')")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []Credit
	err := db.Order("created_at DESC").Limit(limit).Find(&out).Error
	return out, err
}

// CreditsOfOrder lists the bank credits matched to an order the actor may see.
func (s *Service) CreditsOfOrder(ctx context.Context, orderID int64) ([]Credit, error) {
	var out []Credit
	err := s.DB.WithContext(ctx).Table("bank_credits").Where("order_id = ?", orderID).Order("created_at").Find(&out).Error
	return out, err
}

// lockSuspense locks an open suspense credit.
func lockSuspense(ctx context.Context, tx *gorm.DB, txnID string) (*Credit, error) {
	var c Credit
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Table("bank_credits").
		Where("bank_txn_id = ?", txnID).Limit(1).Find(&c)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such bank transaction.")
	}
	if c.SuspenseState == nil || *c.SuspenseState != "open" {
		return nil, models.Errorf(models.ECONFLICT, "This transfer is no longer in suspense.")
	}
	return &c, nil
}

// suspenseOp runs an operator's decision on an open suspense credit: checks the
// actor, locks the credit, runs do, and audits the action, in one transaction.
func (s *Service) suspenseOp(ctx context.Context, actor models.Actor, txnID, action string, detail map[string]any,
	do func(tx *gorm.DB, c *Credit) error) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		c, err := lockSuspense(ctx, tx, txnID)
		if err != nil {
			return err
		}
		if err := do(tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, action, "bank:"+txnID, detail)
	})
}

// settleSuspense marks a suspense credit as leaving suspense in state.
func settleSuspense(tx *gorm.DB, txnID, state, note string) error {
	return tx.Exec(`UPDATE bank_credits SET suspense_state = ?, suspense_note = ?,
		to_suspense = CASE WHEN ? = 'assigned' THEN 0 ELSE to_suspense END WHERE bank_txn_id = ?`, state, note, state, txnID).Error
}

// AssignToOrder settles a suspense credit as a payment of an order (by the
// usual matching rules: paid, short, over, after close).
//
// Errors: EFORBIDDEN unless operator; ENOTFOUND; ECONFLICT when no longer in
// suspense; EINVALID (field order_id) for an unknown order.
func (s *Service) AssignToOrder(ctx context.Context, actor models.Actor, txnID string, orderID int64, note string) error {
	return s.suspenseOp(ctx, actor, txnID, "suspense.assign_order", map[string]any{"order_id": orderID, "note": note},
		func(tx *gorm.DB, c *Credit) error {
			var o models.Order
			res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", orderID).Limit(1).Find(&o)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return models.FieldError("order_id", "No order %d.", orderID)
			}
			if err := settleSuspense(tx, txnID, "assigned", note); err != nil {
				return err
			}
			return s.toOrder(ctx, tx, c, &o, models.AccSuspense, "suspense:assign:"+txnID)
		})
}

// AssignToWallet settles a suspense credit onto a buyer's wallet.
//
// Errors: as AssignToOrder; EINVALID (field user_id) for anyone but a buyer.
func (s *Service) AssignToWallet(ctx context.Context, actor models.Actor, txnID string, userID int64, note string) error {
	return s.suspenseOp(ctx, actor, txnID, "suspense.assign_wallet", map[string]any{"user_id": userID, "note": note},
		func(tx *gorm.DB, c *Credit) error {
			var role string
			if err := tx.Raw("SELECT role FROM users WHERE id = ?", userID).Scan(&role).Error; err != nil {
				return err
			}
			if role != string(models.RoleBuyer) {
				return models.FieldError("user_id", "No buyer %d.", userID)
			}
			if err := settleSuspense(tx, txnID, "assigned", note); err != nil {
				return err
			}
			return s.toWallet(ctx, tx, c, userID, models.AccSuspense, "suspense:assign:"+txnID, OutcomeTopUp)
		})
}

// MarkForReturn marks a suspense credit to be paid back to the payer's
// account; the money stays in suspense until that payout is made.
func (s *Service) MarkForReturn(ctx context.Context, actor models.Actor, txnID, note string) error {
	return s.suspenseOp(ctx, actor, txnID, "suspense.mark_return", map[string]any{"note": note},
		func(tx *gorm.DB, _ *Credit) error { return settleSuspense(tx, txnID, "return_requested", note) })
}

// Wallet is a buyer's prepaid balance, its top-up reference and recent history.
type Wallet struct {
	Balance   models.Money
	Reference string
	Moves     []ledger.Movement
}

// WalletOf returns the user's wallet.
func (s *Service) WalletOf(ctx context.Context, userID int64) (*Wallet, error) {
	acc := models.WalletAccount(userID)
	var w Wallet
	var err error
	if w.Balance, err = ledger.Balance(ctx, s.DB, acc); err != nil {
		return nil, err
	}
	if w.Reference, err = s.TopUpReference(ctx, userID); err != nil {
		return nil, err
	}
	if w.Moves, err = ledger.Movements(ctx, s.DB, ledger.MovementQuery{Account: acc, Limit: 100}); err != nil {
		return nil, err
	}
	return &w, nil
}

// TopUpReference returns the buyer's personal wallet top-up reference,
// creating it on first use.
func (s *Service) TopUpReference(ctx context.Context, userID int64) (string, error) {
	for attempt := 0; attempt < 5; attempt++ {
		var ref *string
		if err := s.DB.WithContext(ctx).Raw("SELECT topup_reference FROM users WHERE id = ?", userID).Scan(&ref).Error; err != nil {
			return "", err
		}
		if ref != nil {
			return *ref, nil
		}
		err := s.DB.WithContext(ctx).Exec("UPDATE users SET topup_reference = ? WHERE id = ? AND topup_reference IS NULL",
			models.NewReference(models.RefWallet), userID).Error
		if err != nil && !store.IsUniqueViolation(err, "") {
			return "", err
		}
	}
	return "", errors.New("could not allocate a top-up reference")
}

// Flag is an open case for operators.
type Flag struct {
	ID        int64           `json:"id"`
	Kind      string          `json:"kind"`
	OrderID   *int64          `json:"order_id"`
	UserID    *int64          `json:"user_id"`
	Detail    json.RawMessage `json:"detail"`
	Status    string          `json:"status"`
	CreatedAt time.Time       `json:"created_at"`
}

// Flags lists risk flags, open ones by default, or those of one order.
func Flags(ctx context.Context, db *gorm.DB, orderID int64, openOnly bool) ([]Flag, error) {
	q := db.WithContext(ctx).Table("risk_flags")
	if orderID > 0 {
		q = q.Where("order_id = ?", orderID)
	}
	if openOnly {
		q = q.Where("status = 'open'")
	}
	var out []Flag
	err := q.Order("id DESC").Limit(200).Find(&out).Error
	return out, err
}

// ResolveFlag closes a case with a note. Errors: EFORBIDDEN; ENOTFOUND.
func (s *Service) ResolveFlag(ctx context.Context, actor models.Actor, id int64, resolution string) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE risk_flags SET status = 'resolved', resolved_at = now(), resolved_by = ?, resolution = ?
			WHERE id = ? AND status = 'open'`, actor.UserID, resolution, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No open case %d.", id)
		}
		return audit.Record(ctx, tx, &actor, "flag.resolve", fmt.Sprintf("flag:%d", id), map[string]any{"resolution": resolution})
	})
}
