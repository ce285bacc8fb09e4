package funding_test

import (
	"fmt"
	"sync"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

func TestMatchingCases(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("100.00", 50)
	wallet := models.WalletAccount(e.Buyer.ID)

	type want struct {
		state   models.OrderState
		outcome string
		wallet  string // wallet balance after
	}
	cases := []struct {
		name   string
		amount string
		memo   func(o *models.Order) string
		want   want
	}{
		{"exact", "100.00", func(o *models.Order) string { return o.PayReference }, want{models.Paid, "order_paid", "0.00"}},
		{"grouped memo", "100.00", func(o *models.Order) string { return "付款 " + models.GroupReference(o.PayReference) }, want{models.Paid, "order_paid", "0.00"}},
		{"over", "130.50", func(o *models.Order) string { return o.PayReference }, want{models.Paid, "overpaid", "30.50"}},
		{"short", "60.00", func(o *models.Order) string { return o.PayReference }, want{models.AwaitingPayment, "short", "90.50"}},
	}
	for _, c := range cases {
		o := e.Checkout(e.Buyer, l, 1)
		txn := e.Credit(c.amount, c.memo(o))
		got := e.Order(o.ID)
		var outcome string
		e.DB.Raw("SELECT outcome FROM bank_credits WHERE bank_txn_id = ?", txn).Scan(&outcome)
		if got.State != c.want.state || outcome != c.want.outcome || e.Balance(wallet) != c.want.wallet {
			t.Fatalf("%s: state %s outcome %s wallet %s; want %+v", c.name, got.State, outcome, e.Balance(wallet), c.want)
		}
	}

	// Short, then the rest: the wallet now covers the order and pays it.
	o := e.Checkout(e.Buyer2, l, 1)
	e.Credit("70.00", o.PayReference)
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatalf("after the short part: %s", got.State)
	}
	events, _, _ := e.Orders.Timeline(e.Ctx, e.Buyer2.Actor(), o.ID)
	if events[len(events)-1].Kind != "payment.short" || string(events[len(events)-1].Detail) == "" {
		t.Fatalf("buyer not told what is missing: %+v", events[len(events)-1])
	}
	e.Credit("30.00", o.PayReference)
	if got := e.Order(o.ID); got.State != models.Paid || got.Funding != models.FundingBank || got.Held.String() != "100.00" {
		t.Fatalf("after the rest: %s %s held %s", got.State, got.Funding, got.Held)
	}
	if b := e.Balance(models.WalletAccount(e.Buyer2.ID)); b != "0.00" {
		t.Fatalf("buyer 2 wallet %s", b)
	}

	// An order paid twice: the second payment goes to the wallet.
	e.Credit("100.00", o.PayReference)
	if b := e.Balance(models.WalletAccount(e.Buyer2.ID)); b != "100.00" {
		t.Fatalf("second payment: wallet %s", b)
	}
	if n := e.Count("SELECT count(*) FROM bank_credits WHERE outcome = 'already_paid'"); n != 1 {
		t.Fatal("second payment not recorded as such")
	}
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer2.Actor(), o.ID, ptest.PIN); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("paying a paid order from the wallet: %v", err)
	}
	o2 := e.Checkout(e.Buyer2, l, 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer2.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}

	// After the order closed: to the wallet.
	closed := e.Checkout(e.Buyer2, l, 1)
	if _, err := e.Orders.Cancel(e.Ctx, e.Buyer2.Actor(), closed.ID); err != nil {
		t.Fatal(err)
	}
	e.Credit("100.00", closed.PayReference)
	if got := e.Order(closed.ID); got.State != models.Closed || e.Balance(models.WalletAccount(e.Buyer2.ID)) != "100.00" {
		t.Fatalf("after close: %s wallet %s", got.State, e.Balance(models.WalletAccount(e.Buyer2.ID)))
	}

	// Unknown, missing or mistyped references: suspense.
	typo := o.PayReference[:8] + string('0'+(o.PayReference[8]-'0'+1)%10)
	for _, memo := range []string{"", "for the tea", "999999999", typo, "123456782"} {
		e.Credit("12.34", memo)
	}
	if s := e.Balance(models.AccSuspense); s != "61.70" {
		t.Fatalf("suspense = %s, want 61.70", s)
	}
	if n := e.Count("SELECT count(*) FROM bank_credits WHERE suspense_state = 'open'"); n != 5 {
		t.Fatalf("%d open suspense items", n)
	}

	// A wallet top-up by the personal reference.
	ref, err := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	if err != nil || ref[0] != '8' {
		t.Fatalf("top-up reference %q %v", ref, err)
	}
	if again, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID); again != ref {
		t.Fatal("top-up reference changed")
	}
	e.Credit("500.00", ref)
	if b := e.Balance(wallet); b != "590.50" {
		t.Fatalf("wallet after top-up %s", b)
	}

	// A buyer reads their own wallet, nobody else reads any.
	w, err := e.Funding.WalletOf(e.Ctx, e.Buyer.Actor())
	if err != nil || w.Balance.String() != "590.50" || w.Reference != ref || len(w.Moves) == 0 {
		t.Fatalf("wallet = %+v, %v", w, err)
	}
	for _, m := range w.Moves {
		if m.Account != wallet {
			t.Errorf("the wallet's history shows %s", m.Account)
		}
	}
	if w2, err := e.Funding.WalletOf(e.Ctx, e.Buyer2.Actor()); err != nil || w2.Balance.String() != e.Balance(models.WalletAccount(e.Buyer2.ID)) || w2.Reference == ref {
		t.Fatalf("the other buyer's wallet = %+v, %v", w2, err)
	}
	for _, who := range []models.Actor{e.Seller.Actor(), e.Operator.Actor(), models.Anonymous} {
		if _, err := e.Funding.WalletOf(e.Ctx, who); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads a wallet: %v", who, err)
		}
	}
}

func TestDuplicateAndConcurrentCredits(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("259.00", 5), 1)
	data := bankbridge.Received{BankTxnID: "B20261129000123", Amount: models.MustParseMoney("259.00"), Currency: "CNY",
		Reference: o.PayReference, PayerAccount: "6222020200112233", PayerName: "张伟", Channel: "phone_banking", ValueDate: "2026-11-29"}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Half are retries of one event, half the same transaction under other event ids.
			id := "evt_same"
			if i%2 == 1 {
				id = fmt.Sprintf("evt_other_%d", i)
			}
			e.Deliver(id, bankbridge.TransferReceived, data)
		}()
	}
	close(start)
	wg.Wait()
	if n := e.Count("SELECT count(*) FROM bank_credits"); n != 1 {
		t.Fatalf("%d credits", n)
	}
	if n := e.Count("SELECT count(*) FROM ledger_transfers WHERE kind LIKE 'bank.credit%'"); n != 1 {
		t.Fatalf("%d credit transfers", n)
	}
	if b := e.Balance(models.AccBankCollection); b != "259.00" {
		t.Fatalf("bank = %s", b)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("order %s", got.State)
	}
	if n := e.Count("SELECT count(*) FROM bank_events"); n != 6 {
		t.Fatalf("%d stored events, want 6 distinct ids", n)
	}
	if n := e.Count("SELECT count(*) FROM bank_events WHERE status <> 'processed'"); n != 0 {
		t.Fatalf("%d events not processed", n)
	}
}

func TestReversals(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("100.00", 50)

	// Reversed while held: taken back from escrow, order closed.
	o := e.Checkout(e.Buyer, l, 1)
	txn := e.Credit("100.00", o.PayReference)
	e.Deliver("evt_rev1", bankbridge.TransferReversed, bankbridge.Reversed{BankTxnID: txn, ReversalTxnID: "R1", Amount: models.MustParseMoney("100.00"), Reason: "fraud report"})
	got := e.Order(o.ID)
	if got.State != models.Closed || got.Reversed.String() != "100.00" || e.Balance(models.AccBankCollection) != "0.00" {
		t.Fatalf("reversal of held payment: %s reversed %s bank %s", got.State, got.Reversed, e.Balance(models.AccBankCollection))
	}

	// Reversal before its credit: waits, then applies when the credit comes.
	e.Deliver("evt_rev2", bankbridge.TransferReversed, bankbridge.Reversed{BankTxnID: "BLATE", ReversalTxnID: "R2", Amount: models.MustParseMoney("20.00"), Reason: "error"})
	if n := e.Count("SELECT count(*) FROM bank_reversals WHERE applied_at IS NULL"); n != 1 {
		t.Fatalf("early reversal not pending")
	}
	e.Deliver("evt_late", bankbridge.TransferReceived, bankbridge.Received{BankTxnID: "BLATE", Amount: models.MustParseMoney("20.00"), Currency: "CNY", Reference: "no ref"})
	if s := e.Balance(models.AccSuspense); s != "0.00" {
		t.Fatalf("suspense after late credit + early reversal = %s", s)
	}

	// Reversal of a top-up already spent: the rest is a loss, flagged.
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer2.ID)
	top := e.Credit("100.00", ref)
	o2 := e.Checkout(e.Buyer2, l, 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer2.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o2.ID, "SF", "SF1234567890999"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer2.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	// The wallet money went on (paid, released): what the wallet no longer
	// holds is owed by its owner, a claw-back for an operator to decide.
	e.Deliver("evt_rev3", bankbridge.TransferReversed, bankbridge.Reversed{BankTxnID: top, ReversalTxnID: "R3", Amount: models.MustParseMoney("100.00"), Reason: "chargeback"})
	if b, cb := e.Balance(models.AccExpenseBadDebt), e.Balance(models.ClawbackAccount(e.Buyer2.ID)); b != "0.00" || cb != "100.00" {
		t.Fatalf("bad debt = %s, claw-back = %s", b, cb)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'reversal_shortfall' AND status = 'open'"); n != 1 {
		t.Fatalf("%d shortfall flags", n)
	}
	if n := e.Count("SELECT count(*) FROM clawbacks WHERE user_id = ? AND amount = 100 AND status = 'open'", e.Buyer2.ID); n != 1 {
		t.Fatalf("%d open claw-backs of buyer 2", n)
	}
	// The same reversal again, under another event id: nothing more.
	e.Deliver("evt_rev3_again", bankbridge.TransferReversed, bankbridge.Reversed{BankTxnID: top, ReversalTxnID: "R3", Amount: models.MustParseMoney("100.00"), Reason: "chargeback"})
	if cb := e.Balance(models.ClawbackAccount(e.Buyer2.ID)); cb != "100.00" {
		t.Fatalf("claw-back after a repeat = %s", cb)
	}
}

func TestSuspenseAssignment(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("88.00", 5), 1)
	a := e.Credit("88.00", "for order, ref lost")
	b := e.Credit("10.00", "")
	c := e.Credit("5.00", "")
	op := e.Operator.Actor()
	if err := e.Funding.AssignToOrder(e.Ctx, e.Buyer.Actor(), a, o.ID, ""); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("buyer assigned: %v", err)
	}
	if err := e.Funding.AssignToOrder(e.Ctx, op, a, o.ID, "payer called"); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("order after assignment: %s", got.State)
	}
	if err := e.Funding.AssignToOrder(e.Ctx, op, a, o.ID, "again"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("second assignment: %v", err)
	}
	if err := e.Funding.AssignToWallet(e.Ctx, op, b, e.Buyer2.ID, "payer identified"); err != nil {
		t.Fatal(err)
	}
	if err := e.Funding.AssignToWallet(e.Ctx, op, c, e.Seller.ID, ""); models.ErrorField(err) != "user_id" {
		t.Fatalf("assign to a seller's wallet: %v", err)
	}
	if err := e.Funding.MarkForReturn(e.Ctx, op, c, "unknown payer"); err != nil {
		t.Fatal(err)
	}
	// Marked for return: on its way back to the payer, through a payout.
	if s, w, p := e.Balance(models.AccSuspense), e.Balance(models.WalletAccount(e.Buyer2.ID)), e.Balance(models.AccPayoutsInTransit); s != "0.00" || w != "10.00" || p != "5.00" {
		t.Fatalf("suspense %s wallet %s in transit %s", s, w, p)
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action LIKE 'suspense.%'"); n != 3 {
		t.Fatalf("%d suspense audit entries", n)
	}
}
