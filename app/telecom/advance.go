package telecom

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/audit"
	"lineescrow/app/clawback"
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Exposure is what the platform has advanced (垫资) and not been collected
// for yet, against the caps.
type Exposure struct {
	Total   models.Money     `json:"total"`
	Cap     models.Money     `json:"cap"`
	Sellers []SellerExposure `json:"sellers"`
}

// SellerExposure is one seller's advances against their cap.
type SellerExposure struct {
	SellerID int64        `json:"seller_id"`
	ShopName string       `json:"shop_name"`
	Advanced models.Money `json:"advanced"` // advanced on charges not collected yet
	Pending  models.Money `json:"pending"`  // proceeds still waiting for the operator
	Cap      models.Money `json:"cap"`
	OwnCap   bool         `json:"own_cap"` // an operator set this seller's cap
}

// The exposure is what was advanced on charges the operator has not
// collected (nor written off: then it is bad debt, no longer exposure):
// those whose proceeds are not released yet (the partial index
// telecom_charges_pending holds exactly them).
const (
	exposureSQL   = `coalesce(sum(advanced), 0)`
	exposureWhere = `to_pending > 0 AND NOT proceeds_released`
)

// ExposureOf returns the global exposure and each seller's with pending
// proceeds or advances.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) ExposureOf(ctx context.Context, actor models.Actor) (*Exposure, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	return s.exposure(ctx, s.DB)
}

func (s *Service) exposure(ctx context.Context, db *gorm.DB) (*Exposure, error) {
	vals, err := s.settings(ctx, db)
	if err != nil {
		return nil, err
	}
	e := &Exposure{Cap: vals.AdvanceCap, Sellers: []SellerExposure{}}
	if err := db.WithContext(ctx).Raw(`SELECT ` + exposureSQL + ` FROM telecom_charges WHERE ` + exposureWhere).Scan(&e.Total).Error; err != nil {
		return nil, fmt.Errorf("exposure: %w", err)
	}
	var rows []struct {
		SellerID int64
		ShopName string
		Advanced models.Money
		Pending  models.Money
		Cap      *models.Money
	}
	if err := db.WithContext(ctx).Raw(`SELECT c.seller_id, s.shop_name, ` + exposureSQL + ` AS advanced,
		coalesce(sum(to_pending - advanced), 0) AS pending, k.cap
		FROM telecom_charges c JOIN sellers s ON s.user_id = c.seller_id LEFT JOIN advance_caps k ON k.seller_id = c.seller_id
		WHERE c.` + exposureWhere + ` GROUP BY c.seller_id, s.shop_name, k.cap ORDER BY c.seller_id LIMIT 500`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("exposure by seller: %w", err)
	}
	for _, r := range rows {
		se := SellerExposure{SellerID: r.SellerID, ShopName: r.ShopName, Advanced: r.Advanced, Pending: r.Pending, Cap: vals.AdvanceSellerCap}
		if r.Cap != nil {
			se.Cap, se.OwnCap = *r.Cap, true
		}
		e.Sellers = append(e.Sellers, se)
	}
	return e, nil
}

// SetSellerCap sets one seller's advance cap (audited); a negative cap
// removes the seller's own, back to the default setting.
//
// Errors: EFORBIDDEN unless an operator; ENOTFOUND for no such seller;
// EINVALID (field cap).
func (s *Service) SetSellerCap(ctx context.Context, actor models.Actor, sellerID int64, capText string) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	cp, err := models.ParseMoney(capText)
	if capText == "" {
		cp, err = models.FromFen(-1), nil
	}
	if err != nil || cp.GreaterThan(models.FromFen(100_000_000_00)) {
		return models.FieldError("cap", "Enter an amount such as 5000.00 (0 stops advances to this seller), or leave it empty for the default.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("sellers").Where("user_id = ?", sellerID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.Errorf(models.ENOTFOUND, "No such seller.")
		}
		// The audit log shows the cap before → after.
		var old []models.Money
		if err := tx.Raw("SELECT cap FROM advance_caps WHERE seller_id = ? FOR UPDATE", sellerID).Scan(&old).Error; err != nil {
			return err
		}
		before := "default"
		if len(old) > 0 {
			before = old[0].String()
		}
		change := map[string]string{"from": before, "to": cp.String()}
		detail := map[string]any{"cap": change}
		if cp.IsNegative() {
			change["to"] = "default"
			if err := tx.Exec("DELETE FROM advance_caps WHERE seller_id = ?", sellerID).Error; err != nil {
				return err
			}
		} else if err := tx.Exec(`INSERT INTO advance_caps (seller_id, cap, updated_by) VALUES (?, ?, ?) ON CONFLICT (seller_id)
			DO UPDATE SET cap = EXCLUDED.cap, updated_at = now(), updated_by = EXCLUDED.updated_by`, sellerID, cp, actor.UserID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, "advance.cap", fmt.Sprintf("seller:%d", sellerID), detail)
	})
}

// AdvanceResult is what one run of advances moved.
type AdvanceResult struct {
	Amount  models.Money `json:"amount"`
	Charges int          `json:"charges"`
}

// Advance moves sellers' pending proceeds to available early (垫资): for
// one seller (sellerID > 0) or all, oldest first, within what the global
// cap and each seller's cap leave, never for a flagged order nor one with
// an open risk case, never for an overdue charge. All advances take one
// lock, so concurrent ones never exceed a cap. actor is an operator
// (audited) or System (the daily job).
//
// Errors: EFORBIDDEN for anyone else.
func (s *Service) Advance(ctx context.Context, actor models.Actor, sellerID int64) (AdvanceResult, error) {
	var out AdvanceResult
	if !actor.IsOperator() && !actor.IsSystem() {
		return out, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		out = AdvanceResult{}
		if err := tx.Exec("SELECT 1 FROM advance_lock WHERE id = 1 FOR UPDATE").Error; err != nil {
			return err
		}
		e, err := s.exposure(ctx, tx)
		if err != nil {
			return err
		}
		room := e.Cap.Sub(e.Total)
		for _, se := range e.Sellers {
			if !room.IsPositive() {
				break
			}
			if sellerID > 0 && se.SellerID != sellerID {
				continue
			}
			sellerRoom := se.Cap.Sub(se.Advanced).Min(room)
			if !sellerRoom.IsPositive() {
				continue
			}
			moved, n, err := s.advanceSeller(ctx, tx, actor, se.SellerID, sellerRoom)
			if err != nil {
				return err
			}
			room = room.Sub(moved)
			out.Amount, out.Charges = out.Amount.Add(moved), out.Charges+n
		}
		if actor.IsOperator() {
			return audit.Record(ctx, tx, &actor, "advance.run", fmt.Sprintf("seller:%d", sellerID),
				map[string]any{"amount": out.Amount.String(), "charges": out.Charges})
		}
		return nil
	})
	if err != nil {
		return AdvanceResult{}, fmt.Errorf("advance: %w", err)
	}
	return out, nil
}

// advanceSeller advances up to room of one seller's pending proceeds; the
// caller holds the advance lock.
func (s *Service) advanceSeller(ctx context.Context, tx *gorm.DB, actor models.Actor, sellerID int64, room models.Money) (models.Money, int, error) {
	var ids []string
	if err := tx.WithContext(ctx).Raw(`SELECT c.id FROM telecom_charges c WHERE c.seller_id = ? AND c.to_pending > c.advanced
		AND NOT c.proceeds_released AND NOT c.flagged AND c.state IN ('accepted', 'billed')
		AND NOT EXISTS (SELECT 1 FROM risk_flags f WHERE f.order_id = c.order_id AND f.status = 'open')
		ORDER BY c.created_at, c.id LIMIT 200`, sellerID).Scan(&ids).Error; err != nil {
		return models.Zero, 0, err
	}
	moved, n := models.Zero, 0
	for _, id := range ids {
		if !room.IsPositive() {
			break
		}
		c, err := lockCharge(ctx, tx, id)
		if err != nil {
			return models.Zero, 0, err
		}
		// Checked again under the locks: a collection may have come meanwhile.
		if c == nil || c.ProceedsReleased || c.Flagged || (c.State != models.ChargeAccepted && c.State != models.ChargeBilled) {
			continue
		}
		x := c.ToPending.Sub(c.Advanced).Min(room)
		if !x.IsPositive() {
			continue
		}
		var advID int64
		var by *int64
		if actor.IsOperator() {
			by = &actor.UserID
		}
		if err := tx.Raw(`INSERT INTO advances (seller_id, charge_id, amount, actor_id) VALUES (?, ?, ?, ?) RETURNING id`,
			sellerID, c.ID, x, by).Scan(&advID).Error; err != nil {
			return models.Zero, 0, err
		}
		ps := models.Move(models.SellerPendingAccount(sellerID), models.SellerAvailableAccount(sellerID), x)
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: fmt.Sprintf("advance:%d", advID), Kind: "telecom.advance",
			Ref: refOf(c), Postings: ps}); err != nil {
			return models.Zero, 0, err
		}
		if err := tx.Exec("UPDATE telecom_charges SET advanced = advanced + ?, updated_at = now() WHERE id = ?", x, c.ID).Error; err != nil {
			return models.Zero, 0, err
		}
		if err := event(ctx, tx, c, "charge.advanced", map[string]any{"amount": x.String()}); err != nil {
			return models.Zero, 0, err
		}
		notice := models.Notice{UserID: sellerID, Kind: models.NoticeAdvance, OrderID: c.OrderID, Params: []string{x.Display(), strconv.FormatInt(c.OrderID, 10)}}
		if c.ForInstore() {
			notice = models.Notice{UserID: sellerID, Kind: models.NoticeInstoreAdvance, Params: []string{x.Display(), *c.InstorePaymentID}}
		}
		if err := s.Notices.Add(ctx, tx, notice); err != nil {
			return models.Zero, 0, err
		}
		if err := clawback.SweepCredited(ctx, tx, ps); err != nil {
			return models.Zero, 0, err
		}
		room, moved, n = room.Sub(x), moved.Add(x), n+1
	}
	return moved, n, nil
}

// AdvanceArgs is the daily job of advances.
type AdvanceArgs struct{}

// Kind names the job.
func (AdvanceArgs) Kind() string { return "telecom_advance" }

// InsertOpts: housekeeping.
func (AdvanceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueHousekeeping}
}

// AdvanceWorker runs AdvanceArgs.
type AdvanceWorker struct {
	river.WorkerDefaults[AdvanceArgs]
	Telecom *Service
}

// Work advances within the caps.
func (w *AdvanceWorker) Work(ctx context.Context, _ *river.Job[AdvanceArgs]) error {
	_, err := w.Telecom.Advance(ctx, models.System, 0)
	return err
}

// Timeout: an advance run may take a while on a big book.
func (w *AdvanceWorker) Timeout(*river.Job[AdvanceArgs]) time.Duration { return 5 * time.Minute }
