package crash_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lineescrow/app/store"
	"lineescrow/bankbridge/banksim"
	"lineescrow/models"
)

func bankTransfer(tr *trader, o *order) banksim.TransferInput {
	return banksim.TransferInput{Account: tr.payer, Name: "张伟", Memo: o.PayReference, Amount: o.Amount}
}

func mustMoney(s string) models.Money { return models.MustParseMoney(s) }

func keysOf(m map[int64]bool) []int64 {
	out := []int64{0}
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestPostgresStoppedAndStarted stops PostgreSQL (immediate mode: as if it
// crashed) under the running server, with a cluster of the test's own, while
// checkouts and the bank's callbacks come in: /readyz answers 503 while it is
// down, every request gets a 5xx (never a 2xx that is not true), and once it
// is back the server is ready again, the bank's retries are booked, the
// clients' retries with their keys succeed and the timers run, all without
// anybody restarting anything.
func TestPostgresStoppedAndStarted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	bin := binary(t)
	pg := throwaway(t, "pgstop", false)
	url, err := pg.Start(ctx, "lineescrow")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, bin, "DATABASE_URL="+url, "DB_MAX_CONNS=8")
	bk := newBank(t, srv.base)
	srv.env = append(srv.env, "BANK_API_URL="+bk.API)
	srv.start()
	db, err := store.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Logf("cluster and server up in %s", time.Since(began).Round(time.Millisecond))
	before := collectionBalance(t, db)

	var listing int64
	db.Raw(`SELECT l.id FROM listings l JOIN users u ON u.id = l.seller_id WHERE u.login = '05305551234' ORDER BY l.stock DESC, l.id LIMIT 1`).Scan(&listing)
	var steps atomic.Int64
	tr := &trader{t: t, buyer: login(t, srv.base, "13800138000", "buyer-demo-pass"), buyerPay: "284913", payer: "6222000011110009",
		seller: login(t, srv.base, "05305551234", "seller-demo-pass"), sellerPay: "135790", bank: bk, steps: &steps,
		deadline: time.Now().Add(90 * time.Second)}
	tr.buyer.http.Timeout, tr.seller.http.Timeout = 5*time.Second, 5*time.Second

	// A client that checks out again and again, each with its own key, and
	// remembers every answer: while PostgreSQL is down it must get 5xx only.
	var (
		mu      sync.Mutex
		created = map[int64]bool{}
		wrong   []string
		failed  []string // keys answered 5xx (or not at all): retried after
		down    atomic.Bool
		stop    atomic.Bool
		n5xx    atomic.Int64
	)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			key := fmt.Sprintf("pg-checkout-%d", i)
			wasDown := down.Load()
			a := tr.buyer.do("POST", "/orders", key, map[string]any{"listing_id": listing, "quantity": 1,
				"consignee": map[string]string{"name": "张伟", "phone": "13800138000", "address": "山东省菏泽市牡丹区中华路 100 号"}})
			isDown := down.Load()
			var o order
			mu.Lock()
			switch {
			case a.Err == nil && a.Status == 201 && a.decode(&o) == nil:
				if wasDown && isDown {
					wrong = append(wrong, fmt.Sprintf("%s answered 201 while PostgreSQL was down", key))
				}
				created[o.ID] = true
				bk.Transfer(bankTransfer(tr, &o))
			case a.Err != nil || a.Status >= 500:
				if a.Status >= 500 {
					n5xx.Add(1)
				}
				failed = append(failed, key)
			default:
				wrong = append(wrong, fmt.Sprintf("%s: %d %s", key, a.Status, a.Body))
			}
			mu.Unlock()
			time.Sleep(250 * time.Millisecond)
		}
	}()
	poll(t, 30*time.Second, func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(created) < 3 {
			return fmt.Sprintf("%d checkouts before the stop", len(created))
		}
		return ""
	})

	stoppedAt := time.Now()
	down.Store(true)
	if err := pg.StopNow(ctx); err != nil {
		t.Fatal(err)
	}
	srv.waitReady(503, 20*time.Second)
	// A payment the bank sends now is refused (5xx) and retried later.
	bk.Transfer(bankTransfer(tr, &order{PayReference: "NOREF", Amount: mustMoney("12.34")}))
	for _, path := range []string{"/orders", "/wallet"} {
		if a := tr.buyer.do("GET", path, "", nil); a.Err != nil || a.Status < 500 {
			t.Errorf("GET %s while PostgreSQL is down: %d %s %v", path, a.Status, a.Body, a.Err)
		}
	}
	poll(t, 20*time.Second, func() string {
		if n5xx.Load() < 2 {
			return "the checkouts did not meet the outage"
		}
		return ""
	})
	if _, err := pg.Start(ctx, ""); err != nil {
		t.Fatal(err)
	}
	downFor := time.Since(stoppedAt)
	srv.waitReady(200, 30*time.Second)
	down.Store(false)
	t.Logf("PostgreSQL down for %s; the server ready again %s after the stop", downFor.Round(time.Millisecond),
		time.Since(stoppedAt).Round(time.Millisecond))
	poll(t, 30*time.Second, func() string {
		mu.Lock()
		defer mu.Unlock()
		if n := len(created); n < 5 {
			return fmt.Sprintf("only %d checkouts after the restart", n)
		}
		return ""
	})
	stop.Store(true)
	wg.Wait()

	// The keys that got a 5xx: a retry with the same key runs (or replays
	// what committed), once.
	mu.Lock()
	retry := append([]string(nil), failed...)
	mu.Unlock()
	for _, key := range retry {
		a := tr.call(tr.buyer, "POST", "/orders", key, map[string]any{"listing_id": listing, "quantity": 1,
			"consignee": map[string]string{"name": "张伟", "phone": "13800138000", "address": "山东省菏泽市牡丹区中华路 100 号"}})
		var o order
		if tr.unknown("checkout "+key, a) {
			continue
		}
		if a.Status != 201 || a.decode(&o) != nil {
			t.Errorf("retry of %s: %d %s", key, a.Status, a.Body)
			continue
		}
		if created[o.ID] {
			t.Errorf("retry of %s answered order %d, which another key created", key, o.ID)
		}
		created[o.ID] = true
		bk.Transfer(bankTransfer(tr, &o))
	}
	for _, w := range wrong {
		t.Error(w)
	}
	for _, l := range tr.lost {
		t.Logf("answer lost in the outage: %s", l)
	}

	// The bank's retries are booked; every order paid; a timer runs.
	poll(t, 40*time.Second, func() string {
		if msg := bk.settled(); msg != "" {
			return msg
		}
		if n := count(t, db, "SELECT count(*) FROM bank_events WHERE status <> 'processed'"); n > 0 {
			return fmt.Sprintf("%d bank events not processed", n)
		}
		if n := count(t, db, "SELECT count(*) FROM orders WHERE state = 'awaiting_payment' AND id IN ?", keysOf(created)); n > 0 {
			return fmt.Sprintf("%d orders not paid", n)
		}
		return ""
	})
	rows := count(t, db, "SELECT count(*) FROM orders")
	keys := count(t, db, "SELECT count(*) FROM api_idempotency WHERE path = '/api/v1/orders' AND status IS NOT NULL")
	if rows != keys || rows < int64(len(created)) || rows > int64(len(created)+len(tr.lost)) {
		t.Errorf("%d orders, %d checkout keys carried out, %d orders answered, %d answers lost", rows, keys, len(created), len(tr.lost))
	}
	var due []int64
	db.Raw(`UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = (SELECT min(id) FROM river_job
		WHERE kind = 'order_timer' AND state = 'scheduled') RETURNING id`).Scan(&due)
	poll(t, 20*time.Second, func() string {
		if len(due) != 1 || count(t, db, "SELECT count(*) FROM river_job WHERE id IN ? AND state = 'completed'", due) != 1 {
			return fmt.Sprintf("timer %v did not run after the outage", due)
		}
		return ""
	})
	if want, got := bk.Balance(), collectionBalance(t, db).Sub(before); !want.Equal(got) {
		t.Errorf("bank:collection is %s, the bank's account %s", got, want)
	}
	out := runBinary(t, bin, []string{"DATABASE_URL=" + url}, "ledger", "verify")
	if !strings.Contains(out, "ledger verified") {
		t.Errorf("ledger verify: %s", out)
	}
	t.Logf("%d checkouts, %d answered 5xx in the outage; total %s", len(created), n5xx.Load(), time.Since(began).Round(time.Millisecond))
}
