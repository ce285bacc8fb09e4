package orders_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"lineescrow/app/orders"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// TestRefundRequestsCannotPostponeAutoConfirm: request → refused → withdrawn,
// again and again, never gives the order a fresh full timer; the time a
// request was waiting for the seller's answer is the only pause.
func TestRefundRequestsCannotPostponeAutoConfirm(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("100.00", 3), 1)
	payByWallet(t, e, o)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	deadline := *e.Order(o.ID).TimerAt
	for round := range 3 {
		e.Clock.Advance(24 * time.Hour) // a day of the timer runs
		if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("10.00"), "late"); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Hour) // paused while the seller answers
		deadline = deadline.Add(time.Hour)
		if _, err := e.Orders.RefuseRefund(e.Ctx, e.Seller.Actor(), o.ID, "it was delivered"); err != nil {
			t.Fatal(err)
		}
		if got := e.Order(o.ID); got.TimerKind != models.TimerAutoConfirm || !got.TimerAt.Equal(deadline) {
			t.Fatalf("round %d after the refusal: %s at %v, want %v", round, got.TimerKind, got.TimerAt, deadline)
		}
		e.Clock.Advance(time.Hour)
		if _, err := e.Orders.WithdrawRefund(e.Ctx, e.Buyer.Actor(), o.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.Order(o.ID); !got.TimerAt.Equal(deadline) {
			t.Fatalf("round %d after withdrawing: the deadline moved from %v to %v", round, deadline, got.TimerAt)
		}
	}
	if _, err := e.Orders.ExtendConfirm(e.Ctx, e.Buyer.Actor(), o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.ExtendConfirm(e.Ctx, e.Buyer.Actor(), o.ID); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("a second extension: %v", err)
	}
}

// TestTimerThatCannotSucceedBecomesAFlag: a timer whose action the rules now
// refuse is not retried for ever: an operator gets a case, the job completes.
func TestTimerThatCannotSucceedBecomesAFlag(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("100.00", 3), 1)
	payByWallet(t, e, o)
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("90.00"), "broken"); err != nil {
		t.Fatal(err)
	}
	// The escrow no longer holds the amount asked for (as data from before the
	// cap, or a bug elsewhere, could leave it): accepting can never succeed.
	if err := e.DB.Exec("UPDATE orders SET refund_amount = 150 WHERE id = ?", o.ID).Error; err != nil {
		t.Fatal(err)
	}
	cur := e.Order(o.ID)
	job := withRow(&river.Job[orders.TimerArgs]{Args: orders.TimerArgs{OrderID: o.ID, Timer: cur.TimerKind, At: *cur.TimerAt}})
	if err := e.Orders.FireTimer(e.Ctx, job); err != nil {
		t.Fatalf("the timer failed (River would retry it for ever): %v", err)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'timer_failed' AND order_id = ?", o.ID); n != 1 {
		t.Fatalf("%d timer_failed flags", n)
	}
	if got := e.Order(o.ID); got.State != models.Paid || got.Held.String() != "100.00" {
		t.Fatalf("the failed timer changed the order: %s held %s", got.State, got.Held)
	}
}

// TestNoPasswordIsHashedForAnImpossibleAction: an action the order's state
// refuses is refused before the payment password is checked, so it costs
// neither a guess nor an argon2id hash.
func TestNoPasswordIsHashedForAnImpossibleAction(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("100.00", 3), 1)
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, "000000"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("confirming an unpaid order: %v", err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, "000000"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("accepting a refund nobody asked for: %v", err)
	}
	payByWallet(t, e, o)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer.Actor(), o.ID, "000000"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("paying a paid order: %v", err)
	}
	for _, u := range []*models.User{e.Buyer, e.Seller} {
		if n := e.Count("SELECT pay_failures FROM users WHERE id = ?", u.ID); n != 0 {
			t.Fatalf("user %d: %d payment password failures counted", u.ID, n)
		}
	}
}

// TestPhaseSQLSelectsWhatPhaseSays: the one SQL predicate of each phase
// selects exactly the orders whose Phase() it is, in every status.
func TestPhaseSQLSelectsWhatPhaseSays(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("10.00", 100)
	type status struct {
		s models.OrderState
		r models.RefundState
	}
	var all []status
	for _, s := range []models.OrderState{models.AwaitingPayment, models.Paid, models.Shipped, models.Completed, models.Closed} {
		for _, r := range []models.RefundState{models.RefundNone, models.RefundRequested, models.RefundRefused, models.RefundDisputed} {
			all = append(all, status{s, r})
		}
	}
	want := map[models.Phase][]int64{}
	for _, st := range all {
		o := e.Checkout(e.Buyer, l, 1)
		// Shape only: the statuses, not a real history (no money moves: what
		// is "held" is counted as released, so the books' checks hold).
		if err := e.DB.Exec(`UPDATE orders SET state = ?, refund_state = ?,
			released = CASE WHEN ?::text IN ('awaiting_payment', 'closed') THEN 0 ELSE amount END WHERE id = ?`,
			st.s, st.r, st.s, o.ID).Error; err != nil {
			t.Fatal(err)
		}
		got := e.Order(o.ID)
		want[got.Phase()] = append(want[got.Phase()], o.ID)
	}
	for _, p := range models.Phases {
		var ids []int64
		e.DB.Raw("SELECT id FROM orders WHERE " + models.PhaseSQL(p) + " ORDER BY id").Scan(&ids)
		if fmt.Sprint(ids) != fmt.Sprint(want[p]) {
			t.Errorf("phase %s: SQL selects %v, Phase() says %v", p, ids, want[p])
		}
	}
}
