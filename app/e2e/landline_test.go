package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// fillIn types into the fields of one form (a page may have two fields of
// one name, such as the order page's payment passwords).
func fillIn(form string, fields map[string]string) step {
	var acts []step
	for name, v := range fields {
		sel := css(fmt.Sprintf(`%s [name="%s"]`, form, name))
		clear := fmt.Sprintf(`(() => { document.querySelector(%q).value = ""; return true })()`, string(sel))
		acts = append(acts, chromedp.WaitVisible(sel), voidOf(chromedp.Evaluate[bool](clear)), chromedp.SendKeys(sel, v))
	}
	return chromedp.Steps(acts...)
}

// textNow is the text of the first element sel matches, "" when there is
// none (it does not wait for one).
func textNow(ctx context.Context, sel string) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : "" })()`, sel)))
	return strings.TrimSpace(s)
}

// reloadUntil opens url again until the text of sel contains want: what it
// waits for happens elsewhere (a callback, a job), not on this page.
func reloadUntil(t *testing.T, ctx context.Context, url, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		reopen(t, ctx, url, "main", deadline)
		got := textNow(ctx, sel)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s says %q, want %q", url, sel, got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// bindLandline binds the demo buyer's line through the service, as the
// browser test of binding does through the page.
func (a *app) bindLandline(t *testing.T, buyer *models.User) {
	t.Helper()
	if _, err := a.Telecom.StartBinding(a.Ctx, buyer.Actor(), telecomsim.LineBuyer); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Telecom.VerifyHolder(a.Ctx, buyer.Actor(), "张伟", "152316"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Telecom.ConfirmCode(a.Ctx, buyer.Actor(), a.Tel.LastCode(telecomsim.LineBuyer)); err != nil {
		t.Fatal(err)
	}
}

// payByLandline checks a listing out on the buyer's page and pays it by the
// landline bill with the payment password; it returns the order page's URL.
func (a *app) payByLandline(t *testing.T, buyer context.Context, l *models.Listing) string {
	t.Helper()
	run(t, buyer, "check out",
		chromedp.Navigate(fmt.Sprintf("%s/listings/%d", a.URL, l.ID)),
		visible(`[data-testid="checkout-form"]`),
		fill(map[string]string{"consignee_address": "山东省菏泽市牡丹区中华路 88 号"}),
		click(`[data-testid="checkout-submit"]`),
		visible(`[data-testid="landline-pay-form"]`),
	)
	orderURL, _ := chromedp.Run(buyer, chromedp.Location())
	run(t, buyer, "a wrong payment password, beside the landline form's field",
		fillIn(`[data-testid="landline-pay-form"]`, map[string]string{"pay_password": "111333"}),
		click(`[data-testid="landline-pay-submit"]`),
		visible(`[data-testid="landline-pay-form"] [data-testid="error-pay_password"]`),
	)
	run(t, buyer, "pay by landline bill",
		fillIn(`[data-testid="landline-pay-form"]`, map[string]string{"pay_password": ptest.PIN}),
		click(`[data-testid="landline-pay-submit"]`),
		visible(`[data-testid="flash-success"]`),
		visible(`[data-testid="order-charge"][data-state="accepted"]`),
	)
	expectText(t, buyer, `[data-testid="flash-success"]`, "0530-5552001")
	return orderURL
}

// simulator opens the telecom simulator's page, as the phone company's
// operator.
func (a *app) simulator(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "the telecom simulator", chromedp.Navigate(a.URL+"/sim/telecom/"), visible(`[data-testid="tsim-lines"]`))
}

// A buyer binds the landline on the portal (the code read from the
// simulator's page), buys by charging the order to it with the payment
// password; the seller ships, the buyer confirms, and the seller sees the
// money waiting for the phone company; the phone company issues the bill
// and the subscriber pays it (on the simulator's page), and the seller's
// money is available.
func TestBuyerBindsLandlineAndPaysByPhoneBill(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	l := a.Listing("259.00", 2)
	buyer := browser(t)
	seller := person(t, buyer)
	phoneCo := person(t, buyer)

	a.login(t, buyer, a.Buyer.Login, ptest.Password)
	run(t, buyer, "look the landline up",
		chromedp.Navigate(a.URL+"/"),
		click(`[data-testid="nav"] a[href="/landline"]`),
		visible(`[data-testid="lookup-form"]`),
		fill(map[string]string{"phone": "0530-5552001"}),
		click(`[data-testid="lookup-submit"]`),
		visible(`[data-testid="holder-form"]`),
	)
	expectText(t, buyer, `[data-testid="binding-holder"]`, "张*")
	expectText(t, buyer, `[data-testid="binding-class"]`, "A")
	run(t, buyer, "a wrong holder",
		fill(map[string]string{"holder_name": "张三", "id_last6": "152316"}),
		click(`[data-testid="holder-submit"]`),
		visible(`[data-testid="error-holder_name"]`),
	)
	expectText(t, buyer, `[data-testid="error-holder_name"]`, "4 tries left")
	run(t, buyer, "the holder",
		fill(map[string]string{"holder_name": "张伟", "id_last6": "152316"}),
		click(`[data-testid="holder-submit"]`),
		visible(`[data-testid="code-form"]`),
	)
	expectText(t, buyer, `[data-testid="calling"]`, "0530-5552001")
	// The phone company's call, heard in the simulator.
	run(t, buyer, "hear the call in the simulator", click(`[data-testid="tsim-link"]`), visible(`[data-testid="tsim-lines"]`))
	heard := textNow(buyer, `[data-testid="tsim-code-`+telecomsim.LineBuyer+`"]`)
	if len(heard) != 6 || heard != a.Tel.LastCode(telecomsim.LineBuyer) {
		t.Fatalf("the simulator shows code %q, the call read %q", heard, a.Tel.LastCode(telecomsim.LineBuyer))
	}
	run(t, buyer, "type the code",
		chromedp.Navigate(a.URL+"/landline"),
		fill(map[string]string{"code": heard}),
		click(`[data-testid="code-submit"]`),
		visible(`[data-testid="landline-bound"]`),
	)
	expectText(t, buyer, `[data-testid="line-phone"]`, "0530-5552001")
	expectText(t, buyer, `[data-testid="credit-available"]`, "¥3,000.00")
	expectText(t, buyer, `[data-testid="credit-why"]`, "class A ¥3,000.00")

	orderURL := a.payByLandline(t, buyer, l)
	id := orderID(t, orderURL)
	cycle := textNow(buyer, `[data-testid="charge-cycle"]`)
	if cycle == "" {
		t.Fatal("the order page shows no bill cycle")
	}
	waitState(t, buyer, orderURL, "paid")
	expectText(t, buyer, `[data-testid="order-charge"] [data-testid="charge-waits"]`, "On your phone bill issued on "+cycle+"-01") // the line's billing day is the 1st
	run(t, buyer, "the charge on the landline page", chromedp.Navigate(a.URL+"/landline"), visible(`[data-testid="line-charges"]`))
	expectText(t, buyer, fmt.Sprintf(`[data-testid="line-charge-%d"]`, id), "On your phone bill issued on "+cycle+"-01") // the line's billing day is the 1st
	expectText(t, buyer, `[data-testid="credit-used"]`, "¥259.00")

	a.login(t, seller, a.Seller.Login, ptest.Password)
	sellerOrder := fmt.Sprintf("%s/seller/orders/%d", a.URL, id)
	run(t, seller, "ship",
		chromedp.Navigate(sellerOrder),
		visible(`[data-testid="ship-form"]`),
		choose("carrier", "SF"), fill(map[string]string{"tracking_no": "SF1029384756123"}),
		click(`[data-testid="ship-submit"]`),
		visible(`[data-testid="tracking"]`),
	)
	if n, _ := chromedp.Run(seller, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="holder-mismatch"]').length`)); n != 0 {
		t.Fatal("the holder's own order is flagged to the seller")
	}
	run(t, buyer, "confirm",
		chromedp.Navigate(orderURL),
		click(`[data-testid="confirm-start"]`),
		visible(`[data-testid="confirm-form"]`),
		fill(map[string]string{"pay_password": ptest.PIN}),
		click(`[data-testid="confirm-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)
	waitState(t, buyer, orderURL, "completed")

	// The seller's money waits for the buyer's phone bill.
	row := fmt.Sprintf(`[data-testid="seller-charge-%d"]`, id)
	run(t, seller, "the money page", chromedp.Navigate(a.URL+"/seller/money"), visible(row))
	expectText(t, seller, row+` [data-testid="charge-pending"]`, "¥257.45") // 259.00 less 0.6% (1.55)
	expectText(t, seller, row, "not issued yet")
	expectText(t, seller, `[data-testid="money-pending"]`, "¥257.45")
	expectText(t, seller, `[data-testid="money-available"]`, "¥0.00")

	// The phone company issues the bill, then the subscriber pays it.
	a.simulator(t, phoneCo)
	line := `[data-testid="tsim-line-` + telecomsim.LineBuyer + `"]`
	run(t, phoneCo, "close the cycle",
		click(`[data-testid="tsim-close-`+cycle+`"]`),
		visible(`[data-testid="tsim-cycle-`+cycle+`"][data-state="closed"]`),
		visible(line+` [data-testid^="tsim-pay-"]`),
	)
	reloadUntil(t, seller, a.URL+"/seller/money", row, "Billed: the buyer pays by")
	run(t, phoneCo, "the subscriber pays the bill",
		click(line+` [data-testid^="tsim-pay-"]`),
		visible(line+` tr[data-status="collected"]`),
	)
	reloadUntil(t, seller, a.URL+"/seller/money", `[data-testid="money-available"]`, "¥257.45")
	expectText(t, seller, `[data-testid="money-pending"]`, "¥0.00")
	if textNow(seller, row) != "" {
		t.Fatal("the order still waits for the phone company")
	}
	run(t, buyer, "the bill is paid", chromedp.Navigate(a.URL+"/landline"), visible(`[data-testid="line-charges"]`))
	expectText(t, buyer, fmt.Sprintf(`[data-testid="line-charge-%d"]`, id), "Paid with your phone bill")
	expectText(t, buyer, `[data-testid="credit-used"]`, "¥0.00")
}

// A charge already on an issued bill is refunded as a credit on the next
// bill: the buyer pays by landline, the phone company issues the bill, the
// buyer asks for the money back, the seller accepts; the order page says the
// amount is credited on the next bill and the simulator shows the credit.
func TestRefundOfABilledChargeIsABillCredit(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.bindLandline(t, a.Buyer)
	l := a.Listing("120.00", 2)
	buyer := browser(t)
	seller := person(t, buyer)
	phoneCo := person(t, buyer)

	a.login(t, buyer, a.Buyer.Login, ptest.Password)
	orderURL := a.payByLandline(t, buyer, l)
	id := orderID(t, orderURL)
	cycle := textNow(buyer, `[data-testid="charge-cycle"]`)
	if cycle == "" {
		t.Fatal("the order page shows no bill cycle")
	}

	a.simulator(t, phoneCo)
	run(t, phoneCo, "close the cycle",
		click(`[data-testid="tsim-close-`+cycle+`"]`),
		visible(`[data-testid="tsim-cycle-`+cycle+`"][data-state="closed"]`),
	)
	reloadUntil(t, buyer, orderURL, `[data-testid="order-charge"] [data-testid="charge-waits"]`, "due by")

	run(t, buyer, "ask for a refund",
		click(`[data-testid="refund-request"] summary`),
		fill(map[string]string{"reason": "Ordered twice by mistake."}),
		click(`[data-testid="refund-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)
	a.login(t, seller, a.Seller.Login, ptest.Password)
	run(t, seller, "accept the refund",
		chromedp.Navigate(fmt.Sprintf("%s/seller/orders/%d", a.URL, id)),
		visible(`[data-testid="accept-form"]`),
		fill(map[string]string{"pay_password": ptest.PIN}),
		click(`[data-testid="accept-form"] button`),
		visible(`[data-testid="flash-success"]`),
	)
	waitState(t, buyer, orderURL, "closed")
	expectText(t, buyer, `[data-testid="charge-credited"]`, "Credited ¥120.00 on your next phone bill")
	expectText(t, buyer, `[data-testid="order-charge"]`, cycle)

	// The platform's job asks the phone company for the credit.
	line := `[data-testid="tsim-line-` + telecomsim.LineBuyer + `"]`
	reloadUntil(t, phoneCo, a.URL+"/sim/telecom/", line, "Credited ¥120.00")
	if got := a.Order(id); got.Refunded.String() != "120.00" || got.State != models.Closed {
		t.Fatalf("the order after the refund: %s refunded %s", got.State, got.Refunded)
	}
}
