package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"lineescrow/app/audit"
	"lineescrow/app/auth"
	"lineescrow/app/config"
	"lineescrow/app/dbtest"
	"lineescrow/app/store"
	"lineescrow/app/web"
	"lineescrow/models"
)

// env is a running server on a fresh database.
type env struct {
	t    *testing.T
	db   *store.DB
	auth *auth.Service
	srv  *web.Server
	ts   *httptest.Server
}

// newEnv starts the server; each option may change the configuration first.
func newEnv(t *testing.T, options ...func(*config.Config)) *env {
	t.Helper()
	db := dbtest.New(t)
	cfg := demoConfig(t)
	for _, o := range options {
		o(cfg)
	}
	a := auth.NewService(db.DB, auth.NewTokens(cfg.JWTSecret, cfg.SessionTTL), []byte(cfg.PayPasswordPepper))
	a.ByAccount, a.ByIP = auth.NewLimiter(a.DB, "login.account", nil, time.Hour, 5), auth.NewLimiter(a.DB, "login.address", nil, time.Hour, 1000)
	a.RegisterByIP, a.RegisterByLogin = auth.NewLimiter(a.DB, "register.address", nil, time.Hour, 1000), auth.NewLimiter(a.DB, "register.number", nil, time.Hour, 1000)
	s := web.New(web.Deps{Config: cfg, Health: store.NewReadiness(db.SQL), Log: quiet, Auth: a, Audit: &audit.Service{DB: db.DB}})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, auth: a, srv: s, ts: ts}
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	e    *env
	c    *http.Client
	lang string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

func (p *page) find(sel string) *goquery.Selection { return p.doc.Find(sel) }
func (p *page) text(sel string) string             { return strings.TrimSpace(p.doc.Find(sel).First().Text()) }

func (b *browser) do(method, path string, body io.Reader, header ...string) *page {
	b.e.t.Helper()
	req, err := http.NewRequest(method, b.e.ts.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(string(raw)))
	return &page{status: res.StatusCode, header: res.Header, body: string(raw), doc: doc}
}

func (b *browser) get(path string) *page { return b.do("GET", path, nil) }

// csrf fetches a page to obtain the form token of this browser.
func (b *browser) csrf() string {
	b.e.t.Helper()
	p := b.get("/login")
	if p.status != 200 {
		p = b.get("/") // signed in: the layout's sign-out form carries the token
	}
	tok, ok := p.find(`input[name="_csrf"]`).Attr("value")
	if !ok || tok == "" {
		b.e.t.Fatal("no CSRF token on /login")
	}
	return tok
}

// post submits a form with this browser's CSRF token.
func (b *browser) post(path string, form url.Values) *page {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", b.csrf())
	}
	return b.do("POST", path, strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

// postNoCSRF submits a form without a token.
func (b *browser) postNoCSRF(path string, form url.Values, header ...string) *page {
	return b.do("POST", path, strings.NewReader(form.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

func (b *browser) login(login, password string) {
	b.e.t.Helper()
	p := b.post("/login", url.Values{"login": {login}, "password": {password}})
	if p.status != http.StatusSeeOther {
		b.e.t.Fatalf("login %s: %d %s", login, p.status, p.text(`[data-testid="form-error"]`))
	}
}

func (e *env) user(login string, role models.Role) *models.User {
	e.t.Helper()
	r := models.Registration{Role: role, Login: login, Password: "correct horse battery", DisplayName: "User " + login[len(login)-4:]}
	if role == models.RoleSeller {
		r.ShopName, r.LegalName, r.BankAccount, r.BankHolder = "Shop "+login[len(login)-4:], "Legal Name", "6217000011112222", "Legal Name"
	}
	u, err := e.auth.Register(context.Background(), r, "192.0.2.1")
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) operator(login string) *models.User {
	e.t.Helper()
	u, err := e.auth.CreateOperator(context.Background(), login, "Op "+login[len(login)-4:], "correct horse battery")
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// api calls the JSON API with a bearer token.
func (e *env) api(method, path, token string, body any, header ...string) (int, map[string]any) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	if len(raw) > 0 && raw[0] == '[' {
		var list []any
		_ = json.Unmarshal(raw, &list)
		out["list"] = list
	}
	return res.StatusCode, out
}

func (e *env) token(login string) string {
	e.t.Helper()
	code, body := e.api("POST", "/api/v1/auth/token", "", map[string]string{"login": login, "password": "correct horse battery"})
	if code != 200 {
		e.t.Fatalf("token for %s: %d %v", login, code, body)
	}
	return body["token"].(string)
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}
