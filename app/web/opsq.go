package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/app/risk"
	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) opsHome(c echo.Context) error {
	if s.Orders == nil {
		return c.Redirect(http.StatusSeeOther, "/ops/users")
	}
	ctx := c.Request().Context()
	var vm views.OpsHomeVM
	q, err := s.Funding.OverviewOf(ctx, actor(c))
	if err != nil {
		return err
	}
	vm.Disputes, vm.Suspense, vm.Flags, vm.Review, vm.Clawbacks = q.Disputes, q.Suspense, q.Flags, q.Review, q.Clawbacks
	totals, err := ledger.Totals(ctx, s.DB.DB)
	if err != nil {
		return err
	}
	vm.Escrow, vm.Wallets, vm.TotalsAt = totals["escrow"].Total, totals["wallet"].Total, totals["escrow"].TakenAt
	bals, err := ledger.Balances(ctx, s.DB.DB, models.AccBankCollection, models.AccSuspense, models.AccRevenueFees, models.AccExpenseBadDebt)
	if err != nil {
		return err
	}
	vm.Bank, vm.SuspenseM, vm.Fees, vm.BadDebt = bals[models.AccBankCollection], bals[models.AccSuspense], bals[models.AccRevenueFees], bals[models.AccExpenseBadDebt]
	// The full check reads every posting: run on request, not on every visit.
	if c.QueryParam("check") != "" {
		vm.Checked = true
		if err := ledger.CheckInvariants(ctx, s.DB.DB); err != nil {
			vm.Invariants = err.Error()
		} else if err := orders.CheckInvariants(ctx, s.DB.DB); err != nil {
			vm.Invariants = err.Error()
		}
	}
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

func (s *Server) opsSuspense(c echo.Context) error {
	vm, err := s.suspenseVM(c, views.NewForm())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SuspensePage(vm))
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
	if err := s.DB.WithContext(ctx).Raw(`SELECT a.code, a.kind, sum(b.balance) AS balance FROM ledger_accounts a
		JOIN ledger_balances b ON b.account_id = a.id
		WHERE a.code NOT LIKE 'escrow:%' AND a.code NOT LIKE 'wallet:%' AND a.code NOT LIKE 'seller:%'
		GROUP BY a.code, a.kind
		UNION ALL
		SELECT split_part(a.code, ':', 1) || ':*', a.kind, sum(b.balance) FROM ledger_accounts a
		JOIN ledger_balances b ON b.account_id = a.id
		WHERE a.code LIKE 'escrow:%' OR a.code LIKE 'wallet:%' OR a.code LIKE 'seller:%'
		GROUP BY 1, a.kind ORDER BY 1`).Scan(&vm.Accounts).Error; err != nil {
		return err
	}
	if vm.Account != "" {
		q := ledger.MovementQuery{Account: vm.Account, Limit: 300}
		if p, ok := strings.CutSuffix(vm.Account, "*"); ok {
			q = ledger.MovementQuery{AccountPrefix: p, Limit: 300}
		}
		moves, err := ledger.Movements(ctx, s.DB.DB, q)
		if err != nil {
			return err
		}
		vm.Moves = ledgerLines(moves)
	}
	return render(c, http.StatusOK, views.LedgerPage(vm))
}

func (s *Server) opsEvents(c echo.Context) error {
	events, err := s.Funding.Events(c.Request().Context(), actor(c), 200)
	if err != nil {
		return err
	}
	rows := make([]views.BankEventRow, 0, len(events))
	for _, ev := range events {
		rows = append(rows, views.BankEventRow{WebhookID: ev.WebhookID, Type: ev.Type, Status: string(ev.Status), Note: ev.Note,
			At: ev.ReceivedAt, Payload: ev.Payload})
	}
	return render(c, http.StatusOK, views.BankEventsPage(rows))
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
