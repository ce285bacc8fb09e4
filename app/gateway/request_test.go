package gateway_test

import (
	"crypto/rsa"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/app/gateway"
	"lineescrow/models"
)

// nothingDone: no trade, no order, no nonce beyond those claimed before.
func (e *env) nothingDone(t *testing.T, nonces int64) {
	t.Helper()
	if n := e.count("SELECT count(*) FROM gateway_trades"); n != 0 {
		t.Fatalf("%d trades", n)
	}
	if n := e.count("SELECT count(*) FROM orders"); n != 0 {
		t.Fatalf("%d orders", n)
	}
	if n := e.count("SELECT count(*) FROM gateway_nonces"); n != nonces {
		t.Fatalf("%d nonces, want %d", n, nonces)
	}
}

func tradeParams(e *env) []string {
	return []string{"out_trade_no", "A1", "subject", "tea", "total_amount", "10.00"}
}

// TestRefusedRequestsDoNothing: an unknown app, a tampered parameter, a
// wrong key, a timestamp out of the window, a frozen merchant: each with
// its stable code (and the models code the web layer answers), nothing
// done, no nonce spent.
func TestRefusedRequestsDoNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.params("trade.create", tradeParams(e)...)
	p["app_id"] = "2999999999999999"
	_, err := e.send(signed(t, e.key, p))
	code(t, err, gateway.InvalidAppID)
	if models.ErrorCode(err) != models.EUNAUTHORIZED {
		t.Fatalf("models code %s", models.ErrorCode(err))
	}

	p = signed(t, e.key, e.params("trade.create", tradeParams(e)...))
	p["total_amount"] = "1.00"
	_, err = e.send(p)
	code(t, err, gateway.InvalidSignature)

	p = signed(t, demoKey(t), e.params("trade.create", tradeParams(e)...))
	_, err = e.send(p)
	code(t, err, gateway.InvalidSignature)

	p = e.params("trade.create", tradeParams(e)...)
	delete(p, "nonce")
	_, err = e.send(signed(t, e.key, p))
	code(t, err, gateway.MissingParameter)
	if models.ErrorField(err) != "nonce" {
		t.Fatalf("field %q", models.ErrorField(err))
	}

	p = e.params("trade.create", tradeParams(e)...)
	p["sign_type"] = "RSA"
	_, err = e.send(signed(t, e.key, p))
	code(t, err, gateway.InvalidSignType)

	for _, skew := range []time.Duration{-5*time.Minute - time.Second, 5*time.Minute + time.Second} {
		p = e.params("trade.create", tradeParams(e)...)
		p["timestamp"] = e.Clock.Now().Add(skew).In(models.Shanghai).Format(gateway.TimestampLayout)
		_, err = e.send(signed(t, e.key, p))
		code(t, err, gateway.InvalidTimestamp)
	}
	p = e.params("trade.create", tradeParams(e)...)
	p["timestamp"] = "1733040000"
	_, err = e.send(signed(t, e.key, p))
	code(t, err, gateway.InvalidTimestamp)

	p = e.params("trade.nothing")
	_, err = e.send(signed(t, e.key, p))
	code(t, err, gateway.UnknownMethod)

	if _, err := e.Gateway.SetStatus(e.Ctx, e.Operator.Actor(), e.m.AppID, true, ""); models.ErrorField(err) != "note" {
		t.Fatalf("freeze without a note: %v", err)
	}
	if _, err := e.Gateway.SetStatus(e.Ctx, e.Seller.Actor(), e.m.AppID, true, "chargebacks"); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a seller freezes: %v", err)
	}
	if _, err := e.Gateway.SetStatus(e.Ctx, e.Operator.Actor(), e.m.AppID, true, "too many chargebacks"); err != nil {
		t.Fatal(err)
	}
	_, err = e.call("trade.create", tradeParams(e)...)
	code(t, err, gateway.MerchantFrozen)
	if models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("models code %s", models.ErrorCode(err))
	}
	e.nothingDone(t, 0)
	if n := e.count("SELECT count(*) FROM audit_log WHERE action = 'gateway.merchant_freeze'"); n != 1 {
		t.Fatalf("%d freezes audited", n)
	}

	// Unfrozen, the same kind of request works; at the edge of the window too.
	if _, err := e.Gateway.SetStatus(e.Ctx, e.Operator.Actor(), e.m.AppID, false, ""); err != nil {
		t.Fatal(err)
	}
	p = e.params("trade.create", tradeParams(e)...)
	p["timestamp"] = e.Clock.Now().Add(-5 * time.Minute).In(models.Shanghai).Format(gateway.TimestampLayout)
	if _, err := e.send(signed(t, e.key, p)); err != nil {
		t.Fatalf("5 minutes old: %v", err)
	}
}

// TestAFrozenSellerIsAFrozenMerchant: the seller's own account frozen stops
// its gateway too.
func TestAFrozenSellerIsAFrozenMerchant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.DB.Exec("UPDATE users SET frozen = true WHERE id = ?", e.Seller.ID).Error; err != nil {
		t.Fatal(err)
	}
	_, err := e.call("trade.create", tradeParams(e)...)
	code(t, err, gateway.MerchantFrozen)
	e.nothingDone(t, 0)
}

// TestReplayedNonce: a request sent twice runs once; of many sent at once
// with one nonce, exactly one runs.
func TestReplayedNonce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := signed(t, e.key, e.params("trade.query", "out_trade_no", "none"))
	_, err := e.send(p)
	code(t, err, gateway.TradeNotExist)
	_, err = e.send(p)
	code(t, err, gateway.NonceReplayed)

	p = signed(t, e.key, e.params("trade.create", "out_trade_no", "R1", "subject", "tea", "total_amount", "10.00"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[gateway.Code]int{}
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := map[string]string{}
			for k, v := range p {
				q[k] = v
			}
			_, err := e.Gateway.Call(e.Ctx, q)
			mu.Lock()
			codes[gateway.CodeOf(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[gateway.Success] != 1 || codes[gateway.NonceReplayed] != 11 {
		t.Fatalf("codes %v", codes)
	}
	if n := e.count("SELECT count(*) FROM gateway_trades"); n != 1 {
		t.Fatalf("%d trades", n)
	}
	// Purged once its timestamp can no longer be accepted, and not before.
	if n, _ := e.Gateway.PurgeNonces(e.Ctx); n != 0 {
		t.Fatalf("purged %d fresh nonces", n)
	}
	e.Clock.Advance(7 * time.Minute)
	if n, _ := e.Gateway.PurgeNonces(e.Ctx); n != 2 {
		t.Fatalf("purged %d", n)
	}
}

// TestRotatedKey: after a rotation with a grace, both keys verify until
// the grace ends; then only the new one. A rotation without grace ends the
// old key at once.
func TestRotatedKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := e.key
	fresh := demoKey(t) // any other 2048-bit key
	if _, err := e.Gateway.UploadKey(e.Ctx, e.Seller.Actor(), gateway.PublicKeyPEM(&old.PublicKey), time.Hour); models.ErrorField(err) != "public_key" {
		t.Fatalf("the same key again: %v", err)
	}
	if _, err := e.Gateway.UploadKey(e.Ctx, e.Seller.Actor(), gateway.PublicKeyPEM(&fresh.PublicKey), 25*time.Hour); models.ErrorField(err) != "grace" {
		t.Fatalf("25 hours of grace: %v", err)
	}
	if _, err := e.Gateway.UploadKey(e.Ctx, e.Seller.Actor(), gateway.PublicKeyPEM(&fresh.PublicKey), 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	query := func(k *rsa.PrivateKey) error {
		_, err := e.send(signed(t, k, e.params("trade.query", "out_trade_no", "none")))
		return err
	}
	code(t, query(old), gateway.TradeNotExist) // verified, then not found
	code(t, query(fresh), gateway.TradeNotExist)
	e.Clock.Advance(2*time.Hour - time.Second)
	code(t, query(old), gateway.TradeNotExist)
	e.Clock.Advance(time.Second)
	code(t, query(old), gateway.InvalidSignature)
	code(t, query(fresh), gateway.TradeNotExist)

	// Back to the first key with no grace: the second stops at once.
	if _, err := e.Gateway.UploadKey(e.Ctx, e.Seller.Actor(), gateway.PublicKeyPEM(&old.PublicKey), 0); err != nil {
		t.Fatal(err)
	}
	code(t, query(fresh), gateway.InvalidSignature)
	code(t, query(old), gateway.TradeNotExist)
	page, err := e.Gateway.Merchant(e.Ctx, e.Seller.Actor())
	if err != nil || len(page.Keys) != 3 || page.Keys[0].ValidUntil != nil || page.PlatformKey != gateway.PublicKeyPEM(&e.Gateway.Key.PublicKey) {
		t.Fatalf("merchant page: %v %+v", err, page)
	}
}

// TestUploadKeyRefusesWhatIsNotAPublicKey: each with its message beside the
// field; a private key is never kept.
func TestUploadKeyRefusesWhatIsNotAPublicKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	priv := read(t, "example_merchant_private.pem")
	_, err := e.Gateway.UploadKey(e.Ctx, e.Seller.Actor(), priv, 0)
	if models.ErrorField(err) != "public_key" || models.AsError(err).Format == "" {
		t.Fatalf("private key: %v", err)
	}
	if n := e.count("SELECT count(*) FROM gateway_merchant_keys WHERE public_key LIKE '%PRIVATE%'"); n != 0 {
		t.Fatal("a private key was stored")
	}
	if _, err := e.Gateway.UploadKey(e.Ctx, e.Buyer.Actor(), read(t, "example_merchant_public.pem"), 0); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a buyer uploads: %v", err)
	}
	if _, err := e.Gateway.UploadKey(e.Ctx, e.User("05305550000", models.RoleSeller, "李四").Actor(), read(t, "example_merchant_public.pem"), 0); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("a seller who is not a merchant uploads: %v", err)
	}
}

func TestApproveIsAuditedAndIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	again, err := e.Gateway.Approve(e.Ctx, e.Operator.Actor(), e.Seller.ID)
	if err != nil || again.AppID != e.m.AppID {
		t.Fatalf("approve again: %v %+v", err, again)
	}
	if _, err := e.Gateway.Approve(e.Ctx, e.Seller.Actor(), e.Seller.ID); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a seller approves itself: %v", err)
	}
	if _, err := e.Gateway.Approve(e.Ctx, e.Operator.Actor(), e.Buyer.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("approve a buyer: %v", err)
	}
	if n := e.count("SELECT count(*) FROM audit_log WHERE action = 'gateway.merchant_approve'"); n != 1 {
		t.Fatalf("%d approvals audited", n)
	}
}

func TestParseFormAndJSON(t *testing.T) {
	p, err := gateway.ParseJSON([]byte(`{"app_id": "2014072300007148", "total_amount": "88.00"}`))
	if err != nil || p["total_amount"] != "88.00" {
		t.Fatalf("%v %v", p, err)
	}
	for _, bad := range []string{`{"total_amount": 88.00}`, `{"a": "1", "a": "2"}`, `{"a": {"b": "c"}}`, `["a"]`, `{"a": "1"} {}`, `{"a": null}`} {
		if _, err := gateway.ParseJSON([]byte(bad)); gateway.CodeOf(err) != gateway.InvalidParameter {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := gateway.ParseForm(url.Values{"a": {"1", "2"}}); gateway.CodeOf(err) != gateway.InvalidParameter {
		t.Errorf("a repeated form field: %v", err)
	}
}

// TestEveryCodeHasAModelsCode and the documentation lists it.
func TestEveryCodeHasAModelsCode(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for c, m := range gateway.Codes {
		if m == "" {
			t.Errorf("%s has no models code", c)
		}
		if c != gateway.Forbidden && c != gateway.SystemBusy && c != gateway.SystemError && !strings.Contains(doc, string(c)) {
			t.Errorf("doc.go does not mention %s", c)
		}
	}
}
