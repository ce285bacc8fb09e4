package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// TestHotlineFromTheBrowserPhone: the buyer calls the payment hotline from
// the phone simulator's page in Chromium, by form posts, and hears the
// balance and a confirmation of receipt that releases the money.
func TestHotlineFromTheBrowserPhone(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.bindLandline(t, a.Buyer)
	o := a.Checkout(a.Buyer, a.Listing("38.50", 1), 1)
	a.Credit("38.50", o.PayReference)
	if _, err := a.Orders.Ship(a.Ctx, a.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	phone := browser(t)
	run(t, phone, "dial", chromedp.Navigate(a.URL+"/sim/phone/"), click(`[data-testid="dial"]`), visible(`[data-testid="transcript"]`))
	expectText(t, phone, `[data-testid="transcript"]`, "欢迎致电固话宝支付热线")
	run(t, phone, "press 1", click(`[data-testid="key-1"]`), visible(`[data-testid="transcript"]`))
	expectText(t, phone, `[data-testid="transcript"]`, "您的余额为0元")
	run(t, phone, "press 4", click(`[data-testid="key-4"]`), visible(`[data-testid="transcript"]`))
	expectText(t, phone, `[data-testid="transcript"]`, "38元5角")
	run(t, phone, "choose it", click(`[data-testid="key-1"]`), visible(`[data-testid="transcript"]`))
	expectText(t, phone, `[data-testid="transcript"]`, "确认请按1")
	run(t, phone, "confirm", click(`[data-testid="key-1"]`), visible(`[data-testid="transcript"]`))
	expectText(t, phone, `[data-testid="transcript"]`, "请输入六位支付密码")
	run(t, phone, "type the payment password", chromedp.SendKeys(css("#keys"), ptest.PIN), chromedp.Submit(css("#keys")),
		visible(`[data-testid="transcript"]`))
	expectText(t, phone, `[data-testid="transcript"]`, "已确认收货")
	if got := a.Order(o.ID).State; got != models.Completed {
		t.Fatalf("order %s after confirming on the phone", got)
	}
}
