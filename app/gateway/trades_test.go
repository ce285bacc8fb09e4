package gateway_test

import (
	"crypto/rsa"
	"encoding/csv"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"lineescrow/app/gateway"
	"lineescrow/app/orders"
	"lineescrow/models"
)

// TestOutTradeNoReplayAndConflict: the same out_trade_no with the same
// content is the same trade (also when sent at once from many requests);
// with other content it is refused and nothing is made.
func TestOutTradeNoReplayAndConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.create("A100", "88.00", "body", "two boxes")
	if first["trade_status"] != gateway.WaitBuyerPay || first["cashier_url"] != e.Gateway.CashierURL(first["trade_no"]) ||
		!strings.HasPrefix(first["cashier_url"], e.Config.BaseURL+"/cashier/") || first["total_amount"] != "88.00" {
		t.Fatalf("created: %v", first)
	}
	again := e.create("A100", "88", "body", "two boxes") // the same amount, written otherwise
	if again["trade_no"] != first["trade_no"] {
		t.Fatalf("replay made another trade: %s vs %s", again["trade_no"], first["trade_no"])
	}
	_, err := e.call("trade.create", "out_trade_no", "A100", "subject", "牡丹花茶 Peony tea", "total_amount", "89.00", "body", "two boxes")
	code(t, err, gateway.OutTradeNoUsed)
	_, err = e.call("trade.create", "out_trade_no", "A100", "subject", "牡丹花茶 Peony tea", "total_amount", "88.00")
	code(t, err, gateway.OutTradeNoUsed) // no body this time: other content

	var wg sync.WaitGroup
	nos := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.send(signed(t, e.key, e.params("trade.create", "out_trade_no", "A101", "subject", "tea", "total_amount", "5.00")))
			if err != nil {
				t.Error(err)
			}
			nos <- r["trade_no"]
		}()
	}
	wg.Wait()
	close(nos)
	seen := map[string]bool{}
	for n := range nos {
		seen[n] = true
	}
	if len(seen) != 1 || e.count("SELECT count(*) FROM orders") != 2 || e.count("SELECT count(*) FROM gateway_trades") != 2 {
		t.Fatalf("concurrent creates: %v, %d orders", seen, e.count("SELECT count(*) FROM orders"))
	}
}

// TestCreateValidation: every problem beside its field, nothing made.
func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.call("trade.create", "out_trade_no", "bad no!", "subject", "", "total_amount", "1.234", "timeout_express", "16d",
		"return_url", "https://elsewhere.example/return", "consignee_name", "张伟")
	code(t, err, gateway.InvalidParameter)
	var fields []string
	for _, f := range models.AsError(err).Fields {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, " "); got != "out_trade_no subject total_amount timeout_express return_url consignee_phone consignee_address" {
		t.Fatalf("fields: %s", got)
	}
	for _, c := range []struct{ k, v, field string }{
		{"total_amount", "50000.01", "total_amount"},
		{"total_amount", "0.00", "total_amount"},
		{"timeout_express", "0m", "timeout_express"},
		{"timeout_express", "90s", "timeout_express"},
		{"return_url", "https://shop.example/r?sign=x", "return_url"},
		{"return_url", "https://shop.example/r#top", "return_url"},
		{"notify_url", "ftp://shop.example/n", "notify_url"},
	} {
		_, err := e.call("trade.create", "out_trade_no", "V1", "subject", "tea", "total_amount", "1.00", c.k, c.v)
		if models.ErrorField(err) != c.field {
			t.Errorf("%s=%s: %v", c.k, c.v, err)
		}
	}
	// Outside demo mode private notify targets are refused.
	e.Gateway.Demo = false
	for _, u := range []string{"http://127.0.0.1:9000/n", "http://10.1.2.3/n", "http://[::1]/n", "http://169.254.169.254/latest", "http://localhost/n", "http://intranet/n"} {
		_, err := e.call("trade.create", "out_trade_no", "V2", "subject", "tea", "total_amount", "1.00", "notify_url", u)
		if models.ErrorField(err) != "notify_url" {
			t.Errorf("notify_url %s: %v", u, err)
		}
		if _, err := e.Gateway.SetEndpoints(e.Ctx, e.Seller.Actor(), gateway.Endpoints{NotifyURL: u}); models.ErrorField(err) != "notify_url" {
			t.Errorf("default notify_url %s: %v", u, err)
		}
	}
	if n := e.count("SELECT count(*) FROM orders"); n != 0 {
		t.Fatalf("%d orders", n)
	}
	// Without a notify URL of either kind, none is created.
	e.Gateway.Demo = true
	if _, err := e.Gateway.SetEndpoints(e.Ctx, e.Seller.Actor(), gateway.Endpoints{ReturnHosts: "shop.example"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.call("trade.create", "out_trade_no", "V3", "subject", "tea", "total_amount", "1.00")
	if models.ErrorField(err) != "notify_url" {
		t.Fatalf("no notify URL: %v", err)
	}
}

// TestTradeLifecycle: query answers Alipay's words and LineEscrow's state
// at each step; ship and close through the gateway; the buyer confirms on
// LineEscrow; the seller's money arrives.
func TestTradeLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.create("L1", "100.00", "timeout_express", "30m", "return_url", "https://shop.example/done?ref=L1")
	no := r["trade_no"]
	o := e.Order(mustOrderOf(t, e, no))
	if o.Origin != models.OriginGateway || !o.TimerAt.Equal(e.Clock.Now().Add(30*time.Minute)) || r["time_expire"] == "" {
		t.Fatalf("order %+v, reply %v", o, r)
	}
	// Paying needs a buyer; the return exists only once paid.
	if _, err := e.Gateway.ReturnURL(e.Ctx, e.Buyer.Actor(), no); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("return before anyone took it: %v", err)
	}
	page, err := e.Gateway.Cashier(e.Ctx, models.Anonymous, no)
	if err != nil || page.ShopName != "王建国's shop" || page.Amount.String() != "100.00" || !page.NeedsConsignee || page.Order != nil {
		t.Fatalf("cashier: %v %+v", err, page)
	}
	_, err = e.call("trade.ship", "trade_no", no, "carrier", "SF Express", "tracking_no", "SF1234567890123")
	code(t, err, gateway.TradeStatusError)
	e.pay(e.Buyer, no)
	q := e.must("trade.query", "out_trade_no", "L1")
	if q["trade_status"] != gateway.TradeSuccess || q["escrow_state"] != "paid" || q["held_amount"] != "100.00" || q["gmt_payment"] == "" {
		t.Fatalf("paid: %v", q)
	}
	page, _ = e.Gateway.Cashier(e.Ctx, e.Buyer.Actor(), no)
	if page.Order == nil || page.ReturnURL == "" {
		t.Fatalf("the buyer's cashier once paid: %+v", page)
	}
	if other, _ := e.Gateway.Cashier(e.Ctx, e.Buyer2.Actor(), no); !other.TakenByOther || other.ReturnURL != "" {
		t.Fatalf("another buyer's cashier: %+v", other)
	}
	// The return carries the shop's own parameter and verifies over the whole query.
	back, err := e.Gateway.ReturnURL(e.Ctx, e.Buyer.Actor(), no)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(back)
	params, _ := gateway.ParseForm(u.Query())
	if u.Host != "shop.example" || params["ref"] != "L1" || params["trade_status"] != gateway.TradeSuccess || params["out_trade_no"] != "L1" ||
		!gateway.Verify([]*rsa.PublicKey{&e.Gateway.Key.PublicKey}, params) {
		t.Fatalf("return %s", back)
	}
	_, err = e.call("trade.close", "trade_no", no)
	code(t, err, gateway.TradeStatusError)

	r = e.must("trade.ship", "trade_no", no, "carrier", "SF Express", "tracking_no", "SF1234567890123")
	if r["trade_status"] != gateway.WaitBuyerConfirmGoods || r["tracking_no"] != "SF1234567890123" {
		t.Fatalf("shipped: %v", r)
	}
	_, err = e.call("trade.ship", "trade_no", no, "carrier", "SF Express", "tracking_no", "SF1234567890123")
	code(t, err, gateway.TradeStatusError)
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, "284913"); err != nil {
		t.Fatal(err)
	}
	q = e.must("trade.query", "trade_no", no)
	if q["trade_status"] != gateway.TradeFinished || q["released_amount"] != "100.00" || q["fee_amount"] != "0.60" || q["held_amount"] != "0.00" {
		t.Fatalf("finished: %v", q)
	}
	if got := e.Balance(models.SellerAvailableAccount(e.Seller.ID)); got != "99.40" {
		t.Fatalf("seller available %s", got)
	}
	// Another merchant sees nothing of it.
	_, err = e.call("trade.query", "trade_no", no, "out_trade_no", "other")
	code(t, err, gateway.TradeNotExist)
}

func mustOrderOf(t *testing.T, e *env, tradeNo string) int64 {
	t.Helper()
	id := e.count("SELECT order_id FROM gateway_trades WHERE trade_no = ?", tradeNo)
	if id == 0 {
		t.Fatalf("no trade %s", tradeNo)
	}
	return id
}

// TestCloseAndTimeout: the shop closes an unpaid trade; another closes by
// its own timeout; neither has stock to give back.
func TestCloseAndTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.create("C1", "10.00")
	if r := e.must("trade.close", "out_trade_no", "C1"); r["trade_status"] != gateway.TradeClosed || r["close_reason"] != "closed by the shop" {
		t.Fatalf("closed: %v", r)
	}
	if _, err := e.Gateway.Take(e.Ctx, e.Buyer.Actor(), a["trade_no"], models.Checkout{}); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("take a closed trade: %v", err)
	}
	// A frozen shop's trades cannot be taken at the cashier.
	open := e.create("C3", "10.00")["trade_no"]
	if _, err := e.Gateway.SetStatus(e.Ctx, e.Operator.Actor(), e.m.AppID, true, "checks"); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.Gateway.Cashier(e.Ctx, models.Anonymous, open); !p.ShopFrozen {
		t.Fatal("the cashier does not say the shop is frozen")
	}
	if _, err := e.Gateway.Take(e.Ctx, e.Buyer.Actor(), open, models.Checkout{ConsigneeName: "张伟", ConsigneePhone: "13800138000",
		ConsigneeAddress: "山东省菏泽市牡丹区中华路 1 号"}); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("take a frozen shop's trade: %v", err)
	}
	if _, err := e.Gateway.SetStatus(e.Ctx, e.Operator.Actor(), e.m.AppID, false, ""); err != nil {
		t.Fatal(err)
	}
	e.create("C2", "10.00", "timeout_express", "1m")
	o := e.Order(mustOrderOf(t, e, e.must("trade.query", "out_trade_no", "C2")["trade_no"]))
	e.Clock.Advance(time.Minute)
	fire(t, e, o)
	if q := e.must("trade.query", "out_trade_no", "C2"); q["trade_status"] != gateway.TradeClosed || q["close_reason"] != "not paid in time" {
		t.Fatalf("after the timeout: %v", q)
	}
}

// TestRefunds: a partial refund returns part to the buyer and releases the
// rest (TRADE_FINISHED); its out_request_no answers again without
// refunding twice, and with other content is refused; nothing is refunded
// once released. A full refund closes the trade.
func TestRefunds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	no := e.create("F1", "100.00")["trade_no"]
	_, err := e.call("trade.refund", "trade_no", no, "out_request_no", "RF1", "refund_amount", "10.00")
	code(t, err, gateway.TradeStatusError) // not paid yet
	e.pay(e.Buyer, no)
	_, err = e.call("trade.refund", "trade_no", no, "out_request_no", "RF1", "refund_amount", "100.01")
	code(t, err, gateway.InvalidParameter)
	if models.ErrorField(err) != "refund_amount" {
		t.Fatalf("field %s", models.ErrorField(err))
	}
	r := e.must("trade.refund", "trade_no", no, "out_request_no", "RF1", "refund_amount", "30.00", "refund_reason", "one box broken")
	if r["trade_status"] != gateway.TradeFinished || r["refunded_amount"] != "30.00" || r["released_amount"] != "70.00" || r["refund_status"] != "REFUND_SUCCESS" {
		t.Fatalf("partial refund: %v", r)
	}
	again := e.must("trade.refund", "trade_no", no, "out_request_no", "RF1", "refund_amount", "30.00", "refund_reason", "one box broken")
	if again["refunded_amount"] != "30.00" || again["gmt_refund"] != r["gmt_refund"] {
		t.Fatalf("replayed refund: %v", again)
	}
	_, err = e.call("trade.refund", "trade_no", no, "out_request_no", "RF1", "refund_amount", "31.00", "refund_reason", "one box broken")
	code(t, err, gateway.OutRequestNoUsed)
	_, err = e.call("trade.refund", "trade_no", no, "out_request_no", "RF2", "refund_amount", "1.00")
	code(t, err, gateway.TradeStatusError)
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)); got != "30.00" {
		t.Fatalf("buyer's wallet %s", got)
	}
	if n := e.count("SELECT count(*) FROM gateway_refunds"); n != 1 {
		t.Fatalf("%d refunds recorded", n)
	}

	full := e.create("F2", "50.00")["trade_no"]
	e.pay(e.Buyer, full)
	e.must("trade.ship", "trade_no", full, "carrier", "EMS", "tracking_no", "9800000000001")
	if r := e.must("trade.refund", "out_trade_no", "F2", "out_request_no", "all", "refund_amount", "50.00"); r["trade_status"] != gateway.TradeClosed {
		t.Fatalf("full refund: %v", r)
	}
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)); got != "80.00" {
		t.Fatalf("buyer's wallet %s", got)
	}

	// In a dispute only an operator decides.
	d := e.create("F3", "20.00")["trade_no"]
	o := e.pay(e.Buyer, d)
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("20.00"), "never came"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.RefuseRefund(e.Ctx, e.Seller.Actor(), o.ID, "it did"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Escalate(e.Ctx, e.Buyer.Actor(), o.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.call("trade.refund", "trade_no", d, "out_request_no", "D1", "refund_amount", "20.00")
	code(t, err, gateway.TradeStatusError)
	if q := e.must("trade.query", "trade_no", d); q["escrow_state"] != "paid/disputed" || q["trade_status"] != gateway.TradeSuccess {
		t.Fatalf("disputed: %v", q)
	}
}

// TestBillDownload: the day's movements of the merchant's money, with the
// trade numbers.
func TestBillDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	no := e.create("B1", "100.00")["trade_no"]
	o := e.pay(e.Buyer, no)
	e.must("trade.ship", "trade_no", no, "carrier", "SF", "tracking_no", "SF1234567890123")
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, "284913"); err != nil {
		t.Fatal(err)
	}
	// The ledger dates its transfers by the database's clock.
	var day string
	if err := e.DB.Raw(`SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') FROM ledger_transfers ORDER BY id LIMIT 1`).Scan(&day).Error; err != nil {
		t.Fatal(err)
	}
	r := e.must("bill.download", "bill_date", day)
	rows, err := csv.NewReader(strings.NewReader(r["bill"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(gateway.BillColumns, ",") || r["lines"] != "3" || len(rows) != 4 {
		t.Fatalf("bill:\n%s", r["bill"])
	}
	var changes []string
	for _, row := range rows[1:] {
		if row[3] != no {
			t.Errorf("row without its trade: %v", row)
		}
		changes = append(changes, row[6]+" "+row[7])
	}
	want := "escrow:order:" + itoa(o.ID) + " 100.00|escrow:order:" + itoa(o.ID) + " -100.00|seller:" + itoa(e.Seller.ID) + ":available 99.40"
	if strings.Join(changes, "|") != want {
		t.Fatalf("changes %s, want %s", strings.Join(changes, "|"), want)
	}
	_, err = e.call("bill.download", "bill_date", e.Clock.Now().In(models.Shanghai).AddDate(0, 0, 2).Format("2006-01-02"))
	if models.ErrorField(err) != "bill_date" {
		t.Fatalf("a future day: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fire runs the order's current timer, as its River job would.
func fire(t *testing.T, e *env, o *models.Order) {
	t.Helper()
	job := &river.Job[orders.TimerArgs]{JobRow: &rivertype.JobRow{}, Args: orders.TimerArgs{OrderID: o.ID, Timer: o.TimerKind, At: *o.TimerAt}}
	if err := e.Orders.FireTimer(e.Ctx, job); err != nil {
		t.Fatal(err)
	}
}
