package ivr_test

import (
	"strings"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// Menu 3: pay a shop by its number (app/instore's HotlineFlow), through the
// simulator's interpreter: a mistyped number refused by its check digit,
// then the amount and the shop's name read back before the password, and
// the seller's till showing the calling line's last four digits.
func TestHotlinePaysAShop(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	sh, err := e.Instore.Enable(e.Ctx, e.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.Credit("100.00", ref)
	n := string(sh.Number)
	typo := n[:6] + string('0'+(n[6]-'0'+1)%10)

	c := e.dial(t)
	if said := press(t, c, "3"); !strings.Contains(said, "七位收款码") {
		t.Fatalf("menu 3:\n%s", said)
	}
	press(t, c, typo)
	if said := press(t, c, "3850#"); !strings.Contains(said, "收款码输错了") {
		t.Fatalf("a typo:\n%s", said)
	}
	press(t, c, "3")
	press(t, c, n)
	if said := press(t, c, "3850#"); !strings.Contains(said, "用余额付款请按1，记入本机话费请按2") {
		t.Fatalf("the calling line can pay: %s", said)
	}
	said := press(t, c, "1")
	if !strings.Contains(said, "金额38元5角，收款方"+sh.Name) || !strings.Contains(said, "确认请按1") {
		t.Fatalf("confirm:\n%s", said)
	}
	if said = press(t, c, "1"); !strings.Contains(said, "请输入六位支付密码") {
		t.Fatalf("pin:\n%s", said)
	}
	if got := e.wallet(e.Buyer); got != "100.00" {
		t.Fatalf("moved before the password: %s", got)
	}
	if said = press(t, c, ptest.PIN); !strings.Contains(said, "已付款38元5角给"+sh.Name) {
		t.Fatalf("after the PIN:\n%s", said)
	}
	if got := e.wallet(e.Buyer) + " " + e.Balance(models.SellerAvailableAccount(e.Seller.ID)); got != "61.50 38.35" {
		t.Fatalf("after paying: %s", got)
	}
	till, err := e.Instore.TillOf(e.Ctx, e.Seller.Actor())
	if err != nil || len(till.Payments) != 1 || till.Payments[0].Channel != "hotline" || till.Payments[0].PayerLast4 != models.LastFour(telecomsim.LineBuyer) {
		t.Fatalf("till: %+v %v", till, err)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, ptest.PIN, n, typo)
}

// Menu 3, choosing 2: the payment is charged to the calling line's phone
// bill (app/telecom), read back as such before the password; the wallet is
// not touched and the seller's part waits for the phone company.
func TestHotlineChargesAShopToTheLine(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	sh, err := e.Instore.Enable(e.Ctx, e.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	c := e.dial(t)
	press(t, c, "3")
	press(t, c, string(sh.Number))
	if said := press(t, c, "3850#"); !strings.Contains(said, "记入本机话费请按2") {
		t.Fatalf("no choice:\n%s", said)
	}
	if said := press(t, c, "2"); !strings.Contains(said, "记入本机话费，付款给商家") || !strings.Contains(said, "金额38元5角，收款方"+sh.Name) {
		t.Fatalf("confirm:\n%s", said)
	}
	press(t, c, "1")
	if n := e.Count(`SELECT count(*) FROM telecom_charges`); n != 0 {
		t.Fatalf("charged before the password: %d", n)
	}
	if said := press(t, c, ptest.PIN); !strings.Contains(said, "已付款38元5角给"+sh.Name+"，记入本机话费") {
		t.Fatalf("after the PIN:\n%s", said)
	}
	if got := e.wallet(e.Buyer) + " " + e.Balance(models.SellerPendingAccount(e.Seller.ID)) + " " + e.Balance(models.AccTelecomReceivable); got != "0.00 38.35 38.50" {
		t.Fatalf("after paying: %s", got)
	}
	till, err := e.Instore.TillOf(e.Ctx, e.Seller.Actor())
	if err != nil || len(till.Payments) != 1 || till.Payments[0].Method != "landline" || till.Payments[0].Channel != "hotline" {
		t.Fatalf("till: %+v %v", till, err)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, ptest.PIN, string(sh.Number))
}
