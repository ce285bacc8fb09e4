package funding

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/ledger"
	"lineescrow/app/payouts"
	"lineescrow/app/store"
	"lineescrow/models"
)

// suspenseOp runs an operator's decision on a credit in suspense: checks the
// actor, takes the bank transaction's lock, locks the credit, runs do, and
// audits the action, in one transaction.
func (s *Service) suspenseOp(ctx context.Context, actor models.Actor, txnID, action string, detail map[string]any,
	do func(tx *gorm.DB, c *Credit) error) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := lockTxn(ctx, tx, txnID); err != nil {
			return err
		}
		c, err := lockCredit(ctx, tx, txnID)
		if err != nil {
			return err
		}
		if c == nil {
			return models.Errorf(models.ENOTFOUND, "No such bank transaction.")
		}
		if !c.inSuspense() {
			return models.Errorf(models.ECONFLICT, "This transfer is no longer in suspense.")
		}
		if err := do(tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, action, "bank:"+txnID, detail)
	})
}

// assignSuspense takes what is left in suspense of credit c out of the queue
// and returns it: the assignment then sends exactly that on.
func assignSuspense(tx *gorm.DB, c *Credit, note string) (models.Money, error) {
	left := c.ToSuspense.Sub(c.ReversedSuspense)
	if err := tx.Exec(`UPDATE bank_credits SET suspense_state = 'assigned', suspense_note = ?, to_suspense = reversed_suspense
		WHERE bank_txn_id = ?`, note, c.BankTxnID).Error; err != nil {
		return models.Zero, err
	}
	return left, nil
}

// AssignToOrder settles a credit in suspense as a payment of an order (by the
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
			amount, err := assignSuspense(tx, c, note)
			if err != nil {
				return err
			}
			c.Amount = amount
			return s.toOrder(ctx, tx, c, &o, models.AccSuspense, "suspense:assign:"+txnID)
		})
}

// AssignToWallet settles a credit in suspense onto a buyer's wallet.
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
			amount, err := assignSuspense(tx, c, note)
			if err != nil {
				return err
			}
			c.Amount = amount
			return s.toWallet(ctx, tx, c, userID, models.AccSuspense, "suspense:assign:"+txnID, OutcomeTopUp)
		})
}

// MarkForReturn pays a credit in suspense back to the payer's account,
// through the payout path: the money leaves suspense for payouts in transit
// now, and the bank's callback settles it (a failure puts it back in the
// queue). A reversal of a credit already paid back is the platform's loss,
// flagged.
//
// Errors: as AssignToOrder; ECONFLICT when the payer's account is unknown.
func (s *Service) MarkForReturn(ctx context.Context, actor models.Actor, txnID, note string) error {
	return s.suspenseOp(ctx, actor, txnID, "suspense.mark_return", map[string]any{"note": note},
		func(tx *gorm.DB, c *Credit) error {
			left := c.ToSuspense.Sub(c.ReversedSuspense)
			if _, err := s.Payouts.ReturnCredit(ctx, tx, txnID, left, c.PayerAccount, c.PayerName); err != nil {
				return err
			}
			return tx.Exec(`UPDATE bank_credits SET suspense_state = 'returning', suspense_note = ? WHERE bank_txn_id = ?`,
				note, txnID).Error
		})
}

// ReturnSettled is told how a return of a credit ended, in the transaction
// that settled its payout: paid back, or (refused, bounced) in the queue
// again with its money back in suspense.
func (s *Service) ReturnSettled(ctx context.Context, tx *gorm.DB, bankTxnID string, paid bool) error {
	if err := lockTxn(ctx, tx, bankTxnID); err != nil {
		return err
	}
	state, note := "returned", "paid back to the payer"
	if !paid {
		state, note = "open", "the return to the payer failed; decide again"
	}
	return tx.Exec(`UPDATE bank_credits SET suspense_state = ?, suspense_note = ? WHERE bank_txn_id = ? AND suspense_state = 'returning'`,
		state, note, bankTxnID).Error
}

// Wallet is a buyer's prepaid balance, its top-up reference and recent history.
type Wallet struct {
	Balance   models.Money
	Reference string
	Moves     []models.Movement
	// Withdrawable is what can be paid out now (the balance less what is
	// owed for recalled payments); Payouts are the latest withdrawals.
	Withdrawable models.Money
	Payouts      []payouts.Payout
}

// WalletOf returns the signed-in buyer's own wallet (its latest 100
// movements).
//
// Errors: EFORBIDDEN unless actor is a buyer.
func (s *Service) WalletOf(ctx context.Context, actor models.Actor) (*Wallet, error) {
	if !actor.IsBuyer() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	userID := actor.UserID
	acc := models.WalletAccount(userID)
	var w Wallet
	var err error
	if w.Balance, err = ledger.Balance(ctx, s.DB, acc); err != nil {
		return nil, fmt.Errorf("wallet of user %d: %w", userID, err)
	}
	if w.Reference, err = s.TopUpReference(ctx, userID); err != nil {
		return nil, fmt.Errorf("wallet of user %d: %w", userID, err)
	}
	if w.Moves, err = ledger.Movements(ctx, s.DB, ledger.MovementQuery{Account: acc, Limit: 100}); err != nil {
		return nil, fmt.Errorf("wallet of user %d: %w", userID, err)
	}
	if s.Payouts != nil {
		if w.Withdrawable, err = s.Payouts.Withdrawable(ctx, actor); err != nil {
			return nil, err
		}
		if w.Payouts, err = s.Payouts.List(ctx, actor, payouts.Query{Limit: 20}); err != nil {
			return nil, err
		}
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
