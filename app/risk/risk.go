// Package risk keeps the operators' case queue: risk flags raised, in the same
// transaction, by whatever noticed something a person must look at (a
// recalled payment that was already spent, a timer whose action can no longer
// succeed, an event nobody expected), and their resolution.
package risk

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/audit"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Kind names what raised a flag.
type Kind string

// Flag kinds.
const (
	ReversalShortfall     Kind = "reversal_shortfall"      // a recalled payment was already spent or paid out
	ReversalExceedsCredit Kind = "reversal_exceeds_credit" // the bank recalled more than it credited
	ReversedAfterShipping Kind = "reversed_after_shipping" // the goods left, the payment came back
	ReversedAfterRelease  Kind = "reversed_after_release"  // the seller had been paid, the payment came back
	ReversalWaiting       Kind = "reversal_waiting"        // a reversal whose credit never arrived
	UnknownPayout         Kind = "unknown_payout"          // a payout event for no payout of ours
	TimerFailed           Kind = "timer_failed"            // a timer's action can no longer succeed
	PayoutStuck           Kind = "payout_stuck"            // a payout without a result for too long
	PayoutMismatch        Kind = "payout_mismatch"         // the bank's amount differs from the payout's
	PayoutContradiction   Kind = "payout_contradiction"    // the bank said succeeded and failed
	ReversalAfterReturn   Kind = "reversal_after_return"   // a transfer recalled after it was paid back
)

// Status is where a flag is.
type Status string

// Flag statuses.
const (
	Open     Status = "open"
	Resolved Status = "resolved"
)

// Flag is a case for operators.
type Flag struct {
	ID         int64           `json:"id"`
	Kind       Kind            `json:"kind"`
	OrderID    *int64          `json:"order_id"`
	UserID     *int64          `json:"user_id"`
	Detail     json.RawMessage `json:"detail"`
	Status     Status          `json:"status"`
	CreatedAt  time.Time       `json:"created_at"`
	ResolvedAt *time.Time      `json:"resolved_at,omitempty"`
	Resolution string          `json:"resolution,omitempty"`
}

// Raise opens a case within tx.
func Raise(ctx context.Context, tx *gorm.DB, kind Kind, orderID, userID *int64, detail map[string]any) error {
	b, err := json.Marshal(detail)
	if err != nil || detail == nil {
		b = []byte("{}")
	}
	if err := tx.WithContext(ctx).Exec(`INSERT INTO risk_flags (kind, order_id, user_id, detail) VALUES (?, ?, ?, ?)`,
		string(kind), orderID, userID, b).Error; err != nil {
		return fmt.Errorf("raise %s flag: %w", kind, err)
	}
	return nil
}

// Service lists and resolves flags.
type Service struct{ DB *gorm.DB }

// Query selects flags: those of one order, or the open ones (the queue).
type Query struct {
	OrderID  int64
	OpenOnly bool
	Limit    int
}

// List returns flags matching q, newest first. Buyers never see flags; a seller
// sees those of their own orders.
//
// Errors: EFORBIDDEN for a buyer, or for a seller asking for the whole queue.
func (s *Service) List(ctx context.Context, actor models.Actor, q Query) ([]Flag, error) {
	db := s.DB.WithContext(ctx).Table("risk_flags f").Select("f.*")
	switch {
	case actor.IsOperator():
	case actor.IsSeller() && q.OrderID > 0:
		db = db.Joins("JOIN orders o ON o.id = f.order_id").Where("o.seller_id = ?", actor.UserID)
	default:
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	if q.OrderID > 0 {
		db = db.Where("f.order_id = ?", q.OrderID)
	}
	if q.OpenOnly {
		db = db.Where("f.status = 'open'")
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 200
	}
	var out []Flag
	if err := db.Order("f.id DESC").Limit(q.Limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("list flags: %w", err)
	}
	return out, nil
}

// Resolve closes a case with a note saying what was done.
//
// Errors: EFORBIDDEN unless operator; EINVALID (field resolution) without a
// note; ENOTFOUND when no such open case.
func (s *Service) Resolve(ctx context.Context, actor models.Actor, id int64, resolution string) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	resolution, err := models.CheckName("resolution", resolution, 500)
	if err != nil {
		return models.FieldError("resolution", "Say what was done before resolving.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE risk_flags SET status = 'resolved', resolved_at = now(), resolved_by = ?, resolution = ?
			WHERE id = ? AND status = 'open'`, actor.UserID, resolution, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No open case %d.", id)
		}
		return audit.Record(ctx, tx, &actor, "flag.resolve", fmt.Sprintf("flag:%d", id), map[string]any{"resolution": resolution})
	})
}
