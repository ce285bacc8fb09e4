package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"lineescrow/app/auth"
	"lineescrow/models"
)

func TestRegistrationCannotEnumerateNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.auth.RegisterByIP = auth.NewLimiter(e.auth.DB, "register.address", nil, time.Hour, 3)
	e.user("13800138080", models.RoleBuyer)
	b := e.browser()
	form := func(login string) url.Values {
		return url.Values{"role": {"buyer"}, "login": {login}, "display_name": {"Probe"}, "password": {"correct horse battery"},
			"password_confirm": {"correct horse battery"}}
	}
	// A person is told plainly that the number has an account.
	p := b.post("/register", form("13800138080"))
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-login"]`), "already exists") {
		t.Fatalf("taken number: %d %q", p.status, p.text(`[data-testid="error-login"]`))
	}
	b.post("/register", form("13800138081"))
	b.post("/register", form("13800138082"))
	// A script trying number after number is stopped, taken or not.
	for _, login := range []string{"13800138080", "13800138083"} {
		p = b.post("/register", form(login))
		if p.status != http.StatusTooManyRequests || p.text(`[data-testid="form-error"]`) == "" || p.find(`[data-testid="error-login"]`).Length() != 0 {
			t.Fatalf("registration %s past the limit: %d %q", login, p.status, p.text(`[data-testid="error-login"]`))
		}
	}
	var n int64
	e.db.Raw("SELECT count(*) FROM users WHERE login = '13800138083'").Scan(&n)
	if n != 0 {
		t.Fatal("a refused registration created the account")
	}
}

func TestAccountFormsAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("13800138090", models.RoleBuyer)
	b := e.browser()
	b.login(u.Login, "correct horse battery") // one of the account's five attempts
	for i := range 4 {
		p := b.post("/account/password", url.Values{"current_password": {"guess " + strconv.FormatInt(int64(i), 10)}, "new_password": {"a new long password"},
			"new_password_confirm": {"a new long password"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-current_password"]`) == "" {
			t.Fatalf("wrong guess %d: %d", i+1, p.status)
		}
	}
	p := b.post("/account/pay-password", url.Values{"current_password": {"correct horse battery"}, "pay_password": {"284913"}, "pay_password_confirm": {"284913"}})
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.text(`#pay-password [data-testid="form-error"]`), "Too many attempts") {
		t.Fatalf("payment password form past the limit: %d\n%s", p.status, p.text(`#pay-password`))
	}
	if got, _ := e.auth.Get(t.Context(), u.ID); got.HasPayPassword() {
		t.Fatal("payment password set past the limit")
	}
	if p := b.post("/account/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"a new long password"},
		"new_password_confirm": {"a new long password"}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("password form past the limit: %d", p.status)
	}
}

func TestSpoofedNamesAreRefusedBesideTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.lang = "zh-CN"
	p := b.post("/register", url.Values{"role": {"seller"}, "login": {"13800138095"}, "password": {"correct horse battery"}, "password_confirm": {"correct horse battery"},
		"display_name": {"王\u200B建国"}, "shop_name": {"牡丹\u202Egpj.exe"}, "legal_name": {"菏泽某商贸有限公司"},
		"bank_account": {"6217000011112222"}, "bank_holder": {"菏泽某商贸有限公司"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("register with invisible characters: %d", p.status)
	}
	for _, f := range []string{"display_name", "shop_name"} {
		if got := p.text(`[data-testid="error-` + f + `"]`); !strings.Contains(got, "零宽空格") {
			t.Errorf("%s: error %q", f, got)
		}
	}
	var n int64
	e.db.Raw("SELECT count(*) FROM users").Scan(&n)
	if n != 0 {
		t.Fatal("registered anyway")
	}
}
