package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lineescrow/app/gateway"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/shopsim"
	"lineescrow/models"
)

// gatewayEndpoint stands in for the web layer's POST /gateway/v1 (the web
// step adds the real one): form in, the signed reply out as JSON.
func gatewayEndpoint(e *env) http.Handler {
	status := map[string]int{"": 200, models.EINVALID: 422, models.EUNAUTHORIZED: 401, models.EFORBIDDEN: 403, models.ENOTFOUND: 404,
		models.ECONFLICT: 409, models.EUNAVAILABLE: 503, models.EINTERNAL: 500}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p, err := gateway.ParseForm(r.PostForm)
		var reply gateway.Reply
		if err == nil {
			reply, err = e.Gateway.Call(r.Context(), p)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status[models.ErrorCode(err)])
		_ = json.NewEncoder(w).Encode(reply)
	})
}

// deliverAll makes one try of every notification waiting for one, as the
// River jobs would once their transactions committed.
func (e *env) deliverAll() {
	e.t.Helper()
	var ids []string
	if err := e.DB.Raw("SELECT notify_id FROM gateway_notifications WHERE status IN ('pending', 'retrying') ORDER BY seq").Scan(&ids).Error; err != nil {
		e.t.Fatal(err)
	}
	for _, id := range ids {
		var tries int
		e.DB.Raw("SELECT tries FROM gateway_notifications WHERE notify_id = ?", id).Scan(&tries)
		_ = e.Gateway.Deliver(e.Ctx, gateway.NotifyArgs{NotifyID: id}, tries+1, false, e.Clock.Now())
	}
}

// TestTheDemoShopEndToEnd: the demo shop, through the public HTTP interface
// only, sells to a LineEscrow buyer: its signed trade.create gives a cashier
// URL; the buyer takes it and pays by phone banking; the notification makes
// the shop show it paid; the return (not trusted) makes the shop ask
// trade.query; the shop ships through the API; the buyer confirms on
// LineEscrow; the shop, after answering the first try 500, hears
// TRADE_FINISHED; the seller's available money rises by the price less the
// commission.
func TestTheDemoShopEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	gw := httptest.NewServer(gatewayEndpoint(e))
	defer gw.Close()
	var shopHandler http.Handler
	shopSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { shopHandler.ServeHTTP(w, r) }))
	defer shopSrv.Close()
	shop, err := shopsim.New(shopsim.Config{GatewayURL: gw.URL + "/gateway/v1", AppID: e.m.AppID, PrivateKey: shopsim.DemoPrivateKey,
		PlatformKey: e.Gateway.PlatformPublicKey(), BaseURL: shopSrv.URL + "/sim/shop", Prefix: "/sim/shop", Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	shopHandler = shop.Handler()
	// The shop's key is its own; its return URLs are on its host.
	if _, err := e.Gateway.UploadKey(e.Ctx, e.Seller.Actor(), shop.PublicKey(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Gateway.SetEndpoints(e.Ctx, e.Seller.Actor(), gateway.Endpoints{ReturnHosts: strings.TrimPrefix(shopSrv.URL, "http://")}); err != nil {
		t.Fatal(err)
	}

	// The customer buys: POST /checkout answers 303 to the cashier.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(shopSrv.URL+"/sim/shop/checkout", map[string][]string{"product": {"tea"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cashier := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(cashier, e.Config.BaseURL+"/cashier/") {
		t.Fatalf("checkout: %d %s", res.StatusCode, cashier)
	}
	tradeNo := strings.TrimPrefix(cashier, e.Config.BaseURL+"/cashier/")
	orders := shop.Orders()
	if len(orders) != 1 || orders[0].Status != gateway.WaitBuyerPay || orders[0].TradeNo != tradeNo {
		t.Fatalf("the shop's order: %+v", orders)
	}
	out := orders[0].OutTradeNo

	// At the cashier: the buyer takes it and pays by phone banking.
	page, err := e.Gateway.Cashier(e.Ctx, e.Buyer.Actor(), tradeNo)
	if err != nil || page.Amount.String() != "88.00" || page.Subject != shopsim.Products[0].Name || !page.NeedsConsignee {
		t.Fatalf("cashier: %v %+v", err, page)
	}
	o := e.pay(e.Buyer, tradeNo)
	if o, _ := shop.Order(out); o.Paid() {
		t.Fatal("the shop thinks it is paid before anyone told it")
	}
	e.deliverAll()
	if o, _ := shop.Order(out); o.Status != gateway.TradeSuccess || !o.Paid() {
		t.Fatalf("after the paid notification: %+v", o)
	}

	// Back to the shop: it asks trade.query rather than trusting the return.
	back, err := e.Gateway.ReturnURL(e.Ctx, e.Buyer.Actor(), tradeNo)
	if err != nil {
		t.Fatal(err)
	}
	res, err = http.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `data-testid="shop-order-paid"`) {
		t.Fatalf("the return page: %d\n%s", res.StatusCode, body)
	}
	so, _ := shop.Order(out)
	sources := []string{}
	for _, l := range so.Log {
		sources = append(sources, l.Source)
	}
	if strings.Join(sources, " ") != "created notify return query" {
		t.Fatalf("what the shop learnt: %v", sources)
	}
	// A forged return is not believed either: the query says what is true.
	res, err = http.Get(shopSrv.URL + "/sim/shop/return?out_trade_no=" + out + "&trade_status=TRADE_FINISHED&sign=AAAA&sign_type=RSA2")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if so, _ := shop.Order(out); so.Status != gateway.TradeSuccess || !strings.Contains(so.Log[len(so.Log)-2].Note, "NOT valid") {
		t.Fatalf("after a forged return: %+v", so)
	}

	// The shop ships through the API, the buyer confirms on LineEscrow.
	res, err = client.PostForm(shopSrv.URL+"/sim/shop/orders/ship", map[string][]string{"out_trade_no": {out}, "carrier": {"SF Express"},
		"tracking_no": {"SF2026120100001"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if so, _ := shop.Order(out); res.StatusCode != http.StatusSeeOther || so.Status != gateway.WaitBuyerConfirmGoods {
		t.Fatalf("ship: %d %+v", res.StatusCode, so)
	}
	e.deliverAll()
	shop.FailNextNotifications(1)
	before := e.Balance(models.SellerAvailableAccount(e.Seller.ID))
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	e.deliverAll() // answered 500
	if so, _ := shop.Order(out); so.Status != gateway.WaitBuyerConfirmGoods {
		t.Fatalf("the shop learnt despite its 500: %s", so.Status)
	}
	e.deliverAll() // the next try
	so, _ = shop.Order(out)
	if so.Status != gateway.TradeFinished {
		t.Fatalf("after the finished notification: %+v", so)
	}
	if before != "0.00" || e.Balance(models.SellerAvailableAccount(e.Seller.ID)) != "87.47" {
		t.Fatalf("seller available %s → %s", before, e.Balance(models.SellerAvailableAccount(e.Seller.ID)))
	}
	var finished gateway.Notification
	for _, n := range e.notifications(tradeNo) {
		if n.Event == gateway.EventFinished {
			finished = n
		}
	}
	if finished.Status != gateway.Delivered || finished.Tries != 2 || *finished.Log[0].HTTPStatus != 500 {
		t.Fatalf("the finished notification: %+v", finished)
	}
}
