package payouts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// fakeBank is the bank's payouts endpoint with its idempotency: a key is
// paid once whatever the number of calls. Its hook runs inside a call (to
// deliver a callback before the call returns, or to fail it).
type fakeBank struct {
	mu    sync.Mutex
	paid  map[string]bankbridge.PayoutInstruction
	calls int
	hook  func(p bankbridge.PayoutInstruction, call int) error
}

func (b *fakeBank) Payout(ctx context.Context, p bankbridge.PayoutInstruction) error {
	b.mu.Lock()
	b.calls++
	call := b.calls
	if b.paid == nil {
		b.paid = map[string]bankbridge.PayoutInstruction{}
	}
	b.paid[p.PayoutID] = p
	hook := b.hook
	b.mu.Unlock()
	if hook != nil {
		return hook(p, call)
	}
	return nil
}

func setup(t *testing.T) (*ptest.Env, *fakeBank) {
	t.Helper()
	e := ptest.New(t)
	bank := &fakeBank{}
	e.Payouts.Bank = bank
	return e, bank
}

// earn gives the seller available money: an order paid by transfer, shipped
// and confirmed.
func earn(t *testing.T, e *ptest.Env, price string) {
	t.Helper()
	o := e.Checkout(e.Buyer, e.Listing(price, 1), 1)
	e.Credit(price, o.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
}

func callback(e *ptest.Env, id string, p *payouts.Payout, ok bool, reason string) {
	typ, d := bankbridge.PayoutSucceeded, bankbridge.Payout{PayoutID: p.ID, Amount: p.Amount, BankTxnID: "PB" + p.ID}
	if !ok {
		typ, d = bankbridge.PayoutFailed, bankbridge.Payout{PayoutID: p.ID, Amount: p.Amount, Reason: reason}
	}
	e.Deliver(id, typ, d)
}

func TestSellerWithdrawsOnce(t *testing.T) {
	t.Parallel()
	e, bank := setup(t)
	earn(t, e, "100.00") // 99.40 available
	avail := models.SellerAvailableAccount(e.Seller.ID)
	p, err := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("90.00"), PayPassword: ptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	if p.State != payouts.Requested || p.BeneficiaryAccount != "6217000011112222" || p.BeneficiaryName != "王建国" {
		t.Fatalf("payout %+v", p)
	}
	if b, tr := e.Balance(avail), e.Balance(models.AccPayoutsInTransit); b != "9.40" || tr != "90.00" {
		t.Fatalf("available %s, in transit %s", b, tr)
	}
	// The job: sent once; a repeat of the job sends nothing more.
	for range 2 {
		if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if bank.calls != 1 {
		t.Fatalf("the bank was called %d times", bank.calls)
	}
	// The callback, three times over: settled once.
	for i := range 3 {
		callback(e, fmt.Sprintf("evt_ok_%d", i), p, true, "")
	}
	got, _ := e.Payouts.Get(e.Ctx, e.Seller.Actor(), p.ID)
	if got.State != payouts.Succeeded || got.PaidTxnID == nil || got.SettledAt == nil {
		t.Fatalf("after the callback: %+v", got)
	}
	if tr, bk := e.Balance(models.AccPayoutsInTransit), e.Balance(models.AccBankCollection); tr != "0.00" || bk != "10.00" {
		t.Fatalf("in transit %s, bank %s", tr, bk)
	}
	if n := e.Count("SELECT count(*) FROM ledger_transfers WHERE ref = ?", "payout:"+p.ID); n != 2 {
		t.Fatalf("%d transfers for the payout, want 2 (out, paid)", n)
	}
	// Others cannot see it.
	if _, err := e.Payouts.Get(e.Ctx, e.Buyer.Actor(), p.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("a buyer read the seller's payout: %v", err)
	}
}

// TestCallbackBeforeTheCallReturns: the bank's payout.succeeded arrives while
// the platform's call is still waiting for its answer; the late answer moves
// nothing back.
func TestCallbackBeforeTheCallReturns(t *testing.T) {
	t.Parallel()
	e, bank := setup(t)
	earn(t, e, "100.00")
	p, err := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("50.00"), PayPassword: ptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	bank.hook = func(bankbridge.PayoutInstruction, int) error {
		callback(e, "evt_early", p, true, "")
		return nil
	}
	if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Payouts.Get(e.Ctx, e.Seller.Actor(), p.ID)
	if got.State != payouts.Succeeded {
		t.Fatalf("state %s after an early callback and a late answer", got.State)
	}
	if tr := e.Balance(models.AccPayoutsInTransit); tr != "0.00" {
		t.Fatalf("in transit %s", tr)
	}
}

// TestTimeoutIsRetriedWithTheSameKey: no answer (the bank may have acted):
// the job fails and is retried with the same payout id as the key; the bank
// pays once.
func TestTimeoutIsRetriedWithTheSameKey(t *testing.T) {
	t.Parallel()
	e, bank := setup(t)
	earn(t, e, "100.00")
	p, _ := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("20.00"), PayPassword: ptest.PIN})
	bank.hook = func(_ bankbridge.PayoutInstruction, call int) error {
		if call == 1 {
			return fmt.Errorf("%w: timeout", bankbridge.ErrUnavailable)
		}
		return nil
	}
	if err := e.Payouts.Send(e.Ctx, p.ID); !errors.Is(err, bankbridge.ErrUnavailable) {
		t.Fatalf("first attempt: %v", err)
	}
	if got, _ := e.Payouts.Get(e.Ctx, e.Seller.Actor(), p.ID); got.State != payouts.Sending || got.Attempts != 1 {
		t.Fatalf("after a timeout: %s, %d attempts", got.State, got.Attempts)
	}
	// A reversal of nothing cannot cancel it any more: it may be paid.
	if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Payouts.Get(e.Ctx, e.Seller.Actor(), p.ID); got.State != payouts.Sent {
		t.Fatalf("after the retry: %s", got.State)
	}
	if len(bank.paid) != 1 || bank.calls != 2 {
		t.Fatalf("bank: %d payouts, %d calls", len(bank.paid), bank.calls)
	}
}

func TestFailedPayoutReturnsTheMoney(t *testing.T) {
	t.Parallel()
	e, bank := setup(t)
	earn(t, e, "100.00")
	avail := models.SellerAvailableAccount(e.Seller.ID)
	// Bounced later.
	p, _ := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("30.00"), PayPassword: ptest.PIN})
	if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	callback(e, "evt_fail", p, false, "account closed")
	callback(e, "evt_fail_again", p, false, "account closed")
	got, _ := e.Payouts.Get(e.Ctx, e.Seller.Actor(), p.ID)
	if got.State != payouts.Failed || got.Reason != "account closed" {
		t.Fatalf("after payout.failed: %s %q", got.State, got.Reason)
	}
	if b := e.Balance(avail); b != "99.40" {
		t.Fatalf("available %s after the bounce", b)
	}
	// A contradicting callback moves nothing and is flagged.
	callback(e, "evt_contra", p, true, "")
	if b := e.Balance(avail); b != "99.40" {
		t.Fatalf("available %s after a contradiction", b)
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'payout_contradiction'"); n != 1 {
		t.Fatalf("%d contradiction flags", n)
	}
	// Refused outright (422): failed at once, money back, nothing to wait for.
	bank.hook = func(bankbridge.PayoutInstruction, int) error {
		return &bankbridge.PayoutRefused{Code: "invalid_account"}
	}
	p2, _ := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("10.00"), PayPassword: ptest.PIN})
	if err := e.Payouts.Send(e.Ctx, p2.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Payouts.Get(e.Ctx, e.Seller.Actor(), p2.ID); got.State != payouts.Failed || got.Reason != "invalid_account" {
		t.Fatalf("refused: %s %q", got.State, got.Reason)
	}
	if b := e.Balance(avail); b != "99.40" {
		t.Fatalf("available %s after a refusal", b)
	}
}

func TestWithdrawalRules(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	earn(t, e, "100.00") // 99.40
	seller := e.Seller.Actor()
	for amount, field := range map[string]string{"0.99": "amount", "99.41": "amount"} {
		if _, err := e.Payouts.Withdraw(e.Ctx, seller, payouts.Withdrawal{Amount: models.MustParseMoney(amount), PayPassword: ptest.PIN}); models.ErrorField(err) != field {
			t.Errorf("%s: %v", amount, err)
		}
	}
	if _, err := e.Payouts.Withdraw(e.Ctx, seller, payouts.Withdrawal{Amount: models.MustParseMoney("10.00"), PayPassword: "000000"}); models.ErrorField(err) != "pay_password" {
		t.Fatalf("wrong payment password: %v", err)
	}
	if _, err := e.Payouts.Withdraw(e.Ctx, e.Operator.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("10.00")}); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("an operator withdrew: %v", err)
	}
	// The day's limit, counting what is already on its way.
	if _, err := e.Settings.Update(e.Ctx, e.Operator.Actor(), map[string]string{"payouts.daily_limit": "50.00"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Payouts.Withdraw(e.Ctx, seller, payouts.Withdrawal{Amount: models.MustParseMoney("40.00"), PayPassword: ptest.PIN}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Payouts.Withdraw(e.Ctx, seller, payouts.Withdrawal{Amount: models.MustParseMoney("10.01"), PayPassword: ptest.PIN}); models.ErrorField(err) != "amount" {
		t.Fatalf("over the daily limit: %v", err)
	}
	e.Clock.Advance(24 * time.Hour)
	if _, err := e.Payouts.Withdraw(e.Ctx, seller, payouts.Withdrawal{Amount: models.MustParseMoney("50.00"), PayPassword: ptest.PIN}); err != nil {
		t.Fatalf("the next day: %v", err)
	}
	// A frozen seller withdraws nothing.
	if err := e.Auth.SetFrozen(e.Ctx, e.Operator.Actor(), e.Seller.ID, true, "investigation"); err != nil {
		t.Fatal(err)
	}
	frozen := seller
	frozen.Frozen = true
	if _, err := e.Payouts.Withdraw(e.Ctx, frozen, payouts.Withdrawal{Amount: models.MustParseMoney("1.00"), PayPassword: ptest.PIN}); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("frozen: %v", err)
	}
}

// TestConcurrentWithdrawalsNeverExceedTheBalance: many at once, each the
// whole balance: one succeeds.
func TestConcurrentWithdrawalsNeverExceedTheBalance(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	earn(t, e, "100.00")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("99.40"), PayPassword: ptest.PIN}); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 || e.Balance(models.SellerAvailableAccount(e.Seller.ID)) != "0.00" || e.Balance(models.AccPayoutsInTransit) != "99.40" {
		t.Fatalf("%d succeeded; in transit %s", ok, e.Balance(models.AccPayoutsInTransit))
	}
}

// TestBuyerWithdrawsTheWalletToOwnName and a claw-back left unpaid holds
// back what is owed.
func TestBuyerWithdrawsTheWalletToOwnName(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("80.00", ref)
	buyer := e.Buyer.Actor()
	if _, err := e.Payouts.Withdraw(e.Ctx, buyer, payouts.Withdrawal{Amount: models.MustParseMoney("10.00"), PayPassword: ptest.PIN}); models.ErrorField(err) != "account" {
		t.Fatalf("no account: %v", err)
	}
	p, err := e.Payouts.Withdraw(e.Ctx, buyer, payouts.Withdrawal{Amount: models.MustParseMoney("10.00"), Account: "6222 0202 0011 2233", PayPassword: ptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	if p.BeneficiaryName != e.Buyer.DisplayName || p.BeneficiaryAccount != "6222020200112233" || p.Source != models.WalletAccount(e.Buyer.ID) {
		t.Fatalf("payout %+v", p)
	}
	// A claw-back (a recalled payment, spent) holds back what is owed.
	e.DB.Exec(`INSERT INTO bank_reversals (reversal_txn_id, bank_txn_id, amount) VALUES ('RX', 'BX', 50)`)
	e.DB.Exec(`INSERT INTO clawbacks (reversal_txn_id, user_id, source, amount) VALUES ('RX', ?, ?, 50)`, e.Buyer.ID, models.WalletAccount(e.Buyer.ID))
	if w, _ := e.Payouts.Withdrawable(e.Ctx, buyer); w.String() != "20.00" {
		t.Fatalf("withdrawable %s, want 70.00 less 50.00 owed", w)
	}
	if _, err := e.Payouts.Withdraw(e.Ctx, buyer, payouts.Withdrawal{Amount: models.MustParseMoney("20.01"), Account: "6222020200112233", PayPassword: ptest.PIN}); models.ErrorField(err) != "amount" {
		t.Fatalf("beyond what is owed: %v", err)
	}
}

func TestStuckPayoutsAreFlaggedOnce(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	earn(t, e, "100.00")
	p, _ := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("10.00"), PayPassword: ptest.PIN})
	if n, _ := e.Payouts.FlagStuck(e.Ctx); n != 0 {
		t.Fatal("flagged at once")
	}
	e.Clock.Advance(payouts.StuckAfter + time.Minute)
	for range 2 {
		if _, err := e.Payouts.FlagStuck(e.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'payout_stuck' AND detail->>'payout_id' = ?", p.ID); n != 1 {
		t.Fatalf("%d stuck flags", n)
	}
}

// TestSuspenseReturnThroughThePayoutPath: paid back; or bounced and in the
// queue again; or recalled by the bank before it was sent (cancelled), or
// after (the platform's loss, flagged).
func TestSuspenseReturnThroughThePayoutPath(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	op := e.Operator.Actor()
	ret := func(txn string) *payouts.Payout {
		t.Helper()
		if err := e.Funding.MarkForReturn(e.Ctx, op, txn, "unknown payer"); err != nil {
			t.Fatal(err)
		}
		var id string
		e.DB.Raw("SELECT id FROM payouts WHERE bank_txn_id = ? ORDER BY created_at DESC LIMIT 1", txn).Scan(&id)
		p, err := e.Payouts.Get(e.Ctx, op, id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	state := func(txn string) string {
		var s string
		e.DB.Raw("SELECT suspense_state FROM bank_credits WHERE bank_txn_id = ?", txn).Scan(&s)
		return s
	}
	a := e.Credit("12.00", "")
	pa := ret(a)
	if pa.BeneficiaryAccount != "6222020200112233" || pa.Amount.String() != "12.00" || state(a) != "returning" {
		t.Fatalf("return payout %+v (%s)", pa, state(a))
	}
	if err := e.Payouts.Send(e.Ctx, pa.ID); err != nil {
		t.Fatal(err)
	}
	callback(e, "evt_ra", pa, true, "")
	if state(a) != "returned" || e.Balance(models.AccSuspense) != "0.00" || e.Balance(models.AccBankCollection) != "0.00" {
		t.Fatalf("after paying back: %s, suspense %s, bank %s", state(a), e.Balance(models.AccSuspense), e.Balance(models.AccBankCollection))
	}

	b := e.Credit("7.00", "")
	pb := ret(b)
	_ = e.Payouts.Send(e.Ctx, pb.ID)
	callback(e, "evt_rb", pb, false, "account closed")
	if state(b) != "open" || e.Balance(models.AccSuspense) != "7.00" {
		t.Fatalf("after a bounced return: %s, suspense %s", state(b), e.Balance(models.AccSuspense))
	}

	// Recalled before the return was sent: cancelled, taken from suspense.
	c := e.Credit("5.00", "")
	pc := ret(c)
	e.Deliver("evt_rc", bankbridge.TransferReversed, bankbridge.Reversed{BankTxnID: c, ReversalTxnID: "RC", Amount: models.MustParseMoney("5.00")})
	if got, _ := e.Payouts.Get(e.Ctx, op, pc.ID); got.State != payouts.Failed {
		t.Fatalf("the return was not cancelled: %s", got.State)
	}
	if err := e.Payouts.Send(e.Ctx, pc.ID); err != nil { // its job, late: nothing to send
		t.Fatal(err)
	}
	if e.Balance(models.AccExpenseBadDebt) != "0.00" || e.Balance(models.AccPayoutsInTransit) != "0.00" || state(c) != "reversed" {
		t.Fatalf("after a recall of a return not sent: bad debt %s, in transit %s, %s", e.Balance(models.AccExpenseBadDebt),
			e.Balance(models.AccPayoutsInTransit), state(c))
	}

	// Recalled after it was paid back: the payer has it twice; the platform
	// bears it and an operator is told.
	e.Deliver("evt_ra2", bankbridge.TransferReversed, bankbridge.Reversed{BankTxnID: a, ReversalTxnID: "RA", Amount: models.MustParseMoney("12.00")})
	if e.Balance(models.AccExpenseBadDebt) != "12.00" {
		t.Fatalf("bad debt %s", e.Balance(models.AccExpenseBadDebt))
	}
	if n := e.Count("SELECT count(*) FROM risk_flags WHERE kind = 'reversal_after_return'"); n != 1 {
		t.Fatalf("%d reversal-after-return flags", n)
	}
}
