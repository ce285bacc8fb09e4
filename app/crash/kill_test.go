package crash_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lineescrow/app/dbtest"
	"lineescrow/app/store"
	"lineescrow/models"
)

// poll runs check until it returns "" or the deadline passes; the last
// message fails the test.
func poll(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func collectionBalance(t *testing.T, db *store.DB) models.Money {
	t.Helper()
	var net models.Money
	if err := db.Raw(`SELECT coalesce(sum(CASE p.direction WHEN 'debit' THEN p.amount ELSE -p.amount END), 0)
		FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id WHERE a.code = ?`, models.AccBankCollection).Scan(&net).Error; err != nil {
		t.Fatal(err)
	}
	return net
}

func count(t *testing.T, db *store.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestKillNineWhileMoneyStreamsIn kills the server (SIGKILL: no shutdown,
// requests and jobs cut in the middle) while checkouts, the bank's signed
// callbacks with their duplicates and retries, shipments, confirmations,
// payouts and due timers stream in; restarts it; lets the clients retry
// with their keys and the bank retry its callbacks; then checks that
// everything the bank sent and got a 2xx for is booked once, every request
// was carried out at most once, every timer fired once, the books match the
// bank's own record to the fen, and `lineescrow ledger verify` passes.
func TestKillNineWhileMoneyStreamsIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	bin := binary(t)
	db, url := dbtest.NewWithURL(t)
	srv := newServer(t, bin, "DATABASE_URL="+url)
	bk := newBank(t, srv.base)
	srv.env = append(srv.env, "BANK_API_URL="+bk.API)
	srv.start()
	t.Logf("built and started in %s", time.Since(began).Round(time.Millisecond))

	var since time.Time
	db.Raw("SELECT now()").Scan(&since)
	before := collectionBalance(t, db)
	var listings []int64
	db.Raw(`SELECT l.id FROM listings l JOIN users u ON u.id = l.seller_id WHERE u.login = '05305551234' AND l.stock >= 12 ORDER BY l.id`).Scan(&listings)
	if len(listings) < 3 {
		t.Fatalf("the demo seller's listings: %v", listings)
	}
	seller := login(t, srv.base, "05305551234", "seller-demo-pass")
	var steps atomic.Int64
	deadline := time.Now().Add(90 * time.Second)
	traders := []*trader{
		{t: t, buyer: login(t, srv.base, "13800138000", "buyer-demo-pass"), buyerPay: "284913", payer: "6222000011110001"},
		{t: t, buyer: login(t, srv.base, "13900139000", "buyer2-demo-pass"), buyerPay: "902746", payer: "6222000011110002"},
	}
	for _, tr := range traders {
		tr.seller, tr.sellerPay, tr.bank, tr.steps, tr.deadline = seller, "135790", bk, &steps, deadline
	}

	// Orders whose timers are made due just before the crash: unpaid ones
	// (they close) and shipped ones (they complete and release the money).
	var unpaid, shipped []int64
	for i := range 3 {
		if o := traders[0].checkout(listings[2], fmt.Sprintf("timer-unpaid-%d", i)); o != nil {
			unpaid = append(unpaid, o.ID)
		}
		o := traders[1].checkout(listings[2], fmt.Sprintf("timer-shipped-%d", i))
		if o == nil {
			continue
		}
		traders[1].pay(o, i)
		if traders[1].waitState(o.ID, "paid") && traders[1].ship(o.ID) {
			shipped = append(shipped, o.ID)
		}
	}
	if t.Failed() {
		return
	}
	timers := append(append([]int64(nil), unpaid...), shipped...)

	var wg sync.WaitGroup
	for k, tr := range traders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				tr.trade(listings[k], i, fmt.Sprintf("b%d", k))
			}
		}()
	}
	wg.Add(1)
	go func() { // payouts, as the seller's money becomes available
		defer wg.Done()
		tr := traders[0]
		for j := range 4 {
			for {
				n := 0
				for _, x := range traders {
					x.mu.Lock()
					n += len(x.confirmedOrder)
					x.mu.Unlock()
				}
				if n > 2*j || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			tr.withdraw(fmt.Sprintf("payout-%d", j), fmt.Sprintf("%d.%02d", 10+j, j))
		}
	}()

	// The crash: once the streams are under way, the timers made due, and
	// one of them taken by a worker.
	poll(t, 60*time.Second, func() string {
		if steps.Load() < 12 {
			return fmt.Sprintf("only %d steps done before the crash", steps.Load())
		}
		return ""
	})
	var due []int64
	if err := db.Raw(`UPDATE river_job SET state = 'available', scheduled_at = now()
		WHERE kind = 'order_timer' AND state = 'scheduled' AND (args->>'order_id')::bigint IN ? RETURNING id`, timers).Scan(&due).Error; err != nil {
		t.Fatal(err)
	}
	if len(due) != len(timers) {
		t.Fatalf("%d timers made due for %d orders", len(due), len(timers))
	}
	poll(t, 10*time.Second, func() string {
		if count(t, db, `SELECT count(*) FROM river_job WHERE id IN ? AND state <> 'available'`, due) == 0 {
			return "no due timer was taken by a worker"
		}
		return ""
	})
	crashedAt := time.Now()
	srv.kill()
	srv.start()
	t.Logf("killed after %d steps; ready again after %s", steps.Load(), time.Since(crashedAt).Round(time.Millisecond))
	wg.Wait()

	// The bank's retries finish; the payouts settle; the timers fire.
	poll(t, 60*time.Second, func() string {
		if msg := bk.settled(); msg != "" {
			return msg
		}
		if n := count(t, db, "SELECT count(*) FROM bank_events WHERE status = 'pending'"); n > 0 {
			return fmt.Sprintf("%d bank events not processed", n)
		}
		if n := count(t, db, "SELECT count(*) FROM payouts WHERE created_at >= ? AND state NOT IN ('succeeded', 'failed')", since); n > 0 {
			return fmt.Sprintf("%d payouts not settled", n)
		}
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE id IN ? AND state <> 'completed'`, due); n > 0 {
			var states []string
			db.Raw(`SELECT id || ' ' || state || ' attempt ' || attempt || ' ' || coalesce(array_to_string(attempted_by, ','), '') || ' ' || coalesce(errors::text, '')
				FROM river_job WHERE id IN ? AND state <> 'completed'`, due).Scan(&states)
			return fmt.Sprintf("%d due timers not fired: %v", n, states)
		}
		return ""
	})
	settledAt := time.Now()

	// Every callback the bank got a 2xx for is stored and processed, once.
	deliveries := bk.Deliveries()
	var ids []string
	for _, d := range deliveries {
		ids = append(ids, d[0])
	}
	if n := count(t, db, "SELECT count(*) FROM bank_events WHERE webhook_id IN ? AND status = 'processed'", ids); n != int64(len(deliveries)) {
		t.Errorf("%d of the bank's %d delivered callbacks are processed", n, len(deliveries))
	}
	// The books match the bank's record, account by account, to the fen.
	want := map[string]models.Money{}
	for _, c := range bk.Credits() {
		want[c.Account] = want[c.Account].Add(c.Amount)
	}
	for _, p := range bk.Payouts() {
		if p.Status == "succeeded" {
			want[p.BeneficiaryAccount] = want[p.BeneficiaryAccount].Sub(p.Amount)
		}
	}
	got, err := books{db}.collection(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bank:collection by account: the ledger has %v, the bank %v", got, want)
	}
	if delta := collectionBalance(t, db).Sub(before); !delta.Equal(bk.Balance()) {
		t.Errorf("bank:collection moved by %s, the bank's account by %s", delta, bk.Balance())
	}
	// Each checkout and each withdrawal carried out once per key: the
	// orders and payouts are exactly the keys marked carried out.
	for _, c := range []struct{ what, rows, path string }{
		{"orders", "SELECT count(*) FROM orders WHERE created_at >= ?", "/api/v1/orders"},
		{"payouts", "SELECT count(*) FROM payouts WHERE created_at >= ?", "/api/v1/payouts"},
	} {
		rows := count(t, db, c.rows, since)
		keys := count(t, db, "SELECT count(*) FROM api_idempotency WHERE path = ? AND status IS NOT NULL", c.path)
		if rows != keys || rows == 0 {
			t.Errorf("%d %s for %d idempotency keys carried out", rows, c.what, keys)
		}
	}
	// Every timer fired once: the unpaid orders closed, the shipped ones
	// completed, and no order has any step twice.
	if n := count(t, db, "SELECT count(*) FROM orders WHERE id IN ? AND state = 'closed'", unpaid); n != int64(len(unpaid)) {
		t.Errorf("%d of %d unpaid orders closed by their timer", n, len(unpaid))
	}
	if n := count(t, db, "SELECT count(*) FROM orders WHERE id IN ? AND state = 'completed'", shipped); n != int64(len(shipped)) {
		t.Errorf("%d of %d shipped orders completed by their timer", n, len(shipped))
	}
	var twice []string
	db.Raw(`SELECT order_id || ' ' || kind || ' ×' || count(*) FROM order_events e JOIN orders o ON o.id = e.order_id
		WHERE o.created_at >= ? GROUP BY order_id, kind HAVING count(*) > 1`, since).Scan(&twice)
	if len(twice) > 0 {
		t.Errorf("steps taken twice: %v", twice)
	}
	out := runBinary(t, bin, []string{"DATABASE_URL=" + url}, "ledger", "verify")
	if !strings.Contains(out, "ledger verified") {
		t.Errorf("ledger verify: %s", out)
	}
	for _, tr := range traders {
		for _, l := range tr.lost {
			t.Logf("answer lost in the crash: %s", l)
		}
	}
	t.Logf("%d jobs the killed process left running were rescued", count(t, db, "SELECT count(*) FROM river_job WHERE errors::text LIKE '%rescued: the process running the job stopped%'"))
	t.Logf("%d steps, %d callbacks, %d bank credits, %d payouts; settled %s after the crash; total %s",
		steps.Load(), len(deliveries), len(bk.Credits()), len(bk.Payouts()), settledAt.Sub(crashedAt).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}
