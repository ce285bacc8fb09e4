package telecom

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/clawback"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// CardFailuresPerDay bounds the refused recharge cards of one account in a
// day: card PINs are eight digits, not to be guessed at the platform's door.
const CardFailuresPerDay = 5

// Redemption is a recharge card redeemed (or being redeemed) into a wallet.
type Redemption struct {
	ID        string        `json:"id"`
	UserID    int64         `json:"-"`
	CardLast4 string        `json:"card_last4"`
	State     string        `json:"state"` // requested, redeemed, refused
	Refusal   string        `json:"refusal,omitempty"`
	FaceValue *models.Money `json:"face_value"`
	CreatedAt time.Time     `json:"created_at"`
	DoneAt    *time.Time    `json:"done_at"`
}

// TableName is the redemptions' table.
func (Redemption) TableName() string { return "card_redemptions" }

func cleanDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// RedeemCard tops the buyer's wallet up with an operator's prepaid recharge
// card (card number and PIN). The card's number is kept as its last four
// digits and a keyed MAC, the PIN not at all. When the front-end does not
// answer in time the redemption stays requested and is repeated with the
// same id: the card is redeemed once.
//
// Errors: EFORBIDDEN unless a buyer (or frozen); EINVALID (fields card_no,
// card_pin) for malformed input and the front-end's refusal (invalid,
// already used, expired); ERATELIMIT after CardFailuresPerDay refusals;
// ECONFLICT while the same card is being redeemed.
func (s *Service) RedeemCard(ctx context.Context, actor models.Actor, cardNo, pin string) (*Redemption, error) {
	if !actor.IsBuyer() {
		return nil, models.Errorf(models.EFORBIDDEN, "Only buyers top up a balance.")
	}
	if err := actor.CanMoveMoney(); err != nil {
		return nil, err
	}
	no, p := cleanDigits(cardNo), cleanDigits(pin)
	var ps []*models.Error
	if len(no) != 16 || strings.Trim(no, "0123456789") != "" {
		ps = append(ps, models.FieldError("card_no", "Enter the card's 16-digit number."))
	}
	if len(p) != 8 || strings.Trim(p, "0123456789") != "" {
		ps = append(ps, models.FieldError("card_pin", "Enter the card's 8-digit PIN (scratch the back of the card)."))
	}
	if err := models.Invalid(ps...); err != nil {
		return nil, err
	}
	r := &Redemption{ID: newID("RC"), UserID: actor.UserID, CardLast4: no[12:], State: "requested", CreatedAt: s.now()}
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT 1 FROM users WHERE id = ? FOR UPDATE", actor.UserID).Error; err != nil {
			return err
		}
		var failed int64
		if err := tx.Model(&Redemption{}).Where("user_id = ? AND state = 'refused' AND created_at >= ?", actor.UserID, dayStart(s.now())).
			Count(&failed).Error; err != nil {
			return err
		}
		if failed >= CardFailuresPerDay {
			return models.Errorf(models.ERATELIMIT, "Too many cards were refused today. Try again tomorrow.")
		}
		// The same card again while its redemption has no answer: the same
		// redemption, asked again with its key, so the front-end answers
		// what it did the first time.
		var open Redemption
		res := tx.Where("card_mac = ? AND state = 'requested'", s.mac("card", no)).Limit(1).Find(&open)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected > 0 {
			if open.UserID != actor.UserID {
				return models.Errorf(models.ECONFLICT, "This card is being redeemed by another account.")
			}
			r = &open
			return nil
		}
		err := tx.Transaction(func(sp *gorm.DB) error {
			return sp.Exec(`INSERT INTO card_redemptions (id, user_id, card_last4, card_mac, state, created_at) VALUES (?, ?, ?, ?, 'requested', ?)`,
				r.ID, r.UserID, r.CardLast4, s.mac("card", no), r.CreatedAt).Error
		})
		if store.IsUniqueViolation(err, "card_redemptions_in_flight") {
			return models.Errorf(models.ECONFLICT, "This card is already being redeemed. Wait a moment and look at your balance.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// The PIN never reaches the database, so the repeats are this very
	// call, made again while the buyer waits, or the buyer's own second try
	// with the same card (the same redemption, above).
	face, err := s.Front.RedeemCard(ctx, r.ID, no, p)
	for i := 0; i < 2 && errors.Is(err, bankbridge.ErrUnavailable); i++ {
		face, err = s.Front.RedeemCard(ctx, r.ID, no, p)
	}
	var refused *bankbridge.CardRefused
	switch {
	case err == nil:
		if err := s.redeemed(ctx, r.ID, face); err != nil {
			return nil, err
		}
	case errors.As(err, &refused):
		if err := s.DB.WithContext(ctx).Exec(`UPDATE card_redemptions SET state = 'refused', refusal = ?, done_at = now() WHERE id = ? AND state = 'requested'`,
			refused.Code, r.ID).Error; err != nil {
			return nil, err
		}
		return nil, cardRefusal(refused.Code)
	case errors.Is(err, bankbridge.ErrKeyReused):
		return nil, models.FieldError("card_pin", "This card's first try has not been answered yet: type the same PIN as the first time.")
	default:
		s.DB.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE card_redemptions SET attempts = attempts + 1, last_error = ? WHERE id = ?`,
			truncate(err.Error(), 300), r.ID)
		return nil, models.Errorf(models.EUNAVAILABLE, "The phone company did not answer in time. Submit the same card and PIN again in a minute: the card is redeemed only once.")
	}
	return s.redemption(ctx, r.ID)
}

func cardRefusal(code string) error {
	switch code {
	case bankbridge.CardAlreadyUsed:
		return models.FieldError("card_no", "This card has already been used.")
	case bankbridge.CardExpired:
		return models.FieldError("card_no", "This card has expired.")
	}
	return models.FieldError("card_pin", "The card number or PIN is wrong. Check both and try again.")
}

func (s *Service) redemption(ctx context.Context, id string) (*Redemption, error) {
	var r Redemption
	if err := s.DB.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, fmt.Errorf("redemption %s: %w", id, err)
	}
	return &r, nil
}

// redeemed credits the wallet with the card's face value, once.
func (s *Service) redeemed(ctx context.Context, id string, face models.Money) error {
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var r Redemption
		if err := tx.Raw(`SELECT * FROM card_redemptions WHERE id = ? FOR UPDATE`, id).Scan(&r).Error; err != nil {
			return err
		}
		if r.State != "requested" {
			return nil
		}
		ps := models.Move(models.AccTelecomCards, models.WalletAccount(r.UserID), face)
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "card:" + id, Kind: "wallet.card_topup", Ref: "card:" + id,
			Memo: "card …" + r.CardLast4, Postings: ps}); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE card_redemptions SET state = 'redeemed', face_value = ?, done_at = now() WHERE id = ?`, face, id).Error; err != nil {
			return err
		}
		return clawback.SweepCredited(ctx, tx, ps)
	})
}

// Redemptions lists the buyer's card top-ups, newest first.
func (s *Service) Redemptions(ctx context.Context, actor models.Actor) ([]Redemption, error) {
	if !actor.IsBuyer() {
		return nil, models.Errorf(models.EFORBIDDEN, "Only buyers top up a balance.")
	}
	var out []Redemption
	if err := s.DB.WithContext(ctx).Where("user_id = ?", actor.UserID).Order("created_at DESC, id DESC").Limit(50).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("redemptions: %w", err)
	}
	return out, nil
}
