package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// until reopens url until sel is on the page (the platform and the shop
// catch up in the background: a bank callback, a notification).
func until(t *testing.T, ctx context.Context, url, sel string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		reopen(t, ctx, url, "body", deadline)
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))); err == nil && n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %s", url, sel)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// The merchant gateway end to end, in a phone-sized browser: the demo shop's
// customer checks out, signs in at the hosted cashier, pays by phone banking
// in the bank simulator, goes back to the shop, which shows the order paid
// (it learnt it from trade.query and the notification, not from the
// return); the shop ships through the API; the buyer confirms on
// LineEscrow; the shop hears TRADE_FINISHED; the seller's available money
// rises by the price less the commission. A newcomer registers at the
// cashier and lands back on it.
func TestTheDemoShopPaysThroughTheCashier(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	buyer := browser(t)
	if _, err := chromedp.Run(buyer, chromedp.EmulateViewport(375, 812)); err != nil {
		t.Fatal(err)
	}
	before, err := a.Sellers.Money(a.Ctx, a.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}

	run(t, buyer, "buy at the shop",
		chromedp.Navigate(a.URL+"/sim/shop/"),
		click(`input[name="product"][value="tea"]`),
		click(`[data-testid="shop-buy"]`),
		visible(`[data-testid="cashier"]`),
	)
	cashierURL, _ := chromedp.Run(buyer, chromedp.Location())
	if !strings.HasPrefix(cashierURL, a.URL+"/cashier/") {
		t.Fatalf("the shop sent its customer to %s", cashierURL)
	}
	expectText(t, buyer, `[data-testid="cashier-amount"]`, "¥88.00")
	expectText(t, buyer, `[data-testid="cashier-shop"]`, "王建国's shop")

	run(t, buyer, "sign in at the cashier",
		fillIn(`[data-testid="cashier-login-form"]`, map[string]string{"login": a.Buyer.Login, "password": ptest.Password}),
		click(`[data-testid="cashier-login-submit"]`),
		visible(`[data-testid="cashier-take-form"]`),
	)
	if u, _ := chromedp.Run(buyer, chromedp.Location()); u != cashierURL {
		t.Fatalf("signed in at the cashier, landed on %s", u)
	}
	run(t, buyer, "take the trade",
		fillIn(`[data-testid="cashier-take-form"]`, map[string]string{"consignee_name": "张伟", "consignee_phone": "13800138000",
			"consignee_address": "山东省菏泽市牡丹区中华路 88 号"}),
		click(`[data-testid="cashier-take-submit"]`),
		visible(`[data-testid="pay-instructions"]`),
	)
	expectText(t, buyer, `[data-testid="pay-amount"]`, "¥88.00")
	run(t, buyer, "pay in the bank simulator",
		click(`[data-testid="sim-link"]`),
		visible(`[data-testid="sim-transfer-form"]`),
		click(`[data-testid="sim-transfer-submit"]`),
		visible(`[data-testid="sim-deliveries"]`),
	)
	until(t, buyer, cashierURL, `[data-testid="cashier-return"]`)

	run(t, buyer, "back to the shop", click(`[data-testid="cashier-return"]`), visible(`[data-testid="shop-order"]`))
	until(t, buyer, a.URL+"/sim/shop/", `[data-testid="shop-order-paid"]`)
	expectText(t, buyer, `[data-testid="shop-order-status"]`, "TRADE_SUCCESS")
	var orderID int64
	if err := a.DB.Raw("SELECT order_id FROM gateway_trades WHERE trade_no = ?", strings.TrimPrefix(cashierURL, a.URL+"/cashier/")).Scan(&orderID).Error; err != nil || orderID == 0 {
		t.Fatalf("the trade's order: %v", err)
	}
	if o := a.Order(orderID); o.State != models.Paid || o.BuyerID != a.Buyer.ID {
		t.Fatalf("the order: %s, buyer %d", o.State, o.BuyerID)
	}

	run(t, buyer, "the shop ships (trade.ship)", click(`[data-testid="shop-ship"] button`), visible(`[data-testid="shop-order"]`))
	expectText(t, buyer, `[data-testid="shop-order-status"]`, "WAIT_BUYER_CONFIRM_GOODS")

	orderURL := fmt.Sprintf("%s/orders/%d", a.URL, orderID)
	waitState(t, buyer, orderURL, "shipped")
	run(t, buyer, "confirm receipt on LineEscrow",
		click(`[data-testid="confirm-start"]`),
		fillIn(`[data-testid="confirm-form"]`, map[string]string{"pay_password": ptest.PIN}),
		click(`[data-testid="confirm-submit"]`),
		visible(`[data-testid="flash-success"], [data-testid="error-pay_password"], .flash.error`),
	)
	if msg := textNow(buyer, `.flash.error, [data-testid="error-pay_password"]`); msg != "" {
		t.Fatalf("confirming was refused: %s", msg)
	}
	waitState(t, buyer, orderURL, "completed")
	until(t, buyer, a.URL+"/sim/shop/", `[data-testid="shop-order-status"]`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := textOf(buyer, `[data-testid="shop-order-status"]`)
		if got == "TRADE_FINISHED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shop's order stayed %q, want TRADE_FINISHED", got)
		}
		time.Sleep(300 * time.Millisecond)
		reopen(t, buyer, a.URL+"/sim/shop/", `[data-testid="shop-order-status"]`, deadline)
	}
	after, err := a.Sellers.Money(a.Ctx, a.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	o := a.Order(orderID)
	if rise := after.Stages.Available.Sub(before.Stages.Available); rise.String() != o.Amount.Sub(o.Fee).String() || !rise.IsPositive() {
		t.Fatalf("the seller's available money rose by %s, want %s less %s", rise.Display(), o.Amount.Display(), o.Fee.Display())
	}

	// A newcomer opens an account at the cashier and is back on it.
	newcomer := person(t, buyer)
	run(t, newcomer, "buy at the shop",
		chromedp.Navigate(a.URL+"/sim/shop/"),
		click(`input[name="product"][value="card"]`),
		click(`[data-testid="shop-buy"]`),
		visible(`[data-testid="cashier-register"]`),
	)
	second, _ := chromedp.Run(newcomer, chromedp.Location())
	run(t, newcomer, "register at the cashier",
		click(`[data-testid="cashier-register"] summary`),
		fillIn(`[data-testid="cashier-register-form"]`, map[string]string{"login": "13500135000", "display_name": "赵敏", "password": "a-good-long-pass",
			"password_confirm": "a-good-long-pass"}),
		click(`[data-testid="cashier-register-submit"]`),
		// First the payment password, then back to the cashier.
		visible(`[data-testid="pay-password-form"]`),
		fill(map[string]string{"current_password": "a-good-long-pass", "pay_password": "284913", "pay_password_confirm": "284913"}),
		click(`[data-testid="pay-password-submit"]`),
		visible(`[data-testid="cashier-take-form"]`),
	)
	if u, _ := chromedp.Run(newcomer, chromedp.Location()); u != second {
		t.Fatalf("registered at the cashier, landed on %s", u)
	}
}
