package ivr_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"lineescrow/app/auth"
	"lineescrow/app/ivr"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/phonesim"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// checkDocuments: every document the call fetched is well-formed VoiceXML
// 2.1 using only the listed elements (phonesim refuses others as it runs;
// this checks again against app/ivr's own list).
func checkDocuments(t *testing.T, c *phonesim.Call) {
	t.Helper()
	allowed := map[string]bool{}
	for _, n := range ivr.Elements {
		allowed[n] = true
	}
	if len(c.Documents()) == 0 {
		t.Fatal("no documents fetched")
	}
	for i, doc := range c.Documents() {
		if err := phonesim.Check(doc); err != nil {
			t.Errorf("document %d: %v", i, err)
		}
		d := xml.NewDecoder(bytes.NewReader(doc))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("document %d is not well-formed: %v", i, err)
			}
			if se, ok := tok.(xml.StartElement); ok && !allowed[se.Name.Local] {
				t.Errorf("document %d uses <%s>", i, se.Name.Local)
			}
		}
	}
}

func TestHotlineBalanceRecordsAndCard(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.Credit("120.50", e.topUpRef(t))

	c := e.dial(t)
	if said := press(t, c, "1"); !strings.Contains(said, "您的余额为120元5角") || !strings.Contains(said, "您的固话可用额度为3000元") {
		t.Fatalf("balance:\n%s", said)
	}
	if said := press(t, c, "2"); !strings.Contains(said, "最近1笔记录") || !strings.Contains(said, "银行转账充值，收入120元5角") {
		t.Fatalf("records:\n%s", said)
	}
	// A recharge card: number, then PIN.
	if said := press(t, c, "5"); !strings.Contains(said, "十六位卡号") {
		t.Fatalf("card:\n%s", said)
	}
	if said := press(t, c, telecomsim.Card50); !strings.Contains(said, "八位密码") {
		t.Fatalf("card number:\n%s", said)
	}
	if said := press(t, c, "41875203"); !strings.Contains(said, "尾号0101的充值卡充值成功，50元已存入余额，现在余额为170元5角") {
		t.Fatalf("card PIN:\n%s", said)
	}
	if got := e.wallet(e.Buyer); got != "170.50" {
		t.Fatalf("wallet %s after the card", got)
	}
	// The same card again is refused, in Chinese, and nothing moves.
	press(t, c, "5")
	press(t, c, telecomsim.Card50)
	if said := press(t, c, "41875203"); !strings.Contains(said, "对不起") {
		t.Fatalf("used card:\n%s", said)
	}
	if got := e.wallet(e.Buyer); got != "170.50" {
		t.Fatalf("wallet %s after a used card", got)
	}
	// 3, 6 and 8 belong to other packages (TestHotlinePaysAShop,
	// TestHotlineTransfers, TestHotlinePaysABill); with no billers, 8 says so.
	if said := press(t, c, "8"); !strings.Contains(said, "没有可以缴费的单位") {
		t.Fatalf("key 8:\n%s", said)
	}
	// 0: a person; the call records where the caller was.
	press(t, c, "0")
	if !c.Ended || c.Transferred != e.Config.IVRAgentNumber {
		t.Fatalf("transfer: ended %v to %q", c.Ended, c.Transferred)
	}
	if n := e.Count(`SELECT count(*) FROM ivr_calls WHERE transferred_at IS NOT NULL AND last_menu = '8' AND user_id = ?`, e.Buyer.ID); n != 1 {
		t.Fatalf("%d transferred calls recorded", n)
	}
	// The operators see the caller, and where they were, on Incoming calls.
	page := e.opsGet(t, "/ops/calls")
	if !strings.Contains(page, "0530-5552001") || !strings.Contains(page, e.Buyer.DisplayName) || !strings.Contains(page, "Pay a bill") {
		t.Fatalf("incoming calls page:\n%s", page)
	}
	if api := e.opsGet(t, "/api/v1/ops/calls"); !strings.Contains(api, `"last_menu":"8"`) || !strings.Contains(api, `"phone":"05305552001"`) {
		t.Fatalf("incoming calls API: %s", api)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, telecomsim.Card50, "41875203")
}

// opsGet reads a page or an API read as the operator, signed in on the
// login form.
func (e *env) opsGet(t *testing.T, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	res, err := cl.Get(e.ts.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no CSRF token on the login page")
	}
	res, err = cl.PostForm(e.ts.URL+"/login", url.Values{"_csrf": {string(m[1])}, "login": {e.Operator.Login}, "password": {ptest.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+path, nil)
	if strings.HasPrefix(path, "/api/") {
		res, err := http.Post(e.ts.URL+"/api/v1/auth/token", "application/json",
			strings.NewReader(`{"login":"`+e.Operator.Login+`","password":"`+ptest.Password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			Token string `json:"token"`
		}
		_ = json.NewDecoder(res.Body).Decode(&tok)
		res.Body.Close()
		req.Header.Set("Authorization", "Bearer "+tok.Token)
	}
	res, err = cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ = io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

func (e *env) topUpRef(t *testing.T) string {
	t.Helper()
	ref, err := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// shipped is an order of the buyer paid from the wallet and shipped.
func (e *env) shipped(t *testing.T, price string) *models.Order {
	t.Helper()
	o := e.Checkout(e.Buyer, e.Listing(price, 1), 1)
	e.Credit(price, o.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	return e.Order(o.ID)
}

func TestHotlineConfirmReceipt(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o := e.shipped(t, "38.50")
	shop := "王建国's shop"

	c := e.dial(t)
	said := press(t, c, "4")
	if !strings.Contains(said, "您有1笔已发货的订单") || !strings.Contains(said, "38元5角，"+shop+"，请按1") {
		t.Fatalf("list:\n%s", said)
	}
	said = press(t, c, "1")
	if !strings.Contains(said, "金额38元5角，收款方"+shop) || !strings.Contains(said, "确认请按1") {
		t.Fatalf("confirm:\n%s", said)
	}
	if said = press(t, c, "1"); !strings.Contains(said, "请输入六位支付密码") {
		t.Fatalf("pin:\n%s", said)
	}
	if got := e.Order(o.ID).State; got != models.Shipped {
		t.Fatalf("moved before the password: %s", got)
	}
	if said = press(t, c, ptest.PIN); !strings.Contains(said, "已确认收货") {
		t.Fatalf("after the PIN:\n%s", said)
	}
	if got := e.Order(o.ID).State; got != models.Completed {
		t.Fatalf("order %s", got)
	}
	// Nothing left to confirm.
	if said = press(t, c, "4"); !strings.Contains(said, "没有待确认收货") {
		t.Fatalf("after:\n%s", said)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, ptest.PIN)
}

func TestHotlineThreeWrongPasswordsEndTheCall(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o := e.shipped(t, "20.00")

	c := e.dial(t)
	press(t, c, "4")
	press(t, c, "1")
	press(t, c, "1")
	for i := 0; i < 2; i++ {
		if said := press(t, c, "111222"); !strings.Contains(said, "支付密码错误") || !strings.Contains(said, "请输入六位支付密码") {
			t.Fatalf("wrong PIN %d:\n%s", i+1, said)
		}
	}
	if said := press(t, c, "111222"); !strings.Contains(said, "已输错三次") || !c.Ended {
		t.Fatalf("third wrong PIN:\n%s", said)
	}
	if got := e.Order(o.ID).State; got != models.Shipped {
		t.Fatalf("order %s", got)
	}
	// Counted towards the web's lockout: two more wrong ones lock payments.
	u, _ := e.Auth.Get(e.Ctx, e.Buyer.ID)
	if u.PayFailures != 3 {
		t.Fatalf("pay_failures %d, want 3", u.PayFailures)
	}
	for i := 0; i < auth.MaxPayFailures-3; i++ {
		_ = e.Auth.VerifyPayPassword(e.Ctx, e.Buyer.ID, "111222")
	}
	if err := e.Auth.VerifyPayPassword(e.Ctx, e.Buyer.ID, ptest.PIN); models.ErrorCode(err) != models.ELOCKED {
		t.Fatalf("after 3 on the phone and 2 more: %v", err)
	}
	// A new call while locked: confirming is refused before any password.
	c = e.dial(t)
	press(t, c, "4")
	press(t, c, "1")
	press(t, c, "1")
	if said := press(t, c, ptest.PIN); !strings.Contains(said, "锁定") || !c.Ended {
		t.Fatalf("locked:\n%s", said)
	}
	if got := e.Order(o.ID).State; got != models.Shipped {
		t.Fatalf("order %s", got)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, "111222", ptest.PIN)
}

func TestHotlineHangUpMovesNothing(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	o := e.shipped(t, "20.00")
	c := e.dial(t)
	press(t, c, "4")
	press(t, c, "1")
	press(t, c, "1")
	press(t, c, "28") // two digits of the password, then the caller hangs up
	c.Hangup()
	c.Press("4913")
	if got := e.Order(o.ID).State; got != models.Shipped {
		t.Fatalf("order %s after a hang-up", got)
	}
	if got := e.Balance(models.EscrowAccount(o.ID)); got != "20.00" {
		t.Fatalf("escrow %s", got)
	}
	// Cancelling at the confirmation moves nothing either.
	c = e.dial(t)
	press(t, c, "4")
	press(t, c, "1")
	if said := press(t, c, "2"); !strings.Contains(said, "已取消") {
		t.Fatalf("cancel:\n%s", said)
	}
	if got := e.Order(o.ID).State; got != models.Shipped {
		t.Fatalf("order %s after cancelling", got)
	}
	checkDocuments(t, c)
}

func TestHotlineChangePayPassword(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	c := e.dial(t)
	press(t, c, "7")
	press(t, c, ptest.PIN)
	press(t, c, "580316")
	if said := press(t, c, "580317"); !strings.Contains(said, "不一致") {
		t.Fatalf("mismatch:\n%s", said)
	}
	press(t, c, "7")
	press(t, c, ptest.PIN)
	press(t, c, "580316")
	if said := press(t, c, "580316"); !strings.Contains(said, "支付密码已修改") {
		t.Fatalf("changed:\n%s", said)
	}
	if err := e.Auth.VerifyPayPassword(e.Ctx, e.Buyer.ID, "580316"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	// A wrong old password counts as a wrong password of the call.
	press(t, c, "7")
	press(t, c, ptest.PIN)
	press(t, c, "602718")
	if said := press(t, c, "602718"); !strings.Contains(said, "支付密码错误") {
		t.Fatalf("wrong old:\n%s", said)
	}
	if n := e.Count(`SELECT max(pin_failures) FROM ivr_calls WHERE user_id = ?`, e.Buyer.ID); n != 1 {
		t.Fatalf("pin_failures %d", n)
	}
	checkDocuments(t, c)
	noDigitsLogged(t, e, "580316", "602718", ptest.PIN)
}

func TestHotlineUnboundLine(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.phone.Dial(telecomsim.LineClassB)
	if !c.Ended || !strings.Contains(c.Heard(), "还没有绑定") || !strings.Contains(c.Heard(), "绑定本机号码") {
		t.Fatalf("unbound line: %v\n%s", c.Err, c.Heard())
	}
	checkDocuments(t, c)
}

// TestHotlineRefusesForeignRequests: an unsigned request, one signed with
// another key, and a forged state are refused; none starts a call.
func TestHotlineRefusesForeignRequests(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	post := func(path string, form url.Values) int {
		res, err := http.Post(e.ts.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := post("/ivr/start", url.Values{"ani": {telecomsim.LineBuyer}}); got != http.StatusForbidden {
		t.Fatalf("unsigned start: %d", got)
	}
	if got := post("/ivr/step", url.Values{"s": {"x.y"}}); got != http.StatusForbidden {
		t.Fatalf("unsigned step: %d", got)
	}
	other := &phonesim.Sim{URL: e.ts.URL, Key: []byte("another key, not the platform's!"), Now: e.Clock.Now}
	if c := other.Dial(telecomsim.LineBuyer); c.Err == nil || !strings.Contains(c.Err.Error(), "403") {
		t.Fatalf("wrong key: %v", c.Err)
	}
	if n := e.Count(`SELECT count(*) FROM ivr_calls`); n != 0 {
		t.Fatalf("%d calls started by foreign requests", n)
	}
	// A state token changed by the platform is refused too.
	c := e.dial(t)
	docs := c.Documents()
	mark := []byte(`name="s" expr="&#39;`)
	i := bytes.Index(docs[0], mark)
	if i < 0 {
		t.Fatalf("no state in the document:\n%s", docs[0])
	}
	tok := string(docs[0][i+len(mark):])
	tok = tok[:strings.Index(tok, "&#39;")]
	if got := signed(t, e, "/ivr/step", url.Values{"s": {tok}}); got != http.StatusOK {
		t.Fatalf("the state as served: %d", got)
	}
	forged := strings.Replace(tok, tok[:4], "eyJj", 1)
	if forged == tok {
		forged = "A" + tok[1:]
	}
	req := signed(t, e, "/ivr/step", url.Values{"s": {forged}})
	if req != http.StatusBadRequest {
		t.Fatalf("forged state: %d", req)
	}
}

func signed(t *testing.T, e *env, path string, form url.Values) int {
	t.Helper()
	sim := e.phone
	body := []byte(form.Encode())
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setHeaders(req, sim, body)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// noDigitsLogged: nothing the caller typed is in any log line.
func noDigitsLogged(t *testing.T, e *env, typed ...string) {
	t.Helper()
	logs := e.logs.String()
	if !strings.Contains(logs, "/ivr/step") {
		t.Fatal("the requests were not logged at all: the test would prove nothing")
	}
	for _, d := range typed {
		if strings.Contains(logs, d) {
			t.Errorf("typed digits %q appear in the log", d)
		}
	}
}
