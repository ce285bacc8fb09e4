package web_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"lineescrow/app/auth"
	"lineescrow/app/config"
)

// peer is a browser connecting from a chosen TCP address, straight into the
// handler (so the test decides what RemoteAddr the server sees). It keeps
// cookies itself, Secure or not.
type peer struct {
	t       *testing.T
	h       http.Handler
	addr    string
	cookies map[string]string
}

func (e *env) peer(addr string) *peer {
	return &peer{t: e.t, h: e.srv, addr: addr, cookies: map[string]string{}}
}

func (p *peer) do(method, path string, form url.Values, header ...string) *httptest.ResponseRecorder {
	p.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.RemoteAddr = p.addr
	for name, v := range p.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(p.cookies, c.Name)
		} else {
			p.cookies[c.Name] = c.Value
		}
	}
	return rec
}

// post submits a form with this peer's CSRF token (from the login page).
func (p *peer) post(path string, form url.Values, header ...string) *httptest.ResponseRecorder {
	p.t.Helper()
	rec := p.do("GET", "/login", nil, header...)
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	tok, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	form.Set("_csrf", tok)
	return p.do("POST", path, form, header...)
}

func trusting(cidrs ...string) func(*config.Config) {
	return func(c *config.Config) {
		for _, s := range cidrs {
			_, n, err := net.ParseCIDR(s)
			if err != nil {
				panic(err)
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
	}
}

func baseURL(u string) func(*config.Config) { return func(c *config.Config) { c.BaseURL = u } }

// wrongLogin tries to sign in with a wrong password (a fresh number each time, so
// the per-account limit stays out of the way) and returns the status.
func (p *peer) wrongLogin(n int, header ...string) int {
	p.t.Helper()
	login := "1390000" + strings.Repeat("0", 4-len(strconv.FormatInt(int64(n), 10))) + strconv.FormatInt(int64(n), 10)
	return p.post("/login", url.Values{"login": {login}, "password": {"wrong password"}}, header...).Code
}

func (e *env) auditIP(action, target string) string {
	e.t.Helper()
	var ip string
	if err := e.db.Raw("SELECT ip FROM audit_log WHERE action = ? AND target = ?", action, target).Scan(&ip).Error; err != nil {
		e.t.Fatal(err)
	}
	return ip
}

// register signs up a buyer through p and returns the audit log's address
// for it.
func (e *env) registerThrough(p *peer, login string, header ...string) string {
	e.t.Helper()
	rec := p.post("/register", url.Values{"role": {"buyer"}, "login": {login}, "display_name": {"Proxy Test"},
		"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}}, header...)
	if rec.Code != http.StatusSeeOther {
		e.t.Fatalf("register %s: %d", login, rec.Code)
	}
	var id int64
	if err := e.db.Raw("SELECT id FROM users WHERE login = ?", login).Scan(&id).Error; err != nil || id == 0 {
		e.t.Fatalf("registered user %s not found: %v", login, err)
	}
	return e.auditIP("user.register", "user:"+strconv.FormatInt(id, 10))
}

func TestSpoofedForwardedForIsIgnored(t *testing.T) {
	t.Parallel()
	// No TRUSTED_PROXIES, and a proxy-looking private peer that is not listed.
	for name, opts := range map[string][]func(*config.Config){
		"no proxies":       nil,
		"other proxy only": {trusting("10.0.0.0/8")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, opts...)
			e.auth.ByIP = auth.NewLimiter(e.auth.DB, "login.address", nil, time.Hour, 3)
			for _, addr := range []string{"192.168.1.20:40000", "127.0.0.1:40000", "198.51.100.20:40000"} {
				p := e.peer(addr)
				for i := range 3 {
					if code := p.wrongLogin(i, "X-Forwarded-For", "203.0.113."+strconv.FormatInt(int64(i+1), 10)); code != http.StatusUnauthorized {
						t.Fatalf("%s attempt %d: %d", addr, i+1, code)
					}
				}
				// A new forwarded address each time changes nothing: the peer is the client.
				if code := p.wrongLogin(3, "X-Forwarded-For", "203.0.113.99"); code != http.StatusTooManyRequests {
					t.Fatalf("%s: 4th attempt with a spoofed address = %d, want 429", addr, code)
				}
			}
			p := e.peer("198.51.100.21:40000")
			if ip := e.registerThrough(p, "13800138070", "X-Forwarded-For", "203.0.113.50"); ip != "198.51.100.21" {
				t.Fatalf("audit log records %q, want the TCP peer", ip)
			}
			// Nor is its word on the scheme taken.
			rec := p.do("GET", "/login", nil, "X-Forwarded-Proto", "https")
			if rec.Header().Get("Strict-Transport-Security") != "" || strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), ";"), "Secure") {
				t.Fatalf("untrusted X-Forwarded-Proto believed: %v", rec.Header())
			}
		})
	}
}

func TestTrustedProxyPassesTheClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, trusting("10.0.0.0/8", "2001:db8:ffff::/48"))
	e.auth.ByIP = auth.NewLimiter(e.auth.DB, "login.address", nil, time.Hour, 3)
	proxy := e.peer("10.1.2.3:51000")
	// The client writes anything to the left; the proxy appends the address it saw.
	for i := range 3 {
		xff := "198.51.100." + strconv.FormatInt(int64(i+1), 10) + ", 203.0.113.7"
		if code := proxy.wrongLogin(i, "X-Forwarded-For", xff); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	if code := proxy.wrongLogin(3, "X-Forwarded-For", "198.51.100.77, 203.0.113.7"); code != http.StatusTooManyRequests {
		t.Fatalf("client 203.0.113.7 escaped its limit by writing X-Forwarded-For: %d", code)
	}
	// Another client behind the same proxy has its own bucket, through two proxies too.
	if code := proxy.wrongLogin(4, "X-Forwarded-For", "203.0.113.8"); code != http.StatusUnauthorized {
		t.Fatalf("another client behind the proxy: %d, want 401", code)
	}
	if code := proxy.wrongLogin(5, "X-Forwarded-For", "203.0.113.9, 10.9.9.9"); code != http.StatusUnauthorized {
		t.Fatalf("a client behind two proxies: %d, want 401", code)
	}
	// The audit log records the client, not the proxy.
	if ip := e.registerThrough(e.peer("10.1.2.3:51001"), "13800138071", "X-Forwarded-For", "198.51.100.5, 203.0.113.60, 10.0.0.9"); ip != "203.0.113.60" {
		t.Fatalf("audit log records %q, want 203.0.113.60", ip)
	}
	if ip := e.registerThrough(e.peer("[2001:db8:ffff::10]:443"), "13800138072", "X-Forwarded-For", "2001:db8:1:2::42"); ip != "2001:db8:1:2::42" {
		t.Fatalf("audit log records %q through an IPv6 proxy", ip)
	}
	// Its X-Forwarded-Proto counts: cookies are Secure and HSTS is sent.
	rec := e.peer("10.1.2.3:51002").do("GET", "/login", nil, "X-Forwarded-For", "203.0.113.61", "X-Forwarded-Proto", "https")
	if rec.Header().Get("Strict-Transport-Security") == "" || !strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), ";"), "; Secure") {
		t.Fatalf("trusted X-Forwarded-Proto: https ignored: %v", rec.Header())
	}
}

func TestIPv6ClientsShareTheir64(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.auth.ByIP = auth.NewLimiter(e.auth.DB, "login.address", nil, time.Hour, 3)
	for i, addr := range []string{"[2001:db8:1:2::1]:4000", "[2001:db8:1:2::2]:4000", "[2001:db8:1:2:abcd:ef01:2345:6789]:4000"} {
		if code := e.peer(addr).wrongLogin(i); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d from %s: %d", i+1, addr, code)
		}
	}
	if code := e.peer("[2001:db8:1:2:ffff:ffff:ffff:ffff]:4000").wrongLogin(3); code != http.StatusTooManyRequests {
		t.Fatalf("fourth address of the same /64: %d, want 429", code)
	}
	if code := e.peer("[2001:db8:1:3::1]:4000").wrongLogin(4); code != http.StatusUnauthorized {
		t.Fatalf("the next /64: %d, want 401", code)
	}
	// IPv4 clients are told apart by their full address.
	for i := range 3 {
		e.peer("198.51.100.30:4000").wrongLogin(10 + i)
	}
	if code := e.peer("198.51.100.31:4000").wrongLogin(20); code != http.StatusUnauthorized {
		t.Fatalf("neighbouring IPv4 address: %d, want 401", code)
	}
}

func TestSecureCookiesAndHSTSFollowTheBaseURL(t *testing.T) {
	t.Parallel()
	secure := newEnv(t, baseURL("https://pay.example"))
	plain := newEnv(t, baseURL("http://127.0.0.1:8080"))
	u := secure.user("13800138073", "buyer")
	plain.user("13800138073", "buyer")
	check := func(e *env, want bool) {
		t.Helper()
		p := e.peer("198.51.100.40:4000")
		recs := []*httptest.ResponseRecorder{
			p.do("GET", "/", nil),
			p.do("GET", "/lang?to=zh-CN&next=/", nil),
			p.post("/login", url.Values{"login": {u.Login}, "password": {"correct horse battery"}}),
		}
		if recs[2].Code != http.StatusSeeOther {
			t.Fatalf("login: %d", recs[2].Code)
		}
		names := map[string]bool{}
		for i, rec := range recs {
			if got := rec.Header().Get("Strict-Transport-Security") != ""; got != want {
				t.Errorf("response %d: HSTS %v, want %v", i, got, want)
			}
			for _, c := range rec.Result().Cookies() {
				names[c.Name] = true
				if c.Secure != want {
					t.Errorf("cookie %s: Secure %v, want %v", c.Name, c.Secure, want)
				}
			}
		}
		for _, n := range []string{"csrf", "lang", "session"} {
			if !names[n] {
				t.Errorf("cookie %s not set", n)
			}
		}
	}
	check(secure, true)
	check(plain, false)
}
