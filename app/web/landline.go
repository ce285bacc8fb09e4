package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/orders"
	"lineescrow/app/telecom"
	"lineescrow/models"
	"lineescrow/views"
)

// The requests of the landline actions. The ID digits and the code are
// secrets: never shown again, never in an answer (and the binding's actions
// take no Idempotency-Key, so no record of them is kept either).

type landlineLookupRequest struct {
	Phone string `json:"phone" required:"true" doc:"the landline with its area code, such as 0530-5552001"`
}

type landlineHolderRequest struct {
	HolderName string `json:"holder_name" required:"true" doc:"the holder's full name, as the phone company has it"`
	IDLast6    string `json:"id_last6" required:"true" format:"password" doc:"the last six characters of the holder's ID number (the last may be X); checked by the phone company, never kept"`
}

type landlineCodeRequest struct {
	Code string `json:"code" required:"true" format:"password" pattern:"^[0-9]{6}$" doc:"the six digits the verification call read to the line"`
}

type emptyRequest struct{}

type payByLandlineRequest struct {
	ID          int64  `path:"id" json:"-"`
	PayPassword string `json:"pay_password" required:"true" format:"password" pattern:"^[0-9]{6}$" doc:"the buyer's payment password"`
}

type cardRequest struct {
	CardNo  string `json:"card_no" required:"true" doc:"the card's 16 digits (spaces and dashes are ignored)"`
	CardPin string `json:"card_pin" required:"true" format:"password" doc:"the card's 8-digit PIN; never kept"`
}

// The answers.

// apiLandline is a landline: bound, or a binding in progress. It never
// carries the ID digits or the code.
type apiLandline struct {
	State           string     `json:"state" enum:"looked_up,holder_verified,bound"`
	Phone           string     `json:"phone" doc:"with its area code, such as 0530-5552001"`
	HolderMasked    string     `json:"holder_masked" doc:"the family name, the rest masked: 张*"`
	HolderName      string     `json:"holder_name,omitempty" doc:"the holder's full name, once verified"`
	CreditClass     string     `json:"credit_class" enum:"A,B,C,D"`
	TenureMonths    int        `json:"tenure_months"`
	BillingDay      int        `json:"billing_day"`
	HolderTriesLeft int        `json:"holder_tries_left"`
	CallsLeft       int        `json:"calls_left"`
	CodeSentAt      *time.Time `json:"code_sent_at" doc:"when the last verification call rang"`
	CodeExpiresAt   *time.Time `json:"code_expires_at"`
	BoundAt         *time.Time `json:"bound_at"`
}

type apiCredit struct {
	Limit     models.Money `json:"limit"`
	Used      models.Money `json:"used" doc:"charges the phone company has not collected yet"`
	Available models.Money `json:"available"`
	Blocked   string       `json:"blocked" doc:"why the line cannot charge now: overdue, written_off, in_arrears, not_active or no_credit; empty when it can"`
}

type apiCreditPolicy struct {
	LimitA            models.Money `json:"limit_a"`
	LimitB            models.Money `json:"limit_b"`
	LimitC            models.Money `json:"limit_c"`
	LimitD            models.Money `json:"limit_d"`
	NewLineMonths     int          `json:"new_line_months" doc:"a line open fewer months than this"`
	NewLineLimit      models.Money `json:"new_line_limit" doc:"gets at most this"`
	ChargesPerDay     int          `json:"charges_per_day"`
	NewBindingDays    int          `json:"new_binding_days" doc:"in its first days at the platform"`
	NewBindingCharges int          `json:"new_binding_charges" doc:"a line charges at most this many times"`
}

// apiLineCharge is an order charged to a landline's phone bill.
type apiLineCharge struct {
	ID          string       `json:"id"`
	OrderID     int64        `json:"order_id"`
	OrderTitle  string       `json:"order_title,omitempty"`
	Phone       string       `json:"phone"`
	Amount      models.Money `json:"amount"`
	State       string       `json:"state" enum:"requested,accepted,billed,collected,overdue,written_off,cancelled,void,refused"`
	Waiting     string       `json:"waiting" doc:"what it waits for: operator (the phone company has not confirmed it), bill (the bill is not issued yet), payment (billed, due by due_at), overdue; empty for nothing"`
	BillCycle   string       `json:"bill_cycle" doc:"YYYY-MM, once the phone company accepted it"`
	BillDate    *time.Time   `json:"bill_date" doc:"when the bill carrying it is issued (not billed yet)"`
	DueAt       *time.Time   `json:"due_at" doc:"when that bill is due (billed)"`
	DaysOverdue int          `json:"days_overdue"`
	LateFee     models.Money `json:"late_fee"`
	Credited    models.Money `json:"credited" doc:"refunded as a credit on the next bill (or by cancelling the charge)"`
	CreatedAt   time.Time    `json:"created_at"`
}

type landlineAnswer struct {
	Binding *apiLandline    `json:"binding" doc:"the binding in progress, while no line is bound"`
	Line    *apiLandline    `json:"line" doc:"the bound landline"`
	Credit  *apiCredit      `json:"credit" doc:"the bound line's credit"`
	Policy  apiCreditPolicy `json:"policy" doc:"how the credit follows from the line's class and tenure (the operators' settings)"`
	Charges []apiLineCharge `json:"charges"`
}

// apiOrderCharge is an order's charge, as its page shows it.
type apiOrderCharge struct {
	ID             string       `json:"id"`
	Phone          string       `json:"phone" doc:"masked for anyone but the buyer"`
	State          string       `json:"state"`
	Waiting        string       `json:"waiting" doc:"operator, bill, payment, overdue, or empty"`
	BillCycle      string       `json:"bill_cycle"`
	BillDate       *time.Time   `json:"bill_date" doc:"when the bill carrying it is issued, while it is not yet"`
	DueAt          *time.Time   `json:"due_at"`
	LateFee        models.Money `json:"late_fee"`
	Credited       models.Money `json:"credited"`
	HolderMismatch bool         `json:"holder_mismatch" doc:"the consignee's name is not the line holder's (sellers and operators; always false for the buyer)"`
}

type apiSellerCharge struct {
	OrderID     int64        `json:"order_id"`
	OrderTitle  string       `json:"order_title"`
	Phone       string       `json:"phone" doc:"masked"`
	Amount      models.Money `json:"amount"`
	State       string       `json:"state"`
	Waiting     string       `json:"waiting" doc:"bill (not issued yet), payment (billed, due by due_at), overdue"`
	BillCycle   string       `json:"bill_cycle"`
	DueAt       *time.Time   `json:"due_at"`
	DaysOverdue int          `json:"days_overdue"`
	Pending     models.Money `json:"pending" doc:"the seller's part still waiting for the collection"`
	Advanced    models.Money `json:"advanced" doc:"the part already paid to the seller early"`
}

type sellerChargesAnswer struct {
	Charges []apiSellerCharge `json:"charges"`
}

func toAPILandline(l *models.Landline) *apiLandline {
	if l == nil {
		return nil
	}
	a := &apiLandline{State: string(l.State), Phone: models.FormatLandline(l.Phone), HolderMasked: l.HolderMasked,
		CreditClass: l.CreditClass, TenureMonths: l.TenureMonths, BillingDay: l.BillingDay, CodeSentAt: l.CodeSentAt, BoundAt: l.BoundAt}
	switch l.State {
	case models.LineBound:
		a.HolderName = l.HolderName
	case models.LineLookedUp:
		a.HolderTriesLeft = max(telecom.HolderTries-l.HolderTries, 0)
		a.CallsLeft = telecom.MaxCalls
	case models.LineHolderVerified:
		a.HolderName = l.HolderName
		a.CallsLeft = max(telecom.MaxCalls-l.Calls, 0)
		if l.CodeSentAt != nil {
			until := l.CodeSentAt.Add(telecom.CodeLife)
			a.CodeExpiresAt = &until
		}
	}
	return a
}

func toAPILineCharge(c models.Charge, title string, billDate, dueAt *time.Time) apiLineCharge {
	return apiLineCharge{ID: c.ID, OrderID: c.OrderID, OrderTitle: title, Phone: models.FormatLandline(c.Phone), Amount: c.Amount,
		State: string(c.State), Waiting: telecom.Waiting(c), BillCycle: c.Cycle(), BillDate: billDate, DueAt: dueAt,
		DaysOverdue: c.DaysOverdue, LateFee: c.LateFee, Credited: c.Credited, CreatedAt: c.CreatedAt}
}

func toAPILandlinePage(p *telecom.LinePage) landlineAnswer {
	pol := p.Policy
	out := landlineAnswer{Binding: toAPILandline(p.Binding), Line: toAPILandline(p.Line), Charges: []apiLineCharge{},
		Policy: apiCreditPolicy{LimitA: pol.LimitA, LimitB: pol.LimitB, LimitC: pol.LimitC, LimitD: pol.LimitD,
			NewLineMonths: pol.NewLineMonths, NewLineLimit: pol.NewLineLimit, ChargesPerDay: pol.ChargesPerDay,
			NewBindingDays: pol.NewBindingDays, NewBindingCharges: pol.NewBindingCharges}}
	if p.Line != nil {
		out.Credit = &apiCredit{Limit: p.Credit.Limit, Used: p.Credit.Used, Available: p.Credit.Available, Blocked: p.Credit.Blocked}
	}
	for _, c := range p.Charges {
		out.Charges = append(out.Charges, toAPILineCharge(c.Charge, c.OrderTitle, c.BillDate, c.DueAt))
	}
	return out
}

func toAPIOrderCharge(l *orders.ChargeLine) *apiOrderCharge {
	if l == nil {
		return nil
	}
	return &apiOrderCharge{ID: l.ID, Phone: l.Phone, State: string(l.State), Waiting: l.Waiting, BillCycle: l.BillCycle, BillDate: l.BillDate,
		DueAt: l.DueAt, LateFee: l.LateFee, Credited: l.Credited, HolderMismatch: l.HolderMismatch}
}

// The view models.

func chargeFacts(c models.Charge, waiting string, billDate, dueAt *time.Time) views.ChargeFacts {
	return views.ChargeFacts{State: string(c.State), Waiting: waiting, BillCycle: c.Cycle(), BillDate: billDate, DueAt: dueAt,
		DaysOverdue: c.DaysOverdue, LateFee: c.LateFee, Credited: c.Credited}
}

// landlineVM turns the buyer's landline page into its view model. It reads
// nothing but its arguments.
func landlineVM(p *telecom.LinePage, f *views.Form, simURL string) views.LandlineVM {
	if f == nil {
		f = views.NewForm()
	}
	vm := views.LandlineVM{Step: views.LandlineStepLookup, Form: f}
	switch {
	case p.Line != nil:
		l := p.Line
		vm.Step = views.LandlineStepBound
		vm.Line = &views.LineVM{Phone: models.FormatLandline(l.Phone), Holder: l.HolderName, CreditClass: l.CreditClass,
			TenureMonths: l.TenureMonths, BoundAt: l.BoundAt, Limit: p.Credit.Limit, Used: p.Credit.Used, Available: p.Credit.Available,
			Blocked: p.Credit.Blocked, Policy: p.Policy}
	case p.Binding != nil:
		a := toAPILandline(p.Binding)
		vm.Step = views.LandlineStepHolder
		if p.Binding.State == models.LineHolderVerified {
			vm.Step = views.LandlineStepCode
			vm.SimURL = simURL
		}
		vm.Binding = &views.BindingVM{Phone: a.Phone, HolderMasked: a.HolderMasked, CreditClass: a.CreditClass, TenureMonths: a.TenureMonths,
			TriesLeft: a.HolderTriesLeft, CallsLeft: a.CallsLeft, CalledAt: a.CodeSentAt, CodeUntil: a.CodeExpiresAt}
	}
	for _, c := range p.Charges {
		vm.Charges = append(vm.Charges, views.LineChargeRow{ChargeFacts: chargeFacts(c.Charge, c.Waiting, c.BillDate, c.DueAt),
			OrderID: c.OrderID, Title: c.OrderTitle, Href: chargeHref(models.RoleBuyer, c.Charge), Amount: c.Amount, At: c.CreatedAt})
	}
	return vm
}

// landlinePayVM is what the order page offers to pay with.
func landlinePayVM(p *telecom.LinePage) *views.LandlinePayVM {
	if p.Line == nil {
		return &views.LandlinePayVM{}
	}
	return &views.LandlinePayVM{Bound: true, Phone: models.FormatLandline(p.Line.Phone), CreditClass: p.Line.CreditClass,
		Limit: p.Credit.Limit, Available: p.Credit.Available, Blocked: p.Credit.Blocked}
}

func orderChargeVM(l *orders.ChargeLine) *views.OrderChargeVM {
	if l == nil {
		return nil
	}
	return &views.OrderChargeVM{Phone: l.Phone, HolderMismatch: l.HolderMismatch, ChargeFacts: views.ChargeFacts{State: string(l.State),
		Waiting: l.Waiting, BillCycle: l.BillCycle, BillDate: l.BillDate, DueAt: l.DueAt, LateFee: l.LateFee, Credited: l.Credited}}
}

func cardRows(list []telecom.Redemption) []views.CardRow {
	out := make([]views.CardRow, 0, len(list))
	for _, r := range list {
		out = append(out, views.CardRow{ID: r.ID, Last4: r.CardLast4, State: r.State, Refusal: r.Refusal, Face: r.FaceValue, At: r.CreatedAt})
	}
	return out
}

// chargeHref is the page of what a charge pays: its order, or its in-store
// payment (the buyer's receipt, the seller's till).
func chargeHref(role models.Role, c models.Charge) string {
	if c.ForInstore() {
		if role == models.RoleSeller {
			return "/seller/instore/till"
		}
		return "/instore/payments/" + *c.InstorePaymentID
	}
	return orderBase(role, c.OrderID)
}

func sellerChargeRows(list []telecom.ChargeView) []views.SellerChargeRow {
	out := make([]views.SellerChargeRow, 0, len(list))
	for _, c := range list {
		out = append(out, views.SellerChargeRow{ChargeFacts: chargeFacts(c.Charge, c.Waiting, c.BillDate, c.DueAt), OrderID: c.OrderID,
			Title: c.OrderTitle, Href: chargeHref(models.RoleSeller, c.Charge), Pending: c.ToPending.Sub(c.Advanced), Advanced: c.Advanced})
	}
	return out
}

// The pages.

// landlinePages are the buyer's landline pages and the seller's view of
// money waiting for the operator (on the seller's money page).
func (s *Server) landlinePages(b, _ *echo.Group) {
	b.GET("/landline", s.landlinePage)
}

func (s *Server) landlinePage(c echo.Context) error {
	return s.landlinePageWith(c, http.StatusOK, views.NewForm())
}

func (s *Server) landlinePageWith(c echo.Context, status int, f *views.Form) error {
	p, err := s.Telecom.Page(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	sim := ""
	if s.Config != nil && s.Config.Demo && s.TelecomSim != nil {
		sim = "/sim/telecom"
	}
	return render(c, status, views.LandlinePage(landlineVM(p, f, sim)))
}

// landlineAgain shows the landline page again with the refusal beside its
// field; the secrets typed are not filled in again.
func (s *Server) landlineAgain(c echo.Context, _ any, err error) error {
	f := views.FormFrom(formParams(c), "id_last6", "code")
	if e := fillForm(c, f, err); e != nil {
		return e
	}
	return s.landlinePageWith(c, statusFor(err), f)
}

// landlineActions are what buyers do with their landline and cards.
func (s *Server) landlineActions() []action {
	// The binding's steps answer with the landline as it now stands.
	binding := func(a action) action {
		a.tag, a.roles, a.resp, a.again = "landline", buyerRoles, apiLandline{}, s.landlineAgain
		a.errs = []int{403, 409, 429, 503}
		a.next = to("/landline")
		a.answer = func(_ echo.Context, res any) (any, error) { return toAPILandline(res.(*models.Landline)), nil }
		return a
	}
	lookup := binding(action{name: "landline.lookup", summary: "Start binding a landline: look the number up at the phone company (active, not in arrears, not bound elsewhere)",
		page: "/landline/lookup", api: "/landline/lookup", done: message("Found your line. Now confirm its holder.")})
	holder := binding(action{name: "landline.verify_holder", summary: "Confirm the line's holder (full name and the last six of the ID number); on a match the phone company calls the line with a code",
		page: "/landline/holder", api: "/landline/holder", done: message("The holder is confirmed. The phone company is calling your landline now.")})
	call := binding(action{name: "landline.call_again", summary: "Have the phone company call the line again with a new code (a few times, a minute apart)",
		page: "/landline/call", api: "/landline/call", done: message("The phone company is calling your landline again, with a new code.")})
	code := binding(action{name: "landline.confirm_code", summary: "Bind the landline with the code the call read to it",
		page: "/landline/code", api: "/landline/code",
		done: func(c echo.Context, res any) string {
			return views.Tf(c.Request().Context(), "Landline %s is bound: you can pay orders with its phone bill.", models.FormatLandline(res.(*models.Landline).Phone))
		}})
	return []action{
		typed(lookup, func(c echo.Context, r *landlineLookupRequest) (any, error) {
			return s.Telecom.StartBinding(c.Request().Context(), actor(c), r.Phone)
		}),
		typed(holder, func(c echo.Context, r *landlineHolderRequest) (any, error) {
			return s.Telecom.VerifyHolder(c.Request().Context(), actor(c), r.HolderName, r.IDLast6)
		}),
		typed(call, func(c echo.Context, _ *emptyRequest) (any, error) {
			return s.Telecom.CallAgain(c.Request().Context(), actor(c))
		}),
		typed(code, func(c echo.Context, r *landlineCodeRequest) (any, error) {
			return s.Telecom.ConfirmCode(c.Request().Context(), actor(c), r.Code)
		}),
		typed(action{name: "landline.cancel", summary: "Give up the binding in progress", tag: "landline", page: "/landline/cancel",
			api: "/landline/cancel", roles: buyerRoles, resp: statusAnswer{}, errs: []int{403}, done: message("Binding cancelled."),
			next: to("/landline"), again: s.landlineAgain,
		}, func(c echo.Context, _ *emptyRequest) (any, error) {
			if err := s.Telecom.CancelBinding(c.Request().Context(), actor(c)); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "cancelled"}, nil
		}),
		typed(action{name: "landline.unbind", summary: "Unbind the landline (refused while a charge is not collected)", tag: "landline",
			page: "/landline/unbind", api: "/landline/unbind", roles: buyerRoles, resp: statusAnswer{}, errs: []int{403, 404, 409},
			done: message("Landline unbound."), next: to("/landline"), again: s.landlineAgain,
		}, func(c echo.Context, _ *emptyRequest) (any, error) {
			if err := s.Telecom.Unbind(c.Request().Context(), actor(c)); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "unbound"}, nil
		}),

		typed(action{name: "order.pay_by_landline", summary: "Pay an unpaid order by charging it to the buyer's bound landline (payment password). A charge the phone company has not confirmed yet comes back requested: it is repeated with the same id until it answers, never charged twice",
			tag: "orders", page: "/orders/:id/pay-by-landline", api: "/orders/:id/pay-by-landline", roles: buyerRoles, keyed: true,
			resp: apiLineCharge{}, errs: []int{404, 409, 423, 429, 503},
			answer: func(_ echo.Context, res any) (any, error) {
				ch := res.(*models.Charge)
				return toAPILineCharge(*ch, "", nil, telecom.DueAt(*ch)), nil
			},
			done: s.landlinePaidText,
			next: func(c echo.Context, _ any) string { return orderBase(models.RoleBuyer, idParam(c)) },
			again: func(c echo.Context, _ any, err error) error {
				return s.orderAgain(c, err, "")
			},
		}, func(c echo.Context, r *payByLandlineRequest) (any, error) {
			return s.Telecom.PayByCharge(c.Request().Context(), actor(c), r.ID, r.PayPassword)
		}),

		typed(action{name: "wallet.redeem_card", summary: "Top up the balance with the phone company's prepaid recharge card (card number and PIN; kept sealed only until the phone company answers). A redemption not answered yet comes back requested: it is repeated with the same id, the card redeemed once",
			tag: "wallet", page: "/wallet/cards", api: "/wallet/cards", roles: buyerRoles, keyed: true, status: http.StatusCreated,
			resp: telecom.Redemption{}, errs: []int{403, 409, 429, 503},
			done: func(c echo.Context, res any) string {
				r := res.(*telecom.Redemption)
				if r.FaceValue == nil {
					return views.Tf(c.Request().Context(), "The phone company has not answered for card …%s yet: it is added to your balance as soon as it does.", r.CardLast4)
				}
				return views.Tf(c.Request().Context(), "Card …%s redeemed: %s added to your balance.", r.CardLast4, r.FaceValue.Display())
			},
			next: to("/wallet#cards"),
			again: func(c echo.Context, _ any, err error) error {
				f := views.FormFrom(formParams(c), "card_pin")
				if e := fillForm(c, f, err); e != nil {
					return e
				}
				return s.walletPageWith(c, statusFor(err), views.NewForm(), f)
			},
		}, func(c echo.Context, r *cardRequest) (any, error) {
			return s.Telecom.RedeemCard(c.Request().Context(), actor(c), r.CardNo, r.CardPin)
		}),
	}
}

// landlineReads are the API twins of the landline pages.
func (s *Server) landlineReads() []read {
	return []read{
		{name: "landline.get", summary: "The buyer's landline: the binding in progress or the bound line, its credit and how it is set, and the orders charged to its phone bill",
			tag: "landline", pages: []string{"/landline"}, api: "/landline", roles: buyerRoles, resp: landlineAnswer{},
			handler: func(c echo.Context) error {
				p, err := s.Telecom.Page(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, toAPILandlinePage(p))
			}},
		{name: "seller.charges", summary: "The seller's orders paid by fixed-line charge whose proceeds wait for the buyer's phone bill, with the part paid early",
			tag: "sellers", pages: []string{"/seller/money#telecom"}, api: "/seller/charges", roles: sellerRoles, resp: sellerChargesAnswer{},
			handler: func(c echo.Context) error {
				list, err := s.Telecom.SellerCharges(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				out := sellerChargesAnswer{Charges: []apiSellerCharge{}}
				for _, ch := range list {
					out.Charges = append(out.Charges, apiSellerCharge{OrderID: ch.OrderID, OrderTitle: ch.OrderTitle, Phone: ch.Phone,
						Amount: ch.Amount, State: string(ch.State), Waiting: ch.Waiting, BillCycle: ch.Cycle(), DueAt: ch.DueAt,
						DaysOverdue: ch.DaysOverdue, Pending: ch.ToPending.Sub(ch.Advanced), Advanced: ch.Advanced})
				}
				return c.JSON(http.StatusOK, out)
			}},
	}
}

// landlinePaidText is what the buyer is told after charging an order to the
// landline: paid, or (a charge not confirmed yet) a warning instead.
func (s *Server) landlinePaidText(c echo.Context, res any) string {
	ctx := c.Request().Context()
	ch := res.(*models.Charge)
	if ch.State == models.ChargeRequested {
		// Not a success yet, nor a failure: said as a warning.
		s.flash(c, "warning", views.T(ctx, "The phone company has not confirmed the charge yet. We keep asking it; do not pay this order again."))
		return ""
	}
	return views.Tf(ctx, "Charged to landline %s: the order is paid, and the amount will be on the phone bill of %s.",
		models.FormatLandline(ch.Phone), ch.Cycle())
}
