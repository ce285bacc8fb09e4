package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/audit"
	"lineescrow/app/auth"
	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) opsUsers(c echo.Context) error {
	var q usersQuery
	if err := decodeQuery(c, &q); err != nil {
		return err
	}
	vm := views.OpsUsersVM{ID: q.ID, Search: q.Q, Role: q.Role}
	var err error
	vm.Users, err = s.Auth.ListUsers(c.Request().Context(), actor(c), auth.UserQuery{ID: q.ID, Search: vm.Search, Role: models.Role(vm.Role)})
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
		if vm.Commission, err = s.Sellers.Commissions(c.Request().Context(), sellers); err != nil {
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
	entries, err := s.Audit.List(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	vm.Rows = auditRows(entries)
	if len(entries) == f.Limit {
		vm.NextID = entries[len(entries)-1].ID
	}
	return render(c, http.StatusOK, views.AuditPage(vm))
}

// auditRows are the log's entries in words: their detail read into fields,
// before → after where it says so, secrets hidden.
func auditRows(entries []audit.Entry) []views.AuditRow {
	out := make([]views.AuditRow, 0, len(entries))
	for _, e := range entries {
		r := views.AuditRow{ID: e.ID, At: e.At, Who: e.ActorName, Role: e.ActorRole, Action: e.Action, Target: e.Target,
			TargetName: e.TargetName, Changes: views.AuditChanges(e.Action, e.Detail), IP: e.IP}
		if e.ActorID != nil {
			r.ActorID = *e.ActorID
		}
		out = append(out, r)
	}
	return out
}
