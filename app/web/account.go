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
	f := views.FormFrom(formParams(c), "password")
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
	f := views.NewForm()
	if next := localPath(c.QueryParam("next")); next != "/" {
		f.Values["next"] = next // back there once registered (and the payment password set)
	}
	return render(c, http.StatusOK, views.RegisterPage(f, role))
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
