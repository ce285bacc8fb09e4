package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
)

// choose picks the option of a select by its value.
func choose(name, value string) step {
	sel := css(fmt.Sprintf(`[name="%s"]`, name))
	return chromedp.Steps(chromedp.WaitVisible(sel), chromedp.SetValue(sel, value))
}

// The seller ships with a carrier from the list: a number of another shape
// is refused beside the field, the right one ships, and the buyer's order
// page links to the carrier's tracking page.
func TestSellerShipsWithACarrier(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	o := a.Checkout(a.Buyer, a.Listing("88.00", 2), 1)
	a.Credit("88.00", o.PayReference)
	seller := browser(t)
	a.login(t, seller, a.Seller.Login, ptest.Password)
	run(t, seller, "a number of another carrier",
		chromedp.Navigate(fmt.Sprintf("%s/seller/orders/%d", a.URL, o.ID)),
		visible(`[data-testid="ship-form"]`),
		choose("carrier", "SF"), fill(map[string]string{"tracking_no": "JT1234567890123"}),
		click(`[data-testid="ship-submit"]`),
		visible(`[data-testid="error-tracking_no"]`),
	)
	expectText(t, seller, `[data-testid="error-tracking_no"]`, "SF1234567890123")
	run(t, seller, "the right number",
		choose("carrier", "SF"), fill(map[string]string{"tracking_no": "SF1234567890123"}),
		click(`[data-testid="ship-submit"]`),
		visible(`[data-testid="tracking-link"]`),
	)
	expectText(t, seller, `[data-testid="carrier-name"]`, "SF Express")

	buyer := person(t, seller)
	a.login(t, buyer, a.Buyer.Login, ptest.Password)
	run(t, buyer, "the buyer's order page",
		chromedp.Navigate(fmt.Sprintf("%s/orders/%d", a.URL, o.ID)),
		visible(`[data-testid="tracking-link"]`),
	)
	href, err := chromedp.Run(buyer, chromedp.AttributeValue(css(`[data-testid="tracking-link"]`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(href.Value, "/waybill-detail/SF1234567890123") {
		t.Errorf("tracking link %q", href.Value)
	}
	expectText(t, buyer, `[data-testid="tracking"]`, "SF1234567890123")
}

// A buyer adds an address at phone width with the pickers one step at a
// time (JavaScript off), then checks out with it: the default is chosen.
func TestBuyerAddsAnAddressAndChecksOutWithIt(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	l := a.Listing("66.00", 2)
	buyer := browser(t)
	a.login(t, buyer, a.Buyer.Login, ptest.Password)
	// JavaScript off, as the test says: with it, choosing a province also
	// swaps the pickers (htmx), racing the click on Next.
	if _, err := chromedp.Call(buyer, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	run(t, buyer, "the address book, one step at a time (Next posts the form, as without JavaScript)",
		chromedp.Navigate(a.URL+"/buyer/addresses"),
		visible(`[data-testid="address-form"]`),
		// Each step waits for what only the next page has (the chosen
		// province's cities, the city's districts): the page it leaves has
		// pickers too, and a choice made there would be lost.
		choose("province", "37"), click(`[data-testid="region-next"]`),
		chromedp.WaitReady(css(`select[name="city"] option[value="3717"]`)),
		choose("city", "3717"), click(`[data-testid="region-next"]`),
		chromedp.WaitReady(css(`select[name="district"] option[value="371702"]`)),
		choose("district", "371702"),
		fill(map[string]string{"detail": "中华路 88 号", "recipient": "张伟", "phone": "13800138000"}),
		click(`[data-testid="address-submit"]`),
		visible(`[data-testid="address-text"]`),
	)
	expectText(t, buyer, `[data-testid="address-text"]`, "山东省 菏泽市 牡丹区 中华路 88 号")
	run(t, buyer, "check out with it",
		chromedp.Navigate(fmt.Sprintf("%s/listings/%d", a.URL, l.ID)),
		visible(`[data-testid="saved-addresses"]`),
		click(`[data-testid="checkout-submit"]`),
		visible(`[data-testid="pay-instructions"]`),
	)
	expectText(t, buyer, `body`, "菏泽市 牡丹区 中华路 88 号")
}
