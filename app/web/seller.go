package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) sellerHome(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	sel, err := s.Auth.Seller(ctx, u.ID)
	if err != nil {
		return err
	}
	vm := views.SellerHomeVM{ShopName: sel.ShopName}
	st, err := s.Sellers.StagesOf(ctx, u.ID)
	if err != nil {
		return err
	}
	vm.Held, vm.Pending, vm.Available = st.Held, st.Pending, st.Available
	work, err := s.Sellers.WorkOf(ctx, u.ID)
	if err != nil {
		return err
	}
	vm.ToShip, vm.Refunds, vm.Disputes = work.ToShip, work.Refunds, work.Disputes
	recent, err := s.Orders.List(ctx, u.Actor(), orders.Query{Limit: 8})
	if err != nil {
		return err
	}
	for _, o := range recent {
		vm.Recent = append(vm.Recent, views.OrderRow{Order: o, Href: orderBase(models.RoleSeller, o.ID)})
	}
	days, err := s.Sellers.History(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, d := range days {
		vm.Chart = append(vm.Chart, views.ChartPoint{Day: d.Day.Format("01-02"), Held: d.Held, Available: d.Available})
	}
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
	return render(c, http.StatusOK, views.ListingFormPage(0, f))
}

func (s *Server) listingEdit(c echo.Context) error {
	l, err := s.pathListing(c)
	if err != nil {
		return err
	}
	if l.SellerID != currentUser(c).ID {
		return models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")
	}
	f := views.NewForm()
	f.Values = map[string]string{"title": l.Title, "description": l.Description, "price": l.Price.String(), "stock": itoa(l.Stock)}
	return render(c, http.StatusOK, views.ListingFormPage(l.ID, f))
}

func (s *Server) sellerMoney(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	vm := views.SellerMoneyVM{}
	st, err := s.Sellers.StagesOf(ctx, u.ID)
	if err != nil {
		return err
	}
	vm.Held, vm.Pending, vm.Available = st.Held, st.Pending, st.Available
	moves, err := ledger.Movements(ctx, s.DB.DB, ledger.MovementQuery{AccountPrefix: "seller:" + itoa64(u.ID) + ":", Limit: 200})
	if err != nil {
		return err
	}
	vm.Moves = accountMoves(moves)
	return render(c, http.StatusOK, views.SellerMoneyPage(vm))
}
