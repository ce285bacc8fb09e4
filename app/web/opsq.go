package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/funding"
	"lineescrow/app/risk"
	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) opsHome(c echo.Context) error {
	if s.Books == nil {
		return c.Redirect(http.StatusSeeOther, "/ops/users")
	}
	ctx := c.Request().Context()
	ov, err := s.Books.Overview(ctx, actor(c))
	if err != nil {
		return err
	}
	q := ov.Queues
	vm := views.OpsHomeVM{Disputes: q.Disputes, Suspense: q.Suspense, Flags: q.Flags, Review: q.Review, Clawbacks: q.Clawbacks,
		Payouts: ov.Payouts, Stuck: ov.Stuck, Breaks: ov.Breaks,
		Bank: ov.Bank, SuspenseM: ov.Suspense, Fees: ov.Fees, BadDebt: ov.BadDebt, Escrow: ov.Escrow, Wallets: ov.Wallets,
		TotalsAt: ov.TotalsAt}
	return render(c, http.StatusOK, views.OpsHomePage(vm))
}

func (s *Server) suspenseVM(c echo.Context, f *views.Form) (views.SuspenseVM, error) {
	credits, err := s.Funding.Credits(c.Request().Context(), actor(c), true, 200)
	if err != nil {
		return views.SuspenseVM{}, err
	}
	vm := views.SuspenseVM{Form: f}
	for _, cr := range credits {
		st := ""
		if cr.SuspenseState != nil {
			st = string(*cr.SuspenseState)
		}
		vm.Credits = append(vm.Credits, views.SuspenseRow{BankTxnID: cr.BankTxnID, Amount: cr.Amount, Reference: cr.Reference,
			PayerName: cr.PayerName, PayerAccount: cr.PayerAccount, At: cr.CreatedAt, State: st, Note: cr.SuspenseNote})
	}
	return vm, nil
}

// suspenseQuery is the search of the suspense page: which transfer's, for
// what, and the note the assignment will carry.
type suspenseQuery struct {
	Txn  string `json:"txn"`
	Q    string `json:"q"`
	Note string `json:"note"`
}

// opsSuspense is the suspense queue; with ?txn= it opens that transfer's
// search (?q=, suggestions without), its results under the transfer.
func (s *Server) opsSuspense(c echo.Context) error {
	vm, err := s.suspenseVM(c, views.NewForm())
	if err != nil {
		return err
	}
	var q suspenseQuery
	if err := decodeQuery(c, &q); err != nil {
		return err
	}
	status := http.StatusOK
	if q.Txn != "" {
		vm.Search = &views.SuspenseSearch{Txn: q.Txn, Query: q.Q, Note: q.Note}
		found, err := s.Funding.SuspenseCandidates(c.Request().Context(), actor(c), q.Txn, q.Q)
		switch {
		case models.ErrorCode(err) == models.EINVALID:
			vm.Search.Error, status = views.ErrorText(c.Request().Context(), err), http.StatusUnprocessableEntity
			if c.Request().Header.Get("HX-Request") == "true" {
				status = http.StatusOK // htmx swaps only what succeeds: the hint replaces the old results
			}
		case models.ErrorCode(err) == models.ENOTFOUND || models.ErrorCode(err) == models.ECONFLICT:
			// Assigned meanwhile, or never there: the queue as it is now.
			vm.Search = nil
		case err != nil:
			return err
		default:
			vm.Search.Suggested, vm.Search.Buyers, vm.Search.Orders = found.Suggested, candidateBuyers(found), candidateOrders(found)
		}
	}
	return render(c, status, views.SuspensePage(vm))
}

func candidateBuyers(f *funding.Candidates) []views.BuyerCandidate {
	out := make([]views.BuyerCandidate, 0, len(f.Buyers))
	for _, b := range f.Buyers {
		out = append(out, views.BuyerCandidate{ID: b.UserID, Name: b.DisplayName, Phone: b.PhoneMasked, Frozen: b.Frozen, Why: b.Why})
	}
	return out
}

func candidateOrders(f *funding.Candidates) []views.OrderCandidate {
	out := make([]views.OrderCandidate, 0, len(f.Orders))
	for _, o := range f.Orders {
		out = append(out, views.OrderCandidate{ID: o.OrderID, Reference: o.PayReference, Amount: o.Amount, State: o.State,
			BuyerName: o.BuyerName, Why: o.Why})
	}
	return out
}

func (s *Server) opsFlags(c echo.Context) error {
	flags, err := s.Risk.List(c.Request().Context(), actor(c), risk.Query{OpenOnly: true})
	if err != nil {
		return err
	}
	rows := make([]views.FlagRow, 0, len(flags))
	for _, f := range flags {
		r := views.FlagRow{ID: f.ID, Kind: string(f.Kind), Detail: string(f.Detail), Open: true, At: f.CreatedAt}
		if f.OrderID != nil {
			r.OrderID = *f.OrderID
		}
		rows = append(rows, r)
	}
	return render(c, http.StatusOK, views.FlagsPage(rows))
}

func (s *Server) opsSettings(c echo.Context) error {
	v, err := s.Settings.Get(c.Request().Context(), nil)
	if err != nil {
		return err
	}
	f := views.NewForm()
	f.Values = v.Form()
	return render(c, http.StatusOK, views.SettingsPage(f))
}

func (s *Server) opsLedger(c echo.Context) error {
	ctx := c.Request().Context()
	vm := views.LedgerVM{Account: strings.TrimSpace(c.QueryParam("account"))}
	accounts, err := s.Books.Accounts(ctx, actor(c))
	if err != nil {
		return err
	}
	vm.TotalsAt = accounts.TotalsAt
	for _, a := range accounts.Lines {
		vm.Accounts = append(vm.Accounts, views.AccountBalance{Code: a.Code, Kind: string(a.Kind), Balance: a.Balance})
	}
	if vm.Account != "" {
		moves, err := s.Books.Movements(ctx, actor(c), vm.Account)
		if err != nil {
			return err
		}
		vm.Moves = explorerLines(moves)
	}
	return render(c, http.StatusOK, views.LedgerPage(vm))
}

// bankEvents are the bank's events the page and its API twin show: the
// latest, or those of one bank transaction.
func (s *Server) bankEvents(c echo.Context) ([]funding.Event, eventsQuery, error) {
	var q eventsQuery
	if err := decodeQuery(c, &q); err != nil {
		return nil, q, err
	}
	if q.Txn != "" {
		events, err := s.Funding.EventsOf(c.Request().Context(), actor(c), q.Txn)
		return events, q, err
	}
	events, err := s.Funding.Events(c.Request().Context(), actor(c), 200)
	return events, q, err
}

func (s *Server) opsEvents(c echo.Context) error {
	events, q, err := s.bankEvents(c)
	if err != nil {
		return err
	}
	rows := make([]views.BankEventRow, 0, len(events))
	for _, ev := range events {
		r := views.BankEventRow{WebhookID: ev.WebhookID, Type: ev.Type, Status: string(ev.Status), Note: ev.Note,
			At: ev.ReceivedAt, Payload: ev.Payload, BankTxnID: ev.BankTxnID, Amount: ev.Amount, PayerName: ev.PayerName,
			PayerAcct: ev.PayerAccount, Reference: ev.Reference, Outcome: string(ev.Outcome), DuplicateOf: ev.DuplicateOf}
		for _, l := range ev.Where {
			r.Where = append(r.Where, views.MoneyLeg{Kind: l.Kind, Amount: l.Amount, OrderID: l.OrderID, UserID: l.UserID,
				Name: l.Name, Account: l.Account, State: l.State, Payout: l.Payout})
		}
		rows = append(rows, r)
	}
	return render(c, http.StatusOK, views.BankEventsPage(views.BankEventsVM{Rows: rows, Txn: q.Txn}))
}

func (s *Server) opsClawbacks(c echo.Context) error {
	return s.clawbacksPage(c, http.StatusOK, views.NewForm())
}

func (s *Server) clawbacksPage(c echo.Context, status int, f *views.Form) error {
	list, err := s.Clawbacks.List(c.Request().Context(), actor(c), c.QueryParam("all") != "")
	if err != nil {
		return err
	}
	rows := make([]views.ClawbackRow, 0, len(list))
	for _, cb := range list {
		r := views.ClawbackRow{ID: cb.ID, UserID: cb.UserID, UserName: cb.UserName, Source: cb.Source, Amount: cb.Amount,
			Outstanding: cb.Outstanding(), Status: string(cb.Status), At: cb.CreatedAt, Note: cb.Note, Reversal: cb.ReversalTxnID}
		if cb.OrderID != nil {
			r.OrderID = *cb.OrderID
		}
		rows = append(rows, r)
	}
	return render(c, status, views.ClawbacksPage(rows, f))
}
