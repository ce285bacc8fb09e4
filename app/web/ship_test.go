package web_test

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"lineescrow/models"
)

// The ship action's carrier enum in the API document is the carrier list.
func TestShipCarrierEnumIsTheCarrierList(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	code, doc, _ := e.api(t, "GET", "/api/openapi.json", "", "", nil)
	if code != 200 {
		t.Fatalf("openapi: %d", code)
	}
	var enum []any
	for path, item := range doc["paths"].(map[string]any) {
		if !strings.HasSuffix(path, "/ship") || !strings.HasPrefix(path, "/api/v1/orders/") {
			continue
		}
		op := item.(map[string]any)["post"].(map[string]any)
		schema := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		if ref, ok := schema["$ref"].(string); ok {
			name := ref[strings.LastIndex(ref, "/")+1:]
			schema = doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
		}
		props := schema["properties"].(map[string]any)
		enum, _ = props["carrier"].(map[string]any)["enum"].([]any)
		if _, ok := props["carrier_name"]; !ok {
			t.Error("the ship request has no carrier_name")
		}
	}
	var got []string
	for _, v := range enum {
		got = append(got, v.(string))
	}
	if want := strings.Split(models.CarrierCodes, ","); !reflect.DeepEqual(got, want) {
		t.Errorf("carrier enum %v, want %v", got, want)
	}
}

// Shipping through the API: a refused carrier or tracking number is an
// invalid error naming its field and changes nothing; the accepted shipment
// answers the carrier's code, name and tracking page.
func TestShipAPICarrierAndTracking(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	o := e.Checkout(e.Buyer, e.Listing("30.00", 5), 1)
	e.Credit("30.00", o.PayReference)
	seller := e.token(t, e.Seller)
	path := fmt.Sprintf("/api/v1/orders/%d/ship", o.ID)
	for _, c := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"carrier": "SF", "tracking_no": "JT1234567890123"}, "tracking_no"},
		{map[string]string{"carrier": "ZTO", "tracking_no": "ZT12345"}, "tracking_no"},
		{map[string]string{"carrier": "FEDEX", "tracking_no": "SF1234567890123"}, "carrier"},
		{map[string]string{"carrier": "", "tracking_no": "SF1234567890123"}, "carrier"},
		{map[string]string{"carrier": "other", "tracking_no": "KM000122"}, "carrier_name"},
		{map[string]string{"carrier": "SF", "tracking_no": "SF 12345"}, "tracking_no"},
	} {
		code, body, _ := e.api(t, "POST", path, seller, "", c.body)
		errBody, _ := body["error"].(map[string]any)
		if code != 422 || errCode(body) != models.EINVALID || errBody["field"] != c.field {
			t.Errorf("%v: %d %v, want 422 invalid on %s", c.body, code, body, c.field)
		}
	}
	if n := e.Count("SELECT count(*) FROM orders WHERE id = ? AND state = 'paid' AND carrier = '' AND carrier_code = '' AND tracking_no = ''", o.ID); n != 1 {
		t.Fatal("a refused shipment changed the order")
	}
	code, body, _ := e.api(t, "POST", path, seller, "", map[string]string{"carrier": "SF", "tracking_no": "sf1234567890123"})
	if code != 200 || body["state"] != "shipped" || body["carrier_code"] != "SF" || body["carrier"] != "SF Express" ||
		body["tracking_no"] != "SF1234567890123" || body["tracking_url"] != "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890123" {
		t.Fatalf("ship: %d %v", code, body)
	}
	// Another carrier: the typed name, no link.
	o2 := e.Checkout(e.Buyer, e.Listing("30.00", 5), 1)
	e.Credit("30.00", o2.PayReference)
	code, body, _ = e.api(t, "POST", fmt.Sprintf("/api/v1/orders/%d/ship", o2.ID), seller, "",
		map[string]string{"carrier": "other", "carrier_name": "快马速递", "tracking_no": "KM-0001-22"})
	if _, linked := body["tracking_url"]; code != 200 || body["carrier_code"] != "other" || body["carrier"] != "快马速递" || linked {
		t.Fatalf("ship by another carrier: %d %v", code, body)
	}
}

// The ship form: carriers to choose from, a refused tracking number shown
// beside its field with the form kept, then the order page of every party
// shows the carrier, the number and the carrier's tracking page.
func TestShipFormCarrierAndTrackingLink(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	o := e.Checkout(e.Buyer, e.Listing("30.00", 5), 1)
	e.Credit("30.00", o.PayReference)
	seller := e.browser(t, e.Seller)
	base := fmt.Sprintf("/seller/orders/%d", o.ID)
	p := seller.get(base)
	if n := p.find(`[data-testid="ship-form"] select[name="carrier"] option`).Length(); n != len(models.Carriers)+2 {
		t.Fatalf("%d carrier options, want the %d carriers, a prompt and another carrier", n, len(models.Carriers))
	}
	if p.find(`[data-testid="ship-form"] option[value="other"]`).Length() != 1 || p.find(`[data-testid="ship-form"] input[name="carrier_name"]`).Length() != 1 {
		t.Fatal("no way to name another carrier")
	}
	p = seller.post(base+"/ship", url.Values{"carrier": {"SF"}, "tracking_no": {"JT1234567890123"}})
	if p.status != 422 {
		t.Fatalf("bad tracking number: %d", p.status)
	}
	if msg := p.text(`[data-testid="field-tracking_no"] [data-testid="error-tracking_no"]`); !strings.Contains(msg, "SF1234567890123") {
		t.Errorf("the error beside the tracking number: %q", msg)
	}
	if sel, _ := p.find(`select[name="carrier"] option[selected]`).Attr("value"); sel != "SF" {
		t.Errorf("the chosen carrier is lost: %q", sel)
	}
	if v, _ := p.find(`input[name="tracking_no"]`).Attr("value"); v != "JT1234567890123" {
		t.Errorf("the typed number is lost: %q", v)
	}
	seller.lang = "zh-CN"
	p = seller.post(base+"/ship", url.Values{"carrier": {"other"}, "tracking_no": {"KM000122"}})
	if p.status != 422 || p.text(`[data-testid="error-carrier_name"]`) == "" || !strings.Contains(p.text(`[data-testid="field-carrier"]`), "顺丰速运") {
		t.Fatalf("another carrier without a name: %d %q", p.status, p.text(`[data-testid="error-carrier_name"]`))
	}
	if n := e.Count("SELECT count(*) FROM orders WHERE id = ? AND state = 'paid'", o.ID); n != 1 {
		t.Fatal("a refused shipment changed the order")
	}
	seller.lang = ""
	if p = seller.post(base+"/ship", url.Values{"carrier": {"JD"}, "tracking_no": {"jdva12345678901"}}); p.status != 303 {
		t.Fatalf("ship: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	for who, pg := range map[string]*page{
		"seller":   seller.get(base),
		"buyer":    e.browser(t, e.Buyer).get(fmt.Sprintf("/orders/%d", o.ID)),
		"operator": e.browser(t, e.Operator).get(fmt.Sprintf("/ops/orders/%d", o.ID)),
	} {
		if got := pg.text(`[data-testid="carrier-name"]`); got != "JD Logistics" {
			t.Errorf("%s sees carrier %q", who, got)
		}
		if got := pg.text(`[data-testid="tracking"]`); got != "JDVA12345678901" {
			t.Errorf("%s sees tracking number %q", who, got)
		}
		link := pg.find(`[data-testid="tracking-link"]`)
		if href, _ := link.Attr("href"); href != "https://www.jdl.com/orderSearch/?waybillCodes=JDVA12345678901" {
			t.Errorf("%s's tracking link: %q", who, href)
		}
		if rel, _ := link.Attr("rel"); !strings.Contains(rel, "noopener") {
			t.Errorf("%s's tracking link opens without noopener: %q", who, rel)
		}
	}
	zh := e.browser(t, e.Buyer)
	zh.lang = "zh-CN"
	if got := zh.get(fmt.Sprintf("/orders/%d", o.ID)).text(`[data-testid="carrier-name"]`); got != "京东物流" {
		t.Errorf("Chinese carrier name: %q", got)
	}
}
