package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/clawback"
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

// suspenseAction runs an operator's suspense decision and shows the queue again.
func (s *Server) suspenseAction(c echo.Context, do func() error, done string) error {
	ctx := c.Request().Context()
	if err := do(); err != nil {
		if code := models.ErrorCode(err); code == models.EINTERNAL || code == models.EFORBIDDEN {
			return err
		}
		f := views.NewForm()
		f.Error = views.ErrorText(ctx, err)
		vm, verr := s.suspenseVM(c, f)
		if verr != nil {
			return verr
		}
		return render(c, statusFor(err), views.SuspensePage(vm))
	}
	s.flash(c, "success", views.T(ctx, done))
	return c.Redirect(http.StatusSeeOther, "/ops/suspense")
}

func (s *Server) opsAssign(c echo.Context) error {
	txn := c.Param("txn")
	return s.suspenseAction(c, func() error {
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(c.FormValue("id")), "#"), 10, 64)
		if err != nil || id <= 0 {
			return models.FieldError("id", "Enter a number.")
		}
		if c.FormValue("target") == "wallet" {
			return s.Funding.AssignToWallet(c.Request().Context(), actor(c), txn, id, c.FormValue("note"))
		}
		return s.Funding.AssignToOrder(c.Request().Context(), actor(c), txn, id, c.FormValue("note"))
	}, "Transfer assigned.")
}

func (s *Server) opsReturn(c echo.Context) error {
	txn := c.Param("txn")
	return s.suspenseAction(c, func() error {
		return s.Funding.MarkForReturn(c.Request().Context(), actor(c), txn, c.FormValue("note"))
	}, "Marked for return to the payer.")
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

func (s *Server) opsResolveFlag(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	resolution := strings.TrimSpace(c.FormValue("resolution"))
	if resolution == "" {
		s.flash(c, "error", views.T(ctx, "Say what was done before resolving."))
		return c.Redirect(http.StatusSeeOther, "/ops/flags")
	}
	if err := s.Risk.Resolve(ctx, actor(c), id, resolution); err != nil {
		return err
	}
	s.flash(c, "success", views.T(ctx, "Case resolved."))
	return c.Redirect(http.StatusSeeOther, "/ops/flags")
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

func (s *Server) opsSaveSettings(c echo.Context) error {
	form := map[string]string{}
	params := must(c.FormParams())
	for k := range params {
		if k != "_csrf" {
			form[k] = params.Get(k)
		}
	}
	if _, err := s.Settings.Update(c.Request().Context(), actor(c), form); err != nil {
		f := views.FormFrom(params)
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return render(c, statusFor(err), views.SettingsPage(f))
	}
	s.flash(c, "success", views.T(c.Request().Context(), "Settings saved."))
	return c.Redirect(http.StatusSeeOther, "/ops/settings")
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

// clawbackAction runs an operator's decision on a claw-back and shows the queue again.
func (s *Server) clawbackAction(c echo.Context, do func(id int64, note string) error, done string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := do(id, c.FormValue("note")); err != nil {
		if code := models.ErrorCode(err); code == models.EINTERNAL || code == models.EFORBIDDEN || code == models.ENOTFOUND {
			return err
		}
		f := views.NewForm()
		f.Error = views.ErrorText(c.Request().Context(), err)
		return s.clawbacksPage(c, statusFor(err), f)
	}
	s.flash(c, "success", views.T(c.Request().Context(), done))
	return c.Redirect(http.StatusSeeOther, "/ops/clawbacks")
}

func (s *Server) opsRecoverClawback(c echo.Context) error {
	return s.clawbackAction(c, func(id int64, note string) error {
		return s.Clawbacks.Recover(c.Request().Context(), actor(c), id, note)
	}, "Recovery started: what the person holds now was taken, the rest comes from their next credits.")
}

func (s *Server) opsWriteOffClawback(c echo.Context) error {
	return s.clawbackAction(c, func(id int64, note string) error {
		return s.Clawbacks.WriteOff(c.Request().Context(), actor(c), id, note)
	}, "Written off as the platform's loss.")
}

func (s *Server) apiClawbacks(c echo.Context) error {
	list, err := s.Clawbacks.List(c.Request().Context(), actor(c), c.QueryParam("all") == "true")
	if err != nil {
		return err
	}
	if list == nil {
		list = []clawback.Clawback{}
	}
	return c.JSON(http.StatusOK, map[string]any{"clawbacks": list})
}

func (s *Server) apiClawbackDecision(recover bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b struct {
			Note string `json:"note"`
		}
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if recover {
			err = s.Clawbacks.Recover(c.Request().Context(), actor(c), id, b.Note)
		} else {
			err = s.Clawbacks.WriteOff(c.Request().Context(), actor(c), id, b.Note)
		}
		if err != nil {
			return err
		}
		cb, err := s.Clawbacks.Get(c.Request().Context(), actor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, cb)
	}
}
