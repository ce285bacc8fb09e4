package orders_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertest"

	"lineescrow/app/dbtest"
	"lineescrow/app/orders"
	"lineescrow/app/platform"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// working returns an environment whose River workers run.
func working(t *testing.T) *ptest.Env {
	t.Helper()
	db, url := dbtest.NewWithURL(t)
	e := ptest.NewOn(t, db, url, platform.Options{Work: true, PollInterval: 100 * time.Millisecond})
	if err := e.Start(e.Ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.Stop(ctx)
	})
	return e
}

// due makes the order's current timer job due now, as if its time had come.
func due(t *testing.T, e *ptest.Env, orderID int64) int64 {
	t.Helper()
	o := e.Order(orderID)
	if o.TimerJobID == nil {
		t.Fatalf("order %d has no timer job", orderID)
	}
	e.Clock.Advance(o.TimerAt.Sub(e.Clock.Now()) + time.Second)
	if err := e.DB.Exec(`UPDATE river_job SET scheduled_at = now() - interval '1 second', state = 'available'
		WHERE id = ? AND state = 'scheduled'`, *o.TimerJobID).Error; err != nil {
		t.Fatal(err)
	}
	return *o.TimerJobID
}

// waitFor polls until cond holds (the workers run in the background).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jobState(e *ptest.Env, id int64) string {
	var s string
	e.DB.Raw("SELECT state FROM river_job WHERE id = ?", id).Scan(&s)
	return s
}

func TestEveryTimerFiresOnce(t *testing.T) {
	t.Parallel()
	e := working(t)
	l := e.Listing("100.00", 10)
	driver := riverdatabasesql.New(e.DB.SQL)

	// Unpaid: closed after 72 h, stock back.
	o := e.Checkout(e.Buyer, l, 2)
	job := rivertest.RequireInserted(e.Ctx, t, driver, &orders.TimerArgs{}, &rivertest.RequireInsertedOpts{Queue: "timers"})
	if job.Args.OrderID != o.ID || job.Args.Timer != models.TimerUnpaidClose || !job.ScheduledAt.Equal(o.CreatedAt.Add(72*time.Hour)) {
		t.Fatalf("unpaid timer job %+v scheduled %s", job.Args, job.ScheduledAt)
	}
	id := due(t, e, o.ID)
	waitFor(t, "unpaid close", func() bool { return e.Order(o.ID).State == models.Closed })
	waitFor(t, "job completed", func() bool { return jobState(e, id) == "completed" })
	if n := e.Count("SELECT stock FROM listings WHERE id = ?", l.ID); n != 10 {
		t.Fatalf("stock after unpaid close = %d", n)
	}

	// Paid, not shipped in 7 days: refunded.
	o = e.Checkout(e.Buyer, l, 1)
	payByWallet(t, e, o)
	if got := e.Order(o.ID); got.TimerKind != models.TimerShipBy || !got.TimerAt.Equal(got.PaidAt.Add(7*24*time.Hour)) {
		t.Fatalf("ship-by timer %s %v", got.TimerKind, got.TimerAt)
	}
	due(t, e, o.ID)
	waitFor(t, "auto refund", func() bool { return e.Order(o.ID).State == models.Closed })
	if b := e.Balance(models.WalletAccount(e.Buyer.ID)); b != "100.00" {
		t.Fatalf("wallet after auto refund = %s", b)
	}

	// Shipped, not confirmed in 10 days: released.
	o = e.Checkout(e.Buyer, l, 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF5555555555555"); err != nil {
		t.Fatal(err)
	}
	due(t, e, o.ID)
	waitFor(t, "auto confirm", func() bool { return e.Order(o.ID).State == models.Completed })

	// Refund request not answered in 5 days: accepted.
	o = e.Checkout(e.Buyer2, l, 1)
	payByWallet(t, e, o)
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer2.Actor(), o.ID, models.MustParseMoney("40.00"), "one item missing"); err != nil {
		t.Fatal(err)
	}
	due(t, e, o.ID)
	waitFor(t, "auto accept", func() bool { return e.Order(o.ID).State == models.Completed })
	if got := e.Order(o.ID); got.Refunded.String() != "40.00" || got.Released.String() != "60.00" {
		t.Fatalf("after auto accept: %+v", got)
	}

	for _, kind := range []string{"order.close_unpaid", "order.auto_refund_unshipped", "order.auto_confirm", "order.auto_accept_refund"} {
		if n := e.Count("SELECT count(*) FROM order_events WHERE kind = ?", kind); n != 1 {
			t.Errorf("%s happened %d times", kind, n)
		}
	}
}

func TestSupersededTimerIsCancelledAndHarmless(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("100.00", 3), 1)
	first := e.Order(o.ID)
	payByWallet(t, e, o)
	if s := jobState(e, *first.TimerJobID); s != "cancelled" {
		t.Fatalf("old unpaid timer is %s, want cancelled", s)
	}
	// Even if the old job ran anyway, it would find a different timer and do nothing.
	old := &river.Job[orders.TimerArgs]{Args: orders.TimerArgs{OrderID: o.ID, Timer: models.TimerUnpaidClose, At: *first.TimerAt}}
	old.JobRow = nil
	if err := e.Orders.FireTimer(e.Ctx, withRow(old)); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("stale timer changed the order: %s", got.State)
	}
}

func TestConcurrentFiringsTakeEffectOnce(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("100.00", 3)
	o := e.Checkout(e.Buyer, l, 1)
	cur := e.Order(o.ID)
	job := withRow(&river.Job[orders.TimerArgs]{Args: orders.TimerArgs{OrderID: o.ID, Timer: cur.TimerKind, At: *cur.TimerAt}})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.Orders.FireTimer(e.Ctx, job); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := e.Count("SELECT count(*) FROM order_events WHERE kind = 'order.close_unpaid'"); n != 1 {
		t.Fatalf("fired %d times", n)
	}
	if n := e.Count("SELECT stock FROM listings WHERE id = ?", l.ID); n != 3 {
		t.Fatalf("stock = %d (restored more than once?)", n)
	}
}

// TestTimerSurvivesRestart schedules a timer with one platform and fires it
// with another, started later on the same database.
func TestTimerSurvivesRestart(t *testing.T) {
	t.Parallel()
	db, url := dbtest.NewWithURL(t)
	first := ptest.NewOn(t, db, url, platform.Options{})
	o := first.Checkout(first.Buyer, first.Listing("100.00", 3), 1)
	id := due(t, first, o.ID)

	second, err := platform.New(ptest.Config(t), db, ptest.Quiet, platform.Options{Work: true, PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer second.Stop(context.Background())
	waitFor(t, "timer after restart", func() bool { return first.Order(o.ID).State == models.Closed })
	waitFor(t, "job completed", func() bool { return jobState(first, id) == "completed" })
}

// withRow gives a hand-made job the row River would (id 0: run outside River).
func withRow(j *river.Job[orders.TimerArgs]) *river.Job[orders.TimerArgs] {
	j.JobRow = &riverJobRow
	return j
}
