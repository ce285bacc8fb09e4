package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"lineescrow/app/config"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// operatorBank pays the telecom simulator's settlements to the platform as
// the bank's signed callbacks would.
type operatorBank struct{ e *tradeEnv }

func (b operatorBank) Transfer(in banksim.TransferInput) *banksim.Credit {
	txn := "BSET" + strings.TrimPrefix(in.Memo, "TELSET")
	b.e.Deliver("evt_"+txn, bankbridge.TransferReceived, bankbridge.Received{BankTxnID: txn, Amount: in.Amount, Currency: "CNY",
		Reference: in.Memo, PayerAccount: in.Account, PayerName: in.Name, Channel: "transfer", ValueDate: time.Now().Format("2006-01-02")})
	return &banksim.Credit{TxnID: txn, Amount: in.Amount, Memo: in.Memo}
}

// telecomEnv is the platform with the telecom simulator calling its
// /webhooks/telecom over HTTP, signed.
type telecomEnv struct {
	*tradeEnv
	sim *telecomsim.Sim
	key []byte
}

func newTelecomEnv(t *testing.T) *telecomEnv {
	t.Helper()
	e := newTradeEnv(t)
	cfg := e.Config
	sim, err := telecomsim.New(telecomsim.Config{WebhookURL: e.ts.URL + "/webhooks/telecom", Secret: cfg.TelecomWebhookSecret,
		APIKey: cfg.TelecomAPIKey, Prefix: "/tel", Log: ptest.Quiet, Bank: operatorBank{e}})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sim.Handler())
	t.Cleanup(api.Close)
	e.Telecom.Front = bankbridge.NewTelecom(api.URL+"/tel", cfg.TelecomAPIKey, nil)
	key, _ := config.WebhookKey(cfg.TelecomWebhookSecret)
	return &telecomEnv{tradeEnv: e, sim: sim, key: key}
}

// collected binds the buyer's line, pays an order of price by it, ships,
// confirms, and lets the operator bill, collect and settle it.
func (e *telecomEnv) collected(t *testing.T, price string) (*models.Order, *models.Charge) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.Telecom.StartBinding(ctx, e.Buyer.Actor(), telecomsim.LineBuyer); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Telecom.VerifyHolder(ctx, e.Buyer.Actor(), "张伟", "152316"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Telecom.ConfirmCode(ctx, e.Buyer.Actor(), e.sim.LastCode(telecomsim.LineBuyer)); err != nil {
		t.Fatal(err)
	}
	o := e.Checkout(e.Buyer, e.Listing(price, 1), 1)
	c, err := e.Telecom.PayByCharge(ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Ship(ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.CloseCycle(c.Cycle()); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush(ctx)
	if err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.SettleCycle(c.Cycle()); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush(ctx)
	return o, c
}

// TestTelecomWebhookThroughHTTP: the simulator's signed callbacks reach the
// platform at /webhooks/telecom and move the money; an unsigned or
// wrongly signed one is refused and changes nothing; a repeat is answered
// and changes nothing; a signed one that does not parse is kept for review.
func TestTelecomWebhookThroughHTTP(t *testing.T) {
	t.Parallel()
	e := newTelecomEnv(t)
	_, c := e.collected(t, "259.00")
	// billed, collected, (overdue none), cycle.settled all delivered and applied.
	for _, d := range e.sim.Deliveries() {
		if d.Status != "delivered" {
			t.Errorf("delivery %s %s: %s", d.ID, d.Type, d.Status)
		}
	}
	if got := e.Balance(models.SellerAvailableAccount(e.Seller.ID)); got != "257.45" {
		t.Fatalf("seller available after collection: %s", got)
	}
	if n := e.Count("SELECT count(*) FROM telecom_events WHERE status = 'processed'"); n < 3 {
		t.Fatalf("%d events processed", n)
	}

	post := func(id string, body []byte, sign bool, key []byte) (int, string) {
		req, _ := http.NewRequest("POST", e.ts.URL+"/webhooks/telecom", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sign {
			bankbridge.SetHeaders(req.Header, key, id, time.Now(), body)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	body := ptest.EventBody("evt_tel_forged", bankbridge.ChargeWrittenOff, bankbridge.WrittenOff{ChargeID: c.ID, WorkOrderID: *c.WorkOrderID})
	if code, _ := post("evt_tel_forged", body, false, nil); code != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d", code)
	}
	if code, _ := post("evt_tel_forged", body, true, e.key[:len(e.key)-1]); code != http.StatusUnauthorized {
		t.Fatalf("signed with another key: %d", code)
	}
	// The bank's secret is not the telecom's.
	if code, _ := post("evt_tel_forged", body, true, e.tradeEnv.key); code != http.StatusUnauthorized {
		t.Fatalf("signed with the bank's key: %d", code)
	}
	if n := e.Count("SELECT count(*) FROM telecom_events WHERE webhook_id = 'evt_tel_forged'"); n != 0 {
		t.Fatal("a refused callback was stored")
	}
	if code, text := post("evt_tel_bad", []byte(`{"id":"evt_tel_bad","type":"charge.overdue","data":{"charge_id":"x"}}`), true, e.key); code != 200 ||
		!strings.Contains(text, "stored for review") {
		t.Fatalf("malformed: %d %s", code, text)
	}
	// A repeat of a delivered callback: 200, nothing moves twice.
	d := e.sim.Deliveries()[0]
	var raw []byte
	e.DB.Raw("SELECT raw FROM telecom_events WHERE webhook_id = ?", d.ID).Scan(&raw)
	before := e.Balance(models.AccBankCollection)
	if code, _ := post(d.ID, raw, true, e.key); code != 200 || e.Balance(models.AccBankCollection) != before {
		t.Fatalf("repeat: %d", code)
	}
}

// TestTelecomOpsPagesAndAPI: the operators' charges, settlements and
// advances, on the portal and in the API, for operators only; a bad cap is
// refused beside its field and changes nothing.
func TestTelecomOpsPagesAndAPI(t *testing.T) {
	t.Parallel()
	e := newTelecomEnv(t)
	o, c := e.collected(t, "259.00")
	if _, err := e.Telecom.Reconcile(context.Background(), c.Cycle()); err != nil {
		t.Fatal(err)
	}
	op := (&env{t: t, ts: e.ts}).browser()
	op.login(e.Operator.Login, ptest.Password)
	pg := op.get("/ops/charges")
	if pg.status != 200 || pg.find("[data-testid='charge-"+c.ID+"']").Length() != 1 ||
		!strings.Contains(pg.text("[data-testid='settlement-"+c.Cycle()+"']"), "3.89") {
		t.Fatalf("charges page: %d", pg.status)
	}
	if pg := op.get("/ops/charges?state=flagged"); pg.find("[data-testid='charge-"+c.ID+"']").Length() != 0 {
		t.Fatal("an unflagged charge is listed as flagged")
	}
	as := func(u *models.User) *browser {
		br := (&env{t: t, ts: e.ts}).browser()
		br.login(u.Login, ptest.Password)
		return br
	}
	for _, br := range []*browser{as(e.Buyer), as(e.Seller)} {
		for _, p := range []string{"/ops/charges", "/ops/advances"} {
			if pg := br.get(p); pg.status != 403 {
				t.Errorf("GET %s = %d, want 403", p, pg.status)
			}
		}
		if pg := br.post("/ops/advances/run", url.Values{}); pg.status != 403 {
			t.Errorf("a non-operator advances: %d", pg.status)
		}
	}
	api := &env{t: t, ts: e.ts}
	tok := api.token(e.Operator.Login)
	code, body := api.api("GET", "/api/v1/ops/charges?cycle="+c.Cycle(), tok, nil)
	charges, _ := body["charges"].([]any)
	if code != 200 || len(charges) != 1 || charges[0].(map[string]any)["state"] != "collected" ||
		charges[0].(map[string]any)["order_id"] != float64(o.ID) || charges[0].(map[string]any)["phone"] != "0530-***2001" {
		t.Fatalf("API charges: %d %v", code, body)
	}
	if code, body := api.api("GET", "/api/v1/ops/charges?state=nonsense", tok, nil); code != 400 && code != 422 {
		t.Fatalf("bad state: %d %v", code, body)
	}
	if code, body := api.api("POST", "/api/v1/ops/charges/"+c.ID+"/retry", tok, map[string]any{}); code != 409 || errCode(body) != models.ECONFLICT {
		t.Fatalf("retry a collected charge: %d %v", code, body)
	}
	if code, body := api.api("POST", "/api/v1/ops/refunds/TRNOPE/to-wallet", tok, map[string]string{"note": "x"}); code != 404 {
		t.Fatalf("refund to wallet of no refund: %d %v", code, body)
	}
	if code, body := api.api("POST", "/api/v1/ops/settlements/2001-01/reconcile", tok, map[string]any{}); code != 404 {
		t.Fatalf("reconcile a cycle never settled: %d %v", code, body)
	}

	// Advances: a second order waits for the next bill; a cap refused
	// beside its field, then set; the run within it.
	o2 := e.Checkout(e.Buyer, e.Listing("100.00", 1), 1)
	if _, err := e.Telecom.PayByCharge(context.Background(), e.Buyer.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Ship(context.Background(), e.Seller.Actor(), o2.ID, "SF", "SF1234567891123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(context.Background(), e.Buyer.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	pg = op.get("/ops/advances")
	if pg.status != 200 || !strings.Contains(pg.text("[data-testid='exposure-total']"), "0.00") {
		t.Fatalf("advances page: %d", pg.status)
	}
	bad := op.post("/ops/sellers/"+strconv.FormatInt(e.Seller.ID, 10)+"/advance-cap", url.Values{"cap": {"lots"}})
	if bad.status != 422 || bad.find("[data-testid='error-cap']").Length() != 1 || e.Count("SELECT count(*) FROM advance_caps") != 0 {
		t.Fatalf("bad cap: %d", bad.status)
	}
	if code, body := api.api("POST", "/api/v1/ops/sellers/"+strconv.FormatInt(e.Seller.ID, 10)+"/advance-cap", tok, map[string]string{"cap": "-5"}); code != 422 ||
		errCode(body) != models.EINVALID {
		t.Fatalf("API bad cap: %d %v", code, body)
	}
	if code, body := api.api("POST", "/api/v1/ops/sellers/"+strconv.FormatInt(e.Seller.ID, 10)+"/advance-cap", tok, map[string]string{"cap": "80.00"}); code != 200 {
		t.Fatalf("API cap: %d %v", code, body)
	}
	if code, body := api.api("POST", "/api/v1/ops/advances/run", tok, map[string]any{}, "Idempotency-Key", "adv-1"); code != 200 ||
		body["charges"] != float64(1) || body["amount"] != "80.00" {
		t.Fatalf("advance run (within the seller's cap of 80.00): %d %v", code, body)
	}
	// The same key again: the first answer, nothing advanced twice.
	if code, body := api.api("POST", "/api/v1/ops/advances/run", tok, map[string]any{}, "Idempotency-Key", "adv-1"); code != 200 ||
		body["amount"] != "80.00" {
		t.Fatalf("advance run repeated: %d %v", code, body)
	}
	code, body = api.api("GET", "/api/v1/ops/advances", tok, nil)
	if code != 200 || body["total"] != "80.00" {
		t.Fatalf("API exposure: %d %v", code, body)
	}
	if got := e.Balance(models.SellerPendingAccount(e.Seller.ID)); got != "19.40" {
		t.Fatalf("pending after the advance: %s", got)
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action IN ('advance.cap', 'advance.run')"); n != 2 {
		t.Fatalf("%d audited", n)
	}
	// The audit log reads the cap's change before → after.
	if s := strings.Join(strings.Fields(op.get("/ops/audit?action=advance.cap").text(`[data-field="cap"]`)), " "); s != "default → 80.00" {
		t.Fatalf("the cap's change reads %q", s)
	}
}
