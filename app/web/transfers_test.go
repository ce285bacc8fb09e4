package web_test

import (
	"net/url"
	"strings"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/app/transfers"
	"lineescrow/models"
)

// transferEnv is a trade environment whose buyer (张伟) has 100.00 on the
// balance; Buyer2 (Li Na, 13900139000) receives.
func transferEnv(t *testing.T) *tradeEnv {
	t.Helper()
	e := newTradeEnv(t)
	ref, err := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.Credit("100.00", ref)
	return e
}

func TestTransferOnTheWeb(t *testing.T) {
	t.Parallel()
	e := transferEnv(t)
	b := e.browser(t, e.Buyer)
	p := b.get("/transfers")
	if p.status != 200 || p.find(`[data-testid="transfer-form"]`).Length() != 1 || p.find(`nav a[href="/transfers"]`).Length() == 0 {
		t.Fatalf("transfer page: %d", p.status)
	}
	// Refused beside the field, before any password.
	for _, c := range []struct{ query, field, want string }{
		{"number=13500135000&amount=10.00", "number", "Nobody on LineEscrow has this number"},
		{"number=13800138000&amount=10.00", "number", "your own number"},
		{"number=05305551234&amount=10.00", "number", "cannot receive"},
		{"number=13900139000&amount=10.001", "amount", ""},
	} {
		p := b.get("/transfers?" + c.query)
		if p.status != 422 || !strings.Contains(p.text(`[data-testid="error-`+c.field+`"]`), c.want) || p.find(`[data-testid="transfer-send"]`).Length() != 0 {
			t.Fatalf("%s: %d %q", c.query, p.status, p.text(`[data-testid="error-`+c.field+`"]`))
		}
	}
	if p := b.get("/transfers?number=13900139000&amount=100.01"); p.status != 422 || p.find(`[data-testid="transfer-send"]`).Length() != 0 {
		t.Fatalf("short balance: %d", p.status)
	}
	// The confirm step: the masked name and number beside the amount.
	p = b.get("/transfers?number=" + url.QueryEscape("139 0013 9000") + "&amount=25.00")
	if p.status != 200 || p.text(`[data-testid="confirm-name"]`) != "L***" || p.text(`[data-testid="confirm-number"]`) != "139****9000" ||
		p.text(`[data-testid="confirm-amount"]`) != "¥25.00" {
		t.Fatalf("confirm: %d %q %q", p.status, p.text(`[data-testid="confirm-name"]`), p.text(`[data-testid="confirm-number"]`))
	}
	if strings.Contains(p.body, "Li Na") {
		t.Fatal("the recipient's full name is shown")
	}
	key, _ := p.find(`input[name="request_id"]`).Attr("value")
	form := url.Values{"number": {"13900139000"}, "amount": {"25.00"}, "request_id": {key}, "pay_password": {"000000"}}
	wrong := b.post("/transfers", form)
	if wrong.status != 422 || wrong.text(`[data-testid="error-pay_password"]`) == "" || wrong.text(`[data-testid="confirm-name"]`) != "L***" {
		t.Fatalf("wrong password: %d", wrong.status)
	}
	form.Set("pay_password", ptest.PIN)
	sent := b.post("/transfers", form)
	loc := sent.header.Get("Location")
	if sent.status != 303 || !strings.HasPrefix(loc, "/transfers/TR") {
		t.Fatalf("send: %d %s", sent.status, loc)
	}
	// A second press of Send: the same transfer, sent once.
	if again := b.post("/transfers", form); again.status != 303 || again.header.Get("Location") != loc {
		t.Fatalf("again: %d %s", again.status, again.header.Get("Location"))
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)) + " " + e.Balance(models.WalletAccount(e.Buyer2.ID)); got != "75.00 25.00" {
		t.Fatalf("wallets %s", got)
	}
	receipt := b.get(loc)
	if receipt.status != 200 || receipt.text(`[data-testid="receipt-amount"]`) != "¥25.00" || !strings.Contains(receipt.text(`[data-testid="receipt-party"]`), "L***") {
		t.Fatalf("receipt: %d", receipt.status)
	}
	// Both balances' histories say it in words, linked to the receipt.
	if w := b.get("/wallet").find(`[data-testid="wallet-words"] a[href="` + loc + `"]`); w.Length() != 1 || !strings.Contains(w.Text(), "Sent to another person's balance") {
		t.Fatalf("sender's history: %d %q", w.Length(), w.Text())
	}
	b2 := e.browser(t, e.Buyer2)
	if w := b2.get("/wallet").find(`[data-testid="wallet-words"] a[href="` + loc + `"]`); w.Length() != 1 || !strings.Contains(w.Text(), "Sent to your balance by another person") {
		t.Fatalf("recipient's history: %d %q", w.Length(), w.Text())
	}
	r2 := b2.get(loc)
	if r2.status != 200 || r2.text(`h1`) != "Money received" || !strings.Contains(r2.text(`[data-testid="receipt-party"]`), "张*") ||
		!strings.Contains(r2.text(`[data-testid="receipt-party"]`), "138****8000") {
		t.Fatalf("recipient's receipt: %d %q", r2.status, r2.text(`[data-testid="receipt-party"]`))
	}
	b2.lang = "zh-CN"
	if zh := b2.get(loc); !strings.Contains(zh.body, "收到转账") {
		t.Fatal("the receipt in Chinese lacks its words")
	}
	third := e.User("13700137000", models.RoleBuyer, "赵六")
	if other := e.browser(t, third).get(loc); other.status != 404 {
		t.Fatalf("someone else's receipt: %d", other.status)
	}
}

func TestTransferAPI(t *testing.T) {
	t.Parallel()
	e := transferEnv(t)
	buyer := e.token(t, e.Buyer)
	body := map[string]any{"number": "13900139000", "amount": "30.00", "pay_password": ptest.PIN}
	if code, b, _ := e.api(t, "POST", "/api/v1/transfers", buyer, "", body); code != 422 || errCode(b) != "invalid" {
		t.Fatalf("no Idempotency-Key: %d %v", code, b)
	}
	code, b, _ := e.api(t, "GET", "/api/v1/transfers/check?number=13500135000&amount=30.00", buyer, "", nil)
	if eb, _ := b["error"].(map[string]any); code != 422 || eb["field"] != "number" || eb["reason"] != transfers.ReasonUnknown {
		t.Fatalf("check unknown: %d %v", code, b)
	}
	code, b, _ = e.api(t, "GET", "/api/v1/transfers/check?number=13900139000&amount=30.00", buyer, "", nil)
	if r, _ := b["recipient"].(map[string]any); code != 200 || r["name_masked"] != "L***" || r["number_masked"] != "139****9000" || b["amount"] != "30.00" {
		t.Fatalf("check: %d %v", code, b)
	}
	if code, b, _ := e.api(t, "POST", "/api/v1/transfers", buyer, "k-short", map[string]any{"number": "13900139000", "amount": "100.01", "pay_password": ptest.PIN}); code != 422 || errCode(b) != models.EINSUFFICIENT {
		t.Fatalf("short: %d %v", code, b)
	}
	code, b, _ = e.api(t, "POST", "/api/v1/transfers", buyer, "k1", body)
	if code != 201 || b["amount"] != "30.00" || b["direction"] != "sent" || b["counterparty_name"] != "L***" || b["channel"] != "web" {
		t.Fatalf("send: %d %v", code, b)
	}
	id := b["id"].(string)
	code, again, h := e.api(t, "POST", "/api/v1/transfers", buyer, "k1", body)
	if code != 201 || again["id"] != id || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", code, again)
	}
	// The same key behind the middleware's back (its record gone): the
	// service returns the first transfer.
	if err := e.DB.Exec(`DELETE FROM api_idempotency`).Error; err != nil {
		t.Fatal(err)
	}
	if code, again, _ := e.api(t, "POST", "/api/v1/transfers", buyer, "k1", body); code != 201 || again["id"] != id {
		t.Fatalf("replay in the service: %d %v", code, again)
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)) + " " + e.Balance(models.WalletAccount(e.Buyer2.ID)); got != "70.00 30.00" {
		t.Fatalf("wallets %s", got)
	}
	li := e.token(t, e.Buyer2)
	code, b, _ = e.api(t, "GET", "/api/v1/transfers/"+id, li, "", nil)
	if code != 200 || b["direction"] != "received" || b["counterparty_name"] != "张*" || b["counterparty_number"] != "138****8000" {
		t.Fatalf("recipient's view: %d %v", code, b)
	}
	code, list, _ := e.api(t, "GET", "/api/v1/transfers", buyer, "", nil)
	ts, _ := list["transfers"].([]any)
	if lim, _ := list["limits"].(map[string]any); code != 200 || len(ts) != 1 || lim["sent_today"] != "30.00" || lim["balance"] != "70.00" || lim["max_amount"] != "5000.00" {
		t.Fatalf("list: %d %v", code, list)
	}
	code, wallet, _ := e.api(t, "GET", "/api/v1/wallet", li, "", nil)
	wheres := map[string]int{}
	for _, l := range wallet["history"].([]any) {
		wheres[l.(map[string]any)["where"].(string)]++
	}
	if code != 200 || wheres["transfer_from_person"] != 1 {
		t.Fatalf("recipient's wallet: %d %v", code, wheres)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/transfers/"+id, e.token(t, e.Seller), "", nil); code != 403 && code != 404 {
		t.Fatalf("a seller reads it: %d", code)
	}
	if code, _, _ := e.api(t, "POST", "/api/v1/transfers", e.token(t, e.Seller), "s1", body); code != 403 {
		t.Fatalf("a seller sends: %d", code)
	}
	// The operators' limits.
	ops := e.token(t, e.Operator)
	if code, b, _ := e.api(t, "PUT", "/api/v1/ops/settings", ops, "", map[string]any{"transfer.max_amount": "20.00"}); code != 200 || b["transfer.max_amount"] != "20.00" {
		t.Fatalf("settings: %d %v", code, b)
	}
	if code, b, _ := e.api(t, "POST", "/api/v1/transfers", buyer, "k2", body); code != 422 {
		t.Fatalf("over the new maximum: %d %v", code, b)
	}
}
