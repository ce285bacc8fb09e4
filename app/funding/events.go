package funding

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"lineescrow/bankbridge"
	"lineescrow/models"
)

// EventOutcome says, in one word, what became of a bank event.
type EventOutcome string

// Outcomes of a bank event.
const (
	EventNotYet    EventOutcome = "pending"   // stored, not processed yet
	EventRefused   EventOutcome = "review"    // kept for review: nothing moved
	EventDuplicate EventOutcome = "duplicate" // the bank sent it again: nothing moved
	EventBooked    EventOutcome = "booked"    // its money is where Where says
)

// Leg is one place a bank event's money went (or came from), as the ledger
// booked it, and what it is now.
type Leg struct {
	// Kind: escrow (an order's), wallet (a buyer's balance), suspense
	// (unmatched; State says open, return_requested, returning, returned or
	// reversed), settlement (the phone company's settlement), taken_back (the
	// bank recalled this much of the credit since), from_suspense,
	// from_escrow, from_refund (the buyer's balance after a refund),
	// from_release (the seller's money and the commission after a release),
	// from_wallet, clawback (what was already spent, owed by the person),
	// paid_out (a payout paid at the bank), payout_returned (a failed
	// payout's money back where it came from).
	Kind    string       `json:"kind" enum:"escrow,wallet,suspense,settlement,taken_back,from_suspense,from_escrow,from_refund,from_release,from_wallet,clawback,paid_out,payout_returned"`
	Amount  models.Money `json:"amount"`
	OrderID int64        `json:"order_id,omitempty"`
	UserID  int64        `json:"user_id,omitempty"`
	Name    string       `json:"name,omitempty" doc:"the user's name"`
	Account string       `json:"account,omitempty" doc:"the ledger account, when there is one"`
	State   string       `json:"state,omitempty" doc:"of a suspense leg: open, return_requested, returning, returned, reversed"`
	Payout  string       `json:"payout_id,omitempty"`
}

// eventData is what the events' payloads carry, whatever their type.
type eventData struct {
	BankTxnID     string        `json:"bank_txn_id"`
	ReversalTxnID string        `json:"reversal_txn_id"`
	PayoutID      string        `json:"payout_id"`
	Amount        *models.Money `json:"amount"`
	Reference     string        `json:"reference"`
	PayerAccount  string        `json:"payer_account"`
	PayerName     string        `json:"payer_name"`
	Reason        string        `json:"reason"`
}

// describe fills in what the events say (payer, amount, reference) and
// where their money went, reading the credits, reversals and payouts they
// caused: a handful of key lookups for the whole list.
func (s *Service) describe(ctx context.Context, events []Event) error {
	var txns, reversals, payoutIDs []string
	data := make([]eventData, len(events))
	for i := range events {
		ev := &events[i]
		var env bankbridge.Event
		if json.Unmarshal([]byte(ev.Payload), &env) == nil {
			_ = json.Unmarshal(env.Data, &data[i])
		}
		d := data[i]
		ev.BankTxnID, ev.PayerName, ev.PayerAccount, ev.Reference, ev.Amount = d.BankTxnID, d.PayerName, d.PayerAccount, d.Reference, d.Amount
		if ev.Status != EventProcessed {
			continue
		}
		switch ev.Type {
		case bankbridge.TransferReceived:
			txns = appendID(txns, d.BankTxnID)
		case bankbridge.TransferReversed:
			txns, reversals = appendID(txns, d.BankTxnID), appendID(reversals, d.ReversalTxnID)
		case bankbridge.PayoutSucceeded, bankbridge.PayoutFailed:
			payoutIDs = appendID(payoutIDs, d.PayoutID)
		}
	}
	db := s.DB.WithContext(ctx)
	credits := map[string]Credit{}
	firsts := map[string]string{} // the event that booked each credit or reversal
	revs := map[string]reversalRow{}
	pays := map[string]payoutRow{}
	if len(txns) > 0 {
		var list []Credit
		if err := db.Table("bank_credits").Where("bank_txn_id IN ?", txns).Find(&list).Error; err != nil {
			return err
		}
		for _, c := range list {
			credits[c.BankTxnID] = c
		}
		// Of the processed events of a transaction, the first of each kind
		// booked it; the bank's repeats (another webhook id) moved nothing.
		var rows []struct{ WebhookID, Type, Subject string }
		if err := db.Raw(`SELECT webhook_id, type, CASE WHEN type = ? THEN payload #>> '{data,reversal_txn_id}' ELSE payload #>> '{data,bank_txn_id}' END AS subject
			FROM bank_events WHERE payload #>> '{data,bank_txn_id}' IN ? AND status = 'processed' AND type IN ?
			ORDER BY processed_at, received_at, webhook_id`, bankbridge.TransferReversed, txns,
			[]string{bankbridge.TransferReceived, bankbridge.TransferReversed}).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if _, ok := firsts[r.Type+" "+r.Subject]; !ok {
				firsts[r.Type+" "+r.Subject] = r.WebhookID
			}
		}
	}
	if len(reversals) > 0 {
		var list []reversalRow
		if err := db.Raw(`SELECT r.reversal_txn_id, r.bank_txn_id, r.amount, r.order_id, r.from_suspense, r.from_escrow, r.from_refund,
			r.from_release, r.from_wallet, r.shortfall, r.applied_at IS NOT NULL AS applied, coalesce(c.user_id, 0) AS user_id,
			coalesce(o.buyer_id, 0) AS buyer_id, coalesce(o.seller_id, 0) AS seller_id
			FROM bank_reversals r LEFT JOIN bank_credits c ON c.bank_txn_id = r.bank_txn_id LEFT JOIN orders o ON o.id = r.order_id
			WHERE r.reversal_txn_id IN ?`, reversals).Scan(&list).Error; err != nil {
			return err
		}
		for _, r := range list {
			revs[r.ReversalTxnID] = r
		}
	}
	if len(payoutIDs) > 0 {
		var list []payoutRow
		if err := db.Raw(`SELECT id, coalesce(user_id, 0) AS user_id, source, amount, state, beneficiary_name FROM payouts WHERE id IN ?`,
			payoutIDs).Scan(&list).Error; err != nil {
			return err
		}
		for _, p := range list {
			pays[p.ID] = p
		}
	}
	ids := map[int64]bool{}
	for i := range events {
		ev, d := &events[i], data[i]
		switch {
		case ev.Status == EventPending:
			ev.Outcome = EventNotYet
		case ev.Status == EventReview:
			ev.Outcome = EventRefused
		case ev.Type == bankbridge.TransferReceived:
			ev.Outcome, ev.Where = EventBooked, creditLegs(credits[d.BankTxnID])
			if first := firsts[ev.Type+" "+d.BankTxnID]; first != "" && first != ev.WebhookID {
				ev.Outcome, ev.Where, ev.DuplicateOf = EventDuplicate, nil, first
			}
		case ev.Type == bankbridge.TransferReversed:
			ev.Outcome, ev.Where = EventBooked, revs[d.ReversalTxnID].legs()
			if first := firsts[ev.Type+" "+d.ReversalTxnID]; first != "" && first != ev.WebhookID {
				ev.Outcome, ev.Where, ev.DuplicateOf = EventDuplicate, nil, first
			}
		default:
			ev.Outcome = EventBooked
			if p, ok := pays[d.PayoutID]; ok {
				ev.Where = p.legs(ev.Type == bankbridge.PayoutSucceeded)
			}
		}
		if ev.Where == nil {
			ev.Where = []Leg{}
		}
		for _, l := range ev.Where {
			if l.UserID > 0 {
				ids[l.UserID] = true
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	var names []struct {
		ID          int64
		DisplayName string
	}
	if err := db.Raw("SELECT id, display_name FROM users WHERE id IN ?", list).Scan(&names).Error; err != nil {
		return err
	}
	byID := map[int64]string{}
	for _, n := range names {
		byID[n.ID] = n.DisplayName
	}
	for i := range events {
		for j := range events[i].Where {
			events[i].Where[j].Name = byID[events[i].Where[j].UserID]
		}
	}
	return nil
}

// creditLegs says where a credit's money is now: an assignment from
// suspense shows where the operator sent it.
func creditLegs(c Credit) []Leg {
	if c.BankTxnID == "" {
		return nil
	}
	var legs []Leg
	var order, user int64
	if c.OrderID != nil {
		order = *c.OrderID
	}
	if c.UserID != nil {
		user = *c.UserID
	}
	if c.ToEscrow.IsPositive() {
		legs = append(legs, Leg{Kind: "escrow", Amount: c.ToEscrow, OrderID: order, Account: models.EscrowAccount(order)})
	}
	if c.ToWallet.IsPositive() {
		legs = append(legs, Leg{Kind: "wallet", Amount: c.ToWallet, OrderID: order, UserID: user, Account: models.WalletAccount(user)})
	}
	if c.Outcome == OutcomeSettlement {
		legs = append(legs, Leg{Kind: "settlement", Amount: c.Amount, Account: models.AccTelecomReceivable})
	}
	if c.SuspenseState != nil && *c.SuspenseState != SuspenseAssigned {
		legs = append(legs, Leg{Kind: "suspense", Amount: c.ToSuspense, State: string(*c.SuspenseState), Account: models.AccSuspense})
	}
	if c.Reversed.IsPositive() {
		legs = append(legs, Leg{Kind: "taken_back", Amount: c.Reversed})
	}
	return legs
}

type reversalRow struct {
	ReversalTxnID, BankTxnID                                                 string
	Amount                                                                   models.Money
	OrderID                                                                  *int64
	FromSuspense, FromEscrow, FromRefund, FromRelease, FromWallet, Shortfall models.Money
	Applied                                                                  bool
	UserID, BuyerID, SellerID                                                int64
}

// legs says where a reversal took its money from.
func (r reversalRow) legs() []Leg {
	if r.ReversalTxnID == "" || !r.Applied {
		return nil
	}
	var order int64
	if r.OrderID != nil {
		order = *r.OrderID
	}
	var legs []Leg
	add := func(kind string, amount models.Money, user int64, account string) {
		if amount.IsPositive() {
			legs = append(legs, Leg{Kind: kind, Amount: amount, OrderID: order, UserID: user, Account: account})
		}
	}
	add("from_suspense", r.FromSuspense, 0, models.AccSuspense)
	add("from_escrow", r.FromEscrow, 0, models.EscrowAccount(order))
	add("from_refund", r.FromRefund, r.BuyerID, models.WalletAccount(r.BuyerID))
	add("from_release", r.FromRelease, r.SellerID, "")
	add("from_wallet", r.FromWallet, r.UserID, models.WalletAccount(r.UserID))
	add("clawback", r.Shortfall, 0, "")
	return legs
}

type payoutRow struct {
	ID              string
	UserID          int64
	Source          string
	Amount          models.Money
	State           string
	BeneficiaryName string
}

// legs says where a payout's money went: to the bank, or back.
func (p payoutRow) legs(paid bool) []Leg {
	kind := "payout_returned"
	if paid {
		kind = "paid_out"
	}
	return []Leg{{Kind: kind, Amount: p.Amount, UserID: p.UserID, Account: p.Source, Payout: p.ID}}
}

// eventsDescribed describes events for the operators' list.
func (s *Service) eventsDescribed(ctx context.Context, events []Event) ([]Event, error) {
	if err := s.describe(ctx, events); err != nil {
		return nil, fmt.Errorf("bank events: %w", err)
	}
	return events, nil
}

// appendID adds id to ids unless it is empty or already there: the bank
// repeats events, and a list of repeats would make the lookups scan.
func appendID(ids []string, id string) []string {
	if id == "" || slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}
