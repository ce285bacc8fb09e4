package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// A buyer registers, logs in, switches to Chinese and sees Chinese labels,
// sets a payment password, logs out.
func TestBuyerRegistersAndSetsPaymentPassword(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	ctx := browser(t)
	run(t, ctx, "register",
		chromedp.Navigate(a.URL+"/"),
		click(`[data-testid="register-link"]`),
		visible(`[data-testid="register-form"]`),
		fill(map[string]string{"login": "158 0000 1111", "display_name": "Wang Fang", "password": "a long passphrase",
			"password_confirm": "a long passphrase"}),
		click(`[data-testid="register-submit"]`),
		visible(`[data-testid="pay-password-form"]`),
	)
	expectText(t, ctx, `[data-testid="flash-success"]`, "Welcome, Wang Fang")
	a.logout(t, ctx)
	a.login(t, ctx, "15800001111", "a long passphrase")

	run(t, ctx, "switch to Chinese",
		chromedp.Navigate(a.URL+"/account"),
		click(`[data-testid="lang-switch"] a`),
		visible(`html[lang="zh-CN"]`),
	)
	expectText(t, ctx, "h1", "账户")
	expectText(t, ctx, `[data-testid="nav"]`, "逛商品")
	expectText(t, ctx, `[data-testid="pay-password-status"]`, "尚未设置")
	body, err := textOf(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range []string{"Payment password", "Account", "Sign out", "Not set yet"} {
		if strings.Contains(body, en) {
			t.Errorf("Chinese page still says %q", en)
		}
	}

	// A weak payment password is refused beside its field, in Chinese.
	run(t, ctx, "weak pin",
		fill(map[string]string{"current_password": "a long passphrase", "pay_password": "123456", "pay_password_confirm": "123456"}),
		click(`[data-testid="pay-password-submit"]`),
		visible(`[data-testid="error-pay_password"]`),
	)
	expectText(t, ctx, `[data-testid="error-pay_password"]`, "太容易")
	run(t, ctx, "good pin",
		fill(map[string]string{"current_password": "a long passphrase", "pay_password": "284913", "pay_password_confirm": "284913"}),
		click(`[data-testid="pay-password-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)
	expectText(t, ctx, `[data-testid="pay-password-status"]`, "已设置")
	a.logout(t, ctx)
	expectText(t, ctx, `[data-testid="login-link"]`, "登录")

	u, err := a.Auth.Login(a.Ctx, "15800001111", "a long passphrase", "127.0.0.9")
	if err != nil || !u.HasPayPassword() {
		t.Fatalf("the payment password did not reach the database: %v", err)
	}
}

func TestSellerRegisters(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	ctx := browser(t)
	run(t, ctx, "register as a seller",
		chromedp.Navigate(a.URL+"/register"),
		click(`[data-testid="register-seller-link"]`),
		visible(`[name="shop_name"]`),
		fill(map[string]string{"login": "0531-88881234", "display_name": "Zhao Lei", "password": "another long one", "password_confirm": "another long one",
			"shop_name": "Jinan Crafts", "legal_name": "Zhao Lei", "bank_account": "6222 0202 0011 9999", "bank_holder": "Somebody Else"}),
		click(`[data-testid="register-submit"]`),
		visible(`[data-testid="error-bank_holder"]`),
		fill(map[string]string{"password": "another long one", "password_confirm": "another long one", "bank_holder": "Zhao Lei"}),
		click(`[data-testid="register-submit"]`),
		// The payment password first (refunds need it), or later: home.
		visible(`[data-testid="pay-password-form"]`),
		click(`[data-testid="pay-password-later"]`),
		visible(`[data-testid="money-stages"]`),
	)
	expectText(t, ctx, "h1", "Jinan Crafts")
	sel, err := a.Auth.Login(a.Ctx, "053188881234", "another long one", "127.0.0.8")
	if err != nil || sel.Role != models.RoleSeller {
		t.Fatalf("seller not registered: %v", err)
	}
}

func TestOperatorSeesTheAuditEntryOfItsAction(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	ctx := browser(t)
	a.login(t, ctx, a.Operator.Login, ptest.Password)
	run(t, ctx, "freeze a buyer",
		chromedp.Navigate(a.URL+"/ops/users?q="+a.Buyer2.Login),
		visible(`[data-testid="freeze-`+strconv.FormatInt(a.Buyer2.ID, 10)+`"]`),
		chromedp.SendKeys(css(`[data-testid="freeze-`+strconv.FormatInt(a.Buyer2.ID, 10)+`"] input[name="reason"]`), "card fraud report 2026-11"),
		chromedp.Submit(css(`[data-testid="freeze-`+strconv.FormatInt(a.Buyer2.ID, 10)+`"]`)),
		// Freezing says what it does and asks once more.
		visible(`[data-testid="freeze-ask"]`),
		click(`[data-testid="freeze-confirm"]`),
		visible(`[data-testid="flash-success"]`),
		chromedp.Navigate(a.URL+"/ops/audit?action=user.freeze"),
		visible(`[data-testid="audit-entry"][data-action="user.freeze"]`),
	)
	expectText(t, ctx, `[data-testid="audit"]`, "card fraud report 2026-11")
	expectText(t, ctx, `[data-testid="audit"]`, "user:"+strconv.FormatInt(a.Buyer2.ID, 10))
}
