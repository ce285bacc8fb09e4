package funding_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/app/funding"
	"lineescrow/app/ledger"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// deliver stores and processes one bank event, for use from goroutines.
func deliver(e *ptest.Env, id, typ string, data any) error {
	_, err := e.Funding.Receive(e.Ctx, id, ptest.EventBody(id, typ, data))
	return err
}

func received(txn, amount, ref string) bankbridge.Received {
	return bankbridge.Received{BankTxnID: txn, Amount: models.MustParseMoney(amount), Currency: "CNY", Reference: ref,
		PayerAccount: "6222020200112233", PayerName: "张伟", Channel: "phone_banking", ValueDate: "2026-11-29"}
}

func reversed(txn, rev, amount string) bankbridge.Reversed {
	return bankbridge.Reversed{BankTxnID: txn, ReversalTxnID: rev, Amount: models.MustParseMoney(amount), Reason: "fraud report"}
}

// TestCreditAndReversalRace delivers a credit and its reversal at the same
// moment, many times over: every time the reversal must be applied and the
// net effect be zero. Before the bank transaction lock, each could miss the
// other's uncommitted row and the reversal was never applied.
func TestCreditAndReversalRace(t *testing.T) {
	// Not parallel: the hook is package-wide. It makes each side, once it has
	// looked for the other, wait (briefly) for the other to have looked too
	// before it commits: the interleaving that used to lose the reversal, made to
	// happen on every round. With the lock the second side cannot write until
	// the first has committed; the wait then simply times out.
	e := ptest.New(t)
	var mu sync.Mutex
	var arrived *sync.WaitGroup
	funding.SetAfterLookup(func() {
		mu.Lock()
		round := arrived
		mu.Unlock()
		round.Done()
		done := make(chan struct{})
		go func() { round.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(25 * time.Millisecond):
		}
	})
	defer funding.SetAfterLookup(nil)
	l := e.Listing("100.00", 1000)
	const rounds = 200
	for i := range rounds {
		mu.Lock()
		arrived = &sync.WaitGroup{}
		arrived.Add(2)
		mu.Unlock()
		o := e.Checkout(e.Buyer, l, 1)
		txn := fmt.Sprintf("BRACE%04d", i)
		start := make(chan struct{})
		errs := make(chan error, 2)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			errs <- deliver(e, "evt_c"+txn, bankbridge.TransferReceived, received(txn, "100.00", o.PayReference))
		}()
		go func() {
			defer wg.Done()
			<-start
			errs <- deliver(e, "evt_r"+txn, bankbridge.TransferReversed, reversed(txn, "R"+txn, "100.00"))
		}()
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got := e.Order(o.ID)
		if got.State != models.Closed || !got.Held.IsZero() || got.Reversed.String() != "100.00" {
			t.Fatalf("round %d: order %s held %s reversed %s: the reversal was lost", i, got.State, got.Held, got.Reversed)
		}
	}
	if n := e.Count("SELECT count(*) FROM bank_reversals WHERE applied_at IS NULL"); n != 0 {
		t.Fatalf("%d reversals left unapplied", n)
	}
	for acc, want := range map[string]string{models.AccBankCollection: "0.00", models.AccExpenseBadDebt: "0.00",
		models.WalletAccount(e.Buyer.ID): "0.00", models.AccSuspense: "0.00"} {
		if b := e.Balance(acc); b != want {
			t.Errorf("%s = %s after %d credit+reversal pairs, want %s", acc, b, rounds, want)
		}
	}
}

// TestSweeperAppliesWhatWasLeft: a reversal left unapplied though its credit
// exists (as the race used to leave it) is applied by the sweeper; one whose
// credit never comes is flagged once, after a while.
func TestSweeperAppliesWhatWasLeft(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("100.00", 5), 1)
	txn := e.Credit("100.00", o.PayReference)
	// Recorded but not applied, behind the service's back.
	e.DB.Exec(`INSERT INTO bank_reversals (reversal_txn_id, bank_txn_id, amount, reason) VALUES ('RLOST', ?, 100, 'lost')`, txn)
	e.DB.Exec(`INSERT INTO bank_reversals (reversal_txn_id, bank_txn_id, amount, reason, created_at)
		VALUES ('RWAIT', 'BNEVER', 5, 'no credit', now() - interval '4 days')`)
	for range 2 {
		if _, err := e.Funding.SweepReversals(e.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.Order(o.ID); got.State != models.Closed || got.Reversed.String() != "100.00" {
		t.Fatalf("after the sweep: %s reversed %s", got.State, got.Reversed)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'reversal_waiting'"); n != 1 {
		t.Fatalf("%d waiting-reversal flags, want 1", n)
	}
}

// TestReversalOfASuspenseCreditMarkedForReturn: the money is taken from
// suspense and the item leaves the return queue, so it can never be paid to
// the payer as well.
func TestReversalOfASuspenseCreditMarkedForReturn(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	txn := e.Credit("50.00", "no reference")
	if err := e.Funding.MarkForReturn(e.Ctx, e.Operator.Actor(), txn, "unknown payer"); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_rv", bankbridge.TransferReversed, reversed(txn, "RV1", "50.00"))
	for acc, want := range map[string]string{models.AccSuspense: "0.00", models.AccExpenseBadDebt: "0.00", models.AccBankCollection: "0.00"} {
		if b := e.Balance(acc); b != want {
			t.Errorf("%s = %s, want %s", acc, b, want)
		}
	}
	queue, err := e.Funding.Credits(e.Ctx, e.Operator.Actor(), true, 100)
	if err != nil || len(queue) != 0 {
		t.Fatalf("suspense queue after the reversal: %v %v", queue, err)
	}
	if err := e.Funding.AssignToWallet(e.Ctx, e.Operator.Actor(), txn, e.Buyer.ID, ""); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("assigning reversed money: %v", err)
	}
}

// paidByBank checks out an order of the listing and pays it by transfer.
func paidByBank(t *testing.T, e *ptest.Env, l *models.Listing) (*models.Order, string) {
	t.Helper()
	o := e.Checkout(e.Buyer, l, 1)
	txn := e.Credit(l.Price.String(), o.PayReference)
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("order %d not paid: %s", o.ID, got.State)
	}
	return o, txn
}

func ship(t *testing.T, e *ptest.Env, o *models.Order) {
	t.Helper()
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
}

// TestReversalFollowsTheMoney: wherever the credit's money is when the bank
// recalls it, that is where it is taken from; only what left the platform
// (or was spent) is owed, and then by the person who had it.
func TestReversalFollowsTheMoney(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("100.00", 100)
	buyerWallet, sellerAvail := models.WalletAccount(e.Buyer.ID), models.SellerAvailableAccount(e.Seller.ID)
	check := func(what string, want map[string]string) {
		t.Helper()
		for acc, w := range want {
			if b := e.Balance(acc); b != w {
				t.Errorf("%s: %s = %s, want %s", what, acc, b, w)
			}
		}
	}

	// Refunded to the buyer's wallet: taken back from the wallet.
	o, txn := paidByBank(t, e, l)
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("100.00"), "changed my mind"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_a", bankbridge.TransferReversed, reversed(txn, "RA", "100.00"))
	check("after refund", map[string]string{buyerWallet: "0.00", models.AccBankCollection: "0.00", models.AccExpenseBadDebt: "0.00",
		models.ClawbackAccount(e.Buyer.ID): "0.00"})

	// Released to the seller: taken from the seller's available money, and
	// the commission given back; the seller is told why, on the order.
	o, txn = paidByBank(t, e, l)
	ship(t, e, o)
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	check("released", map[string]string{sellerAvail: "99.40", models.AccRevenueFees: "0.60"})
	e.Deliver("evt_b", bankbridge.TransferReversed, reversed(txn, "RB", "100.00"))
	check("after release", map[string]string{sellerAvail: "0.00", models.AccRevenueFees: "0.00", models.AccBankCollection: "0.00",
		models.ClawbackAccount(e.Seller.ID): "0.00"})
	events, _, err := e.Orders.Timeline(e.Ctx, e.Seller.Actor(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Kind != "payment.reversed" || !strings.Contains(string(last.Detail), `"from_seller":"99.40"`) || !strings.Contains(string(last.Detail), "fraud report") {
		t.Fatalf("the seller's timeline does not say why: %s %s", last.Kind, last.Detail)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'reversed_after_release' AND order_id = ?", o.ID); n != 1 {
		t.Fatalf("%d reversed-after-release flags", n)
	}

	// Split: part refunded, the rest released. Each part from where it went.
	o, txn = paidByBank(t, e, l)
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("30.00"), "one item broken"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	check("split", map[string]string{buyerWallet: "30.00", sellerAvail: "69.58"})
	// Recalled in two parts: the shares still add up exactly.
	e.Deliver("evt_c1", bankbridge.TransferReversed, reversed(txn, "RC1", "45.00"))
	e.Deliver("evt_c2", bankbridge.TransferReversed, reversed(txn, "RC2", "55.00"))
	check("after split", map[string]string{buyerWallet: "0.00", sellerAvail: "0.00", models.AccRevenueFees: "0.00",
		models.AccBankCollection: "0.00", models.AccExpenseBadDebt: "0.00"})

	// The refund was spent: what the wallet no longer holds is owed by the
	// buyer, booked as a claw-back, flagged; nothing is lost and nothing is
	// the platform's loss until an operator decides.
	o, txn = paidByBank(t, e, l)
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("100.00"), "wrong size"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	other := e.Checkout(e.Buyer, e.Listing("80.00", 1), 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer.Actor(), other.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_d", bankbridge.TransferReversed, reversed(txn, "RD", "100.00"))
	check("after a spent refund", map[string]string{buyerWallet: "0.00", models.ClawbackAccount(e.Buyer.ID): "80.00",
		models.AccBankCollection: "0.00", models.AccExpenseBadDebt: "0.00", models.EscrowAccount(other.ID): "80.00"})
	if n := e.Count("SELECT count(*) FROM clawbacks WHERE user_id = ? AND source = ? AND amount = 80 AND status = 'open'", e.Buyer.ID, buyerWallet); n != 1 {
		t.Fatalf("%d open claw-backs of the buyer", n)
	}

	// Held, with a refund request larger than what stays held after a
	// partial recall: the request is capped, so accepting it (by hand or by
	// its timer) can still succeed.
	o, txn = paidByBank(t, e, l)
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("80.00"), "missing parts"); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_e", bankbridge.TransferReversed, reversed(txn, "RE", "40.00"))
	if got := e.Order(o.ID); got.Held.String() != "60.00" || got.RefundAmount.String() != "60.00" || got.Refund != models.RefundRequested {
		t.Fatalf("after a partial recall: held %s refund %s %s", got.Held, got.RefundAmount, got.Refund)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatalf("accepting the capped refund: %v", err)
	}
	if got := e.Order(o.ID); got.State != models.Closed || got.Refunded.String() != "60.00" || got.Reversed.String() != "40.00" {
		t.Fatalf("after accepting: %s refunded %s reversed %s", got.State, got.Refunded, got.Reversed)
	}
}

// TestReversalOfMoneyPaidOut: the seller's available money was paid out
// before the recall. What is left is taken; the rest is a claw-back on the
// seller, recovered from the seller's next releases once an operator says so.
func TestReversalOfMoneyPaidOut(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("100.00", 100)
	sellerAvail, owed := models.SellerAvailableAccount(e.Seller.ID), models.ClawbackAccount(e.Seller.ID)
	o, txn := paidByBank(t, e, l)
	ship(t, e, o)
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	// 90.00 leaves for the seller's bank account.
	payOut(t, e, sellerAvail, "90.00")
	e.Deliver("evt_p", bankbridge.TransferReversed, reversed(txn, "RP", "100.00"))
	if b, c := e.Balance(sellerAvail), e.Balance(owed); b != "0.00" || c != "90.00" {
		t.Fatalf("available %s, owed %s; want 0.00 and 90.00", b, c)
	}
	list, err := e.Clawbacks.List(e.Ctx, e.Operator.Actor(), false)
	if err != nil || len(list) != 1 || list[0].Outstanding().String() != "90.00" || list[0].Status != "open" {
		t.Fatalf("claw-back queue: %+v %v", list, err)
	}
	cb := list[0]
	if err := e.Clawbacks.Recover(e.Ctx, e.Seller.Actor(), cb.ID, "x"); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a seller decided their own claw-back: %v", err)
	}
	// Still open: the next release is not taken yet.
	o2, _ := paidByBank(t, e, l)
	ship(t, e, o2)
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if b := e.Balance(sellerAvail); b != "99.40" {
		t.Fatalf("available before the decision = %s", b)
	}
	// Recover: what is there now is taken at once…
	if err := e.Clawbacks.Recover(e.Ctx, e.Operator.Actor(), cb.ID, "seller informed by phone"); err != nil {
		t.Fatal(err)
	}
	if b, c := e.Balance(sellerAvail), e.Balance(owed); b != "9.40" || c != "0.00" {
		t.Fatalf("after recovering: available %s owed %s", b, c)
	}
	if n := e.Count("SELECT count(*) FROM clawbacks WHERE id = ? AND status = 'recovered' AND recovered = 90", cb.ID); n != 1 {
		t.Fatal("the claw-back is not recovered")
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action = 'clawback.recover' AND target = ?", fmt.Sprintf("clawback:%d", cb.ID)); n != 1 {
		t.Fatal("the decision is not audited")
	}
	if err := e.Clawbacks.WriteOff(e.Ctx, e.Operator.Actor(), cb.ID, "too late"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("writing off a recovered claw-back: %v", err)
	}
}

// TestClawbackFromNextCreditsAndWriteOff: a buyer's claw-back being
// recovered takes the next money that reaches the wallet, before it can be
// spent; what is written off becomes the platform's bad debt.
func TestClawbackFromNextCreditsAndWriteOff(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	wallet := models.WalletAccount(e.Buyer.ID)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	top := e.Credit("100.00", ref)
	o := e.Checkout(e.Buyer, e.Listing("100.00", 5), 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_t", bankbridge.TransferReversed, reversed(top, "RT", "100.00"))
	list, _ := e.Clawbacks.List(e.Ctx, e.Operator.Actor(), false)
	if len(list) != 1 || list[0].UserID != e.Buyer.ID {
		t.Fatalf("claw-backs: %+v", list)
	}
	if err := e.Clawbacks.Recover(e.Ctx, e.Operator.Actor(), list[0].ID, "recover from next top-ups"); err != nil {
		t.Fatal(err)
	}
	e.Credit("30.00", ref)
	if b, c := e.Balance(wallet), e.Balance(models.ClawbackAccount(e.Buyer.ID)); b != "0.00" || c != "70.00" {
		t.Fatalf("after a 30.00 top-up: wallet %s owed %s", b, c)
	}
	// A refund reaching the wallet is taken too.
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("50.00"), "half missing"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if b, c := e.Balance(wallet), e.Balance(models.ClawbackAccount(e.Buyer.ID)); b != "0.00" || c != "20.00" {
		t.Fatalf("after a refund of 50.00: wallet %s owed %s", b, c)
	}
	if err := e.Clawbacks.WriteOff(e.Ctx, e.Operator.Actor(), list[0].ID, ""); models.ErrorField(err) != "note" {
		t.Fatalf("write-off without a reason: %v", err)
	}
	if err := e.Clawbacks.WriteOff(e.Ctx, e.Operator.Actor(), list[0].ID, "buyer unreachable"); err != nil {
		t.Fatal(err)
	}
	if b, c := e.Balance(models.AccExpenseBadDebt), e.Balance(models.ClawbackAccount(e.Buyer.ID)); b != "20.00" || c != "0.00" {
		t.Fatalf("after the write-off: bad debt %s owed %s", b, c)
	}
	e.Credit("10.00", ref)
	if b := e.Balance(wallet); b != "10.00" {
		t.Fatalf("a top-up after the write-off was taken: wallet %s", b)
	}
}

// payOut moves money out of a seller's balance as a payout would.
func payOut(t *testing.T, e *ptest.Env, account, amount string) {
	t.Helper()
	tx := e.DB.Begin()
	if _, err := ledger.Post(e.Ctx, tx, models.Transfer{Key: "test:payout:" + account + amount, Kind: "payout", Ref: "test",
		Postings: models.Move(account, models.AccBankCollection, models.MustParseMoney(amount))}); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
}

// TestShortTransferNeverSpendsTheWallet: anyone who knows a payment
// reference can send ¥0.01 to it; that must never make the platform spend
// the buyer's balance. Only a transfer that makes up the rest completes the
// payment by itself, and never for a frozen buyer.
func TestShortTransferNeverSpendsTheWallet(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("100.00", 10)
	wallet := models.WalletAccount(e.Buyer.ID)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("500.00", ref)
	o := e.Checkout(e.Buyer, l, 1)
	e.Credit("0.01", o.PayReference)
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatalf("a ¥0.01 transfer paid the order from the wallet: %s", got.State)
	}
	if b := e.Balance(wallet); b != "500.01" {
		t.Fatalf("wallet = %s, want 500.01", b)
	}
	events, _, _ := e.Orders.Timeline(e.Ctx, e.Buyer.Actor(), o.ID)
	if last := events[len(events)-1]; last.Kind != "payment.short" || !strings.Contains(string(last.Detail), `"missing":"99.99"`) {
		t.Fatalf("buyer not told what is missing: %s %s", last.Kind, last.Detail)
	}
	// The rest by a second transfer: paid, from those two transfers only.
	e.Credit("99.99", o.PayReference)
	if got := e.Order(o.ID); got.State != models.Paid || got.Held.String() != "100.00" {
		t.Fatalf("after the rest: %s held %s", got.State, got.Held)
	}
	if b := e.Balance(wallet); b != "500.00" {
		t.Fatalf("wallet = %s after the rest, want 500.00", b)
	}

	// A frozen buyer's wallet is never spent, not even for the rest.
	o = e.Checkout(e.Buyer, l, 1)
	e.Credit("60.00", o.PayReference)
	if err := e.Auth.SetFrozen(e.Ctx, e.Operator.Actor(), e.Buyer.ID, true, "investigation"); err != nil {
		t.Fatal(err)
	}
	e.Credit("40.00", o.PayReference)
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatalf("a frozen buyer's wallet paid: %s", got.State)
	}
	if b := e.Balance(wallet); b != "600.00" {
		t.Fatalf("wallet = %s, want 600.00", b)
	}
	// The exact amount by transfer still pays (the bank's money goes straight
	// to escrow: no wallet is spent).
	o = e.Checkout(e.Buyer, l, 1)
	e.Credit("100.00", o.PayReference)
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("a frozen buyer's exact transfer: %s", got.State)
	}
}

// TestShortTransfersRecalledAfterThePayment: the payment was completed from
// two transfers; the bank recalls the first. It is taken from the escrow,
// where that money now is.
func TestShortTransfersRecalledAfterThePayment(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("100.00", 10), 1)
	first := e.Credit("70.00", o.PayReference)
	e.Credit("30.00", o.PayReference)
	e.Deliver("evt_s", bankbridge.TransferReversed, reversed(first, "RS", "70.00"))
	got := e.Order(o.ID)
	if got.Held.String() != "30.00" || got.Reversed.String() != "70.00" {
		t.Fatalf("held %s reversed %s", got.Held, got.Reversed)
	}
	if b := e.Balance(models.WalletAccount(e.Buyer.ID)); b != "0.00" {
		t.Fatalf("wallet = %s", b)
	}
	// And when the buyer completed a short payment from the wallet with the
	// payment password, a recall of the transfer follows it into escrow too.
	o2 := e.Checkout(e.Buyer, e.Listing("50.00", 1), 1)
	part := e.Credit("20.00", o2.PayReference)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("30.00", ref)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_s2", bankbridge.TransferReversed, reversed(part, "RS2", "20.00"))
	if got := e.Order(o2.ID); got.Held.String() != "30.00" || got.Reversed.String() != "20.00" {
		t.Fatalf("order 2: held %s reversed %s", got.Held, got.Reversed)
	}
	if n := e.Count("SELECT count(*) FROM clawbacks"); n != 0 {
		t.Fatalf("%d claw-backs for money that was still in escrow", n)
	}
}

// TestWebhookEdgeCases: a NUL in a text field cannot make an event
// unstorable; a reversal larger than its credit takes no more than the
// credit and raises a flag.
func TestWebhookEdgeCases(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("100.00", 5), 1)
	d := received("BNUL1", "100.00", o.PayReference+"\x00")
	d.PayerName = "张\x00伟"
	if err := deliver(e, "evt_nul", bankbridge.TransferReceived, d); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("an event with NUL characters: %s", got.State)
	}
	var name string
	e.DB.Raw("SELECT payer_name FROM bank_credits WHERE bank_txn_id = 'BNUL1'").Scan(&name)
	if name != "张伟" {
		t.Fatalf("payer name stored as %q", name)
	}

	if err := deliver(e, "evt_big", bankbridge.TransferReversed, reversed("BNUL1", "RBIG", "150.00")); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.Reversed.String() != "100.00" || got.State != models.Closed {
		t.Fatalf("after a reversal of 150.00: reversed %s %s", got.Reversed, got.State)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'reversal_exceeds_credit'"); n != 1 {
		t.Fatalf("%d exceeds-credit flags", n)
	}
	if n := e.Count("SELECT count(*) FROM bank_reversals WHERE reversal_txn_id = 'RBIG' AND excess = 50"); n != 1 {
		t.Fatal("the excess is not recorded")
	}
	// A second reversal of a fully reversed credit takes nothing.
	if err := deliver(e, "evt_big2", bankbridge.TransferReversed, reversed("BNUL1", "RBIG2", "10.00")); err != nil {
		t.Fatal(err)
	}
	if b := e.Balance(models.AccBankCollection); b != "0.00" {
		t.Fatalf("bank = %s", b)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'reversal_exceeds_credit'"); n != 2 {
		t.Fatalf("%d exceeds-credit flags, want 2", n)
	}
}
