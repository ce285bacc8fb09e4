package telecom

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/orders"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// What a charge waits for, in the words the pages use.
const (
	WaitingOperator = "operator" // requested: the phone company has not confirmed it yet
	WaitingBill     = "bill"     // accepted: it will be on the bill of its cycle
	WaitingPayment  = "payment"  // billed: the subscriber pays the bill by its due date
	WaitingOverdue  = "overdue"  // the bill is overdue: the line is blocked
	WaitingNothing  = ""         // collected, cancelled, written off
)

// Waiting says what a charge waits for now.
func Waiting(c models.Charge) string {
	switch c.State {
	case models.ChargeRequested:
		return WaitingOperator
	case models.ChargeAccepted:
		return WaitingBill
	case models.ChargeBilled:
		return WaitingPayment
	case models.ChargeOverdue:
		return WaitingOverdue
	}
	return WaitingNothing
}

// DueAt is when the bill carrying the charge is due, once it is billed.
func DueAt(c models.Charge) *time.Time {
	if c.BilledAt == nil {
		return nil
	}
	t := c.BilledAt.Add(DueAfter)
	return &t
}

// BillDate is when the bill of a cycle (YYYY-MM) is issued for a line whose
// billing day is day: a charge accepted in one month is on that bill.
func BillDate(cycle string, day int) *time.Time {
	t, err := time.ParseInLocation("2006-01", cycle, models.Shanghai)
	if err != nil {
		return nil
	}
	if day < 1 || day > 28 {
		day = 1
	}
	t = t.AddDate(0, 0, day-1)
	return &t
}

// LinePage is the buyer's landline page: the bound line (or the binding in
// progress), its credit and its charges.
type LinePage struct {
	Line    *models.Landline
	Binding *models.Landline
	Credit  Credit
	Policy  models.CreditPolicy
	Charges []ChargeView
	// Cards are the buyer's recharge card top-ups.
	Cards []Redemption
}

// ChargeView is a charge with what it waits for.
type ChargeView struct {
	models.Charge
	OrderTitle string
	Waiting    string
	BillDate   *time.Time // when the bill carrying it is issued (accepted)
	DueAt      *time.Time // when that bill is due (billed)
}

// Standing is the buyer's bound line (or binding in progress) and its
// credit, without the lists: what an order page needs to offer paying by
// phone bill.
//
// Errors: EFORBIDDEN unless a buyer.
func (s *Service) Standing(ctx context.Context, actor models.Actor) (*LinePage, error) {
	if err := buyerOnly(actor); err != nil {
		return nil, err
	}
	vals, err := s.settings(ctx, nil)
	if err != nil {
		return nil, err
	}
	p := &LinePage{Policy: vals.Credit}
	if p.Line, err = s.bound(ctx, s.DB, actor.UserID); err != nil {
		return nil, err
	}
	if p.Line == nil {
		p.Binding, err = s.binding(ctx, s.DB, actor.UserID, false)
		return p, err
	}
	p.Credit, err = s.credit(ctx, s.DB, p.Line, vals.Credit)
	return p, err
}

// Page returns the buyer's landline page: Standing, the charges and the
// card top-ups.
//
// Errors: EFORBIDDEN unless a buyer.
func (s *Service) Page(ctx context.Context, actor models.Actor) (*LinePage, error) {
	p, err := s.Standing(ctx, actor)
	if err != nil {
		return nil, err
	}
	if p.Charges, err = s.views(ctx, s.DB.Where("c.buyer_id = ? AND c.state NOT IN ('refused', 'void')", actor.UserID), 100); err != nil {
		return nil, err
	}
	day := 1
	if p.Line != nil {
		day = p.Line.BillingDay
	}
	for i := range p.Charges {
		if p.Charges[i].State == models.ChargeAccepted {
			p.Charges[i].BillDate = BillDate(p.Charges[i].Cycle(), day)
		}
	}
	if p.Cards, err = s.Redemptions(ctx, actor); err != nil {
		return nil, err
	}
	return p, nil
}

// views reads charges with their orders' titles (an in-store payment's: its
// work order's description), newest first.
func (s *Service) views(ctx context.Context, q *gorm.DB, limit int) ([]ChargeView, error) {
	var rows []struct {
		models.Charge
		OrderTitle string
	}
	if err := q.WithContext(ctx).Table("telecom_charges c").Select("c.*, coalesce(o.title, c.description) AS order_title").
		Joins("LEFT JOIN orders o ON o.id = c.order_id").Order("c.created_at DESC, c.id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("charges: %w", err)
	}
	out := make([]ChargeView, 0, len(rows))
	for _, r := range rows {
		out = append(out, ChargeView{Charge: r.Charge, OrderTitle: r.OrderTitle, Waiting: Waiting(r.Charge), DueAt: DueAt(r.Charge)})
	}
	return out, nil
}

// OfOrder is orders.FixedLine's: the order's charge (the live one, else the
// latest attempt) as the actor may see it; the order page checked that the
// actor may see the order. Only the buyer sees the whole number; the
// mismatch of names is for the seller and operators.
func (s *Service) OfOrder(ctx context.Context, actor models.Actor, orderID int64) (*orders.ChargeLine, error) {
	var c models.Charge
	res := s.DB.WithContext(ctx).Where("order_id = ?", orderID).
		Order("CASE WHEN state IN ('refused', 'void') THEN 1 ELSE 0 END, created_at DESC").Limit(1).Find(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("charge of order %d: %w", orderID, res.Error)
	}
	if res.RowsAffected == 0 || c.State == models.ChargeRefused {
		return nil, nil
	}
	l := &orders.ChargeLine{ID: c.ID, Phone: models.MaskLandline(c.Phone), State: c.State, BillCycle: c.Cycle(), Waiting: Waiting(c),
		DueAt: DueAt(c), LateFee: c.LateFee, Credited: c.Credited}
	if c.State == models.ChargeAccepted {
		var day int
		if err := s.DB.WithContext(ctx).Raw("SELECT billing_day FROM landlines WHERE id = ?", c.LandlineID).Scan(&day).Error; err != nil {
			return nil, err
		}
		l.BillDate = BillDate(c.Cycle(), day)
	}
	if actor.IsBuyer() {
		l.Phone = models.FormatLandline(c.Phone)
	} else {
		l.HolderMismatch = c.HolderMismatch
	}
	return l, nil
}

// SellerCharges lists the seller's orders paid by fixed-line charge whose
// proceeds still wait for the operator (or were advanced), newest first.
//
// Errors: EFORBIDDEN unless a seller.
func (s *Service) SellerCharges(ctx context.Context, actor models.Actor) ([]ChargeView, error) {
	if !actor.IsSeller() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	out, err := s.views(ctx, s.DB.Where("c.seller_id = ? AND c.to_pending > 0 AND NOT c.proceeds_released", actor.UserID), 200)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Phone = models.MaskLandline(out[i].Phone)
	}
	return out, nil
}

// ChargeQuery filters the operators' list of charges.
type ChargeQuery struct {
	State   string // a ChargeState, or "flagged"
	Cycle   string
	OrderID int64
	Limit   int
}

// OpsCharge is a charge as operators see it, with the links that flagged
// it and its refunds still to be made at the front-end.
type OpsCharge struct {
	ChargeView
	LinkList []models.Link
	Open     []OpenRefund
}

// OpenRefund is a refund of a charge not made yet at the front-end.
type OpenRefund struct {
	ID        string       `json:"id"`
	ChargeID  string       `json:"-"`
	Amount    models.Money `json:"amount"`
	Method    string       `json:"method"` // cancel or bill_credit
	Attempts  int          `json:"attempts"`
	LastError string       `json:"last_error"`
	CreatedAt time.Time    `json:"created_at"`
}

// Charges lists charges for operators.
//
// Errors: EFORBIDDEN unless an operator.
func (s *Service) Charges(ctx context.Context, actor models.Actor, q ChargeQuery) ([]OpsCharge, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	db := s.DB.Where("true")
	switch models.ChargeState(q.State) {
	case "":
	case "flagged":
		db = db.Where("c.flagged")
	case models.ChargeRequested, models.ChargeRefused, models.ChargeAccepted, models.ChargeVoid, models.ChargeBilled,
		models.ChargeCollected, models.ChargeOverdue, models.ChargeWrittenOff, models.ChargeCancelled:
		db = db.Where("c.state = ?", q.State)
	default:
		return nil, models.FieldError("state", "Choose a state from the list.")
	}
	if q.Cycle != "" && !bankbridge.ValidCycle(q.Cycle) {
		return nil, models.FieldError("cycle", "Enter a cycle as YYYY-MM.")
	}
	if q.Cycle != "" {
		db = db.Where("c.bill_cycle = ?", q.Cycle)
	}
	if q.OrderID > 0 {
		db = db.Where("c.order_id = ?", q.OrderID)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	vs, err := s.views(ctx, db, q.Limit)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	var open []OpenRefund
	if err := s.DB.WithContext(ctx).Table("telecom_refunds").Select("id, charge_id, amount, method, attempts, last_error, created_at").
		Where("charge_id IN ? AND state = 'requested'", ids).Order("created_at").Scan(&open).Error; err != nil {
		return nil, fmt.Errorf("open refunds: %w", err)
	}
	by := map[string][]OpenRefund{}
	for _, r := range open {
		by[r.ChargeID] = append(by[r.ChargeID], r)
	}
	out := make([]OpsCharge, 0, len(vs))
	for _, v := range vs {
		oc := OpsCharge{ChargeView: v, Open: by[v.ID]}
		_ = json.Unmarshal(v.Links, &oc.LinkList)
		out = append(out, oc)
	}
	return out, nil
}
