package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/notices"
	"lineescrow/models"
	"lineescrow/views"
)

// The notification centre: /notifications for every signed-in person, its
// API twins, and the unread badge of the layout.

type noticesQuery struct {
	Before int64 `json:"before" doc:"notices older than this one (the next page)"`
	Limit  int   `json:"limit" doc:"at most 100; 20 when left out"`
}

type apiNotice struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Text      string     `json:"text" doc:"in the language of the request (Accept-Language or the lang cookie)"`
	Params    []string   `json:"params" doc:"the values the text is made of"`
	OrderID   *int64     `json:"order_id,omitempty"`
	PayoutID  *string    `json:"payout_id,omitempty"`
	Link      string     `json:"link" doc:"the portal page it is about"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

type noticesAnswer struct {
	Unread  int         `json:"unread" doc:"unread notices, counted up to 100"`
	Notices []apiNotice `json:"notices"`
}

type noticeRequest struct {
	ID int64 `path:"id" json:"-"`
}

type readAllAnswer struct {
	Marked int64 `json:"marked" doc:"how many notices were unread"`
}

// noticeLink is the portal page a notice is about, for a reader of role.
func noticeLink(role models.Role, n *notices.Notice) string {
	switch {
	case n.OrderID != nil:
		return orderBase(role, *n.OrderID)
	case n.PayoutID != nil && role == models.RoleSeller:
		return "/seller/money#payouts"
	case n.PayoutID != nil:
		return "/wallet#payouts"
	case role == models.RoleBuyer:
		return "/wallet"
	case role == models.RoleSeller:
		return "/seller/money"
	}
	return "/notifications"
}

func (s *Server) toAPINotice(c echo.Context, n *notices.Notice) apiNotice {
	params := n.Params
	if params == nil {
		params = []string{}
	}
	return apiNotice{ID: n.ID, Kind: string(n.Kind), Text: views.NoticeText(c.Request().Context(), n.Kind, n.Params), Params: params,
		OrderID: n.OrderID, PayoutID: n.PayoutID, Link: noticeLink(currentUser(c).Role, n), CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
}

// noticePage reads one page of the caller's notices and the unread count.
func (s *Server) noticePage(c echo.Context) (noticesQuery, []notices.Notice, int, error) {
	var q noticesQuery
	if err := decodeQuery(c, &q); err != nil {
		return q, nil, 0, err
	}
	ctx, a := c.Request().Context(), actor(c)
	list, err := s.Notices.List(ctx, a, notices.Query{BeforeID: q.Before, Limit: q.Limit})
	if err != nil {
		return q, nil, 0, err
	}
	unread, err := s.Notices.Unread(ctx, a)
	if err != nil {
		return q, nil, 0, err
	}
	return q, list, unread, nil
}

func (s *Server) noticesPage(c echo.Context) error {
	q, list, unread, err := s.noticePage(c)
	if err != nil {
		return err
	}
	vm := noticesVM(c, list, unread, q.Limit)
	// The badge says what the page says.
	if v := info(c).Viewer; v != nil {
		v.Unread = func() int { return unread }
	}
	return render(c, http.StatusOK, views.NoticesPage(vm))
}

// noticesVM is the page's view model: the rows in the reader's language and
// the link to the older ones when the page is full.
func noticesVM(c echo.Context, list []notices.Notice, unread, limit int) views.NoticesVM {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	vm := views.NoticesVM{Unread: unread, Notices: make([]views.NoticeRow, 0, len(list))}
	role := currentUser(c).Role
	for i := range list {
		n := &list[i]
		vm.Notices = append(vm.Notices, views.NoticeRow{ID: n.ID, At: n.CreatedAt, Text: views.NoticeText(c.Request().Context(), n.Kind, n.Params),
			Link: noticeLink(role, n), Unread: n.ReadAt == nil})
	}
	if len(list) == limit {
		vm.Older = "/notifications?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	return vm
}

// noticeActions are reading notices: one (which leads to what it is about)
// or all.
func (s *Server) noticeActions() []action {
	return []action{
		typed(action{name: "notice.read", summary: "Mark one of the caller's notices read (opening it in the portal leads to what it is about)",
			tag: "notices", page: "/notifications/:id/read", api: "/notifications/:id/read", roles: anyRoles, resp: apiNotice{},
			errs:   []int{404},
			answer: func(c echo.Context, res any) (any, error) { return s.toAPINotice(c, res.(*notices.Notice)), nil },
			next: func(c echo.Context, res any) string {
				if n, ok := res.(*notices.Notice); ok {
					return noticeLink(currentUser(c).Role, n)
				}
				return "/notifications"
			},
		}, func(c echo.Context, r *noticeRequest) (any, error) {
			return s.Notices.Open(c.Request().Context(), actor(c), r.ID)
		}),
		typed(action{name: "notice.read_all", summary: "Mark all the caller's notices read", tag: "notices",
			page: "/notifications/read-all", api: "/notifications/read-all", roles: anyRoles, resp: readAllAnswer{},
			done: message("All notices marked read."), next: to("/notifications"),
		}, func(c echo.Context, _ *emptyRequest) (any, error) {
			n, err := s.Notices.MarkAllRead(c.Request().Context(), actor(c))
			if err != nil {
				return nil, err
			}
			return readAllAnswer{Marked: n}, nil
		}),
	}
}

// noticeReads are the API twin of /notifications.
func (s *Server) noticeReads() []read {
	return []read{
		{name: "notice.list", summary: "The caller's notices, newest first, and how many are unread", tag: "notices",
			pages: []string{"/notifications"}, api: "/notifications", roles: anyRoles, query: noticesQuery{}, resp: noticesAnswer{},
			handler: func(c echo.Context) error {
				_, list, unread, err := s.noticePage(c)
				if err != nil {
					return err
				}
				out := noticesAnswer{Unread: unread, Notices: make([]apiNotice, 0, len(list))}
				for i := range list {
					out.Notices = append(out.Notices, s.toAPINotice(c, &list[i]))
				}
				return c.JSON(http.StatusOK, out)
			}},
	}
}

// noticeRoutes serves the notification centre.
func (s *Server) noticeRoutes(anyone echo.MiddlewareFunc, api *echo.Group) {
	s.Echo.GET("/notifications", s.noticesPage, anyone)
	for _, a := range s.noticeActions() {
		s.serve(a, api)
	}
	for _, r := range s.noticeReads() {
		s.serveRead(r, api)
	}
}

// unreadOf counts the user's unread notices for the layout's badge, once
// per request and only when a page with the layout is rendered (one read of
// a partial index; a failure shows no badge rather than no page).
func (s *Server) unreadOf(c echo.Context, u *models.User) func() int {
	return sync.OnceValue(func() int {
		n, err := s.Notices.Unread(c.Request().Context(), u.Actor())
		if err != nil {
			s.Log.WarnContext(c.Request().Context(), "unread notices", "err", err)
			return 0
		}
		return n
	})
}
