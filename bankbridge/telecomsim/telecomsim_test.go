package telecomsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"lineescrow/app/config"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/deliver"
	"lineescrow/models"
	"lineescrow/views"
)

const (
	secret = config.DemoTelecomWebhookSecret
	apiKey = "tel-key-0123456789"
)

var m = models.MustParseMoney

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// receiver is a platform stand-in: it verifies each delivery's signature
// against the raw body, parses it strictly, and answers from a script.
type receiver struct {
	mu      sync.Mutex
	now     func() time.Time
	answers []int // answers to the next valid deliveries; then 200
	events  []bankbridge.Event
	bad     int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	key, _ := config.WebhookKey(secret)
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := bankbridge.Verify(key, req.Header, body, r.now()); err != nil {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	e, err := bankbridge.ParseTelecom(body)
	if err != nil || !bankbridge.KnownTelecom(e.Type) {
		r.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	status := 200
	if len(r.answers) > 0 {
		status, r.answers = r.answers[0], r.answers[1:]
	}
	if status < 300 {
		r.events = append(r.events, *e)
	}
	w.WriteHeader(status)
}

// got returns the events delivered so far, of type typ ("" for all).
func (r *receiver) got(typ string) []bankbridge.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bankbridge.Event
	for _, e := range r.events {
		if typ == "" || e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

type fakeBank struct {
	mu  sync.Mutex
	got []banksim.TransferInput
}

func (b *fakeBank) Transfer(in banksim.TransferInput) *banksim.Credit {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, in)
	return &banksim.Credit{TxnID: fmt.Sprintf("B%d", len(b.got)), Amount: in.Amount, Memo: in.Memo, Account: in.Account, Name: in.Name}
}

type env struct {
	sim  *Sim
	rcv  *receiver
	clk  *clock
	bank *fakeBank
	h    http.Handler
	tc   *bankbridge.Telecom // the platform's client, against the simulator over HTTP
}

// 2026-11-29 16:15 in Shanghai: charges go on the bill of cycle 2026-12.
var start = time.Date(2026, 11, 29, 8, 15, 0, 0, time.UTC)

func setup(t *testing.T) *env {
	t.Helper()
	clk := &clock{t: start}
	rcv := &receiver{now: clk.Now}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	bank := &fakeBank{}
	sim, err := New(Config{WebhookURL: hook.URL, Secret: secret, APIKey: apiKey, Prefix: "/sim/telecom/", Now: clk.Now, Bank: bank})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sim.Handler())
	t.Cleanup(api.Close)
	tc := bankbridge.NewTelecom(api.URL+"/sim/telecom", apiKey, &http.Client{Timeout: 300 * time.Millisecond})
	return &env{sim: sim, rcv: rcv, clk: clk, bank: bank, h: sim.Handler(), tc: tc}
}

// call sends one raw API request; key "" sends none.
func (e *env) call(method, path, key, body string) (int, string) {
	req := httptest.NewRequest(method, "/sim/telecom"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

func (e *env) charge(t *testing.T, id, phone, amount string) (*bankbridge.ChargeAccepted, error) {
	t.Helper()
	return e.tc.Charge(context.Background(), bankbridge.ChargeRequest{ChargeID: id, Phone: phone, Amount: m(amount), MerchantName: "菏泽牡丹特产店", Description: "牡丹花茶"})
}

func (e *env) mustCharge(t *testing.T, id, phone, amount string) *bankbridge.ChargeAccepted {
	t.Helper()
	a, err := e.charge(t, id, phone, amount)
	if err != nil {
		t.Fatalf("charge %s: %v", id, err)
	}
	return a
}

func refusal(err error) string {
	var r *bankbridge.ChargeRefused
	if errors.As(err, &r) {
		return r.Code
	}
	return fmt.Sprint(err)
}

func TestDemoDirectory(t *testing.T) {
	subs := DemoSubscribers()
	classes := map[string]bool{}
	var short, long, suspended, closed, arrears bool
	seen := map[string]bool{}
	for _, s := range subs {
		if seen[s.Phone] || len(s.Phone) != 11 || strings.Trim(s.Phone, "0123456789") != "" || !strings.HasPrefix(s.Phone, "0530") {
			t.Errorf("%s: not a unique Heze landline in digits", s.Phone)
		}
		seen[s.Phone] = true
		if len(s.IDNumber) != 18 || !strings.HasPrefix(s.Holder, s.Family) || s.BillingDay < 1 || s.BillingDay > 28 || s.Label == "" {
			t.Errorf("%s: malformed %+v", s.Phone, s)
		}
		classes[s.Class] = true
		short = short || (s.TenureMonths < 6 && s.Status == "active")
		long = long || s.TenureMonths >= 6
		suspended = suspended || s.Status == "suspended"
		closed = closed || s.Status == "closed"
		arrears = arrears || s.InArrears
	}
	if len(classes) != 4 || !short || !long || !suspended || !closed || !arrears {
		t.Fatalf("missing kinds: classes %v short %v long %v suspended %v closed %v arrears %v", classes, short, long, suspended, closed, arrears)
	}
	if subs[0].Phone != LineSeller || subs[0].IDLast6() != "12345X" || subs[0].Holder != "王建国" {
		t.Fatalf("the contract's example: %+v", subs[0])
	}
	if Display(LineSeller) != "0530-5551234" || Display("01088886666") != "010-88886666" {
		t.Fatalf("display: %s %s", Display(LineSeller), Display("01088886666"))
	}
	cards := DemoCards()
	for _, c := range cards {
		if len(c.Number) != 16 || len(c.PIN) != 8 || strings.Trim(c.Number+c.PIN, "0123456789") != "" {
			t.Errorf("card %s: malformed", c.Number)
		}
	}
}

func TestAuthAndIdempotencyKey(t *testing.T) {
	e := setup(t)
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + apiKey + "x", apiKey} {
		req := httptest.NewRequest("POST", "/sim/telecom/v1/subscribers/lookup", strings.NewReader(`{"phone":"05305551234"}`))
		req.Header.Set("Idempotency-Key", "k")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != 401 {
			t.Errorf("auth %q: %d", auth, rec.Code)
		}
	}
	req := httptest.NewRequest("GET", "/sim/telecom/v1/cycles/2026-12/settlement", nil)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("GET without a key: %d", rec.Code)
	}
	for _, path := range []string{"/v1/subscribers/lookup", "/v1/subscribers/verify-holder", "/v1/verification-calls", "/v1/charges", "/v1/charges/x/cancel", "/v1/bill-credits", "/v1/cards/redeem"} {
		if code, body := e.call("POST", path, "", `{}`); code != 400 || !strings.Contains(body, "idempotency_key_required") {
			t.Errorf("%s without Idempotency-Key: %d %s", path, code, body)
		}
	}
}

func TestLookup(t *testing.T) {
	e := setup(t)
	code, body := e.call("POST", "/v1/subscribers/lookup", "k1", `{"phone": "0530-5551234"}`)
	if code != 200 || body != `{"phone":"05305551234","status":"active","holder_name":"王*","tenure_months":73,"in_arrears":false,"billing_day":1,"credit_class":"A"}` {
		t.Fatalf("lookup: %d %s", code, body)
	}
	if code, body := e.call("POST", "/v1/subscribers/lookup", "k2", `{"phone":"0530-5559999"}`); code != 404 {
		t.Fatalf("unknown: %d %s", code, body)
	}
	if code, _ := e.call("POST", "/v1/subscribers/lookup", "k3", `{"phone":"call me"}`); code != 400 {
		t.Fatalf("not a number: %d", code)
	}
	ctx := context.Background()
	want := map[string]string{LineCompound: "欧阳* active false B", LineSuspended: "周* suspended false B", LineClosed: "吴* closed false A",
		LineInArrears: "孙* active true C", LineNewA: "杨* active false A"}
	for phone, w := range want {
		s, err := e.tc.Lookup(ctx, Display(phone))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%s %s %v %s", s.HolderName, s.Status, s.InArrears, s.CreditClass); got != w || s.Phone != phone {
			t.Errorf("%s: %s %s", phone, s.Phone, got)
		}
	}
	if _, err := e.tc.Lookup(ctx, "0530-5559999"); !errors.Is(err, bankbridge.ErrUnknownSubscriber) {
		t.Fatalf("client, unknown: %v", err)
	}
}

func TestHolderCheckFiveTriesADay(t *testing.T) {
	e := setup(t)
	ask := func(key, phone, name, id string) (int, string) {
		return e.call("POST", "/v1/subscribers/verify-holder", key, fmt.Sprintf(`{"phone":%q,"holder_name":%q,"id_last6":%q}`, phone, name, id))
	}
	if code, body := ask("t1", "0530-5551234", "王建国", "12345x"); code != 200 || body != `{"match":true}` {
		t.Fatalf("right answer: %d %s", code, body)
	}
	for i, q := range [][2]string{{"王建国", "123456"}, {"王建", "12345X"}, {"王*", "12345X"}, {"王建国", ""}} {
		if code, body := ask(fmt.Sprintf("t%d", i+2), LineSeller, q[0], q[1]); code != 200 || body != `{"match":false}` {
			t.Fatalf("wrong answer %v: %d %s", q, code, body)
		}
	}
	// The right answer did not reset the count: the sixth try is refused, right or not.
	if code, body := ask("t6", LineSeller, "王建国", "12345X"); code != 429 {
		t.Fatalf("sixth try: %d %s", code, body)
	}
	if _, err := e.tc.VerifyHolder(context.Background(), LineSeller, "王建国", "12345X"); !errors.Is(err, bankbridge.ErrTooManyTries) {
		t.Fatalf("client, sixth try: %v", err)
	}
	// A repeated key answers the first answer, without counting.
	if code, body := ask("t1", "0530-5551234", "王建国", "12345x"); code != 200 || body != `{"match":true}` {
		t.Fatalf("replay: %d %s", code, body)
	}
	// Other numbers have their own count; an unknown number never matches.
	if ok, err := e.tc.VerifyHolder(context.Background(), LineBuyer, "张伟", "152316"); err != nil || !ok {
		t.Fatalf("another number: %v %v", ok, err)
	}
	if code, body := ask("u1", "0530-5559999", "王建国", "12345X"); code != 200 || body != `{"match":false}` {
		t.Fatalf("unknown number: %d %s", code, body)
	}
	if l := e.sim.Lines()[0]; l.ChecksToday != 5 {
		t.Fatalf("checks today: %d", l.ChecksToday)
	}
	// Still the same day in Shanghai at 23:59; a new day at 00:00.
	e.clk.Set(time.Date(2026, 11, 29, 15, 59, 0, 0, time.UTC))
	if code, _ := ask("t7", LineSeller, "王建国", "12345X"); code != 429 {
		t.Fatalf("23:59 in Shanghai: %d", code)
	}
	e.clk.Set(time.Date(2026, 11, 29, 16, 0, 0, 0, time.UTC))
	if code, body := ask("t8", LineSeller, "王建国", "12345X"); code != 200 || body != `{"match":true}` {
		t.Fatalf("next day: %d %s", code, body)
	}
}

func TestVerificationCall(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	id, err := e.tc.VerificationCall(ctx, "0530-5552001", "4821")
	if err != nil || !strings.HasPrefix(id, "CALL20261129") {
		t.Fatalf("call: %q %v", id, err)
	}
	if got := e.sim.LastCode(LineBuyer); got != "4821" {
		t.Fatalf("code read to the line: %q", got)
	}
	if _, err := e.tc.VerificationCall(ctx, LineBuyer, "7730"); err != nil || e.sim.LastCode("0530-5552001") != "7730" {
		t.Fatalf("second call: %v %q", err, e.sim.LastCode(LineBuyer))
	}
	if _, err := e.tc.VerificationCall(ctx, "0530-5559999", "7730"); !errors.Is(err, bankbridge.ErrUnknownSubscriber) {
		t.Fatalf("unknown: %v", err)
	}
	if code, body := e.call("POST", "/v1/verification-calls", "v1", `{"phone":"05305552001","code":"48x1"}`); code != 400 {
		t.Fatalf("not a code: %d %s", code, body)
	}
	if code, body := e.call("POST", "/v1/verification-calls", "v2", `{"phone":"05305552001","code":"5555"}`); code != 202 || !strings.HasPrefix(body, `{"call_id":"CALL`) {
		t.Fatalf("raw: %d %s", code, body)
	}
}

func TestChargesAndTheLineLimit(t *testing.T) {
	e := setup(t)
	code, body := e.call("POST", "/v1/charges", "ch_1", `{"charge_id":"ch_1","phone":"0530-5552001","amount":"259.00","merchant_name":"菏泽牡丹特产店","description":"牡丹花茶 x1"}`)
	if code != 201 || body != `{"charge_id":"ch_1","work_order_id":"WO2026112900001","status":"accepted","bill_cycle":"2026-12"}` {
		t.Fatalf("charge: %d %s", code, body)
	}
	// 259.00 + 2000.00 + 741.00 is exactly the limit; a fen more is refused.
	e.mustCharge(t, "ch_2", LineBuyer, "2000.00")
	if _, err := e.charge(t, "ch_3", LineBuyer, "741.01"); refusal(err) != bankbridge.RefusedOverLineLimit {
		t.Fatalf("over the limit: %v", err)
	}
	e.mustCharge(t, "ch_4", LineBuyer, "741.00")
	if _, err := e.charge(t, "ch_5", LineBuyer, "0.01"); refusal(err) != bankbridge.RefusedOverLineLimit {
		t.Fatalf("at the limit: %v", err)
	}
	if _, err := e.charge(t, "ch_6", LineClassB, "3000.01"); refusal(err) != bankbridge.RefusedOverLineLimit {
		t.Fatalf("one charge over the limit: %v", err)
	}
	// A cancelled charge frees its room; other lines have their own limit.
	if err := e.tc.CancelCharge(context.Background(), "ch_2"); err != nil {
		t.Fatal(err)
	}
	e.mustCharge(t, "ch_7", LineBuyer, "2000.00")
	e.mustCharge(t, "ch_8", LineClassB, "3000.00")
	for phone, want := range map[string]string{LineSuspended: bankbridge.RefusedSuspended, LineClosed: bankbridge.RefusedSuspended,
		LineInArrears: bankbridge.RefusedInArrears, "0530-5559999": bankbridge.RefusedUnknownSubscriber} {
		if _, err := e.charge(t, "ch_"+phone, phone, "10.00"); refusal(err) != want {
			t.Errorf("%s: %v, want %s", phone, err, want)
		}
	}
	if code, body := e.call("POST", "/v1/charges", "bad1", `{"charge_id":"ch_n","phone":"05305552002","amount":259.00}`); code != 400 {
		t.Fatalf("a number as amount: %d %s", code, body)
	}
	if code, body := e.call("POST", "/v1/charges", "bad2", `{"charge_id":"ch_n","phone":"05305552002","amount":"0.00"}`); code != 400 {
		t.Fatalf("zero: %d %s", code, body)
	}

	// The next month's charges go on the next cycle, with a limit of its own.
	e.clk.Set(time.Date(2026, 11, 30, 15, 59, 59, 0, time.UTC)) // 23:59:59 on 30 November in Shanghai
	if _, err := e.charge(t, "ch_9", LineBuyer, "0.01"); refusal(err) != bankbridge.RefusedOverLineLimit {
		t.Fatalf("still November: %v", err)
	}
	e.clk.Set(time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)) // 1 December in Shanghai
	if a := e.mustCharge(t, "ch_10", LineBuyer, "3000.00"); a.BillCycle != "2027-01" {
		t.Fatalf("December: %+v", a)
	}
	e.clk.Set(time.Date(2027, 12, 5, 0, 0, 0, 0, time.UTC))
	if a := e.mustCharge(t, "ch_11", LineBuyer, "1.00"); a.BillCycle != "2028-01" {
		t.Fatalf("over the year: %+v", a)
	}
}

func TestIdempotency(t *testing.T) {
	e := setup(t)
	body := `{"charge_id":"ch_1","phone":"05305552001","amount":"259.00","merchant_name":"m","description":"d"}`
	code, first := e.call("POST", "/v1/charges", "ch_1", body)
	if code != 201 {
		t.Fatalf("charge: %d %s", code, first)
	}
	if code, again := e.call("POST", "/v1/charges", "ch_1", body); code != 201 || again != first {
		t.Fatalf("replay: %d %s", code, again)
	}
	if code, _ := e.call("POST", "/v1/charges", "ch_1", strings.Replace(body, "259.00", "260.00", 1)); code != 409 {
		t.Fatalf("same key, other body: %d", code)
	}
	if code, _ := e.call("POST", "/v1/bill-credits", "ch_1", body); code != 409 {
		t.Fatalf("same key, other path: %d", code)
	}
	if code, b := e.call("POST", "/v1/charges", "another-key", body); code != 409 || !strings.Contains(b, "charge_id_reused") {
		t.Fatalf("same charge, another key: %d %s", code, b)
	}
	if _, err := e.tc.Charge(context.Background(), bankbridge.ChargeRequest{ChargeID: "ch_1", Phone: LineBuyer, Amount: m("1.00")}); !errors.Is(err, bankbridge.ErrKeyReused) {
		t.Fatalf("client: %v", err)
	}
	if n := len(e.sim.Lines()[1].Charges); n != 1 {
		t.Fatalf("%d work orders", n)
	}

	// A call that times out after the front-end acted: the client's retry
	// with the same key gets the first answer, and there is one work order.
	e.sim.StallNext()
	a := e.mustCharge(t, "ch_2", LineBuyer, "100.00")
	if cs := e.sim.Lines()[1].Charges; len(cs) != 2 || cs[1].WorkOrderID != a.WorkOrderID {
		t.Fatalf("after the timeout: %+v", cs)
	}
	// The same with a redemption: the card is redeemed once.
	e.sim.StallNext()
	v, err := e.tc.RedeemCard(context.Background(), "rd_1", Card50, "41875203")
	if err != nil || v.String() != "50.00" {
		t.Fatalf("redeem after a timeout: %v %v", v, err)
	}
}

func TestCancelBeforeAndAfterBilling(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	e.mustCharge(t, "ch_a", LineBuyer, "100.00")
	e.mustCharge(t, "ch_b", LineBuyer, "200.00")
	if err := e.tc.CancelCharge(ctx, "ch_a"); err != nil {
		t.Fatalf("cancel while open: %v", err)
	}
	if err := e.tc.CancelCharge(ctx, "ch_a"); err != nil {
		t.Fatalf("cancel again: %v", err)
	}
	if code, body := e.call("POST", "/v1/charges/ch_a/cancel", "other-key", ""); code != 200 || body != `{"status":"cancelled"}` {
		t.Fatalf("raw cancel: %d %s", code, body)
	}
	if n, err := e.sim.CloseCycle("2026-12"); err != nil || n != 1 {
		t.Fatalf("close: %d %v", n, err)
	}
	if err := e.tc.CancelCharge(ctx, "ch_b"); !errors.Is(err, bankbridge.ErrAlreadyBilled) {
		t.Fatalf("cancel after billing: %v", err)
	}
	if code, body := e.call("POST", "/v1/charges/ch_b/cancel", "k2", ""); code != 409 || body != `{"error":"already_billed"}` {
		t.Fatalf("raw: %d %s", code, body)
	}
	if err := e.tc.CancelCharge(ctx, "ch_none"); !errors.Is(err, bankbridge.ErrUnknownCharge) {
		t.Fatalf("unknown: %v", err)
	}
	// The cycle is closed: a charge still made in November goes on the next bill.
	if a := e.mustCharge(t, "ch_c", LineBuyer, "10.00"); a.BillCycle != "2027-01" {
		t.Fatalf("after closing: %+v", a)
	}
	if _, err := e.sim.CloseCycle("2026-12"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("close twice: %v", err)
	}
	e.sim.Flush(ctx)
	if b := e.rcv.got(bankbridge.ChargeBilled); len(b) != 1 {
		t.Fatalf("billed callbacks: %d", len(b))
	}
}

func TestRechargeCardsOnce(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	refused := func(err error) string {
		var r *bankbridge.CardRefused
		if errors.As(err, &r) {
			return r.Code
		}
		return fmt.Sprint(err)
	}
	if v, err := e.tc.RedeemCard(ctx, "rd_1", Card100, "90317468"); err != nil || v.String() != "100.00" {
		t.Fatalf("redeem: %v %v", v, err)
	}
	code, body := e.call("POST", "/v1/cards/redeem", "rd_1", `{"card_no":"5301202600000102","card_pin":"90317468","redemption_id":"rd_1"}`)
	if code != 200 || body != `{"face_value":"100.00"}` {
		t.Fatalf("replay of the redemption: %d %s", code, body)
	}
	cases := []struct{ id, no, pin, want string }{
		{"rd_2", Card100, "90317468", bankbridge.CardAlreadyUsed},
		{"rd_3", Card100, "00000000", bankbridge.CardInvalid}, // a wrong PIN says nothing of the card
		{"rd_4", CardUsed, "58219034", bankbridge.CardAlreadyUsed},
		{"rd_5", CardExpired, "30948127", bankbridge.CardExpired},
		{"rd_6", CardExpired2, "61470395", bankbridge.CardExpired},
		{"rd_7", CardExpired, "30948128", bankbridge.CardInvalid},
		{"rd_8", "5301202600009999", "12345678", bankbridge.CardInvalid},
	}
	for _, c := range cases {
		if _, err := e.tc.RedeemCard(ctx, c.id, c.no, c.pin); refused(err) != c.want {
			t.Errorf("%s: %v, want %s", c.id, err, c.want)
		}
	}
	for _, c := range []struct{ no, pin, face string }{{Card50, "41875203", "50.00"}, {Card200, "26640981", "200.00"}, {Card100b, "73052816", "100.00"}} {
		if v, err := e.tc.RedeemCard(ctx, "rd_"+c.no, c.no, c.pin); err != nil || v.String() != c.face {
			t.Errorf("%s: %v %v", c.no, v, err)
		}
	}
	card, err := e.sim.IssueCard(m("200.00"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := e.tc.RedeemCard(ctx, "rd_new", card.Number, card.PIN); err != nil || v.String() != "200.00" {
		t.Fatalf("issued card: %v %v", v, err)
	}
	if _, err := e.tc.RedeemCard(ctx, "rd_new2", card.Number, card.PIN); refused(err) != bankbridge.CardAlreadyUsed {
		t.Fatalf("issued card twice: %v", err)
	}
	if _, err := e.sim.IssueCard(m("30.00")); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("a 30 card: %v", err)
	}
	// A card valid until its last day, in Shanghai.
	e.clk.Set(time.Date(2025, 12, 31, 15, 59, 0, 0, time.UTC))
	sim2, _ := New(Config{Secret: secret, APIKey: apiKey, Prefix: "/sim/telecom", Now: e.clk.Now})
	e.h = sim2.Handler()
	if code, body := e.call("POST", "/v1/cards/redeem", "x", `{"redemption_id":"x","card_no":"5301202500000106","card_pin":"30948127"}`); code != 200 {
		t.Fatalf("on its last day: %d %s", code, body)
	}
}

func TestCallbacksSignedRetriedAndInOrder(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	a := e.mustCharge(t, "ch_1", LineBuyer, "259.00")
	e.mustCharge(t, "ch_2", LineBuyer, "100.00")
	e.mustCharge(t, "ch_3", LineBuyer, "50.00")
	e.clk.Set(time.Date(2026, 12, 1, 0, 0, 5, 0, time.UTC))
	if _, err := e.sim.CloseCycle("2026-12"); err != nil {
		t.Fatal(err)
	}
	e.rcv.mu.Lock()
	e.rcv.answers = []int{500}
	e.rcv.mu.Unlock()
	e.sim.Flush(ctx)
	// The first was refused with a 500 and waits 5 s; the others went through.
	if got := e.rcv.got(""); len(got) != 2 {
		t.Fatalf("first flush: %d events", len(got))
	}
	ds := e.sim.Deliveries()
	if d := ds[len(ds)-1]; d.Status != "retrying" || d.Last != "500 Internal Server Error" || !d.Next.Equal(e.clk.Now().Add(deliver.Schedule[0])) {
		t.Fatalf("after the 500: %+v", d)
	}
	e.clk.Add(4 * time.Second)
	e.sim.Flush(ctx)
	if n := len(e.rcv.got("")); n != 2 {
		t.Fatal("retried before 5 s")
	}
	e.clk.Add(time.Second)
	e.sim.Flush(ctx)
	billed := e.rcv.got(bankbridge.ChargeBilled)
	if len(billed) != 3 || billed[2].ID != ds[len(ds)-1].ID {
		t.Fatalf("after 5 s: %d billed", len(billed))
	}
	var b bankbridge.Billed
	_ = json.Unmarshal(billed[2].Data, &b)
	if b.ChargeID != "ch_1" || b.WorkOrderID != a.WorkOrderID || b.BillCycle != "2026-12" || !b.BilledAt.Equal(time.Date(2026, 12, 1, 0, 0, 5, 0, time.UTC)) {
		t.Fatalf("charge.billed: %s", billed[2].Data)
	}

	e.clk.Add(24 * time.Hour)
	if err := e.sim.MarkPaid("ch_1"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.MarkOverdue("ch_2"); err != nil {
		t.Fatal(err)
	}
	e.sim.AdvanceTenDays()
	if err := e.sim.WriteOff("ch_3"); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush(ctx)
	var c bankbridge.Collected
	_ = json.Unmarshal(e.rcv.got(bankbridge.ChargeCollected)[0].Data, &c)
	if c.ChargeID != "ch_1" || c.WorkOrderID != a.WorkOrderID || !c.CollectedAt.Equal(e.clk.Now()) {
		t.Fatalf("charge.collected: %+v", c)
	}
	over := e.rcv.got(bankbridge.ChargeOverdue)
	if len(over) != 2 {
		t.Fatalf("%d overdue events", len(over))
	}
	var o1, o2 bankbridge.Overdue
	_ = json.Unmarshal(over[0].Data, &o1)
	_ = json.Unmarshal(over[1].Data, &o2)
	if o1.ChargeID != "ch_2" || o1.DaysOverdue != 1 || o1.LateFeeAccrued.String() != "0.30" || o2.DaysOverdue != 11 || o2.LateFeeAccrued.String() != "3.30" {
		t.Fatalf("charge.overdue: %s %s", over[0].Data, over[1].Data)
	}
	if w := e.rcv.got(bankbridge.ChargeWrittenOff); len(w) != 1 || !strings.Contains(string(w[0].Data), `"charge_id":"ch_3"`) {
		t.Fatalf("charge.written_off: %+v", w)
	}
	// An overdue bill puts the line in arrears: no more charges.
	if _, err := e.charge(t, "ch_4", LineBuyer, "1.00"); refusal(err) != bankbridge.RefusedInArrears {
		t.Fatalf("charge while overdue: %v", err)
	}
	if s, _ := e.tc.Lookup(ctx, LineBuyer); !s.InArrears {
		t.Fatal("lookup does not show the arrears")
	}
	// Controls refuse what the bill's state forbids.
	for name, err := range map[string]error{"pay twice": e.sim.MarkPaid("ch_1"), "overdue after paid": e.sim.MarkOverdue("ch_1"),
		"overdue twice": e.sim.MarkOverdue("ch_2"), "write off twice": e.sim.WriteOff("ch_3")} {
		if models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := e.sim.MarkPaid("nope"); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("unknown charge: %v", err)
	}
	e.rcv.mu.Lock()
	defer e.rcv.mu.Unlock()
	if e.rcv.bad != 0 {
		t.Fatalf("%d deliveries failed verification", e.rcv.bad)
	}
}

func TestSettlement(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	e.mustCharge(t, "c1", LineBuyer, "259.00") // paid
	e.mustCharge(t, "c2", LineBuyer, "100.00") // overdue 11 days, then paid with its late fee
	e.mustCharge(t, "c3", LineBuyer, "50.00")  // written off
	e.mustCharge(t, "c4", LineBuyer, "30.00")  // cancelled before the bill
	e.mustCharge(t, "c5", LineClassB, "40.00") // still unpaid when the cycle settles
	if err := e.tc.CancelCharge(ctx, "c4"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.SettleCycle("2026-12"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("settle before closing: %v", err)
	}
	if _, err := e.tc.Settlement(ctx, "2026-12"); !errors.Is(err, bankbridge.ErrNotSettled) {
		t.Fatalf("report before settling: %v", err)
	}
	e.clk.Set(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if _, err := e.sim.CloseCycle("2026-12"); err != nil {
		t.Fatal(err)
	}
	// In December: a bill credit on the paid charge goes on the January bill.
	e.clk.Set(time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC))
	cr, err := e.tc.BillCredit(ctx, bankbridge.BillCreditRequest{CreditID: "cr1", Phone: LineBuyer, Amount: m("30.00"), Reason: "partial refund", ChargeID: "c1"})
	if err != nil || cr.BillCycle != "2027-01" || cr.Status != "accepted" {
		t.Fatalf("credit: %+v %v", cr, err)
	}
	if _, err := e.tc.BillCredit(ctx, bankbridge.BillCreditRequest{CreditID: "cr2", Phone: LineBuyer, Amount: m("20.00"), Reason: "more", ChargeID: "c1"}); err != nil {
		t.Fatal(err)
	}
	creditRefusal := func(r bankbridge.BillCreditRequest) string {
		_, err := e.tc.BillCredit(ctx, r)
		var cr *bankbridge.CreditRefused
		if errors.As(err, &cr) {
			return cr.Code
		}
		return fmt.Sprint(err)
	}
	for want, r := range map[string]bankbridge.BillCreditRequest{
		"amount_over_charge": {CreditID: "cr3", Phone: LineBuyer, Amount: m("209.01"), ChargeID: "c1"},
		"unknown_charge":     {CreditID: "cr4", Phone: LineBuyer, Amount: m("1.00"), ChargeID: "c4"},
		"unknown_subscriber": {CreditID: "cr5", Phone: "05305559999", Amount: m("1.00"), ChargeID: "c1"},
	} {
		if got := creditRefusal(r); got != want {
			t.Errorf("credit %s: %s", want, got)
		}
	}
	if got := creditRefusal(bankbridge.BillCreditRequest{CreditID: "cr6", Phone: LineClassB, Amount: m("1.00"), ChargeID: "c1"}); got != "unknown_charge" {
		t.Errorf("credit on another line's charge: %s", got)
	}
	for _, step := range []func() error{
		func() error { return e.sim.MarkPaid("c1") },
		func() error { return e.sim.MarkOverdue("c2") },
		func() error { e.sim.AdvanceTenDays(); return nil },
		func() error { return e.sim.MarkPaid("c2") },
		func() error { return e.sim.WriteOff("c3") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}

	e.clk.Set(time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
	st, err := e.sim.SettleCycle("2026-12")
	if err != nil {
		t.Fatal(err)
	}
	// Collected: 259.00 + 100.00 + its late fee 3.30 = 362.30; the operator
	// keeps 1.5 % (5.4345 → 5.43) and sends 356.87.
	if st.TotalCollected.String() != "362.30" || st.Commission.String() != "5.43" || st.Amount.String() != "356.87" || st.SettlementReference != "TELSET202612" {
		t.Fatalf("settlement: total %s commission %s amount %s ref %s", st.TotalCollected, st.Commission, st.Amount, st.SettlementReference)
	}
	e.bank.mu.Lock()
	if len(e.bank.got) != 1 || e.bank.got[0].Memo != "TELSET202612" || e.bank.got[0].Amount.String() != "356.87" || e.bank.got[0].Account != OperatorAccount {
		t.Fatalf("bank transfer: %+v", e.bank.got)
	}
	e.bank.mu.Unlock()
	if st.BankTxnID != "B1" {
		t.Fatalf("bank transaction: %q", st.BankTxnID)
	}
	code, body := e.call("GET", "/v1/cycles/2026-12/settlement", "", "")
	want := `{"cycle":"2026-12","settlement_reference":"TELSET202612","total_collected":"362.30","lines":[` +
		`{"work_order_id":"WO2026112900001","charge_id":"c1","amount":"259.00","status":"collected","late_fee":"0.00"},` +
		`{"work_order_id":"WO2026112900002","charge_id":"c2","amount":"100.00","status":"collected","late_fee":"3.30"},` +
		`{"work_order_id":"WO2026112900003","charge_id":"c3","amount":"50.00","status":"written_off","late_fee":"0.00"},` +
		`{"work_order_id":"WO2026112900004","charge_id":"c4","amount":"30.00","status":"cancelled","late_fee":"0.00"},` +
		`{"work_order_id":"WO2026112900005","charge_id":"c5","amount":"40.00","status":"overdue","late_fee":"0.12"}]}`
	if code != 200 || body != want {
		t.Fatalf("report:\n%d %s\nwant\n%s", code, body, want)
	}
	rep, err := e.tc.Settlement(ctx, "2026-12")
	if err != nil || rep.TotalCollected.String() != "362.30" || len(rep.Lines) != 5 {
		t.Fatalf("client: %+v %v", rep, err)
	}
	e.sim.Flush(ctx)
	settled := e.rcv.got(bankbridge.CycleSettled)
	if len(settled) != 1 || string(settled[0].Data) != `{"cycle":"2026-12","settlement_reference":"TELSET202612","amount":"356.87"}` {
		t.Fatalf("cycle.settled: %+v", settled)
	}
	// The bill still unpaid went overdue when the deadline passed.
	if over := e.rcv.got(bankbridge.ChargeOverdue); len(over) != 3 || !strings.Contains(string(over[2].Data), `"charge_id":"c5"`) {
		t.Fatalf("c5 overdue: %d", len(over))
	}
	if _, err := e.sim.SettleCycle("2026-12"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("settle twice: %v", err)
	}

	// January: c5 is paid late and goes on the next settlement, with the
	// credits on c1 (paid over in December's): 40.00 + 0.12 − 30.00 = 10.12;
	// the 20.00 credit would take the cycle below zero and waits.
	if err := e.sim.MarkPaid("c5"); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC))
	if _, err := e.sim.CloseCycle("2027-01"); err != nil {
		t.Fatal(err)
	}
	st, err = e.sim.SettleCycle("2027-01")
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalCollected.String() != "10.12" || st.Commission.String() != "0.15" || st.Amount.String() != "9.97" || len(st.Lines) != 2 ||
		st.Lines[0].ChargeID != "c5" || st.Lines[0].Status != "collected" || st.Lines[0].LateFee.String() != "0.12" ||
		st.Lines[1].ChargeID != "c1" || st.Lines[1].Status != "credited" || st.Lines[1].Amount.String() != "30.00" || st.Lines[1].WorkOrderID == "WO2026112900001" {
		t.Fatalf("January: %+v", st)
	}
	// February: nothing collected; the waiting credit still waits; 0.00 and no money.
	e.clk.Set(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC))
	if _, err := e.sim.CloseCycle("2027-02"); err != nil {
		t.Fatal(err)
	}
	if st, err = e.sim.SettleCycle("2027-02"); err != nil || !st.TotalCollected.IsZero() || !st.Amount.IsZero() || len(st.Lines) != 0 {
		t.Fatalf("February: %+v %v", st, err)
	}
	if code, body := e.call("GET", "/v1/cycles/2027-02/settlement", "", ""); code != 200 || !strings.Contains(body, `"lines":[]`) {
		t.Fatalf("empty report: %s", body)
	}
	e.bank.mu.Lock()
	if len(e.bank.got) != 2 {
		t.Fatalf("%d transfers", len(e.bank.got))
	}
	e.bank.mu.Unlock()
	e.sim.Flush(ctx)
	if s := e.rcv.got(bankbridge.CycleSettled); len(s) != 3 || !strings.Contains(string(s[2].Data), `"amount":"0.00"`) {
		t.Fatalf("zero settlement callback: %+v", s)
	}
	if code, _ := e.call("GET", "/v1/cycles/2027-13/settlement", "", ""); code != 400 {
		t.Fatalf("month 13: %d", code)
	}
}

// TestSettlementThroughTheBankSimulator wires the real bank simulator, as the demo does.
func TestSettlementThroughTheBankSimulator(t *testing.T) {
	clk := &clock{t: start}
	bank, err := banksim.New(banksim.Config{WebhookURL: "http://127.0.0.1:1/webhooks/bank", Secret: config.DemoBankWebhookSecret, APIKey: "bank-key", Prefix: "/sim/bank", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := New(Config{WebhookURL: "http://127.0.0.1:1/webhooks/telecom", Secret: secret, APIKey: apiKey, Prefix: "/sim/telecom", Now: clk.Now, Bank: bank})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{sim: sim, clk: clk, h: sim.Handler()}
	if code, body := e.call("POST", "/v1/charges", "k", `{"charge_id":"c1","phone":"05305552001","amount":"1000.00","merchant_name":"m","description":"d"}`); code != 201 {
		t.Fatalf("charge: %d %s", code, body)
	}
	if _, err := sim.CloseCycle("2026-12"); err != nil {
		t.Fatal(err)
	}
	if err := sim.MarkPaid("c1"); err != nil {
		t.Fatal(err)
	}
	st, err := sim.SettleCycle("2026-12")
	if err != nil {
		t.Fatal(err)
	}
	credits := bank.Credits()
	if len(credits) != 1 || credits[0].Memo != "TELSET202612" || credits[0].Amount.String() != "985.00" || credits[0].TxnID != st.BankTxnID || credits[0].Name != OperatorName {
		t.Fatalf("bank credits: %+v (settlement %+v)", credits, st)
	}
}

func TestPage(t *testing.T) {
	e := setup(t)
	e.mustCharge(t, "ch_1", LineBuyer, "259.00")
	if _, err := e.tc.VerificationCall(context.Background(), LineBuyer, "4821"); err != nil {
		t.Fatal(err)
	}
	get := func(lang string) (int, *goquery.Document) {
		req := httptest.NewRequest("GET", "/sim/telecom/", nil)
		req.Header.Set("Accept-Language", lang)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		doc, err := goquery.NewDocumentFromReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Code, doc
	}
	for lang, title := range map[string]string{"en": "Telecom front-end simulator", "zh-CN,zh;q=0.9": "电信前置机模拟器"} {
		code, doc := get(lang)
		if code != 200 || !strings.Contains(doc.Find("h1").Text(), title) {
			t.Fatalf("%s: %d %q", lang, code, doc.Find("h1").Text())
		}
		for _, s := range DemoSubscribers() {
			line := doc.Find(`[data-testid="tsim-line-` + s.Phone + `"]`)
			if line.Length() != 1 || !strings.Contains(line.Text(), Display(s.Phone)) || !strings.Contains(line.Text(), s.Holder) || !strings.Contains(line.Text(), s.IDNumber) {
				t.Errorf("%s: line %s missing", lang, s.Phone)
			}
		}
		if got := doc.Find(`[data-testid="tsim-code-` + LineBuyer + `"]`).Text(); got != "4821" {
			t.Errorf("%s: code %q", lang, got)
		}
		if doc.Find(`[data-testid="tsim-charge-ch_1"]`).Length() != 1 || doc.Find(`[data-testid="tsim-close-2026-12"]`).Length() != 1 {
			t.Errorf("%s: charge or cycle control missing", lang)
		}
		if doc.Find(`[data-testid="tsim-cards"] tbody tr`).Length() != len(DemoCards()) {
			t.Errorf("%s: cards", lang)
		}
	}
	if missing := views.Missing(); len(missing) > 0 {
		t.Fatalf("untranslated in Chinese: %q", missing)
	}

	post := func(path string, form string) (int, string) {
		req := httptest.NewRequest("POST", "/sim/telecom"+path, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, c := range []struct {
		path string
		want int
	}{
		{"/cycles/2026-12/settle", 409}, // not closed yet
		{"/cycles/2026-12/close", 303},
		{"/cycles/2026-12/close", 409},
		{"/charges/ch_1/overdue", 303},
		{"/advance", 303},
		{"/charges/ch_1/paid", 303},
		{"/charges/ch_1/write-off", 409},
		{"/charges/nope/paid", 404},
		{"/cycles/2026-1/close", 422},
		{"/cycles/2026-12/settle", 303},
		{"/stall", 303},
	} {
		if code, body := post(c.path, ""); code != c.want {
			t.Errorf("POST %s: %d, want %d (%.200s)", c.path, code, c.want, body)
		}
	}
	if code, _ := post("/cards", "face=100.00"); code != 303 || len(e.sim.Cards()) != len(DemoCards())+1 {
		t.Fatalf("issue a card: %d", code)
	}
	if code, body := post("/cards", "face=30.00"); code != 422 || !strings.Contains(body, "50, 100 or 200") {
		t.Fatalf("a 30 card: %d", code)
	}
	_, doc := get("en")
	if ref := doc.Find(`[data-testid="tsim-reference-2026-12"]`).Text(); ref != "TELSET202612" {
		t.Fatalf("settled cycle: %q", ref)
	}
	if st := doc.Find(`[data-testid="tsim-charge-ch_1"]`).AttrOr("data-status", ""); st != "collected" {
		t.Fatalf("charge status: %q", st)
	}
	req := httptest.NewRequest("GET", "/sim/telecom", nil)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 303 || rec.Header().Get("Location") != "/sim/telecom/" {
		t.Fatalf("redirect: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}

func TestConcurrentCallsKeepTheLimitAndTheKeys(t *testing.T) {
	e := setup(t)
	var wg sync.WaitGroup
	answers := make([]string, 10)
	codes := make([]int, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("ch_%d", i)
			codes[i], _ = e.call("POST", "/v1/charges", id, fmt.Sprintf(`{"charge_id":%q,"phone":"05305552001","amount":"200.00","merchant_name":"m","description":"d"}`, id))
		}()
	}
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, answers[i] = e.call("POST", "/v1/charges", "same", `{"charge_id":"same","phone":"05305552002","amount":"1.00","merchant_name":"m","description":"d"}`)
		}()
	}
	wg.Wait()
	accepted := 0
	for _, c := range codes {
		if c == 201 {
			accepted++
		}
	}
	if accepted != 15 {
		t.Fatalf("%d charges of 200.00 accepted under a 3000.00 limit", accepted)
	}
	for _, a := range answers {
		if a != answers[0] || !strings.Contains(a, `"accepted"`) {
			t.Fatalf("answers to one key differ: %q vs %q", a, answers[0])
		}
	}
	if n := len(e.sim.Lines()[2].Charges); n != 1 {
		t.Fatalf("one key, %d work orders", n)
	}
}
