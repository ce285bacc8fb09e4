package telecom_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"lineescrow/app/config"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/telecom"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// env is a platform with the telecom simulator on the other side of the
// wire: the platform calls its API over HTTP, its callbacks come back
// signed to the platform's Receive, its settlement money arrives as a bank
// credit from the operator's account.
type env struct {
	*ptest.Env
	sim *telecomsim.Sim
	// cut, when set, decides whether a call's answer is lost after the
	// front-end acted on it (the timeout the contract warns of).
	mu  sync.Mutex
	cut func(r *http.Request) bool
}

// loser forwards each call and loses the answer when env.cut says so.
type loser struct {
	e    *env
	next http.RoundTripper
}

func (l loser) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := l.next.RoundTrip(r)
	l.e.mu.Lock()
	cut := l.e.cut
	l.e.mu.Unlock()
	if err == nil && cut != nil && cut(r) {
		res.Body.Close()
		return nil, errors.New("timeout: the answer was lost")
	}
	return res, err
}

// bank books the operator's settlement transfers as the bank's callbacks.
type bank struct{ e *env }

func (b bank) Transfer(in banksim.TransferInput) *banksim.Credit {
	txn := "BSET" + strings.ReplaceAll(in.Memo, "TELSET", "")
	b.e.Deliver("evt_"+txn, bankbridge.TransferReceived, bankbridge.Received{BankTxnID: txn, Amount: in.Amount, Currency: "CNY",
		Reference: in.Memo, PayerAccount: in.Account, PayerName: in.Name, Channel: "transfer", ValueDate: b.e.Clock.Now().Format("2006-01-02")})
	return &banksim.Credit{TxnID: txn, Amount: in.Amount, Memo: in.Memo, Account: in.Account, Name: in.Name}
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{Env: ptest.New(t)}
	cfg := e.Config
	key, err := config.WebhookKey(cfg.TelecomWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id, err := bankbridge.Verify(key, r.Header, body, e.Clock.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if _, err := e.Telecom.Receive(context.Background(), id, body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hook.Close)
	e.sim, err = telecomsim.New(telecomsim.Config{WebhookURL: hook.URL, Secret: cfg.TelecomWebhookSecret, APIKey: cfg.TelecomAPIKey,
		Prefix: "/tel", Now: e.Clock.Now, Log: ptest.Quiet, Bank: bank{e}})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(e.sim.Handler())
	t.Cleanup(api.Close)
	e.Telecom.Front = bankbridge.NewTelecom(api.URL+"/tel", cfg.TelecomAPIKey, &http.Client{Transport: loser{e, http.DefaultTransport}})
	// Tests charge often in a day; the limits on how often have tests of their own.
	e.set(t, map[string]string{"credit.charges_per_day": "100", "credit.new_binding_charges": "100"})
	return e
}

func (e *env) set(t *testing.T, form map[string]string) {
	t.Helper()
	if _, err := e.Settings.Update(e.Ctx, e.Operator.Actor(), form); err != nil {
		t.Fatal(err)
	}
}

// flush delivers the simulator's callbacks.
func (e *env) flush() { e.sim.Flush(context.Background()) }

// bind binds phone to buyer through the whole flow.
func (e *env) bind(t *testing.T, buyer *models.User, phone string) *models.Landline {
	t.Helper()
	var sub telecomsim.Subscriber
	for _, s := range telecomsim.DemoSubscribers() {
		if s.Phone == phone {
			sub = s
		}
	}
	if _, err := e.Telecom.StartBinding(e.Ctx, buyer.Actor(), models.FormatLandline(phone)); err != nil {
		t.Fatalf("lookup %s: %v", phone, err)
	}
	if _, err := e.Telecom.VerifyHolder(e.Ctx, buyer.Actor(), sub.Holder, sub.IDLast6()); err != nil {
		t.Fatalf("holder of %s: %v", phone, err)
	}
	l, err := e.Telecom.ConfirmCode(e.Ctx, buyer.Actor(), e.sim.LastCode(phone))
	if err != nil {
		t.Fatalf("code of %s: %v", phone, err)
	}
	return l
}

// pay checks out a listing of price and pays it by charging the buyer's line.
func (e *env) pay(t *testing.T, buyer *models.User, price string) (*models.Order, *models.Charge) {
	t.Helper()
	o := e.Checkout(buyer, e.Listing(price, 1), 1)
	c, err := e.Telecom.PayByCharge(e.Ctx, buyer.Actor(), o.ID, ptest.PIN)
	if err != nil {
		t.Fatalf("pay order %d by charge: %v", o.ID, err)
	}
	return e.Order(o.ID), c
}

func (e *env) charge(t *testing.T, id string) models.Charge {
	t.Helper()
	var c models.Charge
	if err := e.DB.Where("id = ?", id).Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) ship(t *testing.T, o *models.Order) {
	t.Helper()
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
}

func (e *env) confirm(t *testing.T, o *models.Order) {
	t.Helper()
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
}

// want compares account balances.
func (e *env) want(t *testing.T, balances map[string]string) {
	t.Helper()
	for acc, want := range balances {
		if got := e.Balance(acc); got != want {
			t.Errorf("%s = %s, want %s", acc, got, want)
		}
	}
}

// check runs every invariant of the books, the orders and the charges.
func (e *env) check(t *testing.T) {
	t.Helper()
	if err := telecom.CheckInvariants(e.Ctx, e.DB.DB); err != nil {
		t.Fatal(err)
	}
}

func code(err error) string { return models.ErrorCode(err) }
