package web

import (
	"net/http"
	"reflect"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/audit"
	"lineescrow/app/auth"
	"lineescrow/app/clawback"
	"lineescrow/app/funding"
	"lineescrow/app/orders"
	"lineescrow/app/risk"
	"lineescrow/app/sellers"
	"lineescrow/app/telecom"
	"lineescrow/models"
)

// The queries and answers of the API's reads.

type listingsQuery struct {
	Q        string `json:"q" doc:"words of the title, description or shop name"`
	Category string `json:"category" doc:"clothing, food, digital, home, beauty, books, crafts or other; all when left out"`
	Limit    int    `json:"limit" doc:"at most 100"`
	Offset   int    `json:"offset" doc:"at most 960"`
}

type listingsAnswer struct {
	Listings []models.Listing `json:"listings"`
}

type ordersQuery struct {
	State  string `json:"state" doc:"a tab: to_pay, to_ship, to_receive, refund (a refund asked for, or a dispute), completed, closed; or a state: awaiting_payment, paid, shipped, disputed"`
	Q      string `json:"q" doc:"an order number, payment reference or consignee phone"`
	Before int64  `json:"before" doc:"orders with a smaller number (the next page)"`
	Limit  int    `json:"limit" doc:"at most 200"`
}

type ordersAnswer struct {
	Orders []apiOrder `json:"orders"`
	// Counts are the list's tabs with how many orders each holds.
	Counts map[string]int `json:"counts" doc:"how many of the caller's orders each tab holds: to_pay, to_ship, to_receive, refund, completed, closed"`
}

type walletAnswer struct {
	Balance models.Money `json:"balance"`
	Topup   apiPayInstr  `json:"topup"`
	History []walletLine `json:"history"`
	// Cards are the recharge card top-ups, newest first.
	Cards []telecom.Redemption `json:"cards"`
}

// walletLine is a movement of the buyer's balance with where its money came
// from or went to (models.WalletWhere), as the wallet page says it.
type walletLine struct {
	apiMovement
	Where   string `json:"where" enum:"into_escrow,refund,partial_refund,transfer_for_order,transfer_surplus,top_up,recharge_card,refund_instead_of_bill,withdrawal,withdrawal_returned,bank_recall,clawback,instore_payment,instore_refund,bill,transfer_to_person,transfer_from_person,in,out"`
	OrderID int64  `json:"order_id,omitempty" doc:"the order the money belongs to"`
}

func walletLines(moves []models.Movement) []walletLine {
	out := make([]walletLine, 0, len(moves))
	for _, m := range apiMovements(moves) {
		w := walletLine{apiMovement: m}
		w.Where, w.OrderID = models.WalletWhere(m.Kind, m.Ref, m.Direction == string(models.Credit))
		out = append(out, w)
	}
	return out
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
	list, err := s.Orders.Listings(c.Request().Context(), viewerActor(c), orders.ListingQuery{Search: q.Q, Category: q.Category, Limit: q.Limit, Offset: q.Offset})
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
	counts, err := s.Orders.TabCounts(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ordersAnswer{Orders: out, Counts: counts})
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
	out := walletAnswer{Balance: w.Balance, Topup: apiPayInstr{Bank: b.Bank, Account: b.Account, Holder: b.Holder, Reference: w.Reference},
		History: walletLines(w.Moves), Cards: []telecom.Redemption{}}
	if s.Telecom != nil {
		cards, err := s.Telecom.Redemptions(c.Request().Context(), actor(c))
		if err != nil {
			return err
		}
		out.Cards = nonNil(cards)
	}
	return c.JSON(http.StatusOK, out)
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

// The answers of the sellers' and operators' pages in the API.

type stagesAnswer struct {
	Held      models.Money `json:"held" doc:"in escrow for paid and shipped orders"`
	Pending   models.Money `json:"pending" doc:"released, waiting for the operator's collection"`
	Available models.Money `json:"available" doc:"can be withdrawn"`
}

type workAnswer struct {
	ToShip   int `json:"to_ship"`
	Refunds  int `json:"refunds"`
	Disputes int `json:"disputes"`
}

type dayAnswer struct {
	Day       string       `json:"day" format:"date"`
	Held      models.Money `json:"held"`
	Pending   models.Money `json:"pending"`
	Available models.Money `json:"available"`
}

type dashboardAnswer struct {
	ShopName string        `json:"shop_name"`
	Stages   stagesAnswer  `json:"stages"`
	Work     workAnswer    `json:"work"`
	History  []dayAnswer   `json:"history" doc:"the money at the end of each of the last 30 days; empty when all is zero"`
	Recent   []apiOrder    `json:"recent"`
	Sales    []salesAnswer `json:"sales" doc:"the sales summaries of the last 7 and 30 days"`
}

// salesAnswer is a sales summary (sellers.Sales), in whole days of the
// seller's time zone (Asia/Shanghai) from From to To, both included.
type salesAnswer struct {
	Days           int          `json:"days"`
	From           string       `json:"from" format:"date" doc:"the first day"`
	To             string       `json:"to" format:"date" doc:"the last day (today)"`
	PaidOrders     int          `json:"paid_orders" doc:"orders whose payment reached escrow in the window"`
	Paid           models.Money `json:"paid" doc:"what buyers paid for them"`
	SettledOrders  int          `json:"settled_orders" doc:"orders whose money left escrow in the window: released to the seller, refunded, or split"`
	Gross          models.Money `json:"gross" doc:"released to the seller from them, before commission"`
	Commission     models.Money `json:"commission" doc:"the platform's commission on it, at each order's own rate"`
	Net            models.Money `json:"net" doc:"gross less commission"`
	Refunds        models.Money `json:"refunds" doc:"refunded to buyers (the buyer's part of a split included)"`
	RefundedOrders int          `json:"refunded_orders"`
}

func toSalesAnswers(sales []sellers.Sales) []salesAnswer {
	out := make([]salesAnswer, 0, len(sales))
	for _, s := range sales {
		out = append(out, salesAnswer{Days: s.Days, From: s.From.In(models.Shanghai).Format("2006-01-02"),
			To: s.To.In(models.Shanghai).AddDate(0, 0, -1).Format("2006-01-02"), PaidOrders: s.PaidOrders, Paid: s.Paid,
			SettledOrders: s.SettledOrders, Gross: s.Gross, Commission: s.Commission, Net: s.Net, Refunds: s.Refunds, RefundedOrders: s.RefundedOrders})
	}
	return out
}

type sellerMoneyAnswer struct {
	Stages    stagesAnswer  `json:"stages"`
	Movements []apiMovement `json:"movements"`
}

type classAnswer struct {
	Class    string       `json:"class"`
	Total    models.Money `json:"total"`
	Accounts int64        `json:"accounts"`
}

type overviewAnswer struct {
	Queues   funding.Overview `json:"queues"`
	Payouts  int              `json:"payouts" doc:"payouts waiting for the bank's result"`
	Stuck    int              `json:"stuck_payouts" doc:"of them, those waiting longer than they should"`
	Breaks   int              `json:"recon_breaks" doc:"the reconciliation's open breaks"`
	Bank     models.Money     `json:"bank"`
	Suspense models.Money     `json:"suspense"`
	Fees     models.Money     `json:"fees"`
	BadDebt  models.Money     `json:"bad_debt"`
	Escrow   models.Money     `json:"escrow"`
	Wallets  models.Money     `json:"wallets"`
	Classes  []classAnswer    `json:"classes"`
	TotalsAt time.Time        `json:"totals_at" doc:"when the per-person totals were summed (every minute)"`
}

type checkAnswer struct {
	OK       bool   `json:"ok"`
	Findings string `json:"findings,omitempty"`
}

type ledgerQuery struct {
	Account string `json:"account" doc:"an account code, or a class such as escrow:*"`
}

type accountAnswer struct {
	Code    string       `json:"code"`
	Kind    string       `json:"kind"`
	Balance models.Money `json:"balance"`
}

type ledgerAnswer struct {
	Accounts  []accountAnswer `json:"accounts"`
	TotalsAt  time.Time       `json:"totals_at"`
	Movements []apiMovement   `json:"movements" doc:"of the account asked for"`
}

type eventsQuery struct {
	Txn string `json:"txn" doc:"only the events of this bank transaction"`
}

type eventsAnswer struct {
	Events []funding.Event `json:"events"`
}

type candidatesQuery struct {
	Q string `json:"q" doc:"a buyer's name or phone number, an order number, or a payment reference (one typo away finds what it could have meant); suggestions from the transfer when left out"`
}

type flagsAnswer struct {
	Flags []risk.Flag `json:"flags"`
}

type usersQuery struct {
	ID   int64  `json:"id" doc:"only this user"`
	Q    string `json:"q" doc:"a number or part of a name"`
	Role string `json:"role" enum:"buyer,seller,operator"`
}

type userRow struct {
	models.User
	CommissionPercent string `json:"commission_percent,omitempty" doc:"sellers"`
}

type usersAnswer struct {
	Users []userRow `json:"users"`
}

func stages(st sellers.Stages) stagesAnswer {
	return stagesAnswer{Held: st.Held, Pending: st.Pending, Available: st.Available}
}

// sellerReads are the API twins of the seller portal's pages.
func (s *Server) sellerReads() []read {
	return []read{
		{name: "seller.dashboard", summary: "The seller's money by stage, what waits for them, the last 30 days, recent orders and the sales of the last 7 and 30 days",
			tag: "sellers", pages: []string{"/seller"}, api: "/seller/dashboard", roles: sellerRoles, resp: dashboardAnswer{},
			handler: func(c echo.Context) error {
				d, err := s.Sellers.Dashboard(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				out := dashboardAnswer{ShopName: d.ShopName, Stages: stages(d.Stages), History: []dayAnswer{}, Recent: []apiOrder{}, Sales: toSalesAnswers(d.Sales),
					Work: workAnswer{ToShip: d.Work.ToShip, Refunds: d.Work.Refunds, Disputes: d.Work.Disputes}}
				for _, day := range d.History {
					out.History = append(out.History, dayAnswer{Day: day.Day.Format("2006-01-02"), Held: day.Held, Pending: day.Pending, Available: day.Available})
				}
				for i := range d.Recent {
					out.Recent = append(out.Recent, s.toAPIOrder(c, &d.Recent[i], nil))
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "seller.money", summary: "The seller's money by stage and the movements on their balances", tag: "sellers",
			pages: []string{"/seller/money"}, api: "/seller/money", roles: sellerRoles, resp: sellerMoneyAnswer{},
			handler: func(c echo.Context) error {
				m, err := s.Sellers.Money(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, sellerMoneyAnswer{Stages: stages(m.Stages), Movements: apiMovements(m.Moves)})
			}},
	}
}

// opsReads are the API twins of the operators' pages.
func (s *Server) opsReads() []read {
	return []read{
		{name: "ops.overview", summary: "The queues and the books at a glance (operators)", tag: "operators", pages: []string{"/ops"},
			api: "/ops/overview", roles: operatorRoles, resp: overviewAnswer{}, handler: func(c echo.Context) error {
				ov, err := s.Books.Overview(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				out := overviewAnswer{Queues: ov.Queues, Payouts: ov.Payouts, Stuck: ov.Stuck, Breaks: ov.Breaks, Bank: ov.Bank, Suspense: ov.Suspense, Fees: ov.Fees, BadDebt: ov.BadDebt,
					Escrow: ov.Escrow, Wallets: ov.Wallets, Classes: []classAnswer{}, TotalsAt: ov.TotalsAt}
				for _, cl := range ov.Classes {
					out.Classes = append(out.Classes, classAnswer{Class: cl.Class, Total: cl.Total, Accounts: cl.Accounts})
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "books.ledger", summary: "The ledger explorer: accounts with balances, and the movements of one (operators)", tag: "operators",
			pages: []string{"/ops/ledger"}, api: "/ops/ledger", roles: operatorRoles, query: ledgerQuery{}, resp: ledgerAnswer{},
			handler: func(c echo.Context) error {
				var q ledgerQuery
				if err := decodeQuery(c, &q); err != nil {
					return err
				}
				ctx := c.Request().Context()
				acc, err := s.Books.Accounts(ctx, actor(c))
				if err != nil {
					return err
				}
				out := ledgerAnswer{Accounts: []accountAnswer{}, TotalsAt: acc.TotalsAt, Movements: []apiMovement{}}
				for _, a := range acc.Lines {
					out.Accounts = append(out.Accounts, accountAnswer{Code: a.Code, Kind: string(a.Kind), Balance: a.Balance})
				}
				if q.Account != "" {
					moves, err := s.Books.Movements(ctx, actor(c), q.Account)
					if err != nil {
						return err
					}
					out.Movements = apiMovements(moves)
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "bank_event.list", summary: "The bank's callbacks as received, those kept for review first (operators)", tag: "operators",
			pages: []string{"/ops/events"}, api: "/ops/events", roles: operatorRoles, query: eventsQuery{}, resp: eventsAnswer{},
			handler: func(c echo.Context) error {
				events, _, err := s.bankEvents(c)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, eventsAnswer{Events: nonNil(events)})
			}},
		{name: "flag.list", summary: "Open risk cases (operators)", tag: "operators", pages: []string{"/ops/flags"}, api: "/ops/flags",
			roles: operatorRoles, resp: flagsAnswer{}, handler: func(c echo.Context) error {
				flags, err := s.Risk.List(c.Request().Context(), actor(c), risk.Query{OpenOnly: true})
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, flagsAnswer{Flags: nonNil(flags)})
			}},
		{name: "user.list", summary: "Users, by number, name or role (operators)", tag: "operators", pages: []string{"/ops/users"},
			api: "/ops/users", roles: operatorRoles, query: usersQuery{}, resp: usersAnswer{}, handler: func(c echo.Context) error {
				var q usersQuery
				if err := decodeQuery(c, &q); err != nil {
					return err
				}
				ctx := c.Request().Context()
				users, err := s.Auth.ListUsers(ctx, actor(c), auth.UserQuery{ID: q.ID, Search: q.Q, Role: models.Role(q.Role)})
				if err != nil {
					return err
				}
				var ids []int64
				for _, u := range users {
					if u.Role == models.RoleSeller {
						ids = append(ids, u.ID)
					}
				}
				rates := map[int64]models.Rate{}
				if len(ids) > 0 {
					if rates, err = s.Sellers.Commissions(ctx, ids); err != nil {
						return err
					}
				}
				out := usersAnswer{Users: []userRow{}}
				for _, u := range users {
					row := userRow{User: u}
					if r, ok := rates[u.ID]; ok {
						row.CommissionPercent = r.Percent()
					}
					out.Users = append(out.Users, row)
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "suspense.candidates", summary: "Buyers and orders an unmatched transfer could be assigned to, by name, phone, order number or reference; suggestions from the transfer without q (operators)",
			tag: "operators", pages: []string{"/ops/suspense?txn="}, api: "/ops/suspense/:txn/candidates", roles: operatorRoles,
			query: candidatesQuery{}, resp: funding.Candidates{}, handler: func(c echo.Context) error {
				var q candidatesQuery
				if err := decodeQuery(c, &q); err != nil {
					return err
				}
				found, err := s.Funding.SuspenseCandidates(c.Request().Context(), actor(c), c.Param("txn"), q.Q)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, found)
			}},
		{name: "settings.get", summary: "The timers, the default commission and the withdrawal limit (operators)", tag: "operators",
			pages: []string{"/ops/settings"}, api: "/ops/settings", roles: operatorRoles, resp: settingsAnswer{}, handler: func(c echo.Context) error {
				if !actor(c).IsOperator() {
					return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
				}
				v, err := s.Settings.Get(c.Request().Context(), nil)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, settingsAnswer(v.Form()))
			}},
	}
}
