// Package instore is in-store (face-to-face) payments: a seller enables
// them and gets a shop number with a check digit, printed on a counter card;
// a payer pays that number from the wallet, with the payment password, on
// the web or on the hotline. The money goes straight to the seller's
// available money (no escrow: the goods are handed over at the counter),
// less the in-store rate, which goes to the platform's fees, in one ledger
// transfer. The seller sees it on the till page and may refund it, whole and
// once, within RefundWindow, with the seller's payment password.
//
// Limits (operators' settings instore.*): one payment at most
// InstoreMaxPayment (and the platform's MAX_AMOUNT), one payer's payments
// of a day (Asia/Shanghai) at most InstoreDailyLimit, refunded ones not
// counted. A payer's payments run one at a time (a row lock on the payer),
// so the daily limit and the wallet hold under concurrent payments. The
// payment password is checked before any lock is taken, with the lockout of
// auth.VerifyPayPassword; what could never succeed (a wrong shop number, an
// amount over a limit, a short wallet) is refused before it is checked.
package instore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/audit"
	"lineescrow/app/ledger"
	"lineescrow/app/settings"
	"lineescrow/app/store"
	"lineescrow/models"
)

// RefundWindow is how long after a payment the seller may refund it.
const RefundWindow = 24 * time.Hour

// Transfer kinds in the ledger.
const (
	KindPay    = "instore.pay"
	KindRefund = "instore.refund"
)

// Channels a payment came through.
const (
	ChannelWeb     = "web"
	ChannelHotline = "hotline"
)

// ShopNumber is a shop's seven digits (the last a Luhn check digit).
type ShopNumber string

// ParseShopNumber reads a shop number as typed or keyed in (spaces and
// dashes ignored) and checks its check digit. It says nothing of whether a
// shop has the number (Service.Shop does).
//
// Errors: EINVALID on field "shop"; Reason models.ReasonCheckDigit when the
// check digit is wrong.
func ParseShopNumber(s string) (ShopNumber, error) {
	d, err := models.ParseShopNumber(s)
	return ShopNumber(d), err
}

// Display writes the number as the counter card prints it: "123 4567".
func (n ShopNumber) Display() string { return models.FormatShopNumber(string(n)) }

// PayPasswords checks a payment password (auth.Service).
type PayPasswords interface {
	VerifyPayPassword(ctx context.Context, userID int64, pin string) error
}

// Service is in-store payments.
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

// Shop is a seller's in-store payments.
type Shop struct {
	SellerID  int64      `json:"-"`
	Number    ShopNumber `json:"shop_number" doc:"seven digits, the last a check digit"`
	Name      string     `json:"shop_name"`
	Enabled   bool       `json:"enabled"`
	CreatedAt time.Time  `json:"created_at"`
}

// Payment is one in-store payment.
type Payment struct {
	ID         string       `json:"id"`
	SellerID   int64        `json:"-"`
	PayerID    int64        `json:"-"`
	ShopNumber ShopNumber   `json:"shop_number"`
	ShopName   string       `json:"shop_name"`
	Amount     models.Money `json:"amount"`
	Fee        models.Money `json:"fee" doc:"the platform's in-store rate of the amount"`
	Rate       models.Rate  `json:"rate" doc:"in percent"`
	PayerLast4 string       `json:"payer_last4" doc:"the last four digits of the payer's phone or calling line"`
	Channel    string       `json:"channel" enum:"web,hotline"`
	CreatedAt  time.Time    `json:"created_at"`
	RefundedAt *time.Time   `json:"refunded_at"`
	// Replayed: the idempotency key was used before for this payment;
	// nothing moved this time.
	Replayed bool `json:"-"`
}

// Net is what the seller keeps.
func (p *Payment) Net() models.Money { return p.Amount.Sub(p.Fee) }

// Refundable reports whether the seller may still refund p at now.
func (p *Payment) Refundable(now time.Time) bool {
	return p.RefundedAt == nil && now.Before(p.CreatedAt.Add(RefundWindow))
}

// Ref is the ledger reference of a payment's transfers.
func Ref(id string) string { return "instore:" + id }

type hotlineKey struct{}

// ViaHotline returns ctx under which Pay records the payment as made on
// the hotline from the calling line (whose last four digits the till then
// shows, rather than the payer's login's).
func ViaHotline(ctx context.Context, line string) context.Context {
	return context.WithValue(ctx, hotlineKey{}, line)
}

func errNoShop() error {
	e := models.FieldError("shop", "No shop takes in-store payments under this number.")
	e.Reason = "unknown_shop"
	return e
}

// MyShop returns the seller's shop, or nil when in-store payments were
// never enabled.
//
// Errors: EFORBIDDEN unless actor is a seller.
func (s *Service) MyShop(ctx context.Context, actor models.Actor) (*Shop, error) {
	if !actor.IsSeller() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	return s.shopOf(ctx, s.DB, "i.seller_id = ?", actor.UserID)
}

func (s *Service) shopOf(ctx context.Context, db *gorm.DB, where string, arg any) (*Shop, error) {
	var rows []struct {
		SellerID   int64
		ShopNumber string
		ShopName   string
		Enabled    bool
		CreatedAt  time.Time
	}
	if err := db.WithContext(ctx).Raw(`SELECT i.seller_id, i.shop_number, s.shop_name, i.enabled AND NOT u.frozen AS enabled, i.created_at
		FROM instore_shops i JOIN sellers s ON s.user_id = i.seller_id JOIN users u ON u.id = i.seller_id
		WHERE `+where, arg).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("in-store shop: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	return &Shop{SellerID: r.SellerID, Number: ShopNumber(r.ShopNumber), Name: r.ShopName, Enabled: r.Enabled, CreatedAt: r.CreatedAt}, nil
}

// Enable turns in-store payments on for the seller, giving the shop its
// number the first time (the number stays the shop's when turned off and on).
//
// Errors: EFORBIDDEN unless actor is a seller not frozen.
func (s *Service) Enable(ctx context.Context, actor models.Actor) (*Shop, error) {
	return s.setEnabled(ctx, actor, true)
}

// Disable turns in-store payments off: the shop number pays nothing until
// enabled again. Payments already made stay refundable.
//
// Errors: EFORBIDDEN unless actor is a seller; ECONFLICT when never enabled.
func (s *Service) Disable(ctx context.Context, actor models.Actor) (*Shop, error) {
	return s.setEnabled(ctx, actor, false)
}

func (s *Service) setEnabled(ctx context.Context, actor models.Actor, on bool) (*Shop, error) {
	if !actor.IsSeller() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	if on {
		if err := actor.CanMoveMoney(); err != nil {
			return nil, err
		}
	}
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE instore_shops SET enabled = ?, updated_at = now() WHERE seller_id = ?`, on, actor.UserID)
		if res.Error != nil {
			return res.Error
		}
		action := "instore.disable"
		if on {
			action = "instore.enable"
		}
		if res.RowsAffected == 0 {
			if !on {
				return models.Errorf(models.ECONFLICT, "In-store payments are not enabled.")
			}
			// A fresh number; on the rare clash with another shop's, another.
			for try := 0; ; try++ {
				n := models.NewShopNumber()
				err := tx.Exec(`SAVEPOINT shop_number`).Error
				if err == nil {
					err = tx.Exec(`INSERT INTO instore_shops (seller_id, shop_number) VALUES (?, ?)`, actor.UserID, n).Error
				}
				if store.IsUniqueViolation(err, "instore_shops_shop_number_key") && try < 5 {
					if err := tx.Exec(`ROLLBACK TO SAVEPOINT shop_number`).Error; err != nil {
						return err
					}
					continue
				}
				if err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, &actor, action, userTarget(actor.UserID), map[string]string{"shop_number": n}); err != nil {
					return err
				}
				return nil
			}
		}
		return audit.Record(ctx, tx, &actor, action, userTarget(actor.UserID), nil)
	})
	if err != nil {
		return nil, fmt.Errorf("in-store payments of seller %d: %w", actor.UserID, err)
	}
	return s.MyShop(ctx, actor)
}

func userTarget(id int64) string { return fmt.Sprintf("user:%d", id) }

// Shop returns the shop a number pays, for the payer to confirm its name
// before giving the payment password.
//
// Errors: EINVALID (field shop) for a mistyped number or one no enabled
// shop has; EFORBIDDEN for nobody.
func (s *Service) Shop(ctx context.Context, actor models.Actor, number string) (*Shop, error) {
	if actor.IsNobody() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	n, err := ParseShopNumber(number)
	if err != nil {
		return nil, err
	}
	sh, err := s.shopOf(ctx, s.DB, "i.shop_number = ?", string(n))
	if err != nil {
		return nil, err
	}
	if sh == nil || !sh.Enabled {
		return nil, errNoShop()
	}
	return sh, nil
}

// Limits are what one payment and one day's payments may come to.
type Limits struct {
	MaxPayment models.Money `json:"max_payment"`
	DailyLimit models.Money `json:"daily_limit"`
	// PaidToday is what the payer paid shops today (not refunded); Left
	// what the day's limit leaves.
	PaidToday models.Money `json:"paid_today"`
	Left      models.Money `json:"left_today"`
	// Balance is the payer's wallet.
	Balance models.Money `json:"balance"`
}

// LimitsFor returns the limits as they stand for a payer now.
func (s *Service) LimitsFor(ctx context.Context, payer models.Actor) (Limits, error) {
	v, err := s.Settings.Get(ctx, nil)
	if err != nil {
		return Limits{}, err
	}
	l := Limits{MaxPayment: s.maxPayment(v), DailyLimit: v.InstoreDailyLimit}
	if payer.UserID > 0 {
		if l.PaidToday, err = s.paidToday(ctx, s.DB, payer.UserID); err != nil {
			return Limits{}, err
		}
		if l.Balance, err = ledger.Balance(ctx, s.DB, models.WalletAccount(payer.UserID)); err != nil {
			return Limits{}, err
		}
	}
	l.Left = l.DailyLimit.Sub(l.PaidToday)
	if l.Left.IsNegative() {
		l.Left = models.Zero
	}
	return l, nil
}

func (s *Service) maxPayment(v settings.Values) models.Money {
	if !s.MaxAmount.IsZero() && s.MaxAmount.LessThan(v.InstoreMaxPayment) {
		return s.MaxAmount
	}
	return v.InstoreMaxPayment
}

func dayStart(t time.Time) time.Time {
	t = t.In(models.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, models.Shanghai)
}

func (s *Service) paidToday(ctx context.Context, db *gorm.DB, payerID int64) (models.Money, error) {
	var m models.Money
	if err := db.WithContext(ctx).Raw(`SELECT coalesce(sum(amount), 0) FROM instore_payments
		WHERE payer_id = ? AND refunded_at IS NULL AND created_at >= ?`, payerID, dayStart(s.now())).Row().Scan(&m); err != nil {
		return models.Zero, fmt.Errorf("in-store payments today: %w", err)
	}
	return m, nil
}

// Pay pays amount to the shop with number shop from the payer's wallet,
// with the payer's payment password. idemKey makes it safe to repeat: the
// same key with the same shop and amount returns the first payment
// (Replayed) and moves nothing; with another shop or amount it is refused.
//
// Errors: EFORBIDDEN unless payer is a buyer not frozen; EINVALID (fields
// shop, amount, pay_password) for a mistyped or unknown shop number, an
// amount over a limit, a wrong payment password; EINSUFFICIENT when the
// wallet is short; ELOCKED while payments are locked; ECONFLICT for an
// idempotency key used for another payment.
func (s *Service) Pay(ctx context.Context, payer models.Actor, shop string, amount models.Money, payPassword string, idemKey string) (*Payment, error) {
	idemKey = strings.TrimSpace(idemKey)
	n, err := payInput(payer, shop, amount)
	if err != nil {
		return nil, err
	}
	if idemKey == "" || len(idemKey) > 200 {
		return nil, models.Errorf(models.EINVALID, "A payment needs an idempotency key of 1 to 200 characters.")
	}
	if prior, err := s.replay(ctx, s.DB, payer.UserID, idemKey, n, amount); prior != nil || err != nil {
		return prior, err
	}
	sh, v, err := s.precheck(ctx, payer, n, amount)
	if err != nil {
		return nil, err
	}
	if err := s.PayPasswords.VerifyPayPassword(ctx, payer.UserID, payPassword); err != nil {
		return nil, err
	}
	channel, last4 := ChannelWeb, ""
	if line, ok := ctx.Value(hotlineKey{}).(string); ok && line != "" {
		channel, last4 = ChannelHotline, models.LastFour(line)
	}
	p := &Payment{ID: newID(), SellerID: sh.SellerID, PayerID: payer.UserID, ShopNumber: n, ShopName: sh.Name, Amount: amount,
		Rate: v.InstoreRate, Fee: v.InstoreRate.Of(amount), Channel: channel, CreatedAt: s.now()}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		// One payer's payments one at a time: the day's limit holds.
		var login string
		if err := tx.Raw(`SELECT login FROM users WHERE id = ? FOR UPDATE`, payer.UserID).Row().Scan(&login); err != nil {
			return err
		}
		if prior, err := s.replay(ctx, tx, payer.UserID, idemKey, n, amount); prior != nil || err != nil {
			if prior != nil {
				*p = *prior
			}
			return err
		}
		if err := s.checkDay(ctx, tx, payer.UserID, amount, v.InstoreDailyLimit); err != nil {
			return err
		}
		// The shop, again under the transaction: not disabled meanwhile.
		now, err := s.shopOf(ctx, tx, "i.shop_number = ?", string(n))
		if err != nil {
			return err
		}
		if now == nil || !now.Enabled || now.SellerID != sh.SellerID {
			return errNoShop()
		}
		if last4 == "" {
			last4 = models.LastFour(login)
		}
		p.PayerLast4 = last4
		if err := tx.Exec(`INSERT INTO instore_payments (id, seller_id, payer_id, shop_number, amount, fee, rate, payer_last4, channel,
			idem_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.SellerID, p.PayerID, string(p.ShopNumber), p.Amount, p.Fee,
			p.Rate, p.PayerLast4, p.Channel, idemKey, p.CreatedAt).Error; err != nil {
			return err
		}
		_, err = ledger.Post(ctx, tx, models.Transfer{Key: Ref(p.ID), Kind: KindPay, Ref: Ref(p.ID), Memo: "In-store payment to " + string(p.ShopNumber),
			Postings: payPostings(p)})
		return err
	})
	if models.ErrorCode(err) == models.EINSUFFICIENT {
		return nil, errShort()
	}
	if err != nil {
		if models.AsError(err) != nil {
			return nil, err
		}
		return nil, fmt.Errorf("in-store payment: %w", err)
	}
	return p, nil
}

// Check says, before the payment password is asked for, whether the payer
// could pay amount to the shop now, and returns the shop (its name is what
// the payer confirms). Pay checks all of it again.
//
// Errors: as Pay's, but for the password and the idempotency key.
func (s *Service) Check(ctx context.Context, payer models.Actor, shop string, amount models.Money) (*Shop, error) {
	n, err := payInput(payer, shop, amount)
	if err != nil {
		return nil, err
	}
	sh, _, err := s.precheck(ctx, payer, n, amount)
	return sh, err
}

// payInput checks the payer and reads the shop number and the amount.
func payInput(payer models.Actor, shop string, amount models.Money) (ShopNumber, error) {
	if !payer.IsBuyer() {
		return "", models.Errorf(models.EFORBIDDEN, "Only a buyer's balance pays shops.")
	}
	if err := payer.CanMoveMoney(); err != nil {
		return "", err
	}
	n, nerr := ParseShopNumber(shop)
	var ps []*models.Error
	ps = append(ps, models.AsError(nerr))
	if !amount.IsPositive() {
		ps = append(ps, models.FieldError("amount", "Enter an amount such as 38.50."))
	}
	return n, models.Invalid(ps...)
}

// precheck refuses what could never succeed: an unknown or disabled shop,
// an amount over a limit, a wallet that is short.
func (s *Service) precheck(ctx context.Context, payer models.Actor, n ShopNumber, amount models.Money) (*Shop, settings.Values, error) {
	sh, err := s.shopOf(ctx, s.DB, "i.shop_number = ?", string(n))
	if err != nil {
		return nil, settings.Values{}, err
	}
	if sh == nil || !sh.Enabled {
		return nil, settings.Values{}, errNoShop()
	}
	v, err := s.Settings.Get(ctx, nil)
	if err != nil {
		return nil, v, err
	}
	if max := s.maxPayment(v); amount.GreaterThan(max) {
		return nil, v, models.FieldError("amount", "One in-store payment may be at most %s.", max.Display())
	}
	if err := s.checkDay(ctx, s.DB, payer.UserID, amount, v.InstoreDailyLimit); err != nil {
		return nil, v, err
	}
	if have, err := ledger.Balance(ctx, s.DB, models.WalletAccount(payer.UserID)); err != nil {
		return nil, v, err
	} else if amount.GreaterThan(have) {
		return nil, v, errShort()
	}
	return sh, v, nil
}

func errShort() error {
	return models.Errorf(models.EINSUFFICIENT, "Your balance is not enough for this payment. Top it up first.")
}

// payPostings move the amount out of the payer's wallet: the net to the
// seller's available money, the fee to the platform's fees.
func payPostings(p *Payment) []models.Posting {
	ps := []models.Posting{{Account: models.WalletAccount(p.PayerID), Direction: models.Debit, Amount: p.Amount},
		{Account: models.SellerAvailableAccount(p.SellerID), Direction: models.Credit, Amount: p.Net()}}
	if p.Fee.IsPositive() {
		ps = append(ps, models.Posting{Account: models.AccRevenueFees, Direction: models.Credit, Amount: p.Fee})
	}
	return ps
}

// refundPostings are payPostings reversed, the fee too.
func refundPostings(p *Payment) []models.Posting {
	ps := payPostings(p)
	out := make([]models.Posting, len(ps))
	for i, x := range ps {
		x.Direction = map[models.Direction]models.Direction{models.Debit: models.Credit, models.Credit: models.Debit}[x.Direction]
		out[i] = x
	}
	return out
}

func (s *Service) checkDay(ctx context.Context, db *gorm.DB, payerID int64, amount, limit models.Money) error {
	today, err := s.paidToday(ctx, db, payerID)
	if err != nil {
		return err
	}
	if left := limit.Sub(today); amount.GreaterThan(left) {
		if left.IsNegative() {
			left = models.Zero
		}
		return models.FieldError("amount", "Today you can pay shops at most %s more.", left.Display())
	}
	return nil
}

// replay returns the payment an idempotency key already made, or ECONFLICT
// when it made another one.
func (s *Service) replay(ctx context.Context, db *gorm.DB, payerID int64, key string, n ShopNumber, amount models.Money) (*Payment, error) {
	list, err := s.list(ctx, db, "p.payer_id = ? AND p.idem_key = ?", payerID, key)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	p := list[0]
	if p.ShopNumber != n || !p.Amount.Equal(amount) {
		return nil, models.Errorf(models.ECONFLICT, "This idempotency key was used for another payment.")
	}
	p.Replayed = true
	return &p, nil
}

func (s *Service) list(ctx context.Context, db *gorm.DB, where string, args ...any) ([]Payment, error) {
	var rows []struct {
		ID, ShopNumber, ShopName, PayerLast4, Channel string
		SellerID, PayerID                             int64
		Amount, Fee                                   models.Money
		Rate                                          models.Rate
		CreatedAt                                     time.Time
		RefundedAt                                    *time.Time
	}
	if err := db.WithContext(ctx).Raw(`SELECT p.id, p.shop_number, s.shop_name, p.payer_last4, p.channel, p.seller_id, p.payer_id,
			p.amount, p.fee, p.rate, p.created_at, p.refunded_at
		FROM instore_payments p JOIN sellers s ON s.user_id = p.seller_id
		WHERE `+where+` ORDER BY p.created_at DESC, p.id DESC LIMIT 500`, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("in-store payments: %w", err)
	}
	out := make([]Payment, 0, len(rows))
	for _, r := range rows {
		out = append(out, Payment{ID: r.ID, SellerID: r.SellerID, PayerID: r.PayerID, ShopNumber: ShopNumber(r.ShopNumber), ShopName: r.ShopName,
			Amount: r.Amount, Fee: r.Fee, Rate: r.Rate, PayerLast4: r.PayerLast4, Channel: r.Channel, CreatedAt: r.CreatedAt, RefundedAt: r.RefundedAt})
	}
	return out, nil
}

// Get returns one payment, to its payer, its shop's seller or an operator.
//
// Errors: ENOTFOUND for a payment the actor may not see.
func (s *Service) Get(ctx context.Context, actor models.Actor, id string) (*Payment, error) {
	list, err := s.list(ctx, s.DB, "p.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || !(actor.IsOperator() || actor.UserID > 0 && (list[0].PayerID == actor.UserID || list[0].SellerID == actor.UserID)) {
		return nil, models.Errorf(models.ENOTFOUND, "No such in-store payment.")
	}
	return &list[0], nil
}

// Refund gives an in-store payment back, whole and once, within
// RefundWindow, with the seller's payment password: the seller's net and
// the platform's fee return to the payer's wallet in one transfer.
//
// Errors: ENOTFOUND unless the payment is the seller's; ECONFLICT when
// already refunded or too late; EINSUFFICIENT when the seller's available
// money no longer covers it; EINVALID (pay_password); ELOCKED.
func (s *Service) Refund(ctx context.Context, actor models.Actor, id string, payPassword string) (*Payment, error) {
	if !actor.IsSeller() {
		return nil, models.Errorf(models.ENOTFOUND, "No such in-store payment.")
	}
	if err := actor.CanMoveMoney(); err != nil {
		return nil, err
	}
	p, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := s.refundable(p); err != nil {
		return nil, err
	}
	if have, err := ledger.Balance(ctx, s.DB, models.SellerAvailableAccount(actor.UserID)); err != nil {
		return nil, err
	} else if p.Net().GreaterThan(have) {
		return nil, errSellerShort()
	}
	if err := s.PayPasswords.VerifyPayPassword(ctx, actor.UserID, payPassword); err != nil {
		return nil, err
	}
	now := s.now()
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var refunded *time.Time
		if err := tx.Raw(`SELECT refunded_at FROM instore_payments WHERE id = ? FOR UPDATE`, id).Row().Scan(&refunded); err != nil {
			return err
		}
		p.RefundedAt = refunded
		if err := s.refundable(p); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE instore_payments SET refunded_at = ?, refunded_by = ? WHERE id = ?`, now, actor.UserID, id).Error; err != nil {
			return err
		}
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: Ref(p.ID) + ":refund", Kind: KindRefund, Ref: Ref(p.ID),
			Memo: "Refund of in-store payment " + p.ID, Postings: refundPostings(p)}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, "instore.refund", Ref(p.ID), map[string]string{"amount": p.Amount.String()})
	})
	if models.ErrorCode(err) == models.EINSUFFICIENT {
		return nil, errSellerShort()
	}
	if err != nil {
		if models.AsError(err) != nil {
			return nil, err
		}
		return nil, fmt.Errorf("refund in-store payment %s: %w", id, err)
	}
	p.RefundedAt = &now
	return p, nil
}

func errSellerShort() error {
	return models.Errorf(models.EINSUFFICIENT, "Your available money no longer covers this refund.")
}

func (s *Service) refundable(p *Payment) error {
	if p.RefundedAt != nil {
		return models.Errorf(models.ECONFLICT, "This payment was already refunded.")
	}
	if !p.Refundable(s.now()) {
		return models.Errorf(models.ECONFLICT, "An in-store payment can be refunded within 24 hours only.")
	}
	return nil
}

// Till is the seller's till: the shop and the day's payments, newest first.
type Till struct {
	Shop     *Shop
	Day      time.Time // the day's start, Asia/Shanghai
	Payments []Payment
	// Total is what the day's payments not refunded came to; Count how
	// many they were.
	Total models.Money
	Count int
	Now   time.Time
}

// TillOf returns the seller's payments of today (Asia/Shanghai).
//
// Errors: EFORBIDDEN unless actor is a seller.
func (s *Service) TillOf(ctx context.Context, actor models.Actor) (*Till, error) {
	sh, err := s.MyShop(ctx, actor)
	if err != nil {
		return nil, err
	}
	now := s.now()
	t := &Till{Shop: sh, Day: dayStart(now), Now: now}
	if t.Payments, err = s.list(ctx, s.DB, "p.seller_id = ? AND p.created_at >= ?", actor.UserID, t.Day); err != nil {
		return nil, err
	}
	for _, p := range t.Payments {
		if p.RefundedAt == nil {
			t.Total = t.Total.Add(p.Amount)
			t.Count++
		}
	}
	return t, nil
}

// Mine returns the payer's in-store payments, newest first (at most 20).
//
// Errors: EFORBIDDEN unless actor is a buyer.
func (s *Service) Mine(ctx context.Context, actor models.Actor) ([]Payment, error) {
	if !actor.IsBuyer() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	list, err := s.list(ctx, s.DB, "p.payer_id = ?", actor.UserID)
	if len(list) > 20 {
		list = list[:20]
	}
	return list, err
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "IS" + strings.ToUpper(hex.EncodeToString(b))
}
