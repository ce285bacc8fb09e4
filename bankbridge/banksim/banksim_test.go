package banksim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/app/config"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

const secret = config.DemoBankWebhookSecret

// receiver is a platform stand-in that verifies signatures and records events.
type receiver struct {
	mu     sync.Mutex
	events []bankbridge.Event
	status int // answer to valid deliveries
	bad    int // deliveries with a bad signature
	now    func() time.Time
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	key, _ := config.WebhookKey(secret)
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := bankbridge.Verify(key, req.Header, body, r.now()); err != nil {
		r.bad++
		w.WriteHeader(401)
		return
	}
	var e bankbridge.Event
	_ = json.Unmarshal(body, &e)
	r.events = append(r.events, e)
	if r.status == 0 {
		r.status = 200
	}
	w.WriteHeader(r.status)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func setup(t *testing.T) (*Sim, *receiver, *clock) {
	t.Helper()
	now := time.Now().UTC()
	clk := &clock{t: time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, time.UTC)}
	rcv := &receiver{now: clk.Now}
	ts := httptest.NewServer(rcv)
	t.Cleanup(ts.Close)
	sim, err := New(Config{WebhookURL: ts.URL, Secret: secret, APIKey: "k-123", Prefix: "/sim/bank", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return sim, rcv, clk
}

func TestDeliveryAndFaults(t *testing.T) {
	sim, rcv, clk := setup(t)
	ctx := context.Background()
	m := models.MustParseMoney

	sim.Transfer(TransferInput{Account: "6222020200112233", Name: "张伟", Memo: "123 456 789", Amount: m("259.00")})
	sim.Flush(ctx)
	if len(rcv.events) != 1 || rcv.events[0].Type != bankbridge.TransferReceived {
		t.Fatalf("events %+v", rcv.events)
	}

	// A bad signature first: refused, then retried 5 s later with the right one.
	sim.Transfer(TransferInput{Account: "1", Name: "x", Amount: m("1.00"), Faults: Faults{BadSignature: true}})
	sim.Flush(ctx)
	if rcv.bad != 1 || len(rcv.events) != 1 {
		t.Fatalf("bad signature: bad=%d events=%d", rcv.bad, len(rcv.events))
	}
	clk.Add(4 * time.Second)
	sim.Flush(ctx)
	if len(rcv.events) != 1 {
		t.Fatal("retried before 5 s")
	}
	clk.Add(time.Second)
	sim.Flush(ctx)
	if len(rcv.events) != 2 {
		t.Fatal("not retried after 5 s")
	}

	// Duplicate: two copies of one event id at once.
	sim.Transfer(TransferInput{Account: "1", Name: "x", Amount: m("2.00"), Faults: Faults{Duplicate: true}})
	sim.Flush(ctx)
	if len(rcv.events) != 4 || rcv.events[2].ID != rcv.events[3].ID {
		t.Fatalf("duplicate: %d events", len(rcv.events))
	}

	// Reorder: held until the next event, which goes first.
	held := sim.Transfer(TransferInput{Account: "1", Name: "x", Amount: m("3.00"), Faults: Faults{Reorder: true}})
	sim.Flush(ctx)
	if len(rcv.events) != 4 {
		t.Fatal("held event delivered")
	}
	if err := sim.Reverse(held.TxnID, "fraud", Faults{}); err != nil {
		t.Fatal(err)
	}
	sim.Flush(ctx)
	clk.Add(time.Second)
	sim.Flush(ctx)
	if len(rcv.events) != 6 || rcv.events[4].Type != bankbridge.TransferReversed || rcv.events[5].Type != bankbridge.TransferReceived {
		t.Fatalf("reorder: %+v", rcv.events[4:])
	}

	// A platform that keeps failing: retried on the contract's schedule, then dropped.
	rcv.mu.Lock()
	rcv.status = 503
	rcv.mu.Unlock()
	sim.Transfer(TransferInput{Account: "1", Name: "x", Amount: m("4.00")})
	sim.Flush(ctx)
	for _, d := range Schedule {
		clk.Add(d)
		sim.Flush(ctx)
	}
	last := sim.Deliveries()[0]
	if last[2] != "dropped" || last[3] != "9" {
		t.Fatalf("after the schedule: %v", last)
	}
	// Dropped or not, every credit and reversal is on the day's statement.
	st := sim.Statement(sim.Credits()[0].At)
	lines := st["lines"].([]Line)
	if len(lines) != 6 || st["closing_balance"].(models.Money).String() != "266.00" {
		t.Fatalf("statement: %d lines, closing %v", len(lines), st["closing_balance"])
	}
}

func TestPayoutsAPI(t *testing.T) {
	sim, rcv, _ := setup(t)
	h := sim.Handler()
	call := func(key, auth string, body string) (int, string) {
		req := httptest.NewRequest("POST", "/sim/bank/v1/payouts", strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	good := `{"payout_id":"po_1","amount":"120.00","currency":"CNY","beneficiary_account":"6217000011112222","beneficiary_name":"菏泽某商贸有限公司","memo":"x"}`
	if code, _ := call("k1", "Bearer wrong", good); code != 401 {
		t.Fatalf("bad key: %d", code)
	}
	if code, _ := call("", "Bearer k-123", good); code != 400 {
		t.Fatalf("no idempotency key: %d", code)
	}
	code, first := call("k1", "Bearer k-123", good)
	if code != 202 || !strings.Contains(first, `"accepted"`) {
		t.Fatalf("payout: %d %s", code, first)
	}
	if code, again := call("k1", "Bearer k-123", good); code != 202 || again != first {
		t.Fatalf("replay: %d %s", code, again)
	}
	if code, _ := call("k1", "Bearer k-123", strings.Replace(good, "120.00", "121.00", 1)); code != 409 {
		t.Fatalf("same key, other body: %d", code)
	}
	if code, body := call("k2", "Bearer k-123", strings.Replace(good, "6217000011112222", "62x", 1)); code != 422 || !strings.Contains(body, "invalid_account") {
		t.Fatalf("bad account: %d %s", code, body)
	}
	if code, body := call("k3", "Bearer k-123", strings.Replace(good, `"120.00"`, `"0.00"`, 1)); code != 422 || !strings.Contains(body, "amount_out_of_range") {
		t.Fatalf("zero amount: %d %s", code, body)
	}
	// The result arrives as a callback a moment later.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		sim.Flush(context.Background())
		rcv.mu.Lock()
		n := len(rcv.events)
		rcv.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(rcv.events) != 1 || rcv.events[0].Type != bankbridge.PayoutSucceeded {
		t.Fatalf("payout callback: %+v", rcv.events)
	}
	req := httptest.NewRequest("GET", "/sim/bank/v1/statements/"+time.Now().UTC().Format("2006-01-02"), nil)
	req.Header.Set("Authorization", "Bearer k-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"direction":"debit"`)) {
		t.Fatalf("statement: %d %s", rec.Code, rec.Body)
	}
}
