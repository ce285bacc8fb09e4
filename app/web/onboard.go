package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/auth"
	"lineescrow/app/orders"
	"lineescrow/models"
	"lineescrow/views"
)

// Onboarding and consent: a new account is taken to set its payment
// password (with a way to do it later) before anything that needs it, and
// forms that would need it link there while it is missing; irreversible
// actions ask once more (consent).

// fromAPI says whether the request came to the JSON API (rather than from a
// portal's form).
func fromAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}

// payPasswordSetup is the set-up page of the payment password, which leads
// on to next (a path on the site) once it is set, or when the person says
// "later".
func payPasswordSetup(next string) string {
	return views.PayPasswordSetupURL(localPath(next))
}

// payPasswordStatus is the set-up page's twin in the API.
type payPasswordStatus struct {
	HasPayPassword bool       `json:"has_pay_password" doc:"set it with POST /api/v1/account/pay-password"`
	LockedUntil    *time.Time `json:"locked_until,omitempty" doc:"payments are locked until then after too many wrong payment passwords"`
}

// onboardReads are the API twins of the onboarding pages.
func (s *Server) onboardReads() []read {
	return []read{{name: "account.pay_password_status", summary: "Whether the caller has set a payment password (needed to pay, confirm and refund)",
		tag: "auth", pages: []string{"/account/pay-password"}, api: "/account/pay-password", roles: anyRoles, resp: payPasswordStatus{},
		handler: func(c echo.Context) error {
			u := currentUser(c)
			out := payPasswordStatus{HasPayPassword: u.HasPayPassword()}
			if u.PayLockedUntil != nil && u.PayLockedUntil.After(time.Now()) {
				out.LockedUntil = u.PayLockedUntil
			}
			return c.JSON(http.StatusOK, out)
		}}}
}

// payPasswordPage is the set-up page: GET /account/pay-password?next=...
func (s *Server) payPasswordPage(c echo.Context) error {
	return s.renderPayPasswordSetup(c, http.StatusOK, views.NewForm())
}

// payPasswordSetupAgain shows the set-up page again with the refusal beside
// its field.
func (s *Server) payPasswordSetupAgain(c echo.Context, err error) error {
	f := views.NewForm()
	if e := fillForm(c, f, err); e != nil {
		return e
	}
	return s.renderPayPasswordSetup(c, statusFor(err), f)
}

func (s *Server) renderPayPasswordSetup(c echo.Context, status int, f *views.Form) error {
	vm, err := s.accountVM(c)
	if err != nil {
		return err
	}
	next := c.QueryParam("next")
	if c.Request().Method == http.MethodPost {
		next = c.FormValue("next")
	}
	next = localPath(next)
	if next == "/" || strings.HasPrefix(next, "/account/pay-password") {
		next = homeOf(vm.User)
	}
	return render(c, status, views.PayPasswordSetupPage(views.PayPasswordSetupVM{HasPayPassword: vm.HasPayPassword,
		PayLocked: vm.PayLocked, Form: f, Next: next}))
}

// Ask once more: the irreversible actions on an order (confirming receipt,
// opening a dispute, deciding one) and freezing a user first show what will
// happen, with a final button. Their portal forms carry confirmed=yes; a
// portal post without it changes nothing and shows the question. The API is
// explicit already and is not asked.

// askSlugs are the order actions that ask once more, by the order page's
// ?ask= value.
var askSlugs = map[models.Action]string{models.ActConfirm: views.AskConfirm, models.ActEscalate: views.AskDispute,
	models.ActDecide: views.AskDecide}

// ReasonConfirmRequired is the reason of the refusal of an irreversible
// portal form posted without its final confirmation.
const ReasonConfirmRequired = "confirm_required"

// unconfirmed refuses a portal form of an action that asks once more
// without its final confirmation (nil: confirmed, or the API).
func unconfirmed(c echo.Context) error {
	if fromAPI(c) || c.FormValue("confirmed") == "yes" {
		return nil
	}
	e := models.FieldError("confirmed", "Check what will happen, then confirm once more.")
	e.Reason = ReasonConfirmRequired
	return e
}

// isUnconfirmed reports whether err is unconfirmed's refusal.
func isUnconfirmed(err error) bool {
	e := models.AsError(err)
	return e != nil && e.Reason == ReasonConfirmRequired
}

// askOnce makes the order page ask once more about ask (an askSlugs value
// the viewer may take; anything else is ignored). For a decision it shows
// what the decision in the form books, or the refusal beside its field.
func (s *Server) askOnce(c echo.Context, vm *views.OrderVM, ask string) error {
	var act models.Action
	for a, slug := range askSlugs {
		if slug == ask {
			act = a
		}
	}
	if act == "" || !vm.Allowed[act] {
		return nil
	}
	vm.Ask = ask
	if act != models.ActDecide {
		return nil
	}
	f := vm.Form
	for _, k := range []string{"decision", "buyer_amount"} {
		if _, ok := f.Values[k]; !ok {
			f.Values[k] = c.FormValue(k)
		}
	}
	if f.Values["decision"] == "" {
		return nil // the decision is still to choose
	}
	var r orderRequest
	err := decodeRequest(c, &r, false)
	var out *orders.Outcome
	if err == nil {
		out, err = s.Orders.PreviewDecision(c.Request().Context(), actor(c), vm.Order.ID, models.Decision(r.Decision), r.BuyerAmount)
	}
	if err != nil {
		if code := models.ErrorCode(err); code != models.EINVALID {
			return err
		}
		if _, shown := f.Errors["buyer_amount"]; !shown {
			return fillForm(c, f, err)
		}
		return nil
	}
	vm.Decision = &views.DecisionPreviewVM{Decision: string(out.Decision), BuyerAmount: f.Values["buyer_amount"],
		BuyerGets: out.BuyerGets, SellerGets: out.SellerGets, Fee: out.Fee}
	return nil
}

// decisionPreviewQuery is the API's question of what a decision would book.
type decisionPreviewQuery struct {
	Decision    string       `json:"decision" enum:"release,refund,split"`
	BuyerAmount models.Money `json:"buyer_amount" doc:"for a split: the buyer's part, less than what is held"`
}

// decisionReads are the API twins of the order page's decision preview.
func (s *Server) decisionReads() []read {
	return []read{{name: "order.decision_preview", summary: "What deciding a dispute would book: the buyer's refund, the seller's part and the commission (operators; changes nothing)",
		tag: "orders", pages: []string{"/ops/orders/:id"}, api: "/orders/:id/decide/preview", roles: operatorRoles,
		query: decisionPreviewQuery{}, resp: orders.Outcome{}, handler: func(c echo.Context) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			var q decisionPreviewQuery
			if err := decodeQuery(c, &q); err != nil {
				return err
			}
			out, err := s.Orders.PreviewDecision(c.Request().Context(), actor(c), id, models.Decision(q.Decision), q.BuyerAmount)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, out)
		}}}
}

// freezeAsk shows the user an operator is about to freeze, what freezing
// does and the final button, with the reason given.
func (s *Server) freezeAsk(c echo.Context, r *freezeRequest) error {
	ctx := c.Request().Context()
	us, err := s.Auth.ListUsers(ctx, actor(c), auth.UserQuery{ID: r.ID})
	if err != nil {
		return err
	}
	if len(us) == 0 {
		return models.Errorf(models.ENOTFOUND, "No such user.")
	}
	if us[0].Role == models.RoleOperator {
		s.flash(c, "error", views.T(ctx, "Operators cannot be frozen here."))
		return c.Redirect(http.StatusSeeOther, "/ops/users")
	}
	vm := views.OpsUsersVM{ID: r.ID, Users: us, FreezeAsk: &us[0], FreezeReason: strings.TrimSpace(r.Reason)}
	return render(c, http.StatusOK, views.OpsUsersPage(vm))
}
