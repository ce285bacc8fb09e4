package sellers

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"lineescrow/models"
)

// SalesWindows are the summaries' lengths in days: the last 7 and 30 days.
var SalesWindows = []int{7, 30}

// Sales is a seller's sales summary over a window of whole days in the
// seller's time zone (Asia/Shanghai): today and the Days − 1 days before.
//
// Orders paid count when the buyer's payment reached escrow. Settled orders
// count when their money left escrow, the moment the order completed or
// closed: released to the seller (receipt confirmed by the buyer or its
// timer, a refund of part, a decided dispute) or refunded to the buyer.
// Gross is what was released to the seller, Commission the platform's part
// of it at each order's own rate, Net = Gross − Commission (what reached the
// seller's money), Refunds what went back to buyers (whole refunds and the
// buyer's part of splits). So Gross − Commission = Net exactly, and an order
// paid in one window may settle in the next.
type Sales struct {
	Days int `json:"days"`
	// From is the first day's midnight; To the midnight after today.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`

	PaidOrders int          `json:"paid_orders"`
	Paid       models.Money `json:"paid" doc:"what buyers paid for the orders paid in the window"`

	SettledOrders  int          `json:"settled_orders" doc:"orders whose money left escrow in the window: released, refunded or split"`
	Gross          models.Money `json:"gross" doc:"released to the seller, before commission"`
	Commission     models.Money `json:"commission"`
	Net            models.Money `json:"net" doc:"gross less commission"`
	Refunds        models.Money `json:"refunds" doc:"refunded to buyers (the buyer's part of a split included)"`
	RefundedOrders int          `json:"refunded_orders"`
}

// salesOf computes the seller's summary of each of SalesWindows, as of now.
func (s *Service) salesOf(ctx context.Context, db *gorm.DB, sellerID int64) ([]Sales, error) {
	tomorrow := midnight(s.now()).AddDate(0, 0, 1)
	out := make([]Sales, 0, len(SalesWindows))
	for _, days := range SalesWindows {
		sa := Sales{Days: days, From: tomorrow.AddDate(0, 0, -days), To: tomorrow}
		if err := db.WithContext(ctx).Raw(`SELECT count(*), coalesce(sum(amount), 0) FROM orders
			WHERE seller_id = ? AND paid_at IS NOT NULL AND paid_at >= ? AND paid_at < ?`, sellerID, sa.From, sa.To).
			Row().Scan(&sa.PaidOrders, &sa.Paid); err != nil {
			return nil, fmt.Errorf("sales of seller %d: %w", sellerID, err)
		}
		// The settled orders: the predicate and expression of the
		// orders_seller_settled index.
		if err := db.WithContext(ctx).Raw(`SELECT count(*), coalesce(sum(released), 0), coalesce(sum(fee), 0),
				coalesce(sum(refunded), 0), count(*) FILTER (WHERE refunded > 0)
			FROM orders WHERE seller_id = ? AND (released > 0 OR refunded > 0)
				AND coalesce(completed_at, closed_at) >= ? AND coalesce(completed_at, closed_at) < ?`, sellerID, sa.From, sa.To).
			Row().Scan(&sa.SettledOrders, &sa.Gross, &sa.Commission, &sa.Refunds, &sa.RefundedOrders); err != nil {
			return nil, fmt.Errorf("sales of seller %d: %w", sellerID, err)
		}
		sa.Net = sa.Gross.Sub(sa.Commission)
		out = append(out, sa)
	}
	return out, nil
}
