package telecom_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"lineescrow/app/platform/ptest"
	"lineescrow/app/telecom"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

func job[T river.JobArgs](args T) *river.Job[T] {
	return &river.Job[T]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 20}, Args: args}
}

func (e *env) cutAnswers(suffix string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if suffix == "" {
		e.cut = nil
		return
	}
	e.cut = func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, suffix) }
}

// TestCardAnswerLost: the front-end redeems the card and its answer is lost;
// the job repeats the call with the sealed card and the same id, and the
// wallet is credited once. The card is never kept in clear.
func TestCardAnswerLost(t *testing.T) {
	e := setup(t)
	e.cutAnswers("/v1/cards/redeem")
	r, err := e.Telecom.RedeemCard(e.Ctx, e.Buyer.Actor(), telecomsim.Card100, "90317468")
	if err != nil || r.State != "requested" {
		t.Fatalf("lost answer: %+v %v", r, err)
	}
	var sealed []byte
	e.DB.Raw("SELECT sealed FROM card_redemptions WHERE id = ?", r.ID).Scan(&sealed)
	if len(sealed) == 0 || strings.Contains(string(sealed), "90317468") || strings.Contains(string(sealed), telecomsim.Card100) {
		t.Fatalf("sealed card: %q", sealed)
	}
	// Another account cannot take the card meanwhile.
	if _, err := e.Telecom.RedeemCard(e.Ctx, e.Buyer2.Actor(), telecomsim.Card100, "90317468"); code(err) != models.ECONFLICT {
		t.Fatalf("another account: %v", err)
	}
	e.cutAnswers("")
	if err := (&telecom.RedeemWorker{Telecom: e.Telecom}).Work(e.Ctx, job(telecom.RedeemArgs{RedemptionID: r.ID})); err != nil {
		t.Fatal(err)
	}
	e.want(t, map[string]string{models.WalletAccount(e.Buyer.ID): "100.00"})
	if n := e.Count("SELECT count(*) FROM card_redemptions WHERE id = ? AND state = 'redeemed' AND sealed IS NULL", r.ID); n != 1 {
		t.Fatal("not redeemed, or the sealed card kept")
	}
	// The job again (River retried it): nothing twice.
	if err := (&telecom.RedeemWorker{Telecom: e.Telecom}).Work(e.Ctx, job(telecom.RedeemArgs{RedemptionID: r.ID})); err != nil {
		t.Fatal(err)
	}
	e.want(t, map[string]string{models.WalletAccount(e.Buyer.ID): "100.00"})
	e.check(t)
}

// TestRefundedWhileWrittenOffThenPaid: the bill is written off, the order
// refunded (nothing to give back then), and the subscriber pays after all:
// the write-off is reversed exactly and the refund goes back to the bill.
func TestRefundedWhileWrittenOffThenPaid(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o, c := e.pay(t, e.Buyer, "100.00")
	e.sim.CloseCycle(c.Cycle())
	e.flush()
	e.sim.MarkOverdue(c.ID)
	e.sim.WriteOff(c.ID)
	e.flush()
	e.want(t, map[string]string{models.AccExpenseBadDebt: "100.00", models.AccTelecomReceivable: "0.00"})
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("100.00"), "没收到"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	e.want(t, map[string]string{models.AccExpenseBadDebt: "0.00", models.WalletAccount(e.Buyer.ID): "0.00"})
	e.check(t)
	// Paid after all (the operator's charge.collected).
	body := ptest.EventBody("evt_tel_late", bankbridge.ChargeCollected, bankbridge.Collected{ChargeID: c.ID, WorkOrderID: *c.WorkOrderID,
		CollectedAt: e.Clock.Now()})
	if _, err := e.Telecom.Receive(e.Ctx, "evt_tel_late", body); err != nil {
		t.Fatal(err)
	}
	if err := e.Telecom.RefundNow(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.Count("SELECT count(*) FROM telecom_refunds WHERE charge_id = ? AND method = 'bill_credit' AND state = 'done'", c.ID); n != 1 {
		t.Fatal("the refund did not go back to the bill")
	}
	// The late fee the subscriber paid stays the platform's; the 100.00 comes back as a credit.
	e.want(t, map[string]string{models.AccExpenseBadDebt: "0.00", models.AccRevenueLateFees: "0.30", models.AccTelecomReceivable: "0.30"})
	e.check(t)
}

// TestStaleStandingIsLookedUpAgain: a line once refused as in arrears can
// pay again once the operator says it is not.
func TestStaleStandingIsLookedUpAgain(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.DB.Exec("UPDATE landlines SET in_arrears = true, credit_class = 'D' WHERE user_id = ?", e.Buyer.ID)
	if _, c := e.pay(t, e.Buyer, "20.00"); c.State != models.ChargeAccepted {
		t.Fatalf("charge: %s", c.State)
	}
}

// TestRetryKeepsTheBody: the shop is renamed between the lost answer and
// the repeat; the repeat sends the body recorded with the charge.
func TestRetryKeepsTheBody(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.cutAnswers("/v1/charges")
	o := e.Checkout(e.Buyer, e.Listing("30.00", 1), 1)
	c, _ := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
	e.cutAnswers("")
	e.DB.Exec("UPDATE sellers SET shop_name = 'Renamed' WHERE user_id = ?", e.Seller.ID)
	if err := e.Telecom.Send(e.Ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("order: %s", got.State)
	}
}

// TestCallbackBeforeTheAcceptance: the charge's answer was lost and the
// bill's callback comes first: the charge is asked again with its key, the
// acceptance (with its bill cycle) settled, then the callback.
func TestCallbackBeforeTheAcceptance(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.cutAnswers("/v1/charges")
	o := e.Checkout(e.Buyer, e.Listing("45.00", 1), 1)
	c, _ := e.Telecom.PayByCharge(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
	e.cutAnswers("")
	cycle := e.sim.Lines()[1].Charges[0].Cycle
	e.sim.CloseCycle(cycle)
	e.sim.MarkPaid(c.ID)
	e.flush()
	got := e.charge(t, c.ID)
	if got.State != models.ChargeCollected || got.Cycle() != cycle || got.BilledAt == nil {
		t.Fatalf("charge: %s %q %v", got.State, got.Cycle(), got.BilledAt)
	}
	if st := e.Order(o.ID).State; st != models.Paid {
		t.Fatalf("order: %s", st)
	}
	e.check(t)
}

// TestSecondSettlementTransferReversed: a cycle paid in two transfers, the
// second recalled by the bank: the cycle counts the first only.
func TestSecondSettlementTransferReversed(t *testing.T) {
	e := setup(t)
	credit := func(txn, amount string) {
		e.Deliver("evt_"+txn, bankbridge.TransferReceived, bankbridge.Received{BankTxnID: txn, Amount: models.MustParseMoney(amount),
			Currency: "CNY", Reference: "TELSET202701", PayerAccount: telecomsim.OperatorAccount, PayerName: telecomsim.OperatorName,
			Channel: "transfer", ValueDate: "2027-02-10"})
	}
	credit("BS1", "60.00")
	credit("BS2", "40.00")
	e.Deliver("evt_rev", bankbridge.TransferReversed, bankbridge.Reversed{ReversalTxnID: "BR2", BankTxnID: "BS2", Amount: models.MustParseMoney("40.00"),
		Reason: "sent in error"})
	var received models.Money
	e.DB.Raw("SELECT received FROM telecom_settlements WHERE cycle = '2027-01'").Scan(&received)
	if received.String() != "60.00" {
		t.Fatalf("received: %s", received)
	}
	e.want(t, map[string]string{models.AccTelecomReceivable: "-60.00", models.AccBankCollection: "60.00"})
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'settlement_money'"); n != 1 {
		t.Fatal("no flag")
	}
	e.check(t)
}

// TestRefundToWalletWhenTheBillCannotBeCredited: an operator refunds the
// buyer's balance instead; the operator owes the charge in full again.
func TestRefundToWalletWhenTheBillCannotBeCredited(t *testing.T) {
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o, c := e.pay(t, e.Buyer, "90.00")
	e.sim.CloseCycle(c.Cycle())
	e.flush()
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("90.00"), "坏了"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	var id string
	e.DB.Raw("SELECT id FROM telecom_refunds WHERE charge_id = ?", c.ID).Scan(&id)
	if err := e.Telecom.RefundToWallet(e.Ctx, e.Buyer.Actor(), id, "x"); code(err) != models.EFORBIDDEN {
		t.Fatalf("a buyer: %v", err)
	}
	if err := e.Telecom.RefundToWallet(e.Ctx, e.Operator.Actor(), id, " "); code(err) != models.EINVALID {
		t.Fatalf("no note: %v", err)
	}
	if err := e.Telecom.RefundToWallet(e.Ctx, e.Operator.Actor(), id, "the phone company refuses the credit"); err != nil {
		t.Fatal(err)
	}
	e.want(t, map[string]string{models.WalletAccount(e.Buyer.ID): "90.00", models.AccTelecomReceivable: "90.00"})
	if err := e.Telecom.RefundToWallet(e.Ctx, e.Operator.Actor(), id, "again"); code(err) != models.ECONFLICT {
		t.Fatalf("twice: %v", err)
	}
	// The job finds it done: no bill credit after all.
	if err := e.Telecom.RefundNow(e.Ctx); err != nil {
		t.Fatal(err)
	}
	for _, l := range e.sim.Lines() {
		if len(l.Credits) != 0 {
			t.Fatalf("a bill credit too: %+v", l.Credits)
		}
	}
	e.check(t)
}
