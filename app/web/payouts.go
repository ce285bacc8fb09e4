package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/payouts"
	"lineescrow/models"
	"lineescrow/views"
)

type withdrawRequest struct {
	Amount      models.Money `json:"amount" required:"true" doc:"at least 1.00"`
	Account     string       `json:"account" doc:"buyers: a bank account in the buyer's own name (sellers are paid to the shop's account)"`
	PayPassword string       `json:"pay_password" required:"true" format:"password" pattern:"^[0-9]{6}$"`
}

type payoutsAnswer struct {
	Payouts []payouts.Payout `json:"payouts"`
}

type statementQuery struct {
	From string `json:"from" format:"date" doc:"the first day (Asia/Shanghai), YYYY-MM-DD"`
	To   string `json:"to" format:"date" doc:"the last day, included"`
}

type statementAnswer struct {
	From      string        `json:"from"`
	To        string        `json:"to"`
	Movements []apiMovement `json:"movements"`
}

func payoutRows(list []payouts.Payout) []views.PayoutRow {
	out := make([]views.PayoutRow, 0, len(list))
	for _, p := range list {
		out = append(out, views.PayoutRow{ID: p.ID, Amount: p.Amount, Account: models.MaskAccount(p.BeneficiaryAccount),
			State: string(p.State), Reason: p.Reason, At: p.CreatedAt, Settled: p.SettledAt})
	}
	return out
}

// payoutActions are withdrawals, from a seller's available money or a
// buyer's wallet.
func (s *Server) payoutActions() []action {
	withdraw := func(page string, roles []models.Role, back string) action {
		a := typed(action{name: "payout.withdraw", summary: "Withdraw to a bank account in one's own name (payment password): a seller's available money, a buyer's balance",
			tag: "payouts", page: page, api: "/payouts", roles: []models.Role{models.RoleBuyer, models.RoleSeller}, keyed: true,
			status: http.StatusCreated, resp: payouts.Payout{}, errs: []int{403, 423},
			done: func(c echo.Context, res any) string {
				return views.Tf(c.Request().Context(), "Withdrawal of %s sent to your bank. It usually arrives within minutes.", res.(*payouts.Payout).Amount.Display())
			},
			next: to(back),
			again: func(c echo.Context, _ any, err error) error {
				f := views.FormFrom(formParams(c), "pay_password")
				if e := fillForm(c, f, err); e != nil {
					return e
				}
				if currentUser(c).Role == models.RoleSeller {
					return s.sellerMoneyPage(c, statusFor(err), f)
				}
				return s.walletPageWith(c, statusFor(err), f, views.NewForm())
			},
		}, func(c echo.Context, r *withdrawRequest) (any, error) {
			return s.Payouts.Withdraw(c.Request().Context(), actor(c), payouts.Withdrawal{Amount: r.Amount, Account: r.Account, PayPassword: r.PayPassword})
		})
		a.roles = roles
		return a
	}
	seller := withdraw("/seller/money/withdraw", sellerRoles, "/seller/money#payouts")
	buyer := withdraw("/wallet/withdraw", buyerRoles, "/wallet#payouts")
	buyer.api, buyer.name = "", "payout.withdraw.buyer"
	seller.roles = []models.Role{models.RoleSeller, models.RoleBuyer} // the API route serves both
	return []action{seller, buyer}
}

// payoutReads are a person's withdrawals and a seller's statement.
func (s *Server) payoutReads() []read {
	return []read{
		{name: "payout.list", summary: "The caller's withdrawals, newest first (operators: everyone's)", tag: "payouts", api: "/payouts",
			roles: anyRoles, resp: payoutsAnswer{}, handler: func(c echo.Context) error {
				list, err := s.Payouts.List(c.Request().Context(), actor(c), payouts.Query{})
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, payoutsAnswer{Payouts: nonNil(list)})
			}},
		{name: "payout.get", summary: "One withdrawal, with its state and the bank's reason on failure", tag: "payouts", api: "/payouts/:id",
			roles: anyRoles, resp: payouts.Payout{}, handler: func(c echo.Context) error {
				p, err := s.Payouts.Get(c.Request().Context(), actor(c), c.Param("id"))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, p)
			}},
		{name: "seller.statement", summary: "The seller's statement of account: every movement on their balances between two days",
			tag: "sellers", pages: []string{"/seller/statement.csv"}, api: "/seller/statement", roles: sellerRoles, query: statementQuery{},
			resp: statementAnswer{}, handler: func(c echo.Context) error {
				q, moves, err := s.statement(c)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, statementAnswer{From: q.From, To: q.To, Movements: apiMovements(moves)})
			}},
	}
}

// statement reads a statement's range and its movements.
func (s *Server) statement(c echo.Context) (statementQuery, []models.Movement, error) {
	var q statementQuery
	if err := decodeQuery(c, &q); err != nil {
		return q, nil, err
	}
	from, ferr := time.ParseInLocation("2006-01-02", q.From, models.Shanghai)
	to, terr := time.ParseInLocation("2006-01-02", q.To, models.Shanghai)
	var ps []*models.Error
	if ferr != nil {
		ps = append(ps, models.FieldError("from", "Enter a date as YYYY-MM-DD."))
	}
	if terr != nil {
		ps = append(ps, models.FieldError("to", "Enter a date as YYYY-MM-DD."))
	}
	if err := models.Invalid(ps...); err != nil {
		return q, nil, err
	}
	moves, err := s.Sellers.Statement(c.Request().Context(), actor(c), from, to)
	return q, moves, err
}

// statementCSV is the portal's download of the statement.
func (s *Server) statementCSV(c echo.Context) error {
	q, moves, err := s.statement(c)
	if code := models.ErrorCode(err); code == models.EINVALID {
		// The range again, with the reason beside its date.
		f := views.NewForm()
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return s.sellerMoneyPageWith(c, statusFor(err), views.NewForm(), f, q)
	} else if err != nil {
		return err
	}
	body, err := views.StatementCSV(c.Request().Context(), moves)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="statement-`+q.From+`-`+q.To+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", body)
}

func (s *Server) sellerMoney(c echo.Context) error {
	return s.sellerMoneyPage(c, http.StatusOK, views.NewForm())
}

func (s *Server) sellerMoneyPage(c echo.Context, status int, f *views.Form) error {
	today := time.Now().In(models.Shanghai)
	return s.sellerMoneyPageWith(c, status, f, views.NewForm(),
		statementQuery{From: today.AddDate(0, -1, 0).Format("2006-01-02"), To: today.Format("2006-01-02")})
}

func (s *Server) sellerMoneyPageWith(c echo.Context, status int, f, sf *views.Form, q statementQuery) error {
	m, err := s.Sellers.Money(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	vm := views.SellerMoneyVM{Held: m.Stages.Held, Pending: m.Stages.Pending, Available: m.Stages.Available, InPayout: m.InPayout,
		PaidOut: m.PaidOut, Payouts: payoutRows(m.Payouts), Moves: accountMoves(m.Moves),
		StatementFrom: q.From, StatementTo: q.To, StatementForm: sf,
		Withdraw: views.WithdrawVM{Action: "/seller/money/withdraw", Withdrawable: m.Withdrawable, Minimum: payouts.Minimum,
			Account: m.Account, Holder: m.Holder, Form: f, NoPayPassword: !currentUser(c).HasPayPassword(), Back: "/seller/money"}}
	vm.Chart = chartPoints(m.History)
	for _, o := range m.HeldOrders {
		vm.HeldOrders = append(vm.HeldOrders, views.OrderRow{Order: o, Href: orderBase(models.RoleSeller, o.ID)})
	}
	if s.Telecom != nil {
		charges, err := s.Telecom.SellerCharges(c.Request().Context(), actor(c))
		if err != nil {
			return err
		}
		vm.Telecom, vm.Charges = true, sellerChargeRows(charges)
	}
	return render(c, status, views.SellerMoneyPage(vm))
}

func (s *Server) walletPage(c echo.Context) error {
	return s.walletPageWith(c, http.StatusOK, views.NewForm(), views.NewForm())
}

// walletPageWith shows the wallet with the withdrawal form f and the
// recharge card form cf.
func (s *Server) walletPageWith(c echo.Context, status int, f, cf *views.Form) error {
	w, err := s.Funding.WalletOf(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	vm := views.WalletVM{Balance: w.Balance, Reference: w.Reference, Bank: s.bankInfo(),
		Moves: accountMoves(w.Moves), Payouts: payoutRows(w.Payouts),
		Withdraw: views.WithdrawVM{Action: "/wallet/withdraw", Withdrawable: w.Withdrawable, Minimum: payouts.Minimum, AskAccount: true,
			Holder: currentUser(c).DisplayName, Form: f, NoPayPassword: !currentUser(c).HasPayPassword(), Back: "/wallet"}}
	if s.Telecom != nil {
		cards, err := s.Telecom.Redemptions(c.Request().Context(), actor(c))
		if err != nil {
			return err
		}
		vm.CardForm, vm.Cards = cf, cardRows(cards)
	}
	return render(c, status, views.WalletPage(vm))
}
