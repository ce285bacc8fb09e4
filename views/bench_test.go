package views

import (
	"context"
	"io"
	"testing"
	"time"

	"lineescrow/models"
)

// BenchmarkOrderPage renders the buyer's page of a shipped order (its
// timeline, the confirm and refund forms) in Chinese, the page a buyer
// reloads most.
//
//	go test ./views -run '^$' -bench OrderPage -benchmem
func BenchmarkOrderPage(b *testing.B) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	o := models.Order{ID: 7, BuyerID: 10, SellerID: 20, Title: "牡丹花茶 Peony tea", Quantity: 2, UnitPrice: models.MustParseMoney("129.50"),
		Amount: models.MustParseMoney("259.00"), Held: models.MustParseMoney("259.00"), PayReference: "912345678", CreatedAt: at,
		State: models.Shipped, Refund: models.RefundNone, PaidAt: &at, ShippedAt: &at, Carrier: "SF Express", TrackingNo: "SF1234567890",
		TimerKind: models.TimerAutoConfirm, TimerAt: &at}
	vm := OrderVM{Order: o, Role: RoleBuyer, Base: "/orders/7", Allowed: models.Allowed(o, models.Actor{UserID: 10, Role: models.RoleBuyer}),
		Form: NewForm()}
	ctx := WithInfo(context.Background(), &Info{Lang: Chinese, Path: vm.Base, CSRF: "token"})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var n countWriter
		if err := OrderPage(vm).Render(ctx, &n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatal("empty page")
		}
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
