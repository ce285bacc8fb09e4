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
// confirmation; then the hotline reads the amount and the shop's name, and
// only after 1 and the payment password does Commit pay, as made on the
// hotline from the calling line (ViaHotline), once per confirmation.
type HotlineFlow struct{ Instore *Service }

// The hotline's words of menu 3 (Mandarin, for the platform's speech
// synthesis).
const (
	sayShop        = "请输入商家台卡上的七位收款码。"
	sayAmount      = "请输入付款金额，以分为单位，例如三十八元五角请输入3850，以井号键结束。"
	sayBadAmount   = "对不起，金额无效。"
	sayPaid        = "已付款%s给%s。"
	confirmWhat    = "付款给商家"
	shopDigits     = 7
	amountMaxDigit = 9
)

// Step asks for the shop number and the amount, then checks them and asks
// for the confirmation.
func (f HotlineFlow) Step(ctx context.Context, c ivr.Caller, step string, _ ivr.Data, in ivr.Data) (ivr.Reply, error) {
	if step == "" {
		return ivr.Reply{Ask: &ivr.Ask{Step: "pay", Fields: []ivr.Field{
			{Name: "shop", Prompt: sayShop, Min: shopDigits, Max: shopDigits},
			{Name: "amount", Prompt: sayAmount, Min: 1, Max: amountMaxDigit}}}}, nil
	}
	fen, err := strconv.ParseInt(in["amount"], 10, 64)
	if err != nil || fen <= 0 {
		return ivr.Reply{Say: sayBadAmount}, nil
	}
	amount := models.FromFen(fen)
	sh, err := f.Instore.Check(ctx, c.Actor, in["shop"], amount)
	if err != nil {
		return ivr.Reply{}, err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return ivr.Reply{Data: ivr.Data{"shop": string(sh.Number), "amount": amount.String(), "key": hex.EncodeToString(b)},
		Confirm: &ivr.Confirm{What: confirmWhat, Amount: amount, Counterparty: sh.Name}}, nil
}

// Commit pays what was confirmed, with the payment password.
func (f HotlineFlow) Commit(ctx context.Context, c ivr.Caller, data ivr.Data, pin string) (ivr.Reply, error) {
	amount, err := models.ParseMoney(data["amount"])
	if err != nil || !amount.IsPositive() {
		return ivr.Reply{Say: sayBadAmount}, nil
	}
	p, err := f.Instore.Pay(ViaHotline(ctx, c.Phone), c.Actor, data["shop"], amount, pin, fmt.Sprintf("ivr-%d-%s", c.Call, data["key"]))
	if err != nil {
		return ivr.Reply{}, err
	}
	return ivr.Reply{Say: fmt.Sprintf(sayPaid, ivr.Amount(p.Amount), p.ShopName)}, nil
}
