package telecom

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/clawback"
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/risk"
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
	sealed, err := s.seal(no, p)
	if err != nil {
		return nil, err
	}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT 1 FROM users WHERE id = ? FOR UPDATE", actor.UserID).Error; err != nil {
			return err
		}
		// Those in flight count: tried at once, they would all pass the count.
		var failed int64
		if err := tx.Model(&Redemption{}).Where("user_id = ? AND state IN ('refused', 'requested') AND created_at >= ?", actor.UserID, dayStart(s.now())).
			Count(&failed).Error; err != nil {
			return err
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
		if failed >= CardFailuresPerDay {
			return models.Errorf(models.ERATELIMIT, "Too many cards were refused today. Try again tomorrow.")
		}
		err := tx.Transaction(func(sp *gorm.DB) error {
			return sp.Exec(`INSERT INTO card_redemptions (id, user_id, card_last4, card_mac, sealed, state, created_at) VALUES (?, ?, ?, ?, ?, 'requested', ?)`,
				r.ID, r.UserID, r.CardLast4, s.mac("card", no), sealed, r.CreatedAt).Error
		})
		if store.IsUniqueViolation(err, "card_redemptions_in_flight") {
			return models.Errorf(models.ECONFLICT, "This card is already being redeemed. Wait a moment and look at your balance.")
		}
		if err != nil {
			return err
		}
		// The second line: should the answer be lost (or this process
		// stop), the job asks again with the same redemption id.
		_, err = s.Queue.InsertTx(ctx, tx, RedeemArgs{RedemptionID: r.ID}, &river.InsertOpts{ScheduledAt: s.now().Add(time.Minute)})
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.redeem(ctx, r.ID, no, p); err != nil {
		if models.AsError(err) != nil {
			return nil, err
		}
		s.log().WarnContext(ctx, "card redemption not answered yet; the job repeats it", "redemption_id", r.ID, "err", err)
	}
	return s.redemption(ctx, r.ID)
}

// redeem asks the front-end for a requested redemption and settles its
// answer. A *models.Error is the front-end's refusal (settled); another
// error means no decisive answer, to be repeated with the same id.
func (s *Service) redeem(ctx context.Context, id, no, pin string) error {
	face, err := s.Front.RedeemCard(ctx, id, no, pin)
	var refused *bankbridge.CardRefused
	switch {
	case err == nil:
		return s.redeemed(ctx, id, face)
	case errors.As(err, &refused):
		if err := s.DB.WithContext(ctx).Exec(`UPDATE card_redemptions SET state = 'refused', refusal = ?, sealed = NULL, done_at = now()
			WHERE id = ? AND state = 'requested'`, refused.Code, id).Error; err != nil {
			return err
		}
		return cardRefusal(refused.Code)
	case errors.Is(err, bankbridge.ErrKeyReused):
		return models.FieldError("card_pin", "This card's first try has not been answered yet: type the same PIN as the first time.")
	default:
		if uerr := s.DB.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE card_redemptions SET attempts = attempts + 1, last_error = ? WHERE id = ?`,
			truncate(err.Error(), 300), id).Error; uerr != nil {
			return errors.Join(err, uerr)
		}
		return fmt.Errorf("redeem card %s: %w", id, err)
	}
}

// seal encrypts a card's number and PIN for the job that may have to repeat
// the call (AES-GCM under a key derived from Key: never in the database).
func (s *Service) seal(no, pin string) ([]byte, error) {
	aead, err := s.cardAEAD()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, []byte(no+":"+pin), []byte("card")), nil
}

func (s *Service) unseal(b []byte) (no, pin string, err error) {
	aead, err := s.cardAEAD()
	if err != nil {
		return "", "", err
	}
	if len(b) < aead.NonceSize() {
		return "", "", errors.New("sealed card: too short")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte("card"))
	if err != nil {
		return "", "", fmt.Errorf("sealed card: %w", err)
	}
	no, pin, _ = strings.Cut(string(plain), ":")
	return no, pin, nil
}

func (s *Service) cardAEAD() (cipher.AEAD, error) {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("card seal"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
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
		if err := tx.Exec(`UPDATE card_redemptions SET state = 'redeemed', face_value = ?, sealed = NULL, done_at = now() WHERE id = ?`, face, id).Error; err != nil {
			return err
		}
		if err := s.Notices.Add(ctx, tx, models.Notice{UserID: r.UserID, Kind: models.NoticeTopUp, Params: []string{face.Display()}}); err != nil {
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

// RedeemArgs is the job that repeats a redemption the front-end has not
// answered.
type RedeemArgs struct {
	RedemptionID string `json:"redemption_id"`
}

// Kind names the job.
func (RedeemArgs) Kind() string { return "telecom_card_redeem" }

// InsertOpts: the telecom calls' queue, retried for about a day.
func (RedeemArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTelecom, MaxAttempts: 20}
}

// RedeemWorker runs RedeemArgs.
type RedeemWorker struct {
	river.WorkerDefaults[RedeemArgs]
	Telecom *Service
}

// Work repeats the redemption with its id and the sealed card; after the
// last attempt an operator is asked.
func (w *RedeemWorker) Work(ctx context.Context, job *river.Job[RedeemArgs]) error {
	s := w.Telecom
	var row struct {
		State  string
		UserID int64
		Sealed []byte
	}
	if err := s.DB.WithContext(ctx).Raw("SELECT state, user_id, sealed FROM card_redemptions WHERE id = ?", job.Args.RedemptionID).Scan(&row).Error; err != nil {
		return err
	}
	if row.State != "requested" || row.Sealed == nil {
		return nil
	}
	no, pin, err := s.unseal(row.Sealed)
	if err != nil {
		return err
	}
	err = s.redeem(ctx, job.Args.RedemptionID, no, pin)
	if models.AsError(err) != nil {
		return nil // refused: settled
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
			return risk.Raise(ctx, tx, FlagCardUnconfirmed, nil, &row.UserID, map[string]any{"redemption_id": job.Args.RedemptionID,
				"error": truncate(err.Error(), 300)})
		})
	}
	return err
}
