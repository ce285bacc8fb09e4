package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/gateway"
	"lineescrow/models"
	"lineescrow/views"
)

// The hosted cashier (/cashier/{trade_no}): a shop outside LineEscrow sends
// its customer here with the trade it created by trade.create. Anyone with
// the number sees the shop, the subject and the amount; a buyer signs in or
// registers in place, takes the trade (it becomes their order) and pays it
// as any order: by phone banking with its reference, from the balance, by
// landline bill. Once paid the page leads back to the shop's return_url with
// the signed result; the shop learns of the payment for certain only from
// the notification and trade.query.

type takeRequest struct {
	TradeNo   string           `path:"trade_no" json:"-"`
	Consignee consigneeRequest `json:"consignee" doc:"where the goods go, when the shop gave no consignee"`
}

type cashierPayRequest struct {
	TradeNo     string `path:"trade_no" json:"-"`
	PayPassword string `json:"pay_password" required:"true" format:"password" pattern:"^[0-9]{6}$"`
}

// cashierAnswer is the cashier as the API shows it.
type cashierAnswer struct {
	TradeNo    string       `json:"trade_no"`
	OutTradeNo string       `json:"out_trade_no"`
	Shop       string       `json:"shop"`
	Subject    string       `json:"subject"`
	Body       string       `json:"body"`
	Amount     models.Money `json:"amount"`
	Status     string       `json:"trade_status" doc:"in Alipay's words: WAIT_BUYER_PAY, TRADE_SUCCESS, WAIT_BUYER_CONFIRM_GOODS, TRADE_FINISHED, TRADE_CLOSED"`
	State      string       `json:"state" doc:"the order's state"`
	ExpiresAt  *time.Time   `json:"expires_at" doc:"when an unpaid trade closes"`
	// OrderID is the caller's order of the trade: pay it with
	// POST /api/v1/orders/{id}/pay or /pay-by-landline.
	OrderID        *int64 `json:"order_id" doc:"the caller's order of the trade, once taken: pay it as any order"`
	TakenByOther   bool   `json:"taken_by_other"`
	NeedsConsignee bool   `json:"needs_consignee" doc:"taking it asks for the consignee"`
	ShopFrozen     bool   `json:"shop_frozen"`
	ReturnURL      string `json:"return_url,omitempty" doc:"back to the shop with the signed result, once paid (not a proof of payment)"`
}

func cashierAnswerOf(p *gateway.CashierPage) cashierAnswer {
	a := cashierAnswer{TradeNo: p.TradeNo, OutTradeNo: p.OutTradeNo, Shop: p.ShopName, Subject: p.Subject, Body: p.Body, Amount: p.Amount,
		Status: p.Status, State: string(p.State), ExpiresAt: p.ExpiresAt, TakenByOther: p.TakenByOther, NeedsConsignee: p.NeedsConsignee,
		ShopFrozen: p.ShopFrozen, ReturnURL: p.ReturnURL}
	if p.Order != nil {
		a.OrderID = &p.Order.ID
	}
	return a
}

// cashierPages are the cashier's pages: the page itself (public) and its
// htmx poll.
func (s *Server) cashierPages() {
	s.Echo.GET("/cashier/:trade_no", s.cashierPage)
	s.Echo.GET("/cashier/:trade_no/state", s.cashierState, s.requireRole(models.RoleBuyer))
}

func (s *Server) cashierPage(c echo.Context) error {
	return s.renderCashier(c, http.StatusOK, nil)
}

// renderCashier shows the cashier; f is a refused form to show again.
func (s *Server) renderCashier(c echo.Context, status int, f *views.Form) error {
	ctx := c.Request().Context()
	tradeNo := c.Param("trade_no")
	p, err := s.Gateway.Cashier(ctx, viewerActor(c), tradeNo)
	if err != nil {
		return err
	}
	if f == nil {
		f = views.NewForm()
	}
	vm := views.CashierVM{TradeNo: p.TradeNo, ShopName: p.ShopName, Subject: p.Subject, Body: p.Body, Amount: p.Amount, State: p.State,
		ExpiresAt: p.ExpiresAt, TakenByOther: p.TakenByOther, ShopFrozen: p.ShopFrozen, NeedsConsignee: p.NeedsConsignee,
		ReturnURL: p.ReturnURL, Form: f, Login: views.NewForm(), Register: views.NewForm()}
	if u := currentUser(c); u != nil {
		vm.Viewer = string(u.Role)
	}
	if p.Order != nil {
		ovm, err := s.orderVM(c, p.Order.ID, f)
		if err != nil {
			return err
		}
		ovm.Base = views.CashierBase(p.TradeNo)
		vm.Order = &ovm
	}
	return render(c, status, views.CashierPage(vm))
}

// cashierState answers the cashier's poll: the page reloads once the trade
// moved.
func (s *Server) cashierState(c echo.Context) error {
	p, err := s.Gateway.Cashier(c.Request().Context(), actor(c), c.Param("trade_no"))
	if err != nil {
		return err
	}
	if c.QueryParam("was") != string(p.State) {
		c.Response().Header().Set("HX-Refresh", "true")
	}
	return c.NoContent(http.StatusNoContent)
}

// cashierOrder is the reader's order of a trade.
func (s *Server) cashierOrder(c echo.Context, tradeNo string) (int64, error) {
	p, err := s.Gateway.Cashier(c.Request().Context(), actor(c), tradeNo)
	if err != nil {
		return 0, err
	}
	if p.Order == nil {
		return 0, models.Errorf(models.ECONFLICT, "Take the trade first: it is not your order yet.")
	}
	return p.Order.ID, nil
}

// cashierActions are taking a trade at the cashier and paying it there (the
// payments are the order's own, whose API routes serve them).
func (s *Server) cashierActions() []action {
	back := func(c echo.Context, _ any) string { return views.CashierBase(c.Param("trade_no")) }
	again := func(c echo.Context, _ any, err error) error {
		f := views.FormFrom(formParams(c), "pay_password")
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return s.renderCashier(c, statusFor(err), f)
	}
	out := []action{
		typed(action{name: "cashier.take", summary: "Take a gateway trade at the cashier: it becomes the caller's order, to pay as any order (buyers)",
			tag: "cashier", page: "/cashier/:trade_no/take", api: "/cashier/:trade_no/take", roles: buyerRoles, idem: true, resp: apiOrder{},
			errs:   []int{404, 409},
			answer: func(c echo.Context, res any) (any, error) { return s.toAPIOrder(c, res.(*models.Order), nil), nil },
			next:   back, again: again,
		}, func(c echo.Context, r *takeRequest) (any, error) {
			return s.Gateway.Take(c.Request().Context(), actor(c), r.TradeNo, models.Checkout{ConsigneeName: r.Consignee.Name,
				ConsigneePhone: r.Consignee.Phone, ConsigneeAddress: r.Consignee.Address})
		}),
		typed(action{name: "order.pay.cashier", summary: "Pay the trade's order from the balance at the cashier", tag: "cashier",
			page: "/cashier/:trade_no/pay", roles: buyerRoles, resp: apiOrder{},
			done: message("Paid from your balance. The money is held in escrow until you confirm delivery."), next: back, again: again,
		}, func(c echo.Context, r *cashierPayRequest) (any, error) {
			id, err := s.cashierOrder(c, r.TradeNo)
			if err != nil {
				return nil, err
			}
			return s.Orders.Do(c.Request().Context(), actor(c), id, models.Command{Action: models.ActPay}, r.PayPassword)
		}),
	}
	if s.Telecom != nil {
		out = append(out, typed(action{name: "order.pay_by_landline.cashier", summary: "Pay the trade's order by landline bill at the cashier",
			tag: "cashier", page: "/cashier/:trade_no/pay-by-landline", roles: buyerRoles, resp: apiOrder{},
			done: s.landlinePaidText, next: back, again: again,
		}, func(c echo.Context, r *cashierPayRequest) (any, error) {
			id, err := s.cashierOrder(c, r.TradeNo)
			if err != nil {
				return nil, err
			}
			return s.Telecom.PayByCharge(c.Request().Context(), actor(c), id, r.PayPassword)
		}))
	}
	return out
}

// cashierReads are the cashier's twin in the API.
func (s *Server) cashierReads() []read {
	return []read{{name: "cashier.get", summary: "A gateway trade as its cashier shows it: the shop, the subject, the amount, and for its buyer the order to pay and the way back to the shop",
		tag: "cashier", pages: []string{"/cashier/:trade_no"}, api: "/cashier/:trade_no", resp: cashierAnswer{},
		handler: func(c echo.Context) error {
			p, err := s.Gateway.Cashier(c.Request().Context(), viewerActor(c), c.Param("trade_no"))
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, cashierAnswerOf(p))
		}}}
}
