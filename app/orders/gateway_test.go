package orders_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/orders"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/store"
	"lineescrow/models"
)

// steps records what Step told the gateway hook.
type steps struct {
	mu   sync.Mutex
	seen []string
}

func (s *steps) Stepped(_ context.Context, tx *gorm.DB, before, after *models.Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, string(before.State)+">"+string(after.State))
	return nil
}

func tradeOrder(t *testing.T, e *ptest.Env, amount string, timeout time.Duration, consignee bool) *models.Order {
	t.Helper()
	merchant := e.Seller.Actor()
	merchant.Gateway = true
	in := orders.TradeOrder{Title: "Shop order 1001", Amount: models.MustParseMoney(amount), UnpaidClose: timeout,
		Detail: map[string]any{"trade_no": "T1"}}
	if consignee {
		in.ConsigneeName, in.ConsigneePhone, in.ConsigneeAddress = "李娜", "13900139000", "山东省菏泽市牡丹区人民路 8 号"
	}
	var o *models.Order
	err := store.InTx(e.Ctx, e.DB.DB, func(tx *gorm.DB) error {
		var err error
		o, err = e.Orders.CreateForTrade(e.Ctx, tx, merchant, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestOrderFromAGatewayTrade: an order a shop created through the gateway
// has no listing and no buyer; it cannot be paid (not even by a transfer
// quoting its reference) until a buyer takes it; then it lives the normal
// escrow lifecycle, its steps told to the gateway, with no stock anywhere.
func TestOrderFromAGatewayTrade(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	hook := &steps{}
	e.Orders.Gateway = hook
	if _, err := e.Orders.CreateForTrade(e.Ctx, e.DB.DB, e.Seller.Actor(), orders.TradeOrder{}); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("the portal seller creates a trade order: %v", err)
	}
	o := tradeOrder(t, e, "88.00", 30*time.Minute, false)
	got := e.Order(o.ID)
	if got.BuyerID != 0 || got.ListingID != 0 || got.Origin != models.OriginGateway || got.Quantity != 1 || got.Amount.String() != "88.00" ||
		got.TimerKind != models.TimerUnpaidClose || !got.TimerAt.Equal(e.Clock.Now().Add(30*time.Minute)) {
		t.Fatalf("gateway order: %+v", got)
	}
	// Seen by its seller, not by buyers.
	if _, err := e.Orders.Get(e.Ctx, e.Seller.Actor(), o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Get(e.Ctx, e.Buyer.Actor(), o.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("a buyer sees an untaken order: %v", err)
	}
	// A transfer quoting its reference before anyone took it waits in suspense.
	e.Credit("88.00", got.PayReference)
	if e.Order(o.ID).State != models.AwaitingPayment || e.Balance(models.AccSuspense) != "88.00" {
		t.Fatalf("an untaken order was paid: %s, suspense %s", e.Order(o.ID).State, e.Balance(models.AccSuspense))
	}
	// Taking it needs a consignee when the shop gave none; the first buyer has it.
	if _, err := e.Orders.Take(e.Ctx, e.Buyer.Actor(), o.ID, models.Checkout{}); models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("take without a consignee: %v", err)
	}
	c := models.Checkout{ConsigneeName: "张伟", ConsigneePhone: "13800138000", ConsigneeAddress: "山东省菏泽市牡丹区中华路 1 号"}
	if _, err := e.Orders.Take(e.Ctx, e.Seller.Actor(), o.ID, c); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("a seller takes: %v", err)
	}
	if _, err := e.Orders.Take(e.Ctx, e.Buyer.Actor(), o.ID, c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Take(e.Ctx, e.Buyer.Actor(), o.ID, c); err != nil {
		t.Fatalf("taking it again: %v", err)
	}
	if _, err := e.Orders.Take(e.Ctx, e.Buyer2.Actor(), o.ID, c); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("a second buyer takes: %v", err)
	}
	// Now a transfer pays it; ship and confirm as any order.
	e.Credit("88.00", got.PayReference)
	if st := e.Order(o.ID).State; st != models.Paid {
		t.Fatalf("after the transfer: %s", st)
	}
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF Express", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.State != models.Completed || got.BuyerID != e.Buyer.ID || got.ConsigneeName != "张伟" {
		t.Fatalf("completed: %+v", got)
	}
	if len(hook.seen) != 3 || hook.seen[0] != "awaiting_payment>paid" || hook.seen[2] != "shipped>completed" {
		t.Fatalf("the gateway heard %v", hook.seen)
	}
}

// TestGatewayOrderClosesAfterTheTradesTimeout: the unpaid-close timer is the
// trade's own timeout, and closing touches no stock.
func TestGatewayOrderClosesAfterTheTradesTimeout(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := tradeOrder(t, e, "20.00", 10*time.Minute, true)
	at := *e.Order(o.ID).TimerAt
	if err := e.Orders.FireTimer(e.Ctx, withRow(&river.Job[orders.TimerArgs]{Args: orders.TimerArgs{OrderID: o.ID, Timer: models.TimerUnpaidClose, At: at}})); err != nil {
		t.Fatal(err)
	}
	got := e.Order(o.ID)
	if got.State != models.Closed || got.BuyerID != 0 || got.ConsigneeName != "李娜" {
		t.Fatalf("after the timeout: %+v", got)
	}
	if _, err := e.Orders.Take(e.Ctx, e.Buyer.Actor(), o.ID, models.Checkout{}); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("take a closed order: %v", err)
	}
}
