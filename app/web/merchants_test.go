package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"lineescrow/app/gateway"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/shopsim"
)

// TestMerchantPages: a seller who is not a merchant is told how to become
// one; an operator approves the seller on the portal (a refusal beside the
// field) and freezes it through the API (a note required); the seller
// uploads a key through the API (a private key refused and kept nowhere),
// sets the endpoints on the portal (a bad URL refused beside its field),
// sees the app id, the key and the platform's key, downloads the latter;
// unknown trades have no cashier.
func TestMerchantPages(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	seller := (&env{t: t, ts: e.ts}).browser()
	seller.login(e.Seller.Login, ptest.Password)
	if p := seller.get("/seller/gateway"); p.status != 200 || p.find(`[data-testid="merchant"]`).Length() != 0 ||
		!strings.Contains(p.body, "not a merchant of the gateway yet") {
		t.Fatalf("before approval: %d", p.status)
	}
	if code, body, _ := e.api(t, "GET", "/api/v1/merchant", e.token(t, e.Seller), "", nil); code != 404 {
		t.Fatalf("API before approval: %d %v", code, body)
	}

	ops := (&env{t: t, ts: e.ts}).browser()
	ops.login(e.Operator.Login, ptest.Password)
	if p := ops.post("/ops/merchants", url.Values{"seller_id": {"999999"}}); p.status != 422 || p.find(`[data-testid="error-seller_id"]`).Length() != 1 {
		t.Fatalf("approving no seller: %d", p.status)
	}
	if p := ops.post("/ops/merchants", url.Values{"seller_id": {strconv.FormatInt(e.Buyer.ID, 10)}}); p.status != 422 {
		t.Fatalf("approving a buyer: %d", p.status)
	}
	if e.Count("SELECT count(*) FROM gateway_merchants") != 0 {
		t.Fatal("a refused approval made a merchant")
	}
	if p := ops.post("/ops/merchants", url.Values{"seller_id": {strconv.FormatInt(e.Seller.ID, 10)}}); p.status != 303 {
		t.Fatalf("approve: %d", p.status)
	}
	list := ops.get("/ops/merchants")
	row := list.find(`[data-testid="merchant-row"]`)
	appID, _ := row.Attr("data-app-id")
	if st, _ := row.Attr("data-status"); row.Length() != 1 || st != "approved" || len(appID) != 16 {
		t.Fatalf("merchants page: %d rows, %q %q", row.Length(), st, appID)
	}

	tok := e.token(t, e.Seller)
	key, err := gateway.ParsePrivateKey(shopsim.DemoPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/merchant/key", tok, "", map[string]string{"public_key": shopsim.DemoPrivateKey}); code != 422 ||
		errCode(body) != "invalid" || body["error"].(map[string]any)["field"] != "public_key" {
		t.Fatalf("a private key: %d %v", code, body)
	}
	if e.Count("SELECT count(*) FROM gateway_merchant_keys") != 0 {
		t.Fatal("a refused key was kept")
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/merchant/key", tok, "", map[string]string{"public_key": gateway.PublicKeyPEM(&key.PublicKey),
		"grace_hours": "25"}); code != 422 {
		t.Fatalf("25 hours of grace: %d %v", code, body)
	}
	code, body, _ := e.api(t, "POST", "/api/v1/merchant/key", tok, "", map[string]string{"public_key": gateway.PublicKeyPEM(&key.PublicKey)})
	if code != 201 || body["fingerprint"] != gateway.Fingerprint(&key.PublicKey) || body["bits"] != float64(2048) {
		t.Fatalf("upload: %d %v", code, body)
	}

	if p := seller.post("/seller/gateway/endpoints", url.Values{"notify_url": {"ftp://shop.example.com/notify"}}); p.status != 422 ||
		p.find(`[data-testid="error-notify_url"]`).Length() != 1 {
		t.Fatalf("a bad notify URL: %d", p.status)
	}
	if p := seller.post("/seller/gateway/endpoints", url.Values{"notify_url": {"https://shop.example.com/notify"},
		"return_hosts": {"shop.example.com"}}); p.status != 303 {
		t.Fatalf("endpoints: %d", p.status)
	}
	page := seller.get("/seller/gateway")
	if page.text(`[data-testid="merchant-app-id"]`) != appID || page.find(`[data-testid="merchant-key"]`).Length() != 1 ||
		page.find(`[name="notify_url"]`).AttrOr("value", "") != "https://shop.example.com/notify" {
		t.Fatalf("gateway page: app id %q, %d keys", page.text(`[data-testid="merchant-app-id"]`), page.find(`[data-testid="merchant-key"]`).Length())
	}
	if p := seller.get("/seller/gateway/platform-key.pem"); p.status != 200 || strings.TrimSpace(p.body) != strings.TrimSpace(e.Gateway.PlatformPublicKey()) {
		t.Fatalf("platform key: %d", p.status)
	}
	code, body, _ = e.api(t, "GET", "/api/v1/merchant", tok, "", nil)
	if code != 200 || body["merchant"].(map[string]any)["app_id"] != appID || len(body["keys"].([]any)) != 1 ||
		body["platform_public_key"] != e.Gateway.PlatformPublicKey() {
		t.Fatalf("API merchant: %d %v", code, body)
	}

	opsTok := e.token(t, e.Operator)
	if code, body, _ := e.api(t, "POST", "/api/v1/ops/merchants/"+appID+"/status", opsTok, "", map[string]any{"frozen": true}); code != 422 {
		t.Fatalf("freezing without a note: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/ops/merchants/"+appID+"/status", tok, "", map[string]any{"frozen": true, "note": "x"}); code != 403 {
		t.Fatalf("a seller freezing: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/ops/merchants/"+appID+"/status", opsTok, "", map[string]any{"frozen": true, "note": "chargebacks"}); code != 200 ||
		body["status"] != "frozen" {
		t.Fatalf("freeze: %d %v", code, body)
	}
	if p := seller.get("/seller/gateway"); !strings.Contains(p.text(`[data-testid="merchant"]`), "chargebacks") {
		t.Fatal("the seller does not see the freeze")
	}
	code, body, _ = e.api(t, "GET", "/api/v1/ops/merchants", opsTok, "", nil)
	if code != 200 || len(body["merchants"].([]any)) != 1 {
		t.Fatalf("API merchants: %d %v", code, body)
	}

	if p := seller.get("/cashier/2026120100000000000000"); p.status != 404 {
		t.Fatalf("an unknown trade's cashier: %d", p.status)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/cashier/2026120100000000000000", "", "", nil); code != 404 {
		t.Fatalf("an unknown trade in the API: %d", code)
	}
}
