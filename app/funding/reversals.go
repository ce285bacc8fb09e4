package funding

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/clawback"
	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/app/risk"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// reverse records a transfer.reversed once, and applies it when its credit is known.
func (s *Service) reverse(ctx context.Context, tx *gorm.DB, d bankbridge.Reversed) error {
	if err := lockTxn(ctx, tx, d.BankTxnID); err != nil {
		return err
	}
	res := tx.Exec(`INSERT INTO bank_reversals (reversal_txn_id, bank_txn_id, amount, reason) VALUES (?, ?, ?, ?)
		ON CONFLICT (reversal_txn_id) DO NOTHING`, d.ReversalTxnID, d.BankTxnID, d.Amount, d.Reason)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return s.applyPendingReversals(ctx, tx, d.BankTxnID)
}

type pendingReversal struct {
	ReversalTxnID string
	Amount        models.Money
	Reason        string
}

// applyPendingReversals applies the reversals of a credit that arrived before
// it (or with it): the bank's events come in any order. The caller holds the
// bank transaction's lock.
func (s *Service) applyPendingReversals(ctx context.Context, tx *gorm.DB, bankTxnID string) error {
	if afterLookup != nil {
		defer afterLookup()
	}
	c, err := lockCredit(ctx, tx, bankTxnID)
	if err != nil || c == nil {
		return err // no credit yet: the reversal waits for it
	}
	var pending []pendingReversal
	if err := tx.Raw(`SELECT reversal_txn_id, amount, reason FROM bank_reversals
		WHERE bank_txn_id = ? AND applied_at IS NULL ORDER BY created_at, reversal_txn_id FOR UPDATE`, bankTxnID).Scan(&pending).Error; err != nil {
		return err
	}
	for _, r := range pending {
		if err := s.applyReversal(ctx, tx, c, r); err != nil {
			return fmt.Errorf("apply reversal %s: %w", r.ReversalTxnID, err)
		}
	}
	return nil
}

// recall is what one reversal took, and from where.
type recall struct {
	suspense, escrow, refund, release, fees, wallet models.Money
	// owed are the parts already spent or paid out, by the person who has them
	// and the account they will be recovered from.
	owed     map[owedKey]models.Money
	postings []models.Posting
	shipped  bool
}

type owedKey struct {
	user   int64
	source string
}

// take books n leaving account (a debit) for the reversal's transfer.
func (r *recall) take(account string, n models.Money) {
	if n.IsPositive() {
		r.postings = append(r.postings, models.Posting{Account: account, Direction: models.Debit, Amount: n})
	}
}

// fromPerson takes up to n from a person's account; what it does not hold is
// owed by that person.
func (r *recall) fromPerson(ctx context.Context, tx *gorm.DB, user int64, account string, n models.Money) error {
	if !n.IsPositive() {
		return nil
	}
	have, err := ledger.Balance(ctx, tx, account)
	if err != nil {
		return err
	}
	got := have.Min(n)
	if got.IsNegative() {
		got = models.Zero
	}
	r.take(account, got)
	if short := n.Sub(got); short.IsPositive() {
		r.take(models.ClawbackAccount(user), short)
		k := owedKey{user, account}
		r.owed[k] = r.owed[k].Add(short)
	}
	return nil
}

func (r *recall) shortfall() models.Money {
	sum := models.Zero
	for _, v := range r.owed {
		sum = sum.Add(v)
	}
	return sum
}

// applyReversal takes the recalled money back from wherever the credit's money
// is now (see the package documentation). The caller holds the bank
// transaction's lock and the credit's row.
func (s *Service) applyReversal(ctx context.Context, tx *gorm.DB, c *Credit, r pendingReversal) error {
	left := r.Amount.Min(c.Amount.Sub(c.Reversed))
	if left.IsNegative() {
		left = models.Zero
	}
	excess := r.Amount.Sub(left)
	rc := &recall{owed: map[owedKey]models.Money{}}
	// Being paid back to the payer but not sent yet: the return is cancelled
	// and the money, back in suspense, is what the bank takes.
	if c.SuspenseState != nil && *c.SuspenseState == SuspenseReturning && s.Payouts != nil {
		cancelled, err := s.Payouts.CancelReturn(ctx, tx, c.BankTxnID)
		if err != nil {
			return err
		}
		if cancelled {
			open := SuspenseOpen
			c.SuspenseState = &open
		}
	}
	var orderID *int64

	if c.inSuspense() {
		rc.suspense = left.Min(c.ToSuspense.Sub(c.ReversedSuspense))
		rc.take(models.AccSuspense, rc.suspense)
		left = left.Sub(rc.suspense)
	}
	escrowPart := models.Zero
	if c.OrderID != nil && left.IsPositive() {
		escrowPart = left.Min(c.ToEscrow.Sub(c.ReversedEscrow))
		if escrowPart.IsPositive() {
			orderID = c.OrderID
			if err := s.recallEscrow(ctx, tx, *c.OrderID, r, escrowPart, rc); err != nil {
				return err
			}
			left = left.Sub(escrowPart)
		}
	}
	walletPart := models.Zero
	if c.UserID != nil && left.IsPositive() {
		walletPart = left.Min(c.ToWallet.Sub(c.ReversedWallet))
		if walletPart.IsPositive() {
			if err := rc.fromPerson(ctx, tx, *c.UserID, models.WalletAccount(*c.UserID), walletPart); err != nil {
				return err
			}
			rc.wallet = walletPart
			left = left.Sub(walletPart)
		}
	}
	if c.OrderID != nil {
		orderID = c.OrderID
	}
	// A settlement from the telecom operator: it owes the amount again.
	settlement := models.Zero
	if c.Outcome == OutcomeSettlement && left.IsPositive() {
		settlement, left = left, models.Zero
		rc.take(models.AccTelecomReceivable, settlement)
	}
	// Nothing should be left: every yuan of a credit is in one of its parts.
	// If something is, the platform bears it and an operator must look.
	unplaced := left
	if unplaced.IsPositive() {
		rc.take(models.AccExpenseBadDebt, unplaced)
	}

	total := models.Zero
	for _, p := range rc.postings {
		total = total.Add(p.Amount)
	}
	if total.IsPositive() {
		postings := append(rc.postings, models.Posting{Account: models.AccBankCollection, Direction: models.Credit, Amount: total})
		ref := "bank:" + c.BankTxnID
		if orderID != nil {
			ref = orders.Ref(*orderID)
		}
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "bank:reversal:" + r.ReversalTxnID, Kind: "bank.reversal", Ref: ref,
			Memo: r.Reason, Postings: postings}); err != nil {
			return err
		}
	}
	shortfall := rc.shortfall()
	recovered := r.Amount.Sub(excess).Sub(shortfall).Sub(unplaced)
	if err := tx.Exec(`UPDATE bank_reversals SET applied_at = now(), recovered = ?, shortfall = ?, excess = ?, order_id = ?,
		from_suspense = ?, from_escrow = ?, from_refund = ?, from_release = ?, from_fees = ?, from_wallet = ?
		WHERE reversal_txn_id = ?`, recovered, shortfall.Add(unplaced), excess, orderID,
		rc.suspense, rc.escrow, rc.refund, rc.release, rc.fees, rc.wallet, r.ReversalTxnID).Error; err != nil {
		return err
	}
	applied := r.Amount.Sub(excess)
	if err := tx.Exec(`UPDATE bank_credits SET reversal_txn_id = ?, reversed = reversed + ?,
		reversed_suspense = reversed_suspense + ?, reversed_escrow = reversed_escrow + ?, reversed_wallet = reversed_wallet + ?,
		suspense_state = CASE WHEN suspense_state IN ('open', 'return_requested') AND to_suspense <= reversed_suspense + ?
			THEN 'reversed' ELSE suspense_state END
		WHERE bank_txn_id = ?`, r.ReversalTxnID, applied, rc.suspense, escrowPart, walletPart, rc.suspense, c.BankTxnID).Error; err != nil {
		return err
	}
	c.Reversed = c.Reversed.Add(applied)
	c.ReversedSuspense = c.ReversedSuspense.Add(rc.suspense)
	c.ReversedEscrow = c.ReversedEscrow.Add(escrowPart)
	c.ReversedWallet = c.ReversedWallet.Add(walletPart)
	if c.inSuspense() && !c.ToSuspense.GreaterThan(c.ReversedSuspense) {
		st := SuspenseReversed
		c.SuspenseState = &st
	}

	detail := map[string]any{"bank_txn_id": c.BankTxnID, "reversal_txn_id": r.ReversalTxnID, "amount": r.Amount.String(),
		"reason": r.Reason, "recovered": recovered.String(), "shortfall": shortfall.Add(unplaced).String()}
	if rc.release.IsPositive() {
		detail["from_seller"] = rc.release.Sub(rc.fees).String()
	}
	if rc.refund.IsPositive() {
		detail["from_refund"] = rc.refund.String()
	}
	var clawbacks []int64
	for k, amt := range rc.owed {
		id, err := clawback.Record(ctx, tx, r.ReversalTxnID, k.user, k.source, orderID, amt)
		if err != nil {
			return err
		}
		clawbacks = append(clawbacks, id)
	}
	if len(clawbacks) > 0 {
		detail["clawbacks"] = clawbacks
	}
	if orderID != nil {
		if err := orders.Event(ctx, tx, *orderID, "payment.reversed", detail); err != nil {
			return err
		}
	}
	if settlement.IsPositive() && s.Settlements != nil {
		if err := s.Settlements.SettlementReversed(ctx, tx, c.BankTxnID, r.ReversalTxnID, settlement); err != nil {
			return err
		}
	}
	if excess.IsPositive() {
		if err := risk.Raise(ctx, tx, risk.ReversalExceedsCredit, orderID, c.UserID, map[string]any{"bank_txn_id": c.BankTxnID,
			"reversal_txn_id": r.ReversalTxnID, "amount": r.Amount.String(), "not_credited": excess.String()}); err != nil {
			return err
		}
	}
	switch {
	case unplaced.IsPositive() && c.SuspenseState != nil && (*c.SuspenseState == SuspenseReturning || *c.SuspenseState == SuspenseReturned):
		return risk.Raise(ctx, tx, risk.ReversalAfterReturn, orderID, c.UserID, detail)
	case shortfall.IsPositive() || unplaced.IsPositive():
		return risk.Raise(ctx, tx, risk.ReversalShortfall, orderID, c.UserID, detail)
	case rc.release.IsPositive():
		return risk.Raise(ctx, tx, risk.ReversedAfterRelease, orderID, c.UserID, detail)
	case rc.shipped:
		return risk.Raise(ctx, tx, risk.ReversedAfterShipping, orderID, c.UserID, detail)
	}
	return nil
}

// recallEscrow takes part of an order's bank funding back: from what the
// escrow still holds; then, of what left it, from the buyer's wallet for what
// was refunded and from the seller's available money (and the platform's
// commission) for what was released.
func (s *Service) recallEscrow(ctx context.Context, tx *gorm.DB, orderID int64, r pendingReversal, part models.Money, rc *recall) error {
	var o models.Order
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", orderID).Take(&o).Error; err != nil {
		return err
	}
	if (o.State == models.Paid || o.State == models.Shipped) && o.Held.IsPositive() {
		h := part.Min(o.Held)
		rc.shipped = o.State == models.Shipped
		if _, err := s.Orders.Step(ctx, tx, models.System, o.ID, models.Command{Action: models.ActReverse, Amount: h, Reason: r.Reason}, nil); err != nil {
			return err
		}
		rc.escrow = h
		part = part.Sub(h)
	}
	if !part.IsPositive() {
		return nil
	}
	// What earlier reversals of this order's funding already took from each pool.
	var used struct{ Refund, Release, Fees models.Money }
	if err := tx.Raw(`SELECT coalesce(sum(from_refund), 0) AS refund, coalesce(sum(from_release), 0) AS release,
		coalesce(sum(from_fees), 0) AS fees FROM bank_reversals WHERE order_id = ? AND applied_at IS NOT NULL`, o.ID).Scan(&used).Error; err != nil {
		return err
	}
	if n := part.Min(o.Refunded.Sub(used.Refund)); n.IsPositive() {
		if err := rc.fromPerson(ctx, tx, o.BuyerID, models.WalletAccount(o.BuyerID), n); err != nil {
			return err
		}
		rc.refund = n
		part = part.Sub(n)
	}
	if n := part.Min(o.Released.Sub(used.Release)); n.IsPositive() {
		// The commission's share of what is taken back; the last piece takes
		// exactly what is left of it, so the shares add up to the fee.
		fee := o.Fee.Sub(used.Fees)
		if used.Release.Add(n).LessThan(o.Released) {
			fee = models.RoundFen(n.Decimal().Mul(o.Fee.Decimal()).Div(o.Released.Decimal())).Min(fee)
		}
		if fee.IsNegative() {
			fee = models.Zero
		}
		rc.take(models.AccRevenueFees, fee)
		if err := rc.fromPerson(ctx, tx, o.SellerID, models.SellerAvailableAccount(o.SellerID), n.Sub(fee)); err != nil {
			return err
		}
		rc.release, rc.fees = n, fee
	}
	return nil
}

// SweepArgs is the periodic job that applies reversals left unapplied though
// their credit exists (the second line behind the bank transaction lock), and
// flags reversals whose credit never arrived.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "bank_reversal_sweep" }

// SweepWorker runs SweepArgs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Funding *Service
}

// Work sweeps.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	_, err := w.Funding.SweepReversals(ctx)
	return err
}

// ReversalWaitLimit is how long a reversal may wait for its credit before an
// operator is asked to look.
const ReversalWaitLimit = 72 * 3600 // seconds

// SweepReversals applies every unapplied reversal whose credit has arrived,
// each in its own transaction, and flags (once) those that have waited for
// their credit longer than ReversalWaitLimit. It returns how many it applied.
func (s *Service) SweepReversals(ctx context.Context) (int, error) {
	var txns []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT DISTINCT r.bank_txn_id FROM bank_reversals r
		JOIN bank_credits c ON c.bank_txn_id = r.bank_txn_id WHERE r.applied_at IS NULL LIMIT 500`).Scan(&txns).Error; err != nil {
		return 0, fmt.Errorf("sweep reversals: %w", err)
	}
	applied := 0
	for _, txn := range txns {
		err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
			if err := lockTxn(ctx, tx, txn); err != nil {
				return err
			}
			return s.applyPendingReversals(ctx, tx, txn)
		})
		if err != nil {
			return applied, fmt.Errorf("sweep reversals of %s: %w", txn, err)
		}
		applied++
		s.log().WarnContext(ctx, "applied a reversal the sweeper found unapplied", "bank_txn_id", txn)
	}
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var waiting []pendingReversal
		if err := tx.Raw(`SELECT r.reversal_txn_id, r.amount, r.reason FROM bank_reversals r
			WHERE r.applied_at IS NULL AND r.created_at < now() - make_interval(secs => ?)
			AND NOT EXISTS (SELECT 1 FROM bank_credits c WHERE c.bank_txn_id = r.bank_txn_id)
			AND NOT EXISTS (SELECT 1 FROM risk_flags f WHERE f.kind = ? AND f.detail->>'reversal_txn_id' = r.reversal_txn_id)
			LIMIT 100`, ReversalWaitLimit, string(risk.ReversalWaiting)).Scan(&waiting).Error; err != nil {
			return err
		}
		for _, w := range waiting {
			if err := risk.Raise(ctx, tx, risk.ReversalWaiting, nil, nil, map[string]any{"reversal_txn_id": w.ReversalTxnID,
				"amount": w.Amount.String(), "reason": w.Reason}); err != nil {
				return err
			}
		}
		return nil
	})
	return applied, err
}
