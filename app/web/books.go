package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/books"
	"lineescrow/app/payouts"
	"lineescrow/app/recon"
	"lineescrow/models"
	"lineescrow/views"
)

// The operators' books pages: the books' dashboard, the reconciliation with
// the bank and the payouts queue. Each reads one service call; a pure
// builder below turns its answer into the page's view model.

// booksPages adds the pages' routes to the operators' group.
func (s *Server) booksPages(og *echo.Group) {
	og.GET("/books", s.opsBooks)
	og.GET("/books/journal", s.opsJournalExport)
	og.GET("/recon", s.opsRecon)
	og.GET("/payouts", s.opsPayouts)
}

func (s *Server) opsBooks(c echo.Context) error {
	d, err := s.Books.DashboardOf(c.Request().Context(), actor(c), c.QueryParam("check") != "")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.BooksPage(booksVM(d)))
}

// opsJournalExport downloads the journal's head as a small JSON file, the
// same answer as GET /api/v1/ops/books/journal.
func (s *Server) opsJournalExport(c echo.Context) error {
	e, err := s.Books.ExportJournal(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	out := journalExportOf(e, time.Now())
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="lineescrow-journal-head-%d.json"`, out.Seq))
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSONPretty(http.StatusOK, out, "  ")
}

func booksVM(d *books.Dashboard) views.BooksVM {
	vm := views.BooksVM{TotalsAt: d.TotalsAt, ZeroSum: d.ZeroSum, Checked: d.Checked, Findings: d.Findings,
		Journal: views.JournalHead{Seq: d.Journal.Seq, TransferID: d.Journal.TransferID, Hash: d.Journal.Hash,
			Anchor: d.Journal.Anchor(), SealedAt: d.Journal.SealedAt, Unsealed: d.Journal.Unsealed}}
	for _, k := range d.Kinds {
		vm.Kinds = append(vm.Kinds, views.KindLine{Kind: string(k.Kind), Total: k.Total, Accounts: k.Accounts})
	}
	for _, n := range d.Negative {
		vm.Negative = append(vm.Negative, views.NegativeLine{Code: n.Code, Balance: n.Balance})
	}
	return vm
}

func (s *Server) opsRecon(c echo.Context) error { return s.reconPage(c, http.StatusOK, nil, 0) }

// reconAgain shows the reconciliation page again with a refused form's
// error beside its field: the clear form of break clearID, or the run form.
func (s *Server) reconAgain(c echo.Context, err error, clearID int64) error {
	return s.reconPage(c, statusFor(err), err, clearID)
}

func (s *Server) reconPage(c echo.Context, status int, refused error, clearID int64) error {
	r, err := s.Recon.ReportOf(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	vm := reconVM(r)
	if refused != nil {
		f := views.FormFrom(formParams(c))
		if e := fillForm(c, f, refused); e != nil {
			return e
		}
		if clearID > 0 {
			vm.ClearID, vm.ClearForm = clearID, f
		} else {
			vm.RunForm = f
		}
	}
	return render(c, status, views.ReconPage(vm))
}

func reconVM(r *recon.Report) views.ReconVM {
	vm := views.ReconVM{RunForm: views.NewForm()}
	vm.RunForm.Values["date"] = r.Yesterday
	for _, run := range r.Runs {
		vm.Runs = append(vm.Runs, views.ReconRun{ID: run.ID, Day: run.Day.UTC().Format("2006-01-02"), Status: run.Status,
			Lines: run.Lines, Matched: run.Matched, Booked: run.Booked, Breaks: run.Breaks, Closing: run.ClosingBalance,
			Ledger: run.LedgerBalance, StartedAt: run.StartedAt, Error: run.Error})
	}
	for _, b := range r.Breaks {
		f := b.Facts()
		rb := views.ReconBreak{ID: b.ID, Day: b.Day.UTC().Format("2006-01-02"), Kind: string(b.Kind),
			BankTxnID: b.BankTxnID, Expected: b.Expected, Actual: b.Actual, Direction: f.Direction, Reference: f.Reference,
			Counterparty: f.Counterparty, BookedAt: f.BookedAt, Cycle: b.Cycle}
		if b.Cycle != "" {
			var d struct {
				Why     string `json:"why"`
				OrderID int64  `json:"order_id"`
				Report  string `json:"report"`
				Ours    string `json:"ours"`
			}
			_ = json.Unmarshal(b.Detail, &d)
			rb.Why, rb.OrderID, rb.Report, rb.Ours = d.Why, d.OrderID, d.Report, d.Ours
		}
		vm.Breaks = append(vm.Breaks, rb)
	}
	return vm
}

// payoutsQuery is the payouts queue's query, on the page and in the API.
type payoutsQuery struct {
	Open bool   `json:"open" doc:"true: only the payouts waiting for the bank's result"`
	ID   string `json:"id" doc:"only this payout"`
}

func (s *Server) payoutsQueue(c echo.Context) (*payouts.Queue, payoutsQuery, error) {
	var q payoutsQuery
	if err := decodeQuery(c, &q); err != nil {
		return nil, q, err
	}
	page, err := s.Payouts.QueueOf(c.Request().Context(), actor(c), payouts.QueueQuery{OpenOnly: q.Open, ID: q.ID})
	return page, q, err
}

func (s *Server) opsPayouts(c echo.Context) error {
	page, q, err := s.payoutsQueue(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.OpsPayoutsPage(payoutsVM(page, q)))
}

func payoutsVM(page *payouts.Queue, q payoutsQuery) views.OpsPayoutsVM {
	vm := views.OpsPayoutsVM{ID: q.ID, OpenOnly: q.Open, StuckAfter: payouts.StuckAfter}
	row := func(l payouts.Line) views.OpsPayoutRow {
		r := views.OpsPayoutRow{ID: l.ID, Amount: l.Amount, State: string(l.State), Beneficiary: l.BeneficiaryName,
			Account: l.BeneficiaryAccount, Reason: l.Reason, Attempts: l.Attempts, CreatedAt: l.CreatedAt, Waited: l.Waited, Stuck: l.Stuck}
		if l.Owner != nil {
			r.OwnerID, r.Owner, r.OwnerRole = l.Owner.ID, l.Owner.Name, string(l.Owner.Role)
		}
		if l.BankTxnID != nil {
			r.ReturnOf = *l.BankTxnID
		}
		r.Biller, _ = strings.CutPrefix(l.Source, "biller:")
		if r.Biller == l.Source {
			r.Biller = ""
		}
		if l.SettledAt != nil {
			r.SettledAt = *l.SettledAt
		}
		return r
	}
	for _, l := range page.Waiting {
		vm.Waiting = append(vm.Waiting, row(l))
	}
	for _, l := range page.Recent {
		vm.Recent = append(vm.Recent, row(l))
	}
	return vm
}

// explorerLines are the ledger explorer's postings: each with its account
// and the reference of its transfer (which the page links).
func explorerLines(moves []models.Movement) []views.LedgerLine {
	out := make([]views.LedgerLine, 0, len(moves))
	for _, m := range moves {
		out = append(out, views.LedgerLine{At: m.At, Kind: m.Kind, Ref: m.Ref, Account: m.Account, Direction: string(m.Direction), Amount: m.Amount})
	}
	return out
}
