package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"lineescrow/models"
)

// What the buyer is asked to transfer for an unpaid order is what a transfer
// must still bring, by funding's rule: the whole amount while nothing came
// (whatever else the balance holds: that is spent only with the payment
// password), the rest after a short transfer for this order. The box, the
// amount shown, the simulator's link and the API all say the same; the
// transfer of exactly that pays the order and leaves the rest of the balance.
func TestBuyerIsAskedForTheMissingAmountOnly(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	e.Config.Demo = true // the simulator's link
	topUp, err := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.Credit("50.00", topUp) // the buyer's own balance, not for the order
	o := e.Checkout(e.Buyer, e.Listing("10.00", 3), 1)
	b, token := e.browser(t, e.Buyer), e.token(t, e.Buyer)
	path := fmt.Sprintf("/orders/%d", o.ID)

	asked := func(want string, box bool) {
		t.Helper()
		p := b.get(path)
		if got := p.text(`[data-testid="pay-amount"]`); got != "¥"+want {
			t.Errorf("amount shown %q, want ¥%s", got, want)
		}
		if got := p.find(`[data-testid="missing"]`).Length() == 1; got != box {
			t.Errorf("missing box shown %v, want %v: %q", got, box, p.text(`[data-testid="missing"]`))
		}
		if box && !strings.Contains(p.text(`[data-testid="missing"]`), "¥"+want) {
			t.Errorf("missing box %q does not ask for ¥%s", p.text(`[data-testid="missing"]`), want)
		}
		href, _ := p.find(`[data-testid="sim-link"]`).Attr("href")
		u, err := url.Parse(href)
		if err != nil || u.Query().Get("amount") != want || u.Query().Get("memo") != o.PayReference {
			t.Errorf("simulator link %q, want amount %s and the reference", href, want)
		}
		code, body, _ := e.api(t, "GET", "/api/v1"+path, token, "", nil)
		instr, _ := body["payment_instructions"].(map[string]any)
		if code != 200 || instr["amount"] != want {
			t.Errorf("API payment instructions %d %v, want amount %s", code, body["payment_instructions"], want)
		}
	}
	asked("10.00", false)
	e.Credit("4.00", o.PayReference)
	asked("6.00", true)
	e.Credit("6.00", o.PayReference)
	if got := e.Order(o.ID); got.State != models.Paid || got.Held.String() != "10.00" {
		t.Fatalf("after the missing amount: %s, held %s", got.State, got.Held)
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)); got != "50.00" {
		t.Fatalf("the buyer's own balance is %s, want 50.00 untouched", got)
	}
}
