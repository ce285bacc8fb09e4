package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/orders"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Trade is a merchant's gateway trade: the order it became, and what the
// merchant asked for beyond the order.
type Trade struct {
	TradeNo    string
	MerchantID int64
	OutTradeNo string
	// Fingerprint is the SHA-256 of the normalised content of its
	// trade.create: the same out_trade_no with the same content is the same
	// trade.
	Fingerprint []byte
	OrderID     int64
	Body        string
	NotifyURL   string
	ReturnURL   string
	TimeoutSecs int64
	CreatedAt   time.Time
}

// TableName is the trades' table.
func (Trade) TableName() string { return "gateway_trades" }

// Trade statuses, Alipay's words for the order states.
const (
	WaitBuyerPay          = "WAIT_BUYER_PAY"           // awaiting_payment
	TradeSuccess          = "TRADE_SUCCESS"            // paid: the money is held in escrow
	WaitBuyerConfirmGoods = "WAIT_BUYER_CONFIRM_GOODS" // shipped, still held
	TradeFinished         = "TRADE_FINISHED"           // completed: released to the seller (less any refund)
	TradeClosed           = "TRADE_CLOSED"             // closed: never paid, or refunded in full
)

// TradeStatus is an order's state in Alipay's words.
func TradeStatus(o models.Order) string {
	switch o.State {
	case models.Paid:
		return TradeSuccess
	case models.Shipped:
		return WaitBuyerConfirmGoods
	case models.Completed:
		return TradeFinished
	case models.Closed:
		return TradeClosed
	}
	return WaitBuyerPay
}

// outNoRE is what a merchant's own numbers (out_trade_no, out_request_no)
// may be.
var outNoRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Timeouts of trade.create.
const (
	MinTimeout = time.Minute
	MaxTimeout = 15 * 24 * time.Hour
)

// ParseTimeout reads a timeout_express: a whole number of minutes (m), hours
// (h) or days (d), from 1m to 15d.
func ParseTimeout(v string) (time.Duration, error) {
	bad := models.FieldError("timeout_express", "The timeout must be a whole number of minutes, hours or days (30m, 2h, 3d), from 1m to 15d.")
	if len(v) < 2 || len(v) > 6 {
		return 0, bad
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	if err != nil || n <= 0 || v[0] == '+' || v[0] == '0' {
		return 0, bad
	}
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[v[len(v)-1]]
	if unit == 0 {
		return 0, bad
	}
	d := time.Duration(n) * unit
	if d < MinTimeout || d > MaxTimeout {
		return 0, bad
	}
	return d, nil
}

// tradeInput is a validated trade.create.
type tradeInput struct {
	OutTradeNo, Subject, Body, NotifyURL, ReturnURL string
	Amount                                          models.Money
	Timeout                                         time.Duration
	Consignee                                       models.Checkout
	fingerprint                                     []byte
}

// parseCreate validates a trade.create, every problem at once.
func (s *Service) parseCreate(m *Merchant, p map[string]string, defaultTimeout time.Duration) (*tradeInput, error) {
	var ps []*models.Error
	keep := models.Collector[string](&ps)
	in := &tradeInput{OutTradeNo: p["out_trade_no"], Timeout: defaultTimeout}
	if !outNoRE.MatchString(in.OutTradeNo) {
		ps = append(ps, models.FieldError("out_trade_no", "The out_trade_no must be 1 to 64 letters, digits, underscores or dashes."))
	}
	in.Subject = keep(models.CheckName("subject", p["subject"], 100))
	if b := strings.TrimSpace(p["body"]); b != "" {
		in.Body = keep(models.CheckName("body", b, 400))
	}
	amount, err := models.ParseAmount(strings.TrimSpace(p["total_amount"]), s.MaxAmount)
	if err != nil {
		ps = append(ps, models.AsError(models.WithField(err, "total_amount")))
	}
	in.Amount = amount
	if v := p["timeout_express"]; v != "" {
		d, err := ParseTimeout(v)
		if err != nil {
			ps = append(ps, models.AsError(err))
		}
		in.Timeout = d
	}
	switch notify := strings.TrimSpace(p["notify_url"]); {
	case notify != "":
		in.NotifyURL = keep(checkNotifyURL("notify_url", notify, s.Demo))
	case m.NotifyURL != "":
		in.NotifyURL = m.NotifyURL
	default:
		ps = append(ps, models.FieldError("notify_url", "Give a notify_url, or set your shop's default notify URL on the gateway page."))
	}
	if r := strings.TrimSpace(p["return_url"]); r != "" {
		in.ReturnURL = keep(checkReturnURL("return_url", r, m.ReturnHosts))
	}
	c := models.Checkout{Quantity: 1, ConsigneeName: p["consignee_name"], ConsigneePhone: p["consignee_phone"], ConsigneeAddress: p["consignee_address"]}
	if c.ConsigneeName != "" || c.ConsigneePhone != "" || c.ConsigneeAddress != "" {
		if err := c.Validate(); err != nil {
			e := models.AsError(err)
			if len(e.Fields) > 0 {
				ps = append(ps, e.Fields...)
			} else {
				ps = append(ps, e)
			}
		}
		in.Consignee = c
	}
	if err := models.Invalid(ps...); err != nil {
		return nil, err
	}
	// What the merchant asked for, normalised: the amount as fen, the
	// timeout as given (empty: the default), the notify URL as given.
	h := sha256.New()
	for _, v := range []string{in.OutTradeNo, in.Subject, in.Body, in.Amount.String(), p["timeout_express"], strings.TrimSpace(p["notify_url"]),
		in.ReturnURL, in.Consignee.ConsigneeName, in.Consignee.ConsigneePhone, in.Consignee.ConsigneeAddress} {
		fmt.Fprintf(h, "%d:%s\n", len(v), v)
	}
	in.fingerprint = h.Sum(nil)
	return in, nil
}

// errReplay rolls back a trade.create whose out_trade_no exists.
var errReplay = errors.New("out_trade_no exists")

// tradeCreate is the method trade.create.
func (s *Service) tradeCreate(ctx context.Context, m *Merchant, actor models.Actor, p map[string]string) (map[string]string, error) {
	vals, err := s.Settings.Get(ctx, nil)
	if err != nil {
		return nil, err
	}
	in, err := s.parseCreate(m, p, vals.Timers.UnpaidClose)
	if err != nil {
		return nil, err
	}
	var tr *Trade
	var o *models.Order
	for attempt := 0; ; attempt++ {
		tr, o, err = s.createTrade(ctx, m, actor, in)
		if !store.IsUniqueViolation(err, "gateway_trades_pkey") || attempt == 3 {
			break // a new trade number on the rare collision
		}
	}
	if errors.Is(err, errReplay) {
		if tr, err = s.tradeBy(ctx, s.DB, m, "", in.OutTradeNo); err != nil {
			return nil, err
		}
		if !bytes.Equal(tr.Fingerprint, in.fingerprint) {
			return nil, fail(OutTradeNoUsed, "The out_trade_no %s names a trade with other content: give each trade its own number.", in.OutTradeNo)
		}
		if o, err = s.Orders.Get(ctx, actor, tr.OrderID); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("trade.create: %w", err)
	}
	f := tradeFields(tr, o)
	f["cashier_url"] = s.CashierURL(tr.TradeNo)
	return f, nil
}

// createTrade records the trade and creates its order, in one transaction;
// errReplay when the out_trade_no exists (nothing is kept).
func (s *Service) createTrade(ctx context.Context, m *Merchant, actor models.Actor, in *tradeInput) (*Trade, *models.Order, error) {
	tr := &Trade{TradeNo: newTradeNo(s.now()), MerchantID: m.ID, OutTradeNo: in.OutTradeNo, Fingerprint: in.fingerprint, Body: in.Body,
		NotifyURL: in.NotifyURL, ReturnURL: in.ReturnURL, TimeoutSecs: int64(in.Timeout / time.Second), CreatedAt: s.now()}
	var o *models.Order
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var err error
		o, err = s.Orders.CreateForTrade(ctx, tx, actor, orders.TradeOrder{Title: in.Subject, Amount: in.Amount,
			ConsigneeName: in.Consignee.ConsigneeName, ConsigneePhone: in.Consignee.ConsigneePhone, ConsigneeAddress: in.Consignee.ConsigneeAddress,
			UnpaidClose: in.Timeout, Detail: map[string]any{"trade_no": tr.TradeNo, "out_trade_no": tr.OutTradeNo, "app_id": m.AppID}})
		if err != nil {
			return err
		}
		tr.OrderID = o.ID
		// Two creates of one out_trade_no: the second waits here for the
		// first to commit, then inserts nothing and rolls its order back.
		var made []string
		if err := tx.Raw(`INSERT INTO gateway_trades (trade_no, merchant_id, out_trade_no, fingerprint, order_id, body, notify_url,
			return_url, timeout_secs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (merchant_id, out_trade_no) DO NOTHING RETURNING trade_no`, tr.TradeNo, tr.MerchantID, tr.OutTradeNo,
			tr.Fingerprint, tr.OrderID, tr.Body, tr.NotifyURL, tr.ReturnURL, tr.TimeoutSecs, tr.CreatedAt).Scan(&made).Error; err != nil {
			return err
		}
		if len(made) == 0 {
			return errReplay
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return tr, o, nil
}

// CashierURL is where the merchant sends its customer to pay a trade.
func (s *Service) CashierURL(tradeNo string) string {
	return strings.TrimRight(s.BaseURL, "/") + "/cashier/" + tradeNo
}

// tradeBy finds a trade of m by its trade number or the merchant's number.
func (s *Service) tradeBy(ctx context.Context, db *gorm.DB, m *Merchant, tradeNo, outTradeNo string) (*Trade, error) {
	if tradeNo == "" && outTradeNo == "" {
		return nil, &Error{Code: MissingParameter, Err: models.FieldError("trade_no", "Give trade_no or out_trade_no.")}
	}
	q := db.WithContext(ctx).Where("merchant_id = ?", m.ID)
	if tradeNo != "" {
		q = q.Where("trade_no = ?", tradeNo)
	}
	if outTradeNo != "" {
		q = q.Where("out_trade_no = ?", outTradeNo)
	}
	var tr Trade
	res := q.Limit(1).Find(&tr)
	if res.Error != nil {
		return nil, fmt.Errorf("trade: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, fail(TradeNotExist, "No trade of yours has this trade_no or out_trade_no.")
	}
	return &tr, nil
}

// tradeFields are a trade's fields in replies and notifications: its
// numbers, its state in Alipay's words and LineEscrow's own (with the
// refund overlay, "paid/requested"), the amounts (total, held in escrow,
// released to the seller, refunded to the buyer, the commission, recalled
// by the bank), its times in Beijing time, the shipment and why it closed.
func tradeFields(tr *Trade, o *models.Order) map[string]string {
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(models.Shanghai).Format(TimestampLayout)
	}
	positive := func(m models.Money) string {
		if m.IsPositive() {
			return m.String()
		}
		return ""
	}
	state := models.Status{State: o.State, Refund: o.Refund}.String()
	if o.State == models.Completed || o.State == models.Closed {
		state = string(o.State) // a finished order's refund overlay is history
	}
	f := map[string]string{
		"trade_no": tr.TradeNo, "out_trade_no": tr.OutTradeNo, "trade_status": TradeStatus(*o), "escrow_state": state, "subject": o.Title, "total_amount": o.Amount.String(),
		"held_amount": o.Held.String(), "released_amount": o.Released.String(), "refunded_amount": o.Refunded.String(),
		"fee_amount": positive(o.Fee), "reversed_amount": positive(o.Reversed),
		"gmt_create": at(&o.CreatedAt), "gmt_payment": at(o.PaidAt), "gmt_ship": at(o.ShippedAt), "gmt_finish": at(o.CompletedAt),
		"gmt_close": at(o.ClosedAt), "carrier": o.Carrier, "tracking_no": o.TrackingNo, "close_reason": o.CloseReason,
	}
	if o.State == models.AwaitingPayment {
		f["time_expire"] = at(o.TimerAt)
	}
	return f
}

// tradeQuery is the method trade.query.
func (s *Service) tradeQuery(ctx context.Context, m *Merchant, actor models.Actor, p map[string]string) (map[string]string, error) {
	tr, err := s.tradeBy(ctx, s.DB, m, p["trade_no"], p["out_trade_no"])
	if err != nil {
		return nil, err
	}
	o, err := s.Orders.Get(ctx, actor, tr.OrderID)
	if err != nil {
		return nil, err
	}
	return tradeFields(tr, o), nil
}

// step runs one action on the trade's order as the merchant, in its own
// transaction (notifications are recorded in it).
func (s *Service) step(ctx context.Context, m *Merchant, actor models.Actor, p map[string]string, cmd models.Command) (map[string]string, error) {
	tr, err := s.tradeBy(ctx, s.DB, m, p["trade_no"], p["out_trade_no"])
	if err != nil {
		return nil, err
	}
	var o *models.Order
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var err error
		o, err = s.Orders.Step(ctx, tx, actor, tr.OrderID, cmd, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return tradeFields(tr, o), nil
}

// tradeShip is the method trade.ship: carrier and tracking_no.
func (s *Service) tradeShip(ctx context.Context, m *Merchant, actor models.Actor, p map[string]string) (map[string]string, error) {
	// Shops send the carrier as text: a listed carrier's code or name is
	// that carrier (its tracking number checked against its format), any
	// other text is another carrier of that name.
	code, name := models.ResolveCarrier(p["carrier"])
	res, err := s.step(ctx, m, actor, p, models.Command{Action: models.ActShip, Carrier: code, CarrierName: name, Tracking: p["tracking_no"]})
	if e := models.AsError(err); e != nil && e.Field == "carrier_name" {
		err = models.WithField(err, "carrier") // the gateway has one carrier parameter
	}
	return res, err
}

// tradeClose is the method trade.close: an unpaid trade only.
func (s *Service) tradeClose(ctx context.Context, m *Merchant, actor models.Actor, p map[string]string) (map[string]string, error) {
	return s.step(ctx, m, actor, p, models.Command{Action: models.ActMerchantClose})
}

// refundKey carries a trade.refund's out_request_no to its notification.
type refundKey struct{}

// tradeRefund is the method trade.refund: refund_amount (part or all of
// what is held), out_request_no (the merchant's number of this refund: the
// same number with the same amount and reason is the same refund, answered
// again and not made twice; with another, refused), refund_reason.
func (s *Service) tradeRefund(ctx context.Context, m *Merchant, actor models.Actor, p map[string]string) (map[string]string, error) {
	var ps []*models.Error
	orn := p["out_request_no"]
	if !outNoRE.MatchString(orn) {
		ps = append(ps, models.FieldError("out_request_no", "The out_request_no must be 1 to 64 letters, digits, underscores or dashes."))
	}
	amount, err := models.ParseAmount(strings.TrimSpace(p["refund_amount"]), s.MaxAmount)
	if err != nil {
		ps = append(ps, models.AsError(models.WithField(err, "refund_amount")))
	}
	reason := strings.TrimSpace(p["refund_reason"])
	if reason != "" {
		if reason, err = models.CheckName("refund_reason", reason, 200); err != nil {
			ps = append(ps, models.AsError(err))
		}
	}
	if err := models.Invalid(ps...); err != nil {
		return nil, err
	}
	tr, err := s.tradeBy(ctx, s.DB, m, p["trade_no"], p["out_trade_no"])
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(amount.String() + "\n" + reason))
	var o *models.Order
	var at time.Time
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		// The refund's record first: a second request with this number
		// waits here for the first to commit, then finds it.
		var made []time.Time
		if err := tx.Raw(`INSERT INTO gateway_refunds (trade_no, out_request_no, amount, reason, fingerprint, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING created_at`, tr.TradeNo, orn, amount, reason, sum[:], s.now()).
			Scan(&made).Error; err != nil {
			return err
		}
		if len(made) == 0 {
			var prior struct {
				Fingerprint []byte
				CreatedAt   time.Time
			}
			if err := tx.Raw(`SELECT fingerprint, created_at FROM gateway_refunds WHERE trade_no = ? AND out_request_no = ?`, tr.TradeNo, orn).
				Scan(&prior).Error; err != nil {
				return err
			}
			if !bytes.Equal(prior.Fingerprint, sum[:]) {
				return fail(OutRequestNoUsed, "The out_request_no %s names a refund with another amount or reason.", orn)
			}
			at = prior.CreatedAt
			var err error
			o, err = s.Orders.Get(ctx, actor, tr.OrderID)
			return err
		}
		at = made[0]
		var err error
		o, err = s.Orders.Step(context.WithValue(ctx, refundKey{}, orn), tx, actor, tr.OrderID,
			models.Command{Action: models.ActMerchantRefund, Amount: amount, Reason: reason}, nil)
		return tag(err, map[bool]string{true: "refund_amount", false: ""}[models.ErrorField(err) == "amount"])
	})
	if err != nil {
		return nil, err
	}
	f := tradeFields(tr, o)
	f["out_request_no"], f["refund_amount"], f["refund_status"] = orn, amount.String(), "REFUND_SUCCESS"
	f["gmt_refund"] = at.In(models.Shanghai).Format(TimestampLayout)
	return f, nil
}

// newTradeNo is a trade number: the Beijing date and 16 random digits.
func newTradeNo(now time.Time) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e16))
	return now.In(models.Shanghai).Format("20060102") + fmt.Sprintf("%016d", n.Int64())
}
