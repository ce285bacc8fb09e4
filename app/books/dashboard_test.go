package books_test

import (
	"context"
	"strings"
	"testing"

	"lineescrow/app/ledger"
	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

type okBank struct{}

func (okBank) Payout(context.Context, bankbridge.PayoutInstruction) error { return nil }

// trade runs the books through a sale, a payout, a refund and a transfer
// nobody could match: bank 105.00 = liabilities 104.40 + fees 0.60.
func trade(t *testing.T, e *ptest.Env) {
	t.Helper()
	e.Payouts.Bank = okBank{}
	seller, buyer := e.Seller.Actor(), e.Buyer.Actor()
	sold := e.Checkout(e.Buyer, e.Listing("100.00", 5), 1)
	e.Credit("100.00", sold.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, seller, sold.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, buyer, sold.ID, ptest.PIN); err != nil {
		t.Fatal(err) // 0.60 commission, 99.40 to the seller
	}
	p, err := e.Payouts.Withdraw(e.Ctx, seller, payouts.Withdrawal{Amount: models.MustParseMoney("50.00"), PayPassword: ptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_paid_"+p.ID, bankbridge.PayoutSucceeded, bankbridge.Payout{PayoutID: p.ID, BankTxnID: "PB1", Amount: p.Amount})
	refunded := e.Checkout(e.Buyer, e.Listing("40.00", 5), 1)
	e.Credit("40.00", refunded.PayReference)
	if _, err := e.Orders.RequestRefund(e.Ctx, buyer, refunded.ID, models.MustParseMoney("40.00"), "changed my mind"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AcceptRefund(e.Ctx, seller, refunded.ID, ptest.PIN); err != nil {
		t.Fatal(err) // 40.00 back on the buyer's balance
	}
	e.Credit("15.00", "no reference at all")
	if err := ledger.RefreshTotals(e.Ctx, e.DB.DB); err != nil {
		t.Fatal(err)
	}
}

func TestDashboardTotalsByKind(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	trade(t, e)
	d, err := e.Books.DashboardOf(e.Ctx, e.Operator.Actor(), false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[models.AccountKind]string{}
	var order []models.AccountKind
	for _, k := range d.Kinds {
		got[k.Kind] = k.Total.String()
		order = append(order, k.Kind)
	}
	want := map[models.AccountKind]string{models.Asset: "105.00", models.Liability: "104.40", models.Revenue: "0.60",
		models.Expense: "0.00", models.Equity: "0.00"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %s, want %s", k, got[k], w)
		}
	}
	if len(order) != 5 || order[0] != models.Asset || order[4] != models.Equity {
		t.Errorf("kinds in the order %v", order)
	}
	if !d.Balanced() || !d.ZeroSum.IsZero() || d.TotalsAt.IsZero() || len(d.Negative) != 0 || d.Checked {
		t.Fatalf("dashboard %+v", d)
	}
	// The kinds and the classes are the figures of one moment.
	totals, err := ledger.Totals(e.Ctx, e.DB.DB)
	if err != nil {
		t.Fatal(err)
	}
	for class, tot := range totals {
		if !tot.TakenAt.Equal(d.TotalsAt) {
			t.Errorf("%s summed at %v, the kinds at %v", class, tot.TakenAt, d.TotalsAt)
		}
	}
	if w := totals["wallet"]; w.Total.String() != "40.00" || w.Accounts != 1 {
		t.Errorf("wallets %+v", w)
	}
	if r := totals[ledger.KindClass(models.Revenue)]; r.Accounts != 1 {
		t.Errorf("revenue accounts %+v", r)
	}
	// With the check, the whole ledger too.
	d, err = e.Books.DashboardOf(e.Ctx, e.Operator.Actor(), true)
	if err != nil || !d.Checked || d.Findings != "" {
		t.Fatalf("checked dashboard %+v %v", d, err)
	}
}

// TestDashboardBeforeTheFirstSum: kinds not summed yet (the job has not run
// since the upgrade) are summed on the first visit.
func TestDashboardBeforeTheFirstSum(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	e.Credit("12.00", "")
	if err := e.DB.Exec("DELETE FROM ledger_totals WHERE class LIKE 'kind:%'").Error; err != nil {
		t.Fatal(err)
	}
	d, err := e.Books.DashboardOf(e.Ctx, e.Operator.Actor(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Kinds) != 5 || d.Kinds[0].Total.String() != "12.00" || !d.Balanced() || d.TotalsAt.IsZero() {
		t.Fatalf("dashboard %+v", d)
	}
}

// TestCheapChecksFindWhatWasWrittenBehindTheLedger: a negative balance
// written straight into the table (with the database's guard dropped) shows
// on the next visit, the zero sum breaks at the next summing, and the whole
// check names both.
func TestCheapChecksFindWhatWasWrittenBehindTheLedger(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	trade(t, e)
	op := e.Operator.Actor()
	wallet := models.WalletAccount(e.Buyer.ID)
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := e.DB.Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	exec("ALTER TABLE ledger_balances DROP CONSTRAINT ledger_balance_not_negative")
	exec(`UPDATE ledger_balances SET balance = balance - 100 WHERE account_id = (SELECT id FROM ledger_accounts WHERE code = ?)`, wallet)
	d, err := e.Books.DashboardOf(e.Ctx, op, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Negative) != 1 || d.Negative[0].Code != wallet || d.Negative[0].Balance.String() != "-60.00" {
		t.Fatalf("negative accounts %+v", d.Negative)
	}
	if !d.Balanced() {
		t.Fatal("the totals summed before the write do not balance")
	}
	if err := ledger.RefreshTotals(e.Ctx, e.DB.DB); err != nil {
		t.Fatal(err)
	}
	if d, err = e.Books.DashboardOf(e.Ctx, op, true); err != nil {
		t.Fatal(err)
	}
	if d.Balanced() || d.ZeroSum.String() != "100.00" {
		t.Fatalf("zero sum %s after a liability lost 100.00", d.ZeroSum)
	}
	if !strings.Contains(d.Findings, "constrained account "+wallet+" is negative") || !strings.Contains(d.Findings, "account "+wallet+" balance -60.00") {
		t.Fatalf("the whole check found %q", d.Findings)
	}
	// Put it back, so the test's own check of the books passes.
	exec(`UPDATE ledger_balances SET balance = balance + 100 WHERE account_id = (SELECT id FROM ledger_accounts WHERE code = ?)`, wallet)
	exec("ALTER TABLE ledger_balances ADD CONSTRAINT ledger_balance_not_negative CHECK (NOT constrained OR balance >= 0)")
	if d, err = e.Books.DashboardOf(e.Ctx, op, true); err != nil || len(d.Negative) != 0 || d.Findings != "" {
		t.Fatalf("after the repair: %+v %v", d, err)
	}
}

// TestOverviewCountsPayoutsAndBreaks: the overview's queues include the
// payouts waiting for the bank (and those stuck) and the open breaks.
func TestOverviewCountsPayoutsAndBreaks(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("30.00", ref)
	e.Payouts.Bank = okBank{}
	for range 2 {
		if _, err := e.Payouts.Withdraw(e.Ctx, e.Buyer.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("10.00"),
			Account: "6222020200112233", PayPassword: ptest.PIN}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.DB.Exec("UPDATE payouts SET created_at = created_at - interval '25 hours' WHERE id = (SELECT min(id) FROM payouts)").Error; err != nil {
		t.Fatal(err)
	}
	if err := e.DB.Exec(`INSERT INTO recon_runs (day, status) VALUES (current_date - 1, 'breaks');
		INSERT INTO recon_breaks (run_id, day, kind, bank_txn_id) SELECT id, day, 'unknown_line', 'BX' FROM recon_runs`).Error; err != nil {
		t.Fatal(err)
	}
	ov, err := e.Books.Overview(e.Ctx, e.Operator.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if ov.Payouts != 2 || ov.Stuck != 1 || ov.Breaks != 1 {
		t.Fatalf("overview: %d payouts, %d stuck, %d breaks", ov.Payouts, ov.Stuck, ov.Breaks)
	}
}
