package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/models"
	"lineescrow/views"
)

// sellerMoney returns the seller's money by stage: held in escrow for paid and
// shipped orders, pending collection, available.
func (s *Server) sellerStages(c echo.Context) (held, pending, available models.Money, err error) {
	ctx := c.Request().Context()
	id := currentUser(c).ID
	if err = s.DB.WithContext(ctx).Raw(`SELECT coalesce(sum(held), 0) FROM orders WHERE seller_id = ? AND state IN ('paid', 'shipped')`, id).
		Row().Scan(&held); err != nil {
		return
	}
	bals, err := ledger.Balances(ctx, s.DB.DB, models.SellerPendingAccount(id), models.SellerAvailableAccount(id))
	if err != nil {
		return
	}
	return held, bals[models.SellerPendingAccount(id)], bals[models.SellerAvailableAccount(id)], nil
}

func (s *Server) sellerHome(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	sel, err := s.Auth.Seller(ctx, u.ID)
	if err != nil {
		return err
	}
	vm := views.SellerHomeVM{ShopName: sel.ShopName}
	if vm.Held, vm.Pending, vm.Available, err = s.sellerStages(c); err != nil {
		return err
	}
	var counts struct{ ToShip, Refunds, Disputes int }
	if err := s.DB.WithContext(ctx).Raw(`SELECT
			count(*) FILTER (WHERE state = 'paid' AND refund_state IN ('none', 'refused')) AS to_ship,
			count(*) FILTER (WHERE state IN ('paid', 'shipped') AND refund_state = 'requested') AS refunds,
			count(*) FILTER (WHERE state IN ('paid', 'shipped') AND refund_state = 'disputed') AS disputes
		FROM orders WHERE seller_id = ?`, u.ID).Scan(&counts).Error; err != nil {
		return err
	}
	vm.ToShip, vm.Refunds, vm.Disputes = counts.ToShip, counts.Refunds, counts.Disputes
	recent, err := s.Orders.List(ctx, u.Actor(), orders.Query{Limit: 8})
	if err != nil {
		return err
	}
	for _, o := range recent {
		vm.Recent = append(vm.Recent, views.OrderRow{Order: o, Href: orderBase(models.RoleSeller, o.ID)})
	}
	if vm.Chart, err = s.sellerChart(c, u.ID); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SellerHomePage(vm))
}

// sellerChart is the seller's held and available money at the end of each of
// the last 30 days (Asia/Shanghai), from the ledger.
func (s *Server) sellerChart(c echo.Context, sellerID int64) ([]views.ChartPoint, error) {
	var rows []struct {
		Day       string
		Held      models.Money
		Available models.Money
	}
	err := s.DB.WithContext(c.Request().Context()).Raw(`
		WITH days AS (
			SELECT generate_series(date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') - interval '29 days',
				date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai'), interval '1 day') AS d),
		moves AS (
			SELECT t.created_at AT TIME ZONE 'Asia/Shanghai' AS at, a.code = ? AS available,
				CASE p.direction WHEN 'credit' THEN p.amount ELSE -p.amount END AS delta
			FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id JOIN ledger_accounts a ON a.id = p.account_id
			WHERE a.code = ? OR a.code IN (SELECT 'escrow:order:' || id FROM orders WHERE seller_id = ?))
		SELECT to_char(d, 'MM-DD') AS day,
			coalesce((SELECT sum(delta) FROM moves WHERE NOT available AND at < d + interval '1 day'), 0) AS held,
			coalesce((SELECT sum(delta) FROM moves WHERE available AND at < d + interval '1 day'), 0) AS available
		FROM days ORDER BY d`, models.SellerAvailableAccount(sellerID), models.SellerAvailableAccount(sellerID), sellerID).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]views.ChartPoint, len(rows))
	any := false
	for i, r := range rows {
		out[i] = views.ChartPoint{Day: r.Day, Held: r.Held, Available: r.Available}
		any = any || !r.Held.IsZero() || !r.Available.IsZero()
	}
	if !any {
		return nil, nil
	}
	return out, nil
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

func listingInput(c echo.Context) models.ListingInput {
	return models.ListingInput{Title: c.FormValue("title"), Description: c.FormValue("description"),
		Price: c.FormValue("price"), Stock: c.FormValue("stock")}
}

func (s *Server) listingCreate(c echo.Context) error {
	_, err := s.Orders.CreateListing(c.Request().Context(), actor(c), listingInput(c))
	if err != nil {
		f := views.FormFrom(must(c.FormParams()))
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return render(c, statusFor(err), views.ListingFormPage(0, f))
	}
	s.flash(c, "success", views.T(c.Request().Context(), "Listing added: buyers can order it now."))
	return c.Redirect(http.StatusSeeOther, "/seller/listings")
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

func (s *Server) listingUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Orders.UpdateListing(c.Request().Context(), actor(c), id, listingInput(c)); err != nil {
		if models.ErrorCode(err) == models.ENOTFOUND {
			return err
		}
		f := views.FormFrom(must(c.FormParams()))
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return render(c, statusFor(err), views.ListingFormPage(id, f))
	}
	s.flash(c, "success", views.T(c.Request().Context(), "Listing saved."))
	return c.Redirect(http.StatusSeeOther, "/seller/listings")
}

func (s *Server) listingStatus(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Orders.SetListingStatus(c.Request().Context(), actor(c), id, c.FormValue("status")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/seller/listings")
}

func (s *Server) sellerMoney(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	vm := views.SellerMoneyVM{}
	var err error
	if vm.Held, vm.Pending, vm.Available, err = s.sellerStages(c); err != nil {
		return err
	}
	moves, err := ledger.Movements(ctx, s.DB.DB, ledger.MovementQuery{AccountPrefix: "seller:" + itoa64(u.ID) + ":", Limit: 200})
	if err != nil {
		return err
	}
	vm.Moves = accountMoves(moves)
	return render(c, http.StatusOK, views.SellerMoneyPage(vm))
}
