package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/app/config"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/web"
	"lineescrow/bankbridge"
	"lineescrow/models"
	"lineescrow/views"
)

// tradeEnv is a platform with its web server.
type tradeEnv struct {
	*ptest.Env
	srv     *web.Server
	ts      *httptest.Server
	key     []byte
	openapi apiSpec
}

func newTradeEnv(t *testing.T) *tradeEnv {
	t.Helper()
	e := ptest.New(t)
	cfg := e.Config
	s := web.New(e.WebDeps())
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	key, _ := config.WebhookKey(cfg.BankWebhookSecret)
	return &tradeEnv{Env: e, srv: s, ts: ts, key: key}
}

// post sends a signed (or unsigned) webhook.
func (e *tradeEnv) webhook(t *testing.T, id string, body []byte, at time.Time, sign func(h http.Header)) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.ts.URL+"/webhooks/bank", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	bankbridge.SetHeaders(req.Header, e.key, id, at, body)
	if sign != nil {
		sign(req.Header)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func received(txn, amount, ref string) bankbridge.Received {
	return bankbridge.Received{BankTxnID: txn, Amount: models.MustParseMoney(amount), Currency: "CNY", Reference: ref,
		PayerAccount: "6222020200112233", PayerName: "张伟", Channel: "phone_banking", ValueDate: "2026-11-29"}
}

func TestBankWebhook(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	o := e.Checkout(e.Buyer, e.Listing("259.00", 3), 1)
	body := ptest.EventBody("evt_A", bankbridge.TransferReceived, received("B1", "259.00", o.PayReference))
	now := time.Now()

	refusals := []struct {
		name   string
		status int
		body   []byte
		at     time.Time
		sign   func(h http.Header)
	}{
		{"bad signature", 401, body, now, func(h http.Header) { h.Set("webhook-signature", "v1,"+strings.Repeat("A", 43)+"=") }},
		{"replayed 301 s late", 401, body, now.Add(-301 * time.Second), nil},
		{"from 301 s in the future", 401, body, now.Add(301 * time.Second), nil},
		{"tampered body", 401, body, now, func(h http.Header) {}},
		{"no headers", 401, body, now, func(h http.Header) { h.Del("webhook-id"); h.Del("webhook-signature") }},
	}
	for _, r := range refusals {
		var code int
		if r.name != "tampered body" {
			code, _ = e.webhook(t, "evt_A", r.body, r.at, r.sign)
		} else {
			// Signed over the original, sent with one digit changed.
			req, _ := http.NewRequest("POST", e.ts.URL+"/webhooks/bank", bytes.NewReader(bytes.Replace(body, []byte("259.00"), []byte("959.00"), 1)))
			bankbridge.SetHeaders(req.Header, e.key, "evt_A", now, body)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			code = res.StatusCode
		}
		if code != r.status {
			t.Errorf("%s: %d, want %d", r.name, code, r.status)
		}
	}
	if n := e.Count("SELECT count(*) FROM bank_events"); n != 0 {
		t.Fatalf("refused deliveries stored %d events", n)
	}

	// Malformed but correctly signed: the bank's word all the same. Kept as
	// received (raw bytes) for an operator to review, answered 2xx so the bank
	// does not retry it for a day and drop it, and never processed.
	i := 0
	for name, bad := range map[string][]byte{
		"not json":      []byte(`{"id":`),
		"number amount": []byte(`{"id":"evt_M1","type":"transfer.received","data":{"bank_txn_id":"B9","amount":9.5,"currency":"CNY"}}`),
		"id differs":    ptest.EventBody("evt_OTHER", bankbridge.TransferReceived, received("B8", "1.00", "")),
	} {
		i++
		id := fmt.Sprintf("evt_M%d", i)
		if code, _ := e.webhook(t, id, bad, now, nil); code != 200 {
			t.Errorf("%s: %d, want 200", name, code)
		}
		var raw []byte
		var status string
		e.DB.Raw("SELECT raw, status FROM bank_events WHERE webhook_id = ?", id).Row().Scan(&raw, &status)
		if !bytes.Equal(raw, bad) || status != "review" {
			t.Errorf("%s: stored %q as %q", name, raw, status)
		}
	}
	if n := e.Count("SELECT count(*) FROM bank_credits"); n != 0 {
		t.Fatalf("a malformed event was processed: %d credits", n)
	}
	e.DB.Exec("DELETE FROM bank_events")

	// Ten concurrent copies of one event: one credit.
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = e.webhook(t, "evt_A", body, time.Now(), nil)
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("copy %d: %d", i, c)
		}
	}
	if n := e.Count("SELECT count(*) FROM bank_credits"); n != 1 {
		t.Fatalf("%d credits from ten copies", n)
	}
	if got := e.Order(o.ID); got.State != models.Paid || e.Balance(models.AccBankCollection) != "259.00" {
		t.Fatalf("order %s, bank %s", got.State, e.Balance(models.AccBankCollection))
	}

	// An unknown event type: 200, kept for review, nothing moves.
	unknown := ptest.EventBody("evt_U", "account.frozen", map[string]string{"why": "audit"})
	if code, _ := e.webhook(t, "evt_U", unknown, now, nil); code != 200 {
		t.Fatalf("unknown type: %d", code)
	}
	if n := e.Count("SELECT count(*) FROM bank_events WHERE webhook_id = 'evt_U' AND status = 'review'"); n != 1 {
		t.Fatal("unknown event not kept for review")
	}
	// A payout event for a payout the platform never made: 200, reviewed, flagged.
	po := ptest.EventBody("evt_P", bankbridge.PayoutSucceeded, bankbridge.Payout{PayoutID: "po_x", Amount: models.MustParseMoney("5.00")})
	if code, _ := e.webhook(t, "evt_P", po, now, nil); code != 200 {
		t.Fatalf("payout event: %d", code)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'unknown_payout'"); n != 1 {
		t.Fatal("unknown payout not flagged")
	}
}

// api sends a JSON request with a token and optional Idempotency-Key.
func (e *tradeEnv) api(t *testing.T, method, path, token, key string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw := readAll(res)
	if strings.HasPrefix(path, "/api/v1/") {
		e.checkResponse(t, req, raw, res)
	}
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, res.Header
}

// browser is a browser on the platform, signed in as u (nil: anonymous).
func (e *tradeEnv) browser(t *testing.T, u *models.User) *browser {
	t.Helper()
	b := (&env{t: t, ts: e.ts}).browser()
	if u != nil {
		b.login(u.Login, ptest.Password)
	}
	return b
}

func (e *tradeEnv) token(t *testing.T, u *models.User) string {
	t.Helper()
	code, body, _ := e.api(t, "POST", "/api/v1/auth/token", "", "", map[string]string{"login": u.Login, "password": ptest.Password})
	if code != 200 {
		t.Fatalf("token: %d %v", code, body)
	}
	return body["token"].(string)
}

func TestAPITrade(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	buyer, seller, op, other := e.token(t, e.Buyer), e.token(t, e.Seller), e.token(t, e.Operator), e.token(t, e.Buyer2)

	code, l, _ := e.api(t, "POST", "/api/v1/seller/listings", seller, "", map[string]any{"title": "Tea", "price": "50.00", "stock": 4})
	if code != 201 {
		t.Fatalf("create listing: %d %v", code, l)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/seller/listings", seller, "", map[string]any{"title": "Tea", "price": 50.0, "stock": 4}); code != 422 || errCode(body) != "invalid" {
		t.Fatalf("number price: %d %v", code, body)
	}
	if code, _, _ := e.api(t, "POST", "/api/v1/seller/listings", buyer, "", map[string]any{"title": "x", "price": "1.00", "stock": 1}); code != 403 {
		t.Fatalf("buyer creates a listing: %d", code)
	}
	lid := int64(l["id"].(float64))
	checkout := map[string]any{"listing_id": lid, "quantity": 2, "consignee": map[string]string{"name": "张伟", "phone": "13800138000", "address": "菏泽市中华路 1 号"}}

	if code, body, _ := e.api(t, "POST", "/api/v1/orders", buyer, "", checkout); code != 422 || !strings.Contains(fmt.Sprint(body), "Idempotency-Key") {
		t.Fatalf("checkout without a key: %d %v", code, body)
	}
	code, first, _ := e.api(t, "POST", "/api/v1/orders", buyer, "co-1", checkout)
	if code != 201 || first["amount"] != "100.00" || first["state"] != "awaiting_payment" {
		t.Fatalf("checkout: %d %v", code, first)
	}
	code, again, h := e.api(t, "POST", "/api/v1/orders", buyer, "co-1", checkout)
	if code != 201 || again["id"] != first["id"] || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v %v", code, again, h)
	}
	checkout["quantity"] = 1
	if code, body, _ := e.api(t, "POST", "/api/v1/orders", buyer, "co-1", checkout); code != 409 || errCode(body) != "conflict" {
		t.Fatalf("same key, other body: %d %v", code, body)
	}
	if n := e.Count("SELECT count(*) FROM orders"); n != 1 {
		t.Fatalf("%d orders", n)
	}
	oid := int64(first["id"].(float64))
	path := fmt.Sprintf("/api/v1/orders/%d", oid)

	// Object-level: another buyer and the seller of another shop get 404.
	if code, _, _ := e.api(t, "GET", path, other, "", nil); code != 404 {
		t.Fatalf("another buyer's order: %d", code)
	}
	// Pay from the wallet: a refusal moves nothing and is replayed as such.
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("100.00", ref)
	code, body, _ := e.api(t, "POST", path+"/pay", buyer, "pay-1", map[string]string{"pay_password": "000111"})
	if code != 422 || errCode(body) != "invalid" {
		t.Fatalf("wrong pin: %d %v", code, body)
	}
	if e.Balance(models.WalletAccount(e.Buyer.ID)) != "100.00" {
		t.Fatal("a refused payment moved money")
	}
	// A refusal is not kept: the retry runs again (and counts as a guess)…
	if code, _, h := e.api(t, "POST", path+"/pay", buyer, "pay-1", map[string]string{"pay_password": "000111"}); code != 422 || h.Get("Idempotent-Replayed") != "" {
		t.Fatalf("retried refusal: %d replayed %q", code, h.Get("Idempotent-Replayed"))
	}
	if n := e.Count("SELECT pay_failures FROM users WHERE id = ?", e.Buyer.ID); n != 2 {
		t.Fatalf("%d failures counted, want 2", n)
	}
	// …and the payment password is no part of the request's identity: the
	// same key with the right one pays, and a repeat replays that answer.
	code, paid, _ := e.api(t, "POST", path+"/pay", buyer, "pay-1", map[string]string{"pay_password": ptest.PIN})
	if code != 200 || paid["state"] != "paid" || paid["held"] != "100.00" {
		t.Fatalf("pay: %d %v", code, paid)
	}
	if code, again, h := e.api(t, "POST", path+"/pay", buyer, "pay-1", map[string]string{"pay_password": "999999"}); code != 200 ||
		h.Get("Idempotent-Replayed") != "true" || again["id"] != paid["id"] {
		t.Fatalf("replay of the payment: %d %v", code, again)
	}
	if code, _, _ := e.api(t, "POST", path+"/pay", buyer, "pay-3", map[string]string{"pay_password": ptest.PIN}); code != 409 {
		t.Fatalf("second payment: %d", code)
	}
	// The stored record holds no digest a password could be found from: the
	// fingerprint is keyed, and the same as for a body without the password.
	var fp []byte
	if err := e.DB.Raw("SELECT fingerprint FROM api_idempotency WHERE key = 'pay-1'").Row().Scan(&fp); err != nil {
		t.Fatal(err)
	}
	if want := e.Idempotency.Fingerprint("POST", path+"/pay", []byte(`{}`)); !bytes.Equal(fp, want) {
		t.Fatal("the fingerprint depends on the payment password")
	}
	plain := sha256.Sum256([]byte("POST " + path + "/pay\n" + `{"pay_password":"` + ptest.PIN + `"}`))
	if bytes.Equal(fp, plain[:]) {
		t.Fatal("the fingerprint is an unkeyed digest")
	}
	if e.Balance(models.WalletAccount(e.Buyer.ID)) != "0.00" || e.Balance(models.EscrowAccount(oid)) != "100.00" {
		t.Fatal("balances after payment")
	}
	if code, _, _ := e.api(t, "POST", path+"/ship", buyer, "", map[string]string{"carrier": "SF", "tracking_no": "SF1234567812345"}); code != 403 {
		t.Fatalf("buyer ships: %d", code)
	}
	if code, body, _ := e.api(t, "POST", path+"/ship", seller, "", map[string]string{"carrier": "SF", "tracking_no": "SF1234567812345"}); code != 200 || body["state"] != "shipped" {
		t.Fatalf("ship: %d %v", code, body)
	}
	code, done, _ := e.api(t, "POST", path+"/confirm", buyer, "cf-1", map[string]string{"pay_password": ptest.PIN})
	if _, sees := done["fee"]; code != 200 || done["state"] != "completed" || sees {
		t.Fatalf("confirm (the buyer never sees the commission): %d %v", code, done)
	}
	code, full, _ := e.api(t, "GET", path, op, "", nil)
	if full["fee"] != "0.60" {
		t.Fatalf("the operator's view of the commission: %v", full["fee"])
	}
	if tl, _ := full["timeline"].([]any); code != 200 || len(tl) != 4 {
		t.Fatalf("operator view: %d %v", code, full["timeline"])
	}
	if led, _ := full["ledger"].([]any); len(led) != 5 {
		t.Fatalf("ledger lines: %v", full["ledger"])
	}
	code, w, _ := e.api(t, "GET", "/api/v1/wallet", buyer, "", nil)
	if code != 200 || w["balance"] != "0.00" {
		t.Fatalf("wallet: %d %v", code, w)
	}
}

func TestPortalPagesAndAccess(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	o := e.Checkout(e.Buyer, e.Listing("10.00", 3), 1)
	// Reuse the auth test's browser over this server.
	b := &browser{e: &env{t: t, ts: e.ts}, lang: "zh-CN"}
	jarless := b.e.browser()
	jarless.lang = "zh-CN"
	jarless.login(e.Buyer.Login, ptest.Password)
	if p := jarless.get(fmt.Sprintf("/orders/%d", o.ID)); p.status != 200 || p.find(`[data-testid="pay-instructions"]`).Length() != 1 {
		t.Fatalf("own order page: %d", p.status)
	}
	// A short transfer: the page says what is missing.
	e.Credit("4.00", o.PayReference)
	if p := jarless.get(fmt.Sprintf("/orders/%d", o.ID)); !strings.Contains(p.text(`[data-testid="missing"]`), "¥6.00") {
		t.Fatalf("missing amount not shown: %q", p.text(`[data-testid="missing"]`))
	}
	for _, path := range []string{"/seller", "/seller/orders", "/ops", "/ops/suspense"} {
		if p := jarless.get(path); p.status != 403 {
			t.Errorf("buyer GET %s = %d, want 403", path, p.status)
		}
	}
	other := b.e.browser()
	other.login(e.Buyer2.Login, ptest.Password)
	if p := other.get(fmt.Sprintf("/orders/%d", o.ID)); p.status != 404 {
		t.Fatalf("another buyer's order page: %d", p.status)
	}
	if p := other.post(fmt.Sprintf("/orders/%d/cancel", o.ID), nil); p.status != 404 {
		t.Fatalf("another buyer cancels: %d", p.status)
	}
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatal("another buyer changed the order")
	}

	// Every page, in Chinese, for each role: renders, and has no untranslated text.
	seller, op := b.e.browser(), b.e.browser()
	seller.lang, op.lang = "zh-CN", "zh-CN"
	seller.login(e.Seller.Login, ptest.Password)
	op.login(e.Operator.Login, ptest.Password)
	e.Credit("5.00", "no reference")
	pages := map[*browser][]string{
		jarless: {"/", "/listings", fmt.Sprintf("/listings/%d", o.ListingID), "/orders", fmt.Sprintf("/orders/%d", o.ID), "/wallet", "/landline", "/account"},
		seller:  {"/seller", "/seller/listings", "/seller/listings/new", "/seller/orders", fmt.Sprintf("/seller/orders/%d", o.ID), "/seller/money", "/account"},
		op:      {"/ops", "/ops/books", "/ops/books?check=1", "/ops/recon", "/ops/payouts", "/ops/payouts?open=true", "/ops/disputes", "/ops/orders", fmt.Sprintf("/ops/orders/%d", o.ID), "/ops/suspense", "/ops/flags", "/ops/clawbacks", "/ops/settings", "/ops/ledger?account=bank:collection", "/ops/ledger?account=escrow:*", "/ops/events", "/ops/users", "/ops/audit"},
	}
	for br, paths := range pages {
		for _, p := range paths {
			pg := br.get(p)
			if pg.status != 200 || !strings.Contains(pg.body, `<html lang="zh-CN">`) {
				t.Errorf("GET %s = %d", p, pg.status)
			}
		}
	}
	if p := op.get("/ops/books?check=1"); p.find(`[data-testid="books-ok"]`).Length() != 1 {
		t.Fatalf("the books check did not pass:\n%s", p.text("main"))
	}
	// The explorer shows each class of per-person accounts as one line, and says when it was summed.
	if p := op.get("/ops/ledger"); p.find(`[data-testid="classes-at"]`).Length() != 1 ||
		!strings.Contains(p.text(`[data-testid="accounts"]`), "wallet:*") || strings.Contains(p.text(`[data-testid="accounts"]`), models.WalletAccount(e.Buyer.ID)) {
		t.Fatalf("ledger explorer:\n%s", p.text("main"))
	}
	if missing := views.Missing(); len(missing) > 0 {
		t.Fatalf("rendered in Chinese without a translation: %q", missing)
	}
}

func TestOperatorSettingsValidate(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	b := (&env{t: t, ts: e.ts}).browser()
	b.login(e.Operator.Login, ptest.Password)
	form := url.Values{"timer.unpaid_close": {"2h"}, "timer.ship_by": {"7d"}, "timer.auto_confirm": {"10d"},
		"timer.confirm_extend": {"5d"}, "timer.refund_answer": {"5d"}, "fees.default_commission": {"0.6"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("timer.ship_by", "soon")
	if p := b.post("/ops/settings", bad); p.status != 422 || p.text(`[data-testid="error-timer.ship_by"]`) == "" {
		t.Fatalf("bad duration: %d", p.status)
	}
	if p := b.post("/ops/settings", form); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	v, _ := e.Settings.Get(e.Ctx, nil)
	if v.Timers.UnpaidClose != 2*time.Hour {
		t.Fatalf("unpaid close = %v", v.Timers.UnpaidClose)
	}
	o := e.Checkout(e.Buyer, e.Listing("10.00", 3), 1)
	if got := e.Order(o.ID); !got.TimerAt.Equal(got.CreatedAt.Add(2 * time.Hour)) {
		t.Fatalf("new order's timer at %v, created %v", got.TimerAt, got.CreatedAt)
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action = 'settings.update'"); n != 1 {
		t.Fatalf("settings audited %d times", n)
	}
}

func TestOperatorSetsCommission(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	b := (&env{t: t, ts: e.ts}).browser()
	b.login(e.Operator.Login, ptest.Password)
	path := fmt.Sprintf("/ops/users/%d/commission", e.Seller.ID)
	if p := b.post(path, url.Values{"rate_percent": {"abc"}}); p.status != http.StatusSeeOther {
		t.Fatalf("bad rate: %d", p.status)
	}
	if p := b.get("/ops/users?role=seller"); p.find(`[data-testid="flash-error"]`).Length() != 1 {
		t.Fatal("bad rate not reported")
	}
	if p := b.post(path, url.Values{"rate_percent": {"1.2"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	p := b.get("/ops/users?role=seller")
	if v, _ := p.find(fmt.Sprintf(`[data-testid="commission-%d"] input[name="rate_percent"]`, e.Seller.ID)).Attr("value"); v != "1.2" {
		t.Fatalf("rate shown as %q", v)
	}
	code, body, _ := e.api(t, "POST", fmt.Sprintf("/api/v1/ops/sellers/%d/commission", e.Seller.ID), e.token(t, e.Operator), "", map[string]string{"rate_percent": "0.8"})
	if code != 200 || body["rate_percent"] != "0.8" {
		t.Fatalf("API: %d %v", code, body)
	}
}

// TestClawbackQueue: a recalled payment that was spent shows on the
// operators' queue, page and API, and an operator's decision is taken from
// either, with its reason.
func TestClawbackQueue(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	top := e.Credit("60.00", ref)
	o := e.Checkout(e.Buyer, e.Listing("60.00", 3), 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_cb", bankbridge.TransferReversed, bankbridge.Reversed{BankTxnID: top, ReversalTxnID: "RCB", Amount: models.MustParseMoney("60.00"), Reason: "fraud"})

	op := (&env{t: t, ts: e.ts}).browser()
	op.login(e.Operator.Login, ptest.Password)
	home := op.get("/ops")
	if home.text(`[data-testid="q-clawbacks"]`) != "1" {
		t.Fatalf("overview counts %q claw-backs", home.text(`[data-testid="q-clawbacks"]`))
	}
	list, _ := e.Clawbacks.List(e.Ctx, e.Operator.Actor(), false)
	if len(list) != 1 {
		t.Fatalf("%d claw-backs", len(list))
	}
	id := list[0].ID
	pg := op.get("/ops/clawbacks")
	if pg.status != 200 || pg.find(fmt.Sprintf(`[data-testid="clawback-%d"] [data-testid="recover"]`, id)).Length() != 1 ||
		!strings.Contains(pg.text(fmt.Sprintf(`[data-testid="clawback-%d"]`, id)), "60.00") {
		t.Fatalf("claw-back page: %d", pg.status)
	}
	// Without a reason: refused beside the form, nothing decided.
	if p := op.post(fmt.Sprintf("/ops/clawbacks/%d/recover", id), url.Values{"note": {""}}); p.status != 422 {
		t.Fatalf("recover without a reason: %d", p.status)
	}
	if cb, _ := e.Clawbacks.Get(e.Ctx, e.Operator.Actor(), id); cb.Status != "open" {
		t.Fatalf("status %s after a refused decision", cb.Status)
	}

	tok, buyerTok := e.token(t, e.Operator), e.token(t, e.Buyer)
	if code, _, _ := e.api(t, "GET", "/api/v1/ops/clawbacks", buyerTok, "", nil); code != 403 {
		t.Fatalf("a buyer reads the queue: %d", code)
	}
	code, body, _ := e.api(t, "GET", "/api/v1/ops/clawbacks", tok, "", nil)
	if items, _ := body["clawbacks"].([]any); code != 200 || len(items) != 1 {
		t.Fatalf("API queue: %d %v", code, body)
	}
	path := fmt.Sprintf("/api/v1/ops/clawbacks/%d/recover", id)
	if code, _, _ := e.api(t, "POST", path, tok, "", map[string]string{"note": "x"}); code != 422 {
		t.Fatalf("a decision without an Idempotency-Key: %d", code)
	}
	code, cb, _ := e.api(t, "POST", path, tok, "cb-1", map[string]string{"note": "buyer informed"})
	if code != 200 || cb["status"] != "recovering" || cb["note"] != "buyer informed" {
		t.Fatalf("recover: %d %v", code, cb)
	}
	e.Credit("25.00", ref)
	if b, owed := e.Balance(models.WalletAccount(e.Buyer.ID)), e.Balance(models.ClawbackAccount(e.Buyer.ID)); b != "0.00" || owed != "35.00" {
		t.Fatalf("after a top-up: wallet %s owed %s", b, owed)
	}
	code, cb, _ = e.api(t, "POST", fmt.Sprintf("/api/v1/ops/clawbacks/%d/write-off", id), tok, "cb-2", map[string]string{"note": "not worth chasing"})
	if code != 200 || cb["status"] != "written_off" || cb["written_off"] != "35.00" {
		t.Fatalf("write off: %d %v", code, cb)
	}
}
