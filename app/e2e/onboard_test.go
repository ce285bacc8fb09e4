package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// Onboarding to a payment password, at 375 px: a newcomer going to their
// orders registers, is taken to set the payment password and then lands
// where they were going; a buyer without one finds the order's balance pay
// form replaced by a link to set it up, which leads back to pay.
func TestOnboardingToAPaymentPassword(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	ctx := browser(t)
	run(t, ctx, "going to the orders, signed out: register instead",
		chromedp.Navigate(a.URL+"/orders"),
		visible(`[data-testid="login-form"]`),
		click(`[data-testid="login-register-link"]`),
		visible(`[data-testid="register-form"]`),
		fill(map[string]string{"login": "158 0000 2222", "display_name": "Sun Li", "password": "password1",
			"password_confirm": "password1"}),
		click(`[data-testid="register-submit"]`),
		visible(`[data-testid="error-password"]`),
	)
	expectText(t, ctx, `[data-testid="error-password"]`, "too common")
	run(t, ctx, "register",
		fill(map[string]string{"password": "heze peony garden", "password_confirm": "heze peony garden"}),
		click(`[data-testid="register-submit"]`),
		visible(`[data-testid="pay-password-form"]`),
	)
	expectText(t, ctx, "h1", "Set your payment password")
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || overflow {
		t.Errorf("the set-up page overflows 375 px (%v)", err)
	}
	run(t, ctx, "a mistyped payment password",
		fill(map[string]string{"current_password": "heze peony garden", "pay_password": "284913", "pay_password_confirm": "284931"}),
		click(`[data-testid="pay-password-submit"]`),
		visible(`[data-testid="error-pay_password_confirm"]`),
	)
	run(t, ctx, "set it: on to the orders",
		fill(map[string]string{"current_password": "heze peony garden", "pay_password": "284913", "pay_password_confirm": "284913"}),
		click(`[data-testid="pay-password-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)
	expectText(t, ctx, `[data-testid="flash-success"]`, "Payment password saved")
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != a.URL+"/orders" {
		t.Fatalf("after setting the payment password: %s, want the orders", loc)
	}
	u, err := a.Auth.Login(a.Ctx, "15800002222", "heze peony garden", "127.0.0.9")
	if err != nil || !u.HasPayPassword() {
		t.Fatalf("the payment password did not reach the database: %v", err)
	}
	a.logout(t, ctx)

	// A buyer who skipped it: the order's balance form links to set it up.
	late, err := a.Auth.Register(a.Ctx, models.Registration{Role: models.RoleBuyer, Login: "15800003333", Password: ptest.Password,
		DisplayName: "Zhou Qi"}, "127.0.0.9")
	if err != nil {
		t.Fatal(err)
	}
	o := a.Checkout(late, a.Listing("20.00", 5), 1)
	ref, err := a.Funding.TopUpReference(a.Ctx, late.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Credit("25.00", ref)
	orderURL := fmt.Sprintf("%s/orders/%d", a.URL, o.ID)
	a.login(t, ctx, late.Login, ptest.Password)
	run(t, ctx, "the balance's pay form asks for the payment password first",
		chromedp.Navigate(orderURL),
		visible(`#pay-balance [data-testid="pay-password-needed"]`),
	)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="wallet-pay-form"]').length`)); n != 0 {
		t.Fatal("a pay form without a payment password to give")
	}
	run(t, ctx, "set it up from the order",
		click(`#pay-balance [data-testid="set-pay-password"]`),
		visible(`[data-testid="pay-password-form"]`),
		fill(map[string]string{"current_password": ptest.Password, "pay_password": ptest.PIN, "pay_password_confirm": ptest.PIN}),
		click(`[data-testid="pay-password-submit"]`),
		visible(`[data-testid="wallet-pay-form"]`),
	)
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, orderURL) {
		t.Fatalf("after setting it: %s, want back on the order", loc)
	}
	run(t, ctx, "pay from the balance",
		fill(map[string]string{"pay_password": ptest.PIN}),
		click(`[data-testid="wallet-pay-form"] button[type="submit"]`),
		visible(`[data-testid="order-state"][data-state="paid"]`),
	)
	expectText(t, ctx, `[data-testid="flash-success"]`, "Paid from your balance")
	if got := a.Order(o.ID); got.State != models.Paid {
		t.Fatalf("the order is %s after paying from the balance", got.State)
	}
}
