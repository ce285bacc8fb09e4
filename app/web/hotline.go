package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/app/ivr"
	"lineescrow/views"
)

// hotline serves the payment hotline's VoiceXML (app/ivr) with the client
// address as this server determines it (TRUSTED_PROXIES), which the hotline
// compares with the IVR platform's. The request log has the path only: the
// keys the caller typed, in the form, are never logged.
func (s *Server) hotline(c echo.Context) error {
	r := c.Request()
	s.IVR.ServeHTTP(c.Response(), r.WithContext(ivr.WithClientIP(r.Context(), c.RealIP())))
	return nil
}

// hotlineRoutes are the hotline itself and the operators' incoming calls.
func (s *Server) hotlineRoutes(og *echo.Group, api *echo.Group) {
	s.Echo.POST("/ivr/*", s.hotline)
	og.GET("/calls", s.opsCalls)
	for _, r := range s.hotlineReads() {
		s.serveRead(r, api)
	}
}

type callsAnswer struct {
	Calls []ivr.IncomingCall `json:"calls"`
}

func (s *Server) hotlineReads() []read {
	return []read{
		{name: "call.list", summary: "Hotline callers handed to agents, newest first, with where they were in the menu (operators)",
			tag: "operators", pages: []string{"/ops/calls"}, api: "/ops/calls", roles: operatorRoles, resp: callsAnswer{},
			handler: func(c echo.Context) error {
				list, err := s.IVR.IncomingCalls(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, callsAnswer{Calls: nonNil(list)})
			}},
	}
}

func (s *Server) opsCalls(c echo.Context) error {
	list, err := s.IVR.IncomingCalls(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	rows := make([]views.IncomingCallRow, 0, len(list))
	for _, l := range list {
		r := views.IncomingCallRow{ID: l.ID, Phone: l.Phone, UserName: l.UserName, UserLogin: l.UserLogin, LastMenu: l.LastMenu,
			PINFailures: l.PINFailures, StartedAt: l.StartedAt, HandedAt: l.HandedAt}
		if l.UserID != nil {
			r.UserID = *l.UserID
		}
		rows = append(rows, r)
	}
	return render(c, http.StatusOK, views.IncomingCallsPage(rows))
}
