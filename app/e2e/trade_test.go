package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// The happy path: a seller lists, a buyer checks out, pays through the bank
// simulator, the seller ships, the buyer confirms, the seller sees the money.
func TestHappyPathThroughTheBankSimulator(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	seller := browser(t)
	buyer := person(t, seller)

	a.login(t, seller, a.Seller.Login, ptest.Password)
	run(t, seller, "add a listing",
		chromedp.Navigate(a.URL+"/seller/listings"),
		click(`[data-testid="new-listing"]`),
		visible(`[data-testid="listing-form"]`),
		fill(map[string]string{"title": "Peony seed oil 500ml", "description": "Cold pressed.", "price": "129.50", "stock": "3"}),
		click(`[data-testid="listing-submit"]`),
		visible(`[data-testid="seller-listings"]`),
	)
	expectText(t, seller, `[data-testid="seller-listings"]`, "Peony seed oil 500ml")

	a.login(t, buyer, a.Buyer.Login, ptest.Password)
	run(t, buyer, "find and check out",
		chromedp.Navigate(a.URL+"/listings?q=seed+oil"),
		click(`[data-testid="listings"] a.card`),
		visible(`[data-testid="checkout-form"]`),
		fill(map[string]string{"quantity": "2", "consignee_address": "山东省菏泽市牡丹区中华路 88 号"}),
		click(`[data-testid="checkout-submit"]`),
		visible(`[data-testid="pay-instructions"]`),
	)
	expectText(t, buyer, `[data-testid="pay-amount"]`, "¥259.00")
	orderURL, _ := chromedp.Run(buyer, chromedp.Location())
	ref, _ := textOf(buyer, `[data-testid="pay-reference"]`)
	if len(strings.ReplaceAll(ref, " ", "")) != 9 {
		t.Fatalf("payment reference %q", ref)
	}

	// "Call phone banking": the simulator is prefilled with amount and reference.
	run(t, buyer, "pay in the simulator",
		click(`[data-testid="sim-link"]`),
		visible(`[data-testid="sim-transfer-form"]`),
		click(`[data-testid="sim-transfer-submit"]`),
		visible(`[data-testid="sim-deliveries"]`),
	)
	waitState(t, buyer, orderURL, "paid")
	expectText(t, buyer, `[data-testid="held"]`, "¥259.00")
	expectText(t, buyer, `[data-testid="timeline"]`, "Bank transfer received")

	sellerOrder := strings.Replace(orderURL, "/orders/", "/seller/orders/", 1)
	run(t, seller, "ship",
		chromedp.Navigate(sellerOrder),
		visible(`[data-testid="ship-form"]`),
		choose("carrier", "SF"), fill(map[string]string{"tracking_no": "SF1029384756123"}),
		click(`[data-testid="ship-submit"]`),
		visible(`[data-testid="tracking"]`),
	)

	// The buyer's open order page notices the shipment by itself (htmx polls).
	run(t, buyer, "page refreshes on shipment", visible(`[data-testid="order-state"][data-state="shipped"]`), visible(`[data-testid="confirm-start"]`))
	// At 375 px: the steps bar marks "receipt confirmed" as next, fits the
	// phone's width, and the countdown says how long is left in words.
	run(t, buyer, "steps bar and countdown", visible(`[data-testid="steps"] li[data-key="received"][aria-current="step"]`),
		visible(`[data-testid="countdown"][data-kind="auto_confirm"]`))
	expectText(t, buyer, `[data-testid="countdown"]`, "left, then receipt is confirmed automatically")
	overflow, err := chromedp.Run(buyer, chromedp.Evaluate[bool](
		`(() => { const e = document.querySelector('[data-testid="steps"]'); return e.scrollWidth > e.clientWidth || document.documentElement.scrollWidth > window.innerWidth })()`))
	if err != nil {
		t.Fatalf("measure the steps bar: %v", err)
	}
	if overflow {
		t.Error("the steps bar overflows 375 px")
	}
	run(t, buyer, "confirm with a wrong payment password",
		click(`[data-testid="confirm-start"]`),
		visible(`[data-testid="confirm-ask"]`),
		fill(map[string]string{"pay_password": "111333"}),
		click(`[data-testid="confirm-submit"]`),
		visible(`[data-testid="error-pay_password"]`),
	)
	run(t, buyer, "confirm",
		fill(map[string]string{"pay_password": ptest.PIN}),
		click(`[data-testid="confirm-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)
	waitState(t, buyer, orderURL, "completed")
	// The buyer reads where the money is in words, never an account code
	// nor the seller's commission; the seller reads gross, commission, net.
	expectText(t, buyer, `[data-testid="money-paid_to_seller"]`, "¥259.00 was paid to the seller.")
	expectText(t, buyer, `[data-testid="steps"] li[data-key="completed"][data-status="done"]`, "Trade completed")
	if txt, _ := textOf(buyer, "main"); strings.Contains(txt, fmt.Sprintf("escrow:order:%d", orderID(t, orderURL))) || strings.Contains(txt, "¥1.55") {
		t.Errorf("the buyer's page shows an account code or the commission: %s", txt)
	}
	run(t, seller, "the seller's money of the order", chromedp.Navigate(sellerOrder), visible(`[data-testid="seller-money"]`))
	expectText(t, seller, `[data-testid="money-net"]`, "¥257.45")
	expectText(t, seller, `[data-testid="money-fee"]`, "¥1.55")

	run(t, seller, "see the money", chromedp.Navigate(a.URL+"/seller"), visible(`[data-testid="money-stages"]`))
	expectText(t, seller, `[data-testid="stage-available"]`, "¥257.45") // 259.00 less 0.6% (1.55)
	expectText(t, seller, `[data-testid="stage-held"]`, "¥0.00")
}

// A refused refund that the buyer escalates and an operator splits.
func TestRefusedRefundDecidedBySplit(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	o := a.Checkout(a.Buyer, a.Listing("300.00", 2), 1)
	ref, err := a.Funding.TopUpReference(a.Ctx, a.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Credit("300.00", ref)
	if _, err := a.Orders.PayFromWallet(a.Ctx, a.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Orders.Ship(a.Ctx, a.Seller.Actor(), o.ID, "EMS", "EA112233445CN"); err != nil {
		t.Fatal(err)
	}

	buyer := browser(t)
	seller := person(t, buyer)
	op := person(t, buyer)
	orderURL := fmt.Sprintf("%s/orders/%d", a.URL, o.ID)

	a.login(t, buyer, a.Buyer.Login, ptest.Password)
	run(t, buyer, "ask for a refund",
		chromedp.Navigate(orderURL),
		click(`[data-testid="refund-request"] summary`),
		fill(map[string]string{"amount": "120.00", "reason": "Two of the five jars arrived broken."}),
		click(`[data-testid="refund-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)

	a.login(t, seller, a.Seller.Login, ptest.Password)
	run(t, seller, "refuse",
		chromedp.Navigate(fmt.Sprintf("%s/seller/orders/%d", a.URL, o.ID)),
		visible(`[data-testid="refund-answer"]`),
		fill(map[string]string{"reason": "The jars were intact when packed; see the photos."}),
		click(`[data-testid="refuse-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)

	run(t, buyer, "open a dispute", chromedp.Navigate(orderURL), click(`[data-testid="escalate"]`), visible(`[data-testid="dispute-ask"]`),
		click(`[data-testid="escalate-submit"]`), visible(`[data-testid="flash-success"]`))

	a.login(t, op, a.Operator.Login, ptest.Password)
	run(t, op, "find it in the dispute queue",
		chromedp.Navigate(a.URL+"/ops/disputes"),
		click(fmt.Sprintf(`[data-testid="order-%d"] a`, o.ID)),
		visible(`[data-testid="decide-preview-form"]`),
	)
	run(t, op, "a split larger than held is refused",
		fill(map[string]string{"buyer_amount": "300.00"}),
		click(`[data-testid="decide-preview"]`),
		visible(`[data-testid="error-buyer_amount"]`),
	)
	run(t, op, "see the split, then decide",
		fill(map[string]string{"buyer_amount": "80.00"}),
		click(`[data-testid="decide-preview"]`),
		visible(`[data-testid="decision-preview"]`),
	)
	expectText(t, op, `[data-testid="preview-buyer"]`, "¥80.00")
	// With JavaScript the preview follows the amount as it is typed.
	run(t, op, "change the amount", fill(map[string]string{"buyer_amount": "90.00"}))
	expectText(t, op, `[data-testid="preview-buyer"]`, "¥90.00")
	run(t, op, "back to 80", fill(map[string]string{"buyer_amount": "80.00"}))
	expectText(t, op, `[data-testid="preview-buyer"]`, "¥80.00")
	expectText(t, op, `[data-testid="preview-sentence"]`, "The buyer gets ¥80.00")
	run(t, op, "decide by split",
		fill(map[string]string{"reason": "Carrier damage on two jars; the buyer keeps the rest."}),
		click(`[data-testid="decide-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)
	got := a.Order(o.ID)
	if got.State != models.Completed || got.Refunded.String() != "80.00" || got.Released.String() != "220.00" {
		t.Fatalf("after the split: %s refunded %s released %s", got.State, got.Refunded, got.Released)
	}
	waitState(t, buyer, orderURL, "completed")
	expectText(t, buyer, `[data-testid="timeline"]`, "Dispute decided by an operator")
	run(t, buyer, "see the refund in the wallet", chromedp.Navigate(a.URL+"/wallet"), visible(`[data-testid="wallet-balance"]`))
	expectText(t, buyer, `[data-testid="wallet-balance"]`, "¥80.00")
	run(t, seller, "see the seller's part", chromedp.Navigate(a.URL+"/seller"), visible(`[data-testid="money-stages"]`))
	expectText(t, seller, `[data-testid="stage-available"]`, "¥218.68") // 220.00 less 0.6% (1.32)
	run(t, op, "audit", chromedp.Navigate(a.URL+"/ops/audit?action=order.decide"), visible(`[data-testid="audit-entry"]`))
}

// orderID is the order number at the end of an order page's URL.
func orderID(t *testing.T, u string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(u[strings.LastIndex(u, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("no order id in %s", u)
	}
	return id
}
