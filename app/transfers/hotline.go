package transfers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"lineescrow/app/ivr"
	"lineescrow/models"
)

// HotlineFlow is the hotline's menu 6 (app/ivr): transfer to another
// account. The caller keys in the recipient's landline or mobile number and
// the amount in fen, each ending with #; what could never succeed is refused
// before the confirmation; then the hotline reads the amount, the
// recipient's masked name and the last four digits of the number, and only
// after 1 and the payment password does Commit send, once per confirmation.
type HotlineFlow struct{ Transfers *Service }

// The hotline's words of menu 6 (Mandarin, for the platform's speech
// synthesis).
const (
	sayNumber      = "请输入收款人的手机号码，或带区号的固定电话号码，以井号键结束。"
	sayAmount      = "请输入转账金额，以分为单位，例如五十元请输入5000，以井号键结束。"
	sayBadAmount   = "对不起，金额无效。"
	saySent        = "已转账%s给%s。"
	confirmWhat    = "从余额转账给对方"
	counterparty   = "%s，号码尾号%s"
	amountMaxDigit = 9
)

// Step asks for the number and the amount, then checks them and asks for
// the confirmation.
func (f HotlineFlow) Step(ctx context.Context, c ivr.Caller, step string, _ ivr.Data, in ivr.Data) (ivr.Reply, error) {
	if step == "" {
		return ivr.Reply{Ask: &ivr.Ask{Step: "send", Fields: []ivr.Field{
			{Name: "number", Prompt: sayNumber, Min: 10, Max: 12},
			{Name: "amount", Prompt: sayAmount, Min: 1, Max: amountMaxDigit}}}}, nil
	}
	fen, err := strconv.ParseInt(in["amount"], 10, 64)
	if err != nil || fen <= 0 {
		return ivr.Reply{Say: sayBadAmount}, nil
	}
	amount := models.FromFen(fen)
	r, err := f.Transfers.Check(ctx, c.Actor, in["number"], amount)
	if err != nil {
		return ivr.Reply{}, err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return ivr.Reply{Data: ivr.Data{"number": r.Number, "amount": amount.String(), "key": hex.EncodeToString(b)},
		Confirm: &ivr.Confirm{What: confirmWhat, Amount: amount, Counterparty: fmt.Sprintf(counterparty, r.NameMasked, models.LastFour(r.Number))}}, nil
}

// Commit sends what was confirmed, with the payment password.
func (f HotlineFlow) Commit(ctx context.Context, c ivr.Caller, data ivr.Data, pin string) (ivr.Reply, error) {
	amount, err := models.ParseMoney(data["amount"])
	if err != nil || !amount.IsPositive() {
		return ivr.Reply{Say: sayBadAmount}, nil
	}
	t, err := f.Transfers.Send(ctx, c.Actor, Request{Number: data["number"], Amount: amount, PayPassword: pin,
		IdemKey: fmt.Sprintf("ivr-%d-%s", c.Call, data["key"]), Channel: ChannelHotline})
	if err != nil {
		return ivr.Reply{}, err
	}
	return ivr.Reply{Say: fmt.Sprintf(saySent, ivr.Amount(t.Amount), models.MaskName(t.RecipientName))}, nil
}
