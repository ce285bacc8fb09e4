package web_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"lineescrow/app/gateway"
	"lineescrow/bankbridge/shopsim"
	"lineescrow/models"
)

// gatewayEnv is a platform with its web server whose seller is a merchant
// holding the demo shop's key.
type gatewayEnv struct {
	*tradeEnv
	m     *gateway.Merchant
	key   *rsa.PrivateKey
	nonce atomic.Int64
}

func newGatewayEnv(t *testing.T) *gatewayEnv {
	t.Helper()
	e := &gatewayEnv{tradeEnv: newTradeEnv(t)}
	var err error
	if e.m, err = e.Gateway.Approve(e.Ctx, e.Operator.Actor(), e.Seller.ID); err != nil {
		t.Fatal(err)
	}
	if e.key, err = gateway.ParsePrivateKey(shopsim.DemoPrivateKey); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Gateway.UploadKey(e.Ctx, e.Seller.Actor(), gateway.PublicKeyPEM(&e.key.PublicKey), 0); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.ts.URL)
	if e.m, err = e.Gateway.SetEndpoints(e.Ctx, e.Seller.Actor(), gateway.Endpoints{NotifyURL: "https://shop.example/notify",
		ReturnHosts: "shop.example, " + u.Hostname()}); err != nil {
		t.Fatal(err)
	}
	return e
}

// params are a request's common parameters, timestamped at, and kv's.
func (e *gatewayEnv) params(at time.Time, method string, kv ...string) map[string]string {
	p := map[string]string{"app_id": e.m.AppID, "method": method, "sign_type": "RSA2", "charset": "utf-8",
		"timestamp": at.In(models.Shanghai).Format(gateway.TimestampLayout),
		"nonce":     fmt.Sprintf("web%013d", e.nonce.Add(1))}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

func (e *gatewayEnv) sign(t *testing.T, p map[string]string) map[string]string {
	t.Helper()
	delete(p, "sign")
	sig, err := gateway.Sign(e.key, p)
	if err != nil {
		t.Fatal(err)
	}
	p["sign"] = sig
	return p
}

// post sends p to POST /gateway/v1 as a form (or JSON), with no session
// and no CSRF token, and checks the reply is signed by the platform.
func (e *gatewayEnv) post(t *testing.T, p map[string]string, asJSON bool) (int, map[string]string) {
	t.Helper()
	var req *http.Request
	if asJSON {
		b, _ := json.Marshal(p)
		req, _ = http.NewRequest("POST", e.ts.URL+"/gateway/v1", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	} else {
		v := url.Values{}
		for k, x := range p {
			v.Set(k, x)
		}
		req, _ = http.NewRequest("POST", e.ts.URL+"/gateway/v1", bytes.NewReader([]byte(v.Encode())))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "cross-site") // a server does not send it; a browser's would not matter
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]string{}
	if err := json.Unmarshal(readAll(res), &out); err != nil {
		t.Fatalf("the reply is not a JSON object of strings: %v", err)
	}
	if !gateway.Verify([]*rsa.PublicKey{&e.Gateway.Key.PublicKey}, out) {
		t.Fatalf("the reply does not verify with the platform's key: %v", out)
	}
	return res.StatusCode, out
}

func TestGatewayEndpoint(t *testing.T) {
	t.Parallel()
	e := newGatewayEnv(t)
	now := e.Clock.Now()
	create := func(out string) map[string]string {
		return e.params(now, "trade.create", "out_trade_no", out, "subject", "牡丹花茶 Peony tea", "total_amount", "88.00")
	}
	trades := func() int64 { return e.Count(`SELECT count(*) FROM gateway_trades`) }

	// A signed form: the trade, with its cashier.
	st, r := e.post(t, e.sign(t, create("SHOP-1")), false)
	if st != http.StatusOK || r["code"] != "SUCCESS" || r["trade_no"] == "" || r["cashier_url"] == "" {
		t.Fatalf("trade.create: %d %v", st, r)
	}
	// A signed JSON object: the query.
	st, q := e.post(t, e.sign(t, e.params(now, "trade.query", "out_trade_no", "SHOP-1")), true)
	if st != http.StatusOK || q["trade_no"] != r["trade_no"] || q["trade_status"] != "WAIT_BUYER_PAY" {
		t.Fatalf("trade.query: %d %v", st, q)
	}
	before := trades()

	// Refused, nothing created.
	tampered := e.sign(t, create("SHOP-2"))
	tampered["total_amount"] = "1.00"
	skewed := e.sign(t, e.params(now.Add(-10*time.Minute), "trade.create", "out_trade_no", "SHOP-3", "subject", "tea", "total_amount", "1.00"))
	replayed := e.sign(t, create("SHOP-4"))
	replayed["nonce"] = r["nonce"]
	replayed = e.sign(t, replayed)
	unknown := e.sign(t, create("SHOP-5"))
	unknown["app_id"] = "2026000000000000"
	for _, c := range []struct {
		name   string
		p      map[string]string
		status int
		code   gateway.Code
	}{
		{"bad signature", tampered, http.StatusUnauthorized, gateway.InvalidSignature},
		{"skewed timestamp", skewed, http.StatusUnauthorized, gateway.InvalidTimestamp},
		{"replayed nonce", replayed, http.StatusConflict, gateway.NonceReplayed},
		{"unknown app", unknown, http.StatusUnauthorized, gateway.InvalidAppID},
		{"missing sign", create("SHOP-6"), http.StatusUnprocessableEntity, gateway.MissingParameter},
	} {
		for _, asJSON := range []bool{false, true} {
			st, out := e.post(t, c.p, asJSON)
			if st != c.status || out["code"] != string(c.code) {
				t.Errorf("%s (json %v): %d %v, want %d %s", c.name, asJSON, st, out, c.status, c.code)
			}
		}
	}
	if n := trades(); n != before {
		t.Fatalf("refused calls created trades: %d, want %d", n, before)
	}

	// Not a JSON object of strings: refused with the field, signed.
	req, _ := http.NewRequest("POST", e.ts.URL+"/gateway/v1", bytes.NewReader([]byte(`{"app_id": 7}`)))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	_ = json.Unmarshal(readAll(res), &out)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || out["code"] != string(gateway.InvalidParameter) || out["field"] != "app_id" ||
		!gateway.Verify([]*rsa.PublicKey{&e.Gateway.Key.PublicKey}, out) {
		t.Fatalf("a number for app_id: %d %v", res.StatusCode, out)
	}
	// Neither a form nor JSON.
	req, _ = http.NewRequest("POST", e.ts.URL+"/gateway/v1", bytes.NewReader([]byte(`app_id=1`)))
	req.Header.Set("Content-Type", "text/plain")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain: %d", res.StatusCode)
	}
	// The body limit holds here too.
	big := bytes.Repeat([]byte("a"), 2<<20)
	req, _ = http.NewRequest("POST", e.ts.URL+"/gateway/v1", bytes.NewReader(append([]byte("subject="), big...)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 MB body: %d", res.StatusCode)
	}
}
