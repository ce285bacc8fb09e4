package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"lineescrow/app/audit"
	"lineescrow/app/auth"
	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) opsUsers(c echo.Context) error {
	vm := views.OpsUsersVM{Search: c.QueryParam("q"), Role: c.QueryParam("role")}
	var err error
	vm.Users, err = s.Auth.ListUsers(c.Request().Context(), actor(c), auth.UserQuery{Search: vm.Search, Role: models.Role(vm.Role)})
	if err != nil {
		return err
	}
	var sellers []int64
	for _, u := range vm.Users {
		if u.Role == models.RoleSeller {
			sellers = append(sellers, u.ID)
		}
	}
	if len(sellers) > 0 {
		if vm.Commission, err = s.Auth.Commissions(c.Request().Context(), sellers); err != nil {
			return err
		}
	}
	return render(c, http.StatusOK, views.OpsUsersPage(vm))
}

func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")
	}
	return id, nil
}

func (s *Server) opsFreeze(c echo.Context) error   { return s.opsSetFrozen(c, true) }
func (s *Server) opsUnfreeze(c echo.Context) error { return s.opsSetFrozen(c, false) }

func (s *Server) opsSetFrozen(c echo.Context, frozen bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.Auth.SetFrozen(ctx, actor(c), id, frozen, c.FormValue("reason")); err != nil {
		if models.ErrorCode(err) != models.EINVALID {
			return err
		}
		s.flash(c, "error", views.ErrorText(ctx, err))
	} else if frozen {
		s.flash(c, "success", views.Tf(ctx, "User %d is frozen.", id))
	} else {
		s.flash(c, "success", views.Tf(ctx, "User %d is no longer frozen.", id))
	}
	return c.Redirect(http.StatusSeeOther, "/ops/users")
}

// parsePercent reads a rate given in percent ("0.6") as a fraction (0.006).
func parsePercent(s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil {
		return decimal.Zero, models.FieldError("rate", "Enter a rate in percent from 0 to 20, such as 0.6.")
	}
	return d.Shift(-2), nil
}

func (s *Server) opsCommission(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rate, err := parsePercent(c.FormValue("rate"))
	if err == nil {
		err = s.Auth.SetCommission(ctx, actor(c), id, rate)
	}
	switch models.ErrorCode(err) {
	case "":
		s.flash(c, "success", views.Tf(ctx, "Commission of seller %d saved.", id))
	case models.EINVALID:
		s.flash(c, "error", views.ErrorText(ctx, err))
	default:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ops/users?role=seller")
}

// auditFilter reads the audit log's filters from the query string.
func auditFilter(c echo.Context) (audit.Filter, error) {
	f := audit.Filter{Action: strings.TrimSpace(c.QueryParam("action")), Target: strings.TrimSpace(c.QueryParam("target"))}
	if a := strings.TrimSpace(c.QueryParam("actor")); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return f, models.FieldError("actor", "Enter a user number.")
		}
		f.ActorID = id
	}
	for _, d := range []struct {
		name string
		into *time.Time
		plus time.Duration
	}{{"from", &f.From, 0}, {"to", &f.To, 24 * time.Hour}} {
		if v := c.QueryParam(d.name); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, views.Shanghai)
			if err != nil {
				return f, models.FieldError(d.name, "Enter a date as YYYY-MM-DD.")
			}
			*d.into = t.Add(d.plus)
		}
	}
	f.BeforeID, _ = strconv.ParseInt(c.QueryParam("before"), 10, 64)
	return f, nil
}

func (s *Server) opsAudit(c echo.Context) error {
	vm := views.AuditVM{Action: c.QueryParam("action"), Actor: c.QueryParam("actor"), Target: c.QueryParam("target"),
		From: c.QueryParam("from"), To: c.QueryParam("to"), Form: views.NewForm()}
	f, err := auditFilter(c)
	if err != nil {
		vm.Form.Error = views.ErrorText(c.Request().Context(), err)
		return render(c, http.StatusUnprocessableEntity, views.AuditPage(vm))
	}
	f.Limit = 50
	if vm.Entries, err = s.Audit.List(c.Request().Context(), actor(c), f); err != nil {
		return err
	}
	if len(vm.Entries) == f.Limit {
		vm.NextID = vm.Entries[len(vm.Entries)-1].ID
	}
	return render(c, http.StatusOK, views.AuditPage(vm))
}
