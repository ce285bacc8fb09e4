package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"lineescrow/app/orders"
	"lineescrow/models"
	"lineescrow/views"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func (s *Server) listingsPage(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	if page < 1 {
		page = 1
	}
	const per = 24
	vm := views.ListingsVM{Search: c.QueryParam("q"), Category: c.QueryParam("category"), Page: page}
	list, err := s.Orders.Listings(c.Request().Context(), viewerActor(c), orders.ListingQuery{Search: vm.Search, Category: vm.Category,
		Limit: per + 1, Offset: (page - 1) * per})
	if err != nil {
		return err
	}
	if len(list) > per {
		vm.HasMore, list = page*per <= orders.MaxListingOffset, list[:per]
	}
	vm.Listings = list
	return render(c, http.StatusOK, views.ListingsPage(vm))
}

// viewerActor is the signed-in user as an actor, or models.Anonymous.
func viewerActor(c echo.Context) models.Actor {
	if u := currentUser(c); u != nil {
		return u.Actor()
	}
	return models.Anonymous
}

// pathListing returns the listing named by the path, as the viewer may see it.
func (s *Server) pathListing(c echo.Context) (*models.Listing, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Orders.Listing(c.Request().Context(), viewerActor(c), id)
}

func (s *Server) listingPage(c echo.Context) error {
	l, err := s.pathListing(c)
	if err != nil {
		return err
	}
	f := views.NewForm()
	f.Values["quantity"] = "1"
	if u := currentUser(c); u != nil && u.Role == models.RoleBuyer {
		f.Values["consignee_name"], f.Values["consignee_phone"] = u.DisplayName, models.FormatLogin(u.Login)
	}
	u := currentUser(c)
	return render(c, http.StatusOK, views.ListingPage(views.ListingVM{Listing: l, Form: f, CanBuy: u != nil && u.Role == models.RoleBuyer,
		Addresses: s.savedAddresses(c)}))
}

func (s *Server) orderPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	vm, err := s.orderVM(c, id, nil)
	if err != nil {
		return err
	}
	if err := s.askOnce(c, &vm, c.QueryParam("ask")); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.OrderPage(vm))
}

// orderList renders a list of orders for the current role.
func (s *Server) orderList(c echo.Context, vm views.OrderListVM) error {
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	vm.State, vm.Search = c.QueryParam("state"), c.QueryParam("q")
	if vm.State == "" && len(vm.Filters) > 0 {
		vm.State = vm.Filters[0][0]
	}
	state := vm.State
	if state == "all" {
		state = ""
	}
	const per = 50
	list, err := s.Orders.List(c.Request().Context(), actor(c), orders.Query{State: state, Search: vm.Search, BeforeID: before, Limit: per})
	if err != nil {
		return err
	}
	role := currentUser(c).Role
	for _, o := range list {
		vm.Rows = append(vm.Rows, views.OrderRow{Order: o, Href: orderBase(role, o.ID), Next: o.NextStep(partyOf(role))})
	}
	if vm.Tabs != nil {
		counts, err := s.Orders.TabCounts(c.Request().Context(), actor(c))
		if err != nil {
			return err
		}
		for i := range vm.Tabs {
			vm.Tabs[i].Count = counts[vm.Tabs[i].State]
		}
	}
	if len(list) == per {
		vm.NextID = list[len(list)-1].ID
	}
	return render(c, http.StatusOK, views.OrderListPage(vm))
}

// partyOf is the lifecycle's party of a portal role.
func partyOf(r models.Role) models.Party {
	switch r {
	case models.RoleBuyer:
		return models.ByBuyer
	case models.RoleSeller:
		return models.BySeller
	case models.RoleOperator:
		return models.ByOperator
	}
	return models.BySystem
}

// orderTabs are the tabs of the buyer's, seller's and operators' order
// lists (Taobao's 待付款 / 待发货 / 待收货 / 退款 / 已完成), "all" last.
func orderTabs() []views.OrderTab {
	labels := map[string]string{"to_pay": "To pay", "to_ship": "To ship", "to_receive": "To receive",
		"refund": "Refunds", "completed": "Completed", "closed": "Closed"}
	out := make([]views.OrderTab, 0, len(orders.Tabs)+1)
	for _, t := range orders.Tabs {
		out = append(out, views.OrderTab{State: t, Label: labels[t]})
	}
	return append(out, views.OrderTab{State: "all", Label: "All"})
}

var allStates = [][2]string{{"all", "All orders"}, {"awaiting_payment", "Awaiting payment"}, {"paid", "Paid · awaiting shipment"},
	{"shipped", "Shipped · awaiting confirmation"}, {"refund", "Refund or dispute open"}, {"disputed", "In dispute"},
	{"completed", "Completed"}, {"closed", "Closed"}}

func (s *Server) buyerOrders(c echo.Context) error {
	return s.orderList(c, views.OrderListVM{Title: "My orders", Base: "/orders", Filters: allStates, Tabs: orderTabs(),
		Empty: "You have no orders here yet."})
}

func (s *Server) sellerOrders(c echo.Context) error {
	return s.orderList(c, views.OrderListVM{Title: "Orders", Base: "/seller/orders", Filters: allStates, Tabs: orderTabs(),
		Empty: "No orders here yet.", Searchable: true})
}

func (s *Server) opsOrders(c echo.Context) error {
	return s.orderList(c, views.OrderListVM{Title: "Orders", Base: "/ops/orders", Filters: allStates, Tabs: orderTabs(),
		Empty: "No orders match.", Searchable: true})
}

func (s *Server) opsDisputes(c echo.Context) error {
	return s.orderList(c, views.OrderListVM{Title: "Disputes", Base: "/ops/disputes",
		Filters: [][2]string{{"disputed", "In dispute"}, {"refund", "Refund or dispute open"}}, Empty: "No open disputes."})
}

// orderState answers the order page's htmx poll: when the order moved on
// (a bank transfer arrived, the seller shipped), htmx reloads the page.
func (s *Server) orderState(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.Orders.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if c.QueryParam("was") != string(o.State)+"."+string(o.Refund) {
		c.Response().Header().Set("HX-Refresh", "true")
	}
	return c.NoContent(http.StatusNoContent)
}

// orderCountdown answers the countdown's htmx refresh with the countdown
// again; when the order has no deadline any more (its timer ran, someone
// acted), htmx reloads the page.
func (s *Server) orderCountdown(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.Orders.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	cd := views.NewCountdown(*o, s.Orders.Clock(), orderBase(currentUser(c).Role, o.ID))
	if cd == nil {
		c.Response().Header().Set("HX-Refresh", "true")
		return c.NoContent(http.StatusNoContent)
	}
	return render(c, http.StatusOK, views.Countdown(*cd))
}
