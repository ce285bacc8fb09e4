package recon_test

import (
	"testing"
	"time"

	"lineescrow/app/platform/ptest"
	"lineescrow/app/recon"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// TestReportSaysWhatEachBreakIs: the report carries each break's statement
// line (direction, memo, counterparty, booking time), the day the daily job
// would run, and the count of open breaks the overview shows.
func TestReportSaysWhatEachBreakIs(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	day := time.Now().UTC().AddDate(0, 0, -2)
	at := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, time.UTC)
	e.Recon.Bank = &statementBank{st: bankbridge.Statement{ClosingBalance: models.MustParseMoney("99.00"),
		Lines: []bankbridge.StatementLine{line("BFEE", "debit", "1.00", "bank fee", at)}}}
	if _, err := e.Recon.Reconcile(e.Ctx, e.Operator.Actor(), at.Format("2006-01-02")); err != nil {
		t.Fatal(err)
	}
	r, err := e.Recon.ReportOf(e.Ctx, e.Operator.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if want := e.Clock.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"); r.Yesterday != want {
		t.Fatalf("yesterday %s, want %s", r.Yesterday, want)
	}
	byKind := map[recon.BreakKind]recon.Break{}
	for _, b := range r.Breaks {
		byKind[b.Kind] = b
	}
	fee, ok := byKind[recon.UnknownLine]
	if !ok || len(r.Breaks) != 2 {
		t.Fatalf("breaks %+v", r.Breaks)
	}
	if f := fee.Facts(); f.Direction != "debit" || f.Reference != "bank fee" || f.Counterparty != "张伟" || !f.BookedAt.Equal(at) {
		t.Fatalf("facts of the unknown line: %+v", f)
	}
	bal := byKind[recon.BalanceDifference]
	if f := bal.Facts(); f != (recon.Facts{}) || bal.Expected.String() != "99.00" || bal.Actual.String() != "0.00" {
		t.Fatalf("the balance difference: %+v, facts %+v", bal, f)
	}
	if n, err := e.Recon.OpenBreaks(e.Ctx); err != nil || n != 2 {
		t.Fatalf("open breaks %d %v", n, err)
	}
	if err := e.Recon.Clear(e.Ctx, e.Operator.Actor(), fee.ID, "the bank's fee, booked by finance"); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.Recon.OpenBreaks(e.Ctx); n != 1 {
		t.Fatalf("open breaks after clearing one: %d", n)
	}
}
