package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"lineescrow/app/auth"
	"lineescrow/models"
)

// bypasses are next= values from open-redirect reports, as they arrive (query
// encoded); the first is the one reported against /lang.
var bypasses = []string{
	"/%09/evil.com", "//evil.com", "///evil.com", "/%5Cevil.com", "%5C%5Cevil.com", "/%5C/evil.com", "%5C/evil.com",
	"/%0A/evil.com", "/%0D%0A/evil.com", "%09//evil.com", "%20//evil.com", "%00//evil.com", "/%00/evil.com",
	"/%252f/evil.com", "/%252F%252Fevil.com", "/%255cevil.com", "/%2509/evil.com",
	"https://evil.com", "HTTPS:%2F%2Fevil.com", "https:evil.com", "http:/evil.com", "//pay.example@evil.com",
	"https://pay.example@evil.com", "javascript:alert(1)", "java%09script:alert(1)", "data:text/html,x",
	"%EF%BC%8F%EF%BC%8Fevil.com", "/%EF%BC%8Fevil.com", "/%E2%88%95evil.com", "/%E2%80%AE/evil.com", "evil.com",
}

func TestLanguageSwitchStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for _, next := range bypasses {
		p := b.get("/lang?to=en&next=" + next)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
			t.Errorf("GET /lang?next=%s = %d Location %q, want 303 /", next, p.status, p.header.Get("Location"))
		}
	}
	if p := b.get("/lang?to=en&next=" + url.QueryEscape("/orders/7?tab=money")); p.header.Get("Location") != "/orders/7?tab=money" {
		t.Errorf("own path not kept: %q", p.header.Get("Location"))
	}
}

func TestLoginNextStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.auth.ByAccount = auth.NewLimiter(e.auth.DB, "login.account", nil, time.Hour, 1000)
	u := e.user("13800138060", models.RoleBuyer)
	for _, next := range bypasses {
		b := e.browser()
		// The form carries the cleaned value.
		if v, _ := b.get("/login?next=" + next).find(`input[name="next"]`).Attr("value"); v != "/" {
			t.Errorf("GET /login?next=%s puts %q in the form", next, v)
		}
		raw, err := url.QueryUnescape(next)
		if err != nil {
			t.Fatal(err)
		}
		// A forged form posting next directly: the sign-in lands on the user's home.
		p := b.post("/login", url.Values{"login": {u.Login}, "password": {"correct horse battery"}, "next": {raw}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/listings" {
			t.Errorf("POST /login next=%q = %d Location %q, want 303 /listings", raw, p.status, p.header.Get("Location"))
		}
	}
	b := e.browser()
	p := b.post("/login", url.Values{"login": {u.Login}, "password": {"correct horse battery"}, "next": {"/orders?page=2"}})
	if p.header.Get("Location") != "/orders?page=2" {
		t.Errorf("own next not kept: %q", p.header.Get("Location"))
	}
}
