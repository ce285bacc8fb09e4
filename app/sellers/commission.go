package sellers

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"lineescrow/app/audit"
	"lineescrow/app/store"
	"lineescrow/models"
)

// SetCommission sets a seller's commission rate, which applies to releases
// from then on (models.ParseRatePercent checks its range).
//
// Errors: EFORBIDDEN unless actor is an operator; ENOTFOUND.
func (s *Service) SetCommission(ctx context.Context, actor models.Actor, sellerID int64, rate models.Rate) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var old models.Rate
		res := tx.Raw("SELECT commission_rate FROM sellers WHERE user_id = ? FOR UPDATE", sellerID).Scan(&old)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No such seller.")
		}
		if err := tx.Exec("UPDATE sellers SET commission_rate = ? WHERE user_id = ?", rate, sellerID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, "seller.commission", fmt.Sprintf("user:%d", sellerID),
			map[string]any{"from": old.Percent() + "%", "to": rate.Percent() + "%"})
	})
}

// Commissions returns the commission rates of the given sellers.
func (s *Service) Commissions(ctx context.Context, ids []int64) (map[int64]models.Rate, error) {
	var rows []struct {
		UserID         int64
		CommissionRate models.Rate
	}
	if err := s.DB.WithContext(ctx).Raw("SELECT user_id, commission_rate FROM sellers WHERE user_id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("commission rates: %w", err)
	}
	out := make(map[int64]models.Rate, len(rows))
	for _, r := range rows {
		out[r.UserID] = r.CommissionRate
	}
	return out, nil
}

// RateOf returns a seller's commission rate, read within tx (the release
// that uses it).
func (s *Service) RateOf(ctx context.Context, tx *gorm.DB, sellerID int64) (models.Rate, error) {
	var r models.Rate
	if err := tx.WithContext(ctx).Raw("SELECT commission_rate FROM sellers WHERE user_id = ?", sellerID).Row().Scan(&r); err != nil {
		return r, fmt.Errorf("commission rate of seller %d: %w", sellerID, err)
	}
	return r, nil
}
