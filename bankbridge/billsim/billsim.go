// Package billsim simulates billers for the demo and the tests: companies
// whose bills buyers pay from their LineEscrow balance. Each speaks the
// billers' protocol of bankbridge (biller.go): it answers what an account
// owes and accepts payment notices, both only when signed with Standard
// Webhooks under the secret it shares with the platform.
//
// One Sim serves several companies under its prefix, each at
// <prefix>/<code>/v1/…: the demo's electricity company (power) and water
// company (water) keep their accounts in memory (Accounts); the telecom
// operator's phone and broadband bills come from the telecom front-end
// simulator (telecomsim.Sim.Bills), so paying one lowers the line's arrears
// there. A payment is applied once per payment_id; a repeat answers what is
// owed now. The page (<prefix>/) lists the accounts, the notices received
// and a switch that answers the next notices 500, to watch the platform's
// retries. State lives in memory.
package billsim

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"lineescrow/app/config"
	"lineescrow/bankbridge"
	"lineescrow/models"
	"lineescrow/views"
)

// Book is where a company keeps its accounts.
type Book interface {
	// Bill says what account owes; ok is false for no such account.
	Bill(account string) (holder string, owed models.Money, period string, ok bool)
	// Pay applies a payment (once per payment id: the Sim sees to that) and
	// returns what is owed after it; ok is false for no such account.
	Pay(account string, amount models.Money) (owed models.Money, ok bool)
	// List lists the accounts for the page.
	List() []Account
}

// Account is an account of a company's own book.
type Account struct {
	Number string
	Holder string // full name; answers show it masked
	Owed   models.Money
	Period string
}

// Accounts is a Book in memory.
type Accounts struct {
	mu  sync.Mutex
	all map[string]*Account
}

// NewAccounts returns a book holding list.
func NewAccounts(list []Account) *Accounts {
	b := &Accounts{all: map[string]*Account{}}
	for _, a := range list {
		b.all[a.Number] = &a
	}
	return b
}

// Bill is Book's.
func (b *Accounts) Bill(account string) (string, models.Money, string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.all[account]
	if a == nil {
		return "", models.Zero, "", false
	}
	return a.Holder, a.Owed, a.Period, true
}

// Pay is Book's: the bill goes down, never below zero.
func (b *Accounts) Pay(account string, amount models.Money) (models.Money, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.all[account]
	if a == nil {
		return models.Zero, false
	}
	a.Owed = a.Owed.Sub(amount)
	if a.Owed.IsNegative() {
		a.Owed = models.Zero
	}
	return a.Owed, true
}

// List is Book's.
func (b *Accounts) List() []Account {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Account, 0, len(b.all))
	for _, a := range b.all {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Demo accounts.
const (
	PowerZhang = "3701000101" // 张伟, owes 126.50
	PowerLi    = "3701000102" // 李娜, owes 88.20
	PowerPaid  = "3701000103" // 刘洋, owes nothing
	WaterZhang = "53010001"   // 张伟, owes 42.00
	WaterLi    = "53010002"   // 李娜, owes 35.60
)

// DemoPower is the electricity company's book.
func DemoPower() []Account {
	m := models.MustParseMoney
	return []Account{{Number: PowerZhang, Holder: "张伟", Owed: m("126.50"), Period: "2026-11"},
		{Number: PowerLi, Holder: "李娜", Owed: m("88.20"), Period: "2026-11"},
		{Number: PowerPaid, Holder: "刘洋", Owed: models.Zero, Period: "2026-11"}}
}

// DemoWater is the water company's book.
func DemoWater() []Account {
	m := models.MustParseMoney
	return []Account{{Number: WaterZhang, Holder: "张伟", Owed: m("42.00"), Period: "2026-11"},
		{Number: WaterLi, Holder: "李娜", Owed: m("35.60"), Period: "2026-11"}}
}

// Company is one simulated biller.
type Company struct {
	Code, Name string
	Secret     string // whsec_…, shared with the platform
	Book       Book
	key        []byte
}

// Notice is a payment notice a company received.
type Notice struct {
	Company   string
	PaymentID string
	ReceiptNo string
	Account   string
	Amount    models.Money
	Tries     int // deliveries received, the refused ones included
	Refused   int // answered 500 by the switch
	Applied   bool
	OwedAfter models.Money
	At        time.Time
}

// Config configures a Sim.
type Config struct {
	Prefix string // e.g. /sim/bills
	Now    func() time.Time
}

// Sim serves the companies.
type Sim struct {
	cfg       Config
	mu        sync.Mutex
	companies map[string]*Company
	order     []string
	notices   map[string]*Notice // company/payment id
	list      []*Notice
	failNext  int
}

// New returns a Sim without companies.
func New(cfg Config) *Sim {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Prefix = strings.TrimRight(cfg.Prefix, "/")
	return &Sim{cfg: cfg, companies: map[string]*Company{}, notices: map[string]*Notice{}}
}

// Add adds a company. Errors: a malformed secret.
func (s *Sim) Add(c Company) error {
	key, err := config.WebhookKey(c.Secret)
	if err != nil {
		return err
	}
	c.key = key
	s.mu.Lock()
	defer s.mu.Unlock()
	s.companies[c.Code] = &c
	s.order = append(s.order, c.Code)
	return nil
}

// URL is the base URL of a company's API under the platform's base URL.
func (s *Sim) URL(base, code string) string {
	return strings.TrimRight(base, "/") + s.cfg.Prefix + "/" + code
}

// FailNext makes the next n payment notices answer 500 without applying.
func (s *Sim) FailNext(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// Notices lists the payment notices received, newest first.
func (s *Sim) Notices() []Notice {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Notice, 0, len(s.list))
	for i := len(s.list) - 1; i >= 0; i-- {
		out = append(out, *s.list[i])
	}
	return out
}

// Handler serves the page, its switch and every company's API.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	p := s.cfg.Prefix
	mux.HandleFunc("GET "+p+"/{$}", s.page)
	mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, p+"/", http.StatusSeeOther) })
	mux.HandleFunc("POST "+p+"/fail", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PostFormValue("n"))
		s.FailNext(min(max(n, 0), 20))
		http.Redirect(w, r, p+"/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST "+p+"/{code}/v1/bills/query", s.signed(s.query))
	mux.HandleFunc("POST "+p+"/{code}/v1/payments", s.signed(s.payment))
	return mux
}

func fail(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

// signed verifies the Standard Webhooks signature of the company's secret.
func (s *Sim) signed(fn func(w http.ResponseWriter, c *Company, body []byte, id string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		c := s.companies[r.PathValue("code")]
		s.mu.Unlock()
		if c == nil {
			fail(w, http.StatusNotFound, "unknown_biller")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			fail(w, http.StatusBadRequest, "unreadable_body")
			return
		}
		id, err := bankbridge.Verify(c.key, r.Header, body, s.cfg.Now())
		if err != nil {
			fail(w, http.StatusUnauthorized, "bad_signature")
			return
		}
		fn(w, c, body, id)
	}
}

func (s *Sim) query(w http.ResponseWriter, c *Company, body []byte, _ string) {
	var req struct {
		Account string `json:"account"`
	}
	if json.Unmarshal(body, &req) != nil || req.Account == "" {
		fail(w, http.StatusBadRequest, "invalid_request")
		return
	}
	holder, owed, period, ok := c.Book.Bill(req.Account)
	if !ok {
		fail(w, http.StatusNotFound, "unknown_account")
		return
	}
	writeJSON(w, http.StatusOK, bankbridge.BillQuery{Account: req.Account, Holder: Mask(holder), Owed: owed, Period: period})
}

func (s *Sim) payment(w http.ResponseWriter, c *Company, body []byte, id string) {
	var n bankbridge.BillPaymentNotice
	if json.Unmarshal(body, &n) != nil || n.PaymentID == "" || n.PaymentID != id || !n.Amount.IsPositive() {
		fail(w, http.StatusBadRequest, "invalid_request")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := c.Code + "/" + n.PaymentID
	seen := s.notices[k]
	if seen == nil {
		seen = &Notice{Company: c.Code, PaymentID: n.PaymentID, ReceiptNo: n.ReceiptNo, Account: n.Account, Amount: n.Amount, At: s.cfg.Now()}
		s.notices[k] = seen
		s.list = append(s.list, seen)
	}
	seen.Tries++
	if s.failNext > 0 {
		s.failNext--
		seen.Refused++
		fail(w, http.StatusInternalServerError, "try_again_later")
		return
	}
	if !seen.Applied {
		owed, ok := c.Book.Pay(n.Account, n.Amount)
		if !ok {
			fail(w, http.StatusNotFound, "unknown_account")
			return
		}
		seen.Applied, seen.OwedAfter = true, owed
	} else if _, owed, _, ok := c.Book.Bill(n.Account); ok {
		seen.OwedAfter = owed
	}
	writeJSON(w, http.StatusOK, bankbridge.BillPaymentAck{Status: "applied", Owed: seen.OwedAfter})
}

// Mask shows a holder's family name: "张*" (two characters for a compound
// family name is beyond a sketch of a biller: the first character).
func Mask(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + "*"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Sim) page(w http.ResponseWriter, r *http.Request) {
	vm := views.BillSimVM{Prefix: s.cfg.Prefix}
	s.mu.Lock()
	vm.FailNext = s.failNext
	companies := make([]*Company, 0, len(s.order))
	for _, code := range s.order {
		companies = append(companies, s.companies[code])
	}
	s.mu.Unlock()
	for _, c := range companies {
		vc := views.BillSimCompany{Code: c.Code, Name: c.Name}
		for _, a := range c.Book.List() {
			vc.Accounts = append(vc.Accounts, views.BillSimAccount{Number: a.Number, Holder: a.Holder, Owed: a.Owed, Period: a.Period})
		}
		vm.Companies = append(vm.Companies, vc)
	}
	for _, n := range s.Notices() {
		vm.Notices = append(vm.Notices, views.BillSimNotice{Company: n.Company, PaymentID: n.PaymentID, ReceiptNo: n.ReceiptNo,
			Account: n.Account, Amount: n.Amount, Tries: n.Tries, Refused: n.Refused, Applied: n.Applied, At: n.At})
	}
	if !views.HasInfo(r.Context()) {
		r = r.WithContext(views.WithInfo(r.Context(), &views.Info{Lang: views.NegotiateLang(r.Header.Get("Accept-Language")), Path: r.URL.RequestURI()}))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = views.BillSimPage(vm).Render(r.Context(), w)
}

// DemoCompany is one of the demo's billers.
type DemoCompany struct {
	Code, Name, Category string
	BankAccount          string // where its money is settled
	Book                 Book
}

// DemoCompanies are the demo's billers: the operator's phone and broadband
// bills (telecom, whose book is the telecom simulator's: telecomsim.Sim.Bills),
// an electricity company and a water company, each with a fresh book.
func DemoCompanies(telecom Book) []DemoCompany {
	return []DemoCompany{
		{Code: "telecom", Name: "菏泽固话 电话及宽带", Category: "telecom", BankAccount: "3706010100000530", Book: telecom},
		{Code: "power", Name: "国网菏泽供电公司", Category: "electricity", BankAccount: "3706010100001101", Book: NewAccounts(DemoPower())},
		{Code: "water", Name: "菏泽市自来水公司", Category: "water", BankAccount: "3706010100002202", Book: NewAccounts(DemoWater())},
	}
}
