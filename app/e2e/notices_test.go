package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
)

// At 375 px: the buyer pays through the bank simulator; the seller's nav
// shows the unread badge, the notification centre lists the new order, and
// opening it leads to the order, read.
func TestSellerIsNotifiedOfAPaidOrder(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	o := a.Checkout(a.Buyer, a.Listing("66.00", 2), 1)
	seller := browser(t)
	buyer := person(t, seller)

	a.login(t, seller, a.Seller.Login, ptest.Password)
	run(t, seller, "no badge yet", chromedp.Navigate(a.URL+"/seller"), visible(`[data-testid="notices-link"]`))
	if n, _ := chromedp.Run(seller, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="unread-badge"]').length`)); n != 0 {
		t.Fatalf("a badge before any notice")
	}

	a.login(t, buyer, a.Buyer.Login, ptest.Password)
	orderURL := fmt.Sprintf("%s/orders/%d", a.URL, o.ID)
	run(t, buyer, "pay in the simulator",
		chromedp.Navigate(orderURL),
		click(`[data-testid="sim-link"]`),
		visible(`[data-testid="sim-transfer-form"]`),
		click(`[data-testid="sim-transfer-submit"]`),
		visible(`[data-testid="sim-deliveries"]`),
	)
	waitState(t, buyer, orderURL, "paid")

	// The seller's next page shows the badge (the bank's callback is processed
	// by a River job: poll with a deadline).
	deadline := time.Now().Add(20 * time.Second)
	for {
		run(t, seller, "reload the dashboard", chromedp.Navigate(a.URL+"/seller"), visible(`[data-testid="notices-link"]`))
		if got, _ := textOf(seller, `[data-testid="notices-link"]`); got != "" && got != "Notices" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the seller's badge never appeared")
		}
		time.Sleep(200 * time.Millisecond)
	}
	expectText(t, seller, `[data-testid="unread-badge"]`, "1")
	run(t, seller, "open the notification centre", click(`[data-testid="notices-link"]`), visible(`[data-testid="notices"]`))
	expectText(t, seller, `[data-testid="notices"] li.unread`, fmt.Sprintf("New order %d (¥66.00) is paid. Ship it by", o.ID))
	overflow, err := chromedp.Run(seller, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || overflow {
		t.Errorf("the notification centre overflows 375 px (%v)", err)
	}
	run(t, seller, "follow the notice to the order",
		click(`[data-testid="notices"] li.unread [data-testid="notice-open"]`),
		visible(`[data-testid="ship-form"]`),
	)
	if loc, _ := chromedp.Run(seller, chromedp.Location()); loc != fmt.Sprintf("%s/seller/orders/%d", a.URL, o.ID) {
		t.Fatalf("the notice led to %s", loc)
	}
	if n, _ := chromedp.Run(seller, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="unread-badge"]').length`)); n != 0 {
		t.Error("the badge stays after reading the only notice")
	}
	run(t, seller, "the centre again", chromedp.Navigate(a.URL+"/notifications"), visible(`[data-testid="notices"]`))
	if n, _ := chromedp.Run(seller, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="notices"] li.unread').length`)); n != 0 {
		t.Errorf("%d notices still unread", n)
	}
}
