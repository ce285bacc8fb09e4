package web_test

import (
	"net/url"
	"strings"
	"testing"

	"lineescrow/app/instore"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// instoreEnv is a trade environment whose seller takes in-store payments
// and whose buyer has 100.00 on the balance.
func instoreEnv(t *testing.T) (*tradeEnv, *instore.Shop) {
	t.Helper()
	e := newTradeEnv(t)
	sh, err := e.Instore.Enable(e.Ctx, e.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.Credit("100.00", ref)
	return e, sh
}

// typo changes the check digit of a shop number.
func typo(n instore.ShopNumber) string {
	s := string(n)
	return s[:6] + string('0'+(s[6]-'0'+1)%10)
}

func TestInstoreSellerPages(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	b := e.browser(t, e.Seller)
	p := b.get("/seller/instore")
	if p.status != 200 || p.find(`[data-testid="instore-enable"]`).Length() != 1 || p.find(`[data-testid="shop-number"]`).Length() != 0 {
		t.Fatalf("before enabling: %d", p.status)
	}
	if p := b.get("/seller/instore/card"); p.status != 303 {
		t.Fatalf("card before enabling: %d", p.status)
	}
	if p := b.post("/seller/instore/enable", nil); p.status != 303 || p.header.Get("Location") != "/seller/instore" {
		t.Fatalf("enable: %d %s", p.status, p.header.Get("Location"))
	}
	sh, err := e.Instore.MyShop(e.Ctx, e.Seller.Actor())
	if err != nil || sh == nil || !sh.Enabled {
		t.Fatalf("%+v %v", sh, err)
	}
	p = b.get("/seller/instore")
	if got := p.text(`[data-testid="shop-number"]`); got != sh.Number.Display() {
		t.Fatalf("shop number %q, want %q", got, sh.Number.Display())
	}
	card := b.get("/seller/instore/card")
	if card.status != 200 || card.text(`[data-testid="card-number"]`) != sh.Number.Display() ||
		card.text(`[data-testid="card-hotline"]`) != "0530-96588" || card.text(`[data-testid="card-name"]`) != sh.Name {
		t.Fatalf("card: %d %q %q", card.status, card.text(`[data-testid="card-number"]`), card.text(`[data-testid="card-hotline"]`))
	}
	b.lang = "zh-CN"
	if zh := b.get("/seller/instore/card"); !strings.Contains(zh.body, "收款码") || !strings.Contains(zh.body, "拨打支付热线 0530-96588") {
		t.Fatal("the card in Chinese lacks its words")
	}
	b.lang = ""
	till := b.get("/seller/instore/till")
	if till.status != 200 || till.find(`[data-testid="empty"]`).Length() != 1 || till.text(`[data-testid="till-total"]`) != "¥0.00" {
		t.Fatalf("empty till: %d", till.status)
	}
	if hx, _ := till.find(`#till`).Attr("hx-get"); hx != "/seller/instore/till" {
		t.Fatalf("the till does not poll: %q", hx)
	}
	seller := e.token(t, e.Seller)
	code, body, _ := e.api(t, "GET", "/api/v1/seller/instore", seller, "", nil)
	if code != 200 || body["enabled"] != true || body["shop_number"] != string(sh.Number) || body["hotline"] != "0530-96588" || body["rate_percent"] != "0.38" {
		t.Fatalf("API shop: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/seller/instore/disable", seller, "", nil); code != 200 || body["enabled"] != false {
		t.Fatalf("disable: %d %v", code, body)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/seller/instore", e.token(t, e.Buyer), "", nil); code != 403 {
		t.Fatalf("a buyer reads the shop: %d", code)
	}
}

func TestPayAShopOnTheWeb(t *testing.T) {
	t.Parallel()
	e, sh := instoreEnv(t)
	b := e.browser(t, e.Buyer)
	if p := b.get("/instore/pay"); p.status != 200 || p.find(`[data-testid="pay-shop-form"]`).Length() != 1 {
		t.Fatalf("pay a shop: %d", p.status)
	}
	// A mistyped number: refused beside its field, before any password.
	p := b.get("/instore/pay?shop=" + typo(sh.Number) + "&amount=38.50")
	if p.status != 422 || !strings.Contains(p.text(`[data-testid="error-shop"]`), "mistyped") || p.find(`[data-testid="pay-shop-pay"]`).Length() != 0 {
		t.Fatalf("typo: %d %q", p.status, p.text(`[data-testid="error-shop"]`))
	}
	if p := b.get("/instore/pay?shop=" + string(sh.Number) + "&amount=100.01"); p.status != 422 || p.text(`[data-testid="form-error"]`) == "" {
		t.Fatalf("short balance: %d", p.status)
	}
	// The confirm step: the shop's name beside the amount, then the password.
	p = b.get("/instore/pay?shop=" + url.QueryEscape(sh.Number.Display()) + "&amount=38.50")
	if p.status != 200 || p.text(`[data-testid="confirm-shop"]`) != sh.Name || p.text(`[data-testid="confirm-amount"]`) != "¥38.50" {
		t.Fatalf("confirm: %d %q %q", p.status, p.text(`[data-testid="confirm-shop"]`), p.text(`[data-testid="confirm-amount"]`))
	}
	key, _ := p.find(`input[name="idem_key"]`).Attr("value")
	form := url.Values{"shop": {string(sh.Number)}, "amount": {"38.50"}, "idem_key": {key}, "pay_password": {"000000"}}
	wrong := b.post("/instore/pay", form)
	if wrong.status != 422 || wrong.text(`[data-testid="error-pay_password"]`) == "" || wrong.text(`[data-testid="confirm-shop"]`) != sh.Name {
		t.Fatalf("wrong password: %d", wrong.status)
	}
	form.Set("pay_password", ptest.PIN)
	paid := b.post("/instore/pay", form)
	loc := paid.header.Get("Location")
	if paid.status != 303 || !strings.HasPrefix(loc, "/instore/payments/IS") {
		t.Fatalf("pay: %d %s", paid.status, loc)
	}
	// A second press of Pay: the same payment, paid once.
	if again := b.post("/instore/pay", form); again.status != 303 || again.header.Get("Location") != loc {
		t.Fatalf("again: %d %s", again.status, again.header.Get("Location"))
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)); got != "61.50" {
		t.Fatalf("wallet %s", got)
	}
	// The balance's history says where the money went, linked to the receipt.
	w := b.get("/wallet").find(`[data-testid="wallet-words"] a[href="` + loc + `"]`)
	if w.Length() != 1 || !strings.Contains(w.Text(), "Paid to a shop at its counter") {
		t.Fatalf("wallet history: %d %q", w.Length(), w.Text())
	}
	receipt := b.get(loc)
	if receipt.status != 200 || receipt.text(`[data-testid="receipt-amount"]`) != "¥38.50" || strings.Contains(receipt.body, "¥0.15") {
		t.Fatalf("receipt: %d", receipt.status)
	}
	if other := e.browser(t, e.Buyer2).get(loc); other.status != 404 {
		t.Fatalf("another buyer's receipt: %d", other.status)
	}

	// The seller's till shows it, on reload and to htmx's poll.
	s := e.browser(t, e.Seller)
	till := s.get("/seller/instore/till")
	id := strings.TrimPrefix(loc, "/instore/payments/")
	row := till.find(`[data-testid="till-` + id + `"]`)
	if row.Length() != 1 || strings.TrimSpace(row.Find(`[data-testid="payer-last4"]`).Text()) != "…8000" || till.text(`[data-testid="till-total"]`) != "¥38.50" {
		t.Fatalf("till: %q", till.body)
	}
	poll := s.do("GET", "/seller/instore/till", nil, "HX-Request", "true")
	if poll.status != 200 || strings.Contains(poll.body, "<html") || poll.find(`[data-testid="till-`+id+`"]`).Length() != 1 {
		t.Fatalf("poll: %d %s", poll.status, poll.body)
	}
	// The refund: its own page, with the seller's password.
	href, _ := row.Find(`[data-testid="refund-link"]`).Attr("href")
	if rp := s.get(href); rp.status != 200 || rp.find(`[data-testid="refund-submit"]`).Length() != 1 {
		t.Fatalf("refund page %s: %d", href, rp.status)
	}
	if bad := s.post(href, url.Values{"pay_password": {"000000"}}); bad.status != 422 || bad.text(`[data-testid="error-pay_password"]`) == "" {
		t.Fatalf("refund with a wrong password: %d", bad.status)
	}
	if ok := s.post(href, url.Values{"pay_password": {ptest.PIN}}); ok.status != 303 || ok.header.Get("Location") != "/seller/instore/till" {
		t.Fatalf("refund: %d", ok.status)
	}
	if twice := s.post(href, url.Values{"pay_password": {ptest.PIN}}); twice.status != 303 {
		t.Fatalf("refund twice: %d", twice.status)
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)); got != "100.00" {
		t.Fatalf("wallet after the refund %s", got)
	}
	till = s.get("/seller/instore/till")
	if till.text(`[data-testid="till-total"]`) != "¥0.00" || till.find(`[data-testid="till-`+id+`"] [data-testid="refund-link"]`).Length() != 0 ||
		!strings.Contains(till.find(`[data-testid="till-`+id+`"]`).Text(), "Refunded") {
		t.Fatal("the till after the refund")
	}
	// Another seller cannot open the refund.
	if p := e.browser(t, e.User("13700137000", models.RoleSeller, "Other")).get(href); p.status != 404 {
		t.Fatalf("another seller's refund page: %d", p.status)
	}
}

func TestInstoreAPI(t *testing.T) {
	t.Parallel()
	e, sh := instoreEnv(t)
	buyer, seller := e.token(t, e.Buyer), e.token(t, e.Seller)
	pay := map[string]any{"shop": string(sh.Number), "amount": "38.50", "pay_password": ptest.PIN}
	if code, body, _ := e.api(t, "POST", "/api/v1/instore/payments", buyer, "", pay); code != 422 || errCode(body) != "invalid" {
		t.Fatalf("no Idempotency-Key: %d %v", code, body)
	}
	bad := map[string]any{"shop": typo(sh.Number), "amount": "38.50", "pay_password": ptest.PIN}
	code, body, _ := e.api(t, "POST", "/api/v1/instore/payments", buyer, "k0", bad)
	if eb, _ := body["error"].(map[string]any); code != 422 || errCode(body) != "invalid" || eb["field"] != "shop" || eb["reason"] != models.ReasonCheckDigit {
		t.Fatalf("check digit: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "GET", "/api/v1/instore/shops/"+typo(sh.Number), buyer, "", nil); code != 422 {
		t.Fatalf("lookup of a typo: %d %v", code, body)
	}
	code, body, _ = e.api(t, "GET", "/api/v1/instore/shops/"+string(sh.Number), buyer, "", nil)
	if code != 200 || body["shop_name"] != sh.Name {
		t.Fatalf("lookup: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/instore/payments", buyer, "kn", map[string]any{"shop": string(sh.Number), "amount": 38.5, "pay_password": ptest.PIN}); code != 422 {
		t.Fatalf("a number amount: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/instore/payments", buyer, "k-short", map[string]any{"shop": string(sh.Number), "amount": "100.01", "pay_password": ptest.PIN}); code != 422 || errCode(body) != models.EINSUFFICIENT {
		t.Fatalf("short: %d %v", code, body)
	}
	code, body, _ = e.api(t, "POST", "/api/v1/instore/payments", buyer, "k1", pay)
	if code != 201 || body["amount"] != "38.50" || body["shop_name"] != sh.Name || body["fee"] != nil {
		t.Fatalf("pay: %d %v", code, body)
	}
	id := body["id"].(string)
	code, again, h := e.api(t, "POST", "/api/v1/instore/payments", buyer, "k1", pay)
	if code != 201 || again["id"] != id || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", code, again)
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)); got != "61.50" {
		t.Fatalf("wallet %s", got)
	}
	code, till, _ := e.api(t, "GET", "/api/v1/seller/instore/till", seller, "", nil)
	ps, _ := till["payments"].([]any)
	if code != 200 || len(ps) != 1 || till["total"] != "38.50" {
		t.Fatalf("till: %d %v", code, till)
	}
	if p := ps[0].(map[string]any); p["payer_last4"] != "8000" || p["fee"] != "0.15" || p["net"] != "38.35" || p["refundable_until"] == nil {
		t.Fatalf("till's payment: %v", p)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/instore/payments/"+id, e.token(t, e.Buyer2), "", nil); code != 404 {
		t.Fatalf("another buyer: %d", code)
	}
	if code, _, _ := e.api(t, "POST", "/api/v1/seller/instore/payments/"+id+"/refund", buyer, "r0", map[string]any{"pay_password": ptest.PIN}); code != 403 {
		t.Fatalf("the buyer refunds: %d", code)
	}
	code, body, _ = e.api(t, "POST", "/api/v1/seller/instore/payments/"+id+"/refund", seller, "r1", map[string]any{"pay_password": ptest.PIN})
	if code != 200 || body["refunded"] != true {
		t.Fatalf("refund: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/seller/instore/payments/"+id+"/refund", seller, "r2", map[string]any{"pay_password": ptest.PIN}); code != 409 || errCode(body) != models.ECONFLICT {
		t.Fatalf("refund twice: %d %v", code, body)
	}
	code, mine, _ := e.api(t, "GET", "/api/v1/instore/payments", buyer, "", nil)
	if lim, _ := mine["limits"].(map[string]any); code != 200 || lim["balance"] != "100.00" || lim["max_payment"] != "2000.00" {
		t.Fatalf("mine: %d %v", code, mine)
	}
	code, wallet, _ := e.api(t, "GET", "/api/v1/wallet", buyer, "", nil)
	wheres := map[string]int{}
	for _, l := range wallet["history"].([]any) {
		wheres[l.(map[string]any)["where"].(string)]++
	}
	if code != 200 || wheres["instore_payment"] != 1 || wheres["instore_refund"] != 1 {
		t.Fatalf("wallet: %d %v", code, wheres)
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)) + " " + e.Balance(models.AccRevenueFees); got != "100.00 0.00" {
		t.Fatalf("after the refund %s", got)
	}
}
