// Package ptest builds a whole platform on a fresh test database, with a
// controllable clock and helpers to act as its users and as the bank.
package ptest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lineescrow/app/auth"
	"lineescrow/app/config"
	"lineescrow/app/dbtest"
	"lineescrow/app/platform"
	"lineescrow/app/store"
	"lineescrow/app/web"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Env is a platform under test.
type Env struct {
	T   testing.TB
	Ctx context.Context
	*platform.Platform
	URL   string
	Clock *Clock

	Buyer, Buyer2, Seller *models.User
	Operator              *models.User
	seq                   atomic.Int64
}

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Password of every test user; PIN is their payment password.
const (
	Password = "correct horse battery"
	PIN      = "284913"
)

// Quiet is a logger that discards.
var Quiet = slog.New(slog.DiscardHandler)

// Config returns a demo configuration.
func Config(t testing.TB) *config.Config {
	cfg, err := config.Load(func(k string) string {
		if k == "DEMO" {
			return "true"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// New returns a platform (workers not started) with a buyer, a second buyer, a
// seller (all with payment passwords) and an operator.
func New(t testing.TB) *Env {
	t.Helper()
	db, url := dbtest.NewWithURL(t)
	return NewOn(t, db, url, platform.Options{})
}

// NewOn builds the environment on an existing database.
func NewOn(t testing.TB, db *store.DB, url string, o platform.Options) *Env {
	t.Helper()
	clock := &Clock{now: time.Now().UTC().Truncate(time.Second)}
	if o.Now == nil {
		o.Now = clock.Now
	}
	p, err := platform.New(Config(t), db, Quiet, o)
	if err != nil {
		t.Fatal(err)
	}
	p.Auth.Now = clock.Now
	free := func(name string) *auth.Limiter { return auth.NewLimiter(db.DB, name, nil, time.Millisecond, 1000) }
	p.Auth.ByAccount, p.Auth.ByIP = free("login.account"), free("login.address")
	p.Auth.RegisterByIP, p.Auth.RegisterByLogin = free("register.address"), free("register.number")
	e := &Env{T: t, Ctx: context.Background(), Platform: p, URL: url, Clock: clock}
	e.Buyer = e.User("13800138000", models.RoleBuyer, "张伟")
	e.Buyer2 = e.User("13900139000", models.RoleBuyer, "Li Na")
	e.Seller = e.User("05305551234", models.RoleSeller, "王建国")
	e.Operator, err = p.Auth.CreateOperator(e.Ctx, "13600136000", "Ops", Password)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// User registers a user with Password and PIN.
func (e *Env) User(login string, role models.Role, name string) *models.User {
	e.T.Helper()
	r := models.Registration{Role: role, Login: login, Password: Password, DisplayName: name}
	if role == models.RoleSeller {
		r.ShopName, r.LegalName, r.BankAccount, r.BankHolder = name+"'s shop", name, "6217000011112222", name
	}
	u, err := e.Auth.Register(e.Ctx, r, "127.0.0.1")
	if err != nil {
		e.T.Fatal(err)
	}
	if err := e.Auth.SetPayPassword(e.Ctx, u.Actor(), Password, "", PIN); err != nil {
		e.T.Fatal(err)
	}
	u, _ = e.Auth.Get(e.Ctx, u.ID)
	return u
}

// Listing creates a listing of the seller.
func (e *Env) Listing(price string, stock int) *models.Listing {
	e.T.Helper()
	l, err := e.Orders.CreateListing(e.Ctx, e.Seller.Actor(), models.ListingInput{
		Title: "牡丹花茶 Peony tea", Description: "Heze peony tea, 250 g", Price: price, Stock: fmt.Sprint(stock)})
	if err != nil {
		e.T.Fatal(err)
	}
	return l
}

// Checkout buys qty of a listing as buyer.
func (e *Env) Checkout(buyer *models.User, l *models.Listing, qty int) *models.Order {
	e.T.Helper()
	o, err := e.Orders.Checkout(e.Ctx, buyer.Actor(), models.Checkout{ListingID: l.ID, Quantity: qty,
		ConsigneeName: buyer.DisplayName, ConsigneePhone: buyer.Login, ConsigneeAddress: "山东省菏泽市牡丹区中华路 1 号"})
	if err != nil {
		e.T.Fatal(err)
	}
	return o
}

// Order reloads an order as the operator sees it.
func (e *Env) Order(id int64) *models.Order {
	e.T.Helper()
	o, err := e.Orders.Get(e.Ctx, e.Operator.Actor(), id)
	if err != nil {
		e.T.Fatal(err)
	}
	return o
}

// Credit delivers a transfer.received as the bank would (already verified)
// and returns its bank transaction id.
func (e *Env) Credit(amount, reference string) string {
	e.T.Helper()
	txn := fmt.Sprintf("B%d%04d", time.Now().UnixNano()%1e9, e.seq.Add(1))
	e.Deliver(fmt.Sprintf("evt_%s", txn), bankbridge.TransferReceived, bankbridge.Received{BankTxnID: txn,
		Amount: models.MustParseMoney(amount), Currency: "CNY", Reference: reference, PayerAccount: "6222020200112233",
		PayerName: "张伟", Channel: "phone_banking", ValueDate: time.Now().Format("2006-01-02")})
	return txn
}

// Deliver stores and processes one bank event.
func (e *Env) Deliver(id, typ string, data any) {
	e.T.Helper()
	body := EventBody(id, typ, data)
	if _, err := bankbridge.Parse(body); err != nil {
		e.T.Fatal(err)
	}
	if _, err := e.Funding.Receive(e.Ctx, id, body); err != nil {
		e.T.Fatal(err)
	}
}

// EventBody is the JSON of a bank event.
func EventBody(id, typ string, data any) []byte {
	d, _ := json.Marshal(data)
	b, _ := json.Marshal(bankbridge.Event{ID: id, Type: typ, CreatedAt: time.Now().UTC(), Data: d})
	return b
}

// WebDeps hands the web layer the environment's services (as the command
// does), logging nowhere.
func (e *Env) WebDeps() web.Deps {
	return web.Deps{Config: e.Config, Health: e.Health, Metrics: []prometheus.Collector{e.DBStats}, Log: Quiet,
		Auth: e.Auth, Orders: e.Orders, Funding: e.Funding, Settings: e.Settings, Sellers: e.Sellers, Risk: e.Risk, Addresses: e.Addresses,
		Audit: e.Audit, Books: e.Books, Idempotency: e.Idempotency, Clawbacks: e.Clawbacks, Recon: e.Recon, Payouts: e.Payouts,
		Telecom: e.Telecom, Gateway: e.Gateway, Notices: e.Notices, IVR: e.IVR, Instore: e.Instore, Bills: e.Bills,
		Transfers: e.Transfers}
}

// Balance returns an account's balance as text.
func (e *Env) Balance(code string) string {
	e.T.Helper()
	var b models.Money
	if err := e.DB.Raw(`SELECT coalesce(sum(b.balance), 0) FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
		WHERE a.code = ?`, code).Row().Scan(&b); err != nil {
		e.T.Fatal(err)
	}
	return b.String()
}

// Count runs a count query.
func (e *Env) Count(query string, args ...any) int64 {
	e.T.Helper()
	var n int64
	if err := e.DB.Raw(query, args...).Scan(&n).Error; err != nil {
		e.T.Fatal(err)
	}
	return n
}
