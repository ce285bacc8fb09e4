package platform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lineescrow/app/dbtest"
	"lineescrow/app/platform"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/store"
	"lineescrow/app/web"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/banksim"
	"lineescrow/models"
)

// roundRobin sends each request to the next node, as a load balancer in
// front of the platform would.
type roundRobin struct {
	nodes []*url.URL
	next  atomic.Int64
	hits  [3]atomic.Int64
}

func (r *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	i := int(r.next.Add(1)) % len(r.nodes)
	r.hits[i].Add(1)
	n := r.nodes[i]
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = n.Scheme, n.Host, n.Host
	return http.DefaultTransport.RoundTrip(req)
}

// cluster is three platform nodes, each with its own connection pool, River
// client and web server, on one database.
type cluster struct {
	t     *testing.T
	env   *ptest.Env // node 0, which also made the users
	nodes []*platform.Platform
	urls  []string
	// bank is the bank simulator: its callbacks go through lb to every
	// node; the nodes call its API (payouts, statements).
	bank *banksim.Sim
	lb   *roundRobin
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	db, dbURL := dbtest.NewWithURL(t)
	opts := platform.Options{Work: true, PollInterval: 100 * time.Millisecond}
	env := ptest.NewOn(t, db, dbURL, opts)
	c := &cluster{t: t, env: env, nodes: []*platform.Platform{env.Platform}}
	for range 2 {
		pool, err := store.Open(env.Ctx, dbURL, 10)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pool.SQL.Close() })
		p, err := platform.New(ptest.Config(t), pool, ptest.Quiet, platform.Options{Work: true, PollInterval: 100 * time.Millisecond, Now: env.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		p.Auth.Now = env.Clock.Now
		c.nodes = append(c.nodes, p)
	}
	c.lb = &roundRobin{}
	bank, err := banksim.New(banksim.Config{WebhookURL: "http://nodes/webhooks/bank", Secret: env.Config.BankWebhookSecret,
		APIKey: env.Config.BankAPIKey, Prefix: "/bank", Log: ptest.Quiet, Client: &http.Client{Transport: c.lb, Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	c.bank = bank
	bankAPI := httptest.NewServer(bank.Handler())
	t.Cleanup(bankAPI.Close)
	ctx, cancel := context.WithCancel(context.Background())
	for _, p := range c.nodes {
		srv := httptest.NewServer(web.New((&ptest.Env{T: t, Ctx: ctx, Platform: p}).WebDeps()).Echo)
		c.urls = append(c.urls, srv.URL)
		u, _ := url.Parse(srv.URL)
		c.lb.nodes = append(c.lb.nodes, u)
		api := bankbridge.NewBank(bankAPI.URL+"/bank", env.Config.BankAPIKey, nil)
		p.Payouts.Bank, p.Recon.Bank = api, api
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, c2 := context.WithTimeout(context.Background(), 10*time.Second)
			defer c2()
			_ = p.Stop(sctx)
			srv.Close()
		})
	}
	t.Cleanup(cancel)
	return c
}

// api calls node n's JSON API.
func (c *cluster) api(n int, method, path, token, key string, body any) (int, map[string]any) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.urls[n%len(c.urls)]+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Error(err)
		return 0, nil
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (c *cluster) token(n int, login string) string {
	code, body := c.api(n, "POST", "/api/v1/auth/token", "", "", map[string]string{"login": login, "password": ptest.Password})
	if code != 200 {
		c.t.Fatalf("token for %s on node %d: %d %v", login, n, code, body)
	}
	return body["token"].(string)
}

// TestThreeNodesOneDatabase drives trades through three nodes at once: each
// step of a trade on another node than the one before, the bank's callbacks
// spread over all three (duplicates delivered to two nodes at the same
// moment), half the receipts confirmed by the buyer and half by the timer,
// whose jobs every node's River client could run. Every yuan ends where it
// must, once.
func TestThreeNodesOneDatabase(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	e := c.env
	const trades = 12
	l := e.Listing("88.80", trades)
	buyerTok, sellerTok := c.token(0, e.Buyer.Login), c.token(1, e.Seller.Login)

	bank, lb := c.bank, c.lb
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go bank.Run(ctx)

	ids := make([]int64, trades)
	var wg sync.WaitGroup
	for i := range trades {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, o := c.api(i, "POST", "/api/v1/orders", buyerTok, fmt.Sprintf("co-%d", i), map[string]any{"listing_id": l.ID, "quantity": 1,
				"consignee": map[string]string{"name": "张伟", "phone": "13800138000", "address": "菏泽市中华路 1 号"}})
			if code != 201 {
				t.Errorf("checkout %d on node %d: %d %v", i, i%3, code, o)
				return
			}
			id := int64(o["id"].(float64))
			ids[i] = id
			bank.Transfer(banksim.TransferInput{Account: "6222020200112233", Name: "张伟", Memo: o["pay_reference"].(string),
				Amount: models.MustParseMoney("88.80"), Faults: banksim.Faults{Duplicate: i%2 == 0}})
			path := fmt.Sprintf("/api/v1/orders/%d", id)
			deadline := time.Now().Add(60 * time.Second)
			for {
				if _, got := c.api(i+1, "GET", path, buyerTok, "", nil); got["state"] == "paid" {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("order %d not paid", id)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			if code, got := c.api(i+2, "POST", path+"/ship", sellerTok, "", map[string]string{"carrier": "SF", "tracking_no": fmt.Sprintf("SF12345678%05d", i)}); code != 200 {
				t.Errorf("ship %d: %d %v", id, code, got)
				return
			}
			if i%2 == 1 {
				if code, got := c.api(i+3, "POST", path+"/confirm", buyerTok, fmt.Sprintf("cf-%d", i), map[string]string{"pay_password": ptest.PIN}); code != 200 || got["state"] != "completed" {
					t.Errorf("confirm %d: %d %v", id, code, got)
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// The receipts nobody confirmed: their time comes, on whichever node.
	for i, id := range ids {
		if i%2 == 1 {
			continue
		}
		o := e.Order(id)
		if o.State != models.Shipped || o.TimerJobID == nil {
			t.Fatalf("order %d: %s, timer %v", id, o.State, o.TimerJobID)
		}
		if d := o.TimerAt.Sub(e.Clock.Now()) + time.Second; d > 0 {
			e.Clock.Advance(d)
		}
		if err := e.DB.Exec(`UPDATE river_job SET scheduled_at = now() - interval '1 second', state = 'available'
			WHERE id = ? AND state = 'scheduled'`, *o.TimerJobID).Error; err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for e.Count("SELECT count(*) FROM orders WHERE state = 'completed'") != trades {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d orders completed", e.Count("SELECT count(*) FROM orders WHERE state = 'completed'"), trades)
		}
		time.Sleep(50 * time.Millisecond)
	}
	bank.Flush(ctx)

	// Each credit booked once (a duplicate on a second node found the first),
	// each release once, every timer once.
	if n := e.Count("SELECT count(*) FROM bank_credits"); n != trades {
		t.Errorf("%d bank credits for %d transfers", n, trades)
	}
	if n := e.Count("SELECT count(*) FROM bank_events WHERE type = 'transfer.received' AND status = 'processed'"); n != trades {
		t.Errorf("%d bank callbacks processed for %d transfers", n, trades)
	}
	if n := e.Count(`SELECT count(*) FROM order_events WHERE kind = 'order.auto_confirm'`); n != trades/2 {
		t.Errorf("%d automatic confirmations, want %d", n, trades/2)
	}
	var fees, released models.Money
	if err := e.DB.Raw("SELECT coalesce(sum(fee), 0), coalesce(sum(released), 0) FROM orders").Row().Scan(&fees, &released); err != nil {
		t.Fatal(err)
	}
	want := models.Zero
	for range trades {
		want = want.Add(models.MustParseMoney("88.80"))
	}
	if !released.Equal(want) || !fees.IsPositive() {
		t.Errorf("released %s (fees %s), want %s", released, fees, want)
	}
	seller := models.MustParseMoney(e.Balance(models.SellerPendingAccount(e.Seller.ID))).Add(models.MustParseMoney(e.Balance(models.SellerAvailableAccount(e.Seller.ID))))
	if !seller.Equal(released.Sub(fees)) {
		t.Errorf("seller holds %s, released %s less fees %s", seller, released, fees)
	}
	if got := e.Balance("revenue:fees"); got != fees.String() {
		t.Errorf("fees account %s, fees %s", got, fees)
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)); got != "0.00" {
		t.Errorf("the buyer's wallet holds %s: a payment was booked twice", got)
	}
	for _, id := range ids {
		if got := e.Balance(models.EscrowAccount(id)); got != "0.00" {
			t.Errorf("escrow of order %d holds %s", id, got)
		}
	}
	for i := range lb.hits {
		if lb.hits[i].Load() == 0 {
			t.Errorf("node %d received no bank callback", i)
		}
	}
	// One leader among the three River clients; no job failed.
	if n := e.Count("SELECT count(*) FROM river_leader"); n != 1 {
		t.Errorf("%d River leaders", n)
	}
	if n := e.Count("SELECT count(*) FROM river_job WHERE state IN ('retryable', 'discarded') OR errors <> '{}'"); n != 0 {
		var errs []string
		e.DB.Raw("SELECT kind || ': ' || errors::text FROM river_job WHERE errors <> '{}' LIMIT 5").Scan(&errs)
		t.Errorf("%d jobs failed: %v", n, errs)
	}
}
