package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/app/bills"
	"lineescrow/app/payouts"
	"lineescrow/models"
	"lineescrow/views"
)

// Bills: the buyer's "Pay bills" (choose the company and the account, see
// what is owed, pay from the balance with the payment password), receipts,
// and the operators' billers with their settlement.

type billQuery struct {
	Biller  string `json:"biller" required:"true" doc:"the biller's code (GET /bills/billers)"`
	Account string `json:"account" required:"true" doc:"the account number on the bill; for phone and broadband, the landline number"`
}

type billPayRequest struct {
	Biller      string       `json:"biller" required:"true" doc:"the biller's code (GET /bills/billers)"`
	Account     string       `json:"account" required:"true"`
	Amount      models.Money `json:"amount" required:"true" doc:"at most what is owed (GET /bills/owed) and the balance"`
	PayPassword string       `json:"pay_password" required:"true" format:"password" pattern:"^[0-9]{6}$"`
	RequestID   string       `json:"request_id" doc:"the portal form's key; the API uses the Idempotency-Key header instead"`
}

type billerCodeRequest struct {
	Code string `path:"code" json:"-"`
}

type billIDRequest struct {
	ID string `path:"id" json:"-"`
}

type billersAnswer struct {
	Billers []bills.Biller `json:"billers"`
}

type billPaymentsAnswer struct {
	Payments []bills.Payment `json:"payments"`
}

type billerOverviewAnswer struct {
	Billers []bills.BillerLine `json:"billers"`
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "web_" + hex.EncodeToString(b)
}

func billRows(list []bills.Payment, base string) []views.BillRow {
	out := make([]views.BillRow, 0, len(list))
	for _, p := range list {
		out = append(out, views.BillRow{ID: p.ID, ReceiptNo: p.ReceiptNo, BillerName: p.BillerName, Account: p.Account, Payer: p.PayerName,
			Amount: p.Amount, NoticeState: p.NoticeState, At: p.CreatedAt, Href: base + p.ID})
	}
	return out
}

func (s *Server) billRoutes(api *echo.Group) {
	buyer, operator := s.requireRole(models.RoleBuyer), s.requireRole(models.RoleOperator)
	s.Echo.GET("/bills", s.billsPage, buyer)
	s.Echo.GET("/bills/:id", s.billReceipt, buyer)
	s.Echo.GET("/ops/billers", s.opsBillers, operator)
	s.Echo.GET("/ops/bills/:id", s.billReceipt, operator)
	for _, a := range s.billActions() {
		s.serve(a, api)
	}
	for _, r := range s.billReads() {
		s.serveRead(r, api)
	}
}

// billsPage shows the billers, the bill asked for (?biller=&account=) and
// the payments.
func (s *Server) billsPage(c echo.Context) error {
	q := views.FormFrom(c.QueryParams())
	return s.billsPageWith(c, http.StatusOK, q, nil)
}

// billsPageWith renders the page with the query form q and, when pay is
// not nil, the payment form again with its errors (the bill asked again).
func (s *Server) billsPageWith(c echo.Context, status int, q, pay *views.Form) error {
	ctx := c.Request().Context()
	list, err := s.Bills.Billers(ctx, actor(c))
	if err != nil {
		return err
	}
	w, err := s.Funding.WalletOf(ctx, actor(c))
	if err != nil {
		return err
	}
	paid, err := s.Bills.Payments(ctx, actor(c))
	if err != nil {
		return err
	}
	vm := views.BillsVM{Balance: w.Balance, Query: q, Pay: pay, RequestID: newRequestID(), NoPayPassword: !currentUser(c).HasPayPassword(),
		Payments: billRows(paid, "/bills/")}
	for _, b := range list {
		vm.Billers = append(vm.Billers, views.BillerOption{Code: b.Code, Name: b.Name, Category: b.Category})
	}
	if q.Get("biller") != "" || q.Get("account") != "" {
		bill, err := s.Bills.Owed(ctx, actor(c), q.Get("biller"), q.Get("account"))
		switch {
		case err == nil:
			vm.Bill = &views.BillVM{BillerCode: bill.Biller.Code, BillerName: bill.Biller.Name, Category: bill.Biller.Category,
				Account: bill.Account, Holder: bill.Holder, Period: bill.Period, Owed: bill.Owed}
			if vm.Pay == nil {
				vm.Pay = views.NewForm()
				vm.Pay.Values["amount"] = bill.Owed.String()
			}
		case models.ErrorCode(err) == models.EINVALID || models.ErrorCode(err) == models.EUNAVAILABLE:
			if e := fillForm(c, q, err); e != nil {
				return e
			}
			if status == http.StatusOK {
				status = statusFor(err)
			}
		default:
			return err
		}
	}
	if vm.Pay == nil {
		vm.Pay = views.NewForm()
	}
	return render(c, status, views.BillsPage(vm))
}

func (s *Server) billReceipt(c echo.Context) error {
	p, err := s.Bills.Payment(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	vm := views.BillReceiptVM{ID: p.ID, ReceiptNo: p.ReceiptNo, Payer: p.PayerName, BillerName: p.BillerName, Category: p.Category,
		Account: p.Account, Holder: p.Holder, Amount: p.Amount, OwedBefore: p.OwedBefore, OwedAfter: p.OwedAfter,
		NoticeState: p.NoticeState, NoticeTries: p.NoticeTries, At: p.CreatedAt, DeliveredAt: p.DeliveredAt, Back: "/bills"}
	if actor(c).IsOperator() {
		vm.Operator, vm.Back = true, "/ops/billers"
	}
	return render(c, http.StatusOK, views.BillReceiptPage(vm))
}

func (s *Server) opsBillers(c echo.Context) error {
	return s.opsBillersWith(c, http.StatusOK, views.NewForm())
}

func (s *Server) opsBillersWith(c echo.Context, status int, f *views.Form) error {
	ctx := c.Request().Context()
	lines, err := s.Bills.Overview(ctx, actor(c))
	if err != nil {
		return err
	}
	paid, err := s.Bills.Payments(ctx, actor(c))
	if err != nil {
		return err
	}
	vm := views.OpsBillersVM{Form: f, Payments: billRows(paid, "/ops/bills/")}
	for _, l := range lines {
		vm.Billers = append(vm.Billers, views.OpsBillerRow{Code: l.Code, Name: l.Name, Category: l.Category, BankAccount: models.MaskAccount(l.BankAccount),
			BankHolder: l.BankHolder, Balance: l.Balance, InTransit: l.InTransit, Settled: l.Settled, Payments: l.Payments,
			Undelivered: l.Undelivered, CanSettle: !l.Balance.LessThan(payouts.Minimum)})
	}
	return render(c, status, views.OpsBillersPage(vm))
}

func (s *Server) billActions() []action {
	pay := typed(action{name: "bill.pay", summary: "Pay a bill (phone and broadband, electricity, water) from the balance, with the payment password; the company is sent a signed payment notice",
		tag: "bills", page: "/bills/pay", api: "/bills", roles: buyerRoles, keyed: true, status: http.StatusCreated, resp: bills.Payment{},
		errs: []int{403, 423, 503},
		done: func(c echo.Context, res any) string {
			p := res.(*bills.Payment)
			return views.Tf(c.Request().Context(), "Paid %s to %s. Receipt %s.", p.Amount.Display(), p.BillerName, p.ReceiptNo)
		},
		next: func(_ echo.Context, res any) string { return "/bills/" + res.(*bills.Payment).ID },
		again: func(c echo.Context, req any, err error) error {
			r := req.(*billPayRequest)
			q := views.NewForm()
			q.Values["biller"], q.Values["account"] = r.Biller, r.Account
			f := views.FormFrom(formParams(c), "pay_password")
			if e := fillForm(c, f, err); e != nil {
				return e
			}
			return s.billsPageWith(c, statusFor(err), q, f)
		},
	}, func(c echo.Context, r *billPayRequest) (any, error) {
		key := c.Request().Header.Get("Idempotency-Key")
		if key == "" {
			key = r.RequestID
		} else {
			key = "api:" + key
		}
		return s.Bills.Pay(c.Request().Context(), actor(c), r.Biller, r.Account, r.Amount, r.PayPassword, key)
	})
	settle := typed(action{name: "biller.settle", summary: "Settle what payers paid a biller to its bank account now, through the payouts (operators; also daily)",
		tag: "operators", page: "/ops/billers/:code/settle", api: "/ops/billers/:code/settle", roles: operatorRoles, keyed: true,
		status: http.StatusCreated, resp: payouts.Payout{},
		done: func(c echo.Context, res any) string {
			return views.Tf(c.Request().Context(), "Settlement of %s sent to the bank.", res.(*payouts.Payout).Amount.Display())
		},
		next: to("/ops/billers"),
		again: func(c echo.Context, _ any, err error) error {
			f := views.NewForm()
			if e := fillForm(c, f, err); e != nil {
				return e
			}
			if f.Error == "" {
				for _, m := range f.Errors {
					f.Error = m
				}
			}
			return s.opsBillersWith(c, statusFor(err), f)
		},
	}, func(c echo.Context, r *billerCodeRequest) (any, error) {
		return s.Bills.Settle(c.Request().Context(), actor(c), r.Code)
	})
	resend := typed(action{name: "bill.resend", summary: "Send a bill payment's notice to its company again (operators)",
		tag: "operators", page: "/ops/bills/:id/resend", api: "/ops/bills/:id/resend", roles: operatorRoles, resp: statusAnswer{},
		answer: func(echo.Context, any) (any, error) { return statusAnswer{Status: "queued"}, nil },
		done:   message("The notice will be sent again."),
		next:   func(c echo.Context, _ any) string { return "/ops/bills/" + c.Param("id") },
	}, func(c echo.Context, r *billIDRequest) (any, error) {
		return nil, s.Bills.Resend(c.Request().Context(), actor(c), r.ID)
	})
	return []action{pay, settle, resend}
}

func (s *Server) billReads() []read {
	return []read{
		{name: "bill.billers", summary: "The companies whose bills can be paid from the balance", tag: "bills", api: "/bills/billers",
			roles: anyRoles, resp: billersAnswer{}, handler: func(c echo.Context) error {
				list, err := s.Bills.Billers(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, billersAnswer{Billers: nonNil(list)})
			}},
		{name: "bill.owed", summary: "What an account owes its company now, as the company says", tag: "bills", api: "/bills/owed",
			roles: buyerRoles, query: billQuery{}, resp: bills.Bill{}, handler: func(c echo.Context) error {
				var q billQuery
				if err := decodeQuery(c, &q); err != nil {
					return err
				}
				b, err := s.Bills.Owed(c.Request().Context(), actor(c), q.Biller, q.Account)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, b)
			}},
		{name: "bill.list", summary: "The caller's bill payments, newest first (operators: everyone's)", tag: "bills",
			pages: []string{"/bills"}, api: "/bills", roles: []models.Role{models.RoleBuyer, models.RoleOperator}, resp: billPaymentsAnswer{},
			handler: func(c echo.Context) error {
				list, err := s.Bills.Payments(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, billPaymentsAnswer{Payments: nonNil(list)})
			}},
		{name: "bill.get", summary: "A bill payment's receipt, with the state of its notice to the company", tag: "bills",
			pages: []string{"/bills/:id", "/ops/bills/:id"}, api: "/bills/:id", roles: []models.Role{models.RoleBuyer, models.RoleOperator},
			resp: bills.Payment{}, handler: func(c echo.Context) error {
				p, err := s.Bills.Payment(c.Request().Context(), actor(c), c.Param("id"))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, p)
			}},
		{name: "biller.overview", summary: "The billers with what they hold, are being settled and were settled (operators)", tag: "operators",
			pages: []string{"/ops/billers"}, api: "/ops/billers", roles: operatorRoles, resp: billerOverviewAnswer{},
			handler: func(c echo.Context) error {
				list, err := s.Bills.Overview(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, billerOverviewAnswer{Billers: nonNil(list)})
			}},
	}
}
