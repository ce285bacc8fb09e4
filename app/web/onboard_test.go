package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// Registering leads to the payment password's set-up page and from there to
// where the person was going; common and mistyped login passwords are
// refused beside their fields, in the portal and the API.
func TestRegisterThenSetThePaymentPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	reg := func(pw, confirm, next string) *page {
		return b.post("/register", url.Values{"role": {"buyer"}, "login": {"13800138301"}, "display_name": {"Zhao Min"},
			"password": {pw}, "password_confirm": {confirm}, "next": {next}})
	}
	// A password on the list of common passwords, whatever its case.
	if p := reg("Password1", "Password1", ""); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.text(`[data-testid="error-password"]`), "too common") {
		t.Fatalf("common password: %d %q", p.status, p.text(`[data-testid="error-password"]`))
	}
	// A typo in the confirmation.
	if p := reg("mudan peony 2026", "mudan peony 2062", ""); p.status != http.StatusUnprocessableEntity ||
		p.text(`[data-testid="error-password_confirm"]`) == "" || p.text(`[data-testid="error-password"]`) != "" {
		t.Fatalf("mistyped confirmation: %d %q", p.status, p.text(`[data-testid="error-password_confirm"]`))
	}
	var n int64
	e.db.Raw("SELECT count(*) FROM users WHERE login = '13800138301'").Scan(&n)
	if n != 0 {
		t.Fatal("a refused registration created the account")
	}
	// The API says the same with a stable code and reason; its confirmation
	// is optional, and checked when given.
	code, body := e.api("POST", "/api/v1/register", "", map[string]any{"login": "13800138302", "display_name": "Api",
		"password": "iloveyou123"})
	if eb, _ := body["error"].(map[string]any); code != http.StatusUnprocessableEntity || eb["field"] != "password" || eb["reason"] != "password_common" {
		t.Fatalf("API common password: %d %v", code, body)
	}
	code, body = e.api("POST", "/api/v1/register", "", map[string]any{"login": "13800138302", "display_name": "Api",
		"password": "mudan peony 2026", "password_confirm": "mudan peony"})
	if eb, _ := body["error"].(map[string]any); code != http.StatusUnprocessableEntity || eb["field"] != "password_confirm" || eb["reason"] != "password_mismatch" {
		t.Fatalf("API mistyped confirmation: %d %v", code, body)
	}
	if code, body = e.api("POST", "/api/v1/register", "", map[string]any{"login": "13800138302", "display_name": "Api",
		"password": "mudan peony 2026"}); code != http.StatusCreated {
		t.Fatalf("API registration without confirmation: %d %v", code, body)
	}

	// Registered: on to the payment password, then where they were going.
	p := reg("mudan peony 2026", "mudan peony 2026", "/listings?q=tea")
	setup := "/account/pay-password?next=%2Flistings%3Fq%3Dtea"
	if p.status != http.StatusSeeOther || p.header.Get("Location") != setup {
		t.Fatalf("after registering: %d %q, want %q", p.status, p.header.Get("Location"), setup)
	}
	p = b.get(setup)
	if p.status != 200 || p.find(`[data-testid="pay-password-form"] input[name="next"][value="/listings?q=tea"]`).Length() != 1 {
		t.Fatalf("set-up page: %d\n%s", p.status, p.text("main"))
	}
	if href, _ := p.find(`[data-testid="pay-password-later"]`).Attr("href"); href != "/listings?q=tea" {
		t.Errorf("later leads to %q", href)
	}
	form := url.Values{"current_password": {"mudan peony 2026"}, "pay_password": {"284913"}, "pay_password_confirm": {"284931"}, "next": {"/listings?q=tea"}}
	if p := b.post("/account/pay-password", form); p.status != http.StatusUnprocessableEntity ||
		p.text(`[data-testid="error-pay_password_confirm"]`) == "" ||
		p.find(`[data-testid="pay-password-form"] input[name="next"][value="/listings?q=tea"]`).Length() != 1 {
		t.Fatalf("mistyped payment password: %d %q", p.status, p.text(`[data-testid="error-pay_password_confirm"]`))
	}
	var u models.User
	e.db.Where("login = ?", "13800138301").First(&u)
	if u.HasPayPassword() {
		t.Fatal("a mistyped payment password was saved")
	}
	form.Set("pay_password_confirm", "284913")
	if p := b.post("/account/pay-password", form); p.status != http.StatusSeeOther || p.header.Get("Location") != "/listings?q=tea" {
		t.Fatalf("payment password set: %d %q", p.status, p.header.Get("Location"))
	}
	e.db.Where("login = ?", "13800138301").First(&u)
	if !u.HasPayPassword() {
		t.Fatal("payment password not saved")
	}
	if p := b.get(setup); p.find(`[data-testid="pay-password-form"]`).Length() != 0 || p.find(`[data-testid="pay-password-continue"]`).Length() != 1 {
		t.Fatal("the set-up page still asks once the password is set")
	}
	// A path elsewhere is never a place to go next.
	if p := b.get("/account/pay-password?next=https%3A%2F%2Fevil.example%2F"); p.find(`a[data-testid="pay-password-continue"][href="/listings"]`).Length() != 1 {
		t.Errorf("foreign next: continue leads to %q", p.find(`[data-testid="pay-password-continue"]`).AttrOr("href", ""))
	}
	// The page's API twin.
	tok := apiToken(t, e, "13800138301", "mudan peony 2026")
	if code, body := e.api("GET", "/api/v1/account/pay-password", tok, nil); code != 200 || body["has_pay_password"] != true {
		t.Fatalf("API status: %d %v", code, body)
	}
	if code, body := e.api("GET", "/api/v1/account/pay-password", apiToken(t, e, "13800138302", "mudan peony 2026"), nil); code != 200 || body["has_pay_password"] != false {
		t.Fatalf("API status without one: %d %v", code, body)
	}

	// Changing the login password: the same checks.
	b.login("13800138301", "mudan peony 2026")
	if p := b.post("/account/password", url.Values{"current_password": {"mudan peony 2026"}, "new_password": {"Sunshine1"},
		"new_password_confirm": {"Sunshine1"}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-new_password"]`), "too common") {
		t.Fatalf("common new password: %d %q", p.status, p.text(`[data-testid="error-new_password"]`))
	}
	if p := b.post("/account/password", url.Values{"current_password": {"mudan peony 2026"}, "new_password": {"heze peony garden"},
		"new_password_confirm": {"heze peony gardne"}}); p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-new_password_confirm"]`) == "" {
		t.Fatalf("mistyped new password: %d", p.status)
	}
	b.login("13800138301", "mudan peony 2026") // still the old one
}

// A buyer without a payment password is sent to set it from the order's
// pay forms; the balance is offered only when it covers the order, else the
// shortfall and a top-up link.
func TestPayFormsNeedAPaymentPasswordAndEnoughBalance(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	l := e.Listing("20.00", 10)
	u, err := e.Auth.Register(e.Ctx, models.Registration{Role: models.RoleBuyer, Login: "13800138311", Password: ptest.Password, DisplayName: "New"}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	o := e.Checkout(u, l, 1)
	b := e.browser(t, u)
	orderURL := fmt.Sprintf("/orders/%d", o.ID)

	p := b.get(orderURL)
	if p.find(`[data-testid="wallet-pay-form"]`).Length() != 0 || p.text(`[data-testid="shortfall"]`) != "¥20.00 short" {
		t.Fatalf("empty balance: shortfall %q, pay forms %d", p.text(`[data-testid="shortfall"]`), p.find(`[data-testid="wallet-pay-form"]`).Length())
	}
	if href, _ := p.find(`[data-testid="topup-link"]`).Attr("href"); href != "/wallet" {
		t.Errorf("top-up link: %q", href)
	}
	ref, _ := e.Funding.TopUpReference(e.Ctx, u.ID)
	e.Credit("12.50", ref)
	if p := b.get(orderURL); p.text(`[data-testid="shortfall"]`) != "¥7.50 short" || p.find(`[data-testid="wallet-pay-form"]`).Length() != 0 {
		t.Fatalf("balance short: %q", p.text(`[data-testid="shortfall"]`))
	}
	e.Credit("7.50", ref)
	p = b.get(orderURL)
	want := "/account/pay-password?next=%2Forders%2F" + fmt.Sprint(o.ID) + "%23pay-balance"
	if p.find(`[data-testid="wallet-shortfall"]`).Length() != 0 || p.find(`[data-testid="wallet-pay-form"]`).Length() != 0 ||
		p.find(`#pay-balance a[data-testid="set-pay-password"][href="`+want+`"]`).Length() != 1 {
		t.Fatalf("no payment password: the balance's card is\n%s", p.text(`#pay-balance`))
	}
	// Set it from there, and back to the order's balance.
	setup := b.get(want)
	if setup.find(`input[name="next"][value="/orders/`+fmt.Sprint(o.ID)+`#pay-balance"]`).Length() != 1 {
		t.Fatalf("set-up page: %s", setup.text("main"))
	}
	if p := b.post("/account/pay-password", url.Values{"current_password": {ptest.Password}, "pay_password": {ptest.PIN},
		"pay_password_confirm": {ptest.PIN}, "next": {"/orders/" + fmt.Sprint(o.ID) + "#pay-balance"}}); p.status != http.StatusSeeOther ||
		p.header.Get("Location") != orderURL+"#pay-balance" {
		t.Fatalf("set: %d %q", p.status, p.header.Get("Location"))
	}
	if p := b.get(orderURL); p.find(`[data-testid="wallet-pay-form"] input[name="pay_password"]`).Length() != 1 || p.find(`[data-testid="pay-password-needed"]`).Length() != 0 {
		t.Fatal("with a payment password and enough balance, no pay form")
	}
}

// Confirming receipt, opening a dispute, deciding one and freezing a user
// say what will happen and ask once more; a portal post without the final
// confirmation changes nothing. The split's preview is the decision's own
// booking, to the fen.
func TestIrreversibleActionsAskOnceMore(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	rate, _ := models.ParseRatePercent("rate_percent", "3")
	if err := e.Sellers.SetCommission(e.Ctx, e.Operator.Actor(), e.Seller.ID, rate); err != nil {
		t.Fatal(err)
	}
	l := e.Listing("20.00", 10)
	shipped, disputed := e.Checkout(e.Buyer, l, 1), e.Checkout(e.Buyer, l, 1)
	for _, o := range []*models.Order{shipped, disputed} {
		e.Credit("20.00", o.PayReference)
		if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
			t.Fatal(err)
		}
	}
	buyer := e.browser(t, e.Buyer)
	base := fmt.Sprintf("/orders/%d", shipped.ID)

	// Confirm receipt: a button, then what it does and the password.
	p := buyer.get(base)
	if href, _ := p.find(`[data-testid="confirm-start"]`).Attr("href"); href != base+"?ask=confirm#confirm" || p.find(`[data-testid="confirm-form"]`).Length() != 0 {
		t.Fatalf("confirm button: %q", href)
	}
	p = buyer.get(base + "?ask=confirm")
	if ask := p.text(`[data-testid="confirm-ask"]`); !strings.Contains(ask, "¥20.00 will be paid to the shop 王建国's shop.") || !strings.Contains(ask, "cannot be undone") {
		t.Fatalf("confirm's question: %q", ask)
	}
	if p.find(`[data-testid="confirm-form"] input[name="pay_password"]`).Length() != 1 || p.find(`[data-testid="confirm-form"] input[name="confirmed"][value="yes"]`).Length() != 1 {
		t.Fatal("no final confirmation form with the payment password")
	}
	p = buyer.post(base+"/confirm", url.Values{"pay_password": {ptest.PIN}})
	if p.status == http.StatusSeeOther || p.find(`[data-testid="confirm-ask"]`).Length() != 1 || e.Order(shipped.ID).State != models.Shipped {
		t.Fatalf("confirm without the final confirmation: %d, state %s", p.status, e.Order(shipped.ID).State)
	}
	p = buyer.post(base+"/confirm", url.Values{"pay_password": {"000000"}, "confirmed": {"yes"}})
	if p.text(`[data-testid="confirm-ask"] ~ form [data-testid="error-pay_password"]`) == "" || e.Order(shipped.ID).State != models.Shipped {
		t.Fatalf("wrong payment password: %d %q", p.status, p.text(`#confirm`))
	}
	if p := buyer.post(base+"/confirm", url.Values{"pay_password": {ptest.PIN}, "confirmed": {"yes"}}); p.status != http.StatusSeeOther || e.Order(shipped.ID).State != models.Completed {
		t.Fatalf("confirmed: %d %s", p.status, e.Order(shipped.ID).State)
	}

	// Open a dispute.
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), disputed.ID, models.MustParseMoney("20.00"), "broken"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Do(e.Ctx, e.Seller.Actor(), disputed.ID, models.Command{Action: models.ActRefuseRefund, Reason: "it was fine"}, ""); err != nil {
		t.Fatal(err)
	}
	base = fmt.Sprintf("/orders/%d", disputed.ID)
	if href, _ := buyer.get(base).find(`[data-testid="escalate"]`).Attr("href"); href != base+"?ask=dispute#dispute" {
		t.Fatalf("dispute button: %q", href)
	}
	if p := buyer.get(base + "?ask=dispute"); !strings.Contains(p.text(`[data-testid="dispute-ask"]`), "cannot be withdrawn") {
		t.Fatalf("dispute's question: %q", p.text(`[data-testid="dispute-ask"]`))
	}
	if p := buyer.post(base+"/dispute", nil); p.find(`[data-testid="dispute-ask"]`).Length() != 1 || e.Order(disputed.ID).Refund != models.RefundRefused {
		t.Fatalf("dispute without the final confirmation: %d %s", p.status, e.Order(disputed.ID).Refund)
	}
	if p := buyer.post(base+"/dispute", url.Values{"confirmed": {"yes"}}); p.status != http.StatusSeeOther || e.Order(disputed.ID).Refund != models.RefundDisputed {
		t.Fatalf("dispute: %d %s", p.status, e.Order(disputed.ID).Refund)
	}

	// Decide: the preview, page and API, to the fen (3% of 12.50 is 0.375,
	// half-up 0.38).
	op := e.browser(t, e.Operator)
	base = fmt.Sprintf("/ops/orders/%d", disputed.ID)
	if p := op.get(base); p.find(`[data-testid="decide-preview-form"]`).Length() != 1 || p.find(`[data-testid="decide-form"]`).Length() != 0 {
		t.Fatal("the decision form decides before showing its outcome")
	}
	p = op.get(base + "?ask=decide&decision=split&buyer_amount=7.50")
	if got := [3]string{p.text(`[data-testid="preview-buyer"]`), p.text(`[data-testid="preview-seller"]`), p.text(`[data-testid="preview-fee"]`)}; got != [3]string{"¥7.50", "¥12.12", "¥0.38"} {
		t.Fatalf("split preview: %v", got)
	}
	if !strings.Contains(p.text(`[data-testid="preview-sentence"]`), "The buyer gets ¥7.50, the seller gets ¥12.12, the commission is ¥0.38.") {
		t.Errorf("preview sentence: %q", p.text(`[data-testid="preview-sentence"]`))
	}
	if v, _ := p.find(`[data-testid="decide-form"] input[name="buyer_amount"]`).Attr("value"); v != "7.50" {
		t.Errorf("final form's amount: %q", v)
	}
	if p := op.get(base + "?ask=decide&decision=split&buyer_amount=20.00"); p.status != 200 || p.text(`[data-testid="error-buyer_amount"]`) == "" || p.find(`[data-testid="decision-preview"]`).Length() != 0 {
		t.Fatalf("split of everything: %d %q", p.status, p.text(`[data-testid="error-buyer_amount"]`))
	}
	if p := op.get(base + "?ask=decide&decision=release"); p.text(`[data-testid="preview-seller"]`) != "¥19.40" || p.text(`[data-testid="preview-fee"]`) != "¥0.60" || p.text(`[data-testid="preview-buyer"]`) != "¥0.00" {
		t.Fatalf("release preview: %s", p.text(`[data-testid="decision-preview"]`))
	}
	opTok := e.token(t, e.Operator)
	preview := fmt.Sprintf("/api/v1/orders/%d/decide/preview?decision=split&buyer_amount=7.50", disputed.ID)
	if code, body, _ := e.api(t, "GET", preview, opTok, "", nil); code != 200 || body["buyer_gets"] != "7.50" || body["seller_gets"] != "12.12" || body["fee"] != "0.38" {
		t.Fatalf("API preview: %d %v", code, body)
	}
	if code, _, _ := e.api(t, "GET", preview, e.token(t, e.Buyer), "", nil); code != http.StatusForbidden {
		t.Fatalf("buyer's API preview: %d", code)
	}
	decide := url.Values{"decision": {"split"}, "buyer_amount": {"7.50"}, "reason": {"half broken"}}
	if p := op.post(base+"/decide", decide); p.find(`[data-testid="decision-preview"]`).Length() != 1 || e.Order(disputed.ID).Refund != models.RefundDisputed {
		t.Fatalf("decide without the final confirmation: %d", p.status)
	}
	decide.Set("confirmed", "yes")
	if p := op.post(base+"/decide", decide); p.status != http.StatusSeeOther {
		t.Fatalf("decide: %d %s", p.status, p.text(`main`))
	}
	if d := e.Order(disputed.ID); d.Refunded.String() != "7.50" || d.Fee.String() != "0.38" || d.Released.String() != "12.50" {
		t.Fatalf("decided: refunded %s, fee %s, released %s", d.Refunded, d.Fee, d.Released)
	}
}

func apiToken(t *testing.T, e *env, login, password string) string {
	t.Helper()
	code, body := e.api("POST", "/api/v1/auth/token", "", map[string]string{"login": login, "password": password})
	if code != 200 {
		t.Fatalf("token for %s: %d %v", login, code, body)
	}
	return body["token"].(string)
}
