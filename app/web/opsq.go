package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/clawback"
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
		Bank: ov.Bank, SuspenseM: ov.Suspense, Fees: ov.Fees, BadDebt: ov.BadDebt, Escrow: ov.Escrow, Wallets: ov.Wallets,
		TotalsAt: ov.TotalsAt}
	// The full check reads every posting: run on request, not on every visit.
	if c.QueryParam("check") != "" {
		vm.Checked = true
		if vm.Invariants, err = s.Books.Check(ctx, actor(c)); err != nil {
			return err
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
