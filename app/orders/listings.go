// Package orders runs escrow trades: sellers' listings, checkout with atomic
// stock reservation, every step of the order lifecycle (each decided by
// models.Apply and persisted with its ledger transfer, its timeline event and
// its River timer in one transaction), the timers themselves, and the order
// page (OrderPage): the order with everything about it the reader may see.
package orders

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"lineescrow/app/jobs"
	"lineescrow/app/settings"
	"lineescrow/models"
)

// Service is the trading service.
type Service struct {
	DB       *gorm.DB
	Queue    *jobs.Queue
	Settings *settings.Service
	// PayPasswords checks the payment password of a buyer paying or
	// confirming, or of a seller accepting a refund (auth).
	PayPasswords PayPasswords
	MaxAmount    models.Money
	Now          func() time.Time
	// Wallets hears of wallet payments (funding); nil in tests that need not.
	Wallets WalletFunding
	// Rates gives sellers' commission rates (sellers).
	Rates CommissionRates
	// Credits, Cases and Names fill the order page (funding, risk, auth).
	Credits BankCredits
	Cases   Cases
	Names   Names
	// FixedLine routes the money of orders paid by fixed-line charge and
	// shows their charge (telecom); nil when nothing is charged to a line.
	FixedLine FixedLine
	// Gateway records the notifications of gateway trades' steps (gateway);
	// nil when no shop uses the gateway.
	Gateway Gateway
	// Notices tells the parties of each step (notices); nil: nobody is told.
	Notices Notices
	// Addresses is the buyers' address books (addresses); a checkout may
	// name one of the buyer's addresses instead of typing the consignee.
	Addresses Addresses
}

// Addresses finds one of a buyer's saved addresses (addresses.Service);
// ENOTFOUND for anyone else's.
type Addresses interface {
	Get(ctx context.Context, tx *gorm.DB, actor models.Actor, id int64) (*models.Address, error)
}

// Clock is the service's time now (what deadlines are counted from).
func (s *Service) Clock() time.Time { return s.now() }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// PayPasswords checks a payment password before money moves (auth.Service).
// Errors: EINVALID (field pay_password) for a wrong or missing password;
// ELOCKED after too many wrong tries; ECONFLICT when none is set.
type PayPasswords interface {
	VerifyPayPassword(ctx context.Context, userID int64, pin string) error
}

var errNotFound = models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")

// CreateListing adds a listing for the seller.
//
// Errors: EFORBIDDEN unless actor is a seller; EINVALID with every field problem.
func (s *Service) CreateListing(ctx context.Context, actor models.Actor, in models.ListingInput) (*models.Listing, error) {
	if !actor.IsSeller() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	f, err := in.Validate(s.MaxAmount)
	if err != nil {
		return nil, err
	}
	l := &models.Listing{SellerID: actor.UserID, Title: f.Title, Description: f.Description, Price: f.Price, Stock: f.Stock,
		Category: f.Category, ShippingFee: f.ShippingFee, Status: models.ListingActive}
	if err := s.DB.WithContext(ctx).Omit("id", "created_at", "updated_at", "shop_name", "cover_hash").Create(l).Error; err != nil {
		return nil, fmt.Errorf("create listing: %w", err)
	}
	return s.Listing(ctx, actor, l.ID)
}

// UpdateListing changes a listing of the seller's own.
//
// Errors: ENOTFOUND for another seller's listing; EINVALID.
func (s *Service) UpdateListing(ctx context.Context, actor models.Actor, id int64, in models.ListingInput) (*models.Listing, error) {
	f, err := in.Validate(s.MaxAmount)
	if err != nil {
		return nil, err
	}
	res := s.DB.WithContext(ctx).Exec(`UPDATE listings SET title = ?, description = ?, price = ?, stock = ?, category = ?, shipping_fee = ?,
		updated_at = now() WHERE id = ? AND seller_id = ?`, f.Title, f.Description, f.Price, f.Stock, f.Category, f.ShippingFee, id, actor.UserID)
	if res.Error != nil {
		return nil, fmt.Errorf("update listing %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 || !actor.IsSeller() {
		return nil, errNotFound
	}
	return s.Listing(ctx, actor, id)
}

// SetListingStatus withdraws a listing from sale, or puts it back.
//
// Errors: ENOTFOUND for another seller's listing.
func (s *Service) SetListingStatus(ctx context.Context, actor models.Actor, id int64, status string) error {
	if status != models.ListingActive && status != models.ListingWithdrawn {
		return models.FieldError("status", "Unknown status.")
	}
	res := s.DB.WithContext(ctx).Exec(`UPDATE listings SET status = ?, updated_at = now() WHERE id = ? AND seller_id = ?`,
		status, id, actor.UserID)
	if res.Error != nil {
		return fmt.Errorf("set listing %d %s: %w", id, status, res.Error)
	}
	if res.RowsAffected == 0 || !actor.IsSeller() {
		return errNotFound
	}
	return nil
}

func listingQuery(db *gorm.DB) *gorm.DB {
	return db.Table("listings l").Select(`l.*, s.shop_name,
		(SELECT p.hash FROM listing_photos p WHERE p.listing_id = l.id ORDER BY p.position LIMIT 1) AS cover_hash`).
		Joins("JOIN sellers s ON s.user_id = l.seller_id")
}

// withCover fills the cover's URL from its hash.
func withCover(l *models.Listing) {
	if l.CoverHash != "" {
		l.CoverURL = models.PhotoPath(l.CoverHash, models.PhotoThumb)
	}
}

// Listing returns a listing: active ones to anyone, withdrawn ones to their
// seller and operators. Errors: ENOTFOUND.
func (s *Service) Listing(ctx context.Context, actor models.Actor, id int64) (*models.Listing, error) {
	var l models.Listing
	res := listingQuery(s.DB.WithContext(ctx)).Where("l.id = ?", id).Limit(1).Scan(&l)
	err := res.Error
	if err != nil {
		return nil, fmt.Errorf("listing %d: %w", id, err)
	}
	if res.RowsAffected == 0 || (l.Status != models.ListingActive && l.SellerID != actor.UserID && !actor.IsOperator()) {
		return nil, errNotFound
	}
	withCover(&l)
	if l.Photos, err = s.photos(ctx, s.DB.WithContext(ctx), id); err != nil {
		return nil, err
	}
	return &l, nil
}

// MaxListingOffset caps how deep a listing search may page: a deep OFFSET
// reads and throws away every row before it.
const MaxListingOffset = 960

// ListingQuery filters listings.
type ListingQuery struct {
	Search   string
	Category string // "" for all
	SellerID int64  // a seller's own listings, withdrawn ones included
	Limit    int
	Offset   int
}

// Listings returns active listings matching q, newest first; with SellerID
// set (and the actor that seller) also the withdrawn ones.
func (s *Service) Listings(ctx context.Context, actor models.Actor, q ListingQuery) ([]models.Listing, error) {
	db := listingQuery(s.DB.WithContext(ctx))
	if q.SellerID > 0 && (q.SellerID == actor.UserID || actor.IsOperator()) {
		db = db.Where("l.seller_id = ?", q.SellerID)
	} else {
		db = db.Where("l.status = 'active'")
		if q.SellerID > 0 {
			db = db.Where("l.seller_id = ?", q.SellerID)
		}
	}
	if term := strings.TrimSpace(q.Search); term != "" {
		if utf8.RuneCountInString(term) > 50 {
			return nil, models.FieldError("q", "Search for at most 50 characters.")
		}
		// Both sides read trigram indexes (listings_search, sellers_shop_search).
		like := "%" + strings.NewReplacer("%", `\%`, "_", `\_`).Replace(term) + "%"
		db = db.Where("((l.title || ' ' || l.description) ILIKE ? OR l.seller_id IN (SELECT user_id FROM sellers WHERE shop_name ILIKE ?))", like, like)
	}
	if q.Category != "" {
		if models.CategoryLabel(q.Category) == "" {
			return nil, models.FieldError("category", "Choose a category from the list.")
		}
		db = db.Where("l.category = ?", q.Category)
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 24
	}
	if q.Offset < 0 || q.Offset > MaxListingOffset {
		return nil, models.FieldError("page", "Only the first %d results are shown: search for something narrower.", MaxListingOffset)
	}
	var out []models.Listing
	if err := db.Order("l.id DESC").Limit(q.Limit).Offset(q.Offset).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listings: %w", err)
	}
	for i := range out {
		withCover(&out[i])
	}
	return out, nil
}
