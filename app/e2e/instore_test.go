package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"lineescrow/app/instore"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// A buyer at the counter pays a shop 38.50 on "Pay a shop" (the shop's
// name confirmed beside the amount before the password), and the seller's
// till, open in another browser, shows it without a reload.
func TestPayAShopAndTheTillShowsIt(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	sh, err := a.Instore.Enable(a.Ctx, a.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := a.Funding.TopUpReference(a.Ctx, a.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Credit("100.00", ref)

	seller := browser(t)
	a.login(t, seller, a.Seller.Login, ptest.Password)
	run(t, seller, "the till",
		chromedp.Navigate(a.URL+"/seller/instore/till"),
		visible(`[data-testid="till"] [data-testid="empty"]`),
		// Gone if the page reloads: the payment must arrive by htmx alone.
		voidOf(chromedp.Evaluate[bool](`(() => { window.tillMarker = true; return true })()`)),
	)

	buyer := browser(t)
	a.login(t, buyer, a.Buyer.Login, ptest.Password)
	run(t, buyer, "shop number and amount",
		chromedp.Navigate(a.URL+"/instore/pay"),
		visible(`[data-testid="pay-shop-form"]`),
		fill(map[string]string{"shop": sh.Number.Display(), "amount": "38.50"}),
		click(`[data-testid="pay-shop-next"]`),
		visible(`[data-testid="pay-shop-confirm"]`),
	)
	expectText(t, buyer, `[data-testid="confirm-shop"]`, sh.Name)
	expectText(t, buyer, `[data-testid="confirm-amount"]`, "¥38.50")
	run(t, buyer, "pay with the password",
		fill(map[string]string{"pay_password": ptest.PIN}),
		click(`[data-testid="pay-shop-submit"]`),
		visible(`[data-testid="instore-receipt"]`),
	)
	expectText(t, buyer, `[data-testid="receipt-amount"]`, "¥38.50")

	expectText(t, seller, `[data-testid="till-total"]`, "¥38.50")
	expectText(t, seller, `[data-testid="payer-last4"]`, "8000")
	marker, err := chromedp.Run(seller, chromedp.Evaluate[bool](`window.tillMarker === true`))
	if err != nil || !marker {
		t.Fatalf("the till reloaded instead of updating in place: %v", err)
	}
	if got := a.Balance(models.SellerAvailableAccount(a.Seller.ID)); got != "38.35" {
		t.Fatalf("seller's available money %s", got)
	}
}

// The in-store pages pass the same accessibility checks as the main pages
// (TestMainPagesAreAccessible), on a phone in English and on a desktop in
// Chinese.
func TestInstorePagesAreAccessible(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	src := axeSource(t)
	sh, err := a.Instore.Enable(a.Ctx, a.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := a.Funding.TopUpReference(a.Ctx, a.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Credit("100.00", ref)
	p, err := a.Instore.Pay(a.Ctx, a.Buyer.Actor(), string(sh.Number), models.MustParseMoney("12.00"), instore.MethodWallet, ptest.PIN, "a11y")
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string][]string{
		a.Buyer.Login: {"/instore/pay", "/instore/pay?shop=" + string(sh.Number) + "&amount=10.00", "/instore/pay?shop=1234567&amount=10.00",
			"/instore/payments/" + p.ID},
		a.Seller.Login: {"/seller/instore", "/seller/instore/card", "/seller/instore/till", "/seller/instore/payments/" + p.ID + "/refund"},
	}
	for _, lang := range []struct {
		code          string
		width, height int64
	}{{"en", 375, 812}, {"zh", 1280, 900}} {
		ctx := person(t, browser(t))
		run(t, ctx, "window", chromedp.EmulateViewport(lang.width, lang.height), chromedp.Navigate(a.URL+"/lang?to="+lang.code+"&next=/"),
			visible(`body`))
		for _, login := range []string{a.Buyer.Login, a.Seller.Login} {
			a.login(t, ctx, login, ptest.Password)
			for _, path := range pages[login] {
				name := path + " " + lang.code
				run(t, ctx, "open "+name, chromedp.Navigate(a.URL+path), visible(`main`))
				axeCheck(t, ctx, src, name)
				focusCheck(t, ctx, name)
			}
			a.logout(t, ctx)
		}
	}
}
