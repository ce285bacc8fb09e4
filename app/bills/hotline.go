package bills

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"lineescrow/app/ivr"
	"lineescrow/models"
)

// HotlineFlow is the hotline's menu 8 (app/ivr): pay a bill from the
// balance. The caller chooses the company by its key and keys in the account
// number ending with #; the hotline asks the company what the account owes
// and says it, refuses what could never be paid (nothing owed, a short
// balance) before the confirmation, then reads the amount and the company
// and only after 1 and the payment password does Commit pay the whole bill
// (Service.Pay, with its checks), once per confirmation.
type HotlineFlow struct{ Bills *Service }

// MaxHotlineBillers is how many companies the hotline offers (keys 1 to 9).
const MaxHotlineBillers = 9

// The hotline's words of menu 8 (Mandarin, for the platform's speech
// synthesis).
const (
	sayNoBillers   = "目前没有可以缴费的单位。"
	sayChoose      = "%s请按%d。"
	sayAccount     = "请输入账单上的户号，以井号键结束。"
	sayNoSuch      = "没有这个选项。"
	sayNothingOwed = "%s户号%s目前没有欠费。"
	sayOwed        = "%s户号%s，户名%s，%s应缴%s。"
	sayBillPaid    = "已向%s缴费%s，回执号%s。"
	confirmBill    = "缴纳户号%s的账单"
)

// Step lists the companies and asks for the account, then says what is
// owed and asks for the confirmation.
func (f HotlineFlow) Step(ctx context.Context, c ivr.Caller, step string, data ivr.Data, in ivr.Data) (ivr.Reply, error) {
	if step == "" {
		list, err := f.Bills.Billers(ctx, c.Actor)
		if err != nil {
			return ivr.Reply{}, err
		}
		var b strings.Builder
		d := ivr.Data{}
		for i, bl := range list {
			if i == MaxHotlineBillers {
				break
			}
			d[strconv.Itoa(i+1)] = bl.Code
			fmt.Fprintf(&b, sayChoose, bl.Name, i+1)
		}
		if len(d) == 0 {
			return ivr.Reply{Say: sayNoBillers}, nil
		}
		return ivr.Reply{Data: d, Ask: &ivr.Ask{Step: "owed", Fields: []ivr.Field{
			{Name: "biller", Prompt: b.String(), Min: 1, Max: 1},
			{Name: "account", Prompt: sayAccount, Min: 4, Max: 20}}}}, nil
	}
	code := data[in["biller"]]
	if code == "" || in["biller"] == "" {
		return ivr.Reply{Say: sayNoSuch}, nil
	}
	bill, err := f.Bills.Owed(ctx, c.Actor, code, in["account"])
	if err != nil {
		return ivr.Reply{}, err
	}
	if !bill.Owed.IsPositive() {
		return ivr.Reply{Say: fmt.Sprintf(sayNothingOwed, bill.Biller.Name, bill.Account)}, nil
	}
	// The whole bill, refused now if it could never be paid.
	if _, err := f.Bills.Check(ctx, c.Actor, code, bill.Account, bill.Owed); err != nil {
		return ivr.Reply{}, err
	}
	k := make([]byte, 8)
	_, _ = rand.Read(k)
	period := ""
	if bill.Period != "" {
		period = "账期" + bill.Period + "，"
	}
	return ivr.Reply{Say: fmt.Sprintf(sayOwed, bill.Biller.Name, bill.Account, bill.Holder, period, ivr.Amount(bill.Owed)),
		Data:    ivr.Data{"biller": code, "account": bill.Account, "amount": bill.Owed.String(), "key": hex.EncodeToString(k)},
		Confirm: &ivr.Confirm{What: fmt.Sprintf(confirmBill, bill.Account), Amount: bill.Owed, Counterparty: bill.Biller.Name}}, nil
}

// Commit pays what was confirmed, with the payment password.
func (f HotlineFlow) Commit(ctx context.Context, c ivr.Caller, data ivr.Data, pin string) (ivr.Reply, error) {
	amount, err := models.ParseMoney(data["amount"])
	if err != nil || !amount.IsPositive() {
		return ivr.Reply{}, models.FieldError("amount", "Enter an amount such as 86.40.")
	}
	p, err := f.Bills.Pay(ctx, c.Actor, data["biller"], data["account"], amount, pin, fmt.Sprintf("ivr-%d-%s", c.Call, data["key"]))
	if err != nil {
		return ivr.Reply{}, err
	}
	return ivr.Reply{Say: fmt.Sprintf(sayBillPaid, p.BillerName, ivr.Amount(p.Amount), p.ReceiptNo)}, nil
}
