// Package addresses is the buyers' address books: up to models.MaxAddresses
// addresses each, at most one of them the default (the one checkout
// chooses first). Every change takes a lock of the buyer's user row, so
// concurrent changes of one book run one after the other: the first address
// becomes the default, setting a default clears the old one, and deleting
// the default makes the most recently added remaining address the default.
//
// A buyer sees and changes only their own addresses: anyone else's, or one
// that does not exist, is ENOTFOUND.
package addresses

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"lineescrow/app/store"
	"lineescrow/models"
)

// Service is the address books.
type Service struct {
	DB *gorm.DB
}

var errNotFound = models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")

func buyerOf(actor models.Actor) (int64, error) {
	if !actor.IsBuyer() {
		return 0, errNotFound
	}
	return actor.UserID, nil
}

// List is the buyer's addresses, the default first, then the newest.
func (s *Service) List(ctx context.Context, actor models.Actor) ([]models.Address, error) {
	id, err := buyerOf(actor)
	if err != nil {
		return nil, err
	}
	var out []models.Address
	err = s.DB.WithContext(ctx).Where("buyer_id = ?", id).Order("is_default DESC, id DESC").Find(&out).Error
	return out, err
}

// Get is one of the buyer's addresses (tx may be a transaction or nil).
func (s *Service) Get(ctx context.Context, tx *gorm.DB, actor models.Actor, id int64) (*models.Address, error) {
	buyer, err := buyerOf(actor)
	if err != nil {
		return nil, err
	}
	if tx == nil {
		tx = s.DB
	}
	var a models.Address
	err = tx.WithContext(ctx).Where("id = ? AND buyer_id = ?", id, buyer).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNotFound
	}
	return &a, err
}

// lock takes the buyer's row lock for a change of the book.
func lock(tx *gorm.DB, buyer int64) error {
	return tx.Exec("SELECT id FROM users WHERE id = ? FOR UPDATE", buyer).Error
}

// setDefault makes id the buyer's default address (under the lock).
func setDefault(tx *gorm.DB, buyer, id int64) error {
	if err := tx.Exec("UPDATE addresses SET is_default = false, updated_at = now() WHERE buyer_id = ? AND is_default AND id <> ?", buyer, id).Error; err != nil {
		return err
	}
	return tx.Exec("UPDATE addresses SET is_default = true, updated_at = now() WHERE id = ? AND buyer_id = ?", id, buyer).Error
}

// Add adds an address to the buyer's book.
func (s *Service) Add(ctx context.Context, actor models.Actor, in models.AddressInput) (*models.Address, error) {
	buyer, err := buyerOf(actor)
	if err != nil {
		return nil, err
	}
	a, err := in.Validate()
	if err != nil {
		return nil, err
	}
	a.BuyerID = buyer
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := lock(tx, buyer); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.Address{}).Where("buyer_id = ?", buyer).Count(&n).Error; err != nil {
			return err
		}
		if n >= models.MaxAddresses {
			return models.Errorf(models.ECONFLICT, "Your address book is full (%d addresses): delete one first.", models.MaxAddresses)
		}
		a.ID, a.IsDefault = 0, false
		if err := tx.Omit("is_default").Create(&a).Error; err != nil {
			return err
		}
		if n == 0 || in.Default {
			if err := setDefault(tx, buyer, a.ID); err != nil {
				return err
			}
			a.IsDefault = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Update changes one of the buyer's addresses; in.Default makes it the
// default (leaving it out does not take the default away).
func (s *Service) Update(ctx context.Context, actor models.Actor, id int64, in models.AddressInput) (*models.Address, error) {
	buyer, err := buyerOf(actor)
	if err != nil {
		return nil, err
	}
	v, err := in.Validate()
	if err != nil {
		if _, gerr := s.Get(ctx, nil, actor, id); gerr != nil {
			return nil, gerr // someone else's address: not found, whatever the input
		}
		return nil, err
	}
	var out *models.Address
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := lock(tx, buyer); err != nil {
			return err
		}
		if _, err := s.Get(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := tx.Model(&models.Address{}).Where("id = ? AND buyer_id = ?", id, buyer).Updates(map[string]any{
			"recipient": v.Recipient, "phone": v.Phone, "province_code": v.ProvinceCode, "province": v.Province,
			"city_code": v.CityCode, "city": v.City, "district_code": v.DistrictCode, "district": v.District,
			"detail": v.Detail, "updated_at": gorm.Expr("now()"),
		}).Error; err != nil {
			return err
		}
		if in.Default {
			if err := setDefault(tx, buyer, id); err != nil {
				return err
			}
		}
		var err error
		out, err = s.Get(ctx, tx, actor, id)
		return err
	})
	return out, err
}

// SetDefault makes one of the buyer's addresses the default.
func (s *Service) SetDefault(ctx context.Context, actor models.Actor, id int64) (*models.Address, error) {
	buyer, err := buyerOf(actor)
	if err != nil {
		return nil, err
	}
	var out *models.Address
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := lock(tx, buyer); err != nil {
			return err
		}
		if _, err := s.Get(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := setDefault(tx, buyer, id); err != nil {
			return err
		}
		var err error
		out, err = s.Get(ctx, tx, actor, id)
		return err
	})
	return out, err
}

// Delete removes one of the buyer's addresses; orders keep their own copy.
// When it was the default, the newest remaining address becomes the default.
func (s *Service) Delete(ctx context.Context, actor models.Actor, id int64) error {
	buyer, err := buyerOf(actor)
	if err != nil {
		return err
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := lock(tx, buyer); err != nil {
			return err
		}
		a, err := s.Get(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM addresses WHERE id = ? AND buyer_id = ?", id, buyer).Error; err != nil {
			return err
		}
		if !a.IsDefault {
			return nil
		}
		var next models.Address
		err = tx.Where("buyer_id = ?", buyer).Order("id DESC").Take(&next).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return setDefault(tx, buyer, next.ID)
	})
}
