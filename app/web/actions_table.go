package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/auth"
	"lineescrow/app/clawback"
	"lineescrow/models"
	"lineescrow/views"
)

// The requests of the actions below. Field names are the JSON and form names.

type consigneeRequest struct {
	Name    string `json:"name" required:"true"`
	Phone   string `json:"phone" required:"true" doc:"a mobile or landline number"`
	Address string `json:"address" required:"true"`
}

type checkoutRequest struct {
	ListingID int64            `path:"id" json:"listing_id" required:"true"`
	Quantity  int              `json:"quantity" required:"true" doc:"1 to 99"`
	AddressID int64            `json:"address_id" doc:"one of the buyer's saved addresses (GET /buyer/addresses): the order keeps a copy of it, and consignee is left out"`
	Consignee consigneeRequest `json:"consignee" doc:"where the goods go, unless address_id names a saved address"`
}

type listingRequest struct {
	ID          int64        `path:"id" json:"-"`
	Title       string       `json:"title" required:"true"`
	Description string       `json:"description"`
	Price       models.Money `json:"price" required:"true"`
	Stock       int          `json:"stock" required:"true"`
	Category    string       `json:"category" enum:"clothing,food,digital,home,beauty,books,crafts,other" doc:"other when left out"`
	ShippingFee models.Money `json:"shipping_fee" doc:"charged once per order; free when left out"`
}

func (r *listingRequest) input() models.ListingInput {
	return models.ListingInput{Title: r.Title, Description: r.Description, Price: r.Price.String(), Stock: strconv.Itoa(r.Stock),
		Category: r.Category, ShippingFee: r.ShippingFee.String()}
}

type listingStatusRequest struct {
	ID     int64  `path:"id" json:"-"`
	Status string `json:"status" required:"true" enum:"active,withdrawn"`
}

type registerRequest struct {
	Role     string `json:"role" enum:"buyer,seller" doc:"buyer unless seller"`
	Login    string `json:"login" required:"true" doc:"a mainland mobile number or a landline with its area code"`
	Password string `json:"password" required:"true" format:"password" doc:"8 to 128 characters, not on the list of common passwords"`
	// PasswordConfirm guards typos: the portal's form asks for it; in the
	// API it is optional, and when given must equal password.
	PasswordConfirm string `json:"password_confirm" format:"password" doc:"the password again; optional, but when given it must equal password"`
	DisplayName     string `json:"display_name" required:"true"`
	ShopName        string `json:"shop_name" doc:"sellers"`
	LegalName       string `json:"legal_name" doc:"sellers: the name on the payout account"`
	BankAccount     string `json:"bank_account" doc:"sellers: the payout account"`
	BankHolder      string `json:"bank_holder" doc:"sellers"`
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password" required:"true" format:"password"`
	NewPassword     string `json:"new_password" required:"true" format:"password" doc:"8 to 128 characters, not on the list of common passwords"`
	// NewPasswordConfirm guards typos, as registerRequest.PasswordConfirm.
	NewPasswordConfirm string `json:"new_password_confirm" format:"password" doc:"the new password again; optional, but when given it must equal new_password"`
}

type payPasswordRequest struct {
	CurrentPassword string `json:"current_password" format:"password" doc:"the login password (to set it, or instead of the old one)"`
	OldPayPassword  string `json:"old_pay_password" format:"password" doc:"the current payment password, to change it"`
	PayPassword     string `json:"pay_password" required:"true" format:"password" pattern:"^[0-9]{6}$"`
	// PayPasswordConfirm guards typos: the portal's forms ask for it; in
	// the API it is optional, and when given must equal pay_password.
	PayPasswordConfirm string `json:"pay_password_confirm" format:"password" doc:"the new payment password again; optional, but when given it must equal pay_password"`
}

type freezeRequest struct {
	ID     int64  `path:"id" json:"-"`
	Frozen *bool  `json:"frozen" doc:"false to unfreeze; freezes when left out"`
	Reason string `json:"reason" doc:"required to freeze"`
}

type commissionRequest struct {
	ID          int64  `path:"id" json:"-"`
	RatePercent string `json:"rate_percent" required:"true" doc:"in percent, from 0 to 20, such as 0.6"`
}

type commissionAnswer struct {
	SellerID    string `json:"seller_id"`
	RatePercent string `json:"rate_percent"`
}

type assignRequest struct {
	Txn     string `path:"txn" json:"-"`
	OrderID int64  `json:"order_id" doc:"assign to this order, or"`
	UserID  int64  `json:"user_id" doc:"to this buyer's balance"`
	Note    string `json:"note"`
}

type noteRequest struct {
	Txn  string `path:"txn" json:"-"`
	ID   int64  `path:"id" json:"-"`
	Note string `json:"note"`
}

type statusAnswer struct {
	Status string `json:"status"`
}

type resolveRequest struct {
	ID         int64  `path:"id" json:"-"`
	Resolution string `json:"resolution" required:"true" doc:"what was done"`
}

// settingsRequest are the operators' settings, as the form and the API name
// them: durations such as 72h, 7d or 30m, the commission in percent.
type settingsRequest struct {
	UnpaidClose       string `json:"timer.unpaid_close" doc:"close unpaid orders after"`
	ShipBy            string `json:"timer.ship_by" doc:"refund orders not shipped within"`
	AutoConfirm       string `json:"timer.auto_confirm" doc:"confirm shipped orders automatically after"`
	ConfirmExtend     string `json:"timer.confirm_extend" doc:"a buyer's one extension"`
	RefundAnswer      string `json:"timer.refund_answer" doc:"accept unanswered refund requests after"`
	DefaultCommission string `json:"fees.default_commission" doc:"commission for new sellers, in percent"`
	PayoutDailyLimit  string `json:"payouts.daily_limit" doc:"what one person may withdraw in a day, such as 50000.00"`
	LimitA            string `json:"credit.limit_a" doc:"landline credit of class A lines, such as 3000.00"`
	LimitB            string `json:"credit.limit_b" doc:"landline credit of class B lines"`
	LimitC            string `json:"credit.limit_c" doc:"landline credit of class C lines"`
	LimitD            string `json:"credit.limit_d" doc:"landline credit of class D lines (0: none)"`
	NewLineMonths     string `json:"credit.new_line_months" doc:"lines with less tenure than this many months are capped"`
	NewLineLimit      string `json:"credit.new_line_limit" doc:"the cap of short-tenure lines"`
	ChargesPerDay     string `json:"credit.charges_per_day" doc:"charges one line may make in a day"`
	NewBindingDays    string `json:"credit.new_binding_days" doc:"for this many days after binding, a line is new"`
	NewBindingCharges string `json:"credit.new_binding_charges" doc:"charges a new line may make in all"`
	AdvanceCap        string `json:"advance.global_cap" doc:"all advances outstanding at once"`
	AdvanceSellerCap  string `json:"advance.seller_cap" doc:"a seller's advances outstanding, unless the seller has a cap of their own"`
	InstoreRate       string `json:"instore.rate" doc:"what the platform keeps of an in-store payment, in percent"`
	InstoreMax        string `json:"instore.max_payment" doc:"one in-store payment at most"`
	InstoreDaily      string `json:"instore.daily_limit" doc:"what one payer pays shops in a day at most"`
	TransferMax       string `json:"transfer.max_amount" doc:"one transfer to another person's balance at most"`
	TransferDaily     string `json:"transfer.daily_limit" doc:"what one person transfers to others in a day at most"`
}

func (r *settingsRequest) form() map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"timer.unpaid_close": r.UnpaidClose, "timer.ship_by": r.ShipBy, "timer.auto_confirm": r.AutoConfirm,
		"timer.confirm_extend": r.ConfirmExtend, "timer.refund_answer": r.RefundAnswer, "fees.default_commission": r.DefaultCommission,
		"payouts.daily_limit": r.PayoutDailyLimit, "credit.limit_a": r.LimitA, "credit.limit_b": r.LimitB, "credit.limit_c": r.LimitC,
		"credit.limit_d": r.LimitD, "credit.new_line_months": r.NewLineMonths, "credit.new_line_limit": r.NewLineLimit,
		"credit.charges_per_day": r.ChargesPerDay, "credit.new_binding_days": r.NewBindingDays, "credit.new_binding_charges": r.NewBindingCharges,
		"advance.global_cap": r.AdvanceCap, "advance.seller_cap": r.AdvanceSellerCap,
		"instore.rate": r.InstoreRate, "instore.max_payment": r.InstoreMax, "instore.daily_limit": r.InstoreDaily,
		"transfer.max_amount": r.TransferMax, "transfer.daily_limit": r.TransferDaily} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

var (
	buyerRoles    = []models.Role{models.RoleBuyer}
	sellerRoles   = []models.Role{models.RoleSeller}
	operatorRoles = []models.Role{models.RoleOperator}
	anyRoles      = []models.Role{models.RoleBuyer, models.RoleSeller, models.RoleOperator}
)

// tradeActions is the table of what people do in trades besides an
// order's own steps (orderActions).
func (s *Server) tradeActions() []action {
	return []action{
		typed(action{name: "order.checkout", summary: "Check out: create an order, reserving stock", tag: "orders",
			page: "/listings/:id/checkout", api: "/orders", roles: buyerRoles, keyed: true, status: http.StatusCreated, resp: apiOrder{},
			errs:   []int{403, 404, 409},
			answer: func(c echo.Context, res any) (any, error) { return s.toAPIOrder(c, res.(*models.Order), nil), nil },
			done:   message("Order placed. Pay by phone banking with the reference below, or from your balance."),
			next: func(c echo.Context, res any) string {
				if o, ok := res.(*models.Order); ok {
					return orderBase(models.RoleBuyer, o.ID)
				}
				return "/listings"
			},
			again: func(c echo.Context, req any, err error) error {
				r := req.(*checkoutRequest)
				l, lerr := s.Orders.Listing(c.Request().Context(), actor(c), r.ListingID)
				if lerr != nil {
					return lerr
				}
				f := views.FormFrom(formParams(c))
				if e := fillForm(c, f, err); e != nil {
					return e
				}
				return render(c, statusFor(err), views.ListingPage(views.ListingVM{Listing: l, Form: f, CanBuy: true, Addresses: s.savedAddresses(c)}))
			},
		}, func(c echo.Context, r *checkoutRequest) (any, error) {
			return s.Orders.Checkout(c.Request().Context(), actor(c), models.Checkout{ListingID: r.ListingID, Quantity: r.Quantity, AddressID: r.AddressID,
				ConsigneeName: r.Consignee.Name, ConsigneePhone: r.Consignee.Phone, ConsigneeAddress: r.Consignee.Address})
		}),

		typed(action{name: "listing.create", summary: "Add a listing", tag: "sellers", page: "/seller/listings", api: "/seller/listings",
			roles: sellerRoles, idem: true, status: http.StatusCreated, resp: models.Listing{}, errs: []int{403},
			done: message("Listing added: buyers can order it now."), next: to("/seller/listings"),
			again: func(c echo.Context, _ any, err error) error { return s.listingFormAgain(c, 0, err) },
		}, func(c echo.Context, r *listingRequest) (any, error) {
			return s.Orders.CreateListing(c.Request().Context(), actor(c), r.input())
		}),
		typed(action{name: "listing.update", summary: "Edit a listing", tag: "sellers", method: http.MethodPut,
			page: "/seller/listings/:id", api: "/seller/listings/:id", roles: sellerRoles, resp: models.Listing{}, errs: []int{404},
			done: message("Listing saved."), next: to("/seller/listings"),
			again: func(c echo.Context, req any, err error) error {
				return s.listingFormAgain(c, req.(*listingRequest).ID, err)
			},
		}, func(c echo.Context, r *listingRequest) (any, error) {
			return s.Orders.UpdateListing(c.Request().Context(), actor(c), r.ID, r.input())
		}),
		typed(action{name: "listing.status", summary: "Withdraw a listing or put it back on sale", tag: "sellers",
			page: "/seller/listings/:id/status", api: "/seller/listings/:id/status", roles: sellerRoles, resp: models.Listing{}, errs: []int{404},
			next: to("/seller/listings"),
		}, func(c echo.Context, r *listingStatusRequest) (any, error) {
			if err := s.Orders.SetListingStatus(c.Request().Context(), actor(c), r.ID, r.Status); err != nil {
				return nil, err
			}
			return s.Orders.Listing(c.Request().Context(), actor(c), r.ID)
		}),

		typed(action{name: "suspense.assign", summary: "Assign an unmatched transfer to an order or a buyer's balance (operators)", tag: "operators",
			page: "/ops/suspense/:txn/assign", api: "/ops/suspense/:txn/assign", roles: operatorRoles, keyed: true, resp: statusAnswer{},
			errs: []int{403, 404, 409}, done: message("Transfer assigned."), next: to("/ops/suspense"),
			again: func(c echo.Context, _ any, err error) error { return s.suspenseAgain(c, err) },
		}, func(c echo.Context, r *assignRequest) (any, error) {
			ctx := c.Request().Context()
			var err error
			switch {
			case r.OrderID > 0 && r.UserID == 0:
				err = s.Funding.AssignToOrder(ctx, actor(c), r.Txn, r.OrderID, r.Note)
			case r.UserID > 0 && r.OrderID == 0:
				err = s.Funding.AssignToWallet(ctx, actor(c), r.Txn, r.UserID, r.Note)
			default:
				err = models.Errorf(models.EINVALID, "Give either order_id or user_id.")
			}
			if err != nil {
				return nil, err
			}
			return statusAnswer{Status: "assigned"}, nil
		}),
		typed(action{name: "suspense.return", summary: "Mark an unmatched transfer for return to the payer (operators)", tag: "operators",
			page: "/ops/suspense/:txn/return", api: "/ops/suspense/:txn/return", roles: operatorRoles, idem: true, resp: statusAnswer{},
			errs: []int{403, 404, 409}, done: message("Marked for return to the payer."), next: to("/ops/suspense"),
			again: func(c echo.Context, _ any, err error) error { return s.suspenseAgain(c, err) },
		}, func(c echo.Context, r *noteRequest) (any, error) {
			if err := s.Funding.MarkForReturn(c.Request().Context(), actor(c), r.Txn, r.Note); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "return_requested"}, nil
		}),
		typed(action{name: "flag.resolve", summary: "Close a risk case, saying what was done (operators)", tag: "operators",
			page: "/ops/flags/:id/resolve", api: "/ops/flags/:id/resolve", roles: operatorRoles, resp: statusAnswer{}, errs: []int{403, 404},
			done: message("Case resolved."), next: to("/ops/flags"),
		}, func(c echo.Context, r *resolveRequest) (any, error) {
			if err := s.Risk.Resolve(c.Request().Context(), actor(c), r.ID, r.Resolution); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "resolved"}, nil
		}),
		typed(action{name: "clawback.recover", summary: "Recover a claw-back from the person's balance now and from their next credits (operators)",
			tag: "operators", page: "/ops/clawbacks/:id/recover", api: "/ops/clawbacks/:id/recover", roles: operatorRoles, keyed: true,
			resp: clawback.Clawback{}, errs: []int{403, 404, 409},
			done: message("Recovery started: what the person holds now was taken, the rest comes from their next credits."),
			next: to("/ops/clawbacks"), again: func(c echo.Context, _ any, err error) error { return s.clawbacksAgain(c, err) },
		}, func(c echo.Context, r *noteRequest) (any, error) {
			if err := s.Clawbacks.Recover(c.Request().Context(), actor(c), r.ID, r.Note); err != nil {
				return nil, err
			}
			return s.Clawbacks.Get(c.Request().Context(), actor(c), r.ID)
		}),
		typed(action{name: "clawback.write_off", summary: "Write off what is still owed as the platform's bad debt (operators)",
			tag: "operators", page: "/ops/clawbacks/:id/write-off", api: "/ops/clawbacks/:id/write-off", roles: operatorRoles, keyed: true,
			resp: clawback.Clawback{}, errs: []int{403, 404, 409}, done: message("Written off as the platform's loss."),
			next: to("/ops/clawbacks"), again: func(c echo.Context, _ any, err error) error { return s.clawbacksAgain(c, err) },
		}, func(c echo.Context, r *noteRequest) (any, error) {
			if err := s.Clawbacks.WriteOff(c.Request().Context(), actor(c), r.ID, r.Note); err != nil {
				return nil, err
			}
			return s.Clawbacks.Get(c.Request().Context(), actor(c), r.ID)
		}),
		typed(action{name: "settings.update", summary: "Change the timers and the default commission (operators); omitted settings stay",
			tag: "operators", method: http.MethodPut, page: "/ops/settings", api: "/ops/settings", roles: operatorRoles,
			resp: settingsAnswer{}, errs: []int{403}, done: message("Settings saved."), next: to("/ops/settings"),
			answer: func(c echo.Context, res any) (any, error) { return res, nil },
			again: func(c echo.Context, _ any, err error) error {
				f := views.FormFrom(formParams(c))
				if e := fillForm(c, f, err); e != nil {
					return e
				}
				return render(c, statusFor(err), views.SettingsPage(f))
			},
		}, func(c echo.Context, r *settingsRequest) (any, error) {
			v, err := s.Settings.Update(c.Request().Context(), actor(c), r.form())
			if err != nil {
				return nil, err
			}
			return settingsAnswer(v.Form()), nil
		}),
	}
}

// accountActions is the table of what people do with accounts: their own,
// and operators' on others'.
func (s *Server) accountActions() []action {
	return []action{
		typed(action{name: "account.register", summary: "Open a buyer's or a seller's account (then sign in for a token)", tag: "auth",
			page: "/register", api: "/register", status: http.StatusCreated, resp: models.User{}, errs: []int{429},
			done: func(c echo.Context, res any) string {
				return views.Tf(c.Request().Context(), "Welcome, %s! Your account is ready.", res.(*models.User).DisplayName)
			},
			next: func(c echo.Context, res any) string {
				u := res.(*models.User)
				if err := s.startSession(c, u); err != nil {
					return "/login"
				}
				// First the payment password, which paying, confirming and
				// refunding need; then where they were going (registered in
				// place, at the cashier) or their home.
				next := localPath(c.FormValue("next"))
				if next == "/" {
					next = homeOf(u)
				}
				return payPasswordSetup(next)
			},
			again: func(c echo.Context, req any, err error) error {
				f := views.FormFrom(formParams(c), "password", "password_confirm")
				if e := fillForm(c, f, err); e != nil {
					return e
				}
				return render(c, statusFor(err), views.RegisterPage(f, registerRole(req.(*registerRequest).Role)))
			},
		}, func(c echo.Context, r *registerRequest) (any, error) {
			return s.Auth.Register(c.Request().Context(), models.Registration{Role: models.Role(registerRole(r.Role)), Login: r.Login,
				Password: r.Password, Confirm: r.PasswordConfirm, ConfirmGiven: !fromAPI(c) || r.PasswordConfirm != "", DisplayName: r.DisplayName, ShopName: r.ShopName, LegalName: r.LegalName,
				BankAccount: r.BankAccount, BankHolder: r.BankHolder}, c.RealIP())
		}),
		typed(action{name: "account.password", summary: "Change the login password (every session and token is revoked)", tag: "auth",
			page: "/account/password", api: "/account/password", roles: anyRoles, resp: statusAnswer{}, errs: []int{429},
			done: message("Password changed. Sign in again with the new password."),
			next: func(c echo.Context, _ any) string {
				// Every session is revoked; this browser signs in again.
				s.cookie(c, sessionCookie, "", -1)
				return "/login"
			},
			again: func(c echo.Context, _ any, err error) error { return s.accountAgain(c, err, false) },
		}, func(c echo.Context, r *passwordRequest) (any, error) {
			if !fromAPI(c) || r.NewPasswordConfirm != "" {
				if err := auth.CheckConfirmation("new_password_confirm", r.NewPassword, r.NewPasswordConfirm); err != nil {
					return nil, err
				}
			}
			if err := s.Auth.ChangePassword(c.Request().Context(), actor(c), r.CurrentPassword, r.NewPassword); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "changed"}, nil
		}),
		typed(action{name: "account.pay_password", summary: "Set or change the six-digit payment password", tag: "auth",
			page: "/account/pay-password", api: "/account/pay-password", roles: anyRoles, resp: statusAnswer{}, errs: []int{423, 429},
			done: message("Payment password saved."),
			next: func(c echo.Context, _ any) string {
				// From the set-up page: on to where the person was going.
				if next := c.FormValue("next"); next != "" {
					return localPath(next)
				}
				return "/account"
			},
			again: func(c echo.Context, _ any, err error) error {
				if c.FormValue("next") != "" {
					return s.payPasswordSetupAgain(c, err)
				}
				return s.accountAgain(c, err, true)
			},
		}, func(c echo.Context, r *payPasswordRequest) (any, error) {
			if (!fromAPI(c) || r.PayPasswordConfirm != "") && r.PayPasswordConfirm != r.PayPassword {
				e := models.FieldError("pay_password_confirm", "The two payment passwords differ: type the same six digits twice.")
				e.Reason = auth.ReasonPasswordMismatch
				return nil, e
			}
			if err := s.Auth.SetPayPassword(c.Request().Context(), actor(c), r.CurrentPassword, r.OldPayPassword, r.PayPassword); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "saved"}, nil
		}),

		typed(action{name: "user.freeze", summary: "Freeze or unfreeze a buyer or seller (operators)", tag: "operators",
			page: "/ops/users/:id/freeze", api: "/ops/users/:id/freeze", roles: operatorRoles, resp: models.User{}, errs: []int{403, 404},
			done: func(c echo.Context, res any) string {
				u := res.(*models.User)
				if u.Frozen {
					return views.Tf(c.Request().Context(), "User %d is frozen.", u.ID)
				}
				return views.Tf(c.Request().Context(), "User %d is no longer frozen.", u.ID)
			},
			next: to("/ops/users"),
			again: func(c echo.Context, req any, err error) error {
				if isUnconfirmed(err) {
					return s.freezeAsk(c, req.(*freezeRequest))
				}
				s.flash(c, "error", views.ErrorText(c.Request().Context(), err))
				return c.Redirect(http.StatusSeeOther, "/ops/users")
			},
		}, func(c echo.Context, r *freezeRequest) (any, error) {
			if (r.Frozen == nil || *r.Frozen) && strings.TrimSpace(r.Reason) != "" {
				if err := unconfirmed(c); err != nil {
					return nil, err
				}
			}
			if err := s.Auth.SetFrozen(c.Request().Context(), actor(c), r.ID, r.Frozen == nil || *r.Frozen, r.Reason); err != nil {
				return nil, err
			}
			return s.Auth.Get(c.Request().Context(), r.ID)
		}),
		typed(action{name: "seller.commission", summary: "Set a seller's commission rate, in percent (operators)", tag: "operators",
			page: "/ops/users/:id/commission", api: "/ops/sellers/:id/commission", roles: operatorRoles, resp: commissionAnswer{}, errs: []int{403, 404},
			done: func(c echo.Context, res any) string {
				return views.Tf(c.Request().Context(), "Commission of seller %s saved.", res.(commissionAnswer).SellerID)
			},
			next: to("/ops/users?role=seller"),
		}, func(c echo.Context, r *commissionRequest) (any, error) {
			rate, err := models.ParseRatePercent("rate_percent", r.RatePercent)
			if err != nil {
				return nil, err
			}
			if err := s.Sellers.SetCommission(c.Request().Context(), actor(c), r.ID, rate); err != nil {
				return nil, err
			}
			return commissionAnswer{SellerID: strconv.FormatInt(r.ID, 10), RatePercent: rate.Percent()}, nil
		}),
	}
}

// settingsAnswer is the settings as the form shows them.
type settingsAnswer map[string]string

func registerRole(r string) string {
	if r == views.RoleSeller {
		return views.RoleSeller
	}
	return views.RoleBuyer
}

func (s *Server) listingFormAgain(c echo.Context, id int64, err error) error {
	f := views.FormFrom(formParams(c))
	if id != 0 {
		return s.listingEditPage(c, id, f, err)
	}
	if e := fillForm(c, f, err); e != nil {
		return e
	}
	return render(c, statusFor(err), views.ListingFormPage(views.ListingFormVM{Form: f}))
}

func (s *Server) accountAgain(c echo.Context, err error, pay bool) error {
	vm, verr := s.accountVM(c)
	if verr != nil {
		return verr
	}
	f := vm.PasswordForm
	if pay {
		f = vm.PayForm
	}
	if e := fillForm(c, f, err); e != nil {
		return e
	}
	return render(c, statusFor(err), views.AccountPage(vm))
}

func (s *Server) suspenseAgain(c echo.Context, err error) error {
	f := views.NewForm()
	f.Error = views.ErrorText(c.Request().Context(), err)
	vm, verr := s.suspenseVM(c, f)
	if verr != nil {
		return verr
	}
	return render(c, statusFor(err), views.SuspensePage(vm))
}

func (s *Server) clawbacksAgain(c echo.Context, err error) error {
	f := views.NewForm()
	f.Error = views.ErrorText(c.Request().Context(), err)
	return s.clawbacksPage(c, statusFor(err), f)
}
