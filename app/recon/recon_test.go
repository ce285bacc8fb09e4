package recon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// statementBank serves a fixed statement.
type statementBank struct{ st bankbridge.Statement }

func (b *statementBank) Statement(_ context.Context, day string) (*bankbridge.Statement, error) {
	s := b.st
	s.Date = day
	return &s, nil
}

type okBank struct{}

func (okBank) Payout(context.Context, bankbridge.PayoutInstruction) error { return nil }

func line(txn, dir, amount, ref string, at time.Time) bankbridge.StatementLine {
	return bankbridge.StatementLine{BankTxnID: txn, Direction: dir, Amount: models.MustParseMoney(amount), Reference: ref,
		CounterpartyAccount: "6222020200112233", CounterpartyName: "张伟", BookedAt: at}
}

func TestReconciliation(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	e.Payouts.Bank = okBank{}
	day := time.Now().UTC().Add(-48 * time.Hour)
	at := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, time.UTC)
	dayText := at.Format("2006-01-02")

	// What the platform heard of: an order paid by transfer.
	o := e.Checkout(e.Buyer, e.Listing("100.00", 5), 1)
	known := "BKNOWN1"
	data, _ := json.Marshal(bankbridge.Received{BankTxnID: known, Amount: models.MustParseMoney("100.00"),
		Currency: "CNY", Reference: o.PayReference, PayerAccount: "6222020200112233", PayerName: "张伟"})
	body, _ := json.Marshal(bankbridge.Event{ID: "evt_known", Type: bankbridge.TransferReceived, CreatedAt: at, Data: data})
	if _, err := e.Funding.Receive(e.Ctx, "evt_known", body); err != nil { // sent by the bank on that day
		t.Fatal(err)
	}
	// A second order whose callback never came: only the statement has it.
	o2 := e.Checkout(e.Buyer2, e.Listing("60.00", 5), 1)

	bank := &statementBank{st: bankbridge.Statement{OpeningBalance: models.Zero, ClosingBalance: models.MustParseMoney("159.00"),
		Lines: []bankbridge.StatementLine{
			line(known, "credit", "100.00", o.PayReference, at),
			line("BMISSED", "credit", "60.00", o2.PayReference, at.Add(time.Hour)),
			line("BUNKNOWN", "debit", "1.00", "bank fee", at.Add(2*time.Hour)),
		}}}
	e.Recon.Bank = bank
	run, err := e.Recon.Reconcile(e.Ctx, e.Operator.Actor(), dayText)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "breaks" || run.Lines != 3 || run.Matched != 1 || run.Booked != 1 || run.Breaks != 2 {
		t.Fatalf("run %+v", run)
	}
	// The missed credit was booked as its callback would have: the order is paid.
	if got := e.Order(o2.ID); got.State != models.Paid || got.Funding != models.FundingBank {
		t.Fatalf("the missed credit's order: %s", got.State)
	}
	if n := e.Count("SELECT count(*) FROM bank_credits WHERE bank_txn_id = 'BMISSED' AND outcome = 'order_paid'"); n != 1 {
		t.Fatal("the missed credit is not recorded")
	}
	// The bank's fee nobody knows: a break; and so the ledger's 160.00 at the
	// end of the day against the statement's 159.00.
	report, err := e.Recon.ReportOf(e.Ctx, e.Operator.Actor())
	if err != nil || len(report.Breaks) != 2 {
		t.Fatalf("breaks %+v %v", report, err)
	}
	kinds := map[string]string{}
	for _, b := range report.Breaks {
		kinds[string(b.Kind)] = b.BankTxnID
	}
	if kinds["unknown_line"] != "BUNKNOWN" || len(kinds) != 2 {
		t.Fatalf("breaks %v", kinds)
	}
	if _, ok := kinds["balance_difference"]; !ok || run.LedgerBalance == nil || run.LedgerBalance.String() != "160.00" {
		t.Fatalf("balance: %v, ledger %v", kinds, run.LedgerBalance)
	}

	// Run again: nothing booked twice, no break repeated.
	run2, err := e.Recon.Reconcile(e.Ctx, e.Operator.Actor(), dayText)
	if err != nil {
		t.Fatal(err)
	}
	if run2.Booked != 0 || run2.Matched != 2 || run2.Breaks != 0 || run2.Status != "breaks" {
		t.Fatalf("second run %+v", run2)
	}
	if n := e.Count("SELECT count(*) FROM recon_breaks WHERE status = 'open'"); n != 2 {
		t.Fatalf("%d open breaks after a rerun", n)
	}
	if b := e.Balance(models.AccBankCollection); b != "160.00" {
		t.Fatalf("bank:collection %s after two runs", b)
	}

	// An amount that differs from the ledger's.
	bank.st.Lines = []bankbridge.StatementLine{line(known, "credit", "101.00", o.PayReference, at)}
	if _, err := e.Recon.Reconcile(e.Ctx, e.Operator.Actor(), dayText); err != nil {
		t.Fatal(err)
	}
	if n := e.Count("SELECT count(*) FROM recon_breaks WHERE kind = 'amount_mismatch' AND bank_txn_id = ? AND expected = 100 AND actual = 101", known); n != 1 {
		t.Fatalf("%d amount breaks", n)
	}

	// Clearing a break needs a note, and is audited.
	var id int64
	e.DB.Raw("SELECT id FROM recon_breaks WHERE kind = 'unknown_line'").Scan(&id)
	if err := e.Recon.Clear(e.Ctx, e.Operator.Actor(), id, ""); models.ErrorField(err) != "note" {
		t.Fatalf("clear without a note: %v", err)
	}
	if err := e.Recon.Clear(e.Ctx, e.Buyer.Actor(), id, "x"); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a buyer cleared a break: %v", err)
	}
	if err := e.Recon.Clear(e.Ctx, e.Operator.Actor(), id, "the bank's monthly fee; booked by finance"); err != nil {
		t.Fatal(err)
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action = 'recon.clear' AND target = ?", fmt.Sprintf("recon_break:%d", id)); n != 1 {
		t.Fatal("clearing is not audited")
	}
	if _, err := e.Recon.Reconcile(e.Ctx, e.Buyer.Actor(), dayText); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a buyer reconciled: %v", err)
	}
	if _, err := e.Recon.Reconcile(e.Ctx, e.Operator.Actor(), "yesterday"); models.ErrorField(err) != "date" {
		t.Fatalf("a bad date: %v", err)
	}
}

// TestReconBooksMissedPayoutsAndReversals: a payout whose result never came
// and a reversal whose callback never came are booked from the statement.
func TestReconBooksMissedPayoutsAndReversals(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	e.Payouts.Bank = okBank{}
	at := time.Now().UTC().Add(-time.Hour)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Deliver("evt_top", bankbridge.TransferReceived, bankbridge.Received{BankTxnID: "BTOP", Amount: models.MustParseMoney("80.00"),
		Currency: "CNY", Reference: ref})
	e.Deliver("evt_top2", bankbridge.TransferReceived, bankbridge.Received{BankTxnID: "BTOP2", Amount: models.MustParseMoney("20.00"),
		Currency: "CNY", Reference: ref})
	p, err := e.Payouts.Withdraw(e.Ctx, e.Buyer.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("30.00"), Account: "6222020200112233",
		PayPassword: ptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	e.Recon.Bank = &statementBank{st: bankbridge.Statement{ClosingBalance: models.MustParseMoney("50.00"), Lines: []bankbridge.StatementLine{
		line("BTOP", "credit", "80.00", ref, at),
		line("BTOP2", "credit", "20.00", ref, at),
		line("PPAID1", "debit", "30.00", p.Memo, at),
		line("RREV1", "debit", "20.00", "REVERSAL BTOP2", at),
	}}}
	run, err := e.Recon.Reconcile(e.Ctx, models.System, at.Format("2006-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	if run.Booked != 2 || run.Breaks != 0 || run.Status != "clean" {
		t.Fatalf("run %+v", run)
	}
	if got, _ := e.Payouts.Get(e.Ctx, e.Buyer.Actor(), p.ID); got.State != payouts.Succeeded || got.PaidTxnID == nil || *got.PaidTxnID != "PPAID1" {
		t.Fatalf("the payout after reconciliation: %+v", got)
	}
	if w, b := e.Balance(models.WalletAccount(e.Buyer.ID)), e.Balance(models.AccBankCollection); w != "50.00" || b != "50.00" {
		t.Fatalf("wallet %s, bank %s", w, b)
	}
}
