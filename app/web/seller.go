package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"lineescrow/app/orders"
	"lineescrow/app/sellers"
	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) sellerHome(c echo.Context) error {
	d, err := s.Sellers.Dashboard(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	vm := views.SellerHomeVM{ShopName: d.ShopName, Held: d.Stages.Held, Pending: d.Stages.Pending, Available: d.Stages.Available,
		ToShip: d.Work.ToShip, Refunds: d.Work.Refunds, Disputes: d.Work.Disputes}
	for _, o := range d.Recent {
		vm.Recent = append(vm.Recent, views.OrderRow{Order: o, Href: orderBase(models.RoleSeller, o.ID)})
	}
	vm.Chart = chartPoints(d.History)
	vm.Sales = salesVMs(d.Sales)
	return render(c, http.StatusOK, views.SellerHomePage(vm))
}

func (s *Server) sellerListings(c echo.Context) error {
	u := currentUser(c)
	list, err := s.Orders.Listings(c.Request().Context(), u.Actor(), orders.ListingQuery{SellerID: u.ID, Limit: 100})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SellerListingsPage(list))
}

func (s *Server) listingNew(c echo.Context) error {
	f := views.NewForm()
	f.Values["stock"] = "1"
	f.Values["category"] = "other"
	return render(c, http.StatusOK, views.ListingFormPage(views.ListingFormVM{Form: f}))
}

func (s *Server) listingEdit(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")
	}
	return s.listingEditPage(c, id, nil, nil)
}

// chartPoints are the days of a seller's money chart.
func chartPoints(days []sellers.Day) []views.ChartPoint {
	out := make([]views.ChartPoint, 0, len(days))
	for _, p := range days {
		out = append(out, views.ChartPoint{Day: p.Day.Format("01-02"), Held: p.Held, Pending: p.Pending, Available: p.Available})
	}
	return out
}

// salesVMs are the dashboard's sales summaries.
func salesVMs(sales []sellers.Sales) []views.SalesVM {
	out := make([]views.SalesVM, 0, len(sales))
	for _, s := range sales {
		out = append(out, views.SalesVM{Days: s.Days, PaidOrders: s.PaidOrders, SettledOrders: s.SettledOrders, Refunded: s.RefundedOrders,
			Paid: s.Paid, Gross: s.Gross, Commission: s.Commission, Net: s.Net, Refunds: s.Refunds})
	}
	return out
}
