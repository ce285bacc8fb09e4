package telecom_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/telecom"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

func TestBindingALandline(t *testing.T) {
	e := setup(t)
	// Lookups the operator's answer refuses.
	for phone, want := range map[string]string{
		telecomsim.LineSuspended: "suspended", telecomsim.LineClosed: "closed", telecomsim.LineInArrears: "unpaid phone bill",
		"05305559999": "no landline", "12345": "area code",
	} {
		_, err := e.Telecom.StartBinding(e.Ctx, e.Buyer.Actor(), phone)
		if code(err) != models.EINVALID || !strings.Contains(models.ErrorMessage(err), want) {
			t.Errorf("lookup %s: %v, want a field error about %q", phone, err, want)
		}
	}
	if _, err := e.Telecom.StartBinding(e.Ctx, e.Seller.Actor(), telecomsim.LineBuyer); code(err) != models.EFORBIDDEN {
		t.Fatalf("a seller binds: %v", err)
	}
	l, err := e.Telecom.StartBinding(e.Ctx, e.Buyer.Actor(), "0530-555 2001")
	if err != nil || l.Phone != telecomsim.LineBuyer || l.HolderMasked != "张*" || l.CreditClass != "A" {
		t.Fatalf("lookup: %+v %v", l, err)
	}
	// A code before the holder is confirmed, a wrong holder.
	if _, err := e.Telecom.ConfirmCode(e.Ctx, e.Buyer.Actor(), "123456"); code(err) != models.ECONFLICT {
		t.Fatalf("code before holder: %v", err)
	}
	_, err = e.Telecom.VerifyHolder(e.Ctx, e.Buyer.Actor(), "张三", "152316")
	if code(err) != models.EINVALID || !strings.Contains(models.ErrorMessage(err), "4 tries left") {
		t.Fatalf("wrong holder: %v", err)
	}
	if _, err := e.Telecom.VerifyHolder(e.Ctx, e.Buyer.Actor(), "张伟", "15231"); code(err) != models.EINVALID {
		t.Fatalf("malformed ID digits: %v", err)
	}
	if _, err := e.Telecom.VerifyHolder(e.Ctx, e.Buyer.Actor(), "张 伟", "152316"); err != nil {
		t.Fatalf("right holder: %v", err)
	}
	read := e.sim.LastCode(telecomsim.LineBuyer)
	if len(read) != 6 {
		t.Fatalf("the call read %q", read)
	}
	// The code is kept as a keyed MAC, never as typed.
	if n := e.Count("SELECT count(*) FROM landlines WHERE code_mac LIKE ? OR id_mac LIKE ?", "%"+read+"%", "%152316%"); n != 0 {
		t.Fatal("a code or the ID digits are stored in clear")
	}
	wrong := "000000"
	if read == wrong {
		wrong = "111111"
	}
	if _, err := e.Telecom.ConfirmCode(e.Ctx, e.Buyer.Actor(), wrong); code(err) != models.EINVALID {
		t.Fatalf("wrong code: %v", err)
	}
	// Another call too soon.
	if _, err := e.Telecom.CallAgain(e.Ctx, e.Buyer.Actor()); code(err) != models.ERATELIMIT {
		t.Fatalf("call again at once: %v", err)
	}
	l, err = e.Telecom.ConfirmCode(e.Ctx, e.Buyer.Actor(), read)
	if err != nil || l.State != models.LineBound || l.HolderName != "张伟" {
		t.Fatalf("bind: %+v %v", l, err)
	}
	// One landline per account, one account per landline.
	if _, err := e.Telecom.StartBinding(e.Ctx, e.Buyer.Actor(), telecomsim.LineClassB); code(err) != models.ECONFLICT {
		t.Fatalf("a second line: %v", err)
	}
	if _, err := e.Telecom.StartBinding(e.Ctx, e.Buyer2.Actor(), telecomsim.LineBuyer); code(err) != models.EINVALID ||
		!strings.Contains(models.ErrorMessage(err), "another account") {
		t.Fatalf("a line bound elsewhere: %v", err)
	}
	p, err := e.Telecom.Page(e.Ctx, e.Buyer.Actor())
	if err != nil || p.Line == nil || p.Credit.Limit.String() != "3000.00" || p.Credit.Available.String() != "3000.00" || p.Credit.Blocked != "" {
		t.Fatalf("page: %+v %v", p, err)
	}
	// Unbinding frees the line for another account.
	if err := e.Telecom.Unbind(e.Ctx, e.Buyer.Actor()); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(2 * telecom.CallGap)
	e.bind(t, e.Buyer2, telecomsim.LineBuyer)
}

func TestHolderTriesRunOut(t *testing.T) {
	e := setup(t)
	if _, err := e.Telecom.StartBinding(e.Ctx, e.Buyer.Actor(), telecomsim.LineClassB); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < telecom.HolderTries; i++ {
		_, err = e.Telecom.VerifyHolder(e.Ctx, e.Buyer.Actor(), "李四", fmt.Sprintf("00000%d", i))
	}
	if code(err) != models.ERATELIMIT {
		t.Fatalf("fifth wrong try: %v", err)
	}
	// Even the right answer is refused now.
	if _, err := e.Telecom.VerifyHolder(e.Ctx, e.Buyer.Actor(), "李娜", "080427"); code(err) != models.ERATELIMIT {
		t.Fatalf("sixth try: %v", err)
	}
}

func TestCreditByClassAndTenure(t *testing.T) {
	e := setup(t)
	buyers := map[string]*models.User{}
	for i, c := range []struct{ phone, limit string }{
		{telecomsim.LineClassB, "1500.00"}, {telecomsim.LineClassC, "500.00"}, {telecomsim.LineNewA, "300.00"}, {telecomsim.LineClassD, "0.00"},
	} {
		buyer := e.User(fmt.Sprintf("1350000000%d", i), models.RoleBuyer, "买家")
		buyers[c.phone] = buyer
		e.bind(t, buyer, c.phone)
		p, err := e.Telecom.Page(e.Ctx, buyer.Actor())
		if err != nil || p.Credit.Limit.String() != c.limit {
			t.Fatalf("%s: limit %v %v, want %s", c.phone, p.Credit.Limit, err, c.limit)
		}
		if c.limit == "0.00" && p.Credit.Blocked != telecom.BlockedNoCredit {
			t.Fatalf("class D: blocked %q", p.Credit.Blocked)
		}
	}
	// Operators change the limits; a short-tenure line stays capped.
	e.set(t, map[string]string{"credit.limit_b": "2000.00", "credit.new_line_limit": "200.00"})
	for phone, want := range map[string]string{telecomsim.LineClassB: "2000.00", telecomsim.LineNewA: "200.00"} {
		if p, err := e.Telecom.Page(e.Ctx, buyers[phone].Actor()); err != nil || p.Credit.Limit.String() != want {
			t.Fatalf("%s after the change: %v %v, want %s", phone, p.Credit.Limit, err, want)
		}
	}
}

func TestRefusedBeforeThePasswordIsSpent(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o := e.Checkout(e.Buyer, e.Listing("3000.01", 1), 1)
	// Over the credit: refused with a wrong password, which is not counted.
	_, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, "000000")
	if code(err) != models.EINSUFFICIENT || !strings.Contains(models.ErrorMessage(err), "¥3,000.00") {
		t.Fatalf("over the credit: %v", err)
	}
	if n := e.Count("SELECT pay_failures FROM users WHERE id = ?", e.Buyer.ID); n != 0 {
		t.Fatalf("a guess was spent: %d", n)
	}
	// A wrong password for a payable order is refused and nothing is charged.
	o2 := e.Checkout(e.Buyer, e.Listing("10.00", 1), 1)
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o2.ID, "000000"); code(err) != models.EINVALID {
		t.Fatalf("wrong password: %v", err)
	}
	if n := e.Count("SELECT count(*) FROM telecom_charges"); n != 0 || len(e.sim.Lines()[1].Charges) != 0 {
		t.Fatalf("charged without consent: %d", n)
	}
	// Another buyer's order, a seller, no line.
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer2.Actor(), o2.ID, ptest.PIN); code(err) != models.ENOTFOUND {
		t.Fatalf("someone else's order: %v", err)
	}
	o3 := e.Checkout(e.Buyer2, e.Listing("10.00", 1), 1)
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer2.Actor(), o3.ID, ptest.PIN); code(err) != models.ECONFLICT {
		t.Fatalf("no line bound: %v", err)
	}
}

// TestChargeCollectedSettled follows one order's money from the charge to
// the operator's settlement: escrow from the receivable, the seller's
// proceeds pending until the bill is paid, then available; the settlement
// clears the receivable with the commission as an expense.
func TestChargeCollectedSettled(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o, c := e.pay(t, e.Buyer, "259.00")
	if o.State != models.Paid || o.Funding != models.FundingTelecom || c.State != models.ChargeAccepted || c.WorkOrderID == nil {
		t.Fatalf("paid: %+v %+v", o, c)
	}
	esc := models.EscrowAccount(o.ID)
	e.want(t, map[string]string{esc: "259.00", models.AccTelecomReceivable: "259.00"})
	// The consignee is the holder: no flag.
	if c.HolderMismatch || c.Flagged {
		t.Fatalf("flags: %+v", c)
	}
	op, err := e.Orders.OrderPage(e.Ctx, e.Buyer.Actor(), o.ID)
	if err != nil || op.Charge == nil || op.Charge.BillDate == nil || !op.Charge.BillDate.Equal(*telecom.BillDate(c.Cycle(), 1)) ||
		op.Charge.Waiting != telecom.WaitingBill {
		t.Fatalf("the order's charge: %+v %v", op.Charge, err)
	}
	p, _ := e.Telecom.Page(e.Ctx, e.Buyer.Actor())
	if p.Credit.Used.String() != "259.00" || p.Credit.Available.String() != "2741.00" || p.Charges[0].Waiting != telecom.WaitingBill {
		t.Fatalf("credit after the charge: %+v", p.Credit)
	}
	e.ship(t, o)
	e.confirm(t, o)
	seller := e.Seller.ID
	pending, avail := models.SellerPendingAccount(seller), models.SellerAvailableAccount(seller)
	// 0.6 % commission: 1.55; the seller's 257.45 waits for the operator.
	e.want(t, map[string]string{esc: "0.00", pending: "257.45", avail: "0.00", models.AccRevenueFees: "1.55"})
	e.check(t)

	cycle := e.charge(t, c.ID).Cycle()
	if _, err := e.sim.CloseCycle(cycle); err != nil {
		t.Fatal(err)
	}
	e.flush()
	if got := e.charge(t, c.ID); got.State != models.ChargeBilled || got.BilledAt == nil {
		t.Fatalf("billed: %+v", got)
	}
	if err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	e.flush()
	e.want(t, map[string]string{pending: "0.00", avail: "257.45"})
	p, _ = e.Telecom.Page(e.Ctx, e.Buyer.Actor())
	if p.Credit.Used.String() != "0.00" {
		t.Fatalf("used after collection: %s", p.Credit.Used)
	}
	e.check(t)

	if _, err := e.sim.SettleCycle(cycle); err != nil {
		t.Fatal(err)
	}
	e.flush()
	// The money clears what it carries at once; the report, the commission.
	e.want(t, map[string]string{models.AccTelecomReceivable: "3.89", models.AccBankCollection: "255.11"})
	st, err := e.Telecom.Reconcile(e.Ctx, cycle)
	if err != nil || st.ReconStatus != "clean" || st.Matched != 1 || st.Breaks != 0 {
		t.Fatalf("reconcile: %+v %v", st, err)
	}
	// 259.00 collected, 1.5 % = 3.89 kept, 255.11 transferred.
	e.want(t, map[string]string{models.AccTelecomReceivable: "0.00", models.AccExpenseTelecomComm: "3.89"})
	if got := e.charge(t, c.ID); got.SettledCycle == nil || *got.SettledCycle != cycle {
		t.Fatalf("settled: %+v", got)
	}
	e.check(t)
}

// TestRefundBeforeAndAfterBilling: a full refund before the bill cancels
// the charge; one after is a bill credit the settlement deducts.
func TestRefundBeforeAndAfterBilling(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o1, c1 := e.pay(t, e.Buyer, "100.00")
	o2, c2 := e.pay(t, e.Buyer, "80.00")
	refund := func(o *models.Order, amount string) {
		t.Helper()
		if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney(amount), "坏了"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
			t.Fatal(err)
		}
	}
	refund(o1, "100.00")
	if err := e.Telecom.RefundNow(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.charge(t, c1.ID); got.State != models.ChargeCancelled {
		t.Fatalf("refunded before billing: %+v", got)
	}
	e.want(t, map[string]string{models.AccTelecomReceivable: "80.00", models.WalletAccount(e.Buyer.ID): "0.00"})

	cycle := c2.Cycle()
	e.sim.CloseCycle(cycle)
	e.flush()
	// After the bill: a partial refund of 30.00 is a bill credit; the rest is released.
	refund(o2, "30.00")
	if err := e.Telecom.RefundNow(e.Ctx); err != nil {
		t.Fatal(err)
	}
	got := e.charge(t, c2.ID)
	if got.State != models.ChargeBilled || got.Credited.String() != "30.00" {
		t.Fatalf("credited: %+v", got)
	}
	var credits []telecomsim.Credit
	for _, l := range e.sim.Lines() {
		credits = append(credits, l.Credits...)
	}
	if len(credits) != 1 || credits[0].Amount.String() != "30.00" || credits[0].ChargeID != c2.ID {
		t.Fatalf("the front-end's credits: %+v", credits)
	}
	// 50.00 released (0.30 commission) to pending; receivable 80 − 30.
	e.want(t, map[string]string{models.AccTelecomReceivable: "50.00", models.SellerPendingAccount(e.Seller.ID): "49.70"})
	e.check(t)

	e.sim.MarkPaid(c2.ID)
	e.flush()
	// This cycle pays the 80.00 over; the credit is on the next cycle's bill
	// and is deducted from what that cycle collects.
	e.sim.SettleCycle(cycle)
	e.flush()
	if st, err := e.Telecom.Reconcile(e.Ctx, cycle); err != nil || st.ReconStatus != "clean" || st.TotalCollected.String() != "80.00" {
		t.Fatalf("reconcile %s: %+v %v", cycle, st, err)
	}
	e.check(t)
	_, c3 := e.pay(t, e.Buyer, "40.00")
	next := c3.Cycle()
	if next != nextCycle(cycle) {
		t.Fatalf("the third charge is on %s", next)
	}
	e.sim.CloseCycle(next)
	e.sim.MarkPaid(c3.ID)
	e.flush()
	e.sim.SettleCycle(next)
	e.flush()
	st, err := e.Telecom.Reconcile(e.Ctx, next)
	if err != nil || st.ReconStatus != "clean" || st.TotalCollected.String() != "10.00" || st.Matched != 2 {
		var kinds []string
		e.DB.Raw("SELECT kind || ' ' || bank_txn_id || ' ' || detail::text FROM recon_breaks WHERE cycle = ?", next).Scan(&kinds)
		t.Fatalf("reconcile %s: %s %d/%d %v; breaks %v", next, st.ReconStatus, st.Matched, st.Lines, err, kinds)
	}
	if n := e.Count("SELECT count(*) FROM telecom_refunds WHERE deducted_cycle = ?", next); n != 1 {
		t.Fatalf("%d credits deducted in %s", n, next)
	}
	// Every charge paid over, every credit deducted: the operator owes nothing.
	e.want(t, map[string]string{models.AccTelecomReceivable: "0.00"})
	e.check(t)
}

func nextCycle(c string) string {
	var y, m int
	fmt.Sscanf(c, "%d-%d", &y, &m)
	m++
	if m > 12 {
		y, m = y+1, 1
	}
	return fmt.Sprintf("%04d-%02d", y, m)
}

// TestTimeoutNeverChargesTwice: the front-end acts and its answer is lost,
// every retry too; the order waits, the job repeats the charge with the
// same id, and there is one work order.
func TestTimeoutNeverChargesTwice(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.mu.Lock()
	e.cut = func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/v1/charges") }
	e.mu.Unlock()
	o := e.Checkout(e.Buyer, e.Listing("120.00", 1), 1)
	c, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
	if err != nil || c.State != models.ChargeRequested || c.Attempts != 1 {
		t.Fatalf("lost answer: %+v %v", c, err)
	}
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatalf("paid without an answer: %s", got.State)
	}
	// A second try by the buyer is refused: the first is in flight.
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); code(err) != models.ECONFLICT {
		t.Fatalf("second try: %v", err)
	}
	e.mu.Lock()
	e.cut = nil
	e.mu.Unlock()
	if err := e.Telecom.Send(e.Ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("after the repeat: %s", got.State)
	}
	if n := len(e.sim.Lines()[1].Charges); n != 1 {
		t.Fatalf("%d work orders at the front-end", n)
	}
	e.want(t, map[string]string{models.AccTelecomReceivable: "120.00"})
	e.check(t)
}

// TestAnswerLostOrderPaidMeanwhile: while the charge's answer is lost the
// buyer pays by bank transfer; the charge, accepted later, is void and
// cancelled at the front-end: the buyer pays once.
func TestAnswerLostOrderPaidMeanwhile(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.mu.Lock()
	e.cut = func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/v1/charges") }
	e.mu.Unlock()
	o := e.Checkout(e.Buyer, e.Listing("66.00", 1), 1)
	c, _ := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
	e.Credit("66.00", o.PayReference)
	e.mu.Lock()
	e.cut = nil
	e.mu.Unlock()
	if err := e.Telecom.Send(e.Ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Telecom.RefundNow(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.charge(t, c.ID); got.State != models.ChargeVoid {
		t.Fatalf("charge: %s", got.State)
	}
	if st := e.sim.Lines()[1].Charges[0].Status; st != telecomsim.StatusCancelled {
		t.Fatalf("at the front-end: %s", st)
	}
	e.want(t, map[string]string{models.AccTelecomReceivable: "0.00", models.EscrowAccount(o.ID): "66.00"})
	e.check(t)
}

func TestFrontEndRefusalKeepsOrderPayable(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	// The operator's own 3000.00 per cycle: raise the platform's so the operator refuses first.
	e.set(t, map[string]string{"credit.limit_a": "5000.00"})
	_, _ = e.pay(t, e.Buyer, "2900.00")
	o := e.Checkout(e.Buyer, e.Listing("200.00", 1), 1)
	_, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
	if code(err) != models.ECONFLICT || !strings.Contains(models.ErrorMessage(err), "phone company's own limit") {
		t.Fatalf("refusal: %v", err)
	}
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatalf("order: %s", got.State)
	}
	// Payable another way.
	e.Credit("200.00", o.PayReference)
	if got := e.Order(o.ID); got.State != models.Paid || got.Funding != models.FundingBank {
		t.Fatalf("paid by transfer: %+v", got)
	}
	e.check(t)
}

// TestConcurrentChargesKeepTheCredit: many charges at once on one line;
// the line's lock keeps them within the credit.
func TestConcurrentChargesKeepTheCredit(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineClassB) // 1500.00
	var ids []int64
	// Five: more payment password checks at once than that are refused.
	for i := 0; i < 5; i++ {
		ids = append(ids, e.Checkout(e.Buyer, e.Listing("400.00", 1), 1).ID)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), id, ptest.PIN)
		}()
	}
	wg.Wait()
	paid := 0
	for i, err := range errs {
		switch {
		case err == nil:
			paid++
		case code(err) != models.EINSUFFICIENT:
			t.Errorf("order %d: %v", ids[i], err)
		}
	}
	if paid != 3 {
		t.Fatalf("%d orders of 400.00 charged on 1500.00 of credit", paid)
	}
	e.want(t, map[string]string{models.AccTelecomReceivable: "1200.00"})
	e.check(t)
}

func TestOverdueBlocksLineAndBooksLateFee(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o, c := e.pay(t, e.Buyer, "500.00")
	e.sim.CloseCycle(c.Cycle())
	e.flush()
	e.sim.MarkOverdue(c.ID)
	e.flush()
	// 0.3 % a day: 1.50 after one day, then 16.50 after eleven.
	e.want(t, map[string]string{models.AccRevenueLateFees: "1.50", models.AccTelecomReceivable: "501.50"})
	e.sim.AdvanceTenDays()
	e.flush()
	e.want(t, map[string]string{models.AccRevenueLateFees: "16.50", models.AccTelecomReceivable: "516.50"})
	o2 := e.Checkout(e.Buyer, e.Listing("10.00", 1), 1)
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o2.ID, ptest.PIN); code(err) != models.ECONFLICT ||
		!strings.Contains(models.ErrorMessage(err), "overdue") {
		t.Fatalf("an overdue line charges: %v", err)
	}
	// Written off: the platform's loss, the seller keeps their money.
	e.ship(t, o)
	e.confirm(t, o)
	e.want(t, map[string]string{models.SellerPendingAccount(e.Seller.ID): "497.00"})
	e.sim.WriteOff(c.ID)
	e.flush()
	e.want(t, map[string]string{models.SellerPendingAccount(e.Seller.ID): "0.00", models.SellerAvailableAccount(e.Seller.ID): "497.00",
		models.AccExpenseBadDebt: "500.00", models.AccRevenueLateFees: "0.00", models.AccTelecomReceivable: "0.00"})
	e.check(t)
}

func TestLinkedSellerRefusedOrFlagged(t *testing.T) {
	e := setup(t)
	// The seller's own line (the seller signs in with it): refused.
	e.bind(t, e.Buyer, telecomsim.LineSeller)
	o := e.Checkout(e.Buyer, e.Listing("50.00", 1), 1)
	_, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
	if code(err) != models.ECONFLICT || !strings.Contains(models.ErrorMessage(err), "linked to the seller") {
		t.Fatalf("seller's own line: %v", err)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'linked_line' AND order_id = ?", o.ID); n != 1 {
		t.Fatalf("%d flags for the refused link", n)
	}
	// A holder named as the seller, a consignee who is not the holder: charged, flagged, never advanced.
	e.Telecom.Unbind(e.Ctx, e.Buyer.Actor())
	e.DB.Exec("UPDATE sellers SET legal_name = '李娜' WHERE user_id = ?", e.Seller.ID)
	e.bind(t, e.Buyer2, telecomsim.LineClassB)
	o2, c2 := e.pay(t, e.Buyer2, "60.00") // consignee "Li Na", holder 李娜
	if !c2.Flagged || !c2.HolderMismatch {
		t.Fatalf("flags: %+v", c2)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE order_id = ? AND kind IN ('linked_line', 'holder_mismatch')", o2.ID); n != 2 {
		t.Fatalf("%d flags", n)
	}
	page, err := e.Orders.OrderPage(e.Ctx, e.Seller.Actor(), o2.ID)
	if err != nil || page.Charge == nil || !page.Charge.HolderMismatch || strings.Contains(page.Charge.Phone, "5552002") {
		t.Fatalf("seller's page: %+v %v", page.Charge, err)
	}
	bp, _ := e.Orders.OrderPage(e.Ctx, e.Buyer2.Actor(), o2.ID)
	if bp.Charge.HolderMismatch || bp.Charge.Phone != "0530-5552002" {
		t.Fatalf("buyer's page: %+v", bp.Charge)
	}
	e.ship(t, o2)
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer2.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	res, err := e.Telecom.Advance(e.Ctx, e.Operator.Actor(), 0)
	if err != nil || !res.Amount.IsZero() {
		t.Fatalf("advanced a flagged order: %+v %v", res, err)
	}
}

// TestOtherLinksRefusedOrFlagged: the holder's ID digits are those of the
// holder of the seller's own line (refused); the buyer has withdrawn to the
// seller's payout account, or the order goes to the seller's own address
// (flagged, never advanced).
func TestOtherLinksRefusedOrFlagged(t *testing.T) {
	e := setup(t)
	linked := func(orderID int64, kind models.LinkKind) int64 {
		return e.Count(`SELECT count(*) FROM risk_flags WHERE kind = 'linked_line' AND order_id = ?
			AND detail->'links' @> jsonb_build_array(jsonb_build_object('kind', ?::text))`, orderID, string(kind))
	}
	// Same payout account: the buyer withdrew to the seller's bank account.
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("30.00", ref)
	if _, err := e.Payouts.Withdraw(e.Ctx, e.Buyer.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("20.00"),
		Account: "6217000011112222", PayPassword: ptest.PIN}); err != nil {
		t.Fatal(err)
	}
	o, c := e.pay(t, e.Buyer, "40.00")
	if !c.Flagged || c.HolderMismatch || !strings.Contains(string(c.Links), string(models.LinkSameAccount)) ||
		!strings.Contains(string(c.Links), "…2222") {
		t.Fatalf("same payout account: %+v %s", c, c.Links)
	}
	if n := linked(o.ID, models.LinkSameAccount); n != 1 {
		t.Fatalf("%d flags for the same payout account", n)
	}
	// Same address: the order goes to the seller's own address (written otherwise).
	e.DB.Exec("UPDATE sellers SET address = '山东省 菏泽市，牡丹区 中华路1号' WHERE user_id = ?", e.Seller.ID)
	o2, c2 := e.pay(t, e.Buyer, "50.00")
	if !c2.Flagged || !strings.Contains(string(c2.Links), string(models.LinkSameAddress)) {
		t.Fatalf("same address: %+v %s", c2, c2.Links)
	}
	if n := linked(o2.ID, models.LinkSameAddress); n != 1 {
		t.Fatalf("%d flags for the same address", n)
	}
	// Neither flagged order is advanced.
	for _, o := range []*models.Order{o, o2} {
		e.ship(t, o)
		e.confirm(t, o)
	}
	if res, err := e.Telecom.Advance(e.Ctx, e.Operator.Actor(), 0); err != nil || !res.Amount.IsZero() {
		t.Fatalf("advanced a flagged order: %+v %v", res, err)
	}
	// Same ID digits: someone bound the seller's own line, verified as its
	// holder; the buyer's line turns out to have the same holder.
	e.bind(t, e.Buyer2, telecomsim.LineSeller)
	if err := e.Telecom.Unbind(e.Ctx, e.Buyer2.Actor()); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(2 * telecom.CallGap)
	e.bind(t, e.Buyer2, telecomsim.LineNewB)
	e.DB.Exec(`UPDATE landlines SET id_mac = (SELECT id_mac FROM landlines WHERE phone = ? AND id_mac <> '' LIMIT 1)
		WHERE phone = ? AND state = 'bound'`, telecomsim.LineSeller, telecomsim.LineNewB)
	e.DB.Exec("UPDATE sellers SET address = '' WHERE user_id = ?", e.Seller.ID)
	o3 := e.Checkout(e.Buyer2, e.Listing("30.00", 1), 1)
	_, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer2.Actor(), o3.ID, ptest.PIN)
	if code(err) != models.ECONFLICT || !strings.Contains(models.ErrorMessage(err), "linked to the seller") {
		t.Fatalf("same ID digits: %v", err)
	}
	if n := linked(o3.ID, models.LinkSameID); n != 1 {
		t.Fatalf("%d flags for the same ID digits", n)
	}
	if n := e.Count("SELECT count(*) FROM telecom_charges WHERE order_id = ?", o3.ID); n != 0 {
		t.Fatalf("a refused link was charged: %d", n)
	}
	if o := e.Order(o3.ID); o.State != models.AwaitingPayment {
		t.Fatalf("refused order %s", o.State)
	}
}

// TestAdvanceWithinCaps: concurrent advances never exceed the caps; the
// collection releases only what was not advanced.
func TestAdvanceWithinCaps(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.set(t, map[string]string{"advance.global_cap": "300.00", "advance.seller_cap": "250.00"})
	var cs []*models.Charge
	for i := 0; i < 4; i++ {
		o, c := e.pay(t, e.Buyer, "100.00")
		e.ship(t, o)
		e.confirm(t, o)
		cs = append(cs, c)
	}
	pending, avail := models.SellerPendingAccount(e.Seller.ID), models.SellerAvailableAccount(e.Seller.ID)
	e.want(t, map[string]string{pending: "397.60"})
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Telecom.Advance(e.Ctx, models.System, 0); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ex, err := e.Telecom.ExposureOf(e.Ctx, e.Operator.Actor())
	if err != nil || ex.Total.String() != "250.00" || len(ex.Sellers) != 1 || ex.Sellers[0].Advanced.String() != "250.00" {
		t.Fatalf("exposure: %+v %v", ex, err)
	}
	e.want(t, map[string]string{pending: "147.60", avail: "250.00"})
	e.check(t)
	// The seller's own cap, lower than what is out: nothing more.
	if err := e.Telecom.SetSellerCap(e.Ctx, e.Operator.Actor(), e.Seller.ID, "100.00"); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.Telecom.Advance(e.Ctx, e.Operator.Actor(), e.Seller.ID); !res.Amount.IsZero() {
		t.Fatalf("advanced over the seller's cap: %+v", res)
	}
	// The bills are paid: only what was not advanced moves now.
	e.sim.CloseCycle(cs[0].Cycle())
	e.flush()
	for _, c := range cs {
		e.sim.MarkPaid(c.ID)
	}
	e.flush()
	e.want(t, map[string]string{pending: "0.00", avail: "397.60"})
	if ex, _ := e.Telecom.ExposureOf(e.Ctx, e.Operator.Actor()); !ex.Total.IsZero() {
		t.Fatalf("exposure after collection: %s", ex.Total)
	}
	e.check(t)
}

// TestAdvanceWithinTheGlobalCap: several sellers' advances, run at once,
// for each seller and for all, never put out more than the global cap, to
// the fen, though each seller's own cap leaves more room.
func TestAdvanceWithinTheGlobalCap(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.set(t, map[string]string{"advance.global_cap": "370.01", "advance.seller_cap": "150.00"})
	sellers := []*models.User{e.Seller, e.User("13700000001", models.RoleSeller, "赵敏"), e.User("13700000002", models.RoleSeller, "钱进")}
	for _, seller := range sellers {
		for i := 0; i < 2; i++ {
			l, err := e.Orders.CreateListing(e.Ctx, seller.Actor(), models.ListingInput{Title: "菏泽牡丹 Peony", Description: "A peony",
				Price: "100.00", Stock: "1"})
			if err != nil {
				t.Fatal(err)
			}
			o := e.Checkout(e.Buyer, l, 1)
			if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Orders.Ship(e.Ctx, seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
				t.Fatal(err)
			}
			e.confirm(t, o)
		}
		e.want(t, map[string]string{models.SellerPendingAccount(seller.ID): "198.80"})
	}
	var wg sync.WaitGroup
	for round := 0; round < 2; round++ {
		for _, seller := range append([]*models.User{nil}, sellers...) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := int64(0)
				if seller != nil {
					id = seller.ID
				}
				if _, err := e.Telecom.Advance(e.Ctx, e.Operator.Actor(), id); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	ex, err := e.Telecom.ExposureOf(e.Ctx, e.Operator.Actor())
	if err != nil || ex.Total.String() != "370.01" || len(ex.Sellers) != 3 {
		t.Fatalf("exposure: %+v %v", ex, err)
	}
	total := models.Zero
	for i, se := range ex.Sellers {
		if se.Advanced.GreaterThan(se.Cap) {
			t.Errorf("seller %d: advanced %s over the cap %s", se.SellerID, se.Advanced, se.Cap)
		}
		total = total.Add(se.Advanced)
		e.want(t, map[string]string{models.SellerAvailableAccount(sellers[i].ID): se.Advanced.String()})
	}
	if total.String() != "370.01" {
		t.Fatalf("the sellers' advances add up to %s", total)
	}
	if n := e.Count("SELECT (sum(amount) * 100)::bigint FROM advances"); n != 37001 {
		t.Fatalf("advances recorded: %d fen", n)
	}
	// Nothing more once the global cap is reached, even for a seller with room.
	if res, err := e.Telecom.Advance(e.Ctx, models.System, 0); err != nil || !res.Amount.IsZero() {
		t.Fatalf("advanced over the global cap: %+v %v", res, err)
	}
	e.check(t)
}

func TestRechargeCards(t *testing.T) {
	e := setup(t)
	r, err := e.Telecom.RedeemCard(e.Ctx, e.Buyer.Actor(), "5301 2026 0000 0101", "41875203")
	if err != nil || r.State != "redeemed" || r.FaceValue.String() != "50.00" || r.CardLast4 != "0101" {
		t.Fatalf("redeem: %+v %v", r, err)
	}
	e.want(t, map[string]string{models.WalletAccount(e.Buyer.ID): "50.00", models.AccTelecomCards: "50.00"})
	for card, pin := range map[string]string{telecomsim.CardUsed: "58219034", telecomsim.CardExpired: "30948127"} {
		if _, err := e.Telecom.RedeemCard(e.Ctx, e.Buyer.Actor(), card, pin); code(err) != models.EINVALID || models.AsError(err).Field != "card_no" {
			t.Errorf("%s: %v", card, err)
		}
	}
	if _, err := e.Telecom.RedeemCard(e.Ctx, e.Buyer.Actor(), telecomsim.Card50, "41875203"); code(err) != models.EINVALID {
		t.Fatalf("the same card twice: %v", err)
	}
	if n := e.Count("SELECT count(*) FROM card_redemptions WHERE card_mac LIKE '%41875203%' OR card_mac LIKE '%0101%'"); n != 0 {
		t.Fatal("a card's secrets are stored in clear")
	}
	// Guessing PINs stops.
	var last error
	for i := 0; i < telecom.CardFailuresPerDay+1; i++ {
		_, last = e.Telecom.RedeemCard(e.Ctx, e.Buyer.Actor(), telecomsim.Card100, fmt.Sprintf("1111111%d", i))
	}
	if code(last) != models.ERATELIMIT {
		t.Fatalf("after %d wrong PINs: %v", telecom.CardFailuresPerDay, last)
	}
	e.want(t, map[string]string{models.WalletAccount(e.Buyer.ID): "50.00"})
	e.check(t)
}

func TestSettlementBreaks(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	_, c := e.pay(t, e.Buyer, "200.00")
	cycle := c.Cycle()
	e.sim.CloseCycle(cycle)
	e.flush()
	e.sim.MarkPaid(c.ID)
	e.flush()
	// The platform lost track: it thinks the late fee was 1.00.
	e.DB.Exec("UPDATE telecom_charges SET late_fee = 1.00 WHERE id = ?", c.ID)
	e.sim.SettleCycle(cycle)
	e.flush()
	st, err := e.Telecom.Reconcile(e.Ctx, cycle)
	if err != nil || st.ReconStatus != "breaks" {
		t.Fatalf("reconcile: %+v %v", st, err)
	}
	if n := e.Count("SELECT count(*) FROM recon_breaks WHERE cycle = ? AND kind = 'late_fee_mismatch' AND bank_txn_id = ?", cycle, c.ID); n != 1 {
		t.Fatalf("%d late fee breaks", n)
	}
	// Again: the same break is not repeated.
	e.Telecom.Reconcile(e.Ctx, cycle)
	if n := e.Count("SELECT count(*) FROM recon_breaks WHERE cycle = ?", cycle); n != 1 {
		t.Fatalf("%d breaks after a rerun", n)
	}
}

// TestCallbacksAreVerifiedAndUnknownKeptForReview: a callback about no
// charge of ours is kept for review with a flag, never applied.
func TestUnknownChargeKeptForReview(t *testing.T) {
	e := setup(t)
	body := ptest.EventBody("evt_tel_x", "charge.collected", map[string]any{"charge_id": "TCNOPE", "work_order_id": "WO1",
		"collected_at": "2026-12-01T00:00:00Z"})
	st, err := e.Telecom.Receive(e.Ctx, "evt_tel_x", body)
	if err != nil || st != telecom.EventPending {
		t.Fatalf("receive: %s %v", st, err)
	}
	if n := e.Count("SELECT count(*) FROM telecom_events WHERE status = 'review'"); n != 1 {
		t.Fatal("not kept for review")
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'unknown_charge'"); n != 1 {
		t.Fatal("no flag")
	}
	// Unparseable: stored for review at once.
	if st, _ := e.Telecom.Receive(e.Ctx, "evt_tel_y", []byte(`{"id":"evt_tel_y","type":"charge.billed","data":{}}`)); st != telecom.EventReview {
		t.Fatalf("malformed: %s", st)
	}
}

func TestChargesPerDayAndNewLine(t *testing.T) {
	e := setup(t)
	e.set(t, map[string]string{"credit.charges_per_day": "2", "credit.new_binding_charges": "3", "credit.new_binding_days": "7"})
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.pay(t, e.Buyer, "10.00")
	e.pay(t, e.Buyer, "10.00")
	o := e.Checkout(e.Buyer, e.Listing("10.00", 1), 1)
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); code(err) != models.ERATELIMIT ||
		!strings.Contains(models.ErrorMessage(err), "2 times today") {
		t.Fatalf("third charge today: %v", err)
	}
	// The next day the daily limit resets; the new line's limit does not.
	e.Clock.Advance(24 * time.Hour)
	e.pay(t, e.Buyer, "10.00")
	o = e.Checkout(e.Buyer, e.Listing("10.00", 1), 1)
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); code(err) != models.ERATELIMIT ||
		!strings.Contains(models.ErrorMessage(err), "bound less than 7 days ago") {
		t.Fatalf("fourth charge of a new line: %v", err)
	}
	// After the first week the line is no longer new.
	e.Clock.Advance(7 * 24 * time.Hour)
	if _, err := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatalf("after a week: %v", err)
	}
	e.check(t)
}

// TestCancelAfterTheBillBecomesACredit: the refund is decided while the
// charge is not billed yet, the bill is issued before the cancel reaches
// the front-end: the cancel is refused as already billed and the refund
// becomes a bill credit of the same amount.
func TestCancelAfterTheBillBecomesACredit(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o, c := e.pay(t, e.Buyer, "70.00")
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("70.00"), "不要了"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if n := e.Count("SELECT count(*) FROM telecom_refunds WHERE method = 'cancel'"); n != 1 {
		t.Fatalf("%d cancels planned", n)
	}
	e.sim.CloseCycle(c.Cycle()) // billed at the operator; its callback not delivered yet
	if err := e.Telecom.RefundNow(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.Count("SELECT count(*) FROM telecom_refunds WHERE method = 'bill_credit' AND state = 'done' AND amount = 70.00"); n != 1 {
		t.Fatal("the refund did not become a bill credit")
	}
	e.flush()
	if got := e.charge(t, c.ID); got.State != models.ChargeBilled || got.Credited.String() != "70.00" {
		t.Fatalf("charge: %+v", got)
	}
	p, _ := e.Telecom.Page(e.Ctx, e.Buyer.Actor())
	if !p.Credit.Used.IsZero() {
		t.Fatalf("a refunded charge uses %s of the credit", p.Credit.Used)
	}
	e.want(t, map[string]string{models.AccTelecomReceivable: "0.00", models.WalletAccount(e.Buyer.ID): "0.00"})
	e.check(t)
}

// TestCollectionRacesAdvances: the operator's collections arrive while
// advances run; wherever each yuan was advanced or not, the seller ends
// with all of it available, none pending, no exposure left.
func TestCollectionRacesAdvances(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.set(t, map[string]string{"advance.global_cap": "1000.00", "advance.seller_cap": "1000.00"})
	var cs []*models.Charge
	for i := 0; i < 6; i++ {
		o, c := e.pay(t, e.Buyer, "50.00")
		e.ship(t, o)
		e.confirm(t, o)
		cs = append(cs, c)
	}
	e.sim.CloseCycle(cs[0].Cycle())
	e.flush()
	for _, c := range cs {
		e.sim.MarkPaid(c.ID)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 4; i++ {
			if _, err := e.Telecom.Advance(e.Ctx, models.System, 0); err != nil {
				t.Error(err)
			}
		}
	}()
	go func() { defer wg.Done(); e.flush() }()
	wg.Wait()
	e.flush()
	e.want(t, map[string]string{models.SellerPendingAccount(e.Seller.ID): "0.00", models.SellerAvailableAccount(e.Seller.ID): "298.20"})
	if ex, _ := e.Telecom.ExposureOf(e.Ctx, e.Operator.Actor()); !ex.Total.IsZero() {
		t.Fatalf("exposure left: %s", ex.Total)
	}
	e.check(t)
}

func TestOldCallbacksPurged(t *testing.T) {
	e := setup(t)
	for id, st := range map[string]string{"old_done": "processed", "old_review": "review", "new_done": "processed"} {
		age := "100 days"
		if id == "new_done" {
			age = "1 day"
		}
		e.DB.Exec(`INSERT INTO telecom_events (webhook_id, type, raw, status, received_at) VALUES (?, 'charge.billed', '\x7b7d', ?, now() - ?::interval)`, id, st, age)
	}
	if err := (&telecom.PurgeWorker{Telecom: e.Telecom}).Work(e.Ctx, nil); err != nil {
		t.Fatal(err)
	}
	var left []string
	e.DB.Raw("SELECT webhook_id FROM telecom_events ORDER BY webhook_id").Scan(&left)
	if strings.Join(left, ",") != "new_done,old_review" {
		t.Fatalf("left: %v", left)
	}
}
