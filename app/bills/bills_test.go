package bills_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"lineescrow/app/bills"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/billsim"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

type fakeBank struct {
	paid []bankbridge.PayoutInstruction
}

func (b *fakeBank) Payout(_ context.Context, p bankbridge.PayoutInstruction) error {
	b.paid = append(b.paid, p)
	return nil
}

type env struct {
	*ptest.Env
	sim  *billsim.Sim
	tel  *telecomsim.Sim
	bank *fakeBank
}

// setup builds a platform with the demo's three billers, served by the
// billers' simulator on a test server, and the buyer's balance funded.
func setup(t *testing.T, balance string) *env {
	t.Helper()
	e := &env{Env: ptest.New(t), bank: &fakeBank{}}
	e.Payouts.Bank = e.bank
	e.sim = billsim.New(billsim.Config{Prefix: "/sim/bills"})
	tel, err := telecomsim.New(telecomsim.Config{Secret: e.Config.TelecomWebhookSecret, APIKey: "test-telecom-key-1234", Prefix: "/sim/telecom"})
	if err != nil {
		t.Fatal(err)
	}
	e.tel = tel
	srv := httptest.NewServer(e.sim.Handler())
	t.Cleanup(srv.Close)
	if err := bills.AddDemo(e.Ctx, e.Bills, e.sim, srv.URL, tel.Bills()); err != nil {
		t.Fatal(err)
	}
	if balance != "" {
		w, err := e.Funding.WalletOf(e.Ctx, e.Buyer.Actor())
		if err != nil {
			t.Fatal(err)
		}
		e.Credit(balance, w.Reference)
	}
	return e
}

func (e *env) wallet() string { return e.Balance(models.WalletAccount(e.Buyer.ID)) }

// TestPayAndSettle follows every yuan: wallet → biller:power on paying,
// the notice lowers the bill at the company, then the settlement moves it
// biller:power → in transit → out of the bank account.
func TestPayAndSettle(t *testing.T) {
	e := setup(t, "200.00")
	bill, err := e.Bills.Owed(e.Ctx, e.Buyer.Actor(), "power", "3701-000101")
	if err != nil || bill.Owed.String() != "126.50" || bill.Holder != "张*" || bill.Account != billsim.PowerZhang {
		t.Fatalf("owed: %+v %v", bill, err)
	}
	p, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "power", billsim.PowerZhang, models.MustParseMoney("126.50"), ptest.PIN, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if p.ReceiptNo == "" || p.NoticeState != bills.NoticePending || p.BillerName != "国网菏泽供电公司" || p.PayerName != "张伟" {
		t.Fatalf("payment: %+v", p)
	}
	if got := [2]string{e.wallet(), e.Balance("biller:power")}; got != [2]string{"73.50", "126.50"} {
		t.Fatalf("after paying, wallet and biller: %v", got)
	}
	if n := e.Count(`SELECT count(*) FROM river_job WHERE kind = 'bill_notice' AND args->>'payment_id' = ?`, p.ID); n != 1 {
		t.Fatalf("notice jobs: %d", n)
	}
	if err := e.Bills.Deliver(e.Ctx, p.ID, false); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Bills.Payment(e.Ctx, e.Buyer.Actor(), p.ID)
	if got.NoticeState != bills.NoticeDelivered || got.OwedAfter == nil || !got.OwedAfter.IsZero() || got.NoticeTries != 1 {
		t.Fatalf("delivered: %+v", got)
	}
	if b, _ := e.Bills.Owed(e.Ctx, e.Buyer.Actor(), "power", billsim.PowerZhang); !b.Owed.IsZero() {
		t.Fatalf("the company still says %s", b.Owed)
	}

	// Settle: biller:power → in transit; the bank pays; out of the bank account.
	bankBefore := e.Balance(models.AccBankCollection)
	if _, err := e.Bills.Settle(e.Ctx, e.Buyer.Actor(), "power"); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a buyer settles: %v", err)
	}
	po, err := e.Bills.Settle(e.Ctx, e.Operator.Actor(), "power")
	if err != nil {
		t.Fatal(err)
	}
	if po.Source != "biller:power" || po.Amount.String() != "126.50" || po.BeneficiaryAccount != "3706010100001101" {
		t.Fatalf("payout: %+v", po)
	}
	if got := [2]string{e.Balance("biller:power"), e.Balance(models.AccPayoutsInTransit)}; got != [2]string{"0.00", "126.50"} {
		t.Fatalf("settling: %v", got)
	}
	if _, err := e.Bills.Settle(e.Ctx, e.Operator.Actor(), "power"); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("settling nothing: %v", err)
	}
	if err := e.Payouts.Send(e.Ctx, po.ID); err != nil || len(e.bank.paid) != 1 || e.bank.paid[0].Amount.String() != "126.50" {
		t.Fatalf("send: %v %+v", err, e.bank.paid)
	}
	e.Deliver("evt_po_"+po.ID, bankbridge.PayoutSucceeded, bankbridge.Payout{PayoutID: po.ID, Amount: po.Amount, BankTxnID: "PB" + po.ID})
	bankAfter := models.MustParseMoney(bankBefore).Sub(models.MustParseMoney("126.50"))
	if got := [3]string{e.Balance("biller:power"), e.Balance(models.AccPayoutsInTransit), e.Balance(models.AccBankCollection)}; got != [3]string{"0.00", "0.00", bankAfter.String()} {
		t.Fatalf("settled: %v", got)
	}
	lines, err := e.Bills.Overview(e.Ctx, e.Operator.Actor())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if l.Code == "power" && (l.Settled.String() != "126.50" || !l.Balance.IsZero() || l.Payments != 1 || l.Undelivered != 0) {
			t.Fatalf("overview: %+v", l)
		}
	}
	// The daily job has nothing left to settle.
	if n, err := e.Bills.SettleAll(e.Ctx); err != nil || n != 0 {
		t.Fatalf("settle all: %d %v", n, err)
	}
}

// TestRefusalsChangeNothing: more than the balance, more than the bill,
// a wrong password, an unknown account: refused, nothing moves.
func TestRefusalsChangeNothing(t *testing.T) {
	e := setup(t, "50.00")
	m := models.MustParseMoney
	cases := []struct {
		name, biller, account, amount, pin, code, field string
	}{
		{"over the balance", "power", billsim.PowerZhang, "126.50", ptest.PIN, models.EINSUFFICIENT, "amount"},
		{"over the bill", "water", billsim.WaterZhang, "42.01", ptest.PIN, models.EINVALID, "amount"},
		{"wrong password", "water", billsim.WaterZhang, "42.00", "000000", models.EINVALID, "pay_password"},
		{"unknown account", "water", "99999999", "1.00", ptest.PIN, models.EINVALID, "account"},
		{"nothing owed", "power", billsim.PowerPaid, "1.00", ptest.PIN, models.EINVALID, "amount"},
		{"unknown biller", "gas", "12345678", "1.00", ptest.PIN, models.EINVALID, "biller"},
	}
	for i, c := range cases {
		_, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), c.biller, c.account, m(c.amount), c.pin, "k"+c.name)
		var me *models.Error
		if models.ErrorCode(err) != c.code || !asError(err, &me) || me.Field != c.field {
			t.Errorf("%d %s: %v", i, c.name, err)
		}
	}
	if e.wallet() != "50.00" || e.Count("SELECT count(*) FROM bill_payments") != 0 || e.Count("SELECT count(*) FROM river_job WHERE kind = 'bill_notice'") != 0 {
		t.Fatalf("something changed: wallet %s", e.wallet())
	}
	// One wrong password counted, towards the same lockout as the web's.
	if n := e.Count("SELECT pay_failures FROM users WHERE id = ?", e.Buyer.ID); n != 1 {
		t.Fatalf("pay failures: %d", n)
	}
	if _, err := e.Bills.Pay(e.Ctx, e.Seller.Actor(), "water", billsim.WaterZhang, m("1.00"), ptest.PIN, "s"); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a seller pays: %v", err)
	}
}

func asError(err error, out **models.Error) bool {
	e, ok := err.(*models.Error)
	*out = e
	return ok
}

// TestRetryPaysOnce: the same key returns the first payment and moves
// nothing again; the same key for another amount is a conflict.
func TestRetryPaysOnce(t *testing.T) {
	e := setup(t, "100.00")
	m := models.MustParseMoney
	p1, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "water", billsim.WaterZhang, m("20.00"), ptest.PIN, "same")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "water", "5301-0001", m("20.00"), ptest.PIN, "same")
	if err != nil || p2.ID != p1.ID || p2.ReceiptNo != p1.ReceiptNo {
		t.Fatalf("retry: %+v %v", p2, err)
	}
	if _, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "water", billsim.WaterZhang, m("21.00"), ptest.PIN, "same"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("same key, other amount: %v", err)
	}
	if e.wallet() != "80.00" || e.Balance("biller:water") != "20.00" || e.Count("SELECT count(*) FROM bill_payments") != 1 {
		t.Fatalf("paid twice: wallet %s", e.wallet())
	}
	// Another person's receipt is nobody else's business.
	if _, err := e.Bills.Payment(e.Ctx, e.Buyer2.Actor(), p1.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("someone else's receipt: %v", err)
	}
	if list, _ := e.Bills.Payments(e.Ctx, e.Buyer2.Actor()); len(list) != 0 {
		t.Fatalf("someone else's list: %v", list)
	}
}

// TestNoticeRetried: the company answers 500 twice; the notice is retried,
// applied once, and the bill goes down once.
func TestNoticeRetried(t *testing.T) {
	e := setup(t, "100.00")
	p, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "water", billsim.WaterZhang, models.MustParseMoney("30.00"), ptest.PIN, "n1")
	if err != nil {
		t.Fatal(err)
	}
	e.sim.FailNext(2)
	for try := 1; try <= 2; try++ {
		if err := e.Bills.Deliver(e.Ctx, p.ID, false); err == nil {
			t.Fatalf("try %d: no error for River to retry", try)
		}
		got, _ := e.Bills.Payment(e.Ctx, e.Operator.Actor(), p.ID)
		if got.NoticeState != bills.NoticeRetrying || got.NoticeTries != try {
			t.Fatalf("try %d: %+v", try, got)
		}
	}
	if err := e.Bills.Deliver(e.Ctx, p.ID, false); err != nil {
		t.Fatal(err)
	}
	// A late repeat of the job sends nothing more.
	if err := e.Bills.Deliver(e.Ctx, p.ID, false); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Bills.Payment(e.Ctx, e.Buyer.Actor(), p.ID)
	if got.NoticeState != bills.NoticeDelivered || got.NoticeTries != 3 || got.OwedAfter == nil || got.OwedAfter.String() != "12.00" {
		t.Fatalf("delivered: %+v", got)
	}
	ns := e.sim.Notices()
	if len(ns) != 1 || ns[0].Tries != 3 || ns[0].Refused != 2 || !ns[0].Applied || ns[0].ReceiptNo != p.ReceiptNo {
		t.Fatalf("the company saw: %+v", ns)
	}
	if b, _ := e.Bills.Owed(e.Ctx, e.Buyer.Actor(), "water", billsim.WaterZhang); b.Owed.String() != "12.00" {
		t.Fatalf("owed now %s", b.Owed)
	}
	// The last try failing leaves it failed; an operator sends it again.
	p2, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "water", billsim.WaterZhang, models.MustParseMoney("2.00"), ptest.PIN, "n2")
	if err != nil {
		t.Fatal(err)
	}
	e.sim.FailNext(1)
	if err := e.Bills.Deliver(e.Ctx, p2.ID, true); err == nil {
		t.Fatal("no error")
	}
	if got, _ := e.Bills.Payment(e.Ctx, e.Operator.Actor(), p2.ID); got.NoticeState != bills.NoticeFailed {
		t.Fatalf("after the last try: %s", got.NoticeState)
	}
	if err := e.Bills.Resend(e.Ctx, e.Buyer.Actor(), p2.ID); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a buyer resends: %v", err)
	}
	if err := e.Bills.Resend(e.Ctx, e.Operator.Actor(), p2.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Bills.Resend(e.Ctx, e.Operator.Actor(), p.ID); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("resend a delivered one: %v", err)
	}
}

// TestTelecomBillClearsArrears: the operator's phone and broadband bill of a
// line in arrears, paid from the balance, clears the arrears at the
// front-end simulator: its lookup no longer says in arrears.
func TestTelecomBillClearsArrears(t *testing.T) {
	e := setup(t, "200.00")
	b, err := e.Bills.Owed(e.Ctx, e.Buyer.Actor(), "telecom", "0530-5552009")
	if err != nil || b.Owed.String() != "128.60" || b.Holder != "孙*" {
		t.Fatalf("owed: %+v %v", b, err)
	}
	inArrears := func() bool {
		for _, l := range e.tel.Lines() {
			if l.Phone == telecomsim.LineInArrears {
				return l.InArrearsNow
			}
		}
		t.Fatal("no such line")
		return false
	}
	if !inArrears() {
		t.Fatal("not in arrears to begin with")
	}
	for i, amount := range []string{"100.00", "28.60"} {
		p, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "telecom", telecomsim.LineInArrears, models.MustParseMoney(amount), ptest.PIN, "t"+amount)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Bills.Deliver(e.Ctx, p.ID, false); err != nil {
			t.Fatal(err)
		}
		if i == 0 && (!inArrears() || e.tel.Owed(telecomsim.LineInArrears).String() != "28.60") {
			t.Fatalf("part paid: %s", e.tel.Owed(telecomsim.LineInArrears))
		}
	}
	if inArrears() || !e.tel.Owed(telecomsim.LineInArrears).IsZero() {
		t.Fatal("still in arrears after paying the whole bill")
	}
	if e.Balance("biller:telecom") != "128.60" || e.wallet() != "71.40" {
		t.Fatalf("books: %s %s", e.Balance("biller:telecom"), e.wallet())
	}
}

// TestNoOverpayingWhileTheCompanyCatchesUp: a payment the company has not
// acknowledged yet counts against the bill, so neither a second payment
// after it nor two at once pay the bill twice over.
func TestNoOverpayingWhileTheCompanyCatchesUp(t *testing.T) {
	e := setup(t, "300.00")
	m := models.MustParseMoney
	p, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "power", billsim.PowerZhang, m("100.00"), ptest.PIN, "a")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := e.Bills.Owed(e.Ctx, e.Buyer.Actor(), "power", billsim.PowerZhang); b.Owed.String() != "26.50" {
		t.Fatalf("owed before the notice: %s", b.Owed)
	}
	if _, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "power", billsim.PowerZhang, m("30.00"), ptest.PIN, "b"); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("over what is left: %v", err)
	}
	if err := e.Bills.Deliver(e.Ctx, p.ID, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := e.Bills.Owed(e.Ctx, e.Buyer.Actor(), "power", billsim.PowerZhang); b.Owed.String() != "26.50" {
		t.Fatalf("owed after the notice: %s", b.Owed)
	}
	// Two payments of the rest at once: one is paid.
	errs := make(chan error, 2)
	for _, k := range []string{"c", "d"} {
		go func() {
			_, err := e.Bills.Pay(e.Ctx, e.Buyer.Actor(), "power", billsim.PowerZhang, m("26.50"), ptest.PIN, k)
			errs <- err
		}()
	}
	ok := 0
	for range 2 {
		if err := <-errs; err == nil {
			ok++
		} else if models.ErrorCode(err) != models.EINVALID {
			t.Fatalf("refused with %v", err)
		}
	}
	if ok != 1 || e.Balance("biller:power") != "126.50" || e.wallet() != "173.50" {
		t.Fatalf("%d paid; biller %s, wallet %s", ok, e.Balance("biller:power"), e.wallet())
	}
}
