package web

import (
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	"lineescrow/app/audit"
	"lineescrow/app/clawback"
	"lineescrow/app/funding"
	"lineescrow/app/orders"
	"lineescrow/models"
)

// The queries and answers of the API's reads.

type listingsQuery struct {
	Q      string `json:"q" doc:"words of the title, description or shop name"`
	Limit  int    `json:"limit" doc:"at most 100"`
	Offset int    `json:"offset" doc:"at most 960"`
}

type listingsAnswer struct {
	Listings []models.Listing `json:"listings"`
}

type ordersQuery struct {
	State  string `json:"state" doc:"awaiting_payment, paid, shipped, completed, closed, refund (any refund open) or disputed"`
	Q      string `json:"q" doc:"an order number, payment reference or consignee phone"`
	Before int64  `json:"before" doc:"orders with a smaller number (the next page)"`
	Limit  int    `json:"limit" doc:"at most 200"`
}

type ordersAnswer struct {
	Orders []apiOrder `json:"orders"`
}

type walletAnswer struct {
	Balance models.Money  `json:"balance"`
	Topup   apiPayInstr   `json:"topup"`
	History []apiMovement `json:"history"`
}

type creditsAnswer struct {
	Credits []funding.Credit `json:"credits"`
}

type allQuery struct {
	All bool `json:"all" doc:"true: the settled ones too"`
}

type clawbacksAnswer struct {
	Clawbacks []clawback.Clawback `json:"clawbacks"`
}

type auditQuery struct {
	Action string `json:"action" doc:"an action or its prefix, such as user."`
	Actor  string `json:"actor" doc:"a user number"`
	Target string `json:"target" doc:"such as user:42 or order:7"`
	From   string `json:"from" format:"date"`
	To     string `json:"to" format:"date"`
	Before int64  `json:"before"`
}

type auditAnswer struct {
	Entries []audit.Entry `json:"entries"`
}

// decodeQuery fills a query struct from the URL's query string, by the same
// rules as a form.
func decodeQuery(c echo.Context, q any) error {
	v := reflect.ValueOf(q).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := jsonName(t.Field(i))
		if name == "" || name == "-" {
			continue
		}
		if err := setText(v.Field(i), name, c.QueryParam(name)); err != nil {
			return err
		}
	}
	return nil
}

// serveRead adds a read's API route.
func (s *Server) serveRead(r read, api *echo.Group) {
	r2 := r
	s.reads = append(s.reads, &r2)
	var mw []echo.MiddlewareFunc
	if len(r.roles) > 0 {
		mw = append(mw, s.requireRole(r.roles...))
	}
	api.GET(r.api, r.handler, mw...)
}

// accountReads are the API's reads of the caller and of the audit log.
func (s *Server) accountReads() []read {
	return []read{
		{name: "account.me", summary: "The user of the token", tag: "auth", pages: []string{"/account"}, api: "/me", roles: anyRoles,
			resp: models.User{}, handler: func(c echo.Context) error { return c.JSON(http.StatusOK, currentUser(c)) }},
		{name: "audit.list", summary: "Audit log (operators)", tag: "operators", pages: []string{"/ops/audit"}, api: "/audit",
			roles: operatorRoles, query: auditQuery{}, resp: auditAnswer{}, handler: s.apiAudit},
	}
}

func (s *Server) apiAudit(c echo.Context) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	entries, err := s.Audit.List(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	return c.JSON(http.StatusOK, auditAnswer{Entries: entries})
}

func (s *Server) apiListings(c echo.Context) error {
	var q listingsQuery
	if err := decodeQuery(c, &q); err != nil {
		return err
	}
	list, err := s.Orders.Listings(c.Request().Context(), viewerActor(c), orders.ListingQuery{Search: q.Q, Limit: q.Limit, Offset: q.Offset})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listingsAnswer{Listings: nonNil(list)})
}

func (s *Server) apiListing(c echo.Context) error {
	l, err := s.pathListing(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Server) apiSellerListings(c echo.Context) error {
	u := currentUser(c)
	list, err := s.Orders.Listings(c.Request().Context(), u.Actor(), orders.ListingQuery{SellerID: u.ID, Limit: 100})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listingsAnswer{Listings: nonNil(list)})
}

func (s *Server) apiOrders(c echo.Context) error {
	var q ordersQuery
	if err := decodeQuery(c, &q); err != nil {
		return err
	}
	list, err := s.Orders.List(c.Request().Context(), actor(c), orders.Query{State: q.State, Search: q.Q, BeforeID: q.Before, Limit: q.Limit})
	if err != nil {
		return err
	}
	out := make([]apiOrder, 0, len(list))
	for i := range list {
		out = append(out, s.toAPIOrder(c, &list[i], nil))
	}
	return c.JSON(http.StatusOK, ordersAnswer{Orders: out})
}

func (s *Server) apiOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	page, err := s.Orders.OrderPage(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAPIOrder(c, &page.Order, page))
}

func (s *Server) apiWallet(c echo.Context) error {
	w, err := s.Funding.WalletOf(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	b := s.bankInfo()
	return c.JSON(http.StatusOK, walletAnswer{Balance: w.Balance,
		Topup: apiPayInstr{Bank: b.Bank, Account: b.Account, Holder: b.Holder, Reference: w.Reference}, History: apiMovements(w.Moves)})
}

func (s *Server) apiSuspense(c echo.Context) error {
	credits, err := s.Funding.Credits(c.Request().Context(), actor(c), true, 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, creditsAnswer{Credits: nonNil(credits)})
}

func (s *Server) apiClawbacks(c echo.Context) error {
	var q allQuery
	if err := decodeQuery(c, &q); err != nil {
		return err
	}
	list, err := s.Clawbacks.List(c.Request().Context(), actor(c), q.All)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, clawbacksAnswer{Clawbacks: nonNil(list)})
}

// nonNil is an empty list for none, so the JSON says [] rather than null.
func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}
