package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/jobs"
	"lineescrow/app/orders"
	"lineescrow/app/settings"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Service is the merchant gateway.
type Service struct {
	DB       *gorm.DB
	Orders   *orders.Service
	Queue    *jobs.Queue
	Settings *settings.Service
	// Names gives the shops' names on the cashier (auth).
	Names orders.Names
	// Key is the platform's private key (LoadPlatformKey): it signs every
	// reply, notification and return. It is never logged nor stored.
	Key *rsa.PrivateKey
	// BaseURL is the platform's public URL, for cashier URLs.
	BaseURL   string
	MaxAmount models.Money
	// Demo allows notify URLs on loopback and private addresses (the demo
	// shop runs beside the platform).
	Demo bool
	// Client sends notifications; nil: NotifyClient(Demo).
	Client *http.Client
	Log    *slog.Logger
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Merchant statuses.
const (
	Approved = "approved"
	Frozen   = "frozen"
)

// Merchant is a seller an operator approved for the gateway.
type Merchant struct {
	ID         int64
	AppID      string
	SellerID   int64
	Status     string
	StatusNote string
	// NotifyURL is where notifications go when a trade names none.
	NotifyURL string
	// ReturnHosts are the hosts (host or host:port) return URLs may be on.
	ReturnHosts []string `gorm:"serializer:json"`
	ApprovedBy  int64
	ApprovedAt  time.Time
	UpdatedAt   time.Time
}

// TableName is the merchants' table.
func (Merchant) TableName() string { return "gateway_merchants" }

// Key is one of a merchant's public keys.
type Key struct {
	ID          int64
	MerchantID  int64
	PublicKey   string // PEM
	Fingerprint string // SHA-256 of the DER, hex
	Bits        int
	ValidFrom   time.Time
	// ValidUntil is nil for the current key; a rotated key's end of grace.
	ValidUntil *time.Time
	CreatedAt  time.Time
}

// TableName is the keys' table.
func (Key) TableName() string { return "gateway_merchant_keys" }

// ValidAt reports whether the key verifies signatures at t.
func (k Key) ValidAt(t time.Time) bool {
	return !t.Before(k.ValidFrom) && (k.ValidUntil == nil || t.Before(*k.ValidUntil))
}

// MaxGrace is the longest a rotated key stays valid beside its successor.
const MaxGrace = 24 * time.Hour

var (
	errForbidden   = models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	errNotMerchant = models.Errorf(models.ENOTFOUND, "Your shop is not a merchant of the gateway yet: an operator approves shops.")
)

// merchantActor is the seller of m acting through the gateway.
func (s *Service) merchantActor(ctx context.Context, db *gorm.DB, m *Merchant) (models.Actor, error) {
	var frozen bool
	if err := db.WithContext(ctx).Raw("SELECT frozen FROM users WHERE id = ?", m.SellerID).Row().Scan(&frozen); err != nil {
		return models.Actor{}, fmt.Errorf("seller %d of merchant %s: %w", m.SellerID, m.AppID, err)
	}
	return models.Actor{UserID: m.SellerID, Role: models.RoleSeller, Frozen: frozen, Gateway: true}, nil
}

// Approve makes a seller a merchant of the gateway with a new app id, or
// returns the merchant it already is. Audited.
//
// Errors: EFORBIDDEN unless actor is an operator; ENOTFOUND for no such
// seller.
func (s *Service) Approve(ctx context.Context, actor models.Actor, sellerID int64) (*Merchant, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	var m Merchant
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw("SELECT count(*) FROM sellers WHERE user_id = ?", sellerID).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.Errorf(models.ENOTFOUND, "No such seller.")
		}
		res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("seller_id = ?", sellerID).Limit(1).Find(&m)
		if res.Error != nil || res.RowsAffected > 0 {
			return res.Error
		}
		for attempt := 0; ; attempt++ {
			m = Merchant{AppID: newAppID(), SellerID: sellerID, Status: Approved, ReturnHosts: []string{}, ApprovedBy: actor.UserID,
				ApprovedAt: s.now(), UpdatedAt: s.now()}
			err := tx.Transaction(func(sp *gorm.DB) error { return sp.Omit("id").Create(&m).Error })
			if err == nil {
				break
			}
			if !store.IsUniqueViolation(err, "gateway_merchants_app_id_key") || attempt == 3 {
				return err
			}
		}
		return audit.Record(ctx, tx, &actor, "gateway.merchant_approve", fmt.Sprintf("user:%d", sellerID), map[string]any{"app_id": m.AppID})
	})
	if err != nil {
		return nil, fmt.Errorf("approve merchant %d: %w", sellerID, err)
	}
	return &m, nil
}

// SetStatus freezes a merchant (the gateway refuses its requests, with
// MERCHANT_FROZEN) or approves it again, with a note. Audited.
//
// Errors: EFORBIDDEN unless actor is an operator; ENOTFOUND for no such app
// id; EINVALID (field note) without a note when freezing.
func (s *Service) SetStatus(ctx context.Context, actor models.Actor, appID string, frozen bool, note string) (*Merchant, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	status := Approved
	if frozen {
		status = Frozen
		var err error
		if note, err = models.CheckName("note", note, 500); err != nil {
			return nil, err
		}
	}
	var m Merchant
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("app_id = ?", appID).Limit(1).Find(&m)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No merchant has the app id %s.", appID)
		}
		m.Status, m.StatusNote, m.UpdatedAt = status, strings.TrimSpace(note), s.now()
		if err := tx.Model(&Merchant{}).Where("id = ?", m.ID).Updates(map[string]any{"status": status, "status_note": m.StatusNote,
			"updated_at": m.UpdatedAt}).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, "gateway.merchant_"+map[bool]string{true: "freeze", false: "unfreeze"}[frozen],
			fmt.Sprintf("user:%d", m.SellerID), map[string]any{"app_id": appID, "note": m.StatusNote})
	})
	if err != nil {
		return nil, fmt.Errorf("merchant %s status: %w", appID, err)
	}
	return &m, nil
}

// Merchants lists every merchant, newest first (operators).
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) Merchants(ctx context.Context, actor models.Actor) ([]Merchant, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	var out []Merchant
	if err := s.DB.WithContext(ctx).Order("id DESC").Limit(500).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("merchants: %w", err)
	}
	return out, nil
}

// MerchantPage is the seller portal's gateway page: the merchant, its keys
// (newest first), the platform's public key to download and its
// fingerprint.
type MerchantPage struct {
	Merchant            Merchant
	Keys                []Key
	PlatformKey         string // PEM
	PlatformFingerprint string
	GatewayURL          string
}

// Merchant returns the seller's gateway page.
//
// Errors: EFORBIDDEN unless actor is a seller; ENOTFOUND when the seller is
// not a merchant.
func (s *Service) Merchant(ctx context.Context, actor models.Actor) (*MerchantPage, error) {
	m, err := s.merchantOf(ctx, s.DB, actor, false)
	if err != nil {
		return nil, err
	}
	p := &MerchantPage{Merchant: *m, PlatformKey: s.PlatformPublicKey(), PlatformFingerprint: Fingerprint(&s.Key.PublicKey),
		GatewayURL: strings.TrimRight(s.BaseURL, "/") + "/gateway/v1"}
	if err := s.DB.WithContext(ctx).Where("merchant_id = ?", m.ID).Order("id DESC").Limit(20).Find(&p.Keys).Error; err != nil {
		return nil, fmt.Errorf("keys of merchant %s: %w", m.AppID, err)
	}
	return p, nil
}

// PlatformPublicKey is the public half of the platform's key, in PEM: what
// merchants verify replies, notifications and returns with.
func (s *Service) PlatformPublicKey() string { return PublicKeyPEM(&s.Key.PublicKey) }

// merchantOf is the actor's merchant, locked when lock is set.
func (s *Service) merchantOf(ctx context.Context, db *gorm.DB, actor models.Actor, lock bool) (*Merchant, error) {
	if !actor.IsSeller() {
		return nil, errForbidden
	}
	q := db.WithContext(ctx).Where("seller_id = ?", actor.UserID)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var m Merchant
	res := q.Limit(1).Find(&m)
	if res.Error != nil {
		return nil, fmt.Errorf("merchant of seller %d: %w", actor.UserID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, errNotMerchant
	}
	return &m, nil
}

// UploadKey sets the merchant's RSA public key (PEM, at least 2048 bits).
// The first key is valid at once. A new key rotates: it is valid at once and
// the current one stays valid for grace more (0 to 24 hours, the merchant's
// choice), so requests signed with either verify meanwhile; a key still in
// an earlier grace ends now. The platform never sees a private key: one
// pasted by mistake is refused and kept nowhere.
//
// Errors: EFORBIDDEN unless actor is a seller; ENOTFOUND when not a
// merchant; EINVALID (fields public_key, grace).
func (s *Service) UploadKey(ctx context.Context, actor models.Actor, pemText string, grace time.Duration) (*Key, error) {
	pub, err := ParsePublicKey(pemText)
	if err != nil {
		switch err {
		case errPrivate:
			return nil, models.FieldError("public_key", "This is a private key: keep it on your server and never send it to anyone. Paste the public key (openssl pkey -in key.pem -pubout).")
		case errWeakKey:
			return nil, models.FieldError("public_key", "The key must be RSA of at least %d bits.", MinKeyBits)
		case errNotRSA:
			return nil, models.FieldError("public_key", "Only RSA keys are accepted (at least %d bits).", MinKeyBits)
		default:
			return nil, models.FieldError("public_key", "Paste one RSA public key in PEM format, from -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----.")
		}
	}
	if grace < 0 || grace > MaxGrace {
		return nil, models.FieldError("grace", "Choose a grace period from 0 to 24 hours.")
	}
	k := Key{PublicKey: PublicKeyPEM(pub), Fingerprint: Fingerprint(pub), Bits: pub.N.BitLen()}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		m, err := s.merchantOf(ctx, tx, actor, true)
		if err != nil {
			return err
		}
		now := s.now()
		var cur Key
		res := tx.Where("merchant_id = ? AND valid_until IS NULL", m.ID).Limit(1).Find(&cur)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected > 0 {
			if cur.Fingerprint == k.Fingerprint {
				return models.FieldError("public_key", "This is already your current key.")
			}
			// At most two keys at once: one still in an earlier grace ends now.
			if err := tx.Exec(`UPDATE gateway_merchant_keys SET valid_until = greatest(valid_from, ?)
				WHERE merchant_id = ? AND valid_until > ?`, now, m.ID, now).Error; err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE gateway_merchant_keys SET valid_until = ? WHERE id = ?`, now.Add(grace), cur.ID).Error; err != nil {
				return err
			}
		}
		k.MerchantID, k.ValidFrom, k.CreatedAt = m.ID, now, now
		return tx.Omit("id").Create(&k).Error
	})
	if err != nil {
		return nil, fmt.Errorf("upload merchant key: %w", err)
	}
	return &k, nil
}

// Endpoints are a merchant's default notify URL and the hosts its return
// URLs may be on (names or host:port, separated by commas or new lines).
type Endpoints struct {
	NotifyURL   string
	ReturnHosts string
}

// SetEndpoints sets the merchant's default notify URL (empty: none; outside
// demo mode not on a loopback, private or link-local address) and return
// hosts.
//
// Errors: EFORBIDDEN unless actor is a seller; ENOTFOUND when not a
// merchant; EINVALID (fields notify_url, return_hosts).
func (s *Service) SetEndpoints(ctx context.Context, actor models.Actor, e Endpoints) (*Merchant, error) {
	var ps []*models.Error
	notify := strings.TrimSpace(e.NotifyURL)
	if notify != "" {
		var err error
		if notify, err = checkNotifyURL("notify_url", notify, s.Demo); err != nil {
			ps = append(ps, models.AsError(err))
		}
	}
	hosts, err := checkReturnHosts("return_hosts", e.ReturnHosts)
	if err != nil {
		ps = append(ps, models.AsError(err))
	}
	if err := models.Invalid(ps...); err != nil {
		return nil, err
	}
	var m *Merchant
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var err error
		if m, err = s.merchantOf(ctx, tx, actor, true); err != nil {
			return err
		}
		m.NotifyURL, m.ReturnHosts, m.UpdatedAt = notify, hosts, s.now()
		return tx.Model(&Merchant{}).Where("id = ?", m.ID).Select("notify_url", "return_hosts", "updated_at").Updates(m).Error
	})
	if err != nil {
		return nil, fmt.Errorf("merchant endpoints: %w", err)
	}
	return m, nil
}

// newAppID is a random 16-digit app id.
func newAppID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e15))
	return fmt.Sprintf("2%015d", n.Int64())
}
