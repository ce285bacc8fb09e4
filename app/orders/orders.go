package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/clawback"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Ref is the ledger reference of an order's transfers.
func Ref(orderID int64) string { return fmt.Sprintf("order:%d", orderID) }

// visible restricts an order query to what actor may see: a buyer their own
// orders, a seller the orders of their shop, an operator all, the platform's
// own work all; nobody (Anonymous, the zero Actor) none.
func visible(db *gorm.DB, actor models.Actor) *gorm.DB {
	if actor.IsNobody() {
		return db.Where("false")
	}
	switch actor.Role {
	case models.RoleBuyer:
		return db.Where("buyer_id = ?", actor.UserID)
	case models.RoleSeller:
		return db.Where("seller_id = ?", actor.UserID)
	case models.RoleOperator:
		return db
	case models.RoleSystem:
		if actor.IsSystem() {
			return db // timers, webhooks
		}
	}
	return db.Where("false")
}

// Checkout creates an order for a listing, reserving its stock atomically: the
// stock can never be oversold, whatever number of buyers check out at once.
//
// Errors: EFORBIDDEN unless actor is a buyer; EINVALID for the form;
// ENOTFOUND for a listing not on sale; ECONFLICT when the stock is too low.
func (s *Service) Checkout(ctx context.Context, actor models.Actor, c models.Checkout) (*models.Order, error) {
	if !actor.IsBuyer() {
		return nil, models.Errorf(models.EFORBIDDEN, "Only buyers can check out.")
	}
	if c.AddressID != 0 {
		// The order keeps a copy of the address as it is now: later edits
		// of the address book never change it.
		if s.Addresses == nil {
			return nil, models.FieldError("address_id", "Choose one of your addresses.")
		}
		a, err := s.Addresses.Get(ctx, nil, actor, c.AddressID)
		if err != nil {
			return nil, err
		}
		c.ConsigneeName, c.ConsigneePhone, c.ConsigneeAddress = a.Recipient, a.Phone, a.Full()
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var o models.Order
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		vals, err := s.Settings.Get(ctx, tx)
		if err != nil {
			return err
		}
		var l models.Listing
		res := tx.Raw(`UPDATE listings SET stock = stock - ?, updated_at = now()
			WHERE id = ? AND status = 'active' AND stock >= ?
			RETURNING id, seller_id, title, price, shipping_fee, stock, status`, c.Quantity, c.ListingID, c.Quantity).Scan(&l)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var stock *int
			tx.Raw("SELECT stock FROM listings WHERE id = ? AND status = 'active'", c.ListingID).Scan(&stock)
			if stock == nil {
				return errNotFound
			}
			return models.FieldError("quantity", "Only %d left in stock.", *stock)
		}
		// The buyer pays the goods and the listing's shipping fee once: all of
		// it goes into escrow, and a refund can give all of it back.
		goods := models.FromFen(l.Price.Fen() * int64(c.Quantity))
		amount := goods.Add(l.ShippingFee)
		if !s.MaxAmount.IsZero() && amount.GreaterThan(s.MaxAmount) {
			return models.FieldError("quantity", "The order may not exceed %s.", s.MaxAmount.Display())
		}
		now := s.now()
		kind, at := models.InitialTimer(now, vals.Timers)
		o = models.Order{BuyerID: actor.UserID, SellerID: l.SellerID, ListingID: l.ID, Origin: models.OriginListing, Title: l.Title, UnitPrice: l.Price,
			Quantity: c.Quantity, Shipping: l.ShippingFee, Amount: amount, State: models.AwaitingPayment, Refund: models.RefundNone, Version: 1,
			ConsigneeName: c.ConsigneeName, ConsigneePhone: c.ConsigneePhone, ConsigneeAddress: c.ConsigneeAddress,
			TimerKind: kind, TimerAt: &at, CreatedAt: now, UpdatedAt: now}
		return s.insert(ctx, tx, &o, actor, map[string]any{"amount": amount.String(), "quantity": c.Quantity, "shipping": l.ShippingFee.String()})
	})
	if err != nil {
		return nil, fmt.Errorf("checkout: %w", err)
	}
	return &o, nil
}

// insert creates a new order o within tx: a fresh payment reference, the
// River job of its first timer, the "order.created" event.
func (s *Service) insert(ctx context.Context, tx *gorm.DB, o *models.Order, actor models.Actor, detail map[string]any) error {
	// A fresh random reference; on the rare collision, try another in a savepoint.
	for attempt := 0; ; attempt++ {
		o.PayReference = models.NewReference(models.RefOrder)
		err := tx.Transaction(func(sp *gorm.DB) error {
			return sp.Omit("id").Create(o).Error
		})
		if err == nil {
			break
		}
		if !store.IsUniqueViolation(err, "orders_pay_reference_key") || attempt == 5 {
			return err
		}
	}
	job, err := s.Queue.InsertTx(ctx, tx, TimerArgs{OrderID: o.ID, Timer: o.TimerKind, At: *o.TimerAt}, &river.InsertOpts{ScheduledAt: *o.TimerAt})
	if err != nil {
		return err
	}
	o.TimerJobID = &job.Job.ID
	if err := tx.Model(&models.Order{}).Where("id = ?", o.ID).Update("timer_job_id", job.Job.ID).Error; err != nil {
		return err
	}
	return event(ctx, tx, o.ID, actor, "order.created", detail)
}

// TradeOrder is the order a merchant's gateway trade asks for: one item
// with the shop's subject and amount, no listing.
type TradeOrder struct {
	Title  string
	Amount models.Money
	// The consignee when the shop gave one; otherwise the buyer gives it at
	// the cashier (Take).
	ConsigneeName, ConsigneePhone, ConsigneeAddress string
	// UnpaidClose is how long the order waits for its payment: the trade's
	// timeout.
	UnpaidClose time.Duration
	// Detail goes on the "order.created" event (the trade's number).
	Detail map[string]any
}

// CreateForTrade creates, within tx (the gateway's, which records the trade
// with it), the order of a gateway trade for the seller acting through the
// gateway: no listing and no stock, no buyer until one takes it at the
// cashier, the unpaid-close timer after the trade's timeout. The gateway
// validated the input.
//
// Errors: EFORBIDDEN unless actor is a seller acting through the gateway.
func (s *Service) CreateForTrade(ctx context.Context, tx *gorm.DB, actor models.Actor, t TradeOrder) (*models.Order, error) {
	if !actor.IsSeller() || !actor.Gateway {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	now := s.now()
	at := now.Add(t.UnpaidClose)
	o := models.Order{SellerID: actor.UserID, Origin: models.OriginGateway, Title: t.Title, UnitPrice: t.Amount, Quantity: 1,
		Amount: t.Amount, State: models.AwaitingPayment, Refund: models.RefundNone, Version: 1,
		ConsigneeName: t.ConsigneeName, ConsigneePhone: t.ConsigneePhone, ConsigneeAddress: t.ConsigneeAddress,
		TimerKind: models.TimerUnpaidClose, TimerAt: &at, CreatedAt: now, UpdatedAt: now}
	detail := map[string]any{"amount": t.Amount.String(), "quantity": 1}
	for k, v := range t.Detail {
		detail[k] = v
	}
	if err := s.insert(ctx, tx, &o, actor, detail); err != nil {
		return nil, fmt.Errorf("order for a gateway trade: %w", err)
	}
	return &o, nil
}

// Take gives the order of a gateway trade its buyer: the first buyer who
// takes it at the cashier. The consignee is the one the shop gave; when it
// gave none, c's (validated as a checkout's). Taking it again is a no-op.
//
// Errors: EFORBIDDEN unless actor is a buyer who may move money; ENOTFOUND
// for no such gateway order; ECONFLICT when another buyer took it or it no
// longer awaits payment; EINVALID for the consignee.
func (s *Service) Take(ctx context.Context, actor models.Actor, id int64, c models.Checkout) (*models.Order, error) {
	if !actor.IsBuyer() {
		return nil, models.Errorf(models.EFORBIDDEN, "Only buyers can pay.")
	}
	if err := actor.CanMoveMoney(); err != nil {
		return nil, err
	}
	var out models.Order
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND origin = ?", id, models.OriginGateway).Limit(1).Find(&out)
		if res.Error != nil {
			return res.Error
		}
		switch {
		case res.RowsAffected == 0:
			return errNotFound
		case out.BuyerID == actor.UserID:
			return nil
		case out.BuyerID != 0:
			return models.Errorf(models.ECONFLICT, "Another buyer is already paying for this.")
		case out.State != models.AwaitingPayment:
			return models.Errorf(models.ECONFLICT, "This can no longer be paid.")
		}
		if out.ConsigneeName == "" {
			c.Quantity = 1
			if err := c.Validate(); err != nil {
				return err
			}
			out.ConsigneeName, out.ConsigneePhone, out.ConsigneeAddress = c.ConsigneeName, c.ConsigneePhone, c.ConsigneeAddress
		}
		out.BuyerID = actor.UserID
		if err := tx.Exec(`UPDATE orders SET buyer_id = ?, consignee_name = ?, consignee_phone = ?, consignee_address = ?, updated_at = now()
			WHERE id = ? AND buyer_id IS NULL`, actor.UserID, out.ConsigneeName, out.ConsigneePhone, out.ConsigneeAddress, id).Error; err != nil {
			return err
		}
		return event(ctx, tx, id, actor, "order.taken", nil)
	})
	if err != nil {
		return nil, fmt.Errorf("take order %d: %w", id, err)
	}
	return &out, nil
}

// Get returns an order the actor may see. Errors: ENOTFOUND otherwise.
func (s *Service) Get(ctx context.Context, actor models.Actor, id int64) (*models.Order, error) {
	var o models.Order
	res := visible(s.DB.WithContext(ctx), actor).Where("id = ?", id).Limit(1).Find(&o)
	if res.Error != nil {
		return nil, fmt.Errorf("order %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, errNotFound
	}
	return &o, nil
}

// ByReference returns the order with a payment reference (for matching).
func ByReference(ctx context.Context, tx *gorm.DB, ref string) (*models.Order, error) {
	var o models.Order
	// A gateway order nobody has taken at the cashier yet cannot be paid:
	// its transfer waits in suspense like one with an unknown reference.
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("pay_reference = ? AND buyer_id IS NOT NULL", ref).Limit(1).Find(&o)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return &o, nil
}

// Query filters order lists.
type Query struct {
	State    string // a tab (to_pay, to_ship, to_receive, refund, completed, closed), an OrderState, or "disputed"
	Search   string // order number or payment reference (operators)
	BeforeID int64
	Limit    int
}

// List returns the orders the actor may see, newest first.
func (s *Service) List(ctx context.Context, actor models.Actor, q Query) ([]models.Order, error) {
	db := visible(s.DB.WithContext(ctx).Model(&models.Order{}), actor)
	switch q.State {
	case "":
	case string(models.PhaseToPay), string(models.PhaseToShip), string(models.PhaseToReceive):
		db = db.Where(models.PhaseSQL(models.Phase(q.State)))
	case "disputed":
		db = db.Where(models.PhaseSQL(models.PhaseDispute))
	case "refund":
		db = db.Where(models.PhaseSQL(models.PhaseRefund, models.PhaseDispute))
	default:
		db = db.Where("state = ?", q.State)
	}
	if term := strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(q.Search), "#"), " ", ""); term != "" {
		// Each alternative reads an index: the reference, the phone, the id.
		phone := term
		if p, err := models.ParseLogin(term); err == nil {
			phone = p
		}
		if id, err := strconv.ParseInt(term, 10, 64); err == nil {
			db = db.Where("(id = ? OR pay_reference = ? OR consignee_phone = ?)", id, term, phone)
		} else {
			db = db.Where("(pay_reference = ? OR consignee_phone = ?)", term, phone)
		}
	}
	if q.BeforeID > 0 {
		db = db.Where("id < ?", q.BeforeID)
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	var out []models.Order
	if err := db.Order("id DESC").Limit(q.Limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return out, nil
}

// Tabs are the order lists' tabs, by their State filter: every order is in
// exactly one ("refund" holds refunds asked for and disputes).
var Tabs = []string{string(models.PhaseToPay), string(models.PhaseToShip), string(models.PhaseToReceive),
	"refund", string(models.PhaseCompleted), string(models.PhaseClosed)}

// TabOf is the tab an order is listed under.
func TabOf(o models.Order) string {
	if p := o.Phase(); p != models.PhaseDispute {
		return string(p)
	}
	return "refund"
}

// TabCounts counts the orders the actor may see under each of Tabs (one
// grouped query over the actor's orders; for operators, over all of them).
func (s *Service) TabCounts(ctx context.Context, actor models.Actor) (map[string]int, error) {
	var rows []struct {
		State       models.OrderState
		RefundState models.RefundState
		N           int
	}
	err := visible(s.DB.WithContext(ctx).Model(&models.Order{}), actor).
		Select("state, refund_state, count(*) AS n").Group("state, refund_state").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count orders: %w", err)
	}
	out := make(map[string]int, len(Tabs))
	for _, t := range Tabs {
		out[t] = 0
	}
	for _, r := range rows {
		out[TabOf(models.Order{State: r.State, Refund: r.RefundState})] += r.N
	}
	return out, nil
}

// Recent returns the actor's newest n orders (a dashboard's list).
func (s *Service) Recent(ctx context.Context, actor models.Actor, n int) ([]models.Order, error) {
	return s.List(ctx, actor, Query{Limit: n})
}

type runningJobKey struct{}

// withRunningJob marks ctx as inside the River job id, so a step does not try
// to cancel the very job that is taking it.
func withRunningJob(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, runningJobKey{}, id)
}

// Step runs one action on an order inside tx: it locks the order (within
// what actor may see), asks models.Apply whether the action is allowed, and
// persists the result: the order, one ledger transfer (funding postings
// first, then the step's own), restored stock, the timer's River job and the
// timeline event. Operators' steps are audited.
func (s *Service) Step(ctx context.Context, tx *gorm.DB, actor models.Actor, id int64, cmd models.Command, funding []models.Posting) (*models.Order, error) {
	var o models.Order
	res := visible(tx.WithContext(ctx), actor).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Limit(1).Find(&o)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, errNotFound
	}
	vals, err := s.Settings.Get(ctx, tx)
	if err != nil {
		return nil, err
	}
	if cmd.CommissionRate, err = s.Rates.RateOf(ctx, tx, o.SellerID); err != nil {
		return nil, err
	}
	cmd.Actor, cmd.Now, cmd.Timers = actor, s.now(), vals.Timers
	charged := o.Funding == models.FundingTelecom && s.FixedLine != nil
	if charged {
		if cmd.ProceedsPending, cmd.RefundTo, err = s.FixedLine.Route(ctx, tx, &o); err != nil {
			return nil, err
		}
	}
	st, err := models.Apply(o, cmd)
	if err != nil {
		return nil, err
	}
	n := st.Order
	n.Version = o.Version + 1
	postings := append(append([]models.Posting{}, funding...), st.Postings...)
	if len(postings) > 0 {
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: fmt.Sprintf("order:%d:v%d", o.ID, n.Version), Kind: st.Kind,
			Ref: Ref(o.ID), Postings: postings}); err != nil {
			return nil, err
		}
		// Money that reaches someone who owes the platform for a recalled
		// payment is taken for it before it can be spent.
		if err := clawback.SweepCredited(ctx, tx, st.Postings); err != nil {
			return nil, err
		}
	}
	if st.RestoreStock && o.ListingID != 0 {
		if err := tx.Exec("UPDATE listings SET stock = stock + ?, updated_at = now() WHERE id = ?", o.Quantity, o.ListingID).Error; err != nil {
			return nil, err
		}
	}
	if charged {
		if err := s.FixedLine.Stepped(ctx, tx, &o, &n); err != nil {
			return nil, err
		}
	}
	if err := s.reschedule(ctx, tx, &o, &n); err != nil {
		return nil, err
	}
	// Who the order is between and what it is for never change in a step
	// (a gateway order's buyer and listing are NULL until and unless set).
	if err := tx.Model(&models.Order{}).Where("id = ?", o.ID).Select("*").
		Omit("id", "created_at", "buyer_id", "seller_id", "listing_id", "origin").Updates(&n).Error; err != nil {
		return nil, fmt.Errorf("save order %d: %w", o.ID, err)
	}
	kind := "order." + string(cmd.Action)
	if err := event(ctx, tx, o.ID, actor, kind, st.Event); err != nil {
		return nil, err
	}
	if s.Notices != nil {
		if err := s.Notices.Stepped(ctx, tx, cmd, &o, &n); err != nil {
			return nil, err
		}
	}
	if o.Origin == models.OriginGateway && s.Gateway != nil {
		if err := s.Gateway.Stepped(ctx, tx, &o, &n); err != nil {
			return nil, err
		}
	}
	if actor.IsOperator() {
		if err := audit.Record(ctx, tx, &actor, kind, Ref(o.ID), st.Event); err != nil {
			return nil, err
		}
	}
	return &n, nil
}

// reschedule keeps the order's River timer job in step with its timer: the
// old job is cancelled and a new one inserted when the timer changed.
func (s *Service) reschedule(ctx context.Context, tx *gorm.DB, o, n *models.Order) error {
	same := o.TimerKind == n.TimerKind && (o.TimerAt == nil) == (n.TimerAt == nil) && (o.TimerAt == nil || o.TimerAt.Equal(*n.TimerAt))
	if same {
		return nil
	}
	running, _ := ctx.Value(runningJobKey{}).(int64)
	if o.TimerJobID != nil && *o.TimerJobID != running {
		if err := s.Queue.CancelTx(ctx, tx, *o.TimerJobID); err != nil {
			return err
		}
	}
	n.TimerJobID = nil
	if n.TimerKind == models.TimerNone || n.TimerAt == nil {
		return nil
	}
	at := n.TimerAt.UTC().Truncate(time.Microsecond)
	n.TimerAt = &at
	job, err := s.Queue.InsertTx(ctx, tx, TimerArgs{OrderID: n.ID, Timer: n.TimerKind, At: at}, &river.InsertOpts{ScheduledAt: at})
	if err != nil {
		return err
	}
	n.TimerJobID = &job.Job.ID
	return nil
}

// event appends a step to the order's timeline.
func event(ctx context.Context, tx *gorm.DB, orderID int64, actor models.Actor, kind string, detail map[string]any) error {
	b, _ := json.Marshal(detail)
	if detail == nil {
		b = []byte("{}")
	}
	role := string(actor.Role)
	var actorID *int64
	if actor.UserID > 0 {
		id := actor.UserID
		actorID = &id
	}
	return tx.WithContext(ctx).Exec(`INSERT INTO order_events (order_id, actor_id, actor_role, kind, detail) VALUES (?, ?, ?, ?, ?)`,
		orderID, actorID, role, kind, b).Error
}

// Event records a step that happened outside the state machine (a bank
// credit, a reversal) on the order's timeline.
func Event(ctx context.Context, tx *gorm.DB, orderID int64, kind string, detail map[string]any) error {
	return event(ctx, tx, orderID, models.System, kind, detail)
}

// act runs one step in its own transaction.
func (s *Service) act(ctx context.Context, actor models.Actor, id int64, cmd models.Command, funding []models.Posting) (*models.Order, error) {
	var out *models.Order
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var err error
		out, err = s.Step(ctx, tx, actor, id, cmd, funding)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("order %d %s: %w", id, cmd.Action, err)
	}
	return out, nil
}

// CommissionRates gives a seller's commission rate within a transaction.
type CommissionRates interface {
	RateOf(ctx context.Context, tx *gorm.DB, sellerID int64) (models.Rate, error)
}

// FixedLine is the fixed-line charging of orders (telecom), asked inside the
// step's transaction, with the order locked, about orders paid by a charge.
type FixedLine interface {
	// Route says where the order's money goes: whether a release's
	// proceeds wait in the seller's pending money (the operator has not
	// collected the charge), and the account refunds go back to.
	Route(ctx context.Context, tx *gorm.DB, o *models.Order) (pending bool, refundTo string, err error)
	// Stepped follows a step that changed the order: a refund goes back to
	// the bill (the charge cancelled, or a bill credit), a release's
	// proceeds wait for the collection.
	Stepped(ctx context.Context, tx *gorm.DB, before, after *models.Order) error
	// OfOrder is the order's charge as the actor may see it, or nil.
	OfOrder(ctx context.Context, actor models.Actor, orderID int64) (*ChargeLine, error)
}

// ChargeLine is an order's fixed-line charge, as its page shows it.
type ChargeLine struct {
	ID        string
	Phone     string // masked for anyone but the buyer
	State     models.ChargeState
	BillCycle string
	// BillDate is when the bill carrying the charge is issued, while it is
	// not yet.
	BillDate *time.Time
	Waiting  string // what the charge waits for now (telecom.Waiting…)
	DueAt    *time.Time
	LateFee  models.Money
	Credited models.Money
	// HolderMismatch: the consignee's name is not the line holder's (shown
	// to the seller and operators, never to the buyer).
	HolderMismatch bool
}

// Gateway is the merchant gateway (app/gateway), told inside the step's
// transaction, with the order locked, of every step of an order that came
// from a gateway trade: it records the shop's notification with the change,
// so a notification exists exactly when the change it reports committed.
type Gateway interface {
	Stepped(ctx context.Context, tx *gorm.DB, before, after *models.Order) error
}

// Notices writes, inside the step's transaction, what the order's parties
// are told of the step (app/notices, from models.StepNotices).
type Notices interface {
	Stepped(ctx context.Context, tx *gorm.DB, cmd models.Command, before, after *models.Order) error
}

// WalletFunding is told, in the same transaction, when a buyer pays an order
// from the wallet (funding tracks which bank transfers that money came from).
type WalletFunding interface {
	PaidFromWallet(ctx context.Context, tx *gorm.DB, o *models.Order) error
}

// Do carries out an action a person takes on an order (a row of
// models.Lifecycle): it refuses early what the order's state or the person's
// status makes impossible, checks the payment password when the row asks for
// consent, and runs the step in its own transaction. Paying is from the
// buyer's prepaid balance: only the buyer, with the payment password, ever
// spends the wallet.
//
// Errors: ENOTFOUND for an order the actor cannot see; ECONFLICT when the
// order's state forbids the action; EFORBIDDEN for the wrong person or a
// frozen one; EINVALID for bad parameters or a wrong payment password;
// ELOCKED while payments are locked; EINSUFFICIENT when the wallet is short.
func (s *Service) Do(ctx context.Context, actor models.Actor, id int64, cmd models.Command, pin string) (*models.Order, error) {
	o, err := s.Precheck(ctx, actor, id, cmd.Action)
	if err != nil {
		return nil, err
	}
	if models.NeedsConsent(cmd.Action, actor) {
		if err := s.PayPasswords.VerifyPayPassword(ctx, actor.UserID, pin); err != nil {
			return nil, err
		}
	}
	if cmd.Action != models.ActPay {
		return s.act(ctx, actor, id, cmd, nil)
	}
	var out *models.Order
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var err error
		out, err = s.Step(ctx, tx, actor, id, models.Command{Action: models.ActPay, Funding: models.FundingWallet},
			models.Move(models.WalletAccount(o.BuyerID), models.EscrowAccount(o.ID), o.Amount))
		if err != nil || s.Wallets == nil {
			return err
		}
		return s.Wallets.PaidFromWallet(ctx, tx, out)
	})
	if models.ErrorCode(err) == models.EINSUFFICIENT {
		return nil, models.Errorf(models.EINSUFFICIENT, "Your balance is not enough for this order. Top it up by phone banking first.")
	}
	if err != nil {
		return nil, fmt.Errorf("order %d pay: %w", id, err)
	}
	return out, nil
}

// Precheck refuses early, before a payment password is hashed (and a guess
// spent), what the order's state or the actor's status makes impossible
// anyway; it returns the order as the actor sees it. The step itself checks
// again under the order's lock.
func (s *Service) Precheck(ctx context.Context, actor models.Actor, id int64, action models.Action) (*models.Order, error) {
	if err := actor.CanMoveMoney(); err != nil && models.MovesMoney(action) {
		return nil, err
	}
	o, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !models.Allowed(*o, actor)[action] {
		// Apply says exactly why (the wrong person, the wrong state).
		cmd := models.Command{Action: action, Actor: actor, Now: s.now()}
		if _, err := models.Apply(*o, cmd); err != nil && models.ErrorCode(err) != models.EINVALID {
			return nil, err
		}
		return nil, models.Errorf(models.ECONFLICT, "Order %d cannot do that now.", o.ID)
	}
	return o, nil
}

// PayFromWallet pays an unpaid order from the buyer's prepaid balance (Do).
func (s *Service) PayFromWallet(ctx context.Context, actor models.Actor, id int64, pin string) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActPay}, pin)
}

// PaySystem runs ActPay for funding already moved into escrow within tx.
func (s *Service) PaySystem(ctx context.Context, tx *gorm.DB, id int64, funding models.Funding, postings []models.Posting) (*models.Order, error) {
	return s.Step(ctx, tx, models.System, id, models.Command{Action: models.ActPay, Funding: funding}, postings)
}

// Cancel closes an unpaid order at the buyer's request (Do).
func (s *Service) Cancel(ctx context.Context, actor models.Actor, id int64) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActCancel}, "")
}

// Ship records the carrier and tracking number (Do); carrier is a listed
// carrier's code or name, or another carrier's name (models.ResolveCarrier).
func (s *Service) Ship(ctx context.Context, actor models.Actor, id int64, carrier, tracking string) (*models.Order, error) {
	code, name := models.ResolveCarrier(carrier)
	return s.Do(ctx, actor, id, models.Command{Action: models.ActShip, Carrier: code, CarrierName: name, Tracking: tracking}, "")
}

// Confirm is the buyer's confirmation of receipt: the escrow is released (Do).
func (s *Service) Confirm(ctx context.Context, actor models.Actor, id int64, pin string) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActConfirm}, pin)
}

// ExtendConfirm gives the buyer more time before auto-confirmation, once (Do).
func (s *Service) ExtendConfirm(ctx context.Context, actor models.Actor, id int64) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActExtendConfirm}, "")
}

// RequestRefund asks the seller for a refund of up to what is held (Do).
func (s *Service) RequestRefund(ctx context.Context, actor models.Actor, id int64, amount models.Money, reason string) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActRequestRefund, Amount: amount, Reason: reason}, "")
}

// WithdrawRefund takes back the buyer's refund request (Do).
func (s *Service) WithdrawRefund(ctx context.Context, actor models.Actor, id int64) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActWithdrawRefund}, "")
}

// AcceptRefund is the seller's acceptance, with the seller's payment
// password: the refund goes back to the buyer, the rest is released (Do).
func (s *Service) AcceptRefund(ctx context.Context, actor models.Actor, id int64, pin string) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActAcceptRefund}, pin)
}

// RefuseRefund is the seller's refusal, with a reason the buyer sees (Do).
func (s *Service) RefuseRefund(ctx context.Context, actor models.Actor, id int64, reason string) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActRefuseRefund, Reason: reason}, "")
}

// Escalate turns a refused refund into a dispute for an operator (Do).
func (s *Service) Escalate(ctx context.Context, actor models.Actor, id int64) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActEscalate}, "")
}

// Decide is an operator's ruling on a dispute (Do).
func (s *Service) Decide(ctx context.Context, actor models.Actor, id int64, d models.Decision, buyerPart models.Money, reason string) (*models.Order, error) {
	return s.Do(ctx, actor, id, models.Command{Action: models.ActDecide, Decision: d, Amount: buyerPart, Reason: reason}, "")
}

// TimelineEntry is one line of an order's timeline.
type TimelineEntry struct {
	ID        int64
	At        time.Time
	ActorID   *int64
	ActorRole string
	Kind      string
	Detail    json.RawMessage
}

// Timeline returns the order's events, oldest first, and the ledger
// movements of its money, each role seeing only its own side: a buyer the
// order's escrow and their own wallet, a seller the escrow and their own
// balances (never the buyer's wallet nor the platform's own accounts), an
// operator everything. Event details are trimmed the same way.
//
// Errors: ENOTFOUND for an order the actor cannot see.
func (s *Service) Timeline(ctx context.Context, actor models.Actor, id int64) ([]TimelineEntry, []models.Movement, error) {
	o, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	return s.timeline(ctx, actor, o)
}

// timeline is Timeline of an order the actor may see.
func (s *Service) timeline(ctx context.Context, actor models.Actor, o *models.Order) ([]TimelineEntry, []models.Movement, error) {
	var events []TimelineEntry
	if err := s.DB.WithContext(ctx).Raw(`SELECT id, at, actor_id, actor_role, kind, detail FROM order_events
		WHERE order_id = ? ORDER BY id LIMIT 500`, o.ID).Scan(&events).Error; err != nil {
		return nil, nil, fmt.Errorf("timeline of order %d: %w", o.ID, err)
	}
	moves, err := ledger.Movements(ctx, s.DB, ledger.MovementQuery{Ref: Ref(o.ID), Limit: 500})
	if err != nil {
		return nil, nil, fmt.Errorf("timeline of order %d: %w", o.ID, err)
	}
	if actor.IsOperator() {
		return events, moves, nil
	}
	mine := map[string]bool{models.EscrowAccount(o.ID): true}
	hidden := hiddenDetail[actor.Role]
	switch actor.Role {
	case models.RoleBuyer:
		mine[models.WalletAccount(o.BuyerID)] = true
	case models.RoleSeller:
		mine[models.SellerAvailableAccount(o.SellerID)], mine[models.SellerPendingAccount(o.SellerID)] = true, true
	}
	shown := moves[:0:0]
	for _, m := range moves {
		if mine[m.Account] {
			shown = append(shown, m)
		}
	}
	for i := range events {
		events[i].Detail = trimDetail(events[i].Detail, hidden)
	}
	return events, shown, nil
}

// hiddenDetail lists the event details a role does not see: the buyer not the
// seller's commission and proceeds, the seller not where the buyer's money
// went on the buyer's side, nor the bank's internal ids.
var hiddenDetail = map[models.Role][]string{
	models.RoleBuyer:  {"fee", "commission_rate", "to_seller", "from_seller", "clawbacks", "shortfall", "recovered"},
	models.RoleSeller: {"to_wallet", "surplus_to_wallet", "missing", "earlier_transfers", "from_refund", "clawbacks", "bank_txn_id", "reversal_txn_id", "shortfall", "recovered"},
}

func trimDetail(raw json.RawMessage, hidden []string) json.RawMessage {
	if len(hidden) == 0 || len(raw) == 0 {
		return raw
	}
	var d map[string]any
	if json.Unmarshal(raw, &d) != nil {
		return json.RawMessage("{}")
	}
	for _, k := range hidden {
		delete(d, k)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

// ErrInvariants is wrapped by CheckInvariants' error when an order's escrow
// is wrong, as opposed to when the check could not run.
var ErrInvariants = errors.New("order invariants violated")

// CheckInvariants verifies, for every order, that its escrow account holds
// exactly what the order says is held; it returns an error wrapping
// ErrInvariants naming the first ten orders that do not. Tests run it after
// each integration test.
func CheckInvariants(ctx context.Context, db *gorm.DB) error {
	var bad []struct {
		ID      int64
		Held    models.Money
		Balance models.Money
	}
	err := db.WithContext(ctx).Raw(`SELECT o.id, o.held, coalesce(b.balance, 0) AS balance FROM orders o
		LEFT JOIN ledger_accounts a ON a.code = 'escrow:order:' || o.id
		LEFT JOIN ledger_balances b ON b.account_id = a.id
		WHERE o.held <> coalesce(b.balance, 0) LIMIT 10`).Scan(&bad).Error
	if err != nil {
		return fmt.Errorf("check order invariants: %w", err)
	}
	if len(bad) > 0 {
		var parts []string
		for _, b := range bad {
			parts = append(parts, fmt.Sprintf("order %d holds %s but its escrow has %s", b.ID, b.Held, b.Balance))
		}
		return fmt.Errorf("%w: %s", ErrInvariants, strings.Join(parts, "; "))
	}
	return nil
}
