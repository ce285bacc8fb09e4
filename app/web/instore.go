package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/instore"
	"lineescrow/models"
	"lineescrow/views"
)

// In-store payments (app/instore): the seller's shop number, counter card
// and till; the buyer's "Pay a shop"; their API twins.

type instorePayRequest struct {
	Shop        string       `json:"shop" required:"true" doc:"the shop's seven-digit number, the last a check digit (spaces and dashes are ignored)"`
	Amount      models.Money `json:"amount" required:"true"`
	Method      string       `json:"method" enum:"wallet,landline" doc:"wallet (the balance) unless landline: charged to the payer's bound landline's phone bill, within its credit (GET /instore/quote says which can pay)"`
	PayPassword string       `json:"pay_password" required:"true" format:"password" pattern:"^[0-9]{6}$" doc:"the payer's payment password"`
}

type instoreRefundRequest struct {
	ID          string `path:"id" json:"-"`
	PayPassword string `json:"pay_password" required:"true" format:"password" pattern:"^[0-9]{6}$" doc:"the seller's payment password"`
}

// apiInstoreShop is a seller's in-store payments.
type apiInstoreShop struct {
	Enabled     bool         `json:"enabled"`
	ShopNumber  string       `json:"shop_number" doc:"seven digits, the last a check digit; empty until enabled the first time"`
	ShopName    string       `json:"shop_name"`
	RatePercent string       `json:"rate_percent" doc:"what the platform keeps of each payment, in percent"`
	MaxPayment  models.Money `json:"max_payment"`
	Hotline     string       `json:"hotline" doc:"the payment hotline's number, printed on the counter card"`
}

// apiInstorePayment is an in-store payment. The fee, what the seller gets
// and the payer's digits are the seller's (and operators') to see.
type apiInstorePayment struct {
	ID             string        `json:"id"`
	ShopNumber     string        `json:"shop_number"`
	ShopName       string        `json:"shop_name"`
	Amount         models.Money  `json:"amount"`
	Fee            *models.Money `json:"fee,omitempty" doc:"sellers and operators"`
	Net            *models.Money `json:"net,omitempty" doc:"what the seller gets (sellers and operators)"`
	PayerLast4     string        `json:"payer_last4,omitempty" doc:"the last four digits of the payer's phone or calling line (sellers and operators)"`
	Channel        string        `json:"channel" enum:"web,hotline"`
	Method         string        `json:"method" enum:"wallet,landline" doc:"from the balance, or charged to the payer's landline"`
	State          string        `json:"state" enum:"charging,paid,refused" doc:"charging: the phone company has not confirmed the charge yet; refused: it refused it and nothing moved"`
	Line           string        `json:"line,omitempty" doc:"the landline charged, masked"`
	CreatedAt      time.Time     `json:"created_at"`
	Refunded       bool          `json:"refunded"`
	RefundedAt     *time.Time    `json:"refunded_at"`
	RefundableTill *time.Time    `json:"refundable_until" doc:"until when the seller may still refund it; null once it cannot be"`
}

type instoreTillAnswer struct {
	Shop     *apiInstoreShop     `json:"shop" doc:"null until in-store payments are enabled"`
	Day      string              `json:"day" format:"date" doc:"today, Asia/Shanghai"`
	Total    models.Money        `json:"total" doc:"the day's payments not refunded"`
	Count    int                 `json:"count"`
	Payments []apiInstorePayment `json:"payments" doc:"newest first"`
}

type instoreMineAnswer struct {
	Limits   instore.Limits      `json:"limits"`
	Payments []apiInstorePayment `json:"payments" doc:"newest first"`
}

type apiShopLookup struct {
	ShopNumber string `json:"shop_number"`
	ShopName   string `json:"shop_name"`
}

type instoreQuoteQuery struct {
	Shop   string       `json:"shop" required:"true" doc:"the shop's seven-digit number"`
	Amount models.Money `json:"amount" required:"true"`
}

// instoreQuoteAnswer is what the confirm step of "Pay a shop" shows.
type instoreQuoteAnswer struct {
	ShopNumber string       `json:"shop_number"`
	ShopName   string       `json:"shop_name"`
	Amount     models.Money `json:"amount"`
	Methods    []string     `json:"methods" doc:"the methods that can pay it now, the balance first (wallet, landline)"`
	Line       string       `json:"line,omitempty" doc:"the bound landline that would be charged, masked (when it can pay)"`
	// Why a method cannot pay (the landline's only when one is bound).
	WalletRefusal   *apiRefusal `json:"wallet_refusal,omitempty"`
	LandlineRefusal *apiRefusal `json:"landline_refusal,omitempty"`
}

type apiRefusal struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func toRefusal(c echo.Context, err error) *apiRefusal {
	if err == nil {
		return nil
	}
	return &apiRefusal{Code: models.ErrorCode(err), Message: views.ErrorText(c.Request().Context(), err)}
}

func (s *Server) hotlineNumber() string {
	if s.Config != nil {
		return s.Config.Hotline
	}
	return ""
}

func toAPIShop(sh *instore.Shop, rate models.Rate, max models.Money, hotline string) *apiInstoreShop {
	a := &apiInstoreShop{RatePercent: rate.Percent(), MaxPayment: max, Hotline: hotline}
	if sh != nil {
		a.Enabled, a.ShopNumber, a.ShopName = sh.Enabled, string(sh.Number), sh.Name
	}
	return a
}

func toAPIInstorePayment(p instore.Payment, now time.Time, seller bool) apiInstorePayment {
	a := apiInstorePayment{ID: p.ID, ShopNumber: string(p.ShopNumber), ShopName: p.ShopName, Amount: p.Amount, Channel: p.Channel,
		Method: string(p.Method), State: p.State, Line: p.Line, CreatedAt: p.CreatedAt, Refunded: p.RefundedAt != nil, RefundedAt: p.RefundedAt}
	if seller {
		fee, net := p.Fee, p.Net()
		a.Fee, a.Net, a.PayerLast4 = &fee, &net, p.PayerLast4
	}
	if p.Refundable(now) {
		until := p.CreatedAt.Add(instore.RefundWindow)
		a.RefundableTill = &until
	}
	return a
}

// seesFees: the seller of the shop and operators see the fee and the payer.
func seesFees(a models.Actor, p instore.Payment) bool {
	return a.IsOperator() || a.IsSeller() && a.UserID == p.SellerID
}

// The view models; they read nothing but their arguments.

func instoreShopVM(sh *instore.Shop) *views.InstoreShopVM {
	if sh == nil {
		return nil
	}
	return &views.InstoreShopVM{Number: sh.Number.Display(), Name: sh.Name, Enabled: sh.Enabled}
}

func tillRow(p instore.Payment, now time.Time) views.TillRow {
	return views.TillRow{ID: p.ID, At: p.CreatedAt, Amount: p.Amount, Fee: p.Fee, Net: p.Net(), Last4: p.PayerLast4,
		Hotline: p.Channel == instore.ChannelHotline, Refunded: p.RefundedAt != nil, Refundable: p.Refundable(now),
		RefundHref: "/seller/instore/payments/" + p.ID + "/refund", RefundUntil: p.CreatedAt.Add(instore.RefundWindow),
		ShopName: p.ShopName, ShopShow: p.ShopNumber.Display(), Landline: p.Method == instore.MethodLandline, Line: p.Line,
		Charging: p.State == instore.StateCharging, ChargeRefused: p.State == instore.StateRefused}
}

func tillVM(t *instore.Till) views.TillVM {
	vm := views.TillVM{Shop: instoreShopVM(t.Shop), Day: t.Day, Total: t.Total, Count: t.Count}
	for _, p := range t.Payments {
		vm.Rows = append(vm.Rows, tillRow(p, t.Now))
	}
	return vm
}

// The pages.

func (s *Server) instoreRoutes(b, sg *echo.Group, api *echo.Group) {
	sg.GET("/instore", s.instorePage)
	sg.GET("/instore/card", s.counterCard)
	sg.GET("/instore/till", s.tillPage)
	sg.GET("/instore/payments/:id/refund", s.instoreRefundPage)
	b.GET("/instore/pay", s.payShopPage)
	b.GET("/instore/payments/:id", s.instoreReceipt)
	for _, a := range s.instoreActions() {
		s.serve(a, api)
	}
	for _, r := range s.instoreReads() {
		s.serveRead(r, api)
	}
}

func (s *Server) instoreShopAnswer(c echo.Context) (*apiInstoreShop, error) {
	ctx := c.Request().Context()
	sh, err := s.Instore.MyShop(ctx, actor(c))
	if err != nil {
		return nil, err
	}
	v, err := s.Settings.Get(ctx, nil)
	if err != nil {
		return nil, err
	}
	l, err := s.Instore.LimitsFor(ctx, models.Actor{})
	if err != nil {
		return nil, err
	}
	return toAPIShop(sh, v.InstoreRate, l.MaxPayment, s.hotlineNumber()), nil
}

func (s *Server) instorePage(c echo.Context) error {
	a, err := s.instoreShopAnswer(c)
	if err != nil {
		return err
	}
	vm := views.InstoreVM{Rate: a.RatePercent + "%", MaxPayment: a.MaxPayment, Hotline: a.Hotline}
	if a.ShopNumber != "" {
		vm.Shop = &views.InstoreShopVM{Number: instore.ShopNumber(a.ShopNumber).Display(), Name: a.ShopName, Enabled: a.Enabled}
	}
	return render(c, http.StatusOK, views.InstorePage(vm))
}

func (s *Server) counterCard(c echo.Context) error {
	sh, err := s.Instore.MyShop(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	if sh == nil || !sh.Enabled {
		s.flash(c, "error", views.T(c.Request().Context(), "Turn in-store payments on first: the card carries your shop number."))
		return c.Redirect(http.StatusSeeOther, "/seller/instore")
	}
	base := ""
	if s.Config != nil {
		base = s.Config.BaseURL
	}
	return render(c, http.StatusOK, views.CounterCardPage(views.CounterCardVM{Number: sh.Number.Display(), Name: sh.Name,
		Hotline: s.hotlineNumber(), PayURL: base + "/instore/pay"}))
}

// tillPage is the till; htmx's poll (HX-Request) gets its list alone.
func (s *Server) tillPage(c echo.Context) error {
	t, err := s.Instore.TillOf(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	vm := tillVM(t)
	c.Response().Header().Set("Cache-Control", "no-store")
	if c.Request().Header.Get("HX-Request") == "true" {
		return render(c, http.StatusOK, views.TillList(vm))
	}
	return render(c, http.StatusOK, views.TillPage(vm))
}

func (s *Server) instoreRefundPage(c echo.Context) error {
	return s.instoreRefundPageWith(c, http.StatusOK, views.NewForm())
}

func (s *Server) instoreRefundPageWith(c echo.Context, status int, f *views.Form) error {
	p, err := s.Instore.Get(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	if p.SellerID != actor(c).UserID {
		return models.Errorf(models.ENOTFOUND, "No such in-store payment.")
	}
	row := tillRow(*p, s.now())
	if !row.Refundable && status == http.StatusOK {
		s.flash(c, "error", views.T(c.Request().Context(), "This payment can no longer be refunded."))
		return c.Redirect(http.StatusSeeOther, "/seller/instore/till")
	}
	return render(c, status, views.InstoreRefundPage(views.InstoreRefundVM{Row: row, Form: f}))
}

func (s *Server) instoreReceipt(c echo.Context) error {
	p, err := s.Instore.Get(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.InstoreReceiptPage(views.InstoreReceiptVM{Row: tillRow(*p, s.now()), ForSeller: seesFees(actor(c), *p)}))
}

// payShopPage is "Pay a shop": with no shop and amount, their form; with
// them (its GET), the shop's name beside the amount and the password.
func (s *Server) payShopPage(c echo.Context) error {
	f := views.FormFrom(formParams(c))
	shop, amountText := c.QueryParam("shop"), c.QueryParam("amount")
	if shop == "" && amountText == "" || c.QueryParam("edit") != "" {
		return s.payShopWith(c, http.StatusOK, f, false, nil, models.Zero, "")
	}
	max := models.Zero
	if s.Config != nil {
		max = s.Config.MaxAmount
	}
	amount, aerr := models.ParseAmount(amountText, max)
	q, err := s.Instore.Check(c.Request().Context(), actor(c), shop, amount)
	if aerr != nil {
		// The amount's own problem first, the shop number's beside it.
		if e := models.AsError(err); e != nil && e.Field != "amount" {
			err = models.Invalid(models.AsError(aerr), e)
		} else {
			err = aerr
		}
	}
	if err != nil {
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return s.payShopWith(c, statusFor(err), f, false, nil, models.Zero, "")
	}
	return s.payShopWith(c, http.StatusOK, f, true, q, amount, newFormKey())
}

func (s *Server) payShopWith(c echo.Context, status int, f *views.Form, confirm bool, q *instore.Quote, amount models.Money, key string) error {
	ctx := c.Request().Context()
	l, err := s.Instore.LimitsFor(ctx, actor(c))
	if err != nil {
		return err
	}
	mine, err := s.Instore.Mine(ctx, actor(c))
	if err != nil {
		return err
	}
	vm := views.PayShopVM{Confirm: confirm, Form: f, Amount: amount, IdemKey: key, MaxPayment: l.MaxPayment, Left: l.Left, Balance: l.Balance,
		NoPayPassword: !currentUser(c).HasPayPassword()}
	if q != nil {
		vm.Shop, vm.ShopShow, vm.ShopName = string(q.Shop.Number), q.Shop.Number.Display(), q.Shop.Name
		for _, m := range q.Methods() {
			vm.Methods = append(vm.Methods, string(m))
		}
		if q.Line != "" {
			vm.Line = models.MaskLandline(q.Line)
		}
		if q.Wallet != nil {
			vm.WalletWhy = views.ErrorText(ctx, q.Wallet)
		}
		if q.Landline != nil && s.Telecom != nil {
			if st, err := s.Telecom.Standing(ctx, actor(c)); err == nil && st.Line != nil {
				vm.LineWhy = views.ErrorText(ctx, q.Landline)
			}
		}
		vm.Method = f.Get("method")
		if !slices.Contains(vm.Methods, vm.Method) && len(vm.Methods) > 0 {
			vm.Method = vm.Methods[0]
		}
	}
	now := s.now()
	for _, p := range mine {
		vm.Recent = append(vm.Recent, tillRow(p, now))
	}
	return render(c, status, views.PayShopPage(vm))
}

// newFormKey is the idempotency key a confirm form carries, so that a
// second press of Pay (or a reload of the POST) pays nothing twice.
func newFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "form-" + hex.EncodeToString(b)
}

// payShopAgain shows the form again: a problem with the shop or the amount
// on the first step, any other (the password, the balance) on the confirm
// step, with the same key.
func (s *Server) payShopAgain(c echo.Context, req any, err error) error {
	r := req.(*instorePayRequest)
	f := views.FormFrom(formParams(c), "pay_password")
	if e := fillForm(c, f, err); e != nil {
		return e
	}
	if field := models.ErrorField(err); field == "shop" || field == "amount" {
		return s.payShopWith(c, statusFor(err), f, false, nil, models.Zero, "")
	}
	q, qerr := s.Instore.Check(c.Request().Context(), actor(c), r.Shop, r.Amount)
	if qerr != nil {
		return s.payShopWith(c, statusFor(err), f, false, nil, models.Zero, "")
	}
	key := c.FormValue("idem_key")
	if e := models.AsError(err); key == "" || e != nil && e.Reason == instore.ReasonChargeRefused {
		// A refused charge paid nothing under its key: another way needs another.
		key = newFormKey()
	}
	return s.payShopWith(c, statusFor(err), f, true, q, r.Amount, key)
}

// instoreActions are enabling in-store payments, paying a shop, refunding.
func (s *Server) instoreActions() []action {
	shopAnswer := func(c echo.Context, _ any) (any, error) { return s.instoreShopAnswer(c) }
	return []action{
		typed(action{name: "instore.enable", summary: "Take in-store payments: the shop gets its number (kept when turned off and on)",
			tag: "instore", page: "/seller/instore/enable", api: "/seller/instore/enable", roles: sellerRoles, resp: apiInstoreShop{},
			errs: []int{403}, answer: shopAnswer, done: message("In-store payments are on: print your counter card."), next: to("/seller/instore"),
		}, func(c echo.Context, _ *emptyRequest) (any, error) {
			return s.Instore.Enable(c.Request().Context(), actor(c))
		}),
		typed(action{name: "instore.disable", summary: "Turn in-store payments off: the shop number pays nothing until turned on again",
			tag: "instore", page: "/seller/instore/disable", api: "/seller/instore/disable", roles: sellerRoles, resp: apiInstoreShop{},
			errs: []int{403, 409}, answer: shopAnswer, done: message("In-store payments are off."), next: to("/seller/instore"),
		}, func(c echo.Context, _ *emptyRequest) (any, error) {
			return s.Instore.Disable(c.Request().Context(), actor(c))
		}),
		typed(action{name: "instore.pay", summary: "Pay a shop by its shop number from the balance or charged to the bound landline's phone bill (payment password): no escrow; a refused charge answers 409 with reason charge_refused",
			tag: "instore", page: "/instore/pay", api: "/instore/payments", roles: buyerRoles, keyed: true, status: http.StatusCreated,
			resp: apiInstorePayment{}, errs: []int{403, 409, 423},
			answer: func(c echo.Context, res any) (any, error) {
				return toAPIInstorePayment(*res.(*instore.Payment), s.now(), false), nil
			},
			done: func(c echo.Context, res any) string {
				p := res.(*instore.Payment)
				return views.Tf(c.Request().Context(), "Paid %s to %s.", p.Amount.Display(), p.ShopName)
			},
			next: func(c echo.Context, res any) string {
				if p, ok := res.(*instore.Payment); ok {
					return "/instore/payments/" + p.ID
				}
				return "/instore/pay"
			},
			again: s.payShopAgain,
		}, func(c echo.Context, r *instorePayRequest) (any, error) {
			key := c.Request().Header.Get("Idempotency-Key")
			if !fromAPI(c) {
				if key = c.FormValue("idem_key"); key == "" {
					key = newFormKey()
				}
			}
			return s.Instore.Pay(c.Request().Context(), actor(c), r.Shop, r.Amount, instore.Method(r.Method), r.PayPassword, key)
		}),
		typed(action{name: "instore.refund", summary: "Refund an in-store payment whole, once, within 24 hours (the seller's payment password): the fee returns too",
			tag: "instore", page: "/seller/instore/payments/:id/refund", api: "/seller/instore/payments/:id/refund", roles: sellerRoles, keyed: true,
			resp: apiInstorePayment{}, errs: []int{404, 409, 423},
			answer: func(c echo.Context, res any) (any, error) {
				return toAPIInstorePayment(*res.(*instore.Payment), s.now(), true), nil
			},
			done: func(c echo.Context, res any) string {
				p := res.(*instore.Payment)
				return views.Tf(c.Request().Context(), "Refunded %s to the customer …%s.", p.Amount.Display(), p.PayerLast4)
			},
			next: to("/seller/instore/till"),
			again: func(c echo.Context, _ any, err error) error {
				f := views.FormFrom(formParams(c), "pay_password")
				if e := fillForm(c, f, err); e != nil {
					return e
				}
				if models.ErrorCode(err) == models.ECONFLICT {
					s.flash(c, "error", views.ErrorText(c.Request().Context(), err))
					return c.Redirect(http.StatusSeeOther, "/seller/instore/till")
				}
				return s.instoreRefundPageWith(c, statusFor(err), f)
			},
		}, func(c echo.Context, r *instoreRefundRequest) (any, error) {
			return s.Instore.Refund(c.Request().Context(), actor(c), r.ID, r.PayPassword)
		}),
	}
}

// instoreReads are the API twins of the in-store pages.
func (s *Server) instoreReads() []read {
	return []read{
		{name: "instore.shop", summary: "The seller's in-store payments: on or off, the shop number, the rate, the hotline on the counter card",
			tag: "instore", pages: []string{"/seller/instore", "/seller/instore/card"}, api: "/seller/instore", roles: sellerRoles,
			resp: apiInstoreShop{}, handler: func(c echo.Context) error {
				a, err := s.instoreShopAnswer(c)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, a)
			}},
		{name: "instore.till", summary: "The seller's till: today's in-store payments, newest first, with the payer's last four digits",
			tag: "instore", pages: []string{"/seller/instore/till"}, api: "/seller/instore/till", roles: sellerRoles,
			resp: instoreTillAnswer{}, handler: func(c echo.Context) error {
				t, err := s.Instore.TillOf(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				out := instoreTillAnswer{Day: t.Day.Format("2006-01-02"), Total: t.Total, Count: t.Count, Payments: []apiInstorePayment{}}
				if t.Shop != nil {
					v, err := s.Settings.Get(c.Request().Context(), nil)
					if err != nil {
						return err
					}
					l, err := s.Instore.LimitsFor(c.Request().Context(), models.Actor{})
					if err != nil {
						return err
					}
					out.Shop = toAPIShop(t.Shop, v.InstoreRate, l.MaxPayment, s.hotlineNumber())
				}
				for _, p := range t.Payments {
					out.Payments = append(out.Payments, toAPIInstorePayment(p, t.Now, true))
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "instore.payment", summary: "One in-store payment, to its payer, its shop's seller or an operator",
			tag: "instore", pages: []string{"/instore/payments/:id", "/seller/instore/payments/:id/refund"}, api: "/instore/payments/:id",
			roles: anyRoles, resp: apiInstorePayment{}, handler: func(c echo.Context) error {
				p, err := s.Instore.Get(c.Request().Context(), actor(c), c.Param("id"))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, toAPIInstorePayment(*p, s.now(), seesFees(actor(c), *p)))
			}},
		{name: "instore.mine", summary: "The buyer's in-store payments, newest first, with the limits and the balance as they stand",
			tag: "instore", pages: []string{"/instore/pay"}, api: "/instore/payments", roles: buyerRoles,
			resp: instoreMineAnswer{}, handler: func(c echo.Context) error {
				ctx := c.Request().Context()
				l, err := s.Instore.LimitsFor(ctx, actor(c))
				if err != nil {
					return err
				}
				list, err := s.Instore.Mine(ctx, actor(c))
				if err != nil {
					return err
				}
				out := instoreMineAnswer{Limits: l, Payments: []apiInstorePayment{}}
				for _, p := range list {
					out.Payments = append(out.Payments, toAPIInstorePayment(p, s.now(), false))
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "instore.quote", summary: "Whether the buyer could pay an amount to a shop now, and by which methods (the confirm step of Pay a shop)",
			tag: "instore", api: "/instore/quote", roles: buyerRoles, query: instoreQuoteQuery{}, resp: instoreQuoteAnswer{},
			handler: func(c echo.Context) error {
				var q instoreQuoteQuery
				if err := decodeQuery(c, &q); err != nil {
					return err
				}
				quote, err := s.Instore.Check(c.Request().Context(), actor(c), q.Shop, q.Amount)
				if err != nil {
					return err
				}
				out := instoreQuoteAnswer{ShopNumber: string(quote.Shop.Number), ShopName: quote.Shop.Name, Amount: q.Amount, Methods: []string{},
					WalletRefusal: toRefusal(c, quote.Wallet)}
				for _, m := range quote.Methods() {
					out.Methods = append(out.Methods, string(m))
				}
				if quote.Line != "" {
					out.Line = models.MaskLandline(quote.Line)
				}
				if quote.Landline != nil && s.Telecom != nil {
					if st, err := s.Telecom.Standing(c.Request().Context(), actor(c)); err == nil && st.Line != nil {
						out.LandlineRefusal = toRefusal(c, quote.Landline)
					}
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "instore.shop_lookup", summary: "The shop a shop number pays, to confirm its name before paying (a mistyped number is refused by its check digit)",
			tag: "instore", api: "/instore/shops/:number", roles: buyerRoles, resp: apiShopLookup{}, handler: func(c echo.Context) error {
				sh, err := s.Instore.Shop(c.Request().Context(), actor(c), c.Param("number"))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, apiShopLookup{ShopNumber: string(sh.Number), ShopName: sh.Name})
			}},
	}
}
