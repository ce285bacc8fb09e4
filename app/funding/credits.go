package funding

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/clawback"
	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Credit is a bank credit as recorded, and where its money went.
type Credit struct {
	BankTxnID     string         `json:"bank_txn_id"`
	Amount        models.Money   `json:"amount"`
	Reference     string         `json:"reference"`
	PayerAccount  string         `json:"payer_account"`
	PayerName     string         `json:"payer_name"`
	Channel       string         `json:"channel"`
	Outcome       Outcome        `json:"outcome"`
	OrderID       *int64         `json:"order_id"`
	UserID        *int64         `json:"user_id"`
	ToEscrow      models.Money   `json:"to_escrow"`
	ToWallet      models.Money   `json:"to_wallet"`
	ToSuspense    models.Money   `json:"to_suspense"`
	SuspenseState *SuspenseState `json:"suspense_state"`
	SuspenseNote  string         `json:"suspense_note"`
	ReversalTxnID *string        `json:"reversal_txn_id"`
	// Reversed is what the bank has recalled of this credit so far; the
	// other three say of which part.
	Reversed         models.Money `json:"reversed"`
	ReversedSuspense models.Money `json:"-"`
	ReversedEscrow   models.Money `json:"-"`
	ReversedWallet   models.Money `json:"-"`
	CreatedAt        time.Time    `json:"created_at"`
}

// Outcome says where a credit's money went.
type Outcome string

// Outcomes of a credit.
const (
	OutcomeOrderPaid   Outcome = "order_paid"
	OutcomeShortPaid   Outcome = "short_paid" // was short; a later transfer (or the buyer) completed the payment with it
	OutcomeOverpaid    Outcome = "overpaid"
	OutcomeShort       Outcome = "short" // kept on the buyer's wallet, the order still waits
	OutcomeAfterClose  Outcome = "after_close"
	OutcomeAlreadyPaid Outcome = "already_paid" // the order was paid before: to the wallet
	OutcomeTopUp       Outcome = "wallet_topup"
	OutcomeSuspense    Outcome = "suspense"
	// OutcomeSettlement: the telecom operator's settlement of a cycle,
	// clearing telecom:receivable.
	OutcomeSettlement Outcome = "telecom_settlement"
)

// SuspenseState is where an unmatched credit is in the operators' queue.
type SuspenseState string

// Suspense states.
const (
	SuspenseOpen      SuspenseState = "open"
	SuspenseAssigned  SuspenseState = "assigned"
	SuspenseReturn    SuspenseState = "return_requested"
	SuspenseReversed  SuspenseState = "reversed"  // the bank took it back
	SuspenseReturning SuspenseState = "returning" // being paid back to the payer
	SuspenseReturned  SuspenseState = "returned"  // paid back
)

// inSuspense reports whether the credit's money still sits in suspense.
func (c *Credit) inSuspense() bool {
	return c.SuspenseState != nil && (*c.SuspenseState == SuspenseOpen || *c.SuspenseState == SuspenseReturn)
}

// credit records a transfer.received once per bank transaction and sends the
// money where its reference says.
func (s *Service) credit(ctx context.Context, tx *gorm.DB, d bankbridge.Received) error {
	if err := lockTxn(ctx, tx, d.BankTxnID); err != nil {
		return err
	}
	res := tx.Exec(`INSERT INTO bank_credits (bank_txn_id, amount, reference, payer_account, payer_name, channel, value_date, outcome)
		VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, '')::date, 'suspense') ON CONFLICT (bank_txn_id) DO NOTHING`,
		d.BankTxnID, d.Amount, d.Reference, d.PayerAccount, d.PayerName, d.Channel, validDate(d.ValueDate))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return nil // already credited (another webhook id for the same transaction)
	}
	c := &Credit{BankTxnID: d.BankTxnID, Amount: d.Amount, Reference: d.Reference}
	if s.Settlements != nil {
		if ok, err := s.Settlements.SettlementCredit(ctx, tx, d.BankTxnID, d.Amount, d.Reference, d.PayerAccount); err != nil || ok {
			if err != nil {
				return err
			}
			return s.applyPendingReversals(ctx, tx, d.BankTxnID)
		}
	}
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

// shortPart is what an earlier short transfer for an order left on the
// buyer's wallet (and was not recalled since).
type shortPart struct {
	BankTxnID string
	Part      models.Money
}

// shortParts locks the earlier short transfers for order o, oldest first.
func shortParts(ctx context.Context, tx *gorm.DB, orderID int64) ([]shortPart, models.Money, error) {
	var parts []shortPart
	if err := tx.WithContext(ctx).Raw(`SELECT bank_txn_id, to_wallet - reversed_wallet AS part FROM bank_credits
		WHERE order_id = ? AND outcome = 'short' ORDER BY created_at, bank_txn_id FOR UPDATE`, orderID).Scan(&parts).Error; err != nil {
		return nil, models.Zero, err
	}
	sum := models.Zero
	for _, p := range parts {
		sum = sum.Add(p.Part)
	}
	return parts, sum, nil
}

// consumeShort records that up to amount of the order's earlier short
// transfers moved from the wallet into the order's escrow, oldest first.
func consumeShort(ctx context.Context, tx *gorm.DB, parts []shortPart, amount models.Money) error {
	for _, p := range parts {
		n := p.Part.Min(amount)
		if !n.IsPositive() {
			continue
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE bank_credits SET outcome = 'short_paid', to_escrow = to_escrow + ?, to_wallet = to_wallet - ?
			WHERE bank_txn_id = ?`, n, n, p.BankTxnID).Error; err != nil {
			return err
		}
		amount = amount.Sub(n)
	}
	return nil
}

// PaidFromWallet is told, within the transaction in which the buyer paid an
// order from the wallet with the payment password, that the order's earlier
// short transfers are now in its escrow: a reversal of one of them then
// follows the money there.
func (s *Service) PaidFromWallet(ctx context.Context, tx *gorm.DB, o *models.Order) error {
	parts, _, err := shortParts(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	return consumeShort(ctx, tx, parts, o.Amount)
}

// toOrder sends credit c, held in account from, to order o (locked by the
// caller) by the matching rules.
func (s *Service) toOrder(ctx context.Context, tx *gorm.DB, c *Credit, o *models.Order, from, key string) error {
	amt := c.Amount
	escrow, wallet := models.EscrowAccount(o.ID), models.WalletAccount(o.BuyerID)
	var outcome Outcome
	var toEscrow, toWallet models.Money
	var postings []models.Posting
	detail := map[string]any{"bank_txn_id": c.BankTxnID, "amount": amt.String()}
	if o.State != models.AwaitingPayment {
		outcome, toWallet = OutcomeAfterClose, amt
		if o.State != models.Closed {
			outcome = OutcomeAlreadyPaid
		}
		postings = models.Move(from, wallet, amt)
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "bank.credit.wallet", Ref: orders.Ref(o.ID), Postings: postings}); err != nil {
			return err
		}
		detail["to_wallet"] = amt.String()
		if err := orders.Event(ctx, tx, o.ID, "payment.after_close", detail); err != nil {
			return err
		}
	} else {
		// Earlier short transfers for this order, still on the wallet, count
		// towards it; nothing else in the wallet is ever spent here, and a
		// frozen buyer's wallet not at all.
		parts, prior, err := shortParts(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		var frozen bool
		if err := tx.Raw("SELECT frozen FROM users WHERE id = ?", o.BuyerID).Row().Scan(&frozen); err != nil {
			return err
		}
		usable := models.Zero
		if prior.IsPositive() && !frozen {
			bal, err := ledger.Balance(ctx, tx, wallet)
			if err != nil {
				return err
			}
			usable = prior.Min(bal)
		}
		if amt.Add(usable).Cmp(o.Amount) >= 0 {
			fromWallet := models.Zero
			if amt.LessThan(o.Amount) {
				fromWallet = o.Amount.Sub(amt)
			}
			fromBank := o.Amount.Sub(fromWallet)
			surplus := amt.Sub(fromBank)
			postings = []models.Posting{{Account: from, Direction: models.Debit, Amount: amt},
				{Account: escrow, Direction: models.Credit, Amount: fromBank}}
			outcome, toEscrow, toWallet = OutcomeOrderPaid, fromBank, surplus
			if surplus.IsPositive() {
				postings = append(postings, models.Posting{Account: wallet, Direction: models.Credit, Amount: surplus})
				outcome = OutcomeOverpaid
				detail["surplus_to_wallet"] = surplus.String()
			}
			if fromWallet.IsPositive() {
				postings = append(postings, models.Move(wallet, escrow, fromWallet)...)
				detail["earlier_transfers"] = fromWallet.String()
				if err := consumeShort(ctx, tx, parts, fromWallet); err != nil {
					return err
				}
			}
			if err := orders.Event(ctx, tx, o.ID, "payment.received", detail); err != nil {
				return err
			}
			if _, err := s.Orders.PaySystem(ctx, tx, o.ID, models.FundingBank, nil); err != nil {
				return err
			}
			// The money last: the balance rows it locks (a shard of
			// bank:collection, shared by every payment) are then held only
			// for the rest of the transaction, not for the order's step too.
			if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "bank.credit.order", Ref: orders.Ref(o.ID), Postings: postings}); err != nil {
				return err
			}
		} else {
			// Short: kept on the wallet; the buyer is told what is missing.
			outcome, toWallet = OutcomeShort, amt
			postings = models.Move(from, wallet, amt)
			if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "bank.credit.wallet", Ref: orders.Ref(o.ID), Postings: postings}); err != nil {
				return err
			}
			detail["to_wallet"] = amt.String()
			detail["missing"] = o.Amount.Sub(amt).Sub(usable).String()
			if err := orders.Event(ctx, tx, o.ID, "payment.short", detail); err != nil {
				return err
			}
		}
	}
	if err := tx.Exec(`UPDATE bank_credits SET outcome = ?, order_id = ?, user_id = ?, to_escrow = to_escrow + ?, to_wallet = to_wallet + ?
		WHERE bank_txn_id = ?`, string(outcome), o.ID, o.BuyerID, toEscrow, toWallet, c.BankTxnID).Error; err != nil {
		return err
	}
	if toWallet.IsPositive() {
		return clawback.Sweep(ctx, tx, o.BuyerID)
	}
	return nil
}

// toWallet sends credit c, held in account from, to a user's wallet.
func (s *Service) toWallet(ctx context.Context, tx *gorm.DB, c *Credit, userID int64, from, key string, outcome Outcome) error {
	if _, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "bank.credit.wallet", Ref: fmt.Sprintf("user:%d", userID),
		Postings: models.Move(from, models.WalletAccount(userID), c.Amount)}); err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE bank_credits SET outcome = ?, user_id = ?, to_wallet = to_wallet + ? WHERE bank_txn_id = ?`,
		string(outcome), userID, c.Amount, c.BankTxnID).Error; err != nil {
		return err
	}
	if err := s.Notices.Add(ctx, tx, models.Notice{UserID: userID, Kind: models.NoticeTopUp, Params: []string{c.Amount.Display()}}); err != nil {
		return err
	}
	return clawback.Sweep(ctx, tx, userID)
}

// lockCredit locks a credit row; nil when it has not arrived.
func lockCredit(ctx context.Context, tx *gorm.DB, txnID string) (*Credit, error) {
	var c Credit
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Table("bank_credits").
		Where("bank_txn_id = ?", txnID).Limit(1).Find(&c)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return &c, nil
}

// Credits lists bank credits: the suspense queue (open or marked for return,
// with suspenseOnly) or all, newest first.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) Credits(ctx context.Context, actor models.Actor, suspenseOnly bool, limit int) ([]Credit, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	db := s.DB.WithContext(ctx).Table("bank_credits")
	if suspenseOnly {
		db = db.Where("suspense_state IN ('open', 'return_requested', 'returning')")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []Credit
	err := db.Order("created_at DESC").Limit(limit).Find(&out).Error
	return out, err
}

// CreditsOfOrder lists the bank credits matched to an order, oldest first
// (at most 100), for the order's page: the caller has checked that the actor
// may see the order.
func (s *Service) CreditsOfOrder(ctx context.Context, orderID int64) ([]orders.CreditLine, error) {
	var credits []Credit
	if err := s.DB.WithContext(ctx).Table("bank_credits").Where("order_id = ?", orderID).Order("created_at").Limit(100).
		Find(&credits).Error; err != nil {
		return nil, fmt.Errorf("credits of order %d: %w", orderID, err)
	}
	out := make([]orders.CreditLine, 0, len(credits))
	for _, c := range credits {
		line := orders.CreditLine{BankTxnID: c.BankTxnID, Amount: c.Amount, Reference: c.Reference,
			Outcome: string(c.Outcome), At: c.CreatedAt, Reversed: c.ReversalTxnID != nil}
		if c.Outcome == OutcomeShort {
			line.TowardsOrder = c.ToWallet.Sub(c.ReversedWallet)
		}
		out = append(out, line)
	}
	return out, nil
}
