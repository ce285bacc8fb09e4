package web

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"lineescrow/app/books"
	"lineescrow/app/ledger"
	"lineescrow/app/payouts"
	"lineescrow/app/recon"
	"lineescrow/models"
	"lineescrow/views"
)

// The books pages' view models, built from the services' answers with no
// database, every field compared.

func TestBooksVM(t *testing.T) {
	m := models.MustParseMoney
	at := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	d := &books.Dashboard{Kinds: []books.KindTotal{{Kind: models.Asset, Total: m("5.00"), Accounts: 1}, {Kind: models.Liability, Total: m("5.00"), Accounts: 3}},
		TotalsAt: at, Negative: []ledger.Negative{{Code: "wallet:2", Balance: models.Zero.Sub(m("1.00"))}}, Checked: true, Findings: "x",
		Journal: ledger.Head{Seq: 7, TransferID: 9, Hash: "ab12", SealedAt: at, Unsealed: 2}}
	want := views.BooksVM{Kinds: []views.KindLine{{Kind: "asset", Total: m("5.00"), Accounts: 1}, {Kind: "liability", Total: m("5.00"), Accounts: 3}},
		TotalsAt: at, Negative: []views.NegativeLine{{Code: "wallet:2", Balance: models.Zero.Sub(m("1.00"))}}, Checked: true, Findings: "x",
		Journal: views.JournalHead{Seq: 7, TransferID: 9, Hash: "ab12", Anchor: "7:ab12", SealedAt: at, Unsealed: 2}}
	if got := booksVM(d); !reflect.DeepEqual(got, want) {
		t.Errorf("booksVM =\n%+v\nwant\n%+v", got, want)
	}
}

func TestReconVM(t *testing.T) {
	m := func(s string) *models.Money { v := models.MustParseMoney(s); return &v }
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	started := day.Add(26 * time.Hour)
	booked := day.Add(10 * time.Hour)
	detail, _ := json.Marshal(map[string]any{"direction": "debit", "reference": "bank fee", "counterparty": "菏泽工行", "booked_at": booked})
	r := &recon.Report{Yesterday: "2026-11-29",
		Runs: []recon.Run{{ID: 3, Day: day, StartedAt: started, Status: "breaks", ClosingBalance: m("59.00"), LedgerBalance: m("60.00"),
			Lines: 2, Matched: 1, Booked: 1, Breaks: 2, Error: ""}},
		Breaks: []recon.Break{{ID: 8, RunID: 3, Day: day, Kind: recon.UnknownLine, BankTxnID: "BFEE", Actual: m("1.00"), Detail: detail, Status: "open"},
			{ID: 9, RunID: 3, Day: day, Kind: recon.BalanceDifference, Expected: m("59.00"), Actual: m("60.00"), Detail: json.RawMessage(`{}`)}}}
	got := reconVM(r)
	want := views.ReconVM{RunForm: views.NewForm(),
		Runs: []views.ReconRun{{ID: 3, Day: "2026-11-29", Status: "breaks", Lines: 2, Matched: 1, Booked: 1, Breaks: 2, Closing: m("59.00"),
			Ledger: m("60.00"), StartedAt: started}},
		Breaks: []views.ReconBreak{{ID: 8, Day: "2026-11-29", Kind: "unknown_line", BankTxnID: "BFEE", Actual: m("1.00"), Direction: "debit",
			Reference: "bank fee", Counterparty: "菏泽工行", BookedAt: booked},
			{ID: 9, Day: "2026-11-29", Kind: "balance_difference", Expected: m("59.00"), Actual: m("60.00")}}}
	want.RunForm.Values["date"] = "2026-11-29"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reconVM =\n%+v\nwant\n%+v", got, want)
	}
}

func TestPayoutsVM(t *testing.T) {
	m := models.MustParseMoney
	created := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	settled := created.Add(time.Hour)
	seller, txn := int64(4), "B77"
	page := &payouts.Queue{
		Waiting: []payouts.Line{{Payout: payouts.Payout{ID: "PO1", UserID: &seller, Amount: m("10.00"), State: payouts.Sent, BeneficiaryName: "王建国",
			BeneficiaryAccount: "6217000011112222", Attempts: 2, CreatedAt: created}, Owner: &payouts.Owner{ID: 4, Name: "王建国", Role: models.RoleSeller},
			Waited: 25 * time.Hour, Stuck: true}},
		Recent: []payouts.Line{{Payout: payouts.Payout{ID: "PO2", BankTxnID: &txn, Amount: m("7.00"), State: payouts.Failed, Reason: "account closed",
			BeneficiaryName: "张伟", BeneficiaryAccount: "6222020200112233", CreatedAt: created, SettledAt: &settled}}},
	}
	got := payoutsVM(page, payoutsQuery{Open: false, ID: "PO2"})
	want := views.OpsPayoutsVM{ID: "PO2", StuckAfter: payouts.StuckAfter,
		Waiting: []views.OpsPayoutRow{{ID: "PO1", Amount: m("10.00"), State: "sent", OwnerID: 4, Owner: "王建国", OwnerRole: "seller",
			Beneficiary: "王建国", Account: "6217000011112222", Attempts: 2, CreatedAt: created, Waited: 25 * time.Hour, Stuck: true}},
		Recent: []views.OpsPayoutRow{{ID: "PO2", Amount: m("7.00"), State: "failed", ReturnOf: "B77", Beneficiary: "张伟", Account: "6222020200112233",
			Reason: "account closed", CreatedAt: created, SettledAt: settled}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("payoutsVM =\n%+v\nwant\n%+v", got, want)
	}
}
