package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"lineescrow/models"
)

func TestRegisterLoginLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()

	// Errors come back beside their fields, with the other values kept.
	p := b.post("/register", url.Values{"role": {"buyer"}, "login": {"12345"}, "display_name": {"Zhang"}, "password": {"short"}})
	if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-login"]`) == "" || p.text(`[data-testid="error-password"]`) == "" {
		t.Fatalf("bad registration: %d\n%s", p.status, p.body)
	}
	if v, _ := p.find(`input[name="display_name"]`).Attr("value"); v != "Zhang" {
		t.Fatalf("display name not kept: %q", v)
	}
	if v, _ := p.find(`input[name="password"]`).Attr("value"); v != "" {
		t.Fatal("password echoed back into the form")
	}

	p = b.post("/register", url.Values{"role": {"buyer"}, "login": {"138 0013 8000"}, "display_name": {"Zhang Wei"},
		"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("register: %d %s", p.status, p.body)
	}
	// A new account is taken to set its payment password first, then home.
	if loc := p.header.Get("Location"); loc != "/account/pay-password?next=%2Flistings" {
		t.Fatalf("after registering: %q, want the payment password's set-up", loc)
	}
	ck := strings.Join(p.header.Values("Set-Cookie"), "\n")
	if !strings.Contains(ck, "session=") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Fatalf("session cookie flags: %s", ck)
	}
	p = b.get("/account")
	if p.status != 200 || p.text(`[data-testid="who"]`) == "" || !strings.Contains(p.text(`[data-testid="profile"]`), "138 0013 8000") {
		t.Fatalf("account page: %d", p.status)
	}
	if !strings.Contains(p.text(`[data-testid="flash-success"]`), "Welcome") {
		t.Fatal("no welcome flash")
	}
	// The flash shows once.
	if b.get("/account").find(`[data-testid="flash-success"]`).Length() != 0 {
		t.Fatal("flash shown twice")
	}

	// Log out: the old cookie no longer works, even replayed.
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(mustURL(e.ts.URL)) {
		if c.Name == "session" {
			session = c
		}
	}
	p = b.post("/logout", nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.status)
	}
	if p := b.get("/account"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login?next=") {
		t.Fatalf("after logout /account = %d %s", p.status, p.header.Get("Location"))
	}
	replay := e.browser()
	replay.c.Jar.SetCookies(mustURL(e.ts.URL), []*http.Cookie{session})
	if p := replay.get("/account"); p.status != http.StatusSeeOther {
		t.Fatalf("replayed session after logout = %d", p.status)
	}

	// Log in again; the same message for an unknown number and a wrong password.
	wrong := b.post("/login", url.Values{"login": {"13800138000"}, "password": {"not the password"}})
	unknown := b.post("/login", url.Values{"login": {"13900000000"}, "password": {"correct horse battery"}})
	if wrong.status != 401 || unknown.status != 401 || wrong.text(`[data-testid="form-error"]`) != unknown.text(`[data-testid="form-error"]`) {
		t.Fatalf("login failures differ: %d %q / %d %q", wrong.status, wrong.text(`[data-testid="form-error"]`), unknown.status, unknown.text(`[data-testid="form-error"]`))
	}
	b.login("13800138000", "correct horse battery")
	if p := b.get("/account"); p.status != 200 {
		t.Fatalf("account after login: %d", p.status)
	}
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("13800138010", models.RoleBuyer)
	b := e.browser()
	b.login(u.Login, "correct horse battery")

	form := url.Values{"current_password": {"correct horse battery"}, "pay_password": {"284913"}, "pay_password_confirm": {"284913"}}
	for name, p := range map[string]*page{
		"no token":    b.postNoCSRF("/account/pay-password", form),
		"wrong token": b.postNoCSRF("/account/pay-password", url.Values{"_csrf": {"forged"}, "current_password": form["current_password"], "pay_password": form["pay_password"]}),
		"cross-site":  b.postNoCSRF("/account/pay-password", url.Values{"_csrf": {b.csrf()}, "current_password": form["current_password"], "pay_password": form["pay_password"]}, "Sec-Fetch-Site", "cross-site"),
	} {
		if p.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, p.status)
		}
	}
	// Another browser's token is no good either.
	other := e.browser()
	if p := b.postNoCSRF("/account/pay-password", url.Values{"_csrf": {other.csrf()}, "current_password": form["current_password"], "pay_password": form["pay_password"]}); p.status != 403 {
		t.Errorf("other browser's token: %d", p.status)
	}
	got, _ := e.auth.Get(context.Background(), u.ID)
	if got.HasPayPassword() {
		t.Fatal("a refused POST set the payment password")
	}
	if p := b.post("/account/pay-password", form); p.status != http.StatusSeeOther {
		t.Fatalf("with token: %d %s", p.status, p.body)
	}
	got, _ = e.auth.Get(context.Background(), u.ID)
	if !got.HasPayPassword() {
		t.Fatal("payment password not set")
	}
	// Logout without a token is refused too: no state change on a forged POST.
	if p := b.postNoCSRF("/logout", url.Values{}); p.status != 403 {
		t.Fatalf("logout without token: %d", p.status)
	}
	if p := b.get("/account"); p.status != 200 {
		t.Fatal("forged logout logged the user out")
	}
}

func TestRolesAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	buyer := e.user("13800138020", models.RoleBuyer)
	op := e.operator("13600136020")
	b := e.browser()
	b.login(buyer.Login, "correct horse battery")
	for _, path := range []string{"/ops/users", "/ops/audit"} {
		if p := b.get(path); p.status != http.StatusForbidden || p.find(`[data-testid="error-page"]`).Length() != 1 {
			t.Errorf("buyer GET %s = %d", path, p.status)
		}
	}
	if p := b.post("/ops/users/1/freeze", url.Values{"reason": {"x"}}); p.status != http.StatusForbidden {
		t.Errorf("buyer freeze = %d", p.status)
	}
	anon := e.browser()
	if p := anon.get("/ops/audit"); p.status != http.StatusSeeOther {
		t.Errorf("anonymous /ops/audit = %d", p.status)
	}

	// The operator freezes the buyer and finds it in the audit log.
	o := e.browser()
	o.login(op.Login, "correct horse battery")
	p := o.get("/ops/users?q=8020")
	if p.find(`[data-testid="user-`+strconv.FormatInt(buyer.ID, 10)+`"]`).Length() != 1 {
		t.Fatalf("buyer not listed:\n%s", p.body)
	}
	// Freezing asks once more, saying what it does; nothing changes yet.
	freeze := "/ops/users/" + strconv.FormatInt(buyer.ID, 10) + "/freeze"
	if p := o.post(freeze, url.Values{"reason": {"chargeback fraud"}}); p.status != http.StatusOK ||
		!strings.Contains(p.text(`[data-testid="freeze-ask"]`), "cannot move money") ||
		p.find(`[data-testid="freeze-confirm-form"] input[name="reason"][value="chargeback fraud"]`).Length() != 1 {
		t.Fatalf("freeze's question: %d\n%s", p.status, p.text(`main`))
	}
	if got, _ := e.auth.Get(t.Context(), buyer.ID); got.Frozen {
		t.Fatal("frozen before the operator confirmed")
	}
	if p := o.post(freeze, url.Values{"reason": {"chargeback fraud"}, "confirmed": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("freeze: %d", p.status)
	}
	p = o.get("/ops/audit?action=user.freeze")
	if p.find(`[data-testid="audit-entry"][data-action="user.freeze"]`).Length() != 1 || !strings.Contains(p.body, "chargeback fraud") {
		t.Fatalf("audit entry missing:\n%s", p.body)
	}
	if p := o.get("/ops/audit?from=yesterday"); p.status != 422 {
		t.Fatalf("bad date filter = %d", p.status)
	}
	// The frozen buyer can still sign in and read, and is told.
	if p := b.get("/account"); p.status != 200 || p.find(`[data-testid="frozen-banner"]`).Length() != 1 {
		t.Fatalf("frozen buyer's account page: %d", p.status)
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("13800138030", models.RoleBuyer)
	op := e.operator("13600136030")
	tok := e.token(u.Login)
	code, me := e.api("GET", "/api/v1/me", tok, nil)
	if code != 200 || me["login"] != u.Login || me["password_hash"] != nil {
		t.Fatalf("me = %d %v", code, me)
	}
	if code, body := e.api("GET", "/api/v1/me", "", nil); code != 401 || errCode(body) != "unauthorized" {
		t.Fatalf("no token: %d %v", code, body)
	}
	if code, _ := e.api("GET", "/api/v1/me", tok+"x", nil); code != 401 {
		t.Fatalf("bad signature: %d", code)
	}
	// A portal cookie is no API token.
	b := e.browser()
	b.login(u.Login, "correct horse battery")
	var cookie string
	for _, c := range b.c.Jar.Cookies(mustURL(e.ts.URL)) {
		if c.Name == "session" {
			cookie = c.Value
		}
	}
	if code, _ := e.api("GET", "/api/v1/me", cookie, nil); code != 401 {
		t.Fatalf("cookie token as bearer: %d", code)
	}
	// Nor does the cookie itself authenticate an API call (the API has no CSRF check).
	if p := b.do("GET", "/api/v1/me", nil); p.status != 401 {
		t.Fatalf("API call with the session cookie: %d", p.status)
	}
	// Wrong password, malformed JSON, unknown fields, numbers for strings.
	if code, body := e.api("POST", "/api/v1/auth/token", "", map[string]string{"login": u.Login, "password": "nope nope"}); code != 401 || errCode(body) != "unauthorized" {
		t.Fatalf("wrong password: %d %v", code, body)
	}
	if code, body := e.api("POST", "/api/v1/auth/token", "", map[string]any{"login": u.Login, "password": "x", "admin": true}); code != 422 || errCode(body) != "invalid" {
		t.Fatalf("unknown field: %d %v", code, body)
	}
	// Roles: a buyer cannot read the audit log; an operator can, and freezes by API.
	if code, _ := e.api("GET", "/api/v1/audit", tok, nil); code != 403 {
		t.Fatalf("buyer audit: %d", code)
	}
	opTok := e.token(op.Login)
	if code, body := e.api("POST", "/api/v1/ops/users/"+strconv.FormatInt(u.ID, 10)+"/freeze", opTok, map[string]any{"frozen": true, "reason": "api test"}); code != 200 || body["frozen"] != true {
		t.Fatalf("api freeze: %d %v", code, body)
	}
	code, body := e.api("GET", "/api/v1/audit?action=user.freeze", opTok, nil)
	if entries, _ := body["entries"].([]any); code != 200 || len(entries) != 1 {
		t.Fatalf("api audit: %d %v", code, body)
	}
}

func TestLoginRateLimitOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("13800138040", models.RoleBuyer)
	b := e.browser()
	for i := range 5 {
		if p := b.post("/login", url.Values{"login": {u.Login}, "password": {"wrong guess"}}); p.status != 401 {
			t.Fatalf("attempt %d: %d", i+1, p.status)
		}
	}
	p := b.post("/login", url.Values{"login": {u.Login}, "password": {"correct horse battery"}})
	if p.status != http.StatusTooManyRequests || p.text(`[data-testid="form-error"]`) == "" {
		t.Fatalf("6th attempt: %d", p.status)
	}
	code, body := e.api("POST", "/api/v1/auth/token", "", map[string]string{"login": u.Login, "password": "correct horse battery"})
	if code != 429 || errCode(body) != "rate_limited" {
		t.Fatalf("API after the limit: %d %v", code, body)
	}
}

func TestSQLLookingInputDoesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("13800138050", models.RoleBuyer)
	b := e.browser()
	for _, evil := range []string{"' OR '1'='1", "13800138050' --", "1; DROP TABLE users; --", `" OR ""="`} {
		p := b.post("/login", url.Values{"login": {evil}, "password": {"' OR '1'='1"}})
		if p.status != 401 {
			t.Errorf("login %q: %d", evil, p.status)
		}
	}
	var n int64
	e.db.Raw("SELECT count(*) FROM users").Scan(&n)
	if n != 1 {
		t.Fatalf("users = %d", n)
	}
}
