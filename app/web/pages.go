package web

import (
	"net/http"
	"net/url"
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
	s.cookie(c, langCookie, string(l), 365*24*time.Hour)
	return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next")))
}

// localPath returns p when it is a path on this site, else "/": redirects never
// leave the platform.
//
// Browsers remove tabs and newlines anywhere in a URL and C0 controls and
// spaces around it, and read a backslash as a slash, so "/\t/evil.example"
// and "/\evil.example" both mean "//evil.example", another host. The check
// therefore runs on what a browser would see: after that clean-up the path
// must start with exactly one "/" followed by something other than a
// separator (or be "/" alone), even once percent-decoded, parse as a URL
// without scheme, host or user, and hold only printable ASCII (our own links
// are always percent-encoded), and no backslash at all.
func localPath(p string) string {
	p = browserClean(p)
	if p == "/" {
		return p
	}
	if !singleSlash(p) || strings.ContainsRune(p, '\\') {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] >= 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if dec, err := url.PathUnescape(u.EscapedPath()); err != nil || !singleSlash(browserClean(dec)) {
		return "/"
	}
	return p
}

// browserClean removes what a browser's URL parser drops before reading a URL:
// every tab, CR and LF, and leading and trailing C0 controls and spaces.
func browserClean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// singleSlash reports whether p starts with one "/" that is not followed by
// another separator.
func singleSlash(p string) bool {
	return len(p) >= 2 && p[0] == '/' && p[1] != '/' && p[1] != '\\'
}
