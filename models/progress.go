package models

import "time"

// StepStatus is how far an order got with one step of its progress bar.
type StepStatus string

// Step statuses.
const (
	StepDone    StepStatus = "done"    // it happened
	StepCurrent StepStatus = "current" // it is what has to happen next
	StepTodo    StepStatus = "todo"    // later
)

// ProgressStep is one step of an order's progress bar (Taobao's 拍下 → 付款
// → 发货 → 确认收货 → 完成, with the refund, dispute and closing branches
// when they happen).
type ProgressStep struct {
	Key    string // placed, paid, shipped, received, completed; refund, dispute, refunded, closed
	Label  string // English
	Status StepStatus
	At     *time.Time // when it happened, when known
	// Branch marks a refund, dispute or closing step (shown apart).
	Branch bool
}

// Progress is the order's progress bar: the main steps with the one that
// has to happen next marked current; an open refund or dispute as a current
// branch step in place of the next main step; a closed order ends with its
// closing step instead of the steps it never reached.
func (o Order) Progress() []ProgressStep {
	at := func(t *time.Time) *time.Time { return t }
	created := o.CreatedAt
	main := []ProgressStep{
		{Key: "placed", Label: "Order placed", At: &created},
		{Key: "paid", Label: "Paid into escrow", At: at(o.PaidAt)},
		{Key: "shipped", Label: "Seller shipped", At: at(o.ShippedAt)},
		{Key: "received", Label: "Receipt confirmed", At: at(o.CompletedAt)},
		{Key: "completed", Label: "Trade completed", At: at(o.CompletedAt)},
	}
	// done is how many main steps happened.
	done := 1
	switch o.State {
	case Paid:
		done = 2
	case Shipped:
		done = 3
	case Completed:
		done = 5
	case Closed:
		done = 1
		if o.PaidAt != nil {
			done = 2
		}
		if o.ShippedAt != nil {
			done = 3
		}
	}
	var out []ProgressStep
	for i := 0; i < done; i++ {
		s := main[i]
		s.Status = StepDone
		out = append(out, s)
	}
	var branch *ProgressStep
	switch o.Refund {
	case RefundRequested:
		branch = &ProgressStep{Key: "refund", Label: "Refund requested", Status: StepCurrent, Branch: true}
	case RefundDisputed:
		branch = &ProgressStep{Key: "dispute", Label: "Dispute: an operator decides", Status: StepCurrent, Branch: true}
	}
	switch {
	case o.State == Closed:
		if o.Refunded.IsPositive() {
			out = append(out, ProgressStep{Key: "refunded", Label: "Refunded to the buyer", Status: StepDone, Branch: true, At: o.ClosedAt})
		}
		return append(out, ProgressStep{Key: "closed", Label: "Order closed", Status: StepDone, Branch: true, At: o.ClosedAt})
	case o.State == Completed && o.Refunded.IsPositive():
		// A partial refund: the rest was released. Shown before the end.
		last := out[len(out)-1]
		out = append(out[:len(out)-1], ProgressStep{Key: "refunded", Label: "Partly refunded", Status: StepDone, Branch: true, At: o.CompletedAt}, last)
		return out
	case o.State == Completed:
		return out
	}
	if branch != nil {
		out = append(out, *branch)
	}
	for i := done; i < len(main); i++ {
		s := main[i]
		s.At = nil
		s.Status = StepTodo
		if i == done && branch == nil {
			s.Status = StepCurrent
		}
		out = append(out, s)
	}
	return out
}

// NextStep is the one thing a party is expected to do next on an order: the
// button in its row of an order list.
type NextStep string

// Next steps.
const (
	NextNone         NextStep = ""              // waiting for someone else, or finished
	NextPay          NextStep = "pay"           // the buyer pays
	NextShip         NextStep = "ship"          // the seller ships
	NextConfirm      NextStep = "confirm"       // the buyer confirms receipt
	NextAnswerRefund NextStep = "answer_refund" // the seller accepts or refuses the refund
	NextDecide       NextStep = "decide"        // an operator decides the dispute
)

// NextStep returns what the party has to do next on the order (NextNone when
// the order waits for someone else). It follows the phase only; whether the
// person may take the step now (a frozen account, a missing payment
// password) the order page says.
func (o Order) NextStep(p Party) NextStep {
	switch ph := o.Phase(); {
	case p == ByBuyer && ph == PhaseToPay:
		return NextPay
	case p == BySeller && ph == PhaseToShip:
		return NextShip
	case p == ByBuyer && ph == PhaseToReceive:
		return NextConfirm
	case p == BySeller && ph == PhaseRefund:
		return NextAnswerRefund
	case p == ByOperator && ph == PhaseDispute:
		return NextDecide
	}
	return NextNone
}
