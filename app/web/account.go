package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) loginPage(c echo.Context) error {
	if u := currentUser(c); u != nil {
		return c.Redirect(http.StatusSeeOther, homeOf(u))
	}
	return render(c, http.StatusOK, views.LoginPage(views.NewForm(), localPath(c.QueryParam("next"))))
}

func (s *Server) login(c echo.Context) error {
	f := views.FormFrom(must(c.FormParams()), "password")
	next := localPath(c.FormValue("next"))
	u, err := s.Auth.Login(c.Request().Context(), c.FormValue("login"), c.FormValue("password"), c.RealIP())
	if err != nil {
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return render(c, statusFor(err), views.LoginPage(f, next))
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	if next == "/" {
		next = homeOf(u)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// homeOf is where a user lands after signing in.
func homeOf(u *models.User) string {
	switch u.Role {
	case models.RoleSeller:
		return "/seller"
	case models.RoleOperator:
		return "/ops"
	}
	return "/listings"
}

func (s *Server) registerPage(c echo.Context) error {
	role := views.RoleBuyer
	if c.QueryParam("role") == views.RoleSeller {
		role = views.RoleSeller
	}
	return render(c, http.StatusOK, views.RegisterPage(views.NewForm(), role))
}

func (s *Server) register(c echo.Context) error {
	f := views.FormFrom(must(c.FormParams()), "password")
	role := models.RoleBuyer
	if c.FormValue("role") == views.RoleSeller {
		role = models.RoleSeller
	}
	u, err := s.Auth.Register(c.Request().Context(), models.Registration{
		Role: role, Login: c.FormValue("login"), Password: c.FormValue("password"),
		DisplayName: c.FormValue("display_name"), ShopName: c.FormValue("shop_name"),
		LegalName: c.FormValue("legal_name"), BankAccount: c.FormValue("bank_account"), BankHolder: c.FormValue("bank_holder"),
	}, c.RealIP())
	if err != nil {
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return render(c, statusFor(err), views.RegisterPage(f, string(role)))
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	s.flash(c, "success", views.Tf(c.Request().Context(), "Welcome, %s! Your account is ready.", u.DisplayName))
	if role == models.RoleSeller {
		return c.Redirect(http.StatusSeeOther, "/seller")
	}
	return c.Redirect(http.StatusSeeOther, "/account#pay-password")
}

func (s *Server) logout(c echo.Context) error {
	if u := currentUser(c); u != nil {
		if err := s.Auth.Logout(c.Request().Context(), u.ID); err != nil {
			return err
		}
	}
	s.cookie(c, sessionCookie, "", -1)
	s.flash(c, "info", views.T(c.Request().Context(), "You are signed out."))
	return c.Redirect(http.StatusSeeOther, "/")
}

func (s *Server) accountVM(c echo.Context) (views.AccountVM, error) {
	a, err := s.Auth.Account(c.Request().Context(), actor(c))
	if err != nil {
		return views.AccountVM{}, err
	}
	u := a.User
	vm := views.AccountVM{User: u, Seller: a.Seller, HasPayPassword: u.HasPayPassword(), PasswordForm: views.NewForm(), PayForm: views.NewForm()}
	if u.PayLockedUntil != nil && u.PayLockedUntil.After(time.Now()) {
		vm.PayLocked = views.When(*u.PayLockedUntil)
	}
	if a.TopUpReference != "" {
		vm.TopUpReference = models.GroupReference(a.TopUpReference)
	}
	return vm, nil
}

func (s *Server) accountPage(c echo.Context) error {
	vm, err := s.accountVM(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AccountPage(vm))
}

func (s *Server) changePassword(c echo.Context) error {
	err := s.Auth.ChangePassword(c.Request().Context(), actor(c), c.FormValue("current_password"), c.FormValue("new_password"))
	if err != nil {
		vm, verr := s.accountVM(c)
		if verr != nil {
			return verr
		}
		if e := fillForm(c, vm.PasswordForm, err); e != nil {
			return e
		}
		return render(c, statusFor(err), views.AccountPage(vm))
	}
	// Every session is revoked; this browser signs in again with the new password.
	s.cookie(c, sessionCookie, "", -1)
	s.flash(c, "success", views.T(c.Request().Context(), "Password changed. Sign in again with the new password."))
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) setPayPassword(c echo.Context) error {
	err := s.Auth.SetPayPassword(c.Request().Context(), actor(c), c.FormValue("current_password"),
		c.FormValue("old_pay_password"), c.FormValue("pay_password"))
	if err != nil {
		vm, verr := s.accountVM(c)
		if verr != nil {
			return verr
		}
		if e := fillForm(c, vm.PayForm, err); e != nil {
			return e
		}
		return render(c, statusFor(err), views.AccountPage(vm))
	}
	s.flash(c, "success", views.T(c.Request().Context(), "Payment password saved."))
	return c.Redirect(http.StatusSeeOther, "/account")
}

func must[T any](v T, _ error) T { return v }
