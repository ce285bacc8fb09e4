// Package transfers moves money from one buyer's balance to another's: the
// sender keys in the recipient's number (the landline the recipient bound,
// or the mobile number they sign in with) and the amount, sees the
// recipient's name masked (张*) and the number masked before giving the
// payment password, and the money moves wallet:<sender> → wallet:<recipient>
// in one ledger transfer, key transfer:<id>. On the web, in the API and on
// the hotline (menu 6, HotlineFlow).
//
// Refusals come before the payment password whenever they can: the sender
// themself, a number nobody has, a recipient who cannot receive (not a
// buyer, or frozen), an amount over TransferMax (and the platform's
// MAX_AMOUNT) or over what the day's TransferDailyLimit leaves (operators'
// settings transfer.*, days in Asia/Shanghai), a balance that is short. The
// password is checked with auth's check and lockout holding no lock; then
// one transaction, under a row lock on the sender (so one sender's
// transfers run one at a time and the day's limit holds), checks the key,
// the limit and the recipient again, records the transfer and posts it; the
// wallet's own guard refuses to take it below zero. The sender's idempotency
// key (the API's Idempotency-Key, the form's request id, one per hotline
// confirmation) makes a retry return the first transfer.
package transfers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/ledger"
	"lineescrow/app/settings"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Kind is the ledger kind of a transfer.
const Kind = "wallet.transfer"

// Channels a transfer came through.
const (
	ChannelWeb     = "web"
	ChannelHotline = "hotline"
)

// Reasons of the refusals on field "number".
const (
	ReasonSelf          = "self"
	ReasonUnknown       = "unknown_recipient"
	ReasonCannotReceive = "cannot_receive"
)

// PayPasswords checks a payment password (auth.Service, with its lockout).
type PayPasswords interface {
	VerifyPayPassword(ctx context.Context, userID int64, pin string) error
}

// Service is transfers between balances.
type Service struct {
	DB           *gorm.DB
	Settings     *settings.Service
	PayPasswords PayPasswords
	// MaxAmount is the platform's largest payment (MAX_AMOUNT).
	MaxAmount models.Money
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Recipient is who a number sends money to, as the sender may see them.
type Recipient struct {
	UserID int64 `json:"-"`
	// Number is the number keyed in (digits).
	Number       string `json:"-"`
	NumberMasked string `json:"number_masked" doc:"the number with its middle hidden: 139****9000, 0530-***2001"`
	NameMasked   string `json:"name_masked" doc:"the recipient's name, the first character only: 张*"`
}

// Transfer is one transfer between balances.
type Transfer struct {
	ID          string       `json:"id"`
	SenderID    int64        `json:"-"`
	RecipientID int64        `json:"-"`
	Amount      models.Money `json:"amount"`
	// Number is the number the sender keyed in (digits).
	Number    string    `json:"-"`
	Channel   string    `json:"channel" enum:"web,hotline"`
	CreatedAt time.Time `json:"created_at"`
	// Names and numbers as the other side may see them.
	SenderName    string `json:"-"`
	SenderLogin   string `json:"-"`
	RecipientName string `json:"-"`
	// Replayed: the idempotency key was used before for this transfer;
	// nothing moved this time.
	Replayed bool `json:"-"`
}

// Ref is the ledger reference of a transfer.
func Ref(id string) string { return "transfer:" + id }

// Request is a transfer asked for.
type Request struct {
	Number      string
	Amount      models.Money
	PayPassword string
	// IdemKey: the same key again returns the first transfer.
	IdemKey string
	// Channel is ChannelWeb unless ChannelHotline.
	Channel string
}

var errForbidden = models.Errorf(models.EFORBIDDEN, "Only a buyer's balance can be sent to another person.")

func numberError(reason string, e *models.Error) error {
	e.Reason = reason
	return e
}

// Recipient finds who number sends money to: the account that bound it as
// its landline, or signs in with it.
//
// Errors: EFORBIDDEN unless sender is a buyer; EINVALID on field number for
// a malformed number, the sender's own (Reason "self"), one nobody has
// ("unknown_recipient"), one whose account cannot receive money
// ("cannot_receive": not a buyer's, or frozen).
func (s *Service) Recipient(ctx context.Context, sender models.Actor, number string) (*Recipient, error) {
	if !sender.IsBuyer() {
		return nil, errForbidden
	}
	return s.recipient(ctx, s.DB, sender, number)
}

func (s *Service) recipient(ctx context.Context, db *gorm.DB, sender models.Actor, number string) (*Recipient, error) {
	d, err := models.ParseTransferNumber(number)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID          int64
		Role        string
		DisplayName string
		Frozen      bool
	}
	// A bound landline first (its holder may sign in with a mobile), then a
	// login.
	if err := db.WithContext(ctx).Raw(`SELECT u.id, u.role, u.display_name, u.frozen FROM users u
		WHERE u.id = (SELECT l.user_id FROM landlines l WHERE l.phone = ? AND l.state = ? LIMIT 1)
		UNION ALL SELECT u.id, u.role, u.display_name, u.frozen FROM users u WHERE u.login = ?`,
		d, models.LineBound, d).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("transfer recipient: %w", err)
	}
	if len(rows) == 0 {
		return nil, numberError(ReasonUnknown, models.FieldError("number", "Nobody on LineEscrow has this number. Check it with the person you are paying."))
	}
	r := rows[0]
	if r.ID == sender.UserID {
		return nil, numberError(ReasonSelf, models.FieldError("number", "This is your own number: send money to someone else's."))
	}
	if r.Role != string(models.RoleBuyer) || r.Frozen {
		return nil, numberError(ReasonCannotReceive, models.FieldError("number", "This account cannot receive transfers."))
	}
	return &Recipient{UserID: r.ID, Number: d, NumberMasked: models.MaskPhone(d), NameMasked: models.MaskName(r.DisplayName)}, nil
}

// Limits are what one transfer and one day's transfers may come to.
type Limits struct {
	MaxAmount  models.Money `json:"max_amount"`
	DailyLimit models.Money `json:"daily_limit"`
	// SentToday is what the sender sent others today; Left what the day's
	// limit leaves.
	SentToday models.Money `json:"sent_today"`
	Left      models.Money `json:"left_today"`
	// Balance is the sender's wallet.
	Balance models.Money `json:"balance"`
}

// LimitsFor returns the limits as they stand for a sender now.
//
// Errors: EFORBIDDEN unless sender is a buyer.
func (s *Service) LimitsFor(ctx context.Context, sender models.Actor) (Limits, error) {
	if !sender.IsBuyer() {
		return Limits{}, errForbidden
	}
	v, err := s.Settings.Get(ctx, nil)
	if err != nil {
		return Limits{}, err
	}
	l := Limits{MaxAmount: s.maxAmount(v), DailyLimit: v.TransferDailyLimit}
	if l.SentToday, err = s.sentToday(ctx, s.DB, sender.UserID); err != nil {
		return Limits{}, err
	}
	if l.Balance, err = ledger.Balance(ctx, s.DB, models.WalletAccount(sender.UserID)); err != nil {
		return Limits{}, err
	}
	if l.Left = l.DailyLimit.Sub(l.SentToday); l.Left.IsNegative() {
		l.Left = models.Zero
	}
	return l, nil
}

func (s *Service) maxAmount(v settings.Values) models.Money {
	if !s.MaxAmount.IsZero() && s.MaxAmount.LessThan(v.TransferMax) {
		return s.MaxAmount
	}
	return v.TransferMax
}

func dayStart(t time.Time) time.Time {
	t = t.In(models.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, models.Shanghai)
}

func (s *Service) sentToday(ctx context.Context, db *gorm.DB, senderID int64) (models.Money, error) {
	var m models.Money
	if err := db.WithContext(ctx).Raw(`SELECT coalesce(sum(amount), 0) FROM wallet_transfers WHERE sender_id = ? AND created_at >= ?`,
		senderID, dayStart(s.now())).Row().Scan(&m); err != nil {
		return models.Zero, fmt.Errorf("transfers today: %w", err)
	}
	return m, nil
}

func (s *Service) checkDay(ctx context.Context, db *gorm.DB, senderID int64, amount, limit models.Money) error {
	today, err := s.sentToday(ctx, db, senderID)
	if err != nil {
		return err
	}
	if left := limit.Sub(today); amount.GreaterThan(left) {
		if left.IsNegative() {
			left = models.Zero
		}
		return models.FieldError("amount", "Today you can send others at most %s more.", left.Display())
	}
	return nil
}

func errShort(have models.Money) error {
	e := models.Errorf(models.EINSUFFICIENT, "Your balance is %s, not enough for this transfer. Top up first.", have.Display())
	e.Field = "amount"
	return e
}

// Check says, before the payment password is asked for, whether sender
// could send amount to number now, and returns the recipient (their masked
// name and number are what the sender confirms). Send checks all of it
// again.
//
// Errors: EFORBIDDEN unless sender is a buyer not frozen; EINVALID (fields
// number, amount) as Recipient, for an amount that is not positive or over
// a limit; EINSUFFICIENT (field amount) when the balance is short.
func (s *Service) Check(ctx context.Context, sender models.Actor, number string, amount models.Money) (*Recipient, error) {
	r, _, err := s.precheck(ctx, sender, number, amount)
	return r, err
}

func (s *Service) precheck(ctx context.Context, sender models.Actor, number string, amount models.Money) (*Recipient, settings.Values, error) {
	if !sender.IsBuyer() {
		return nil, settings.Values{}, errForbidden
	}
	if err := sender.CanMoveMoney(); err != nil {
		return nil, settings.Values{}, err
	}
	r, rerr := s.recipient(ctx, s.DB, sender, number)
	if !amount.IsPositive() {
		// Both problems beside their fields.
		return nil, settings.Values{}, models.Invalid(models.AsError(rerr), models.FieldError("amount", "Enter an amount such as 50.00."))
	}
	if rerr != nil {
		return nil, settings.Values{}, rerr
	}
	v, err := s.Settings.Get(ctx, nil)
	if err != nil {
		return nil, v, err
	}
	if m := s.maxAmount(v); amount.GreaterThan(m) {
		return nil, v, models.FieldError("amount", "One transfer may be at most %s.", m.Display())
	}
	if err := s.checkDay(ctx, s.DB, sender.UserID, amount, v.TransferDailyLimit); err != nil {
		return nil, v, err
	}
	if have, err := ledger.Balance(ctx, s.DB, models.WalletAccount(sender.UserID)); err != nil {
		return nil, v, err
	} else if amount.GreaterThan(have) {
		return nil, v, errShort(have)
	}
	return r, v, nil
}

// Send moves req.Amount from the sender's balance to the balance of the
// account req.Number finds, with the sender's payment password. The same
// req.IdemKey with the same number and amount returns the first transfer
// (Replayed) and moves nothing; with another number or amount it is refused.
//
// Errors: as Check's; EINVALID (field pay_password) for a wrong payment
// password, or without an idempotency key; ELOCKED while payments are
// locked; ECONFLICT for a key used for another transfer.
func (s *Service) Send(ctx context.Context, sender models.Actor, req Request) (*Transfer, error) {
	key := strings.TrimSpace(req.IdemKey)
	if key == "" || len(key) > 200 {
		return nil, models.Errorf(models.EINVALID, "This transfer has no request key; open the page again.")
	}
	if !sender.IsBuyer() {
		return nil, errForbidden
	}
	number, _ := models.ParseTransferNumber(req.Number)
	if prior, err := s.replay(ctx, s.DB, sender.UserID, key, number, req.Amount); prior != nil || err != nil {
		return prior, err
	}
	r, v, err := s.precheck(ctx, sender, req.Number, req.Amount)
	if err != nil {
		return nil, err
	}
	// No lock is held while the password is checked.
	if err := s.PayPasswords.VerifyPayPassword(ctx, sender.UserID, req.PayPassword); err != nil {
		return nil, err
	}
	channel := ChannelWeb
	if req.Channel == ChannelHotline {
		channel = ChannelHotline
	}
	t := &Transfer{ID: newID(), SenderID: sender.UserID, RecipientID: r.UserID, Amount: req.Amount, Number: r.Number,
		Channel: channel, CreatedAt: s.now()}
	wallet := models.WalletAccount(sender.UserID)
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		// One sender's transfers one at a time: the day's limit holds.
		if err := tx.Exec(`SELECT 1 FROM users WHERE id = ? FOR UPDATE`, sender.UserID).Error; err != nil {
			return err
		}
		if prior, err := s.replay(ctx, tx, sender.UserID, key, number, req.Amount); prior != nil || err != nil {
			if prior != nil {
				*t = *prior
			}
			return err
		}
		if err := s.checkDay(ctx, tx, sender.UserID, req.Amount, v.TransferDailyLimit); err != nil {
			return err
		}
		// The recipient again, under the transaction: not frozen, the number
		// not rebound meanwhile.
		now, err := s.recipient(ctx, tx, sender, req.Number)
		if err != nil {
			return err
		}
		if now.UserID != r.UserID {
			return models.Errorf(models.ECONFLICT, "The number changed hands meanwhile: check the recipient again.")
		}
		if err := tx.Exec(`INSERT INTO wallet_transfers (id, sender_id, recipient_id, number, amount, channel, idem_key, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.SenderID, t.RecipientID, t.Number, t.Amount, t.Channel, key, t.CreatedAt).Error; err != nil {
			return err
		}
		_, err = ledger.Post(ctx, tx, models.Transfer{Key: Ref(t.ID), Kind: Kind, Ref: Ref(t.ID), Memo: "Transfer to " + models.MaskPhone(t.Number),
			Postings: models.Move(wallet, models.WalletAccount(t.RecipientID), t.Amount)})
		return err
	})
	if models.ErrorCode(err) == models.EINSUFFICIENT {
		have, _ := ledger.Balance(ctx, s.DB, wallet)
		return nil, errShort(have)
	}
	if err != nil {
		if models.AsError(err) != nil {
			return nil, err
		}
		return nil, fmt.Errorf("transfer: %w", err)
	}
	if t.Replayed {
		return t, nil
	}
	return s.get(ctx, s.DB, t.ID, t.Replayed)
}

// replay returns the transfer an idempotency key already made, or ECONFLICT
// when it made another one.
func (s *Service) replay(ctx context.Context, db *gorm.DB, senderID int64, key, number string, amount models.Money) (*Transfer, error) {
	list, err := s.list(ctx, db, "t.sender_id = ? AND t.idem_key = ?", senderID, key)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	t := list[0]
	if t.Number != number || !t.Amount.Equal(amount) {
		return nil, models.Errorf(models.ECONFLICT, "This request key was used for another transfer.")
	}
	t.Replayed = true
	return &t, nil
}

func (s *Service) get(ctx context.Context, db *gorm.DB, id string, replayed bool) (*Transfer, error) {
	list, err := s.list(ctx, db, "t.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such transfer.")
	}
	list[0].Replayed = replayed
	return &list[0], nil
}

func (s *Service) list(ctx context.Context, db *gorm.DB, where string, args ...any) ([]Transfer, error) {
	var rows []struct {
		ID, Number, Channel             string
		SenderID, RecipientID           int64
		Amount                          models.Money
		CreatedAt                       time.Time
		SenderName, SenderLogin, ToName string
	}
	if err := db.WithContext(ctx).Raw(`SELECT t.id, t.number, t.channel, t.sender_id, t.recipient_id, t.amount, t.created_at,
			su.display_name AS sender_name, su.login AS sender_login, ru.display_name AS to_name
		FROM wallet_transfers t JOIN users su ON su.id = t.sender_id JOIN users ru ON ru.id = t.recipient_id
		WHERE `+where+` ORDER BY t.created_at DESC, t.id DESC LIMIT 100`, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("transfers: %w", err)
	}
	out := make([]Transfer, 0, len(rows))
	for _, r := range rows {
		out = append(out, Transfer{ID: r.ID, SenderID: r.SenderID, RecipientID: r.RecipientID, Amount: r.Amount, Number: r.Number,
			Channel: r.Channel, CreatedAt: r.CreatedAt, SenderName: r.SenderName, SenderLogin: r.SenderLogin, RecipientName: r.ToName})
	}
	return out, nil
}

// Get returns one transfer, to its sender, its recipient or an operator.
//
// Errors: ENOTFOUND for a transfer the actor may not see.
func (s *Service) Get(ctx context.Context, actor models.Actor, id string) (*Transfer, error) {
	t, err := s.get(ctx, s.DB, id, false)
	if err != nil {
		return nil, err
	}
	if !actor.IsOperator() && !(actor.UserID > 0 && (t.SenderID == actor.UserID || t.RecipientID == actor.UserID)) {
		return nil, models.Errorf(models.ENOTFOUND, "No such transfer.")
	}
	return t, nil
}

// Mine returns the transfers the buyer sent or received, newest first (at
// most 20).
//
// Errors: EFORBIDDEN unless actor is a buyer.
func (s *Service) Mine(ctx context.Context, actor models.Actor) ([]Transfer, error) {
	if !actor.IsBuyer() {
		return nil, errForbidden
	}
	list, err := s.list(ctx, s.DB, "(t.sender_id = ? OR t.recipient_id = ?)", actor.UserID, actor.UserID)
	if len(list) > 20 {
		list = list[:20]
	}
	return list, err
}

// Side is a transfer as one of its parties (or an operator) sees it: the
// other party's name and number masked.
type Side struct {
	Sent bool // the viewer sent it (operators: true)
	// Counterparty is the other side: the recipient for the sender, the
	// sender for the recipient, masked.
	CounterpartyName, CounterpartyNumber string
}

// SideOf says how viewer sees t.
func SideOf(t *Transfer, viewer models.Actor) Side {
	if viewer.UserID == t.RecipientID && !viewer.IsOperator() {
		return Side{Sent: false, CounterpartyName: models.MaskName(t.SenderName), CounterpartyNumber: models.MaskPhone(t.SenderLogin)}
	}
	return Side{Sent: true, CounterpartyName: models.MaskName(t.RecipientName), CounterpartyNumber: models.MaskPhone(t.Number)}
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "TR" + strings.ToUpper(hex.EncodeToString(b))
}
