package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// The address book's form without JavaScript: province, Next, city, Next,
// district, then save; errors beside their fields; the checkout offers the
// default address and the order keeps it.
func TestAddressBookPagesAndCheckout(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	b := e.browser(t, e.Buyer)
	p := b.get("/buyer/addresses")
	if p.status != 200 || p.find(`select[name="province"] option`).Length() != 32 || p.find(`select[name="city"]`).Length() != 0 {
		t.Fatalf("address book: %d, %d province options", p.status, p.find(`select[name="province"] option`).Length())
	}
	form := url.Values{"recipient": {"张伟"}, "phone": {"138 0013 8000"}, "detail": {"中华路 88 号"}, "province": {"37"}, "pick": {"1"}}
	p = b.post("/buyer/addresses", form)
	if p.status != 200 || p.find(`select[name="city"] option[value="3717"]`).Length() != 1 || p.find(`.error`).Length() != 0 {
		t.Fatalf("after choosing the province: %d, errors %q", p.status, p.text(`.error`))
	}
	if v, _ := p.find(`textarea[name="detail"]`).Html(); v != "中华路 88 号" {
		t.Errorf("the typed street is lost: %q", v)
	}
	form.Set("city", "3717")
	p = b.post("/buyer/addresses", form)
	if p.status != 200 || p.find(`select[name="district"] option[value="371702"]`).Length() != 1 {
		t.Fatalf("after choosing the city: %d", p.status)
	}
	// A city of another province is dropped when the province changes.
	if p := b.get("/buyer/addresses/regions?province=11&city=3717"); p.find(`select[name="city"] option[selected]`).Length() != 0 ||
		p.find(`select[name="district"]`).Length() != 0 || p.find(`select[name="city"] option[value="1101"]`).Length() != 1 {
		t.Error("the pickers kept a city of another province")
	}
	// Saving without the district: the error is beside it, nothing saved.
	form.Del("pick")
	p = b.post("/buyer/addresses", form)
	if p.status != 422 || p.text(`[data-testid="error-district"]`) == "" {
		t.Fatalf("no district: %d %q", p.status, p.text(`[data-testid="error-district"]`))
	}
	form.Set("district", "371702")
	form.Set("phone", "12345")
	if p = b.post("/buyer/addresses", form); p.status != 422 || p.text(`[data-testid="error-phone"]`) == "" {
		t.Fatalf("bad phone: %d", p.status)
	}
	if n := e.Count("SELECT count(*) FROM addresses"); n != 0 {
		t.Fatalf("%d addresses saved by refused forms", n)
	}
	form.Set("phone", "138 0013 8000")
	if p = b.post("/buyer/addresses", form); p.status != 303 {
		t.Fatalf("save: %d %s", p.status, p.text(`.error`))
	}
	p = b.get("/buyer/addresses")
	if got := p.text(`[data-testid="address-text"]`); got != "山东省 菏泽市 牡丹区 中华路 88 号" {
		t.Fatalf("the saved address reads %q", got)
	}
	var id int64
	e.DB.Raw("SELECT id FROM addresses WHERE buyer_id = ?", e.Buyer.ID).Scan(&id)

	// Checkout: the default address is chosen; the order keeps its copy.
	l := e.Listing("25.00", 3)
	p = b.get(fmt.Sprintf("/listings/%d", l.ID))
	if p.find(fmt.Sprintf(`input[name="address_id"][value="%d"][checked]`, id)).Length() != 1 || p.find(`input[name="address_id"][checked]`).Length() != 1 {
		t.Fatal("the default address is not chosen at checkout")
	}
	p = b.post(fmt.Sprintf("/listings/%d/checkout", l.ID), url.Values{"quantity": {"1"}, "address_id": {fmt.Sprint(id)}})
	if p.status != 303 {
		t.Fatalf("checkout: %d %s", p.status, p.text(`.error`))
	}
	loc := p.header.Get("Location")
	var oid int64
	fmt.Sscanf(loc, "/orders/%d", &oid)
	if got := e.Order(oid).ConsigneeAddress; got != "山东省 菏泽市 牡丹区 中华路 88 号" {
		t.Fatalf("the order's address %q (from %s)", got, loc)
	}
	// The seller sees it on the order to ship.
	if got := e.browser(t, e.Seller).get(fmt.Sprintf("/seller/orders/%d", oid)).body; !strings.Contains(got, "菏泽市 牡丹区 中华路 88 号") {
		t.Error("the seller does not see the delivery address")
	}
	// Another buyer's address: not found, at checkout and on its pages.
	other := e.browser(t, e.Buyer2)
	if p := other.get(fmt.Sprintf("/buyer/addresses/%d/edit", id)); p.status != 404 {
		t.Errorf("another buyer's edit page: %d", p.status)
	}
	if p := other.post(fmt.Sprintf("/buyer/addresses/%d/delete", id), nil); p.status != 404 {
		t.Errorf("another buyer deletes: %d", p.status)
	}
	if p := other.post(fmt.Sprintf("/listings/%d/checkout", l.ID), url.Values{"quantity": {"1"}, "address_id": {fmt.Sprint(id)}}); p.status != 404 {
		t.Errorf("another buyer checks out with it: %d", p.status)
	}
	if n := e.Count("SELECT count(*) FROM addresses WHERE id = ?", id); n != 1 {
		t.Fatal("the address is gone")
	}
}

// The API twins: add, list, change, default, delete, the regions; errors
// with stable codes naming the field.
func TestAddressBookAPI(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	tok := e.token(t, e.Buyer)
	in := map[string]any{"recipient": "李娜", "phone": "13900139000", "province": "11", "city": "1101", "district": "110105", "detail": "建国路 1 号"}
	code, a, _ := e.api(t, "POST", "/api/v1/buyer/addresses", tok, "", in)
	if code != 201 || a["is_default"] != true || a["province"] != "北京市" || a["district"] != "朝阳区" {
		t.Fatalf("add: %d %v", code, a)
	}
	id := int64(a["id"].(float64))
	bad := map[string]any{"recipient": "李娜", "phone": "13900139000", "province": "11", "city": "3717", "district": "371702", "detail": "建国路 1 号"}
	code, body, _ := e.api(t, "POST", "/api/v1/buyer/addresses", tok, "", bad)
	if errBody, _ := body["error"].(map[string]any); code != 422 || errCode(body) != "invalid" || errBody["field"] != "city" {
		t.Fatalf("a city of another province: %d %v", code, body)
	}
	in["province"], in["city"], in["district"], in["default"] = "37", "3717", "371702", false
	code, b, _ := e.api(t, "POST", "/api/v1/buyer/addresses", tok, "", in)
	if code != 201 || b["is_default"] != false {
		t.Fatalf("second: %d %v", code, b)
	}
	id2 := int64(b["id"].(float64))
	if code, d, _ := e.api(t, "POST", fmt.Sprintf("/api/v1/buyer/addresses/%d/default", id2), tok, "", map[string]any{}); code != 200 || d["is_default"] != true {
		t.Fatalf("default: %d %v", code, d)
	}
	in["detail"] = "人民路 9 号"
	if code, u, _ := e.api(t, "POST", fmt.Sprintf("/api/v1/buyer/addresses/%d", id), tok, "", in); code != 200 || u["detail"] != "人民路 9 号" || u["is_default"] != false {
		t.Fatalf("update: %d %v", code, u)
	}
	code, list, _ := e.api(t, "GET", "/api/v1/buyer/addresses", tok, "", nil)
	addrs, _ := list["addresses"].([]any)
	if code != 200 || len(addrs) != 2 || int64(addrs[0].(map[string]any)["id"].(float64)) != id2 {
		t.Fatalf("list: %d %v", code, list)
	}
	other := e.token(t, e.Buyer2)
	if code, body, _ := e.api(t, "DELETE", fmt.Sprintf("/api/v1/buyer/addresses/%d", id), other, "", nil); code != 404 || errCode(body) != "not_found" {
		t.Fatalf("another buyer deletes: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "DELETE", fmt.Sprintf("/api/v1/buyer/addresses/%d", id2), tok, "", nil); code != 200 || len(body["addresses"].([]any)) != 1 ||
		body["addresses"].([]any)[0].(map[string]any)["is_default"] != true {
		t.Fatalf("delete the default: %d %v", code, body)
	}
	if code, r, _ := e.api(t, "GET", "/api/v1/regions?province=37", "", "", nil); code != 200 || !strings.Contains(fmt.Sprint(r["divisions"]), "菏泽市") {
		t.Fatalf("regions: %d", code)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/regions?city=9999", "", "", nil); code != 404 {
		t.Fatalf("regions of no city: %d", code)
	}
	// Checkout through the API from the saved address.
	l := e.Listing("12.00", 2)
	code, o, _ := e.api(t, "POST", "/api/v1/orders", tok, "co-1", map[string]any{"listing_id": l.ID, "quantity": 1, "address_id": id})
	if c, _ := o["consignee"].(map[string]any); code != 201 || c["address"] != "山东省 菏泽市 牡丹区 人民路 9 号" || c["name"] != "李娜" {
		t.Fatalf("checkout: %d %v", code, o)
	}
}
