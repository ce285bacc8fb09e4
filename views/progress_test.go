package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"lineescrow/models"
)

func TestRemaining(t *testing.T) {
	en := WithInfo(context.Background(), &Info{Lang: English})
	zh := WithInfo(context.Background(), &Info{Lang: Chinese})
	cases := []struct {
		d      time.Duration
		en, zh string
	}{
		{9*24*time.Hour + 23*time.Hour + 59*time.Minute, "9 days 23 hours", "9 天 23 小时"},
		{24 * time.Hour, "1 day", "1 天"},
		{2*24*time.Hour + 30*time.Minute, "2 days", "2 天"},
		{3*time.Hour + 5*time.Minute + 59*time.Second, "3 hours 5 minutes", "3 小时 5 分钟"},
		{time.Hour, "1 hour", "1 小时"},
		{12*time.Minute + 30*time.Second, "12 minutes", "12 分钟"},
		{time.Minute, "1 minute", "1 分钟"},
	}
	for _, c := range cases {
		if got := Remaining(en, c.d); got != c.en {
			t.Errorf("Remaining(%v) = %q, want %q", c.d, got, c.en)
		}
		if got := Remaining(zh, c.d); got != c.zh {
			t.Errorf("Remaining(%v) in Chinese = %q, want %q", c.d, got, c.zh)
		}
	}
	if got := Remaining(zh, 59*time.Second); got != T(zh, "less than a minute") || got == "less than a minute" {
		t.Errorf("under a minute in Chinese = %q", got)
	}
}

// TestOrderPageShowsProgressAndCountdown: the steps bar marks the next step,
// the countdown says the time left in words and the deadline as a time,
// in Chinese as Taobao says it; the buyer reads where the money is, with no
// account code; the seller reads gross, commission and net.
func TestOrderPageShowsProgressAndCountdown(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	deadline := now.Add(9*24*time.Hour + 23*time.Hour + 10*time.Minute)
	o := models.Order{ID: 7, BuyerID: 10, SellerID: 20, Title: "Peony tea", Quantity: 1, UnitPrice: models.MustParseMoney("259.00"),
		Amount: models.MustParseMoney("259.00"), Held: models.MustParseMoney("259.00"), State: models.Shipped, Refund: models.RefundNone,
		PaidAt: &now, ShippedAt: &now, CreatedAt: now, TimerKind: models.TimerAutoConfirm, TimerAt: &deadline}
	vm := OrderVM{Order: o, Role: RoleBuyer, Base: "/orders/7", Form: NewForm(), Countdown: NewCountdown(o, now, "/orders/7"),
		Ledger: []Movement{{At: now, Kind: "order.pay", Ref: "escrow:order:7", Direction: "credit", Amount: o.Amount}},
		Money:  OrderMoneyVM{Buyer: models.BuyerMoney(o)}}
	doc := orderDoc(t, vm)
	if got := doc.Find(`[data-testid=steps] li[aria-current=step]`).AttrOr("data-key", ""); got != "received" {
		t.Errorf("current step = %q, want received", got)
	}
	if n := doc.Find(`[data-testid=steps] li[data-status=done]`).Length(); n != 3 {
		t.Errorf("%d steps done, want 3", n)
	}
	cd := doc.Find(`[data-testid=countdown]`)
	if txt := cd.Find("strong").Text(); txt != "9 days 23 hours left, then receipt is confirmed automatically" {
		t.Errorf("countdown = %q", txt)
	}
	if cd.AttrOr("hx-get", "") != "/orders/7/countdown" || cd.Find("time").AttrOr("datetime", "") != deadline.UTC().Format(time.RFC3339) {
		t.Errorf("countdown refresh %q, time %q", cd.AttrOr("hx-get", ""), cd.Find("time").AttrOr("datetime", ""))
	}
	if got := doc.Find(`[data-testid=money-in_escrow]`).Text(); !strings.Contains(got, "¥259.00 is held in escrow") {
		t.Errorf("buyer's money = %q", got)
	}
	if doc.Find(`[data-testid=ledger]`).Length() != 0 || strings.Contains(doc.Text(), "escrow:order:7") {
		t.Error("the buyer sees ledger account codes")
	}

	// In Chinese.
	var buf strings.Builder
	zh := WithInfo(context.Background(), &Info{Lang: Chinese, Path: vm.Base, CSRF: "token"})
	if err := Countdown(*vm.Countdown).Render(zh, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "还剩 9 天 23 小时自动确认收货") {
		t.Errorf("countdown in Chinese: %s", buf.String())
	}

	// The seller, after the release: gross, commission, net.
	done := now.Add(time.Hour)
	o.State, o.Held, o.Released, o.Fee, o.CompletedAt, o.TimerKind, o.TimerAt = models.Completed, models.Zero,
		models.MustParseMoney("259.00"), models.MustParseMoney("1.55"), &done, models.TimerNone, nil
	proceeds := models.SellerProceeds(o, models.ProceedsInput{Rate: models.RateOfFraction(decimal.RequireFromString("0.006")), Applied: true})
	vm = OrderVM{Order: o, Role: RoleSeller, Base: "/seller/orders/7", Form: NewForm(), Countdown: NewCountdown(o, now, "/seller/orders/7"),
		Ledger: vm.Ledger, Money: OrderMoneyVM{Proceeds: &proceeds}}
	doc = orderDoc(t, vm)
	for id, want := range map[string]string{"money-gross": "¥259.00", "money-fee": "− ¥1.55", "money-net": "¥257.45"} {
		if got := strings.TrimSpace(doc.Find(`[data-testid=` + id + `]`).Text()); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if doc.Find(`[data-testid=countdown]`).Length() != 0 || doc.Find(`[data-testid=ledger]`).Length() != 0 {
		t.Error("a completed order's seller page shows a countdown or the ledger")
	}
	if n := doc.Find(`[data-testid=steps] li[data-status=done]`).Length(); n != 5 {
		t.Errorf("%d steps done, want 5", n)
	}
	// The operator keeps the ledger.
	vm.Role = RoleOperator
	if orderDoc(t, vm).Find(`[data-testid=ledger]`).Length() != 1 {
		t.Error("the operator does not see the ledger")
	}
}
