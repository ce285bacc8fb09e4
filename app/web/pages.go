package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/views"
)

func (s *Server) home(c echo.Context) error {
	return render(c, http.StatusOK, views.HomePage())
}

// switchLang remembers the chosen language in a cookie and goes back to the page.
func (s *Server) switchLang(c echo.Context) error {
	l := views.ParseLang(c.QueryParam("to"))
	if l == "" {
		l = views.English
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.IsTLS()})
	return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next")))
}

// localPath returns p when it is a path on this site, else "/": redirects never
// leave the platform.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
