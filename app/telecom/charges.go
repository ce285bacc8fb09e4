package telecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/clawback"
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/risk"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Risk flags of fixed-line charging.
const (
	FlagHolderMismatch    risk.Kind = "holder_mismatch"    // the consignee is not the line's holder
	FlagLinkedLine        risk.Kind = "linked_line"        // the seller is linked to the paying line
	FlagChargeUnconfirmed risk.Kind = "charge_unconfirmed" // the front-end never answered a charge
	FlagRefundRefused     risk.Kind = "bill_refund_failed" // a cancel or bill credit could not be made
	FlagUnknownCharge     risk.Kind = "unknown_charge"     // a callback for no charge of ours
	FlagSettlementMoney   risk.Kind = "settlement_money"   // a settlement transfer that does not add up
	FlagCardUnconfirmed   risk.Kind = "card_unconfirmed"   // the front-end never answered a card's redemption
)

// DueAfter is how long after the bill is issued it is due (the contract).
const DueAfter = 30 * 24 * time.Hour

// Credit is a landline's credit at the platform now.
type Credit struct {
	Limit, Used, Available models.Money
	// Blocked says why the line cannot charge now ("" when it can): an
	// overdue bill, a written-off one, the operator's status.
	Blocked string
	// ChargesToday and ChargesSinceBound count the line's charges (not
	// refused) today and since it was bound.
	ChargesToday, ChargesSinceBound int
}

// Why a line cannot charge.
const (
	BlockedOverdue    = "overdue"
	BlockedWrittenOff = "written_off"
	BlockedArrears    = "in_arrears"
	BlockedStatus     = "not_active"
	BlockedNoCredit   = "no_credit"
)

// credit computes a line's credit within db (a transaction holding the
// line's row when it matters).
func (s *Service) credit(ctx context.Context, db *gorm.DB, l *models.Landline, pol models.CreditPolicy) (Credit, error) {
	c := Credit{Limit: pol.Limit(l.CreditClass, l.TenureMonths)}
	var row struct {
		Used       models.Money
		Overdue    int
		WrittenOff int
		Today      int
		SinceBound int
		_          struct{}
	}
	since := l.CreatedAt
	if l.BoundAt != nil {
		since = *l.BoundAt
	}
	err := db.WithContext(ctx).Raw(`SELECT
		coalesce(sum(amount - credited) FILTER (WHERE state IN ('requested', 'accepted', 'billed', 'overdue')), 0) AS used,
		count(*) FILTER (WHERE state = 'overdue') AS overdue,
		count(*) FILTER (WHERE state = 'written_off') AS written_off,
		count(*) FILTER (WHERE state NOT IN ('refused', 'void') AND created_at >= ?) AS today,
		count(*) FILTER (WHERE state NOT IN ('refused', 'void') AND created_at >= ?) AS since_bound
		FROM telecom_charges WHERE phone = ?`, dayStart(s.now()), since, l.Phone).Scan(&row).Error
	if err != nil {
		return c, fmt.Errorf("credit of line %d: %w", l.ID, err)
	}
	c.Used, c.ChargesToday, c.ChargesSinceBound = row.Used, row.Today, row.SinceBound
	c.Available = c.Limit.Sub(c.Used)
	if c.Available.IsNegative() {
		c.Available = models.Zero
	}
	switch {
	case row.Overdue > 0:
		c.Blocked = BlockedOverdue
	case row.WrittenOff > 0:
		c.Blocked = BlockedWrittenOff
	case l.LineStatus != bankbridge.SubscriberActive:
		c.Blocked = BlockedStatus
	case l.InArrears:
		c.Blocked = BlockedArrears
	case !c.Limit.IsPositive():
		c.Blocked = BlockedNoCredit
	}
	return c, nil
}

// allows refuses a charge of amount the line's credit or the limits on
// how often do not allow.
func allows(c Credit, pol models.CreditPolicy, l *models.Landline, amount models.Money, now time.Time) error {
	switch c.Blocked {
	case BlockedOverdue:
		return models.Errorf(models.ECONFLICT, "A phone bill of this line is overdue. Pay the phone bill first; then the line can pay again.")
	case BlockedWrittenOff:
		return models.Errorf(models.ECONFLICT, "A phone bill of this line was never paid, so the line can no longer pay at LineEscrow.")
	case BlockedStatus:
		return models.Errorf(models.ECONFLICT, "The phone company has suspended or closed this line, so it cannot pay.")
	case BlockedArrears:
		return models.Errorf(models.ECONFLICT, "The phone company says this line has an unpaid bill. Pay the bill first, or pay another way.")
	case BlockedNoCredit:
		return models.Errorf(models.ECONFLICT, "The phone company's credit class of this line (%s) gives it no credit for payments. Pay another way.", l.CreditClass)
	}
	if amount.GreaterThan(c.Available) {
		return models.Errorf(models.EINSUFFICIENT, "This order (%s) is more than the line's credit left (%s of %s). Pay another way, or wait until the phone bill is paid.",
			amount.Display(), c.Available.Display(), c.Limit.Display())
	}
	if c.ChargesToday >= pol.ChargesPerDay {
		return models.Errorf(models.ERATELIMIT, "This line has paid %d times today, the most allowed in a day. Try again tomorrow or pay another way.", pol.ChargesPerDay)
	}
	if l.BoundAt != nil && now.Sub(*l.BoundAt) < time.Duration(pol.NewBindingDays)*24*time.Hour && c.ChargesSinceBound >= pol.NewBindingCharges {
		return models.Errorf(models.ERATELIMIT, "A landline bound less than %d days ago can pay at most %d times. Pay another way for now.",
			pol.NewBindingDays, pol.NewBindingCharges)
	}
	return nil
}

// PayByCharge pays an unpaid order by charging it to the buyer's bound
// landline, with the buyer's payment password. What the order, the line's
// credit or a link to the seller make impossible is refused before the
// password is checked; the operator is asked for the line's standing again;
// then the charge is recorded and sent to the front-end. The charge comes
// back accepted (the order is paid) or, when the front-end did not answer
// in time, requested: it is repeated with the same charge id until it
// answers, and never charges twice.
//
// Errors: ENOTFOUND, ECONFLICT (the order's state, no landline bound, the
// line blocked, a charge already in flight, a link to the seller, the
// front-end's refusal: the order stays payable another way), EINSUFFICIENT
// (credit), ERATELIMIT (charges per day), EINVALID / ELOCKED (the payment
// password), EUNAVAILABLE (the lookup did not answer).
func (s *Service) PayByCharge(ctx context.Context, actor models.Actor, orderID int64, pin string) (*models.Charge, error) {
	o, err := s.Orders.Precheck(ctx, actor, orderID, models.ActPay)
	if err != nil {
		return nil, err
	}
	if !actor.IsBuyer() || o.BuyerID != actor.UserID {
		return nil, models.Errorf(models.EFORBIDDEN, "Only the buyer pays an order.")
	}
	l, err := s.bound(ctx, s.DB, actor.UserID)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, models.Errorf(models.ECONFLICT, "Bind your landline first: then orders can be charged to its phone bill.")
	}
	vals, err := s.settings(ctx, nil)
	if err != nil {
		return nil, err
	}
	pre := func(db *gorm.DB, l *models.Landline, o *models.Order) ([]models.Link, error) {
		c, err := s.credit(ctx, db, l, vals.Credit)
		if err != nil {
			return nil, err
		}
		if err := allows(c, vals.Credit, l, o.Amount, s.now()); err != nil {
			return nil, err
		}
		links, err := s.links(ctx, db, o, l)
		if err != nil {
			return nil, err
		}
		for _, k := range links {
			if k.Kind.Hard() {
				return links, models.Errorf(models.ECONFLICT, "This order cannot be charged to this landline: the line is linked to the seller. Pay another way.")
			}
		}
		return links, nil
	}
	if err := s.refresh(ctx, l); err != nil {
		return nil, err
	}
	if links, err := pre(s.DB, l, o); err != nil {
		if len(links) > 0 {
			s.flagRefusedLink(ctx, o, l, links)
		}
		return nil, err
	}
	if err := s.PayPasswords.VerifyPayPassword(ctx, actor.UserID, pin); err != nil {
		return nil, err
	}
	shop, err := s.Orders.Names.ShopName(ctx, o.SellerID)
	if err != nil || shop == "" {
		shop = "LineEscrow"
	}
	c := &models.Charge{ID: newID("TC"), OrderID: o.ID, BuyerID: o.BuyerID, SellerID: o.SellerID, LandlineID: l.ID, Phone: l.Phone,
		Amount: o.Amount, State: models.ChargeRequested, CreatedAt: s.now(), UpdatedAt: s.now(), MerchantName: truncate(shop, 60),
		Description: truncate(fmt.Sprintf("LineEscrow order %d: %s", o.ID, o.Title), 120)}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		// The line's row serialises its charges: the credit holds.
		var line models.Landline
		if res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND state = ?", l.ID, models.LineBound).Limit(1).Find(&line); res.Error != nil {
			return res.Error
		} else if res.RowsAffected == 0 {
			return models.Errorf(models.ECONFLICT, "Your landline is no longer bound.")
		}
		var ord models.Order
		if res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND buyer_id = ?", o.ID, actor.UserID).Limit(1).Find(&ord); res.Error != nil {
			return res.Error
		} else if res.RowsAffected == 0 || ord.State != models.AwaitingPayment {
			return models.Errorf(models.ECONFLICT, "Order %d is no longer waiting for payment.", o.ID)
		}
		links, err := pre(tx, &line, &ord)
		if err != nil {
			return err
		}
		c.HolderMismatch = !models.SameName(ord.ConsigneeName, line.HolderName)
		c.Flagged = c.HolderMismatch || len(links) > 0
		if c.Links, err = json.Marshal(nonNil(links)); err != nil {
			return err
		}
		err = tx.Transaction(func(sp *gorm.DB) error { return sp.Create(c).Error })
		if store.IsUniqueViolation(err, "telecom_charges_order") {
			return models.Errorf(models.ECONFLICT, "This order is already being charged to your landline.")
		}
		if err != nil {
			return err
		}
		// The second line: should this process stop before the answer is
		// settled, the job asks again with the same charge id.
		_, err = s.Queue.InsertTx(ctx, tx, ChargeArgs{ChargeID: c.ID}, &river.InsertOpts{ScheduledAt: s.now().Add(time.Minute)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("charge order %d: %w", o.ID, err)
	}
	if err := s.send(ctx, c.ID); err != nil {
		if models.AsError(err) != nil {
			return nil, err // the front-end's refusal, for the buyer
		}
		s.log().WarnContext(ctx, "telecom charge not confirmed yet; the job repeats it", "charge_id", c.ID, "err", err)
	}
	return s.charge(ctx, s.DB, c.ID)
}

// refresh asks the operator for the line's standing now, before anything is
// judged on it: a line the operator suspended or put in arrears since it was
// bound charges nothing, and one that paid its bill, or grew in class or
// tenure, is not held to what it was.
func (s *Service) refresh(ctx context.Context, l *models.Landline) error {
	sub, err := s.Front.Lookup(ctx, l.Phone)
	if err != nil && !errors.Is(err, bankbridge.ErrUnknownSubscriber) {
		return unavailable(err)
	}
	if sub == nil {
		sub = &bankbridge.Subscriber{Phone: l.Phone, Status: bankbridge.SubscriberClosed, CreditClass: l.CreditClass, TenureMonths: l.TenureMonths}
	}
	if err := s.DB.WithContext(ctx).Model(&models.Landline{}).Where("id = ?", l.ID).Updates(map[string]any{"line_status": sub.Status,
		"in_arrears": sub.InArrears, "credit_class": sub.CreditClass, "tenure_months": sub.TenureMonths, "looked_up_at": s.now()}).Error; err != nil {
		return err
	}
	l.LineStatus, l.InArrears, l.CreditClass, l.TenureMonths = sub.Status, sub.InArrears, sub.CreditClass, sub.TenureMonths
	return nil
}

func nonNil(l []models.Link) []models.Link {
	if l == nil {
		return []models.Link{}
	}
	return l
}

// flagRefusedLink puts a refused, linked charge in the risk queue.
func (s *Service) flagRefusedLink(ctx context.Context, o *models.Order, l *models.Landline, links []models.Link) {
	err := store.InTx(context.WithoutCancel(ctx), s.DB, func(tx *gorm.DB) error {
		// One open case per order: trying again raises no more.
		var open int64
		if err := tx.Table("risk_flags").Where("kind = ? AND order_id = ? AND status = 'open'", string(FlagLinkedLine), o.ID).Count(&open).Error; err != nil || open > 0 {
			return err
		}
		return risk.Raise(ctx, tx, FlagLinkedLine, &o.ID, &o.BuyerID, map[string]any{"refused": true, "phone": models.MaskLandline(l.Phone),
			"seller_id": o.SellerID, "links": links})
	})
	if err != nil {
		s.log().ErrorContext(ctx, "raise linked-line flag", "order_id", o.ID, "err", err)
	}
}

func (s *Service) charge(ctx context.Context, db *gorm.DB, id string) (*models.Charge, error) {
	var c models.Charge
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("charge %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return &c, nil
}

// ChargeArgs is the job that repeats a charge the front-end has not answered.
type ChargeArgs struct {
	ChargeID string `json:"charge_id"`
}

// Kind names the job.
func (ChargeArgs) Kind() string { return "telecom_charge" }

// InsertOpts: the telecom calls' queue, retried for about a day.
func (ChargeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTelecom, MaxAttempts: 20}
}

// ChargeWorker runs ChargeArgs.
type ChargeWorker struct {
	river.WorkerDefaults[ChargeArgs]
	Telecom *Service
}

// Work sends the charge again; after the last attempt an operator is asked.
func (w *ChargeWorker) Work(ctx context.Context, job *river.Job[ChargeArgs]) error {
	err := w.Telecom.send(ctx, job.Args.ChargeID)
	if models.AsError(err) != nil || errors.As(err, new(errFinal)) {
		return nil // refused: settled; or flagged for an operator
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		return w.Telecom.flagOnce(ctx, FlagChargeUnconfirmed, job.Args.ChargeID, err)
	}
	return err
}

// errFinal wraps an answer that repeating the call cannot change: the job
// stops (an operator has been asked).
type errFinal struct{ error }

func (e errFinal) Unwrap() error { return e.error }

// flagOnce raises a flag about a charge, once per kind.
func (s *Service) flagOnce(ctx context.Context, kind risk.Kind, chargeID string, cause error) error {
	c, err := s.charge(ctx, s.DB, chargeID)
	if err != nil || c == nil {
		return err
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("risk_flags").Where("kind = ? AND detail->>'charge_id' = ?", string(kind), chargeID).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		return risk.Raise(ctx, tx, kind, orderOf(c), &c.BuyerID, map[string]any{"charge_id": chargeID, "error": truncate(cause.Error(), 300)})
	})
}

// send asks the front-end for a requested charge and settles its answer. A
// *models.Error is the front-end's refusal (settled: the order stays
// payable); another error means no decisive answer, to be repeated.
func (s *Service) send(ctx context.Context, id string) error {
	c, err := s.charge(ctx, s.DB, id)
	if err != nil || c == nil || c.State != models.ChargeRequested {
		return err
	}
	// The body recorded with the charge: the same under the same key on
	// every repeat, whatever the shop is called by then.
	acc, err := s.Front.Charge(ctx, bankbridge.ChargeRequest{ChargeID: c.ID, Phone: c.Phone, Amount: c.Amount,
		MerchantName: c.MerchantName, Description: c.Description})
	var refused *bankbridge.ChargeRefused
	switch {
	case err == nil:
		return s.accepted(ctx, c.ID, acc.WorkOrderID, acc.BillCycle)
	case errors.As(err, &refused):
		return s.refused(ctx, c, refused.Code)
	case errors.Is(err, bankbridge.ErrKeyReused):
		// A bug of ours, never cured by repeating: an operator must look now.
		if ferr := s.flagOnce(ctx, FlagChargeUnconfirmed, id, err); ferr != nil {
			return errors.Join(err, ferr)
		}
		return fmt.Errorf("send charge %s: %w", id, errFinal{err})
	default:
		if uerr := s.DB.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE telecom_charges SET attempts = attempts + 1, last_error = ?,
			updated_at = now() WHERE id = ?`, truncate(err.Error(), 300), id).Error; uerr != nil {
			return errors.Join(err, uerr)
		}
		return fmt.Errorf("send charge %s: %w", id, err)
	}
}

// lockCharge locks an order and then its charge: the order's lock is the one
// every step of the order takes, so it always comes first. A charge of an
// in-store payment has no order: its own lock is the first.
func lockCharge(ctx context.Context, tx *gorm.DB, id string) (*models.Charge, error) {
	var rows []struct{ OrderID *int64 }
	if err := tx.WithContext(ctx).Raw("SELECT order_id FROM telecom_charges WHERE id = ?", id).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if o := rows[0].OrderID; o != nil {
		if err := tx.Exec("SELECT 1 FROM orders WHERE id = ? FOR UPDATE", *o).Error; err != nil {
			return nil, err
		}
	}
	var c models.Charge
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&c).Error; err != nil {
		return nil, err
	}
	return &c, nil
}

// accepted settles the front-end's acceptance: the order is paid from
// telecom:receivable, or, when it can no longer be (paid another way,
// closed), the charge is void and cancelled at the front-end.
func (s *Service) accepted(ctx context.Context, id, workOrder, cycle string) error {
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		c, err := lockCharge(ctx, tx, id)
		if err != nil || c == nil || c.State != models.ChargeRequested {
			return err
		}
		now := s.now()
		c.WorkOrderID, c.BillCycle, c.AcceptedAt = &workOrder, &cycle, &now
		if c.ForInstore() {
			return s.purchaseAccepted(ctx, tx, c)
		}
		var o *models.Order
		err = tx.Transaction(func(sp *gorm.DB) error {
			var err error
			o, err = s.Orders.PaySystem(ctx, sp, c.OrderID, models.FundingTelecom,
				models.Move(models.AccTelecomReceivable, models.EscrowAccount(c.OrderID), c.Amount))
			if err == nil && !o.Amount.Equal(c.Amount) {
				return models.Errorf(models.ECONFLICT, "Order %d costs %s, not the charge's %s.", o.ID, o.Amount.Display(), c.Amount.Display())
			}
			return err
		})
		if models.ErrorCode(err) == models.ECONFLICT {
			return s.void(ctx, tx, c)
		}
		if err != nil {
			return err
		}
		if err := tx.Model(&models.Charge{}).Where("id = ?", id).Updates(map[string]any{"state": models.ChargeAccepted,
			"work_order_id": workOrder, "bill_cycle": cycle, "accepted_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := event(ctx, tx, c, "charge.accepted", map[string]any{"phone": models.MaskLandline(c.Phone),
			"amount": c.Amount.String(), "bill_cycle": cycle}); err != nil {
			return err
		}
		return s.raiseFlags(ctx, tx, c, o)
	})
}

// raiseFlags puts an accepted charge whose consignee is not the line's
// holder, or whose seller is linked to the line, in the risk queue.
func (s *Service) raiseFlags(ctx context.Context, tx *gorm.DB, c *models.Charge, o *models.Order) error {
	if c.HolderMismatch {
		if err := risk.Raise(ctx, tx, FlagHolderMismatch, &o.ID, &o.BuyerID, map[string]any{"charge_id": c.ID,
			"consignee": o.ConsigneeName, "phone": models.MaskLandline(c.Phone)}); err != nil {
			return err
		}
	}
	var links []models.Link
	_ = json.Unmarshal(c.Links, &links)
	if len(links) > 0 {
		return risk.Raise(ctx, tx, FlagLinkedLine, &o.ID, &o.BuyerID, map[string]any{"charge_id": c.ID, "seller_id": o.SellerID,
			"phone": models.MaskLandline(c.Phone), "links": links})
	}
	return nil
}

// void records an accepted charge that paid nothing and asks the front-end
// to cancel it.
func (s *Service) void(ctx context.Context, tx *gorm.DB, c *models.Charge) error {
	if err := tx.Model(&models.Charge{}).Where("id = ?", c.ID).Updates(map[string]any{"state": models.ChargeVoid,
		"work_order_id": c.WorkOrderID, "bill_cycle": c.BillCycle, "accepted_at": c.AcceptedAt, "updated_at": s.now()}).Error; err != nil {
		return err
	}
	if err := event(ctx, tx, c, "charge.void", map[string]any{"phone": models.MaskLandline(c.Phone),
		"amount": c.Amount.String()}); err != nil {
		return err
	}
	return s.requestRefund(ctx, tx, c, c.Amount, "cancel")
}

// refused settles the front-end's refusal: the order stays payable.
func (s *Service) refused(ctx context.Context, c *models.Charge, code string) error {
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE telecom_charges SET state = 'refused', refusal = ?, updated_at = now() WHERE id = ? AND state = 'requested'`, code, c.ID)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if c.ForInstore() {
			if err := s.Purchases.ChargeRefused(ctx, tx, c); err != nil {
				return err
			}
		}
		if code == bankbridge.RefusedInArrears || code == bankbridge.RefusedSuspended {
			col := map[string]any{"in_arrears": true}
			if code == bankbridge.RefusedSuspended {
				col = map[string]any{"line_status": bankbridge.SubscriberSuspended}
			}
			if err := tx.Model(&models.Landline{}).Where("id = ?", c.LandlineID).Updates(col).Error; err != nil {
				return err
			}
		}
		return event(ctx, tx, c, "charge.refused", map[string]any{"phone": models.MaskLandline(c.Phone), "reason": code})
	})
	if err != nil {
		return err
	}
	return refusal(code)
}

// refusal is what the buyer is told of a front-end's refusal.
func refusal(code string) error {
	switch code {
	case bankbridge.RefusedSuspended:
		return models.Errorf(models.ECONFLICT, "The phone company has suspended this line, so it cannot pay. Pay another way.")
	case bankbridge.RefusedInArrears:
		return models.Errorf(models.ECONFLICT, "The phone company says this line has an unpaid bill. Pay the bill first, or pay another way.")
	case bankbridge.RefusedOverLineLimit:
		return models.Errorf(models.ECONFLICT, "The phone company's own limit for this line this month (%s of charges) would be exceeded. Pay another way.",
			models.FromFen(300000).Display())
	case bankbridge.RefusedUnknownSubscriber:
		return models.Errorf(models.ECONFLICT, "The phone company no longer knows this line. Pay another way.")
	}
	return models.Errorf(models.ECONFLICT, "The phone company refused the charge (%s). Pay another way.", code)
}

// liveCharge returns the order's charge that funded it, locked (the caller
// holds the order's lock).
func liveCharge(ctx context.Context, tx *gorm.DB, orderID int64) (*models.Charge, error) {
	var c models.Charge
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("order_id = ? AND state NOT IN ?", orderID, []models.ChargeState{models.ChargeRefused, models.ChargeVoid, models.ChargeRequested}).
		Limit(1).Find(&c)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, fmt.Errorf("order %d is paid by a fixed-line charge but has no accepted charge", orderID)
	}
	return &c, nil
}

// Route is orders.FixedLine's: a release waits for the collection unless
// the operator is done with the charge; refunds go back to the bill, or
// lower the bad debt of a charge written off.
func (s *Service) Route(ctx context.Context, tx *gorm.DB, o *models.Order) (bool, string, error) {
	c, err := liveCharge(ctx, tx, o.ID)
	if err != nil {
		return false, "", err
	}
	to := models.AccTelecomReceivable
	if c.State == models.ChargeWrittenOff {
		to = models.AccExpenseBadDebt
	}
	return !c.State.Ended(), to, nil
}

// Stepped is orders.FixedLine's: a refund is sent back to the bill (the
// charge cancelled while it is not billed and refunded in full, else a bill
// credit); proceeds released to pending are counted on the charge.
func (s *Service) Stepped(ctx context.Context, tx *gorm.DB, before, after *models.Order) error {
	c, err := liveCharge(ctx, tx, after.ID)
	if err != nil {
		return err
	}
	if refunded := after.Refunded.Sub(before.Refunded); refunded.IsPositive() {
		method := "bill_credit"
		switch {
		case c.State == models.ChargeWrittenOff:
			method = "none"
		case c.State == models.ChargeAccepted && c.Credited.IsZero() && refunded.Equal(c.Amount):
			method = "cancel"
		}
		if err := tx.Exec("UPDATE telecom_charges SET credited = credited + ?, updated_at = now() WHERE id = ?", refunded, c.ID).Error; err != nil {
			return err
		}
		c.Credited = c.Credited.Add(refunded)
		if err := s.requestRefund(ctx, tx, c, refunded, method); err != nil {
			return err
		}
	}
	proceeds := after.Released.Sub(before.Released).Sub(after.Fee.Sub(before.Fee))
	if proceeds.IsPositive() && !c.State.Ended() {
		return tx.Exec("UPDATE telecom_charges SET to_pending = to_pending + ?, updated_at = now() WHERE id = ?", proceeds, c.ID).Error
	}
	return nil
}

// requestRefund records a refund of a charge and the job that makes it at
// the front-end; "none" (a charge written off) is done at once.
func (s *Service) requestRefund(ctx context.Context, tx *gorm.DB, c *models.Charge, amount models.Money, method string) error {
	id := newID("TR")
	state := "requested"
	if method == "none" {
		state = "done"
	}
	if err := tx.Exec(`INSERT INTO telecom_refunds (id, charge_id, order_id, amount, method, state, done_at)
		VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ? = 'done' THEN now() END)`, id, c.ID, orderOf(c), amount, method, state, state).Error; err != nil {
		return err
	}
	if err := event(ctx, tx, c, "charge.refund", map[string]any{"amount": amount.String(), "method": method}); err != nil {
		return err
	}
	if method == "none" {
		return nil
	}
	_, err := s.Queue.InsertTx(ctx, tx, RefundArgs{RefundID: id}, nil)
	return err
}

// RefundArgs is the job that makes a refund at the front-end.
type RefundArgs struct {
	RefundID string `json:"refund_id"`
}

// Kind names the job.
func (RefundArgs) Kind() string { return "telecom_refund" }

// InsertOpts: the telecom calls' queue, retried for about a day.
func (RefundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTelecom, MaxAttempts: 20}
}

// RefundWorker runs RefundArgs.
type RefundWorker struct {
	river.WorkerDefaults[RefundArgs]
	Telecom *Service
}

// Work makes the refund; after the last attempt an operator is asked.
func (w *RefundWorker) Work(ctx context.Context, job *river.Job[RefundArgs]) error {
	err := w.Telecom.Refund(ctx, job.Args.RefundID)
	if errors.As(err, new(errFinal)) {
		return nil // refused at the front-end: flagged for an operator
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		var chargeID string
		w.Telecom.DB.WithContext(ctx).Raw("SELECT charge_id FROM telecom_refunds WHERE id = ?", job.Args.RefundID).Scan(&chargeID)
		return w.Telecom.flagOnce(ctx, FlagRefundRefused, chargeID, err)
	}
	return err
}

type refundRow struct {
	ID       string
	ChargeID string
	OrderID  int64
	Amount   models.Money
	Method   string
	State    string
}

// Refund makes a requested refund at the front-end: a cancel (which, when
// the bill was issued meanwhile, becomes a bill credit of the same amount)
// or a bill credit, keyed by the refund's id. An error means no decisive
// answer, to be repeated.
func (s *Service) Refund(ctx context.Context, id string) error {
	var r refundRow
	res := s.DB.WithContext(ctx).Table("telecom_refunds").Where("id = ?", id).Limit(1).Find(&r)
	if res.Error != nil || res.RowsAffected == 0 || r.State != "requested" {
		return res.Error
	}
	c, err := s.charge(ctx, s.DB, r.ChargeID)
	if err != nil || c == nil {
		return err
	}
	if r.Method == "cancel" {
		err := s.Front.CancelCharge(ctx, c.ID)
		switch {
		case err == nil:
			return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
				if _, err := lockCharge(ctx, tx, c.ID); err != nil {
					return err
				}
				res := tx.Exec(`UPDATE telecom_refunds SET state = 'done', done_at = now(), attempts = attempts + 1 WHERE id = ? AND state = 'requested'`, id)
				if res.Error != nil || res.RowsAffected == 0 {
					return res.Error // done meanwhile
				}
				if err := tx.Exec(`UPDATE telecom_charges SET state = 'cancelled', updated_at = now() WHERE id = ? AND state = 'accepted'`, c.ID).Error; err != nil {
					return err
				}
				return event(ctx, tx, c, "charge.cancelled", map[string]any{"amount": r.Amount.String()})
			})
		case errors.Is(err, bankbridge.ErrUnknownCharge) && c.State == models.ChargeVoid && c.WorkOrderID == nil:
			// Never created at the front-end: nothing to cancel.
			return s.DB.WithContext(ctx).Exec(`UPDATE telecom_refunds SET state = 'done', done_at = now() WHERE id = ? AND state = 'requested'`, id).Error
		case errors.Is(err, bankbridge.ErrAlreadyBilled):
			if err := s.DB.WithContext(ctx).Exec(`UPDATE telecom_refunds SET method = 'bill_credit' WHERE id = ? AND state = 'requested'`, id).Error; err != nil {
				return err
			}
		default:
			return s.refundFailed(ctx, id, err)
		}
	}
	acc, err := s.Front.BillCredit(ctx, bankbridge.BillCreditRequest{CreditID: id, Phone: c.Phone, Amount: r.Amount,
		Reason: refundReason(c), ChargeID: c.ID})
	var refused *bankbridge.CreditRefused
	if errors.As(err, &refused) || errors.Is(err, bankbridge.ErrKeyReused) {
		// Decisive: repeating changes nothing. An operator refunds the
		// buyer another way (RefundToWallet).
		if ferr := s.refundFailed(ctx, id, err); ferr != nil && !errors.Is(ferr, err) {
			return ferr
		}
		if ferr := s.flagOnce(ctx, FlagRefundRefused, c.ID, err); ferr != nil {
			return ferr
		}
		return fmt.Errorf("telecom refund %s: %w", id, errFinal{err})
	}
	if err != nil {
		return s.refundFailed(ctx, id, err)
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE telecom_refunds SET state = 'done', done_at = now(), bill_cycle = ?, attempts = attempts + 1
			WHERE id = ? AND state = 'requested'`, acc.BillCycle, id)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return event(ctx, tx, c, "charge.credited", map[string]any{"amount": r.Amount.String(), "bill_cycle": acc.BillCycle})
	})
}

func (s *Service) refundFailed(ctx context.Context, id string, err error) error {
	if uerr := s.DB.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE telecom_refunds SET attempts = attempts + 1, last_error = ? WHERE id = ?`,
		truncate(err.Error(), 300), id).Error; uerr != nil {
		return errors.Join(err, uerr)
	}
	return fmt.Errorf("telecom refund %s: %w", id, err)
}

// RetryCharge asks the front-end again, now, for a charge it has not
// answered (an operator's remedy once the job gave up; audited). The same
// charge id makes it one work order whatever happened before.
//
// Errors: EFORBIDDEN unless an operator; ENOTFOUND; ECONFLICT when the
// charge is not waiting for an answer; EUNAVAILABLE when the front-end
// still does not answer.
func (s *Service) RetryCharge(ctx context.Context, actor models.Actor, id string) (*models.Charge, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	c, err := s.charge(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, models.Errorf(models.ENOTFOUND, "No such charge.")
	}
	if c.State != models.ChargeRequested {
		return nil, models.Errorf(models.ECONFLICT, "This charge is not waiting for the phone company's answer.")
	}
	if err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, &actor, "charge.retry", Ref(id), map[string]any{"order_id": c.OrderID})
	}); err != nil {
		return nil, err
	}
	if err := s.send(ctx, id); err != nil && models.AsError(err) == nil {
		return nil, models.Errorf(models.EUNAVAILABLE, "The phone company's system is not answering. Try again in a few minutes.")
	}
	return s.charge(ctx, s.DB, id)
}

// RetryRefund makes a refund at the front-end again, now (an operator's
// remedy; audited).
//
// Errors: EFORBIDDEN unless an operator; ENOTFOUND; ECONFLICT when it is
// done; EUNAVAILABLE when the front-end does not answer or refuses again.
func (s *Service) RetryRefund(ctx context.Context, actor models.Actor, id string) error {
	r, err := s.openRefund(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, &actor, "charge.refund_retry", Ref(r.ChargeID), map[string]any{"refund_id": id, "order_id": r.OrderID})
	}); err != nil {
		return err
	}
	if err := s.Refund(ctx, id); err != nil {
		return models.Errorf(models.EUNAVAILABLE, "The phone company did not make the refund: %s", truncate(err.Error(), 200))
	}
	return nil
}

func (s *Service) openRefund(ctx context.Context, actor models.Actor, id string) (*refundRow, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	var r refundRow
	res := s.DB.WithContext(ctx).Table("telecom_refunds").Where("id = ?", id).Limit(1).Find(&r)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such refund.")
	}
	if r.State != "requested" {
		return nil, models.Errorf(models.ECONFLICT, "This refund is already made.")
	}
	return &r, nil
}

// RefundToWallet refunds the buyer's balance instead of the bill when the
// front-end will not make a bill credit (an operator's remedy, with a
// note; audited). The charge is then owed in full again by the operator,
// so the money comes from telecom:receivable to the wallet.
//
// Errors: EFORBIDDEN unless an operator; ENOTFOUND; ECONFLICT when the
// refund is done or is a cancel; EINVALID (field note) without a note.
func (s *Service) RefundToWallet(ctx context.Context, actor models.Actor, id, note string) error {
	r, err := s.openRefund(ctx, actor, id)
	if err != nil {
		return err
	}
	if strings.TrimSpace(note) == "" || len([]rune(note)) > 500 {
		return models.FieldError("note", "Say why (at most 500 characters).")
	}
	if r.Method != "bill_credit" {
		return models.Errorf(models.ECONFLICT, "Only a bill credit can be refunded to the balance instead.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		c, err := lockCharge(ctx, tx, r.ChargeID)
		if err != nil {
			return err
		}
		res := tx.Exec(`UPDATE telecom_refunds SET method = 'wallet', state = 'done', done_at = now() WHERE id = ? AND state = 'requested'`, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ECONFLICT, "This refund is already made.")
		}
		if err := tx.Exec("UPDATE telecom_charges SET credited = credited - ?, updated_at = now() WHERE id = ?", r.Amount, c.ID).Error; err != nil {
			return err
		}
		ps := models.Move(models.AccTelecomReceivable, models.WalletAccount(c.BuyerID), r.Amount)
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "telecom:refund-to-wallet:" + id, Kind: "telecom.refund_to_wallet",
			Ref: refOf(c), Postings: ps}); err != nil {
			return err
		}
		if err := clawback.SweepCredited(ctx, tx, ps); err != nil {
			return err
		}
		if err := event(ctx, tx, c, "charge.refund_to_wallet", map[string]any{"amount": r.Amount.String()}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, "charge.refund_to_wallet", Ref(c.ID), map[string]any{"refund_id": id, "amount": r.Amount.String(), "note": note})
	})
}
