package ivr_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"lineescrow/app/bills"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/transfers"
	"lineescrow/bankbridge/billsim"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// Li Na (ptest's Buyer2) receives by her mobile number.
const toLiNa = "13900139000"

// funded is the bound buyer's line with amount on the balance.
func funded(t *testing.T, amount string) *env {
	t.Helper()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.Credit(amount, e.topUpRef(t))
	return e
}

func (e *env) both() string { return e.wallet(e.Buyer) + " " + e.wallet(e.Buyer2) }

// Menu 6: the number and the amount, the amount and the masked recipient
// read back before the password, then the money on the other balance.
func TestHotlineTransfers(t *testing.T) {
	t.Parallel()
	e := funded(t, "100.00")
	c := e.dial(t)
	if said := press(t, c, "6"); !strings.Contains(said, "收款人的手机号码") {
		t.Fatalf("menu 6:\n%s", said)
	}
	if said := press(t, c, toLiNa+"#"); !strings.Contains(said, "转账金额") {
		t.Fatalf("number:\n%s", said)
	}
	said := press(t, c, "5000#")
	if !strings.Contains(said, "金额50元，收款方L***，号码尾号9000") || !strings.Contains(said, "确认请按1") {
		t.Fatalf("confirm:\n%s", said)
	}
	if said = press(t, c, "1"); !strings.Contains(said, "请输入六位支付密码") {
		t.Fatalf("pin:\n%s", said)
	}
	if got := e.both(); got != "100.00 0.00" {
		t.Fatalf("moved before the password: %s", got)
	}
	if said = press(t, c, ptest.PIN); !strings.Contains(said, "已转账50元给L***") {
		t.Fatalf("after the PIN:\n%s", said)
	}
	if got := e.both(); got != "50.00 50.00" {
		t.Fatalf("after sending: %s", got)
	}
	list, err := e.Transfers.Mine(e.Ctx, e.Buyer2.Actor())
	if err != nil || len(list) != 1 || list[0].Channel != transfers.ChannelHotline || list[0].Amount.String() != "50.00" {
		t.Fatalf("recipient's transfers: %+v %v", list, err)
	}
	// The caller's records say it in words.
	if said = press(t, c, "2"); !strings.Contains(said, "转账给他人，支出50元") {
		t.Fatalf("records:\n%s", said)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, ptest.PIN, toLiNa)
}

func TestHotlineTransferRefusals(t *testing.T) {
	t.Parallel()
	e := funded(t, "20.00")
	c := e.dial(t)
	for _, tc := range []struct{ name, number, amount, want string }{
		{"unknown recipient", "13500135000", "100", "固话宝上没有人使用这个号码"},
		{"own number", e.Buyer.Login, "100", "这是您自己的号码"},
		{"a seller", e.Seller.Login, "100", "这个账户不能接收转账"},
		{"insufficient balance", toLiNa, "2001", "不够这笔转账"},
	} {
		press(t, c, "6")
		press(t, c, tc.number+"#")
		said := press(t, c, tc.amount+"#")
		if !strings.Contains(said, tc.want) || strings.Contains(said, "请输入六位支付密码") || !strings.Contains(said, "转账请按6") {
			t.Fatalf("%s:\n%s", tc.name, said)
		}
	}
	if got := e.both(); got != "20.00 0.00" {
		t.Fatalf("after refusals: %s", got)
	}
	checkDocuments(t, c)
}

func TestHotlineTransferThreeWrongPasswords(t *testing.T) {
	t.Parallel()
	e := funded(t, "100.00")
	c := e.dial(t)
	press(t, c, "6")
	press(t, c, toLiNa+"#")
	press(t, c, "1000#")
	press(t, c, "1")
	for i := 0; i < 2; i++ {
		if said := press(t, c, "111222"); !strings.Contains(said, "支付密码错误") || !strings.Contains(said, "请输入六位支付密码") {
			t.Fatalf("wrong PIN %d:\n%s", i+1, said)
		}
	}
	if said := press(t, c, "111222"); !strings.Contains(said, "已输错三次") || !c.Ended {
		t.Fatalf("third wrong PIN:\n%s", said)
	}
	if got := e.both(); got != "100.00 0.00" {
		t.Fatalf("moved: %s", got)
	}
	if u, _ := e.Auth.Get(e.Ctx, e.Buyer.ID); u.PayFailures != 3 {
		t.Fatalf("pay_failures %d, want 3 (the web's lockout)", u.PayFailures)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, "111222")
}

func TestHotlineTransferHangUpMovesNothing(t *testing.T) {
	t.Parallel()
	e := funded(t, "100.00")
	c := e.dial(t)
	press(t, c, "6")
	press(t, c, toLiNa+"#")
	press(t, c, "1000#")
	press(t, c, "1")
	press(t, c, "28") // two digits of the password, then the caller hangs up
	c.Hangup()
	c.Press("4913")
	if got := e.both(); got != "100.00 0.00" {
		t.Fatalf("after a hang-up: %s", got)
	}
	// Cancelling at the confirmation moves nothing either.
	c = e.dial(t)
	press(t, c, "6")
	press(t, c, toLiNa+"#")
	press(t, c, "1000#")
	if said := press(t, c, "2"); !strings.Contains(said, "已取消") {
		t.Fatalf("cancel:\n%s", said)
	}
	if got := e.both(); got != "100.00 0.00" || e.Count(`SELECT count(*) FROM wallet_transfers`) != 0 {
		t.Fatalf("after cancelling: %s", got)
	}
	checkDocuments(t, c)
}

// billers adds the demo's billers, served by the billers' simulator.
func (e *env) billers(t *testing.T) {
	t.Helper()
	sim := billsim.New(billsim.Config{Prefix: "/sim/bills"})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	if err := bills.AddDemo(e.Ctx, e.Bills, sim, srv.URL, e.tel.Bills()); err != nil {
		t.Fatal(err)
	}
}

func (e *env) power() string {
	return e.wallet(e.Buyer) + " " + e.Balance(models.BillerAccount("power"))
}

// Menu 8: the company by its key, the account, what is owed said, the
// amount and the company read back before the password.
func TestHotlinePaysABill(t *testing.T) {
	t.Parallel()
	e := funded(t, "200.00")
	e.billers(t)
	c := e.dial(t)
	said := press(t, c, "8")
	if !strings.Contains(said, "国网菏泽供电公司请按1") || !strings.Contains(said, "菏泽市自来水公司请按3") {
		t.Fatalf("menu 8:\n%s", said)
	}
	if said = press(t, c, "1"); !strings.Contains(said, "户号") {
		t.Fatalf("biller:\n%s", said)
	}
	said = press(t, c, billsim.PowerZhang+"#")
	if !strings.Contains(said, "户名张*") || !strings.Contains(said, "应缴126元5角") ||
		!strings.Contains(said, "金额126元5角，收款方国网菏泽供电公司") || !strings.Contains(said, "确认请按1") {
		t.Fatalf("owed and confirm:\n%s", said)
	}
	if said = press(t, c, "1"); !strings.Contains(said, "请输入六位支付密码") {
		t.Fatalf("pin:\n%s", said)
	}
	if got := e.power(); got != "200.00 0.00" {
		t.Fatalf("moved before the password: %s", got)
	}
	if said = press(t, c, ptest.PIN); !strings.Contains(said, "已向国网菏泽供电公司缴费126元5角，回执号R") {
		t.Fatalf("after the PIN:\n%s", said)
	}
	if got := e.power(); got != "73.50 126.50" {
		t.Fatalf("after paying: %s", got)
	}
	list, err := e.Bills.Payments(e.Ctx, e.Buyer.Actor())
	if err != nil || len(list) != 1 || list[0].Account != billsim.PowerZhang || list[0].Amount.String() != "126.50" {
		t.Fatalf("payments: %+v %v", list, err)
	}
	// Paid: the bill is what is left now (nothing till the company says so,
	// the payment counting against it meanwhile).
	press(t, c, "8")
	press(t, c, "1")
	if said = press(t, c, billsim.PowerZhang+"#"); !strings.Contains(said, "没有欠费") || strings.Contains(said, "请输入六位支付密码") {
		t.Fatalf("paid again:\n%s", said)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, ptest.PIN, billsim.PowerZhang)
}

func TestHotlineBillRefusals(t *testing.T) {
	t.Parallel()
	e := funded(t, "100.00")
	e.billers(t)
	c := e.dial(t)
	for _, tc := range []struct{ name, keys, want string }{
		{"insufficient balance", billsim.PowerZhang, "不足以支付这笔缴费"},
		{"unknown account", "3701009999", "没有户号 3701009999"},
		{"nothing owed", billsim.PowerPaid, "目前没有欠费"},
	} {
		press(t, c, "8")
		press(t, c, "1")
		said := press(t, c, tc.keys+"#")
		if !strings.Contains(said, tc.want) || strings.Contains(said, "请输入六位支付密码") || !strings.Contains(said, "缴费请按8") {
			t.Fatalf("%s:\n%s", tc.name, said)
		}
	}
	// A key no company has.
	press(t, c, "8")
	press(t, c, "9")
	if said := press(t, c, billsim.WaterZhang+"#"); !strings.Contains(said, "没有这个选项") {
		t.Fatalf("key 9:\n%s", said)
	}
	if got := e.power(); got != "100.00 0.00" {
		t.Fatalf("after refusals: %s", got)
	}
	checkDocuments(t, c)
}

func TestHotlineBillThreeWrongPasswordsAndHangUp(t *testing.T) {
	t.Parallel()
	e := funded(t, "100.00")
	e.billers(t)
	c := e.dial(t)
	press(t, c, "8")
	press(t, c, "3")
	if said := press(t, c, billsim.WaterZhang+"#"); !strings.Contains(said, "金额42元，收款方菏泽市自来水公司") {
		t.Fatalf("confirm:\n%s", said)
	}
	press(t, c, "1")
	for i := 0; i < 2; i++ {
		if said := press(t, c, "111222"); !strings.Contains(said, "支付密码错误") {
			t.Fatalf("wrong PIN %d:\n%s", i+1, said)
		}
	}
	if said := press(t, c, "111222"); !strings.Contains(said, "已输错三次") || !c.Ended {
		t.Fatalf("third wrong PIN:\n%s", said)
	}
	if u, _ := e.Auth.Get(e.Ctx, e.Buyer.ID); u.PayFailures != 3 {
		t.Fatalf("pay_failures %d, want 3", u.PayFailures)
	}
	checkDocuments(t, c)
	// A hang-up before the password is complete moves nothing.
	c = e.dial(t)
	press(t, c, "8")
	press(t, c, "3")
	press(t, c, billsim.WaterZhang+"#")
	press(t, c, "1")
	press(t, c, "28")
	c.Hangup()
	c.Press("4913")
	if got := e.wallet(e.Buyer) + " " + e.Balance(models.BillerAccount("water")); got != "100.00 0.00" {
		t.Fatalf("moved: %s", got)
	}
	if n := e.Count(`SELECT count(*) FROM bill_payments`); n != 0 {
		t.Fatalf("%d bill payments", n)
	}
	noDigitsLogged(t, e, "111222")
}
