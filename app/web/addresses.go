package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/models"
	"lineescrow/models/divisions"
	"lineescrow/views"
)

// The buyer's address book (app/addresses) and the region pickers.

type addressRequest struct {
	ID        int64  `path:"id" json:"-"`
	Recipient string `json:"recipient" required:"true" doc:"at most 25 characters"`
	Phone     string `json:"phone" required:"true" doc:"the recipient's mobile number (11 digits)"`
	Province  string `json:"province" required:"true" doc:"a province's code, from GET /regions"`
	City      string `json:"city" required:"true" doc:"a code of one of the province's cities, from GET /regions?province="`
	District  string `json:"district" required:"true" doc:"a code of one of the city's districts, from GET /regions?city="`
	Detail    string `json:"detail" required:"true" doc:"street, building and door; at most 120 characters"`
	Default   bool   `json:"default" doc:"make it the default address (the first address always is)"`
}

func (r *addressRequest) input() models.AddressInput {
	return models.AddressInput{Recipient: r.Recipient, Phone: r.Phone, ProvinceCode: r.Province, CityCode: r.City,
		DistrictCode: r.District, Detail: r.Detail, Default: r.Default}
}

type addressRef struct {
	ID int64 `path:"id" json:"-"`
}

type addressesAnswer struct {
	Addresses []models.Address `json:"addresses" doc:"the default first, then the newest"`
}

type regionsQuery struct {
	Province string `json:"province" doc:"a province's code: its cities"`
	City     string `json:"city" doc:"a city's code: its districts"`
}

type regionsAnswer struct {
	Divisions []divisions.Division `json:"divisions" doc:"the provinces; a province's cities; or a city's districts"`
}

// addressActions are the buyer's changes to the address book.
func (s *Server) addressActions() []action {
	back := to("/buyer/addresses")
	return []action{
		typed(action{name: "address.add", summary: "Add an address to the address book", tag: "buyers",
			page: "/buyer/addresses", api: "/buyer/addresses", roles: buyerRoles, idem: true, status: http.StatusCreated,
			resp: models.Address{}, errs: []int{409}, done: message("Address saved."), next: back,
			again: func(c echo.Context, _ any, err error) error { return s.addressFormAgain(c, nil, err) },
		}, func(c echo.Context, r *addressRequest) (any, error) {
			if picking(c) {
				return nil, errPicking
			}
			return s.Addresses.Add(c.Request().Context(), actor(c), r.input())
		}),
		typed(action{name: "address.update", summary: "Change an address of the address book", tag: "buyers",
			page: "/buyer/addresses/:id", api: "/buyer/addresses/:id", roles: buyerRoles, idem: true,
			resp: models.Address{}, errs: []int{404}, done: message("Address saved."), next: back,
			again: func(c echo.Context, req any, err error) error {
				a, gerr := s.Addresses.Get(c.Request().Context(), nil, actor(c), req.(*addressRequest).ID)
				if gerr != nil {
					return gerr
				}
				return s.addressFormAgain(c, a, err)
			},
		}, func(c echo.Context, r *addressRequest) (any, error) {
			if picking(c) {
				return nil, errPicking
			}
			return s.Addresses.Update(c.Request().Context(), actor(c), r.ID, r.input())
		}),
		typed(action{name: "address.default", summary: "Make an address the default", tag: "buyers",
			page: "/buyer/addresses/:id/default", api: "/buyer/addresses/:id/default", roles: buyerRoles, idem: true,
			resp: models.Address{}, errs: []int{404}, done: message("This is your default address now."), next: back,
		}, func(c echo.Context, r *addressRef) (any, error) {
			return s.Addresses.SetDefault(c.Request().Context(), actor(c), r.ID)
		}),
		typed(action{name: "address.delete", summary: "Delete an address (orders keep their own copy)", tag: "buyers", method: http.MethodDelete,
			page: "/buyer/addresses/:id/delete", api: "/buyer/addresses/:id", roles: buyerRoles, idem: true,
			resp: addressesAnswer{}, errs: []int{404}, done: message("Address deleted."), next: back,
		}, func(c echo.Context, r *addressRef) (any, error) {
			if err := s.Addresses.Delete(c.Request().Context(), actor(c), r.ID); err != nil {
				return nil, err
			}
			list, err := s.Addresses.List(c.Request().Context(), actor(c))
			return addressesAnswer{Addresses: nonNil(list)}, err
		}),
	}
}

// addressReads are the API twins of the address book and of the pickers.
func (s *Server) addressReads() []read {
	return []read{
		{name: "address.list", summary: "The buyer's address book", tag: "buyers", pages: []string{"/buyer/addresses", "/buyer/addresses/:id/edit"},
			api: "/buyer/addresses", roles: buyerRoles, resp: addressesAnswer{}, handler: func(c echo.Context) error {
				list, err := s.Addresses.List(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, addressesAnswer{Addresses: nonNil(list)})
			}},
		{name: "region.list", summary: "Provinces, a province's cities or a city's districts (for addresses)", tag: "buyers",
			pages: []string{"/buyer/addresses/regions"}, api: "/regions", query: regionsQuery{}, resp: regionsAnswer{},
			handler: func(c echo.Context) error {
				var q regionsQuery
				if err := decodeQuery(c, &q); err != nil {
					return err
				}
				var list []divisions.Division
				switch {
				case q.City != "":
					list = divisions.Districts(q.City)
				case q.Province != "":
					list = divisions.Cities(q.Province)
				default:
					list = divisions.Provinces()
				}
				if list == nil {
					return models.Errorf(models.ENOTFOUND, "No such province or city.")
				}
				return c.JSON(http.StatusOK, regionsAnswer{Divisions: list})
			}},
	}
}

// addressPages are the address book's pages (buyers).
func (s *Server) addressPages(b *echo.Group) {
	b.GET("/buyer/addresses", func(c echo.Context) error { return s.addressBook(c, nil, views.NewForm(), http.StatusOK) })
	b.GET("/buyer/addresses/:id/edit", func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		a, err := s.Addresses.Get(c.Request().Context(), nil, actor(c), id)
		if err != nil {
			return err
		}
		return s.addressBook(c, a, views.AddressForm(*a), http.StatusOK)
	})
	// The pickers alone, for htmx to replace them when a select changes.
	b.GET("/buyer/addresses/regions", func(c echo.Context) error {
		f := views.NewForm()
		p := views.NewPicker(c.QueryParam("province"), c.QueryParam("city"), c.QueryParam("district"))
		return render(c, http.StatusOK, views.RegionPicker(f, p))
	})
}

// addressBook renders the address book with the form f (adding, or editing a).
func (s *Server) addressBook(c echo.Context, a *models.Address, f *views.Form, status int) error {
	vm := views.AddressBookVM{Form: f, Editing: a,
		Picker: views.NewPicker(f.Get("province"), f.Get("city"), f.Get("district"))}
	if a == nil {
		list, err := s.Addresses.List(c.Request().Context(), actor(c))
		if err != nil {
			return err
		}
		vm.Addresses = list
	}
	return render(c, status, views.AddressBookPage(vm))
}

// errPicking refuses to save a form whose "Next" of the pickers was pressed.
var errPicking = models.Errorf(models.EINVALID, "Choose the region, then save the address.")

// picking reports whether the portal's form was sent by the pickers' "Next"
// (the API has no such field).
func picking(c echo.Context) bool {
	return c.Request().Header.Get(echo.HeaderContentType) == echo.MIMEApplicationForm && c.FormValue("pick") != ""
}

// addressFormAgain shows the address form again. After "Next" of the
// pickers (the field pick) nothing was meant to be saved: the form comes
// back with the next level to choose and without errors.
func (s *Server) addressFormAgain(c echo.Context, a *models.Address, err error) error {
	f := views.FormFrom(formParams(c))
	status := statusFor(err)
	if f.Get("pick") != "" && models.ErrorCode(err) == models.EINVALID {
		delete(f.Values, "pick")
		return s.addressBook(c, a, f, http.StatusOK)
	}
	if e := fillForm(c, f, err); e != nil {
		return e
	}
	if f.Error == "" && len(f.Errors) > 0 {
		f.Error = views.T(c.Request().Context(), "Please correct the fields below.")
	}
	return s.addressBook(c, a, f, status)
}

// savedAddresses are the signed-in buyer's addresses for the checkout form
// (none for anyone else, or when the address book cannot be read: the
// consignee can still be typed).
func (s *Server) savedAddresses(c echo.Context) []models.Address {
	u := currentUser(c)
	if s.Addresses == nil || u == nil || u.Role != models.RoleBuyer {
		return nil
	}
	list, err := s.Addresses.List(c.Request().Context(), actor(c))
	if err != nil {
		return nil
	}
	return list
}
