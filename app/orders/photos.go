package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"lineescrow/app/photos"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Photos of listings: the seller adds up to models.MaxPhotos, removes them
// and moves them; the first is the listing's cover. Every change locks the
// listing's row first, so two uploads at once cannot both take the sixth
// place, and keeps the positions 0, 1, 2… without gaps.

// AddPhoto checks and resizes an uploaded file (photos.Process) and adds it
// as the listing's last photo.
//
// Errors: ENOTFOUND for another seller's listing; EINVALID (field photo) for
// a file refused, a seventh photo or the same photo twice.
func (s *Service) AddPhoto(ctx context.Context, actor models.Actor, listingID int64, data []byte) (*models.Listing, error) {
	if err := s.ownListing(ctx, s.DB.WithContext(ctx), actor, listingID, false); err != nil {
		return nil, err
	}
	img, err := photos.Process(data)
	if err != nil {
		return nil, err
	}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := s.ownListing(ctx, tx, actor, listingID, true); err != nil {
			return err
		}
		var n int
		if err := tx.Raw("SELECT count(*) FROM listing_photos WHERE listing_id = ?", listingID).Scan(&n).Error; err != nil {
			return err
		}
		if n >= models.MaxPhotos {
			return models.FieldError(photos.Field, "A listing has at most %d photos: remove one first.", models.MaxPhotos)
		}
		err := tx.Transaction(func(sp *gorm.DB) error {
			return sp.Exec(`INSERT INTO listing_photos (listing_id, position, hash, width, height, thumb, large) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				listingID, n, img.Hash, img.Width, img.Height, img.Thumb, img.Large).Error
		})
		if store.IsUniqueViolation(err, "listing_photos_once") {
			return models.FieldError(photos.Field, "This photo is on the listing already.")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("add photo to listing %d: %w", listingID, err)
	}
	return s.Listing(ctx, actor, listingID)
}

// DeletePhoto removes a photo of the seller's listing; the ones after it
// move up.
//
// Errors: ENOTFOUND for another seller's listing or photo.
func (s *Service) DeletePhoto(ctx context.Context, actor models.Actor, listingID, photoID int64) (*models.Listing, error) {
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := s.ownListing(ctx, tx, actor, listingID, true); err != nil {
			return err
		}
		var pos *int
		if err := tx.Raw("DELETE FROM listing_photos WHERE id = ? AND listing_id = ? RETURNING position", photoID, listingID).Scan(&pos).Error; err != nil {
			return err
		}
		if pos == nil {
			return errNotFound
		}
		return tx.Exec("UPDATE listing_photos SET position = position - 1 WHERE listing_id = ? AND position > ?", listingID, *pos).Error
	})
	if err != nil {
		return nil, fmt.Errorf("delete photo %d of listing %d: %w", photoID, listingID, err)
	}
	return s.Listing(ctx, actor, listingID)
}

// Photo moves.
const (
	PhotoEarlier = "earlier" // one place towards the cover
	PhotoLater   = "later"
	PhotoFirst   = "first" // make it the cover
)

// MovePhoto moves a photo of the seller's listing one place earlier or
// later, or to the front; at either end a move does nothing.
//
// Errors: ENOTFOUND for another seller's listing or photo; EINVALID for an
// unknown move.
func (s *Service) MovePhoto(ctx context.Context, actor models.Actor, listingID, photoID int64, move string) (*models.Listing, error) {
	if move != PhotoEarlier && move != PhotoLater && move != PhotoFirst {
		return nil, models.FieldError("move", "Unknown move.")
	}
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := s.ownListing(ctx, tx, actor, listingID, true); err != nil {
			return err
		}
		var ids []int64
		if err := tx.Raw("SELECT id FROM listing_photos WHERE listing_id = ? ORDER BY position", listingID).Scan(&ids).Error; err != nil {
			return err
		}
		at := -1
		for i, id := range ids {
			if id == photoID {
				at = i
			}
		}
		if at < 0 {
			return errNotFound
		}
		to := at
		switch move {
		case PhotoEarlier:
			to = max(at-1, 0)
		case PhotoLater:
			to = min(at+1, len(ids)-1)
		case PhotoFirst:
			to = 0
		}
		moved := append(append([]int64{}, ids[:at]...), ids[at+1:]...)
		moved = append(moved[:to], append([]int64{photoID}, moved[to:]...)...)
		for pos, id := range moved {
			if err := tx.Exec("UPDATE listing_photos SET position = ? WHERE id = ?", pos, id).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("move photo %d of listing %d: %w", photoID, listingID, err)
	}
	return s.Listing(ctx, actor, listingID)
}

// ownListing checks that the listing is the actor's (locking its row when
// lock is set). Errors: ENOTFOUND.
func (s *Service) ownListing(ctx context.Context, db *gorm.DB, actor models.Actor, listingID int64, lock bool) error {
	if !actor.IsSeller() {
		return errNotFound
	}
	q := "SELECT id FROM listings WHERE id = ? AND seller_id = ?"
	if lock {
		q += " FOR UPDATE"
	}
	var id int64
	res := db.WithContext(ctx).Raw(q, listingID, actor.UserID).Scan(&id)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errNotFound
	}
	return nil
}

// photos lists a listing's photos in their order (without their bytes).
func (s *Service) photos(ctx context.Context, db *gorm.DB, listingID int64) ([]models.Photo, error) {
	var out []models.Photo
	if err := db.WithContext(ctx).Raw("SELECT id, position, width, height, hash FROM listing_photos WHERE listing_id = ? ORDER BY position",
		listingID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("photos of listing %d: %w", listingID, err)
	}
	for i := range out {
		out[i].ThumbURL = models.PhotoPath(out[i].Hash, models.PhotoThumb)
		out[i].LargeURL = models.PhotoPath(out[i].Hash, models.PhotoLarge)
	}
	return out, nil
}

// PhotoBytes returns the JPEG of the photo of that content hash in that size
// (models.PhotoThumb or models.PhotoLarge), for anyone: the hash names
// content, not a listing, and cannot be guessed.
//
// Errors: ENOTFOUND.
func (s *Service) PhotoBytes(ctx context.Context, hash, size string) ([]byte, error) {
	col := map[string]string{models.PhotoThumb: "thumb", models.PhotoLarge: "large"}[size]
	if col == "" || len(hash) != 64 {
		return nil, errNotFound
	}
	var data []byte
	err := s.DB.WithContext(ctx).Raw("SELECT "+col+" FROM listing_photos WHERE hash = ? LIMIT 1", hash).Row().Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("photo %s: %w", hash, err)
	}
	return data, nil
}
