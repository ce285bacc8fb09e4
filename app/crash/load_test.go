package crash_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lineescrow/app/config"
	"lineescrow/app/store"
	"lineescrow/bankbridge/banksim"
	"lineescrow/models"
)

func init() {
	// The bank's retries, on a schedule a test can wait for: the contract's
	// is minutes to hours apart.
	banksim.Schedule = nil
	for i := 0; i < 40; i++ {
		banksim.Schedule = append(banksim.Schedule, 250*time.Millisecond+time.Duration(i%4)*250*time.Millisecond)
	}
}

// bank is the bank simulator, outside the platform's process (so that it
// survives the platform's crash and keeps its record), wired as the demo
// wires it: its callbacks to /webhooks/bank, its payouts API the platform's
// BANK_API_URL.
type bank struct {
	*banksim.Sim
	API string
}

func newBank(t *testing.T, base string) *bank {
	t.Helper()
	sim, err := banksim.New(banksim.Config{WebhookURL: base + "/webhooks/bank", Secret: config.DemoBankWebhookSecret,
		APIKey: config.DemoBankAPIKey, Prefix: "/sim/bank", Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	go sim.Run(ctx)
	t.Cleanup(func() { cancel(); ts.Close() })
	return &bank{Sim: sim, API: ts.URL + "/sim/bank"}
}

// settled reports whether the bank has nothing left to deliver and every
// payout was executed.
func (b *bank) settled() string {
	for _, d := range b.Deliveries() {
		if d[2] != "delivered" {
			return fmt.Sprintf("callback %s %s is %s after %s attempts (%s)", d[0], d[1], d[2], d[3], d[4])
		}
	}
	for _, p := range b.Payouts() {
		if p.Status == "accepted" {
			return "payout " + p.PayoutID + " not executed yet"
		}
	}
	return ""
}

// trader drives trades through the API, retrying each request with its key
// while the platform is down, as a client that lost its answer must.
type trader struct {
	t              *testing.T
	buyer, seller  *client
	buyerPay       string
	sellerPay      string
	bank           *bank
	payer          string // the buyer's bank account
	steps          *atomic.Int64
	deadline       time.Time
	mu             sync.Mutex
	lost           []string // requests whose key was carried out or still held: answer unknown
	confirmedOrder []int64
}

// call sends one request with its key until it gets an answer that is not
// a server error or no answer at all.
func (tr *trader) call(c *client, method, path, key string, body any) answer {
	for {
		a := c.do(method, path, key, body)
		if a.Err == nil && a.Status < 500 {
			return a
		}
		if time.Now().After(tr.deadline) {
			tr.t.Errorf("%s %s: no answer before the deadline: %d %s %v", method, path, a.Status, a.Body, a.Err)
			return a
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unknown records a request whose outcome the client cannot know (a
// conflict on its key after a crash).
func (tr *trader) unknown(what string, a answer) bool {
	if a.Status == 409 && strings.Contains(string(a.Body), "Idempotency-Key") {
		tr.mu.Lock()
		tr.lost = append(tr.lost, what+": "+string(a.Body))
		tr.mu.Unlock()
		return true
	}
	return false
}

type order struct {
	ID           int64        `json:"id"`
	State        string       `json:"state"`
	Amount       models.Money `json:"amount"`
	PayReference string       `json:"pay_reference"`
}

func (tr *trader) checkout(listing int64, key string) *order {
	a := tr.call(tr.buyer, "POST", "/orders", key, map[string]any{"listing_id": listing, "quantity": 1,
		"consignee": map[string]string{"name": "张伟", "phone": "13800138000", "address": "山东省菏泽市牡丹区中华路 100 号"}})
	if tr.unknown("checkout "+key, a) {
		return nil
	}
	var o order
	if a.Status != 201 || a.decode(&o) != nil {
		tr.t.Errorf("checkout %s: %d %s", key, a.Status, a.Body)
		return nil
	}
	tr.steps.Add(1)
	return &o
}

func (tr *trader) state(id int64) string {
	a := tr.call(tr.buyer, "GET", fmt.Sprintf("/orders/%d", id), "", nil)
	var o order
	_ = a.decode(&o)
	return o.State
}

// waitState polls the order until it is in state.
func (tr *trader) waitState(id int64, state string) bool {
	for {
		if s := tr.state(id); s == state {
			return true
		} else if time.Now().After(tr.deadline) {
			tr.t.Errorf("order %d is %s, not %s, at the deadline", id, s, state)
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pay sends the money by phone banking, with the bank's faults.
func (tr *trader) pay(o *order, i int) {
	tr.bank.Transfer(banksim.TransferInput{Account: tr.payer, Name: "张伟", Memo: o.PayReference, Amount: o.Amount,
		Faults: banksim.Faults{Duplicate: i%2 == 0, BadSignature: i%3 == 0}})
}

func (tr *trader) ship(id int64) bool {
	a := tr.call(tr.seller, "POST", fmt.Sprintf("/orders/%d/ship", id), "", map[string]string{"carrier": "SF", "tracking_no": fmt.Sprintf("SF%013d", id)})
	if a.Status == 200 {
		tr.steps.Add(1)
		return true
	}
	// A ship whose answer was lost: the order says.
	return tr.state(id) == "shipped" || tr.fail("ship %d: %d %s", id, a.Status, a.Body)
}

func (tr *trader) confirm(id int64, key string) {
	for attempt := 0; ; attempt++ {
		a := tr.call(tr.buyer, "POST", fmt.Sprintf("/orders/%d/confirm", id), fmt.Sprintf("%s-%d", key, attempt), map[string]string{"pay_password": tr.buyerPay})
		if a.Status == 200 {
			tr.steps.Add(1)
			tr.mu.Lock()
			tr.confirmedOrder = append(tr.confirmedOrder, id)
			tr.mu.Unlock()
			return
		}
		if !tr.unknown(fmt.Sprintf("confirm %d", id), a) {
			tr.fail("confirm %d: %d %s", id, a.Status, a.Body)
			return
		}
		// The answer was lost: the order says whether it was carried out;
		// if not, confirm again with a new key.
		if tr.state(id) == "completed" {
			return
		}
		if time.Now().After(tr.deadline) {
			tr.fail("confirm %d never carried out", id)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (tr *trader) withdraw(key, amount string) {
	a := tr.call(tr.seller, "POST", "/payouts", key, map[string]string{"amount": amount, "pay_password": tr.sellerPay})
	if a.Status == 201 {
		tr.steps.Add(1)
		return
	}
	if !tr.unknown("withdraw "+key, a) {
		tr.fail("withdraw %s: %d %s", key, a.Status, a.Body)
	}
}

func (tr *trader) fail(format string, args ...any) bool {
	tr.t.Errorf(format, args...)
	return false
}

// trade is one order from checkout to confirmation.
func (tr *trader) trade(listing int64, i int, prefix string) {
	o := tr.checkout(listing, fmt.Sprintf("%s-checkout-%d", prefix, i))
	if o == nil {
		return
	}
	tr.pay(o, i)
	if !tr.waitState(o.ID, "paid") || !tr.ship(o.ID) {
		return
	}
	tr.confirm(o.ID, fmt.Sprintf("%s-confirm-%d", prefix, i))
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// books are the figures the assertions compare, read from the database.
type books struct{ db *store.DB }

// collectionBy sums, per bank account, what the ledger booked on
// bank:collection for the bank's credits from it (payer) or its payouts to
// it (beneficiary, negative).
func (b books) collection(ctx context.Context, since time.Time) (map[string]models.Money, error) {
	var rows []struct {
		Account string
		Net     models.Money
	}
	err := b.db.WithContext(ctx).Raw(`
		WITH coll AS (SELECT id FROM ledger_accounts WHERE code = ?),
		moves AS (
			SELECT c.payer_account AS account, p.direction, p.amount
			FROM bank_credits c
			JOIN ledger_transfers t ON t.idempotency_key = 'bank:credit:' || c.bank_txn_id OR t.idempotency_key LIKE 'bank:credit:' || c.bank_txn_id || ':%'
			JOIN ledger_postings p ON p.transfer_id = t.id AND p.account_id = (SELECT id FROM coll)
			UNION ALL
			SELECT po.beneficiary_account, p.direction, p.amount
			FROM payouts po
			JOIN ledger_transfers t ON t.ref = 'payout:' || po.id
			JOIN ledger_postings p ON p.transfer_id = t.id AND p.account_id = (SELECT id FROM coll)
			WHERE po.created_at >= ?)
		SELECT account, sum(CASE direction WHEN 'debit' THEN amount ELSE -amount END) AS net FROM moves GROUP BY account`,
		models.AccBankCollection, since).Scan(&rows).Error
	out := map[string]models.Money{}
	for _, r := range rows {
		out[r.Account] = r.Net
	}
	return out, err
}
