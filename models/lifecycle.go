package models

import (
	"strings"
	"time"
)

// Party is who may take an action on an order.
type Party string

// Parties.
const (
	ByBuyer    Party = "buyer"    // the order's buyer
	BySeller   Party = "seller"   // the order's seller
	ByOperator Party = "operator" // any operator
	BySystem   Party = "system"   // a timer, a webhook
	// ByMerchant is the order's seller acting through the merchant gateway
	// (a signed request of its shop's server, app/gateway), never the portal.
	ByMerchant Party = "merchant"
)

// Status is an order's state with its refund overlay.
type Status struct {
	State  OrderState
	Refund RefundState
}

func (s Status) String() string {
	if s.Refund == RefundNone || s.Refund == "" {
		return string(s.State)
	}
	return string(s.State) + "/" + string(s.Refund)
}

// Transition is one row of the order's lifecycle: an action, who may take
// it, in which statuses, on which further condition, and what it does.
type Transition struct {
	Action Action
	By     []Party
	// From are the statuses the action applies in.
	From []Status
	// Guard is a further condition on the order alone (nil: none); its error
	// says why the action is not possible now.
	Guard func(o Order) error
	// MovesMoney: a frozen person cannot take it.
	MovesMoney bool
	// Consent: a person taking it gives their payment password.
	Consent bool
	// Timer is the timer that takes the action when it fires.
	Timer TimerKind
	// Effect checks the command's own parameters and changes the order.
	Effect func(s *Step, o Order, cmd Command) error
	// Says is what the action does, for the lifecycle's documentation.
	Says string

	// For the actions people take (the portals and the API serve them):
	// Slug names it in paths (/orders/{id}/<slug>); Params are the command's
	// inputs a person gives, by their field names (a payment password is
	// added when Consent is set); Keyed says the API requires an
	// Idempotency-Key (money moves, or is asked to); Done is what the person
	// is told when it succeeded ({name} is the operator's setting of that
	// name, such as {refund_answer}).
	Slug   string
	Params []string
	Keyed  bool
	Done   string
}

func st(state OrderState, refunds ...RefundState) []Status {
	if len(refunds) == 0 {
		refunds = []RefundState{RefundNone}
	}
	out := make([]Status, 0, len(refunds))
	for _, r := range refunds {
		out = append(out, Status{state, r})
	}
	return out
}

func join(lists ...[]Status) []Status {
	var out []Status
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var (
	awaiting  = st(AwaitingPayment)
	anyActive = join(st(Paid, RefundNone, RefundRequested, RefundRefused, RefundDisputed), st(Shipped, RefundNone, RefundRequested, RefundRefused, RefundDisputed))
	normal    = join(st(Paid, RefundNone), st(Shipped, RefundNone))
	requested = join(st(Paid, RefundRequested), st(Shipped, RefundRequested))
	refused   = join(st(Paid, RefundRefused), st(Shipped, RefundRefused))
	disputed  = join(st(Paid, RefundDisputed), st(Shipped, RefundDisputed))
	toShip    = st(Paid, RefundNone, RefundRefused)
	toReceive = st(Shipped, RefundNone, RefundRefused)
)

// Lifecycle is the order's state machine, as PRODUCT.md describes it. Apply
// reads it; Allowed reads it; the README's diagram is drawn from it.
var Lifecycle = []Transition{
	{Action: ActPay, Slug: "pay", Keyed: true, Done: "Paid from your balance. The money is held in escrow until you confirm delivery.",
		By: []Party{BySystem, ByBuyer}, From: awaiting, MovesMoney: true, Consent: true, Guard: hasBuyer,
		Says: "money reaches escrow (a bank transfer, or the buyer's balance)", Effect: func(s *Step, o Order, cmd Command) error {
			n := &s.Order
			n.State, n.Funding, n.PaidAt, n.Held = Paid, cmd.Funding, &cmd.Now, o.Amount
			n.setTimer(TimerShipBy, cmd.Now.Add(cmd.Timers.ShipBy))
			s.Kind = "order.pay"
			return nil
		}},
	{Action: ActCancel, Slug: "cancel", Done: "Order cancelled.",
		By: []Party{ByBuyer}, From: awaiting, Says: "the buyer cancels",
		Effect: func(s *Step, o Order, cmd Command) error { s.close(cmd.Now, "cancelled by the buyer"); return nil }},
	{Action: ActCloseUnpaid, By: []Party{BySystem}, From: awaiting, Timer: TimerUnpaidClose, Says: "not paid in time",
		Effect: func(s *Step, o Order, cmd Command) error { s.close(cmd.Now, "not paid in time"); return nil }},
	{Action: ActShip, Slug: "ship", Params: []string{"carrier", "carrier_name", "tracking_no"}, Done: "Marked as shipped. The buyer has been told.",
		By: []Party{BySeller}, From: toShip, Says: "the seller ships", Effect: ship},
	{Action: ActConfirm, Slug: "confirm", Keyed: true, Done: "Thank you! Receipt confirmed; the seller has been paid.",
		By: []Party{ByBuyer}, From: toReceive, MovesMoney: true, Consent: true,
		Says: "the buyer confirms receipt: released to the seller", Effect: releaseAll},
	{Action: ActAutoConfirm, By: []Party{BySystem}, From: toReceive, Timer: TimerAutoConfirm,
		Says: "nobody objected in time: released", Effect: releaseAll},
	{Action: ActExtendConfirm, Slug: "extend", Done: "The confirmation deadline is {confirm_extend} later.",
		By: []Party{ByBuyer}, From: toReceive, Guard: extendable,
		Says: "the buyer takes more time, once", Effect: func(s *Step, o Order, cmd Command) error {
			s.Order.ConfirmExtended = true
			s.Order.setTimer(TimerAutoConfirm, o.TimerAt.Add(cmd.Timers.ConfirmExtend))
			return nil
		}},
	{Action: ActRequestRefund, Slug: "refund", Params: []string{"amount", "reason"}, Keyed: true, Done: "Refund requested. The seller has {refund_answer} to answer.",
		By: []Party{ByBuyer}, From: normal, MovesMoney: true,
		Says: "the buyer asks for a refund; the state's timer pauses", Effect: requestRefund},
	{Action: ActWithdrawRefund, Slug: "refund/withdraw", Done: "Refund request withdrawn.",
		By: []Party{ByBuyer}, From: join(requested, refused),
		Says: "the buyer takes the request back", Effect: func(s *Step, o Order, cmd Command) error {
			s.Order.Refund, s.Order.RefundAmount = RefundNone, Zero
			if o.Refund == RefundRequested {
				s.Order.resumeTimer(cmd.Now, cmd.Timers)
			} // after a refusal the state's timer is already running again: it goes on
			return nil
		}},
	{Action: ActAcceptRefund, Slug: "refund/accept", Keyed: true, Done: "Refund accepted.",
		By: []Party{BySeller}, From: requested, MovesMoney: true, Consent: true,
		Says: "the seller agrees: refunded, the rest released", Effect: acceptRefund},
	{Action: ActAutoAcceptRefund, By: []Party{BySystem}, From: requested, Timer: TimerRefundAnswer,
		Says: "the seller did not answer in time: as accepted", Effect: acceptRefund},
	{Action: ActRefuseRefund, Slug: "refund/refuse", Params: []string{"reason"}, Done: "Refund refused. The buyer may open a dispute.",
		By: []Party{BySeller}, From: requested,
		Says: "the seller refuses, with a reason; the timer resumes", Effect: func(s *Step, o Order, cmd Command) error {
			reason, err := CheckName("reason", cmd.Reason, 500)
			if err != nil {
				return err
			}
			s.Order.Refund, s.Order.RefuseReason = RefundRefused, reason
			s.Order.resumeTimer(cmd.Now, cmd.Timers)
			s.Event["reason"] = reason
			return nil
		}},
	{Action: ActEscalate, Slug: "dispute", Done: "Dispute opened. An operator will decide.",
		By: []Party{ByBuyer}, From: refused, MovesMoney: true,
		Says: "the buyer asks an operator to decide; timers stop", Effect: func(s *Step, o Order, cmd Command) error {
			s.Order.Refund = RefundDisputed
			if s.Order.TimerKind != TimerNone {
				s.Order.pauseTimer(cmd.Now)
			}
			s.Order.clearTimer()
			return nil
		}},
	{Action: ActDecide, Slug: "decide", Params: []string{"decision", "buyer_amount", "reason"}, Keyed: true, Done: "Dispute decided.",
		By: []Party{ByOperator}, From: disputed,
		Says: "an operator releases, refunds, or splits", Effect: decide},
	{Action: ActAutoRefundUnshipped, By: []Party{BySystem}, From: toShip, Timer: TimerShipBy,
		Says: "not shipped in time: refunded in full", Effect: func(s *Step, o Order, cmd Command) error {
			s.refund(o.Held, cmd)
			s.Order.CloseReason = "not shipped in time: refunded"
			return nil
		}},
	{Action: ActReverse, By: []Party{BySystem}, From: anyActive,
		Says: "the bank recalled the payment", Effect: reverse},
	{Action: ActMerchantClose, By: []Party{ByMerchant}, From: awaiting,
		Says: "the shop closes its unpaid trade (gateway trade.close)", Effect: func(s *Step, o Order, cmd Command) error {
			s.close(cmd.Now, "closed by the shop")
			return nil
		}},
	// The shop's own refund needs no consent but its signed request; while
	// a refund request or its refusal is open it answers it. Like every
	// refund it goes back the way the money came, and what is left is
	// released. In a dispute only the operator decides.
	{Action: ActMerchantRefund, By: []Party{ByMerchant}, From: join(normal, requested, refused), MovesMoney: true,
		Says: "the shop refunds, in part or in full (gateway trade.refund); the rest released", Effect: merchantRefund},
}

// transition returns the row of action a.
func transition(a Action) (*Transition, bool) {
	for i := range Lifecycle {
		if Lifecycle[i].Action == a {
			return &Lifecycle[i], true
		}
	}
	return nil, false
}

// may reports whether actor is one of the parties to o that may take t.
func (t *Transition) may(o Order, a Actor) bool {
	for _, p := range t.By {
		switch {
		case p == ByBuyer && o.isBuyer(a), p == BySeller && o.isSeller(a),
			p == ByOperator && a.IsOperator(), p == BySystem && a.IsSystem(),
			p == ByMerchant && o.isSeller(a) && a.Gateway:
			return true
		}
	}
	return false
}

// applies reports whether t applies to o's status, and if not why.
func (t *Transition) applies(o Order) error {
	for _, s := range t.From {
		if s.State == o.State && s.Refund == o.Refund {
			if t.Guard != nil {
				return t.Guard(o)
			}
			return nil
		}
	}
	return notAllowed(o, t.Action)
}

// NeedsConsent reports whether actor taking action gives a payment password.
func NeedsConsent(a Action, actor Actor) bool {
	t, ok := transition(a)
	return ok && t.Consent && !actor.IsSystem()
}

// MovesMoney reports whether action moves money on a person's behalf (a
// frozen person cannot take it).
func MovesMoney(a Action) bool {
	t, ok := transition(a)
	return ok && t.MovesMoney
}

// TimerAction is the action a timer takes when it fires.
func TimerAction(k TimerKind) (Action, bool) {
	for _, t := range Lifecycle {
		if t.Timer == k && k != TimerNone {
			return t.Action, true
		}
	}
	return "", false
}

// Allowed returns the actions actor may take on o now: the table's rows whose
// party, status and guard admit them. The portals show exactly these.
func Allowed(o Order, actor Actor) map[Action]bool {
	if o.Refund == "" {
		o.Refund = RefundNone
	}
	out := map[Action]bool{}
	for i := range Lifecycle {
		t := &Lifecycle[i]
		if !t.may(o, actor) || (t.MovesMoney && actor.CanMoveMoney() != nil) || t.applies(o) != nil {
			continue
		}
		out[t.Action] = true
	}
	return out
}

// hasBuyer: an order from a gateway trade is paid only once a buyer took it
// at the cashier, so its money always has someone to go back to.
func hasBuyer(o Order) error {
	if o.BuyerID == 0 {
		return Errorf(ECONFLICT, "Order %d has no buyer yet: it is paid at the cashier.", o.ID)
	}
	return nil
}

func extendable(o Order) error {
	if o.TimerKind != TimerAutoConfirm || o.TimerAt == nil {
		return notAllowed(o, ActExtendConfirm)
	}
	if o.ConfirmExtended {
		return Errorf(ECONFLICT, "The confirmation deadline can be extended only once.")
	}
	return nil
}

func ship(s *Step, o Order, cmd Command) error {
	code, carrier, tracking, err := shipCarrier(cmd.Carrier, cmd.CarrierName, cmd.Tracking)
	if err != nil {
		return err
	}
	n := &s.Order
	n.State, n.CarrierCode, n.Carrier, n.TrackingNo, n.ShippedAt = Shipped, code, carrier, tracking, &cmd.Now
	n.Refund = RefundNone
	n.setTimer(TimerAutoConfirm, cmd.Now.Add(cmd.Timers.AutoConfirm))
	s.Event["carrier"], s.Event["carrier_code"], s.Event["tracking_no"] = carrier, code, tracking
	return nil
}

func releaseAll(s *Step, o Order, cmd Command) error {
	s.release(o.Held, cmd)
	s.Kind = "order.release"
	return nil
}

func requestRefund(s *Step, o Order, cmd Command) error {
	if !cmd.Amount.IsPositive() || cmd.Amount.GreaterThan(o.Held) {
		return FieldError("amount", "The refund must be more than zero and at most %s.", o.Held.Display())
	}
	reason, err := CheckName("reason", cmd.Reason, 500)
	if err != nil {
		return err
	}
	n := &s.Order
	n.Refund, n.RefundAmount, n.RefundReason, n.RefuseReason = RefundRequested, cmd.Amount, reason, ""
	n.pauseTimer(cmd.Now)
	n.setTimer(TimerRefundAnswer, cmd.Now.Add(cmd.Timers.RefundAnswer))
	s.Event["amount"], s.Event["reason"] = cmd.Amount.String(), reason
	return nil
}

func merchantRefund(s *Step, o Order, cmd Command) error {
	if !cmd.Amount.IsPositive() || cmd.Amount.GreaterThan(o.Held) {
		return FieldError("amount", "The refund must be more than zero and at most %s.", o.Held.Display())
	}
	reason := "refunded by the shop"
	if strings.TrimSpace(cmd.Reason) != "" {
		r, err := CheckName("reason", cmd.Reason, 500)
		if err != nil {
			return err
		}
		reason = r
	}
	s.refund(cmd.Amount, cmd)
	if s.Order.State == Closed {
		s.Order.CloseReason = "refunded by the shop"
	}
	s.Event["reason"] = reason
	return nil
}

func acceptRefund(s *Step, o Order, cmd Command) error {
	s.refund(o.RefundAmount, cmd)
	return nil
}

func decide(s *Step, o Order, cmd Command) error {
	reason, err := CheckName("reason", cmd.Reason, 500)
	if err != nil {
		return err
	}
	switch cmd.Decision {
	case DecideRelease:
		s.release(o.Held, cmd)
		s.Kind = "order.release"
	case DecideRefund:
		s.refund(o.Held, cmd)
	case DecideSplit:
		if !cmd.Amount.IsPositive() || !cmd.Amount.LessThan(o.Held) {
			return FieldError("buyer_amount", "For a split, the buyer's part must be more than zero and less than %s.", o.Held.Display())
		}
		s.refund(cmd.Amount, cmd)
	default:
		return FieldError("decision", "Choose release, refund or split.")
	}
	s.Order.Decision = string(cmd.Decision)
	s.Event["decision"], s.Event["reason"] = string(cmd.Decision), reason
	return nil
}

func reverse(s *Step, o Order, cmd Command) error {
	if !cmd.Amount.IsPositive() || cmd.Amount.GreaterThan(o.Held) {
		return notAllowed(o, cmd.Action)
	}
	n := &s.Order
	s.Postings = Move(EscrowAccount(o.ID), AccBankCollection, cmd.Amount)
	n.Held = o.Held.Sub(cmd.Amount)
	n.Reversed = o.Reversed.Add(cmd.Amount)
	s.Event["reversed"], s.Event["reason"] = cmd.Amount.String(), cmd.Reason
	// A refund asked for (or under dispute) can never exceed what is still
	// held: otherwise accepting it, by hand or by its timer, fails for ever.
	if n.Held.IsPositive() && o.Refund != RefundNone && o.RefundAmount.GreaterThan(n.Held) {
		n.RefundAmount = n.Held
		s.Event["refund_capped_to"] = n.Held.String()
	}
	if n.Held.IsZero() {
		n.State, n.ClosedAt, n.CloseReason = Closed, &cmd.Now, "payment reversed by the bank"
		n.Refund = terminalRefund(n.Refund)
		n.clearTimer()
	}
	return nil
}

// close ends an unpaid order.
func (s *Step) close(now time.Time, reason string) {
	n := &s.Order
	n.State, n.ClosedAt, n.CloseReason = Closed, &now, reason
	n.clearTimer()
}

// Phase is where an order is from its people's point of view: the tabs of an
// order list, the next thing that has to happen. Every order is in exactly
// one phase.
type Phase string

// Phases.
const (
	PhaseToPay     Phase = "to_pay"     // 待付款
	PhaseToShip    Phase = "to_ship"    // 待发货 (a refused refund included)
	PhaseToReceive Phase = "to_receive" // 待收货 (a refused refund included)
	PhaseRefund    Phase = "refund"     // 退款中: a refund asked for, waiting for the seller
	PhaseDispute   Phase = "dispute"    // an operator decides
	PhaseCompleted Phase = "completed"  // 已完成
	PhaseClosed    Phase = "closed"     // 已关闭
)

// Phases lists them in the order of the lifecycle.
var Phases = []Phase{PhaseToPay, PhaseToShip, PhaseToReceive, PhaseRefund, PhaseDispute, PhaseCompleted, PhaseClosed}

// phaseStatuses are the statuses of each phase, for the SQL predicate; a
// finished or unpaid order's overlay does not matter (nil).
var phaseStatuses = map[Phase]struct {
	state   []OrderState
	refunds []RefundState
}{
	PhaseToPay:     {[]OrderState{AwaitingPayment}, nil},
	PhaseToShip:    {[]OrderState{Paid}, []RefundState{RefundNone, RefundRefused}},
	PhaseToReceive: {[]OrderState{Shipped}, []RefundState{RefundNone, RefundRefused}},
	PhaseRefund:    {[]OrderState{Paid, Shipped}, []RefundState{RefundRequested}},
	PhaseDispute:   {[]OrderState{Paid, Shipped}, []RefundState{RefundDisputed}},
	PhaseCompleted: {[]OrderState{Completed}, nil},
	PhaseClosed:    {[]OrderState{Closed}, nil},
}

// Phase returns the order's phase.
func (o Order) Phase() Phase {
	r := o.Refund
	if r == "" {
		r = RefundNone
	}
	for _, p := range Phases {
		ps := phaseStatuses[p]
		for _, s := range ps.state {
			if s != o.State {
				continue
			}
			if ps.refunds == nil {
				return p
			}
			for _, x := range ps.refunds {
				if x == r {
					return p
				}
			}
		}
	}
	return PhaseClosed
}

// Holding reports whether the order's escrow holds (or should hold) money:
// paid or shipped, whatever the refund overlay.
func (o Order) Holding() bool { return o.State == Paid || o.State == Shipped }

// PhaseSQL is the SQL predicate, on an orders row's state and refund_state,
// that selects orders in any of the phases: the one place where phases meet
// SQL. Its shape matches the partial indexes on orders.
func PhaseSQL(phases ...Phase) string {
	quote := func(vals []string) string {
		for i, v := range vals {
			vals[i] = "'" + v + "'"
		}
		if len(vals) == 1 {
			return "= " + vals[0]
		}
		return "IN (" + strings.Join(vals, ", ") + ")"
	}
	var parts []string
	for _, p := range phases {
		ps, ok := phaseStatuses[p]
		if !ok {
			return "false"
		}
		states := make([]string, len(ps.state))
		for i, s := range ps.state {
			states[i] = string(s)
		}
		cond := "state " + quote(states)
		if ps.refunds != nil {
			refunds := make([]string, len(ps.refunds))
			for i, r := range ps.refunds {
				refunds[i] = string(r)
			}
			cond = "refund_state " + quote(refunds) + " AND " + cond
		}
		parts = append(parts, "("+cond+")")
	}
	if len(parts) == 0 {
		return "false"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// HoldingSQL selects the orders whose escrow holds money (Holding).
const HoldingSQL = "state IN ('paid', 'shipped')"
