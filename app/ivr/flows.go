package ivr

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/models"
)

// Flow is one item of the main menu. The hotline calls Step when the caller
// presses its key (step "") and each time the caller answers an Ask; it calls
// Commit only after the caller heard a Reply.Confirm (amount and
// counterparty), pressed 1 and typed a six-digit payment password, which
// Commit hands to the service path that checks it (the same check and
// lockout as the web: auth.Service.VerifyPayPassword). A wrong password
// returned by either counts towards the call's three; ELOCKED ends the call;
// another *models.Error is spoken and the caller is back at the main menu.
//
// This is the seam for the menus other packages serve: in-store payments
// (key 3, app/instore), transfers (key 6, app/transfers) and bills (key 8,
// app/bills) register a Flow in Service.Flows.
type Flow interface {
	Step(ctx context.Context, c Caller, step string, data Data, in Data) (Reply, error)
	Commit(ctx context.Context, c Caller, data Data, pin string) (Reply, error)
}

// Reply is what the caller hears next. Say is spoken first (Mandarin, for the
// platform's speech synthesis); then Ask collects digits for the next step,
// or Confirm reads a money move before the payment password, or End hangs up;
// with none of them the caller is back at the main menu. Data is carried to
// the next step (signed, not secret: never what the caller typed).
type Reply struct {
	Say     string
	Ask     *Ask
	Confirm *Confirm
	End     bool
	Data    Data
}

// Ask collects Fields (digits each) and calls the flow's Step with Step.
type Ask struct {
	Step   string
	Fields []Field
}

// Field is one entry of digits: between Min and Max of them (# ends a
// shorter one).
type Field struct {
	Name, Prompt string
	Min, Max     int
}

// Confirm is a money move read to the caller before the payment password:
// "您将<What>，金额<Amount>，收款方<Counterparty>".
type Confirm struct {
	What         string
	Amount       models.Money
	Counterparty string
}

// menuItems are the main menu's keys, in the order the menu says them.
var menuItems = []struct{ key string }{{"1"}, {"2"}, {"3"}, {"4"}, {"5"}, {"6"}, {"7"}, {"8"}, {"0"}}

// flow is the menu item of key: the built-in ones, then those of Flows.
func (s *Service) flow(key string) Flow {
	switch key {
	case "1":
		return balanceFlow{s}
	case "2":
		return recordsFlow{s}
	case "4":
		return receiptFlow{s}
	case "5":
		return cardFlow{s}
	case "7":
		return pinFlow{s}
	}
	if f, ok := s.Flows[key]; ok {
		return f
	}
	return nil
}

// noCommit is the Commit of flows that move no money with a password.
type noCommit struct{}

func (noCommit) Commit(context.Context, Caller, Data, string) (Reply, error) {
	return Reply{}, models.Errorf(models.ECONFLICT, "Nothing to confirm.")
}

// 1: the balance and the line's credit left.
type balanceFlow struct{ s *Service }

func (f balanceFlow) Step(ctx context.Context, c Caller, _ string, _ Data, _ Data) (Reply, error) {
	bal, err := ledger.Balance(ctx, f.s.DB, models.WalletAccount(c.Actor.UserID))
	if err != nil {
		return Reply{}, err
	}
	say := fmt.Sprintf(sayBalance, Amount(bal))
	if f.s.Telecom != nil {
		if st, err := f.s.Telecom.Standing(ctx, c.Actor); err == nil && st.Line != nil {
			if st.Credit.Blocked != "" {
				say += sayCreditBlocked
			} else {
				say += fmt.Sprintf(sayCredit, Amount(st.Credit.Available))
			}
		}
	}
	return Reply{Say: say}, nil
}

func (balanceFlow) Commit(ctx context.Context, c Caller, d Data, pin string) (Reply, error) {
	return noCommit{}.Commit(ctx, c, d, pin)
}

// 2: the last five movements of the balance, in words.
type recordsFlow struct{ s *Service }

func (f recordsFlow) Step(ctx context.Context, c Caller, _ string, _ Data, _ Data) (Reply, error) {
	moves, err := ledger.Movements(ctx, f.s.DB, ledger.MovementQuery{Account: models.WalletAccount(c.Actor.UserID), Limit: 5})
	if err != nil {
		return Reply{}, err
	}
	if len(moves) == 0 {
		return Reply{Say: sayNoRecords}, nil
	}
	var b strings.Builder
	b.WriteString(fmt.Sprintf(sayRecords, len(moves)))
	for i, m := range moves {
		d := m.Delta()
		code, order := models.WalletWhere(m.Kind, m.Ref, !d.IsNegative())
		what := walletWords[code]
		if what == "" {
			what = walletWords[models.WalletIn]
		}
		if order > 0 {
			what += fmt.Sprintf("，订单%d", order)
		}
		dir, amt := "收入", d
		if d.IsNegative() {
			dir, amt = "支出", d.Neg()
		}
		at := m.At.In(models.Shanghai)
		fmt.Fprintf(&b, "第%d笔，%d月%d日，%s，%s%s。", i+1, int(at.Month()), at.Day(), what, dir, Amount(amt))
	}
	return Reply{Say: b.String()}, nil
}

func (recordsFlow) Commit(ctx context.Context, c Caller, d Data, pin string) (Reply, error) {
	return noCommit{}.Commit(ctx, c, d, pin)
}

var walletWords = map[string]string{
	models.WalletIntoEscrow:          "付款到担保",
	models.WalletPartialRefund:       "部分退款",
	models.WalletRefund:              "退款",
	models.WalletTransferSurplus:     "转账多付的部分",
	models.WalletTransferForOrder:    "为订单转账",
	models.WalletTopUp:               "银行转账充值",
	models.WalletCard:                "充值卡充值",
	models.WalletRefundInsteadOfBill: "话费退款转入余额",
	models.WalletWithdrawal:          "提现",
	models.WalletWithdrawalReturned:  "提现退回",
	models.WalletBankRecall:          "银行追回",
	models.WalletClawback:            "追回欠款",
	models.WalletInstorePayment:      "到店付款",
	models.WalletInstoreRefund:       "到店付款退款",
	models.WalletBill:                "缴费",
	models.WalletTransferToPerson:    "转账给他人",
	models.WalletTransferFromPerson:  "他人转账给您",
	models.WalletIn:                  "转入",
	models.WalletOut:                 "转出",
}

// 4: confirm receipt of a shipped order: the escrow goes to the shop.
type receiptFlow struct{ s *Service }

// MaxListed is how many orders the hotline reads out at most.
const MaxListed = 9

func (f receiptFlow) Step(ctx context.Context, c Caller, step string, data Data, in Data) (Reply, error) {
	if step == "" {
		list, err := f.s.Orders.List(ctx, c.Actor, orders.Query{State: string(models.PhaseToReceive), Limit: 50})
		if err != nil {
			return Reply{}, err
		}
		var b strings.Builder
		d := Data{}
		n := 0
		for _, o := range list {
			if !models.Allowed(o, c.Actor)[models.ActConfirm] || n == MaxListed {
				continue
			}
			n++
			shop, err := f.s.Auth.ShopName(ctx, o.SellerID)
			if err != nil {
				return Reply{}, err
			}
			d[strconv.Itoa(n)] = strconv.FormatInt(o.ID, 10)
			fmt.Fprintf(&b, "%s，%s，请按%d。", Amount(o.Amount), shop, n)
		}
		if n == 0 {
			return Reply{Say: sayNoShipped}, nil
		}
		return Reply{Say: fmt.Sprintf(sayShipped, n), Data: d, Ask: &Ask{Step: "pick", Fields: []Field{
			{Name: "n", Prompt: b.String(), Min: 1, Max: 1}}}}, nil
	}
	id, err := strconv.ParseInt(data[in["n"]], 10, 64)
	if err != nil || in["n"] == "" {
		return Reply{Say: sayNoSuchChoice}, nil
	}
	o, err := f.s.Orders.Precheck(ctx, c.Actor, id, models.ActConfirm)
	if err != nil {
		return Reply{}, err
	}
	shop, err := f.s.Auth.ShopName(ctx, o.SellerID)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Data: Data{"order": strconv.FormatInt(o.ID, 10), "amount": o.Amount.String()},
		Confirm: &Confirm{What: fmt.Sprintf("确认收货订单%d，货款付给商家", o.ID), Amount: o.Amount, Counterparty: shop}}, nil
}

func (f receiptFlow) Commit(ctx context.Context, c Caller, data Data, pin string) (Reply, error) {
	id, err := strconv.ParseInt(data["order"], 10, 64)
	if err != nil {
		return Reply{}, models.Errorf(models.EINVALID, "No such order.")
	}
	// The amount read to the caller must still be the order's.
	o, err := f.s.Orders.Precheck(ctx, c.Actor, id, models.ActConfirm)
	if err != nil {
		return Reply{}, err
	}
	if o.Amount.String() != data["amount"] {
		return Reply{}, models.Errorf(models.ECONFLICT, "The order changed meanwhile.")
	}
	o, err = f.s.Orders.Confirm(ctx, c.Actor, id, pin)
	if err != nil {
		return Reply{}, err
	}
	shop, err := f.s.Auth.ShopName(ctx, o.SellerID)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Say: fmt.Sprintf(sayConfirmed, o.ID, Amount(o.Released), shop)}, nil
}

// 5: top up the balance with an operator's recharge card.
type cardFlow struct{ s *Service }

func (f cardFlow) Step(ctx context.Context, c Caller, step string, _ Data, in Data) (Reply, error) {
	if f.s.Telecom == nil {
		return Reply{Say: sayNotYet}, nil
	}
	if step == "" {
		return Reply{Ask: &Ask{Step: "redeem", Fields: []Field{
			{Name: "card_no", Prompt: sayCardNo, Min: 16, Max: 16},
			{Name: "card_pin", Prompt: sayCardPIN, Min: 8, Max: 8}}}}, nil
	}
	r, err := f.s.Telecom.RedeemCard(ctx, c.Actor, in["card_no"], in["card_pin"])
	if err != nil {
		return Reply{}, err
	}
	if r.State == "redeemed" && r.FaceValue != nil {
		bal, err := ledger.Balance(ctx, f.s.DB, models.WalletAccount(c.Actor.UserID))
		if err != nil {
			return Reply{}, err
		}
		return Reply{Say: fmt.Sprintf(sayCardDone, r.CardLast4, Amount(*r.FaceValue), Amount(bal))}, nil
	}
	return Reply{Say: sayCardPending}, nil
}

func (cardFlow) Commit(ctx context.Context, c Caller, d Data, pin string) (Reply, error) {
	return noCommit{}.Commit(ctx, c, d, pin)
}

// 7: change the payment password: the old one, the new one twice.
type pinFlow struct{ s *Service }

func (f pinFlow) Step(ctx context.Context, c Caller, step string, _ Data, in Data) (Reply, error) {
	if step == "" {
		return Reply{Ask: &Ask{Step: "set", Fields: []Field{
			{Name: "old", Prompt: sayOldPIN, Min: 6, Max: 6},
			{Name: "new1", Prompt: sayNewPIN, Min: 6, Max: 6},
			{Name: "new2", Prompt: sayNewPINAgain, Min: 6, Max: 6}}}}, nil
	}
	if in["new1"] != in["new2"] {
		return Reply{Say: sayPINMismatch}, nil
	}
	if err := models.CheckPayPassword("pay_password", in["new1"]); err != nil {
		return Reply{Say: sayPINWeak}, nil
	}
	if err := f.s.Auth.SetPayPassword(ctx, c.Actor, "", in["old"], in["new1"]); err != nil {
		return Reply{}, err
	}
	return Reply{Say: sayPINChanged}, nil
}

func (pinFlow) Commit(ctx context.Context, c Caller, d Data, pin string) (Reply, error) {
	return noCommit{}.Commit(ctx, c, d, pin)
}
