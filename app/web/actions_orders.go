package web

import (
	"github.com/labstack/echo/v4"

	"lineescrow/models"
	"lineescrow/views"
)

// orderRequest carries the inputs of every action people take on an order;
// each action reads (and the API accepts) only the fields its row of
// models.Lifecycle names.
type orderRequest struct {
	ID          int64        `path:"id" json:"-"`
	PayPassword string       `json:"pay_password" format:"password" pattern:"^[0-9]{6}$" doc:"the payment password of the person taking the action"`
	Amount      models.Money `json:"amount" doc:"the refund asked for, at most what is held"`
	BuyerAmount models.Money `json:"buyer_amount" doc:"for a split: the buyer's part, less than what is held"`
	Reason      string       `json:"reason" doc:"at most 500 characters"`
	// Carrier's enum is models.CarrierCodes (a test keeps them equal).
	Carrier     string `json:"carrier" enum:"SF,ZTO,YTO,YUNDA,STO,JT,JD,EMS,DEPPON,other" doc:"the carrier's code: SF Express, ZTO, YTO, Yunda, STO, J&T, JD Logistics, China Post/EMS, Deppon, or other"`
	CarrierName string `json:"carrier_name" doc:"with carrier other: the carrier's name, at most 40 characters"`
	TrackingNo  string `json:"tracking_no" doc:"6 to 40 letters, digits or dashes; for a listed carrier, a number of that carrier's format (refused with invalid on tracking_no otherwise)"`
	Decision    string `json:"decision" enum:"release,refund,split"`
}

// partyRoles are the users' roles of the parties to an order.
var partyRoles = map[models.Party]models.Role{models.ByBuyer: models.RoleBuyer, models.BySeller: models.RoleSeller,
	models.ByOperator: models.RoleOperator}

// portalBases are where each role's order pages live.
var portalBases = map[models.Role]string{models.RoleBuyer: "/orders/:id/", models.RoleSeller: "/seller/orders/:id/",
	models.RoleOperator: "/ops/orders/:id/"}

// orderActions are the rows of the table for the actions people take on an
// order, one per row of models.Lifecycle that has a Slug: a new order action
// is a Lifecycle row (and its form on the order page), nothing here.
func (s *Server) orderActions() []action {
	var out []action
	for _, t := range models.Lifecycle {
		if t.Slug == "" {
			continue
		}
		t := t
		fields := append([]string{}, t.Params...)
		if t.Consent {
			fields = append(fields, "pay_password")
		}
		var roles []models.Role
		for _, p := range t.By {
			if r, ok := partyRoles[p]; ok {
				roles = append(roles, r)
			}
		}
		for i, r := range roles {
			a := typed(action{
				name: "order." + string(t.Action), summary: t.Says, tag: "orders", api: "/orders/:id/" + t.Slug,
				roles: roles, keyed: t.Keyed, idem: !t.Keyed, fields: fields, resp: apiOrder{}, errs: []int{403, 404, 409, 423},
				answer: func(c echo.Context, res any) (any, error) { return s.toAPIOrder(c, res.(*models.Order), nil), nil },
				done: func(c echo.Context, _ any) string {
					v, err := s.Settings.Get(c.Request().Context(), nil)
					if err != nil {
						return views.T(c.Request().Context(), "Done.")
					}
					return settingsText(c, v, t.Done)
				},
				next: func(c echo.Context, res any) string {
					if o, ok := res.(*models.Order); ok {
						return orderBase(currentUser(c).Role, o.ID)
					}
					return orderBase(currentUser(c).Role, idParam(c))
				},
			}, func(c echo.Context, r *orderRequest) (any, error) {
				if askSlugs[t.Action] != "" {
					if err := unconfirmed(c); err != nil {
						return nil, err
					}
				}
				cmd := models.Command{Action: t.Action, Amount: r.Amount, Reason: r.Reason, Carrier: r.Carrier, CarrierName: r.CarrierName, Tracking: r.TrackingNo,
					Decision: models.Decision(r.Decision)}
				if t.Action == models.ActDecide {
					cmd.Amount = r.BuyerAmount
				}
				return s.Orders.Do(c.Request().Context(), actor(c), r.ID, cmd, r.PayPassword)
			})
			a.again = func(c echo.Context, _ any, err error) error { return s.orderAgain(c, err, askSlugs[t.Action]) }
			// One API route for all the row's parties; a portal route under
			// each party's own order pages.
			a.page = portalBases[r] + t.Slug
			if i > 0 {
				a.api = ""
			}
			a.name = a.name + portalSuffix(i, r)
			out = append(out, a)
		}
	}
	return out
}

// portalSuffix keeps action names unique when one row is served on several
// portals (the first keeps the plain name, which the API uses).
func portalSuffix(i int, r models.Role) string {
	if i == 0 {
		return ""
	}
	return "." + string(r)
}

// orderAgain shows the order page again with the refusal beside its field;
// an action that asks once more (ask) asks again.
func (s *Server) orderAgain(c echo.Context, err error, ask string) error {
	ctx := c.Request().Context()
	f := views.FormFrom(formParams(c), "pay_password")
	if e := fillForm(c, f, err); e != nil {
		return e
	}
	if isUnconfirmed(err) {
		f.Error, f.Errors = views.ErrorText(ctx, err), map[string]string{}
	}
	if f.Error == "" && len(f.Errors) > 0 {
		f.Error = views.T(ctx, "Please correct the fields below.")
	}
	vm, verr := s.orderVM(c, idParam(c), f)
	if verr != nil {
		return verr
	}
	if verr := s.askOnce(c, &vm, ask); verr != nil {
		return verr
	}
	return render(c, statusFor(err), views.OrderPage(vm))
}

// idParam is the :id of the path (0 when there is none).
func idParam(c echo.Context) int64 {
	id, err := pathID(c, "id")
	if err != nil {
		return 0
	}
	return id
}
