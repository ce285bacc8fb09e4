package web_test

import (
	"fmt"
	"strings"
	"testing"

	"lineescrow/models"
)

// The order lists have a tab per phase with its count, and each row the one
// button its viewer has to press next; the API answers the same.
func TestOrderListTabsAndNextSteps(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	l := e.Listing("20.00", 10)
	unpaid, paid, shipped, refund, cancelled := e.Checkout(e.Buyer, l, 1), e.Checkout(e.Buyer, l, 1), e.Checkout(e.Buyer, l, 1), e.Checkout(e.Buyer, l, 1), e.Checkout(e.Buyer, l, 1)
	for _, o := range []*models.Order{paid, shipped, refund} {
		e.Credit("20.00", o.PayReference)
	}
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), shipped.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), refund.ID, models.MustParseMoney("20.00"), "wrong size"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Cancel(e.Ctx, e.Buyer.Actor(), cancelled.ID); err != nil {
		t.Fatal(err)
	}
	wantCounts := map[string]string{"to_pay": "1", "to_ship": "1", "to_receive": "1", "refund": "1", "completed": "0", "closed": "1"}
	row := func(id int64) string { return fmt.Sprintf(`[data-testid="order-%d"]`, id) }

	buyer := e.browser(t, e.Buyer)
	p := buyer.get("/orders")
	if p.status != 200 {
		t.Fatalf("/orders: %d", p.status)
	}
	for tab, n := range wantCounts {
		if got := p.text(`[data-testid="tab-` + tab + `"] .count`); got != n {
			t.Errorf("buyer's tab %s counts %q, want %s", tab, got, n)
		}
	}
	if cur, _ := p.find(`[data-testid="tab-all"]`).Attr("aria-current"); cur != "page" {
		t.Errorf("the list opens on all orders: aria-current %q", cur)
	}
	buyerNext := map[int64]string{unpaid.ID: "Pay now", shipped.ID: "Confirm receipt", paid.ID: "", refund.ID: "", cancelled.ID: ""}
	for id, want := range buyerNext {
		btn := p.find(row(id) + ` [data-testid="next-step"]`)
		if got := strings.TrimSpace(btn.Text()); got != want {
			t.Errorf("buyer's row of order %d: next step %q, want %q", id, got, want)
		}
		if want != "" {
			if href, _ := btn.Attr("href"); href != fmt.Sprintf("/orders/%d#next-step", id) {
				t.Errorf("order %d's button leads to %q", id, href)
			}
		}
	}
	// The button's anchor is on the order page, around its forms.
	if op := buyer.get(fmt.Sprintf("/orders/%d", shipped.ID)); op.find(`#next-step [data-testid="confirm-start"]`).Length() != 1 {
		t.Error("the order page has no confirmation of receipt under #next-step")
	}
	p = buyer.get("/orders?state=to_ship")
	if p.find(`[data-testid="orders"] tbody tr`).Length() != 1 || p.find(row(paid.ID)).Length() != 1 {
		t.Errorf("the to-ship tab lists %d rows, want only order %d", p.find(`[data-testid="orders"] tbody tr`).Length(), paid.ID)
	}
	if cur, _ := p.find(`[data-testid="tab-to_ship"]`).Attr("aria-current"); cur != "page" {
		t.Error("the chosen tab is not marked current")
	}
	buyer.lang = "zh-CN"
	if got := buyer.get("/orders").text(`[data-testid="tab-to_pay"]`); !strings.HasPrefix(got, "待付款") {
		t.Errorf("Chinese tab: %q", got)
	}

	seller := e.browser(t, e.Seller)
	p = seller.get("/seller/orders")
	for tab, n := range wantCounts {
		if got := p.text(`[data-testid="tab-` + tab + `"] .count`); got != n {
			t.Errorf("seller's tab %s counts %q, want %s", tab, got, n)
		}
	}
	sellerNext := map[int64]string{paid.ID: "Ship", refund.ID: "Answer the refund", unpaid.ID: "", shipped.ID: ""}
	for id, want := range sellerNext {
		if got := strings.TrimSpace(p.text(row(id) + ` [data-testid="next-step"]`)); got != want {
			t.Errorf("seller's row of order %d: next step %q, want %q", id, got, want)
		}
	}
	// The search keeps the tab.
	p = seller.get(fmt.Sprintf("/seller/orders?state=to_pay&q=%s", unpaid.PayReference))
	if p.find(row(unpaid.ID)).Length() != 1 || p.find(`input[name="state"][value="to_pay"]`).Length() != 1 {
		t.Error("searching within a tab lost the tab or the order")
	}

	// Someone else's counts are their own.
	other := e.browser(t, e.Buyer2)
	if got := other.get("/orders").text(`[data-testid="tab-to_pay"] .count`); got != "0" {
		t.Errorf("another buyer's to-pay count: %q", got)
	}

	code, body, _ := e.api(t, "GET", "/api/v1/orders?state=to_receive", e.token(t, e.Buyer), "", nil)
	if code != 200 {
		t.Fatalf("API orders: %d %v", code, body)
	}
	list := body["orders"].([]any)
	if len(list) != 1 || int64(list[0].(map[string]any)["id"].(float64)) != shipped.ID || list[0].(map[string]any)["next_step"] != "confirm" {
		t.Errorf("API to_receive: %v", list)
	}
	counts := body["counts"].(map[string]any)
	for tab, n := range wantCounts {
		if fmt.Sprint(counts[tab]) != n {
			t.Errorf("API count of %s: %v, want %s", tab, counts[tab], n)
		}
	}
}
