package gateway_test

import (
	"crypto/rsa"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"lineescrow/app/gateway"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// env is a platform whose seller is a merchant with the example key, a
// default notify URL and a registered return host.
type env struct {
	*ptest.Env
	t     *testing.T
	m     *gateway.Merchant
	key   *rsa.PrivateKey
	nonce atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{Env: ptest.New(t), t: t}
	var err error
	if e.m, err = e.Gateway.Approve(e.Ctx, e.Operator.Actor(), e.Seller.ID); err != nil {
		t.Fatal(err)
	}
	e.key = exampleKey(t)
	if _, err := e.Gateway.UploadKey(e.Ctx, e.Seller.Actor(), gateway.PublicKeyPEM(&e.key.PublicKey), 0); err != nil {
		t.Fatal(err)
	}
	if e.m, err = e.Gateway.SetEndpoints(e.Ctx, e.Seller.Actor(), gateway.Endpoints{NotifyURL: "https://shop.example/notify",
		ReturnHosts: "shop.example, 127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// params returns a request's common parameters for method, now by the
// platform's clock, with a fresh nonce, and kv's.
func (e *env) params(method string, kv ...string) map[string]string {
	p := map[string]string{"app_id": e.m.AppID, "method": method, "sign_type": "RSA2", "charset": "utf-8",
		"timestamp": e.Clock.Now().In(models.Shanghai).Format(gateway.TimestampLayout),
		"nonce":     fmt.Sprintf("n%015d", e.nonce.Add(1))}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

// signed signs p with key.
func signed(t *testing.T, key *rsa.PrivateKey, p map[string]string) map[string]string {
	t.Helper()
	delete(p, "sign")
	sig, err := gateway.Sign(key, p)
	if err != nil {
		t.Fatal(err)
	}
	p["sign"] = sig
	return p
}

// call sends a signed request and checks the reply's signature.
func (e *env) call(method string, kv ...string) (gateway.Reply, error) {
	e.t.Helper()
	return e.send(signed(e.t, e.key, e.params(method, kv...)))
}

// send runs a request as it is and checks the reply is the platform's.
func (e *env) send(p map[string]string) (gateway.Reply, error) {
	e.t.Helper()
	r, err := e.Gateway.Call(e.Ctx, p)
	if !gateway.Verify([]*rsa.PublicKey{&e.Gateway.Key.PublicKey}, r) {
		e.t.Fatalf("the reply does not verify with the platform's key: %v", r)
	}
	if r["code"] != string(gateway.CodeOf(err)) {
		e.t.Fatalf("reply code %s, error %v", r["code"], err)
	}
	return r, err
}

// must is call that must succeed.
func (e *env) must(method string, kv ...string) gateway.Reply {
	e.t.Helper()
	r, err := e.call(method, kv...)
	if err != nil {
		e.t.Fatalf("%s: %v (%v)", method, err, r)
	}
	return r
}

// create makes a trade of amount.
func (e *env) create(out, amount string, kv ...string) gateway.Reply {
	e.t.Helper()
	return e.must("trade.create", append([]string{"out_trade_no", out, "subject", "牡丹花茶 Peony tea", "total_amount", amount}, kv...)...)
}

// pay has the buyer take the trade at the cashier and pay it by bank transfer.
func (e *env) pay(buyer *models.User, tradeNo string) *models.Order {
	e.t.Helper()
	o, err := e.Gateway.Take(e.Ctx, buyer.Actor(), tradeNo, models.Checkout{ConsigneeName: buyer.DisplayName, ConsigneePhone: buyer.Login,
		ConsigneeAddress: "山东省菏泽市牡丹区中华路 1 号"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.Credit(o.Amount.String(), o.PayReference)
	o = e.Order(o.ID)
	if o.State != models.Paid {
		e.t.Fatalf("after the transfer: %s", o.State)
	}
	return o
}

// code asserts err's gateway code.
func code(t *testing.T, err error, want gateway.Code) {
	t.Helper()
	if got := gateway.CodeOf(err); got != want {
		t.Fatalf("code %s (%v), want %s", got, err, want)
	}
}

func (e *env) count(q string, args ...any) int64 { return e.Count(q, args...) }

var _ = time.Second
