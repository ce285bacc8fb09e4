package telecom

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/orders"
	"lineescrow/app/risk"
	"lineescrow/models"
)

// Charges that pay an in-store payment (app/instore) rather than an order.
// They are charges like any other: the same credit (they use the line's
// credit and count among its charges of the day), the same work order at
// the front-end, the same callbacks, settlement and refunds. Only what the
// money pays differs: the payment's Purchases settle the acceptance (the
// seller's part from telecom:receivable to seller:<id>:pending, as a release
// of an order paid by charge does) and the refusal; charge.collected, an
// advance or a write-off then move the pending part to available exactly as
// for an order.

// Purchases settles the charges that pay in-store payments. Both methods run
// inside the transaction that holds the charge's lock.
type Purchases interface {
	// ChargeAccepted books the accepted charge: telecom:receivable pays the
	// seller's pending money and the platform's fee. It returns what went
	// to the seller's pending money. ECONFLICT: the payment can no longer
	// be paid (the charge is voided and cancelled at the front-end).
	ChargeAccepted(ctx context.Context, tx *gorm.DB, c *models.Charge) (models.Money, error)
	// ChargeRefused records the front-end's refusal: nothing moved.
	ChargeRefused(ctx context.Context, tx *gorm.DB, c *models.Charge) error
}

// Purchase is an in-store payment to be charged to the payer's line.
type Purchase struct {
	InstorePaymentID  string
	BuyerID, SellerID int64
	Amount            models.Money
	// MerchantName and Description are the work order's words.
	MerchantName, Description string
}

// refOf is the ledger reference of what a charge pays: its order, or its
// in-store payment.
func refOf(c *models.Charge) string {
	if c.ForInstore() {
		return models.InstoreRef(*c.InstorePaymentID)
	}
	return orders.Ref(c.OrderID)
}

// event writes a step of a charge on its order's timeline; an in-store
// payment has none (its row and its charge's say where it is).
func event(ctx context.Context, tx *gorm.DB, c *models.Charge, kind string, detail map[string]any) error {
	if c.ForInstore() {
		return nil
	}
	return orders.Event(ctx, tx, c.OrderID, kind, detail)
}

// orderOf is the order a charge pays, for the risk queue (nil: none).
func orderOf(c *models.Charge) *int64 {
	if c.ForInstore() {
		return nil
	}
	id := c.OrderID
	return &id
}

// refundReason is what the bill credit of a charge's refund says.
func refundReason(c *models.Charge) string {
	if c.ForInstore() {
		return "Refund of LineEscrow in-store payment " + *c.InstorePaymentID
	}
	return fmt.Sprintf("Refund of LineEscrow order %d", c.OrderID)
}

// PurchaseLine returns the buyer's bound landline when it may be charged
// amount for a purchase from the seller now: the line's credit and the
// limits on how often, and no hard link between the line and the seller
// (the seller's own line, or the same holder's ID). With fresh, the
// operator is asked for the line's standing first (as before a payment);
// without it, what the platform last heard is judged (to offer the choice).
//
// Errors: EFORBIDDEN unless a buyer; ECONFLICT (no line bound, the line
// blocked, linked to the seller); EINSUFFICIENT (credit); ERATELIMIT
// (charges per day); EUNAVAILABLE (the lookup did not answer).
func (s *Service) PurchaseLine(ctx context.Context, actor models.Actor, sellerID int64, amount models.Money, fresh bool) (*models.Landline, error) {
	if err := buyerOnly(actor); err != nil {
		return nil, err
	}
	l, err := s.bound(ctx, s.DB, actor.UserID)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, models.Errorf(models.ECONFLICT, "Bind your landline first: then payments can be charged to its phone bill.")
	}
	if fresh {
		if err := s.refresh(ctx, l); err != nil {
			return nil, err
		}
	}
	vals, err := s.settings(ctx, nil)
	if err != nil {
		return nil, err
	}
	links, err := s.purchaseAllows(ctx, s.DB, l, vals.Credit, actor.UserID, sellerID, amount)
	if err != nil && fresh && len(links) > 0 {
		s.flagRefusedPurchase(ctx, actor.UserID, sellerID, l, links)
	}
	return l, err
}

// purchaseAllows refuses a purchase the line's credit, the limits on how
// often or a hard link to the seller do not allow; it returns the links.
func (s *Service) purchaseAllows(ctx context.Context, db *gorm.DB, l *models.Landline, pol models.CreditPolicy, buyerID, sellerID int64,
	amount models.Money) ([]models.Link, error) {
	c, err := s.credit(ctx, db, l, pol)
	if err != nil {
		return nil, err
	}
	if c.Blocked == "" && amount.GreaterThan(c.Available) {
		return nil, models.Errorf(models.EINSUFFICIENT, "This payment (%s) is more than the line's credit left (%s of %s). Pay from your balance, or wait until the phone bill is paid.",
			amount.Display(), c.Available.Display(), c.Limit.Display())
	}
	if err := allows(c, pol, l, amount, s.now()); err != nil {
		return nil, err
	}
	links, err := s.links(ctx, db, &models.Order{BuyerID: buyerID, SellerID: sellerID}, l)
	if err != nil {
		return nil, err
	}
	for _, k := range links {
		if k.Kind.Hard() {
			return links, models.Errorf(models.ECONFLICT, "This payment cannot be charged to this landline: the line is linked to the shop. Pay from your balance.")
		}
	}
	return links, nil
}

// flagRefusedPurchase puts a purchase refused for a link to the seller in
// the risk queue, once while the case is open.
func (s *Service) flagRefusedPurchase(ctx context.Context, buyerID, sellerID int64, l *models.Landline, links []models.Link) {
	err := s.DB.WithContext(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
		var open int64
		if err := tx.Table("risk_flags").Where("kind = ? AND user_id = ? AND status = 'open' AND detail->>'instore' = 'true' AND (detail->>'seller_id')::bigint = ?",
			string(FlagLinkedLine), buyerID, sellerID).Count(&open).Error; err != nil || open > 0 {
			return err
		}
		return risk.Raise(ctx, tx, FlagLinkedLine, nil, &buyerID, map[string]any{"refused": true, "instore": true,
			"phone": models.MaskLandline(l.Phone), "seller_id": sellerID, "links": links})
	})
	if err != nil {
		s.log().ErrorContext(ctx, "raise linked-line flag", "seller_id", sellerID, "err", err)
	}
}

// RecordPurchase records, within the caller's transaction (which also
// records the in-store payment), the charge of p to line l, with the job
// that repeats the call: the line's row is locked and its credit checked
// again. Once the transaction commits, SendCharge sends it.
//
// Errors: as PurchaseLine's.
func (s *Service) RecordPurchase(ctx context.Context, tx *gorm.DB, l *models.Landline, p Purchase) (*models.Charge, error) {
	vals, err := s.settings(ctx, tx)
	if err != nil {
		return nil, err
	}
	// The line's row serialises its charges: the credit holds.
	var line models.Landline
	if res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND state = ? AND user_id = ?", l.ID, models.LineBound, p.BuyerID).
		Limit(1).Find(&line); res.Error != nil {
		return nil, res.Error
	} else if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ECONFLICT, "Your landline is no longer bound.")
	}
	links, err := s.purchaseAllows(ctx, tx, &line, vals.Credit, p.BuyerID, p.SellerID, p.Amount)
	if err != nil {
		return nil, err
	}
	now := s.now()
	id := p.InstorePaymentID
	c := &models.Charge{ID: newID("TC"), InstorePaymentID: &id, BuyerID: p.BuyerID, SellerID: p.SellerID, LandlineID: line.ID, Phone: line.Phone,
		Amount: p.Amount, State: models.ChargeRequested, CreatedAt: now, UpdatedAt: now, MerchantName: truncate(p.MerchantName, 60),
		Description: truncate(p.Description, 120), Flagged: len(links) > 0}
	if c.Links, err = json.Marshal(nonNil(links)); err != nil {
		return nil, err
	}
	if err := tx.WithContext(ctx).Omit("order_id").Create(c).Error; err != nil {
		return nil, fmt.Errorf("charge in-store payment %s: %w", id, err)
	}
	if _, err := s.Queue.InsertTx(ctx, tx, ChargeArgs{ChargeID: c.ID}, &river.InsertOpts{ScheduledAt: now.Add(time.Minute)}); err != nil {
		return nil, err
	}
	return c, nil
}

// SendCharge sends a charge RecordPurchase recorded (after its transaction
// committed) and settles the answer. A *models.Error is the front-end's
// refusal, for the payer (settled: the payment is refused); when the
// front-end did not answer, the charge stays requested, nil is returned and
// the job asks again with the same charge id.
func (s *Service) SendCharge(ctx context.Context, id string) error {
	err := s.send(ctx, id)
	if err != nil && models.AsError(err) == nil {
		s.log().WarnContext(ctx, "telecom charge not confirmed yet; the job repeats it", "charge_id", id, "err", err)
		return nil
	}
	return err
}

// purchaseAccepted settles the acceptance of an in-store payment's charge
// (the caller holds the charge's lock).
func (s *Service) purchaseAccepted(ctx context.Context, tx *gorm.DB, c *models.Charge) error {
	var pending models.Money
	err := tx.Transaction(func(sp *gorm.DB) error {
		var err error
		pending, err = s.Purchases.ChargeAccepted(ctx, sp, c)
		return err
	})
	if models.ErrorCode(err) == models.ECONFLICT {
		return s.void(ctx, tx, c)
	}
	if err != nil {
		return err
	}
	if err := tx.Model(&models.Charge{}).Where("id = ?", c.ID).Updates(map[string]any{"state": models.ChargeAccepted,
		"work_order_id": c.WorkOrderID, "bill_cycle": c.BillCycle, "accepted_at": c.AcceptedAt, "updated_at": s.now(),
		"to_pending": pending}).Error; err != nil {
		return err
	}
	var links []models.Link
	_ = json.Unmarshal(c.Links, &links)
	if len(links) > 0 {
		return risk.Raise(ctx, tx, FlagLinkedLine, nil, &c.BuyerID, map[string]any{"charge_id": c.ID, "instore": true,
			"instore_payment_id": *c.InstorePaymentID, "seller_id": c.SellerID, "phone": models.MaskLandline(c.Phone), "links": links})
	}
	return nil
}

// PurchaseRefund is where the refund of an in-store payment's charge takes
// the seller's part from, and where the whole amount goes.
type PurchaseRefund struct {
	// FromPending is what still waits for the collection in the seller's
	// pending money; FromAvailable the rest (collected, advanced or
	// written off meanwhile).
	FromPending, FromAvailable models.Money
	// To is telecom:receivable (the subscriber will not pay it, or gets it
	// back on the bill), or expense:bad_debt for a charge written off.
	To string
}

func refundPlan(c *models.Charge, net models.Money) (PurchaseRefund, error) {
	if !c.ForInstore() || c.State == models.ChargeRequested || c.State == models.ChargeRefused || c.State == models.ChargeVoid ||
		c.State == models.ChargeCancelled || !c.Credited.IsZero() {
		return PurchaseRefund{}, models.Errorf(models.ECONFLICT, "This payment cannot be refunded to the phone bill now.")
	}
	r := PurchaseRefund{FromPending: models.Zero, To: models.AccTelecomReceivable}
	if !c.ProceedsReleased {
		r.FromPending = c.ToPending.Sub(c.Advanced).Min(net)
	}
	r.FromAvailable = net.Sub(r.FromPending)
	if c.State == models.ChargeWrittenOff {
		r.To = models.AccExpenseBadDebt
	}
	return r, nil
}

// PlanPurchaseRefund says, before the seller's payment password is
// checked, where refunding the charge would take the seller's part (net)
// from. It changes nothing.
//
// Errors: ECONFLICT when the charge cannot be refunded (not accepted, or
// refunded already).
func (s *Service) PlanPurchaseRefund(ctx context.Context, chargeID string, net models.Money) (PurchaseRefund, error) {
	c, err := s.charge(ctx, s.DB, chargeID)
	if err != nil {
		return PurchaseRefund{}, err
	}
	if c == nil {
		return PurchaseRefund{}, models.Errorf(models.ENOTFOUND, "No such charge.")
	}
	return refundPlan(c, net)
}

// RefundPurchase refunds an in-store payment's charge whole, within the
// caller's transaction (which books the ledger transfer by the plan it
// returns): the charge is credited its amount, nothing of it waits for the
// collection any more (its proceeds are settled by the refund), and the
// refund is made at the front-end, the way an order's is: a cancel while it
// is not billed, else a bill credit (none for a charge written off).
//
// Errors: ECONFLICT when the charge cannot be refunded.
func (s *Service) RefundPurchase(ctx context.Context, tx *gorm.DB, chargeID string, net models.Money) (PurchaseRefund, error) {
	c, err := lockCharge(ctx, tx, chargeID)
	if err != nil {
		return PurchaseRefund{}, err
	}
	if c == nil {
		return PurchaseRefund{}, models.Errorf(models.ENOTFOUND, "No such charge.")
	}
	plan, err := refundPlan(c, net)
	if err != nil {
		return plan, err
	}
	method := "bill_credit"
	switch c.State {
	case models.ChargeWrittenOff:
		method = "none"
	case models.ChargeAccepted:
		method = "cancel"
	}
	if err := tx.Exec("UPDATE telecom_charges SET credited = credited + ?, proceeds_released = true, updated_at = now() WHERE id = ?",
		c.Amount, c.ID).Error; err != nil {
		return plan, err
	}
	c.Credited = c.Credited.Add(c.Amount)
	return plan, s.requestRefund(ctx, tx, c, c.Amount, method)
}

// PurchaseCharge is the charge of an in-store payment (the latest), or nil.
func (s *Service) PurchaseCharge(ctx context.Context, db *gorm.DB, paymentID string) (*models.Charge, error) {
	var c models.Charge
	res := db.WithContext(ctx).Where("instore_payment_id = ?", paymentID).Order("created_at DESC").Limit(1).Find(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("charge of in-store payment %s: %w", paymentID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return &c, nil
}
