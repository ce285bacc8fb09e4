package instore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"lineescrow/app/ivr"
	"lineescrow/models"
)

// HotlineFlow is the hotline's menu 3 (app/ivr): pay a shop. The caller
// keys in the shop number and the amount in fen; a mistyped number is
// refused by its check digit, and what could never succeed before the
// confirmation. When the calling line can be charged the amount, the caller
// chooses: 1 from the balance, 2 charged to this line's phone bill. Then the
// hotline reads the amount, the shop's name (and that it goes on the phone
// bill), and only after 1 and the payment password does Commit pay, as made
// on the hotline from the calling line (ViaHotline), once per confirmation.
type HotlineFlow struct{ Instore *Service }

// The hotline's words of menu 3 (Mandarin, for the platform's speech
// synthesis).
const (
	sayShop         = "请输入商家台卡上的七位收款码。"
	sayAmount       = "请输入付款金额，以分为单位，例如三十八元五角请输入3850，以井号键结束。"
	sayBadAmount    = "对不起，金额无效。"
	sayMethod       = "用余额付款请按1，记入本机话费请按2。"
	sayNoSuchMethod = "对不起，没有这个选项。"
	sayPaid         = "已付款%s给%s。"
	sayPaidLine     = "已付款%s给%s，记入本机话费。"
	sayCharging     = "付款%s已提交电信公司，电信公司确认后%s即可收到。"
	confirmWhat     = "付款给商家"
	confirmLine     = "记入本机话费，付款给商家"
	shopDigits      = 7
	amountMaxDigit  = 9
)

// Step asks for the shop number and the amount, then checks them, asks how
// to pay when the calling line can pay, and asks for the confirmation.
func (f HotlineFlow) Step(ctx context.Context, c ivr.Caller, step string, data ivr.Data, in ivr.Data) (ivr.Reply, error) {
	switch step {
	case "":
		return ivr.Reply{Ask: &ivr.Ask{Step: "pay", Fields: []ivr.Field{
			{Name: "shop", Prompt: sayShop, Min: shopDigits, Max: shopDigits},
			{Name: "amount", Prompt: sayAmount, Min: 1, Max: amountMaxDigit}}}}, nil
	case "method":
		amount, err := models.ParseMoney(data["amount"])
		if err != nil || !amount.IsPositive() {
			return ivr.Reply{Say: sayBadAmount}, nil
		}
		method := map[string]Method{"1": MethodWallet, "2": MethodLandline}[in["method"]]
		if method == "" {
			return ivr.Reply{Say: sayNoSuchMethod}, nil
		}
		q, err := f.Instore.Check(ctx, c.Actor, data["shop"], amount)
		if err != nil {
			return ivr.Reply{}, err
		}
		if method == MethodWallet && q.Wallet != nil {
			return ivr.Reply{}, q.Wallet
		}
		if method == MethodLandline && (q.Landline != nil || q.Line != c.Phone) {
			if q.Landline != nil {
				return ivr.Reply{}, q.Landline
			}
			return ivr.Reply{Say: sayNoSuchMethod}, nil
		}
		return confirm(q, amount, method), nil
	}
	fen, err := strconv.ParseInt(in["amount"], 10, 64)
	if err != nil || fen <= 0 {
		return ivr.Reply{Say: sayBadAmount}, nil
	}
	amount := models.FromFen(fen)
	q, err := f.Instore.Check(ctx, c.Actor, in["shop"], amount)
	if err != nil {
		return ivr.Reply{}, err
	}
	// The calling line is the one charged: offered only when it can pay.
	if q.Landline == nil && q.Line == c.Phone {
		return ivr.Reply{Data: ivr.Data{"shop": string(q.Shop.Number), "amount": amount.String()},
			Ask: &ivr.Ask{Step: "method", Fields: []ivr.Field{{Name: "method", Prompt: sayMethod, Min: 1, Max: 1}}}}, nil
	}
	if q.Wallet != nil {
		return ivr.Reply{}, q.Wallet
	}
	return confirm(q, amount, MethodWallet), nil
}

// confirm reads the payment back before the password.
func confirm(q *Quote, amount models.Money, method Method) ivr.Reply {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	what := confirmWhat
	if method == MethodLandline {
		what = confirmLine
	}
	return ivr.Reply{Data: ivr.Data{"shop": string(q.Shop.Number), "amount": amount.String(), "method": string(method), "key": hex.EncodeToString(b)},
		Confirm: &ivr.Confirm{What: what, Amount: amount, Counterparty: q.Shop.Name}}
}

// Commit pays what was confirmed, with the payment password.
func (f HotlineFlow) Commit(ctx context.Context, c ivr.Caller, data ivr.Data, pin string) (ivr.Reply, error) {
	amount, err := models.ParseMoney(data["amount"])
	if err != nil || !amount.IsPositive() {
		return ivr.Reply{Say: sayBadAmount}, nil
	}
	p, err := f.Instore.Pay(ViaHotline(ctx, c.Phone), c.Actor, data["shop"], amount, Method(data["method"]), pin, fmt.Sprintf("ivr-%d-%s", c.Call, data["key"]))
	if err != nil {
		return ivr.Reply{}, err
	}
	switch {
	case p.State == StateCharging:
		return ivr.Reply{Say: fmt.Sprintf(sayCharging, ivr.Amount(p.Amount), p.ShopName)}, nil
	case p.Method == MethodLandline:
		return ivr.Reply{Say: fmt.Sprintf(sayPaidLine, ivr.Amount(p.Amount), p.ShopName)}, nil
	}
	return ivr.Reply{Say: fmt.Sprintf(sayPaid, ivr.Amount(p.Amount), p.ShopName)}, nil
}
