package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/app/telecom"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
	"lineescrow/views"
)

// telEnv is a platform whose telecom front-end is the simulator: the
// platform calls its API over HTTP and its callbacks come back, signed, to
// the platform's own /webhooks/telecom.
type telEnv struct {
	*tradeEnv
	sim *telecomsim.Sim
	// lose, while set, loses the answers of the charge calls after the
	// simulator acted on them (the timeout the contract warns of).
	lose atomic.Bool
}

// loser forwards the platform's calls, losing the charges' answers when told.
type loser struct{ e *telEnv }

func (l loser) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && l.e.lose.Load() && strings.HasSuffix(r.URL.Path, "/v1/charges") {
		res.Body.Close()
		return nil, errors.New("timeout: the answer was lost")
	}
	return res, err
}

func newTelEnv(t *testing.T) *telEnv {
	t.Helper()
	e := newTradeEnv(t)
	cfg := e.Config
	sim, err := telecomsim.New(telecomsim.Config{WebhookURL: e.ts.URL + "/webhooks/telecom", Secret: cfg.TelecomWebhookSecret,
		APIKey: cfg.TelecomAPIKey, Prefix: "/tel", Now: e.Clock.Now, Log: ptest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sim.Handler())
	t.Cleanup(api.Close)
	te := &telEnv{tradeEnv: e, sim: sim}
	e.Telecom.Front = bankbridge.NewTelecom(api.URL+"/tel", cfg.TelecomAPIKey, &http.Client{Transport: loser{te}})
	return te
}

// flush delivers the simulator's callbacks to the platform.
func (e *telEnv) flush() { e.sim.Flush(context.Background()) }

// bind binds the demo line phone to buyer through the service.
func (e *telEnv) bind(t *testing.T, buyer *models.User, phone string) {
	t.Helper()
	var sub telecomsim.Subscriber
	for _, s := range telecomsim.DemoSubscribers() {
		if s.Phone == phone {
			sub = s
		}
	}
	if _, err := e.Telecom.StartBinding(e.Ctx, buyer.Actor(), phone); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Telecom.VerifyHolder(e.Ctx, buyer.Actor(), sub.Holder, sub.IDLast6()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Telecom.ConfirmCode(e.Ctx, buyer.Actor(), e.sim.LastCode(phone)); err != nil {
		t.Fatal(err)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The views speak of charges with the service's words.
func TestViewsKnowTheServicesWords(t *testing.T) {
	for _, w := range [][2]string{
		{telecom.WaitingOperator, views.WaitOperator}, {telecom.WaitingBill, views.WaitBill}, {telecom.WaitingPayment, views.WaitPayment},
		{telecom.WaitingOverdue, views.WaitOverdue}, {telecom.BlockedOverdue, views.BlockedOverdue}, {telecom.BlockedWrittenOff, views.BlockedWrittenOff},
		{telecom.BlockedArrears, views.BlockedArrears}, {telecom.BlockedStatus, views.BlockedStatus}, {telecom.BlockedNoCredit, views.BlockedNoCredit},
	} {
		if w[0] != w[1] {
			t.Errorf("the service says %q, the views %q", w[0], w[1])
		}
	}
}

// TestBindingALandlineOnThePortal: a buyer binds a landline step by step;
// each refusal comes back beside its field and changes nothing; the ID
// digits and the code are never shown again; then the page shows the line's
// credit and how it comes about.
func TestBindingALandlineOnThePortal(t *testing.T) {
	t.Parallel()
	e := newTelEnv(t)
	b := e.browser(t, e.Buyer)
	p := b.get("/landline")
	if p.status != 200 || p.find(`[data-testid="lookup-form"]`).Length() != 1 || p.find(`[data-testid="nav"] a[href="/landline"]`).Length() != 1 {
		t.Fatalf("landline page: %d", p.status)
	}
	for phone, want := range map[string]string{"12345": "area code", telecomsim.LineSuspended: "suspended", "05305559999": "no landline"} {
		p := b.post("/landline/lookup", url.Values{"phone": {phone}})
		if p.status != 422 || !strings.Contains(p.text(`[data-testid="error-phone"]`), want) {
			t.Errorf("lookup %s: %d %q, want a field error about %q", phone, p.status, p.text(`[data-testid="error-phone"]`), want)
		}
	}
	if n := e.Count("SELECT count(*) FROM landlines"); n != 0 {
		t.Fatalf("refused lookups kept %d landlines", n)
	}
	if p := b.post("/landline/lookup", url.Values{"phone": {"0530-555 2001"}}); p.status != 303 {
		t.Fatalf("lookup: %d %s", p.status, p.text(`[data-testid="error-phone"]`))
	}
	p = b.get("/landline")
	if step, _ := p.find(`[data-testid="landline-step"]`).Attr("data-step"); step != "holder" || p.text(`[data-testid="binding-holder"]`) != "张*" ||
		p.text(`[data-testid="binding-class"]`) != "A" || p.text(`[data-testid="binding-tenure"]`) != "96 months" {
		t.Fatalf("holder step: %q %q %q %q", step, p.text(`[data-testid="binding-holder"]`), p.text(`[data-testid="binding-class"]`), p.text(`[data-testid="binding-tenure"]`))
	}
	// A wrong holder: the tries left beside the field, the ID digits not shown again.
	p = b.post("/landline/holder", url.Values{"holder_name": {"张三"}, "id_last6": {"152316"}})
	if p.status != 422 || !strings.Contains(p.text(`[data-testid="error-holder_name"]`), "4 tries left") ||
		!strings.Contains(p.text(`[data-testid="tries-left"]`), "4") {
		t.Fatalf("wrong holder: %d %q", p.status, p.text(`[data-testid="error-holder_name"]`))
	}
	if v, _ := p.find(`input[name="holder_name"]`).Attr("value"); v != "张三" || strings.Contains(p.body, "152316") {
		t.Fatalf("the form again: name %q, ID digits shown: %v", v, strings.Contains(p.body, "152316"))
	}
	p = b.post("/landline/holder", url.Values{"holder_name": {"张伟"}, "id_last6": {"15231"}})
	if p.status != 422 || p.find(`[data-testid="error-id_last6"]`).Length() != 1 {
		t.Fatalf("malformed ID digits: %d", p.status)
	}
	if p := b.post("/landline/holder", url.Values{"holder_name": {"张伟"}, "id_last6": {"152316"}}); p.status != 303 {
		t.Fatalf("right holder: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	code := e.sim.LastCode(telecomsim.LineBuyer)
	p = b.get("/landline")
	if !strings.Contains(p.text(`[data-testid="calling"]`), "0530-5552001") || p.find(`[data-testid="code-form"]`).Length() != 1 {
		t.Fatalf("code step: %q", p.text(`[data-testid="calling"]`))
	}
	// Another call at once: the service's reason, no new call.
	p = b.post("/landline/call", nil)
	if p.status != 429 || !strings.Contains(p.text(`[data-testid="form-error"]`), "Wait a minute") || e.sim.LastCode(telecomsim.LineBuyer) != code {
		t.Fatalf("call again at once: %d %q", p.status, p.text(`[data-testid="form-error"]`))
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	p = b.post("/landline/code", url.Values{"code": {wrong}})
	if v, _ := p.find(`input[name="code"]`).Attr("value"); p.status != 422 || p.find(`[data-testid="error-code"]`).Length() != 1 || v != "" {
		t.Fatalf("wrong code: %d, typed again %q", p.status, v)
	}
	if p := b.post("/landline/code", url.Values{"code": {code}}); p.status != 303 {
		t.Fatalf("right code: %d %s", p.status, p.text(`[data-testid="error-code"]`))
	}
	p = b.get("/landline")
	why := p.text(`[data-testid="credit-why"]`)
	if p.text(`[data-testid="line-phone"]`) != "0530-5552001" || p.text(`[data-testid="credit-limit"]`) != "¥3,000.00" ||
		p.text(`[data-testid="credit-available"]`) != "¥3,000.00" || p.find(`[data-testid="line-blocked"]`).Length() != 0 {
		t.Fatalf("bound: %q %q", p.text(`[data-testid="line-phone"]`), p.text(`[data-testid="credit-limit"]`))
	}
	for _, want := range []string{"class A ¥3,000.00", "class B ¥1,500.00", "class C ¥500.00", "class D none", "less than 6 months gets at most ¥300.00", "open 96 months"} {
		if !strings.Contains(why, want) {
			t.Errorf("the credit's explanation lacks %q: %s", want, why)
		}
	}
	// The operators' numbers, not the defaults.
	if _, err := e.Settings.Update(e.Ctx, e.Operator.Actor(), map[string]string{"credit.limit_a": "2000.00"}); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/landline"); !strings.Contains(p.text(`[data-testid="credit-why"]`), "class A ¥2,000.00") || p.text(`[data-testid="credit-limit"]`) != "¥2,000.00" {
		t.Fatalf("after the operators' change: %s", p.text(`[data-testid="credit-why"]`))
	}
	// The API twin: the same page, never a secret.
	code2, body, _ := e.api(t, "GET", "/api/v1/landline", e.token(t, e.Buyer), "", nil)
	line, _ := body["line"].(map[string]any)
	credit, _ := body["credit"].(map[string]any)
	if code2 != 200 || line["state"] != "bound" || line["phone"] != "0530-5552001" || credit["limit"] != "2000.00" || body["binding"] != nil {
		t.Fatalf("GET /api/v1/landline: %d %v", code2, body)
	}
	if s := jsonText(body); strings.Contains(s, "mac") || strings.Contains(s, "152316") || strings.Contains(s, `"`+code+`"`) {
		t.Fatalf("the answer carries a secret: %s", s)
	}
	// In Chinese, every text translated.
	b.lang = "zh-CN"
	if p := b.get("/landline"); p.status != 200 || !strings.Contains(p.text(`[data-testid="credit-why"]`), "A 级") {
		t.Fatalf("in Chinese: %d %q", p.status, p.text(`[data-testid="credit-why"]`))
	}
}

// TestLandlinePagesAnswerBuyersOnly: others get 403, nobody signs in; a
// refused action changes nothing.
func TestLandlinePagesAnswerBuyersOnly(t *testing.T) {
	t.Parallel()
	e := newTelEnv(t)
	seller := e.browser(t, e.Seller)
	if p := seller.get("/landline"); p.status != 403 {
		t.Errorf("a seller's landline page: %d", p.status)
	}
	if p := seller.post("/landline/lookup", url.Values{"phone": {telecomsim.LineBuyer}}); p.status != 403 {
		t.Errorf("a seller looks a line up: %d", p.status)
	}
	if p := e.browser(t, e.Operator).get("/landline"); p.status != 403 {
		t.Errorf("an operator's landline page: %d", p.status)
	}
	if p := e.browser(t, nil).get("/landline"); p.status != 303 || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Errorf("nobody's landline page: %d %s", p.status, p.header.Get("Location"))
	}
	seller2 := e.token(t, e.Seller)
	for _, r := range []struct{ method, path string }{{"GET", "/api/v1/landline"}, {"POST", "/api/v1/landline/lookup"}, {"POST", "/api/v1/landline/unbind"},
		{"POST", "/api/v1/wallet/cards"}, {"POST", "/api/v1/landline/holder"}} {
		var body any
		if r.method == "POST" {
			body = map[string]string{}
		}
		if code, out, _ := e.api(t, r.method, r.path, seller2, "k-"+r.path, body); code != 403 || errCode(out) != models.EFORBIDDEN {
			t.Errorf("a seller %s %s: %d %v", r.method, r.path, code, out)
		}
		if code, out, _ := e.api(t, r.method, r.path, "", "", body); code != 401 || errCode(out) != models.EUNAUTHORIZED {
			t.Errorf("nobody %s %s: %d %v", r.method, r.path, code, out)
		}
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/seller/charges", e.token(t, e.Buyer), "", nil); code != 403 {
		t.Errorf("a buyer reads the seller's charges: %d", code)
	}
	if n := e.Count("SELECT count(*) FROM landlines"); n != 0 {
		t.Fatalf("refused requests kept %d landlines", n)
	}
}

// TestBindingALandlineThroughTheAPI: the same steps as JSON, errors with
// stable codes and fields, no secret in any answer.
func TestBindingALandlineThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newTelEnv(t)
	tok := e.token(t, e.Buyer2)
	call := func(path string, body any) (int, map[string]any) {
		t.Helper()
		code, out, _ := e.api(t, "POST", "/api/v1/landline/"+path, tok, "", body)
		return code, out
	}
	field := func(out map[string]any) string {
		e, _ := out["error"].(map[string]any)
		f, _ := e["field"].(string)
		return f
	}
	if code, out := call("lookup", map[string]string{"phone": telecomsim.LineInArrears}); code != 422 || errCode(out) != models.EINVALID || field(out) != "phone" {
		t.Fatalf("a line in arrears: %d %v", code, out)
	}
	if code, out := call("lookup", map[string]string{"phone": "0530-5552002", "pin": "1"}); code != 422 || errCode(out) != models.EINVALID {
		t.Fatalf("an unknown field: %d %v", code, out)
	}
	if code, out := call("holder", map[string]string{"holder_name": "李娜", "id_last6": "080427"}); code != 409 || errCode(out) != models.ECONFLICT {
		t.Fatalf("the holder before the lookup: %d %v", code, out)
	}
	code, out := call("lookup", map[string]string{"phone": "0530-5552002"})
	if code != 200 || out["state"] != "looked_up" || out["holder_masked"] != "李*" || out["credit_class"] != "B" || out["holder_tries_left"] != float64(5) {
		t.Fatalf("lookup: %d %v", code, out)
	}
	if code, out := call("holder", map[string]string{"holder_name": "李四", "id_last6": "080427"}); code != 422 || field(out) != "holder_name" ||
		strings.Contains(jsonText(out), "080427") {
		t.Fatalf("wrong holder: %d %v", code, out)
	}
	code, out = call("holder", map[string]string{"holder_name": "李娜", "id_last6": "080427"})
	if code != 200 || out["state"] != "holder_verified" || out["calls_left"] != float64(2) || out["code_sent_at"] == nil || out["code_expires_at"] == nil {
		t.Fatalf("holder: %d %v", code, out)
	}
	read := e.sim.LastCode(telecomsim.LineClassB)
	if strings.Contains(jsonText(out), read) {
		t.Fatalf("the answer carries the code: %v", out)
	}
	if code, out := call("call", nil); code != 429 || errCode(out) != models.ERATELIMIT {
		t.Fatalf("call again at once: %d %v", code, out)
	}
	if code, out := call("code", map[string]string{"code": "12"}); code != 422 || field(out) != "code" {
		t.Fatalf("malformed code: %d %v", code, out)
	}
	code, out = call("code", map[string]string{"code": read})
	if code != 200 || out["state"] != "bound" || out["holder_name"] != "李娜" || out["bound_at"] == nil {
		t.Fatalf("code: %d %v", code, out)
	}
	if code, out := call("lookup", map[string]string{"phone": telecomsim.LineClassC}); code != 409 || errCode(out) != models.ECONFLICT {
		t.Fatalf("a second line: %d %v", code, out)
	}
	_, page, _ := e.api(t, "GET", "/api/v1/landline", tok, "", nil)
	if credit, _ := page["credit"].(map[string]any); credit["limit"] != "1500.00" || credit["blocked"] != "" {
		t.Fatalf("credit: %v", page)
	}
	if code, out := call("unbind", nil); code != 200 || out["status"] != "unbound" {
		t.Fatalf("unbind: %d %v", code, out)
	}
	if code, out := call("unbind", nil); code != 404 || errCode(out) != models.ENOTFOUND {
		t.Fatalf("unbind again: %d %v", code, out)
	}
	// A binding given up.
	if code, _ := call("lookup", map[string]string{"phone": telecomsim.LineClassC}); code != 200 {
		t.Fatal("lookup again")
	}
	if code, out := call("cancel", nil); code != 200 || out["status"] != "cancelled" {
		t.Fatalf("cancel: %d %v", code, out)
	}
	if _, page, _ := e.api(t, "GET", "/api/v1/landline", tok, "", nil); page["binding"] != nil || page["line"] != nil {
		t.Fatalf("after cancelling: %v", page)
	}
}

// TestPayingByLandlineBill: the order page offers the landline (or a link to
// bind one), a wrong password comes back beside the landline form's field
// and charges nothing, the charge then pays the order and shows on the
// order page, the API does the same with an Idempotency-Key, and the seller
// is warned when the consignee is not the line's holder.
func TestPayingByLandlineBill(t *testing.T) {
	t.Parallel()
	e := newTelEnv(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	buyer := e.browser(t, e.Buyer)
	o := e.Checkout(e.Buyer, e.Listing("259.00", 5), 1)
	path := fmt.Sprintf("/orders/%d", o.ID)
	p := buyer.get(path)
	if p.find(`[data-testid="landline-pay-form"]`).Length() != 1 || !strings.Contains(p.text(`[data-testid="landline-pay"]`), "Credit left: ¥3,000.00") {
		t.Fatalf("order page: %q", p.text(`[data-testid="landline-pay"]`))
	}
	p = buyer.post(path+"/pay-by-landline", url.Values{"pay_password": {"000111"}, "pay_via": {"landline"}})
	if p.status != 422 || p.find(`[data-testid="landline-pay-form"] [data-testid="error-pay_password"]`).Length() != 1 ||
		p.find(`[data-testid="wallet-pay-form"] [data-testid="error-pay_password"]`).Length() != 0 {
		t.Fatalf("wrong password: %d", p.status)
	}
	if n := e.Count("SELECT count(*) FROM telecom_charges"); n != 0 || e.Order(o.ID).State != models.AwaitingPayment {
		t.Fatalf("a wrong password charged %d", n)
	}
	p = buyer.post(path+"/pay-by-landline", url.Values{"pay_password": {ptest.PIN}, "pay_via": {"landline"}})
	if p.status != 303 || p.header.Get("Location") != path {
		t.Fatalf("pay: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	p = buyer.get(path)
	if !strings.Contains(p.text(`[data-testid="flash-success"]`), "Charged to landline 0530-5552001") || e.Order(o.ID).State != models.Paid {
		t.Fatalf("paid: %q", p.text(`[data-testid="flash-success"]`))
	}
	if st, _ := p.find(`[data-testid="order-charge"]`).Attr("data-state"); st != "accepted" ||
		!strings.Contains(p.text(`[data-testid="order-charge"] [data-testid="charge-waits"]`), "On your phone bill") ||
		p.text(`[data-testid="charge-cycle"]`) == "" {
		t.Fatalf("the order's charge: %q %q", st, p.text(`[data-testid="order-charge"]`))
	}
	if p := buyer.get("/landline"); !strings.Contains(p.text(fmt.Sprintf(`[data-testid="line-charge-%d"]`, o.ID)), "On your phone bill issued on") ||
		p.text(`[data-testid="credit-used"]`) != "¥259.00" {
		t.Fatalf("landline page after paying: %q", p.text(`[data-testid="line-charges"]`))
	}
	// Unbinding waits for the collection.
	p = buyer.post("/landline/unbind", nil)
	if p.status != 409 || !strings.Contains(p.text(`[data-testid="form-error"]`), "not collected") {
		t.Fatalf("unbind with a charge: %d %q", p.status, p.text(`[data-testid="form-error"]`))
	}
	// A buyer without a line is sent to bind one.
	o2 := e.Checkout(e.Buyer2, e.Listing("20.00", 1), 1)
	if p := e.browser(t, e.Buyer2).get(fmt.Sprintf("/orders/%d", o2.ID)); p.find(`[data-testid="bind-landline"][href="/landline"]`).Length() != 1 ||
		p.find(`[data-testid="landline-pay-form"]`).Length() != 0 {
		t.Fatal("no link to bind a landline")
	}

	// The API: keyed like the wallet payment.
	tok := e.token(t, e.Buyer)
	o3 := e.Checkout(e.Buyer, e.Listing("30.00", 1), 1)
	api := fmt.Sprintf("/api/v1/orders/%d/pay-by-landline", o3.ID)
	if code, out, _ := e.api(t, "POST", api, tok, "", map[string]string{"pay_password": ptest.PIN}); code != 422 || errCode(out) != models.EINVALID {
		t.Fatalf("without a key: %d %v", code, out)
	}
	code, ch, _ := e.api(t, "POST", api, tok, "tel-1", map[string]string{"pay_password": ptest.PIN})
	if code != 200 || ch["state"] != "accepted" || ch["order_id"] != float64(o3.ID) || ch["amount"] != "30.00" || ch["bill_cycle"] == "" {
		t.Fatalf("API pay: %d %v", code, ch)
	}
	if code, again, h := e.api(t, "POST", api, tok, "tel-1", map[string]string{"pay_password": "999999"}); code != 200 ||
		h.Get("Idempotent-Replayed") != "true" || again["id"] != ch["id"] {
		t.Fatalf("replay: %d %v", code, again)
	}
	if n := e.Count("SELECT count(*) FROM telecom_charges WHERE order_id = ?", o3.ID); n != 1 {
		t.Fatalf("%d charges for one order", n)
	}
	var fp []byte
	if err := e.DB.Raw("SELECT fingerprint FROM api_idempotency WHERE key = 'tel-1'").Row().Scan(&fp); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fp, e.Idempotency.Fingerprint("POST", api, []byte(`{}`))) {
		t.Fatal("the fingerprint depends on the payment password")
	}
	if code, out, _ := e.api(t, "POST", api, e.token(t, e.Seller), "tel-2", map[string]string{"pay_password": ptest.PIN}); code != 403 || errCode(out) != models.EFORBIDDEN {
		t.Fatalf("a seller pays: %d %v", code, out)
	}
	// The order's read carries the charge: the whole number for the buyer, masked for the seller.
	_, full, _ := e.api(t, "GET", fmt.Sprintf("/api/v1/orders/%d", o3.ID), tok, "", nil)
	if c, _ := full["charge"].(map[string]any); c["state"] != "accepted" || c["phone"] != "0530-5552001" || c["waiting"] != telecom.WaitingBill {
		t.Fatalf("the buyer's order read: %v", full["charge"])
	}
	_, sold, _ := e.api(t, "GET", fmt.Sprintf("/api/v1/orders/%d", o3.ID), e.token(t, e.Seller), "", nil)
	if c, _ := sold["charge"].(map[string]any); c["state"] != "accepted" || strings.Contains(c["phone"].(string), "555200") || c["holder_mismatch"] != false {
		t.Fatalf("the seller's order read: %v", sold["charge"])
	}

	// Delivered to someone who is not the line's holder: the seller is told to check.
	l := e.Listing("40.00", 1)
	o4, err := e.Orders.Checkout(e.Ctx, e.Buyer.Actor(), models.Checkout{ListingID: l.ID, Quantity: 1, ConsigneeName: "李四",
		ConsigneePhone: "13700137000", ConsigneeAddress: "菏泽市中华路 2 号"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o4.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	seller := e.browser(t, e.Seller)
	if p := seller.get(fmt.Sprintf("/seller/orders/%d", o4.ID)); !strings.Contains(p.text(`[data-testid="holder-mismatch"]`), "not the landline holder") {
		t.Fatalf("the seller is not warned: %q", p.text("main"))
	}
	if p := buyer.get(fmt.Sprintf("/orders/%d", o4.ID)); p.find(`[data-testid="holder-mismatch"]`).Length() != 0 {
		t.Fatal("the buyer sees the holder check")
	}
	if p := seller.get(fmt.Sprintf("/seller/orders/%d", o.ID)); p.status != 200 || p.find(`[data-testid="holder-mismatch"]`).Length() != 0 {
		t.Fatal("a warning for the holder's own order")
	}
}

// TestAChargeNotConfirmedYet: when the phone company's answer is lost the
// order stays unpaid, the buyer is told the charge is not confirmed yet and
// not to pay again, and is not offered the landline again; the API answers
// the charge as requested.
func TestAChargeNotConfirmedYet(t *testing.T) {
	t.Parallel()
	e := newTelEnv(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.lose.Store(true)
	b := e.browser(t, e.Buyer)
	o := e.Checkout(e.Buyer, e.Listing("80.00", 2), 1)
	path := fmt.Sprintf("/orders/%d", o.ID)
	if p := b.post(path+"/pay-by-landline", url.Values{"pay_password": {ptest.PIN}, "pay_via": {"landline"}}); p.status != 303 {
		t.Fatalf("pay: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	p := b.get(path)
	if !strings.Contains(p.text(`[data-testid="flash-warning"]`), "do not pay this order again") || p.find(`[data-testid="flash-success"]`).Length() != 0 {
		t.Fatalf("the buyer is not warned: %q", p.text(`[data-testid="flash-warning"]`))
	}
	if st, _ := p.find(`[data-testid="order-charge"]`).Attr("data-state"); st != "requested" || p.find(`[data-testid="charge-unconfirmed"]`).Length() != 1 ||
		p.find(`[data-testid="landline-pay-form"]`).Length() != 0 || e.Order(o.ID).State != models.AwaitingPayment {
		t.Fatalf("the order page: charge %q, pay form %d", st, p.find(`[data-testid="landline-pay-form"]`).Length())
	}
	o2 := e.Checkout(e.Buyer, e.Listing("60.00", 2), 1)
	code, ch, _ := e.api(t, "POST", fmt.Sprintf("/api/v1/orders/%d/pay-by-landline", o2.ID), e.token(t, e.Buyer), "lost-1", map[string]string{"pay_password": ptest.PIN})
	if code != 200 || ch["state"] != "requested" || ch["waiting"] != telecom.WaitingOperator {
		t.Fatalf("API: %d %v", code, ch)
	}
}

// TestRechargeCardsOnTheWallet: refusals beside their fields, the PIN never
// shown again; a card tops the balance up; the API keys it and its
// idempotency record keeps no PIN.
func TestRechargeCardsOnTheWallet(t *testing.T) {
	t.Parallel()
	e := newTelEnv(t)
	b := e.browser(t, e.Buyer)
	if p := b.get("/wallet"); p.find(`[data-testid="card-form"]`).Length() != 1 {
		t.Fatal("no card form on the wallet page")
	}
	for _, c := range []struct{ no, pin, field, want string }{
		{"5301 2026 0000 01", "90317468", "card_no", "16-digit"},
		{telecomsim.Card100, "9031", "card_pin", "8-digit"},
		{telecomsim.Card100, "11111111", "card_pin", "wrong"},
		{telecomsim.CardUsed, "58219034", "card_no", "already been used"},
		{telecomsim.CardExpired, "30948127", "card_no", "expired"},
	} {
		p := b.post("/wallet/cards", url.Values{"card_no": {c.no}, "card_pin": {c.pin}})
		if p.status != 422 || !strings.Contains(p.text(`[data-testid="error-`+c.field+`"]`), c.want) {
			t.Errorf("card %s/%s: %d %q, want %q beside %s", c.no, c.pin, p.status, p.text(`[data-testid="error-`+c.field+`"]`), c.want, c.field)
		}
		if v, _ := p.find(`input[name="card_pin"]`).Attr("value"); v != "" || strings.Contains(p.body, c.pin) {
			t.Errorf("the PIN %s is shown again", c.pin)
		}
	}
	if b := e.Balance(models.WalletAccount(e.Buyer.ID)); b != "0.00" {
		t.Fatalf("refused cards credited %s", b)
	}
	if p := b.post("/wallet/cards", url.Values{"card_no": {"5301-2026-0000-0102"}, "card_pin": {"90317468"}}); p.status != 303 {
		t.Fatalf("redeem: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	p := b.get("/wallet")
	if !strings.Contains(p.text(`[data-testid="flash-success"]`), "¥100.00") || p.text(`[data-testid="wallet-balance"]`) != "¥100.00" {
		t.Fatalf("after the card: %q %q", p.text(`[data-testid="flash-success"]`), p.text(`[data-testid="wallet-balance"]`))
	}
	if got := p.text(`[data-testid="cards"] tr[data-state="redeemed"]`); !strings.Contains(got, "…0102") || !strings.Contains(got, "¥100.00") {
		t.Fatalf("the card's row: %q", got)
	}

	tok := e.token(t, e.Buyer)
	body := map[string]string{"card_no": telecomsim.Card50, "card_pin": "41875203"}
	if code, _, _ := e.api(t, "POST", "/api/v1/wallet/cards", tok, "", body); code != 422 {
		t.Fatalf("without a key: %d", code)
	}
	if code, out, _ := e.api(t, "POST", "/api/v1/wallet/cards", tok, "card-0", map[string]string{"card_no": telecomsim.Card50, "card_pin": "00000000"}); code != 422 || errCode(out) != models.EINVALID {
		t.Fatalf("a wrong PIN: %d %v", code, out)
	}
	// The same key with the right PIN runs (a refusal is not kept)…
	code, r, _ := e.api(t, "POST", "/api/v1/wallet/cards", tok, "card-0", body)
	if code != 201 || r["state"] != "redeemed" || r["face_value"] != "50.00" || r["card_last4"] != "0101" {
		t.Fatalf("API redeem: %d %v", code, r)
	}
	// …and the PIN is no part of the request's identity: a repeat replays.
	if code, again, h := e.api(t, "POST", "/api/v1/wallet/cards", tok, "card-0", map[string]string{"card_no": telecomsim.Card50, "card_pin": "99999999"}); code != 201 ||
		h.Get("Idempotent-Replayed") != "true" || again["id"] != r["id"] {
		t.Fatalf("replay: %d %v", code, again)
	}
	var rec struct {
		Fingerprint []byte
		Response    []byte
	}
	if err := e.DB.Raw("SELECT fingerprint, response FROM api_idempotency WHERE key = 'card-0'").Scan(&rec).Error; err != nil {
		t.Fatal(err)
	}
	withoutPIN, _ := json.Marshal(map[string]string{"card_no": telecomsim.Card50})
	if !bytes.Equal(rec.Fingerprint, e.Idempotency.Fingerprint("POST", "/api/v1/wallet/cards", withoutPIN)) || bytes.Contains(rec.Response, []byte("41875203")) {
		t.Fatal("the idempotency record depends on or keeps the PIN")
	}
	if b := e.Balance(models.WalletAccount(e.Buyer.ID)); b != "150.00" {
		t.Fatalf("balance %s, want 150.00", b)
	}
	code, w, _ := e.api(t, "GET", "/api/v1/wallet", tok, "", nil)
	if cards, _ := w["cards"].([]any); code != 200 || len(cards) != 6 {
		t.Fatalf("the wallet's cards: %d %v", code, w["cards"])
	}
}

// TestSellerSeesMoneyWaitingForThePhoneBill: the money page shows, per
// order, the seller's part waiting for the buyer's phone bill and what it
// waits for; the stage of pending money agrees; once the bill is paid the
// money is available and the order leaves the list.
func TestSellerSeesMoneyWaitingForThePhoneBill(t *testing.T) {
	t.Parallel()
	e := newTelEnv(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o := e.Checkout(e.Buyer, e.Listing("259.00", 5), 1)
	c, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	seller := e.browser(t, e.Seller)
	row := fmt.Sprintf(`[data-testid="seller-charge-%d"]`, o.ID)
	p := seller.get("/seller/money")
	if p.text(row+` [data-testid="charge-pending"]`) != "¥257.45" || p.text(`[data-testid="money-pending"]`) != "¥257.45" ||
		!strings.Contains(p.text(row), "not issued yet") || p.text(`[data-testid="money-available"]`) != "¥0.00" {
		t.Fatalf("money page: %q, pending %q", p.text(row), p.text(`[data-testid="money-pending"]`))
	}
	tok := e.token(t, e.Seller)
	code, out, _ := e.api(t, "GET", "/api/v1/seller/charges", tok, "", nil)
	list, _ := out["charges"].([]any)
	if code != 200 || len(list) != 1 || list[0].(map[string]any)["pending"] != "257.45" || list[0].(map[string]any)["waiting"] != telecom.WaitingBill {
		t.Fatalf("GET /api/v1/seller/charges: %d %v", code, out)
	}
	// The bill is issued, then paid.
	if _, err := e.sim.CloseCycle(c.Cycle()); err != nil {
		t.Fatal(err)
	}
	e.flush()
	if p := seller.get("/seller/money"); !strings.Contains(p.text(row), "Billed: the buyer pays by") {
		t.Fatalf("billed: %q", p.text(row))
	}
	if err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	e.flush()
	p = seller.get("/seller/money")
	if p.find(row).Length() != 0 || p.text(`[data-testid="money-available"]`) != "¥257.45" || p.text(`[data-testid="money-pending"]`) != "¥0.00" {
		t.Fatalf("collected: %q, available %q", p.text(`[data-testid="seller-charges"]`), p.text(`[data-testid="money-available"]`))
	}
	if _, out, _ := e.api(t, "GET", "/api/v1/seller/charges", tok, "", nil); len(out["charges"].([]any)) != 0 {
		t.Fatalf("still waiting: %v", out)
	}
	seller.lang = "zh-CN"
	if p := seller.get("/seller/money"); p.status != 200 {
		t.Fatalf("in Chinese: %d", p.status)
	}
	if m := views.Missing(); len(m) > 0 {
		t.Fatalf("rendered in Chinese without a translation: %q", m)
	}
}
