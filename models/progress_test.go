package models

import (
	"strings"
	"testing"
	"time"
)

// steps writes a progress bar as "key:status" words, branches with a "+".
func steps(p []ProgressStep) string {
	var w []string
	for _, s := range p {
		k := s.Key
		if s.Branch {
			k = "+" + k
		}
		w = append(w, k+":"+string(s.Status))
	}
	return strings.Join(w, " ")
}

func TestProgress(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	paid, shipped := now.Add(time.Hour), now.Add(2*time.Hour)
	cases := []struct {
		name string
		o    Order
		want string
	}{
		{"unpaid", Order{State: AwaitingPayment, Refund: RefundNone},
			"placed:done paid:current shipped:todo received:todo completed:todo"},
		{"paid", Order{State: Paid, Refund: RefundNone, PaidAt: &paid},
			"placed:done paid:done shipped:current received:todo completed:todo"},
		{"shipped", Order{State: Shipped, Refund: RefundNone, PaidAt: &paid, ShippedAt: &shipped},
			"placed:done paid:done shipped:done received:current completed:todo"},
		{"refund asked before shipping", Order{State: Paid, Refund: RefundRequested, PaidAt: &paid},
			"placed:done paid:done +refund:current shipped:todo received:todo completed:todo"},
		{"refund refused: back on the main road", Order{State: Shipped, Refund: RefundRefused, PaidAt: &paid, ShippedAt: &shipped},
			"placed:done paid:done shipped:done received:current completed:todo"},
		{"dispute", Order{State: Shipped, Refund: RefundDisputed, PaidAt: &paid, ShippedAt: &shipped},
			"placed:done paid:done shipped:done +dispute:current received:todo completed:todo"},
		{"completed", Order{State: Completed, Refund: RefundNone, PaidAt: &paid, ShippedAt: &shipped, CompletedAt: &shipped},
			"placed:done paid:done shipped:done received:done completed:done"},
		{"split", Order{State: Completed, Refund: RefundNone, PaidAt: &paid, Refunded: FromFen(100)},
			"placed:done paid:done shipped:done received:done +refunded:done completed:done"},
		{"never paid", Order{State: Closed, Refund: RefundNone}, "placed:done +closed:done"},
		{"refunded in full after shipping", Order{State: Closed, Refund: RefundNone, PaidAt: &paid, ShippedAt: &shipped, Refunded: FromFen(900)},
			"placed:done paid:done shipped:done +refunded:done +closed:done"},
	}
	for _, c := range cases {
		c.o.CreatedAt = now
		if got := steps(c.o.Progress()); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	// Exactly one step is current while the order is open.
	for _, c := range cases[:6] {
		n := 0
		for _, s := range c.o.Progress() {
			if s.Status == StepCurrent {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d current steps", c.name, n)
		}
	}
}

// TestNextStep: every order status gives each party at most one next step,
// and that step is one the lifecycle lets the party take there.
func TestNextStep(t *testing.T) {
	step := map[NextStep]Action{NextPay: ActPay, NextShip: ActShip, NextConfirm: ActConfirm,
		NextAnswerRefund: ActAcceptRefund, NextDecide: ActDecide}
	parties := map[Party]Actor{
		ByBuyer:    {UserID: 1, Role: RoleBuyer},
		BySeller:   {UserID: 2, Role: RoleSeller},
		ByOperator: {UserID: 3, Role: RoleOperator},
	}
	seen := map[NextStep]bool{}
	for _, s := range []OrderState{AwaitingPayment, Paid, Shipped, Completed, Closed} {
		for _, r := range []RefundState{RefundNone, RefundRequested, RefundRefused, RefundDisputed} {
			if s == AwaitingPayment && r != RefundNone {
				continue // no refund before payment
			}
			o := Order{ID: 9, BuyerID: 1, SellerID: 2, State: s, Refund: r, Amount: MustParseMoney("10.00")}
			if s == Shipped {
				at := time.Now()
				o.TimerKind, o.TimerAt = TimerAutoConfirm, &at
			}
			for p, a := range parties {
				n := o.NextStep(p)
				if n == NextNone {
					continue
				}
				seen[n] = true
				if !Allowed(o, a)[step[n]] {
					t.Errorf("%s/%s: next step of the %s is %q, which the lifecycle does not allow", s, r, p, n)
				}
			}
		}
	}
	if len(seen) != len(step) {
		t.Errorf("next steps seen: %v, want all of %v", seen, step)
	}
	if got := (Order{State: Paid, Refund: RefundNone}).NextStep(ByBuyer); got != NextNone {
		t.Errorf("a paid order waits for the seller, not the buyer: got %q", got)
	}
}
