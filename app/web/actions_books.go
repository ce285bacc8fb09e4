package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/app/recon"
	"lineescrow/views"
)

type reconRunRequest struct {
	Date string `json:"date" required:"true" format:"date" doc:"the statement's day (UTC), such as 2026-11-29"`
}

type reconClearRequest struct {
	ID   int64  `path:"id" json:"-"`
	Note string `json:"note" required:"true" doc:"what was done (at most 500 characters)"`
}

// booksActions is the table of what operators do with the books: run a
// day's reconciliation now, clear a break.
func (s *Server) booksActions() []action {
	return []action{
		typed(action{name: "recon.run", summary: "Reconcile a day's bank statement with the ledger now (operators); a day may be run again",
			tag: "operators", page: "/ops/recon/run", api: "/ops/recon/run", roles: operatorRoles, idem: true, resp: recon.Run{},
			errs: []int{http.StatusForbidden, http.StatusConflict}, // 409: the Idempotency-Key was used for another request
			done: func(c echo.Context, res any) string {
				r := res.(*recon.Run)
				return views.Tf(c.Request().Context(), "Reconciled %s: %d lines, %d matched, %d booked from the statement, %d new breaks.",
					r.Day.UTC().Format("2006-01-02"), r.Lines, r.Matched, r.Booked, r.Breaks)
			},
			next:  to("/ops/recon"),
			again: func(c echo.Context, _ any, err error) error { return s.reconAgain(c, err, 0) },
		}, func(c echo.Context, r *reconRunRequest) (any, error) {
			return s.Recon.Reconcile(c.Request().Context(), actor(c), r.Date)
		}),
		typed(action{name: "recon.clear", summary: "Clear a reconciliation break, saying what was done (operators; audited)",
			tag: "operators", page: "/ops/recon/breaks/:id/clear", api: "/ops/recon/breaks/:id/clear", roles: operatorRoles,
			resp: statusAnswer{}, errs: []int{http.StatusForbidden, http.StatusNotFound}, done: message("Break cleared."), next: to("/ops/recon"),
			again: func(c echo.Context, req any, err error) error {
				return s.reconAgain(c, err, req.(*reconClearRequest).ID)
			},
		}, func(c echo.Context, r *reconClearRequest) (any, error) {
			if err := s.Recon.Clear(c.Request().Context(), actor(c), r.ID, r.Note); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "cleared"}, nil
		}),
	}
}
