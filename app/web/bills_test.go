package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"lineescrow/app/bills"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/billsim"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// newBillsEnv is the trade environment with the demo's billers served by
// their simulator, and the buyer's balance funded with balance.
func newBillsEnv(t *testing.T, balance string) (*tradeEnv, *billsim.Sim) {
	t.Helper()
	e := newTradeEnv(t)
	sim := billsim.New(billsim.Config{Prefix: "/sim/bills"})
	tel, err := telecomsim.New(telecomsim.Config{Secret: e.Config.TelecomWebhookSecret, APIKey: "test-telecom-key-1234", Prefix: "/sim/telecom"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	if err := bills.AddDemo(e.Ctx, e.Bills, sim, srv.URL, tel.Bills()); err != nil {
		t.Fatal(err)
	}
	w, err := e.Funding.WalletOf(e.Ctx, e.Buyer.Actor())
	if err != nil {
		t.Fatal(err)
	}
	e.Credit(balance, w.Reference)
	return e, sim
}

// TestPayBillInThePortal: choose the company and the account, see what is
// owed, a wrong password beside its field with nothing paid, then pay and
// land on the receipt; the operator sees the biller's balance and settles it.
func TestPayBillInThePortal(t *testing.T) {
	t.Parallel()
	e, _ := newBillsEnv(t, "100.00")
	b := e.browser(t, e.Buyer)
	p := b.get("/bills?biller=water&account=5301-0001")
	if p.status != 200 || p.text(`[data-testid="bill-owed"]`) != "¥42.00" || p.text(`[data-testid="bill-holder"]`) != "张*" {
		t.Fatalf("the bill: %d %q", p.status, p.text(`[data-testid="bill"]`))
	}
	rid, _ := p.find(`input[name="request_id"]`).Attr("value")
	if amount, _ := p.find(`input[name="amount"]`).Attr("value"); amount != "42.00" || rid == "" {
		t.Fatalf("the form: amount %q, request id %q", amount, rid)
	}
	// An unknown account: the reason beside the field.
	if q := b.get("/bills?biller=water&account=99999999"); q.status != 422 || q.text(`[data-testid="error-account"]`) == "" {
		t.Fatalf("unknown account: %d", q.status)
	}
	form := url.Values{"biller": {"water"}, "account": {billsim.WaterZhang}, "amount": {"42.00"}, "pay_password": {"000000"}, "request_id": {rid}}
	if q := b.post("/bills/pay", form); q.status != 422 || q.text(`[data-testid="error-pay_password"]`) == "" || q.text(`[data-testid="bill-owed"]`) != "¥42.00" {
		t.Fatalf("wrong password: %d %q", q.status, q.text(`[data-testid="form-error"]`))
	}
	if e.Balance(models.WalletAccount(e.Buyer.ID)) != "100.00" {
		t.Fatal("a refused payment moved money")
	}
	form.Set("pay_password", ptest.PIN)
	q := b.post("/bills/pay", form)
	loc := q.header.Get("Location")
	if q.status != 303 || !strings.HasPrefix(loc, "/bills/BP") {
		t.Fatalf("pay: %d %q", q.status, loc)
	}
	// The same form again (a double tap) pays once.
	if again := b.post("/bills/pay", form); again.header.Get("Location") != loc {
		t.Fatalf("again: %d %q", again.status, again.header.Get("Location"))
	}
	r := b.get(loc)
	if r.status != 200 || r.text(`[data-testid="receipt-amount"]`) != "¥42.00" || r.text(`[data-testid="receipt-no"]`) == "" ||
		r.text(`[data-testid="receipt-payer"]`) != e.Buyer.DisplayName {
		t.Fatalf("receipt: %d %q", r.status, r.text(`[data-testid="receipt"]`))
	}
	if state, _ := r.find(`[data-testid="receipt-notice"]`).Attr("data-state"); state != bills.NoticePending {
		t.Fatalf("notice state %q", state)
	}
	if e.Balance(models.WalletAccount(e.Buyer.ID)) != "58.00" || e.Balance("biller:water") != "42.00" {
		t.Fatal("not paid once")
	}
	if list := b.get("/bills"); list.find(`[data-testid="bill-payments"] tbody tr`).Length() != 1 {
		t.Fatal("the payment is not listed")
	}
	if w := b.get("/wallet"); w.find(`a[href="`+loc+`"]`).Length() != 1 {
		t.Fatal("the wallet does not link the bill's receipt")
	}
	// Someone else's receipt is not found.
	if o := e.browser(t, e.Buyer2).get(loc); o.status != 404 {
		t.Fatalf("another buyer's receipt: %d", o.status)
	}

	op := e.browser(t, e.Operator)
	page := op.get("/ops/billers")
	if page.status != 200 || page.text(`[data-testid="biller-water"] [data-testid="biller-balance"]`) != "¥42.00" {
		t.Fatalf("billers: %d %q", page.status, page.text(`[data-testid="biller-water"]`))
	}
	if s := op.post("/ops/billers/water/settle", nil); s.status != 303 {
		t.Fatalf("settle: %d", s.status)
	}
	if e.Balance("biller:water") != "0.00" || e.Balance(models.AccPayoutsInTransit) != "42.00" {
		t.Fatal("not settled")
	}
	if q := op.get("/ops/payouts"); !strings.Contains(q.text(`[data-testid="owner"]`), "water") {
		t.Fatalf("the payouts queue does not name the biller: %q", q.text(`[data-testid="owner"]`))
	}
	if s := op.post("/ops/billers/water/settle", nil); s.status != 422 || s.text(`[data-testid="form-error"]`) == "" {
		t.Fatalf("settling nothing: %d", s.status)
	}
	if r := op.get("/ops/bills/" + strings.TrimPrefix(loc, "/bills/")); r.status != 200 || r.find(`[data-testid="bill-resend"]`).Length() != 1 {
		t.Fatalf("the operator's receipt: %d", r.status)
	}
}

// TestPayBillByAPI: the billers, what is owed, paying with an
// Idempotency-Key (a replay answers the first payment), refusals with their
// stable codes, the receipt, and the operators' billers.
func TestPayBillByAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBillsEnv(t, "50.00")
	buyer, op := e.token(t, e.Buyer), e.token(t, e.Operator)
	code, out, _ := e.api(t, "GET", "/api/v1/bills/billers", buyer, "", nil)
	if list, _ := out["billers"].([]any); code != 200 || len(list) != 3 {
		t.Fatalf("billers: %d %v", code, out)
	}
	code, out, _ = e.api(t, "GET", "/api/v1/bills/owed?biller=power&account="+billsim.PowerZhang, buyer, "", nil)
	if code != 200 || out["owed"] != "126.50" {
		t.Fatalf("owed: %d %v", code, out)
	}
	if code, out, _ = e.api(t, "GET", "/api/v1/bills/owed?biller=power&account=1", buyer, "", nil); code != 422 || errCode(out) != models.EINVALID {
		t.Fatalf("bad account: %d %v", code, out)
	}
	pay := map[string]string{"biller": "power", "account": billsim.PowerZhang, "amount": "126.50", "pay_password": ptest.PIN}
	if code, out, _ = e.api(t, "POST", "/api/v1/bills", buyer, "k-over", pay); code != 422 || errCode(out) != models.EINSUFFICIENT {
		t.Fatalf("over the balance: %d %v", code, out)
	}
	if code, out, _ = e.api(t, "POST", "/api/v1/bills", buyer, "", pay); code != 422 || errCode(out) != models.EINVALID {
		t.Fatalf("no Idempotency-Key: %d", code)
	}
	pay["amount"] = "26.50"
	code, first, _ := e.api(t, "POST", "/api/v1/bills", buyer, "k1", pay)
	if code != 201 || first["receipt_no"] == "" || first["notice_state"] != "pending" {
		t.Fatalf("pay: %d %v", code, first)
	}
	code, again, h := e.api(t, "POST", "/api/v1/bills", buyer, "k1", pay)
	if code != 201 || again["id"] != first["id"] || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", code, again)
	}
	if e.Balance(models.WalletAccount(e.Buyer.ID)) != "23.50" {
		t.Fatalf("wallet %s", e.Balance(models.WalletAccount(e.Buyer.ID)))
	}
	id, _ := first["id"].(string)
	_, w, _ := e.api(t, "GET", "/api/v1/wallet", buyer, "", nil)
	found := false
	for _, l := range w["history"].([]any) {
		found = found || l.(map[string]any)["where"] == "bill"
	}
	if !found {
		t.Fatalf("the wallet does not say a bill was paid: %v", w["history"])
	}
	if code, out, _ = e.api(t, "GET", "/api/v1/bills/"+id, buyer, "", nil); code != 200 || out["amount"] != "26.50" {
		t.Fatalf("receipt: %d %v", code, out)
	}
	if code, out, _ = e.api(t, "GET", "/api/v1/bills", buyer, "", nil); code != 200 || len(out["payments"].([]any)) != 1 {
		t.Fatalf("list: %d %v", code, out)
	}
	if code, _, _ = e.api(t, "GET", "/api/v1/ops/billers", buyer, "", nil); code != 403 {
		t.Fatalf("a buyer reads the billers' money: %d", code)
	}
	code, out, _ = e.api(t, "GET", "/api/v1/ops/billers", op, "", nil)
	if code != 200 || len(out["billers"].([]any)) != 3 {
		t.Fatalf("ops billers: %d %v", code, out)
	}
	if code, out, _ = e.api(t, "POST", "/api/v1/ops/billers/power/settle", op, "s1", nil); code != 201 || out["amount"] != "26.50" || out["source"] != "biller:power" {
		t.Fatalf("settle: %d %v", code, out)
	}
	if code, out, _ = e.api(t, "POST", "/api/v1/ops/bills/"+id+"/resend", op, "", nil); code != 200 || out["status"] != "queued" {
		t.Fatalf("resend: %d %v", code, out)
	}
}
