package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/audit"
	"lineescrow/app/auth"
	"lineescrow/models"
	"lineescrow/views"
)

// Cookie names.
const (
	sessionCookie = "session"
	csrfCookie    = "csrf"
	flashCookie   = "flash"
)

// derive makes an independent key for one purpose from the platform secret.
func derive(secret, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("lineescrow/" + purpose))
	return m.Sum(nil)
}

func sign(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) cookie(c echo.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(c)}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
	}
	c.SetCookie(ck)
}

// csrfExempt paths are called by programs with their own authentication
// (Bearer tokens, webhook signatures), never with the portal's cookies.
func csrfExempt(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/webhooks/") ||
		strings.HasPrefix(path, "/sim/bank/v1/") || strings.HasPrefix(path, "/sim/telecom/v1/") || path == "/gateway/v1" ||
		strings.HasPrefix(path, "/sim/shop/") || strings.HasPrefix(path, "/ivr/") ||
		(strings.HasPrefix(path, "/sim/bills/") && strings.Contains(path, "/v1/"))
}

// csrf protects every state-changing form with a signed double-submit token:
// a random HttpOnly cookie per browser, and in each form the HMAC of it under a
// server key. A forged cross-site form can neither read the cookie nor compute
// the token. Browsers that say a request is cross-site are refused outright.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if csrfExempt(req.URL.Path) {
			return next(c)
		}
		seed := ""
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
			seed = ck.Value
		} else {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			seed = base64.RawURLEncoding.EncodeToString(b)
			s.cookie(c, csrfCookie, seed, 0)
		}
		want := sign(s.csrfKey, seed)
		info(c).CSRF = want
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		refuse := models.Errorf(models.EFORBIDDEN, "The form has expired or was sent from another site. Reload the page and try again.")
		if site := req.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			return refuse
		}
		got := req.Header.Get("X-CSRF-Token")
		if got == "" {
			got = c.FormValue("_csrf")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return refuse
		}
		return next(c)
	}
}

// session reads the portal's session cookie: a valid one puts the user in the
// context (and renews the cookie past half its life); an invalid one is
// cleared and the request goes on as anonymous.
func (s *Server) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		c.SetRequest(req.WithContext(audit.WithIP(req.Context(), c.RealIP())))
		// Programs authenticate with Bearer tokens only: a cookie never signs an
		// API call (the API is exempt from CSRF checks for that reason).
		if csrfExempt(req.URL.Path) {
			return next(c)
		}
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" || s.Auth == nil {
			return next(c)
		}
		u, claims, err := s.Auth.Authenticate(req.Context(), ck.Value, auth.AudienceWeb)
		if err != nil {
			if models.ErrorCode(err) != models.EUNAUTHORIZED {
				return err
			}
			s.cookie(c, sessionCookie, "", -1)
			return next(c)
		}
		setUser(c, u)
		if s.Notices != nil {
			info(c).Viewer.Unread = s.unreadOf(c, u)
		}
		if exp := claims.ExpiresAt.Time; time.Until(exp) < s.Auth.Tokens.TTL/2 {
			if tok, _, err := s.Auth.Tokens.Issue(u, auth.AudienceWeb, time.Unix(claims.AuthTime, 0)); err == nil {
				s.cookie(c, sessionCookie, tok, 0)
			}
		}
		return next(c)
	}
}

// startSession logs u in on this browser.
func (s *Server) startSession(c echo.Context, u *models.User) error {
	tok, _, err := s.Auth.Tokens.Issue(u, auth.AudienceWeb, time.Time{})
	if err != nil {
		return err
	}
	s.cookie(c, sessionCookie, tok, 0)
	return nil
}

func setUser(c echo.Context, u *models.User) {
	c.Set("user", u)
	info(c).Viewer = &views.Viewer{ID: u.ID, Name: u.DisplayName, Role: string(u.Role), Frozen: u.Frozen}
}

// currentUser returns the logged-in user, or nil.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get("user").(*models.User)
	return u
}

// actor returns the logged-in user as an actor; only call it behind requireRole.
func actor(c echo.Context) models.Actor { return currentUser(c).Actor() }

// requireRole lets only users of the given roles through: anonymous page
// visitors are sent to the login page, API clients get 401, others 403.
func (s *Server) requireRole(roles ...models.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := currentUser(c)
			if u == nil {
				if !wantsJSON(c) && c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
				}
				return models.Errorf(models.EUNAUTHORIZED, "Please sign in to continue.")
			}
			for _, r := range roles {
				if u.Role == r {
					return next(c)
				}
			}
			return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
		}
	}
}

// flash queues a message for the next page this browser shows. The cookie is
// signed so nobody can make the site say something it did not.
func (s *Server) flash(c echo.Context, kind, text string) {
	list := append(pendingFlashes(c), views.Flash{Kind: kind, Text: text})
	c.Set("flashes", list)
	b, _ := json.Marshal(list)
	v := base64.RawURLEncoding.EncodeToString(b)
	s.cookie(c, flashCookie, v+"."+sign(s.flashKey, v), 0)
}

func pendingFlashes(c echo.Context) []views.Flash {
	l, _ := c.Get("flashes").([]views.Flash)
	return l
}

// readFlashes moves the flash cookie's messages into the page and clears it.
func (s *Server) readFlashes(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(flashCookie)
		if err != nil || ck.Value == "" || c.Request().Method != http.MethodGet {
			return next(c)
		}
		s.cookie(c, flashCookie, "", -1)
		v, sig, ok := strings.Cut(ck.Value, ".")
		if !ok || !hmac.Equal([]byte(sig), []byte(sign(s.flashKey, v))) {
			return next(c)
		}
		b, err := base64.RawURLEncoding.DecodeString(v)
		var list []views.Flash
		if err == nil && json.Unmarshal(b, &list) == nil && len(list) <= 5 {
			info(c).Flashes = list
		}
		return next(c)
	}
}

// bearer authenticates API requests: Authorization: Bearer <token> of the API audience.
func (s *Server) bearer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		c.SetRequest(req.WithContext(audit.WithIP(req.Context(), c.RealIP())))
		h := req.Header.Get(echo.HeaderAuthorization)
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return next(c) // requireRole answers 401 where a user is needed
		}
		u, _, err := s.Auth.Authenticate(req.Context(), strings.TrimSpace(tok), auth.AudienceAPI)
		if err != nil {
			return err
		}
		c.Set("user", u)
		return next(c)
	}
}
