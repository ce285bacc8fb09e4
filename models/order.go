package models

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// OrderState is where a trade is in its lifecycle (Alipay's names in brackets).
type OrderState string

// Order states.
const (
	AwaitingPayment OrderState = "awaiting_payment" // WAIT_BUYER_PAY
	Paid            OrderState = "paid"             // WAIT_SELLER_SEND_GOODS
	Shipped         OrderState = "shipped"          // WAIT_BUYER_CONFIRM_GOODS
	Completed       OrderState = "completed"        // TRADE_FINISHED
	Closed          OrderState = "closed"           // TRADE_CLOSED
)

// RefundState is the refund overlay on a paid or shipped order.
type RefundState string

// Refund overlay states. While a refund is requested or disputed, the order's
// own timer is paused.
const (
	RefundNone      RefundState = "none"
	RefundRequested RefundState = "requested"
	RefundRefused   RefundState = "refused"
	RefundDisputed  RefundState = "disputed"
)

// Funding is how an order's escrow was funded.
type Funding string

// Fundings.
const (
	FundingNone    Funding = ""
	FundingBank    Funding = "bank"    // phone-banking transfer
	FundingWallet  Funding = "wallet"  // prepaid balance
	FundingTelecom Funding = "telecom" // landline bill
)

// TimerKind names an order's single active timer.
type TimerKind string

// Timers.
const (
	TimerNone         TimerKind = ""
	TimerUnpaidClose  TimerKind = "unpaid_close"  // awaiting payment: close
	TimerShipBy       TimerKind = "ship_by"       // paid, not shipped: refund in full
	TimerAutoConfirm  TimerKind = "auto_confirm"  // shipped: complete and release
	TimerRefundAnswer TimerKind = "refund_answer" // refund requested: accept it
)

// TimerSettings are the timers' durations; operators can change them.
type TimerSettings struct {
	UnpaidClose   time.Duration
	ShipBy        time.Duration
	AutoConfirm   time.Duration
	ConfirmExtend time.Duration
	RefundAnswer  time.Duration
}

// DefaultTimers are PRODUCT.md's defaults.
var DefaultTimers = TimerSettings{
	UnpaidClose:   72 * time.Hour,
	ShipBy:        7 * 24 * time.Hour,
	AutoConfirm:   10 * 24 * time.Hour,
	ConfirmExtend: 5 * 24 * time.Hour,
	RefundAnswer:  5 * 24 * time.Hour,
}

// Origin is where an order came from.
type Origin string

// Origins.
const (
	OriginListing Origin = "listing" // a buyer checked out a listing
	OriginGateway Origin = "gateway" // another shop created it by trade.create (app/gateway)
)

// Order is a trade between one buyer and one seller for one listing, or for
// what another shop sold through the gateway.
type Order struct {
	ID int64 `gorm:"primaryKey"`
	// BuyerID is 0 (NULL) for a gateway order nobody has taken at the
	// cashier yet; such an order cannot be paid.
	BuyerID  int64 `gorm:"default:null"`
	SellerID int64
	// ListingID is 0 (NULL) for a gateway order: no listing, no stock.
	ListingID int64  `gorm:"default:null"`
	Origin    Origin `gorm:"default:listing"`
	Title     string
	UnitPrice Money
	Quantity  int
	// Shipping is the listing's shipping fee when the order was placed.
	Shipping Money
	Amount   Money // what the buyer owes: UnitPrice × Quantity + Shipping
	State    OrderState
	Refund   RefundState `gorm:"column:refund_state"`
	// Money, as the order sees it; the ledger's escrow account must agree with Held.
	Held     Money
	Refunded Money
	Released Money
	Fee      Money
	Reversed Money // taken back by the bank while held
	Funding  Funding
	// Version counts the order's steps; each step's ledger transfer is keyed by it.
	Version int

	RefundAmount Money
	RefundReason string
	RefuseReason string
	Decision     string

	PayReference     string
	ConsigneeName    string
	ConsigneePhone   string
	ConsigneeAddress string
	// Carrier is the carrier's name (a listed carrier's English name, or
	// what the seller typed for another); CarrierCode is its code in
	// Carriers, CarrierOther, or empty for orders shipped before the list.
	Carrier         string
	CarrierCode     string
	TrackingNo      string
	CloseReason     string
	ConfirmExtended bool

	TimerKind TimerKind
	TimerAt   *time.Time
	// TimerPausedLeft is the time the state's timer had left when a refund
	// request paused it.
	TimerPausedLeft *time.Duration `gorm:"column:timer_paused_left_ns"`
	TimerJobID      *int64

	CreatedAt   time.Time
	UpdatedAt   time.Time
	PaidAt      *time.Time
	ShippedAt   *time.Time
	CompletedAt *time.Time
	ClosedAt    *time.Time
}

// Action is something that can happen to an order.
type Action string

// Actions, by who takes them.
const (
	ActPay                 Action = "pay"                   // system (bank credit) or buyer (wallet): escrow funded
	ActCancel              Action = "cancel"                // buyer: unpaid order
	ActCloseUnpaid         Action = "close_unpaid"          // timer
	ActShip                Action = "ship"                  // seller
	ActConfirm             Action = "confirm"               // buyer
	ActAutoConfirm         Action = "auto_confirm"          // timer
	ActExtendConfirm       Action = "extend_confirm"        // buyer, once
	ActRequestRefund       Action = "request_refund"        // buyer
	ActWithdrawRefund      Action = "withdraw_refund"       // buyer
	ActAcceptRefund        Action = "accept_refund"         // seller
	ActRefuseRefund        Action = "refuse_refund"         // seller
	ActAutoAcceptRefund    Action = "auto_accept_refund"    // timer
	ActEscalate            Action = "escalate"              // buyer: refused refund → dispute
	ActDecide              Action = "decide"                // operator
	ActAutoRefundUnshipped Action = "auto_refund_unshipped" // timer
	ActReverse             Action = "reverse"               // system: the bank recalled the payment
	ActMerchantClose       Action = "merchant_close"        // the shop, through the gateway: unpaid order
	ActMerchantRefund      Action = "merchant_refund"       // the shop, through the gateway: a refund of its own
)

// AllActions lists every action, for tests and documentation.
var AllActions = []Action{ActPay, ActCancel, ActCloseUnpaid, ActShip, ActConfirm, ActAutoConfirm, ActExtendConfirm,
	ActRequestRefund, ActWithdrawRefund, ActAcceptRefund, ActRefuseRefund, ActAutoAcceptRefund, ActEscalate, ActDecide,
	ActAutoRefundUnshipped, ActReverse, ActMerchantClose, ActMerchantRefund}

// Decision is an operator's ruling on a dispute.
type Decision string

// Decisions.
const (
	DecideRelease Decision = "release" // everything to the seller
	DecideRefund  Decision = "refund"  // everything back to the buyer
	DecideSplit   Decision = "split"   // RefundAmount to the buyer, the rest to the seller
)

// Command asks for an action. Only the fields the action needs are read.
type Command struct {
	Action Action
	Actor  Actor // System for a timer or a webhook
	Now    time.Time
	Timers TimerSettings

	Funding     Funding // ActPay
	Carrier     string  // ActShip: a code of Carriers, or CarrierOther
	CarrierName string  // ActShip with CarrierOther: the carrier's name
	Tracking    string  // ActShip
	Amount      Money   // ActRequestRefund, ActMerchantRefund; ActDecide with DecideSplit: the buyer's part
	Reason      string  // ActRequestRefund, ActRefuseRefund, ActCancel, ActDecide, ActMerchantRefund (optional)
	Decision    Decision
	// CommissionRate is the seller's rate, for releases.
	CommissionRate Rate
	// ProceedsPending sends a release's proceeds to the seller's pending
	// money instead of available: the order was paid by a fixed-line charge
	// the operator has not collected yet.
	ProceedsPending bool
	// RefundTo is where refunds go back to: the buyer's wallet when empty;
	// telecom:receivable for a fixed-line charge (the charge is cancelled or
	// credited on the bill), expense:bad_debt when the operator wrote the
	// charge off (the subscriber never paid it).
	RefundTo string
}

// Step is the outcome of an allowed action: the order after it and what the
// service must persist with it, in the same transaction.
type Step struct {
	Order Order
	// Money to move, as one ledger transfer of this Kind (none when empty).
	Postings []Posting
	Kind     string
	// RestoreStock is set when an unpaid order closes.
	RestoreStock bool
	// Event describes the step for the order's timeline.
	Event map[string]any
}

func notAllowed(o Order, a Action) error {
	return Errorf(ECONFLICT, "Order %d cannot do that now (%s while %s).", o.ID, a, o.describeState())
}

func (o Order) describeState() string {
	if o.Refund != RefundNone && o.Refund != "" && (o.State == Paid || o.State == Shipped) {
		return string(o.State) + "/refund " + string(o.Refund)
	}
	return string(o.State)
}

func (o Order) isBuyer(a Actor) bool  { return a.Role == RoleBuyer && a.UserID == o.BuyerID }
func (o Order) isSeller(a Actor) bool { return a.Role == RoleSeller && a.UserID == o.SellerID }

// RoleSystem is the platform itself acting: timers, webhooks, jobs.
const RoleSystem Role = "system"

// System is the actor of background work. The zero Actor is nobody and may
// do nothing.
var System = Actor{Role: RoleSystem}

// IsSystem reports whether the actor is the platform itself.
func (a Actor) IsSystem() bool { return a.Role == RoleSystem && a.UserID == 0 }

// Apply decides whether cmd may happen to o and, if so, returns the step:
// the row of the action in Lifecycle says who may take it (EFORBIDDEN
// otherwise), in which statuses and on which condition (ECONFLICT otherwise),
// and its effect checks the command's parameters (EINVALID: amount, reason,
// tracking number) and makes the change.
func Apply(o Order, cmd Command) (Step, error) {
	if o.Refund == "" {
		o.Refund = RefundNone
	}
	t, ok := transition(cmd.Action)
	if !ok {
		return Step{}, Errorf(EINVALID, "Unknown action %q.", cmd.Action)
	}
	if !t.may(o, cmd.Actor) {
		return Step{}, Errorf(EFORBIDDEN, "You are not allowed to do that.")
	}
	if t.MovesMoney {
		if err := cmd.Actor.CanMoveMoney(); err != nil {
			return Step{}, err
		}
	}
	if err := t.applies(o); err != nil {
		return Step{}, err
	}
	s := Step{Order: o, Event: map[string]any{}}
	if err := t.Effect(&s, o, cmd); err != nil {
		return Step{}, err
	}
	n := &s.Order
	if s.Kind == "" {
		s.Kind = "order." + string(cmd.Action)
	}
	// An order that closes before it was shipped gives its goods back to
	// stock; a gateway order has no listing, and the shop keeps its own stock.
	if n.State == Closed && (o.State == AwaitingPayment || o.State == Paid) && o.Origin != OriginGateway {
		s.RestoreStock = true
	}
	n.UpdatedAt = cmd.Now
	return s, nil
}

// release moves amount from escrow: the commission to revenue:fees, the rest to
// the seller's available money (pending when cmd.ProceedsPending). The order
// completes.
func (s *Step) release(amount Money, cmd Command) {
	n := &s.Order
	now := cmd.Now
	fee := Zero
	if amount.IsPositive() {
		fee = cmd.CommissionRate.Of(amount)
		seller := amount.Sub(fee)
		s.Postings = append(s.Postings, Posting{Account: EscrowAccount(n.ID), Direction: Debit, Amount: amount})
		if fee.IsPositive() {
			s.Postings = append(s.Postings, Posting{Account: AccRevenueFees, Direction: Credit, Amount: fee})
		}
		if seller.IsPositive() {
			to := SellerAvailableAccount(n.SellerID)
			if cmd.ProceedsPending {
				to = SellerPendingAccount(n.SellerID)
				s.Event["to_pending"] = true
			}
			s.Postings = append(s.Postings, Posting{Account: to, Direction: Credit, Amount: seller})
		}
		s.Event["released"], s.Event["fee"], s.Event["to_seller"] = amount.String(), fee.String(), seller.String()
		s.Event["commission_rate"] = cmd.CommissionRate.Percent()
	}
	n.Held = n.Held.Sub(amount)
	n.Released = n.Released.Add(amount)
	n.Fee = n.Fee.Add(fee)
	n.State, n.CompletedAt, n.Refund = Completed, &now, terminalRefund(n.Refund)
	n.clearTimer()
}

// refund returns amount the way the money came (cmd.RefundTo, the buyer's
// wallet by default); whatever is left in escrow is released to the seller (a
// partial refund), else the order closes.
func (s *Step) refund(amount Money, cmd Command) {
	n := &s.Order
	now := cmd.Now
	rest := n.Held.Sub(amount)
	to := cmd.RefundTo
	if to == "" {
		to = WalletAccount(n.BuyerID)
	}
	s.Postings = append(s.Postings, Move(EscrowAccount(n.ID), to, amount)...)
	n.Held = rest
	n.Refunded = n.Refunded.Add(amount)
	s.Event["refunded"] = amount.String()
	s.Kind = "order.refund"
	if rest.IsPositive() {
		s.release(rest, cmd)
		s.Kind = "order.partial_refund"
		return
	}
	n.State, n.ClosedAt, n.CloseReason = Closed, &now, "refunded"
	n.Refund = terminalRefund(n.Refund)
	n.clearTimer()
}

func terminalRefund(r RefundState) RefundState {
	if r == RefundRequested || r == RefundDisputed || r == RefundRefused {
		return r
	}
	return RefundNone
}

func (o *Order) setTimer(k TimerKind, at time.Time) {
	o.TimerKind, o.TimerAt = k, &at
}

func (o *Order) clearTimer() {
	o.TimerKind, o.TimerAt = TimerNone, nil
}

// pauseTimer keeps what is left of the state's timer (ship-by or auto-confirm).
func (o *Order) pauseTimer(now time.Time) {
	if o.TimerAt != nil && (o.TimerKind == TimerShipBy || o.TimerKind == TimerAutoConfirm) {
		left := o.TimerAt.Sub(now)
		if left < 0 {
			left = 0
		}
		o.TimerPausedLeft = &left
	}
}

// resumeTimer restarts the state's timer with the time it had left when a
// refund request paused it. A timer that is already running goes on as it is:
// a refund request never buys the buyer (or the seller) a fresh full timer.
func (o *Order) resumeTimer(now time.Time, t TimerSettings) {
	kind, full := TimerShipBy, t.ShipBy
	if o.State == Shipped {
		kind, full = TimerAutoConfirm, t.AutoConfirm
	}
	if o.TimerPausedLeft == nil && o.TimerKind == kind && o.TimerAt != nil {
		return
	}
	left := full
	if o.TimerPausedLeft != nil {
		left = *o.TimerPausedLeft
	}
	o.TimerPausedLeft = nil
	o.setTimer(kind, now.Add(left))
}

// InitialTimer is the timer of a new, unpaid order.
func InitialTimer(now time.Time, t TimerSettings) (TimerKind, time.Time) {
	return TimerUnpaidClose, now.Add(t.UnpaidClose)
}

// Checkout is what a buyer submits to buy a listing.
type Checkout struct {
	ListingID int64
	Quantity  int
	// AddressID, when set, is one of the buyer's saved addresses: the
	// consignee is copied from it (and the three fields below ignored).
	AddressID        int64
	ConsigneeName    string
	ConsigneePhone   string
	ConsigneeAddress string
}

// Validate normalises the checkout and returns every problem at once.
func (c *Checkout) Validate() error {
	var ps []*Error
	keep := Collector[string](&ps)
	if c.Quantity < 1 || c.Quantity > 99 {
		ps = append(ps, FieldError("quantity", "Choose a quantity from 1 to 99."))
	}
	c.ConsigneeName = keep(CheckName("consignee_name", c.ConsigneeName, 50))
	if p, err := ParseLogin(c.ConsigneePhone); err != nil {
		ps = append(ps, FieldError("consignee_phone", "Enter the consignee's mobile or landline number."))
	} else {
		c.ConsigneePhone = p
	}
	c.ConsigneeAddress = keep(CheckName("consignee_address", c.ConsigneeAddress, 200))
	if c.ConsigneeAddress != "" && utf8.RuneCountInString(c.ConsigneeAddress) < 5 {
		ps = append(ps, FieldError("consignee_address", "Enter the full delivery address."))
	}
	return Invalid(ps...)
}

// OrderTitle is how an order is named in lists: "#42 Peony tea ×2".
func (o Order) OrderTitle() string {
	if o.Quantity > 1 {
		return fmt.Sprintf("#%d %s ×%d", o.ID, o.Title, o.Quantity)
	}
	return fmt.Sprintf("#%d %s", o.ID, o.Title)
}

// Goods is what the order's items cost, without shipping.
func (o Order) Goods() Money { return o.Amount.Sub(o.Shipping) }
