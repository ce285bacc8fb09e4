// Package instore is in-store (face-to-face) payments: a seller enables
// them and gets a shop number with a check digit, printed on a counter card;
// a payer pays that number, with the payment password, on the web or on the
// hotline, from the wallet or as a fixed-line charge to the payer's bound
// landline. The seller sees it on the till page and may refund it, whole and
// once, within RefundWindow, with the seller's payment password.
//
// # Where the money goes
//
// From the wallet: straight to the seller's available money (no escrow: the
// goods are handed over at the counter), less the in-store rate, which goes
// to the platform's fees, in one ledger transfer instore:<id>; a refund
// reverses it to the wallet (instore:<id>:refund).
//
// By landline (app/telecom's charge path, with its credit rules, consent and
// front-end contract): the payment is recorded "charging" with a charge of
// the line in the same transaction, the charge is sent after the commit,
// and when the phone company accepts it (a work order) telecom:receivable
// pays the seller's pending money and the fee (instore:<id>), as the
// release of an order paid by charge does: the seller's part becomes
// available when the operator collects the bill (or is advanced, 垫资). A
// refusal marks the payment refused (nothing moved). A refund takes the
// seller's part back from pending (and from available for what was collected
// or advanced) and the fee, to telecom:receivable, and the charge is
// cancelled at the front-end (or credited on the bill once billed): it never
// goes to the wallet.
//
// Limits (operators' settings instore.*): one payment at most
// InstoreMaxPayment (and the platform's MAX_AMOUNT), one payer's payments
// of a day (Asia/Shanghai) at most InstoreDailyLimit, refunded and refused
// ones not counted, whichever the method. A payer's payments run one at a
// time (a row lock on the payer), so the daily limit and the wallet hold
// under concurrent payments; a charge also locks the line's row (its
// credit). The payment password is checked before any lock is taken, with
// the lockout of auth.VerifyPayPassword; what could never succeed (a wrong
// shop number, an amount over a limit, a short wallet, a line that cannot
// be charged) is refused before it is checked.
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
	"lineescrow/app/telecom"
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

// Method is how a payment is paid.
type Method string

// Methods of paying a shop.
const (
	MethodWallet   Method = "wallet"   // from the payer's balance
	MethodLandline Method = "landline" // charged to the payer's bound landline
)

// ParseMethod reads a method ("" is the wallet).
//
// Errors: EINVALID on field "method".
func ParseMethod(s string) (Method, error) {
	switch Method(strings.TrimSpace(s)) {
	case "", MethodWallet:
		return MethodWallet, nil
	case MethodLandline:
		return MethodLandline, nil
	}
	return "", models.FieldError("method", "Choose how to pay: your balance or your landline's phone bill.")
}

// States of a payment.
const (
	StateCharging = "charging" // charged to the landline; the phone company has not answered yet
	StatePaid     = "paid"     // from the wallet, or the phone company accepted the charge
	StateRefused  = "refused"  // the phone company refused the charge; nothing moved
)

// ReasonChargeRefused is the reason of the error a refused charge gives: the
// idempotency key that asked for it paid nothing, and another key may pay
// another way.
const ReasonChargeRefused = "charge_refused"

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
	// Telecom charges payments to landlines (nil: only the wallet pays).
	Telecom *telecom.Service
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
	Method     Method       `json:"method" enum:"wallet,landline"`
	State      string       `json:"state" enum:"charging,paid,refused"`
	// Line is the landline charged, masked ("" for the wallet).
	Line       string     `json:"line,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	RefundedAt *time.Time `json:"refunded_at"`
	// Replayed: the idempotency key was used before for this payment;
	// nothing moved this time.
	Replayed bool `json:"-"`
}

// Net is what the seller keeps.
func (p *Payment) Net() models.Money { return p.Amount.Sub(p.Fee) }

// Refundable reports whether the seller may still refund p at now.
func (p *Payment) Refundable(now time.Time) bool {
	return p.State == StatePaid && p.RefundedAt == nil && now.Before(p.CreatedAt.Add(RefundWindow))
}

// Counts reports whether p counts as received: paid and not refunded.
func (p *Payment) Counts() bool { return p.State == StatePaid && p.RefundedAt == nil }

// Ref is the ledger reference of a payment's transfers.
func Ref(id string) string { return models.InstoreRef(id) }

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
		WHERE payer_id = ? AND refunded_at IS NULL AND state <> 'refused' AND created_at >= ?`, payerID, dayStart(s.now())).Row().Scan(&m); err != nil {
		return models.Zero, fmt.Errorf("in-store payments today: %w", err)
	}
	return m, nil
}

// Pay pays amount to the shop with number shop, by method (from the
// payer's wallet, or charged to the payer's bound landline), with the
// payer's payment password. idemKey makes it safe to repeat: the same key
// with the same shop, amount and method returns the first payment
// (Replayed) and moves nothing (a refused charge's refusal again); with
// another shop, amount or method it is refused.
//
// A landline payment is recorded with its charge, committed, then sent to
// the phone company: it comes back paid (the charge was accepted), or
// charging when the phone company did not answer in time (the charge's job
// asks again with the same charge id and never charges twice); a refusal
// is an ECONFLICT with reason ReasonChargeRefused (the payment is kept,
// refused, and moved nothing).
//
// Errors: EFORBIDDEN unless payer is a buyer not frozen; EINVALID (fields
// shop, amount, method, pay_password) for a mistyped or unknown shop
// number, an amount over a limit, a wrong payment password; EINSUFFICIENT
// when the wallet (or the line's credit) is short; ECONFLICT for an
// idempotency key used for another payment, a line that cannot be charged,
// the phone company's refusal; ERATELIMIT (the line's charges of the day);
// EUNAVAILABLE (the phone company did not answer its lookup); ELOCKED while
// payments are locked.
func (s *Service) Pay(ctx context.Context, payer models.Actor, shop string, amount models.Money, method Method, payPassword string, idemKey string) (*Payment, error) {
	idemKey = strings.TrimSpace(idemKey)
	n, err := payInput(payer, shop, amount)
	if err != nil {
		return nil, err
	}
	if method, err = ParseMethod(string(method)); err != nil {
		return nil, err
	}
	if idemKey == "" || len(idemKey) > 200 {
		return nil, models.Errorf(models.EINVALID, "A payment needs an idempotency key of 1 to 200 characters.")
	}
	if prior, err := s.replay(ctx, s.DB, payer.UserID, idemKey, n, amount, method); prior != nil || err != nil {
		return prior, err
	}
	sh, v, line, err := s.precheck(ctx, payer, n, amount, method, true)
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
		Rate: v.InstoreRate, Fee: v.InstoreRate.Of(amount), Channel: channel, Method: method, State: StatePaid, CreatedAt: s.now()}
	if method == MethodLandline {
		p.State = StateCharging
	}
	var chargeID string
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		chargeID = ""
		// One payer's payments one at a time: the day's limit holds.
		var login string
		if err := tx.Raw(`SELECT login FROM users WHERE id = ? FOR UPDATE`, payer.UserID).Row().Scan(&login); err != nil {
			return err
		}
		if prior, err := s.replay(ctx, tx, payer.UserID, idemKey, n, amount, method); prior != nil || err != nil {
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
			idem_key, created_at, method, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.SellerID, p.PayerID, string(p.ShopNumber), p.Amount, p.Fee,
			p.Rate, p.PayerLast4, p.Channel, idemKey, p.CreatedAt, string(p.Method), p.State).Error; err != nil {
			return err
		}
		if method == MethodLandline {
			c, err := s.Telecom.RecordPurchase(ctx, tx, line, telecom.Purchase{InstorePaymentID: p.ID, BuyerID: p.PayerID, SellerID: p.SellerID,
				Amount: p.Amount, MerchantName: sh.Name, Description: "LineEscrow in-store payment " + p.ID + " at " + sh.Name})
			if err != nil {
				return err
			}
			chargeID = c.ID
			return nil
		}
		_, err = ledger.Post(ctx, tx, models.Transfer{Key: Ref(p.ID), Kind: KindPay, Ref: Ref(p.ID), Memo: "In-store payment to " + string(p.ShopNumber),
			Postings: payPostings(p, models.WalletAccount(p.PayerID), models.SellerAvailableAccount(p.SellerID))})
		return err
	})
	if models.ErrorCode(err) == models.EINSUFFICIENT && method == MethodWallet {
		return nil, errShort()
	}
	if err != nil {
		if models.AsError(err) != nil {
			return nil, err
		}
		return nil, fmt.Errorf("in-store payment: %w", err)
	}
	if chargeID == "" {
		return p, nil // from the wallet, or a replay
	}
	if err := s.Telecom.SendCharge(ctx, chargeID); err != nil {
		return nil, refusedErr(err)
	}
	return s.get(ctx, p.ID)
}

// refusedErr is the phone company's refusal of a payment's charge, for the
// payer: its key paid nothing, another key may pay another way.
func refusedErr(err error) error {
	e := models.AsError(err)
	if e == nil {
		return err
	}
	out := *e
	out.Reason = ReasonChargeRefused
	return &out
}

func (s *Service) get(ctx context.Context, id string) (*Payment, error) {
	list, err := s.list(ctx, s.DB, "p.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("in-store payment %s vanished", id)
	}
	return &list[0], nil
}

// Quote is what Check found: the shop and the methods that can pay.
type Quote struct {
	Shop *Shop
	// Wallet is nil when the balance pays the amount, else why not.
	Wallet error
	// Landline is nil when the payer's bound line can be charged the amount
	// (then Line is its number, digits), else why not.
	Landline error
	Line     string
}

// Methods are the methods that can pay, the wallet first.
func (q *Quote) Methods() []Method {
	var out []Method
	if q.Wallet == nil {
		out = append(out, MethodWallet)
	}
	if q.Landline == nil {
		out = append(out, MethodLandline)
	}
	return out
}

// Check says, before the payment password is asked for, whether the payer
// could pay amount to the shop now and by which methods, and returns the
// shop (its name is what the payer confirms). What the platform last heard
// of the line is judged (Pay asks the phone company again). Pay checks all
// of it again.
//
// Errors: as Pay's, but for the password and the idempotency key; when
// neither method can pay, the wallet's refusal (EINSUFFICIENT).
func (s *Service) Check(ctx context.Context, payer models.Actor, shop string, amount models.Money) (*Quote, error) {
	n, err := payInput(payer, shop, amount)
	if err != nil {
		return nil, err
	}
	sh, _, _, err := s.precheck(ctx, payer, n, amount, "", false)
	if err != nil {
		return nil, err
	}
	q := &Quote{Shop: sh}
	if _, _, _, q.Wallet = s.precheck(ctx, payer, n, amount, MethodWallet, false); q.Wallet != nil && models.AsError(q.Wallet) == nil {
		return nil, q.Wallet
	}
	var line *models.Landline
	q.Landline = models.Errorf(models.ECONFLICT, "Bind your landline first: then payments can be charged to its phone bill.")
	if s.Telecom != nil {
		if _, _, line, q.Landline = s.precheck(ctx, payer, n, amount, MethodLandline, false); q.Landline != nil && models.AsError(q.Landline) == nil {
			return nil, q.Landline
		}
	}
	if line != nil && q.Landline == nil {
		q.Line = line.Phone
	}
	if len(q.Methods()) == 0 {
		return nil, q.Wallet
	}
	return q, nil
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
// an amount over a limit; by the wallet a wallet that is short, by landline
// a line that cannot be charged it (fresh: asking the phone company for the
// line's standing first). method "" checks neither.
func (s *Service) precheck(ctx context.Context, payer models.Actor, n ShopNumber, amount models.Money, method Method, fresh bool) (*Shop, settings.Values, *models.Landline, error) {
	sh, err := s.shopOf(ctx, s.DB, "i.shop_number = ?", string(n))
	if err != nil {
		return nil, settings.Values{}, nil, err
	}
	if sh == nil || !sh.Enabled {
		return nil, settings.Values{}, nil, errNoShop()
	}
	v, err := s.Settings.Get(ctx, nil)
	if err != nil {
		return nil, v, nil, err
	}
	if max := s.maxPayment(v); amount.GreaterThan(max) {
		return nil, v, nil, models.FieldError("amount", "One in-store payment may be at most %s.", max.Display())
	}
	if err := s.checkDay(ctx, s.DB, payer.UserID, amount, v.InstoreDailyLimit); err != nil {
		return nil, v, nil, err
	}
	switch method {
	case MethodWallet:
		if have, err := ledger.Balance(ctx, s.DB, models.WalletAccount(payer.UserID)); err != nil {
			return nil, v, nil, err
		} else if amount.GreaterThan(have) {
			return nil, v, nil, errShort()
		}
	case MethodLandline:
		if s.Telecom == nil {
			return nil, v, nil, models.Errorf(models.ECONFLICT, "Paying shops by phone bill is not available.")
		}
		l, err := s.Telecom.PurchaseLine(ctx, payer, sh.SellerID, amount, fresh)
		if err != nil {
			return nil, v, nil, err
		}
		return sh, v, l, nil
	}
	return sh, v, nil, nil
}

func errShort() error {
	return models.Errorf(models.EINSUFFICIENT, "Your balance is not enough for this payment. Top it up first.")
}

// payPostings move the amount out of from (the payer's wallet, or
// telecom:receivable for a charge): the net to the seller's account to (the
// available money, or the pending money until the phone company collects),
// the fee to the platform's fees.
func payPostings(p *Payment, from, to string) []models.Posting {
	ps := []models.Posting{{Account: from, Direction: models.Debit, Amount: p.Amount},
		{Account: to, Direction: models.Credit, Amount: p.Net()}}
	if p.Fee.IsPositive() {
		ps = append(ps, models.Posting{Account: models.AccRevenueFees, Direction: models.Credit, Amount: p.Fee})
	}
	return ps
}

// reversed turns postings around.
func reversed(ps []models.Posting) []models.Posting {
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

// replay returns the payment an idempotency key already made (a refused
// charge's refusal again), or ECONFLICT when it made another one.
func (s *Service) replay(ctx context.Context, db *gorm.DB, payerID int64, key string, n ShopNumber, amount models.Money, method Method) (*Payment, error) {
	list, err := s.list(ctx, db, "p.payer_id = ? AND p.idem_key = ?", payerID, key)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	p := list[0]
	if p.ShopNumber != n || !p.Amount.Equal(amount) || p.Method != method {
		return nil, models.Errorf(models.ECONFLICT, "This idempotency key was used for another payment.")
	}
	if p.State == StateRefused {
		e := models.Errorf(models.ECONFLICT, "The phone company refused to charge this payment to your landline. Pay another way.")
		e.Reason = ReasonChargeRefused
		return nil, e
	}
	p.Replayed = true
	return &p, nil
}

func (s *Service) list(ctx context.Context, db *gorm.DB, where string, args ...any) ([]Payment, error) {
	var rows []struct {
		ID, ShopNumber, ShopName, PayerLast4, Channel, Method, State, Line string
		SellerID, PayerID                                                  int64
		Amount, Fee                                                        models.Money
		Rate                                                               models.Rate
		CreatedAt                                                          time.Time
		RefundedAt                                                         *time.Time
	}
	if err := db.WithContext(ctx).Raw(`SELECT p.id, p.shop_number, s.shop_name, p.payer_last4, p.channel, p.method, p.state,
			coalesce(c.phone, '') AS line, p.seller_id, p.payer_id, p.amount, p.fee, p.rate, p.created_at, p.refunded_at
		FROM instore_payments p JOIN sellers s ON s.user_id = p.seller_id LEFT JOIN telecom_charges c ON c.instore_payment_id = p.id
		WHERE `+where+` ORDER BY p.created_at DESC, p.id DESC LIMIT 500`, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("in-store payments: %w", err)
	}
	out := make([]Payment, 0, len(rows))
	for _, r := range rows {
		p := Payment{ID: r.ID, SellerID: r.SellerID, PayerID: r.PayerID, ShopNumber: ShopNumber(r.ShopNumber), ShopName: r.ShopName,
			Amount: r.Amount, Fee: r.Fee, Rate: r.Rate, PayerLast4: r.PayerLast4, Channel: r.Channel, Method: Method(r.Method), State: r.State,
			CreatedAt: r.CreatedAt, RefundedAt: r.RefundedAt}
		if r.Line != "" {
			p.Line = models.MaskLandline(r.Line)
		}
		out = append(out, p)
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
// RefundWindow, with the seller's payment password, the way it came: the
// seller's net and the platform's fee return, in one transfer, to the
// payer's wallet; for a landline payment to telecom:receivable (the
// seller's part from pending money still waiting for the collection, the
// rest from available), and the charge is cancelled at the phone company
// (or credited on the bill once billed).
//
// Errors: ENOTFOUND unless the payment is the seller's; ECONFLICT when
// already refunded, too late, or not paid (a charge not accepted);
// EINSUFFICIENT when the seller's available money no longer covers it;
// EINVALID (pay_password); ELOCKED.
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
	// What the seller's available money must cover: all of the net from the
	// wallet; from a charge what is no longer pending.
	need, chargeID := p.Net(), ""
	if p.Method == MethodLandline {
		c, err := s.Telecom.PurchaseCharge(ctx, s.DB, p.ID)
		if err != nil {
			return nil, err
		}
		if c == nil {
			return nil, fmt.Errorf("in-store payment %s has no charge", p.ID)
		}
		plan, err := s.Telecom.PlanPurchaseRefund(ctx, c.ID, p.Net())
		if err != nil {
			return nil, err
		}
		need, chargeID = plan.FromAvailable, c.ID
	}
	if have, err := ledger.Balance(ctx, s.DB, models.SellerAvailableAccount(actor.UserID)); err != nil {
		return nil, err
	} else if need.GreaterThan(have) {
		return nil, errSellerShort()
	}
	if err := s.PayPasswords.VerifyPayPassword(ctx, actor.UserID, payPassword); err != nil {
		return nil, err
	}
	now := s.now()
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var row struct {
			RefundedAt *time.Time
			State      string
		}
		if err := tx.Raw(`SELECT refunded_at, state FROM instore_payments WHERE id = ? FOR UPDATE`, id).Scan(&row).Error; err != nil {
			return err
		}
		p.RefundedAt, p.State = row.RefundedAt, row.State
		if err := s.refundable(p); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE instore_payments SET refunded_at = ?, refunded_by = ? WHERE id = ?`, now, actor.UserID, id).Error; err != nil {
			return err
		}
		ps := reversed(payPostings(p, models.WalletAccount(p.PayerID), models.SellerAvailableAccount(p.SellerID)))
		if chargeID != "" {
			plan, err := s.Telecom.RefundPurchase(ctx, tx, chargeID, p.Net())
			if err != nil {
				return err
			}
			ps = refundToLine(p, plan)
		}
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: Ref(p.ID) + ":refund", Kind: KindRefund, Ref: Ref(p.ID),
			Memo: "Refund of in-store payment " + p.ID, Postings: ps}); err != nil {
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

// refundToLine are the postings of a landline payment's refund: the
// seller's part from where the plan says, the fee, to where it says.
func refundToLine(p *Payment, plan telecom.PurchaseRefund) []models.Posting {
	var ps []models.Posting
	for _, x := range []struct {
		acc string
		amt models.Money
	}{{models.SellerPendingAccount(p.SellerID), plan.FromPending}, {models.SellerAvailableAccount(p.SellerID), plan.FromAvailable},
		{models.AccRevenueFees, p.Fee}} {
		if x.amt.IsPositive() {
			ps = append(ps, models.Posting{Account: x.acc, Direction: models.Debit, Amount: x.amt})
		}
	}
	return append(ps, models.Posting{Account: plan.To, Direction: models.Credit, Amount: p.Amount})
}

// ChargeAccepted is telecom.Purchases': the phone company accepted the
// charge of a landline payment, so telecom:receivable pays the seller's
// pending money (available once the operator collects the bill) and the
// fee, and the payment is paid. The caller holds the charge's lock.
//
// Errors: ECONFLICT when the payment is not waiting for its charge.
func (s *Service) ChargeAccepted(ctx context.Context, tx *gorm.DB, c *models.Charge) (models.Money, error) {
	var state []string
	if err := tx.WithContext(ctx).Raw(`SELECT state FROM instore_payments WHERE id = ? FOR UPDATE`, *c.InstorePaymentID).Scan(&state).Error; err != nil {
		return models.Zero, err
	}
	if len(state) == 0 || state[0] != StateCharging {
		return models.Zero, models.Errorf(models.ECONFLICT, "In-store payment %s is not waiting for its charge.", *c.InstorePaymentID)
	}
	list, err := s.list(ctx, tx, "p.id = ?", *c.InstorePaymentID)
	if err != nil {
		return models.Zero, err
	}
	p := &list[0]
	if !p.Amount.Equal(c.Amount) {
		return models.Zero, models.Errorf(models.ECONFLICT, "In-store payment %s is not of the charge's amount.", p.ID)
	}
	if err := tx.Exec(`UPDATE instore_payments SET state = ? WHERE id = ?`, StatePaid, p.ID).Error; err != nil {
		return models.Zero, err
	}
	if _, err := ledger.Post(ctx, tx, models.Transfer{Key: Ref(p.ID), Kind: KindPay, Ref: Ref(p.ID), Memo: "In-store payment to " + string(p.ShopNumber),
		Postings: payPostings(p, models.AccTelecomReceivable, models.SellerPendingAccount(p.SellerID))}); err != nil {
		return models.Zero, err
	}
	return p.Net(), nil
}

// ChargeRefused is telecom.Purchases': the phone company refused the charge
// of a landline payment; nothing moved.
func (s *Service) ChargeRefused(ctx context.Context, tx *gorm.DB, c *models.Charge) error {
	return tx.WithContext(ctx).Exec(`UPDATE instore_payments SET state = ? WHERE id = ? AND state = ?`, StateRefused, *c.InstorePaymentID, StateCharging).Error
}

func errSellerShort() error {
	return models.Errorf(models.EINSUFFICIENT, "Your available money no longer covers this refund.")
}

func (s *Service) refundable(p *Payment) error {
	if p.RefundedAt != nil {
		return models.Errorf(models.ECONFLICT, "This payment was already refunded.")
	}
	if p.State != StatePaid {
		return models.Errorf(models.ECONFLICT, "The phone company has not accepted this payment, so there is nothing to refund.")
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
		if p.Counts() {
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
