package gateway

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"lineescrow/models"
)

// CashierPage is what the hosted cashier (/cashier/{trade_no}) shows.
type CashierPage struct {
	TradeNo    string
	OutTradeNo string
	ShopName   string
	Subject    string
	Body       string
	Amount     models.Money
	// Status is the trade's state in Alipay's words; State the order's.
	Status string
	State  models.OrderState
	// ExpiresAt is when an unpaid trade closes.
	ExpiresAt *time.Time
	// Order is the trade's order when the reader is its buyer: pay it
	// (orders.PayFromWallet, its payment reference, a landline charge) and
	// follow it like any other order.
	Order *models.Order
	// TakenByOther: another buyer is paying this trade.
	TakenByOther bool
	// NeedsConsignee: the shop gave no consignee; the buyer gives one when
	// taking the trade (Take).
	NeedsConsignee bool
	// ShopFrozen: an operator froze the shop; its trades cannot be taken.
	ShopFrozen bool
	// ReturnURL goes back to the shop with the signed result, once the
	// reader's order is paid ("" before, or when the shop gave none).
	ReturnURL string
}

// Cashier returns the cashier page of a trade for anyone who has its
// number: the shop, the subject and the amount; for the buyer who took it,
// the order and, once paid, the way back to the shop.
//
// Errors: ENOTFOUND for no such trade.
func (s *Service) Cashier(ctx context.Context, actor models.Actor, tradeNo string) (*CashierPage, error) {
	tr, o, m, err := s.tradeByNo(ctx, tradeNo)
	if err != nil {
		return nil, err
	}
	p := &CashierPage{TradeNo: tr.TradeNo, OutTradeNo: tr.OutTradeNo, Subject: o.Title, Body: tr.Body, Amount: o.Amount,
		Status: TradeStatus(*o), State: o.State, NeedsConsignee: o.ConsigneeName == "", ShopFrozen: m.Status != Approved}
	if o.State == models.AwaitingPayment {
		p.ExpiresAt = o.TimerAt
	}
	if p.ShopName, err = s.Names.ShopName(ctx, m.SellerID); err != nil && models.ErrorCode(err) != models.ENOTFOUND {
		return nil, fmt.Errorf("cashier %s: %w", tradeNo, err)
	}
	switch {
	case o.BuyerID != 0 && actor.IsBuyer() && o.BuyerID == actor.UserID:
		p.Order = o
		if o.PaidAt != nil && tr.ReturnURL != "" {
			if p.ReturnURL, err = s.returnURL(tr, o, m); err != nil {
				return nil, err
			}
		}
	case o.BuyerID != 0:
		p.TakenByOther = true
	}
	return p, nil
}

// Take makes the reader the buyer of a trade (orders.Take): the first buyer
// who takes it at the cashier; the consignee is the shop's, or c when the
// shop gave none.
//
// Errors: ENOTFOUND for no such trade; ECONFLICT while the shop is frozen;
// as orders.Take otherwise (EFORBIDDEN unless a buyer, ECONFLICT when taken
// by another or no longer payable, EINVALID for the consignee).
func (s *Service) Take(ctx context.Context, actor models.Actor, tradeNo string, c models.Checkout) (*models.Order, error) {
	tr, _, m, err := s.tradeByNo(ctx, tradeNo)
	if err != nil {
		return nil, err
	}
	if m.Status != Approved {
		return nil, models.Errorf(models.ECONFLICT, "This shop cannot take payments now.")
	}
	return s.Orders.Take(ctx, actor, tr.OrderID, c)
}

// ReturnURL is the way back to the shop for the buyer of a paid trade: its
// return_url with the signed result (ReturnParams) in the query. The shop
// must not take it as proof of payment: only trade.query and the
// notifications are.
//
// Errors: ENOTFOUND for a trade that is not the reader's; ECONFLICT before
// it is paid, or when the shop gave no return_url.
func (s *Service) ReturnURL(ctx context.Context, actor models.Actor, tradeNo string) (string, error) {
	tr, o, m, err := s.tradeByNo(ctx, tradeNo)
	if err != nil {
		return "", err
	}
	if !actor.IsBuyer() || o.BuyerID != actor.UserID {
		return "", errNoTrade
	}
	if o.PaidAt == nil || tr.ReturnURL == "" {
		return "", models.Errorf(models.ECONFLICT, "There is nothing to return to the shop with yet.")
	}
	return s.returnURL(tr, o, m)
}

var errNoTrade = models.Errorf(models.ENOTFOUND, "No such trade.")

// ReturnParams are the fields added to a paid trade's return URL, before
// they are signed: app_id, method (trade.return), charset, timestamp,
// trade_no, out_trade_no, total_amount, trade_status. The shop's own query
// parameters are signed with them (the string to sign covers the whole
// query).
func ReturnParams(appID string, tr *Trade, o *models.Order, now time.Time) map[string]string {
	return map[string]string{"app_id": appID, "method": "trade.return", "charset": "utf-8",
		"timestamp": now.In(models.Shanghai).Format(TimestampLayout), "trade_no": tr.TradeNo, "out_trade_no": tr.OutTradeNo,
		"total_amount": o.Amount.String(), "trade_status": TradeStatus(*o)}
}

func (s *Service) returnURL(tr *Trade, o *models.Order, m *Merchant) (string, error) {
	u, err := url.Parse(tr.ReturnURL)
	if err != nil {
		return "", err
	}
	params := ReturnParams(m.AppID, tr, o, s.now())
	for k, vs := range u.Query() {
		params[k] = vs[0]
	}
	signed, err := Signed(s.Key, params)
	if err != nil {
		return "", err
	}
	q := url.Values{}
	for k, v := range signed {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// tradeByNo reads a trade, its order and its merchant.
func (s *Service) tradeByNo(ctx context.Context, tradeNo string) (*Trade, *models.Order, *Merchant, error) {
	var tr Trade
	res := s.DB.WithContext(ctx).Where("trade_no = ?", tradeNo).Limit(1).Find(&tr)
	if res.Error != nil {
		return nil, nil, nil, fmt.Errorf("trade %s: %w", tradeNo, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil, nil, errNoTrade
	}
	var m Merchant
	if err := s.DB.WithContext(ctx).Where("id = ?", tr.MerchantID).Take(&m).Error; err != nil {
		return nil, nil, nil, fmt.Errorf("merchant of trade %s: %w", tradeNo, err)
	}
	o, err := s.Orders.Get(ctx, models.System, tr.OrderID)
	if err != nil {
		return nil, nil, nil, err
	}
	return &tr, o, &m, nil
}
