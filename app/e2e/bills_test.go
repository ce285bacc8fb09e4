package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/billsim"
	"lineescrow/models"
)

// A buyer tops up by phone banking, pays the electricity bill on a phone
// without knowing the amount beforehand, and the receipt shows the company
// acknowledged it (the notice sent by the platform's job to the billers'
// simulator, which lowers the bill).
func TestBuyerPaysTheElectricityBill(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	w, err := a.Funding.WalletOf(a.Ctx, a.Buyer.Actor())
	if err != nil {
		t.Fatal(err)
	}
	a.Sim.Transfer(banksim.TransferInput{Amount: models.MustParseMoney("150.00"), Memo: w.Reference, Account: "6222020200112233", Name: "张伟"})
	for deadline := time.Now().Add(30 * time.Second); a.Balance(models.WalletAccount(a.Buyer.ID)) != "150.00"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the top-up did not arrive")
		}
	}
	b := browser(t)
	a.login(t, b, a.Buyer.Login, ptest.Password)
	run(t, b, "ask what is owed",
		chromedp.Navigate(a.URL+"/bills"),
		visible(`[data-testid="bill-query"]`),
		chromedp.SetValue(css(`select[name="biller"]`), "power"),
		fill(map[string]string{"account": "3701 000101"}),
		click(`[data-testid="bill-query-submit"]`),
		visible(`[data-testid="bill-owed"]`),
	)
	expectText(t, b, `[data-testid="bill-owed"]`, "¥126.50")
	run(t, b, "pay it",
		fill(map[string]string{"pay_password": ptest.PIN}),
		click(`[data-testid="bill-pay-submit"]`),
		visible(`[data-testid="receipt"]`),
	)
	expectText(t, b, `[data-testid="receipt-amount"]`, "¥126.50")
	// The job tells the company; the receipt says it when reloaded.
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _ := chromedp.Run(b, chromedp.AttributeValue(css(`[data-testid="receipt-notice"]`), "data-state"))
		if st.Value == "delivered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the notice stayed %q", st.Value)
		}
		time.Sleep(300 * time.Millisecond)
		run(t, b, "reload", chromedp.Reload(), visible(`[data-testid="receipt"]`))
	}
	expectText(t, b, `[data-testid="receipt-owed-after"]`, "¥0.00")
	if ns := a.BillSim.Notices(); len(ns) != 1 || !ns[0].Applied || ns[0].Account != billsim.PowerZhang {
		t.Fatalf("the company saw %+v", ns)
	}
	// The company's money is on its account, or already on its way to its
	// bank: the daily settlement also runs when the platform starts, and on
	// a busy machine it may come after the payment.
	var settling string
	if err := a.DB.Raw(`SELECT coalesce(sum(amount), 0)::text FROM payouts WHERE source = 'biller:power'`).Scan(&settling).Error; err != nil {
		t.Fatal(err)
	}
	company := models.MustParseMoney(a.Balance("biller:power")).Add(models.MustParseMoney(settling))
	if w := a.Balance(models.WalletAccount(a.Buyer.ID)); w != "23.50" || company.String() != "126.50" {
		t.Fatalf("the books do not show the payment: wallet %s, the company's account %s and its settlements %s", w, a.Balance("biller:power"), settling)
	}
}
