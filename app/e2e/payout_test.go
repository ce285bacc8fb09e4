package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/banksim"
	"lineescrow/models"
)

// A seller withdraws the money a sale made and sees the payout settle: sent
// to the bank simulator by the platform's job, paid by the bank, reported by
// its callback.
func TestSellerWithdrawsAndSeesThePayoutSettle(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	o := a.Checkout(a.Buyer, a.Listing("200.00", 2), 1)
	// Paid by phone banking at the simulated bank, which calls the platform back.
	a.Sim.Transfer(banksim.TransferInput{Amount: models.MustParseMoney("200.00"), Memo: o.PayReference, Account: "6222020200112233", Name: "张伟"})
	for deadline := time.Now().Add(30 * time.Second); a.Order(o.ID).State != models.Paid; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the transfer did not reach the order")
		}
	}
	if _, err := a.Orders.Ship(a.Ctx, a.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Orders.Confirm(a.Ctx, a.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	seller := browser(t)
	a.login(t, seller, a.Seller.Login, ptest.Password)
	run(t, seller, "the money page",
		chromedp.Navigate(a.URL+"/seller/money"),
		visible(`[data-testid="withdraw-form"]`),
	)
	expectText(t, seller, `[data-testid="money-available"]`, "¥198.80")
	run(t, seller, "a wrong payment password",
		fill(map[string]string{"amount": "150.00", "pay_password": "111333"}),
		click(`[data-testid="withdraw-submit"]`),
		visible(`[data-testid="error-pay_password"]`),
	)
	run(t, seller, "withdraw",
		fill(map[string]string{"amount": "150.00", "pay_password": ptest.PIN}),
		click(`[data-testid="withdraw-submit"]`),
		visible(`[data-testid="flash-success"]`),
	)
	expectText(t, seller, `[data-testid="money-available"]`, "¥48.80")
	// The job sends it; the simulator pays it a moment later and calls back.
	deadline := time.Now().Add(30 * time.Second)
	for {
		run(t, seller, "reload", chromedp.Navigate(a.URL+"/seller/money"), visible(`[data-testid="payouts"]`))
		st, _ := chromedp.Run(seller, chromedp.AttributeValue(css(`[data-testid="payouts"] tbody tr`), "data-state"))
		if st.Value == "succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the payout stayed %q", st.Value)
		}
		time.Sleep(300 * time.Millisecond)
	}
	expectText(t, seller, `[data-testid="money-paid-out"]`, "¥150.00")
	expectText(t, seller, `[data-testid="money-in-payout"]`, "¥0.00")
	// The books and the bank agree: 200.00 in, 150.00 out.
	if b, sb := a.Balance(models.AccBankCollection), a.Sim.Balance(); b != "50.00" || sb.String() != "50.00" {
		t.Fatalf("bank:collection %s, the simulated bank %s; want 50.00 both", b, sb)
	}
}
