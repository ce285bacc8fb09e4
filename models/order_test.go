package models

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var (
	buyer    = Actor{UserID: 10, Role: RoleBuyer}
	seller   = Actor{UserID: 20, Role: RoleSeller}
	merchant = Actor{UserID: 20, Role: RoleSeller, Gateway: true} // the seller through the gateway
	operator = Actor{UserID: 30, Role: RoleOperator}
	system   = System
	t0       = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	rate     = RateOfFraction(decimal.RequireFromString("0.006"))
)

func orderIn(state OrderState, refund RefundState) Order {
	o := Order{ID: 7, BuyerID: 10, SellerID: 20, Amount: MustParseMoney("259.00"), State: state, Refund: refund}
	if state == Paid || state == Shipped {
		o.Held = o.Amount
		o.Funding = FundingBank
	}
	switch {
	case state == AwaitingPayment:
		o.setTimer(TimerUnpaidClose, t0.Add(time.Hour))
	case refund == RefundRequested:
		o.setTimer(TimerRefundAnswer, t0.Add(time.Hour))
		left := 3 * time.Hour
		o.TimerPausedLeft = &left
		o.RefundAmount = MustParseMoney("100.00")
	case state == Paid && refund != RefundDisputed:
		o.setTimer(TimerShipBy, t0.Add(time.Hour))
	case state == Shipped && refund != RefundDisputed:
		o.setTimer(TimerAutoConfirm, t0.Add(time.Hour))
	}
	return o
}

// command returns a well-formed command for a, taken by the actor who may take it.
func command(a Action) Command {
	c := Command{Action: a, Now: t0, Timers: DefaultTimers, CommissionRate: rate, Funding: FundingBank,
		Carrier: "SF", Tracking: "SF1234567890123", Amount: MustParseMoney("100.00"), Reason: "broken on arrival", Decision: DecideSplit}
	switch a {
	case ActCancel, ActConfirm, ActExtendConfirm, ActRequestRefund, ActWithdrawRefund, ActEscalate:
		c.Actor = buyer
	case ActShip, ActAcceptRefund, ActRefuseRefund:
		c.Actor = seller
	case ActDecide:
		c.Actor = operator
	case ActMerchantClose, ActMerchantRefund:
		c.Actor = merchant
	default:
		c.Actor = system
	}
	return c
}

// TestEveryStateAndAction checks each (state, refund overlay, action) pair
// against the lifecycle of PRODUCT.md.
func TestEveryStateAndAction(t *testing.T) {
	type key struct {
		state  OrderState
		refund RefundState
	}
	allowed := map[key][]Action{
		{AwaitingPayment, RefundNone}: {ActPay, ActCancel, ActCloseUnpaid, ActMerchantClose},
		{Paid, RefundNone}:            {ActShip, ActRequestRefund, ActAutoRefundUnshipped, ActReverse, ActMerchantRefund},
		{Paid, RefundRequested}:       {ActWithdrawRefund, ActAcceptRefund, ActRefuseRefund, ActAutoAcceptRefund, ActReverse, ActMerchantRefund},
		{Paid, RefundRefused}:         {ActShip, ActWithdrawRefund, ActEscalate, ActAutoRefundUnshipped, ActReverse, ActMerchantRefund},
		{Paid, RefundDisputed}:        {ActDecide, ActReverse},
		{Shipped, RefundNone}:         {ActConfirm, ActAutoConfirm, ActExtendConfirm, ActRequestRefund, ActReverse, ActMerchantRefund},
		{Shipped, RefundRequested}:    {ActWithdrawRefund, ActAcceptRefund, ActRefuseRefund, ActAutoAcceptRefund, ActReverse, ActMerchantRefund},
		{Shipped, RefundRefused}:      {ActConfirm, ActAutoConfirm, ActExtendConfirm, ActWithdrawRefund, ActEscalate, ActReverse, ActMerchantRefund},
		{Shipped, RefundDisputed}:     {ActDecide, ActReverse},
		{Completed, RefundNone}:       nil,
		{Closed, RefundNone}:          nil,
	}
	for k, want := range allowed {
		ok := map[Action]bool{}
		for _, a := range want {
			ok[a] = true
		}
		for _, a := range AllActions {
			t.Run(fmt.Sprintf("%s/%s/%s", k.state, k.refund, a), func(t *testing.T) {
				_, err := Apply(orderIn(k.state, k.refund), command(a))
				switch {
				case ok[a] && err != nil:
					t.Fatalf("refused: %v", err)
				case !ok[a] && ErrorCode(err) != ECONFLICT:
					t.Fatalf("err = %v, want conflict", err)
				}
			})
		}
	}
}

func TestOnlyTheRightActorActs(t *testing.T) {
	others := []Actor{buyer, seller, operator, system, {UserID: 11, Role: RoleBuyer}, {UserID: 21, Role: RoleSeller}}
	for _, a := range AllActions {
		right := command(a).Actor
		for _, who := range others {
			if who == right || (a == ActPay && who == buyer) {
				continue
			}
			c := command(a)
			c.Actor = who
			for _, st := range []key2{{Paid, RefundNone}, {Shipped, RefundRequested}, {Shipped, RefundDisputed}, {AwaitingPayment, RefundNone}} {
				if _, err := Apply(orderIn(st.s, st.r), c); ErrorCode(err) != EFORBIDDEN {
					t.Errorf("%s by %+v on %s: err = %v, want forbidden", a, who, st.s, err)
				}
			}
		}
	}
}

type key2 struct {
	s OrderState
	r RefundState
}

func TestStockReturnsWhenUnshippedOrdersClose(t *testing.T) {
	for _, c := range []struct {
		from  OrderState
		act   Action
		stock bool
	}{
		{AwaitingPayment, ActCancel, true},
		{AwaitingPayment, ActCloseUnpaid, true},
		{Paid, ActAutoRefundUnshipped, true},
		{Paid, ActReverse, true},
		{Shipped, ActReverse, false},
		{Shipped, ActConfirm, false},
		{AwaitingPayment, ActMerchantClose, true},
	} {
		cmd := command(c.act)
		cmd.Amount = MustParseMoney("259.00")
		s, err := Apply(orderIn(c.from, RefundNone), cmd)
		if err != nil || s.RestoreStock != c.stock {
			t.Errorf("%s from %s: restore stock %v, want %v (%v)", c.act, c.from, s.RestoreStock, c.stock, err)
		}
	}
}

func TestReverseClosesTheOrder(t *testing.T) {
	c := command(ActReverse)
	c.Amount = MustParseMoney("259.00")
	s, err := Apply(orderIn(Shipped, RefundNone), c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Order.State != Closed || !s.Order.Held.IsZero() || s.Order.Reversed.String() != "259.00" || len(s.Postings) != 2 {
		t.Fatalf("reverse: %+v", s.Order)
	}
	c.Amount = MustParseMoney("259.01")
	if _, err := Apply(orderIn(Shipped, RefundNone), c); ErrorCode(err) != ECONFLICT {
		t.Fatalf("reverse more than held: %v", err)
	}
}

// TestGatewayOrders: an order from a gateway trade has no stock to give back,
// cannot be paid before a buyer took it, and only the seller acting through
// the gateway takes the shop's own actions.
func TestGatewayOrders(t *testing.T) {
	o := orderIn(AwaitingPayment, RefundNone)
	o.Origin = OriginGateway
	s, err := Apply(o, command(ActMerchantClose))
	if err != nil || s.Order.State != Closed || s.RestoreStock || s.Order.CloseReason != "closed by the shop" {
		t.Fatalf("shop closes: %v %+v", err, s)
	}
	if s, err := Apply(o, command(ActCloseUnpaid)); err != nil || s.RestoreStock {
		t.Fatalf("timer closes a gateway order: %v restore %v", err, s.RestoreStock)
	}
	o.BuyerID = 0
	if _, err := Apply(o, command(ActPay)); ErrorCode(err) != ECONFLICT {
		t.Fatalf("pay without a buyer: %v", err)
	}
	if _, err := Apply(o, command(ActMerchantClose)); err != nil {
		t.Fatalf("close without a buyer: %v", err)
	}
	portal := command(ActMerchantClose)
	portal.Actor = seller
	if _, err := Apply(o, portal); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("the seller in the portal closes: %v", err)
	}
	other := command(ActMerchantRefund)
	other.Actor = Actor{UserID: 21, Role: RoleSeller, Gateway: true}
	if _, err := Apply(orderIn(Paid, RefundNone), other); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("another shop refunds: %v", err)
	}
	if Allowed(orderIn(Paid, RefundNone), seller)[ActMerchantRefund] {
		t.Fatal("the portal offers the shop's own refund")
	}
}

func TestMerchantRefund(t *testing.T) {
	c := command(ActMerchantRefund) // 100.00 of 259.00
	c.Reason = ""
	s, err := Apply(orderIn(Shipped, RefundNone), c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Order.State != Completed || s.Order.Refunded.String() != "100.00" || s.Order.Released.String() != "159.00" ||
		s.Kind != "order.partial_refund" || s.Event["reason"] != "refunded by the shop" {
		t.Fatalf("partial refund: %+v %s %v", s.Order, s.Kind, s.Event)
	}
	if d, cr := sum(s.Postings); !d.Equal(cr) {
		t.Fatal("unbalanced")
	}
	c.Amount = MustParseMoney("259.00")
	s, err = Apply(orderIn(Paid, RefundRequested), c)
	if err != nil || s.Order.State != Closed || s.Order.CloseReason != "refunded by the shop" || s.Kind != "order.refund" {
		t.Fatalf("full refund answering a request: %v %+v", err, s.Order)
	}
	for _, amt := range []string{"259.01", "0.00"} {
		c.Amount = MustParseMoney(amt)
		if _, err := Apply(orderIn(Paid, RefundNone), c); ErrorField(err) != "amount" {
			t.Errorf("refund of %s: %v", amt, err)
		}
	}
	c.Amount = MustParseMoney("1.00")
	c.Actor.Frozen = true
	if _, err := Apply(orderIn(Paid, RefundNone), c); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a frozen shop refunds: %v", err)
	}
}

func TestFrozenBuyerMovesNoMoney(t *testing.T) {
	c := command(ActConfirm)
	c.Actor.Frozen = true
	if _, err := Apply(orderIn(Shipped, RefundNone), c); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("frozen confirm: %v", err)
	}
}

func sum(ps []Posting) (debit, credit Money) {
	for _, p := range ps {
		if p.Direction == Debit {
			debit = debit.Add(p.Amount)
		} else {
			credit = credit.Add(p.Amount)
		}
	}
	return
}

func TestReleaseSplitsCommissionAndSumsExactly(t *testing.T) {
	s, err := Apply(orderIn(Shipped, RefundNone), command(ActConfirm))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"escrow:order:7": "debit 259.00", "revenue:fees": "credit 1.55", "seller:20:available": "credit 257.45"}
	for _, p := range s.Postings {
		if want[p.Account] != string(p.Direction)+" "+p.Amount.String() {
			t.Errorf("posting %+v", p)
		}
	}
	if d, c := sum(s.Postings); !d.Equal(c) {
		t.Fatal("unbalanced")
	}
	o := s.Order
	if o.State != Completed || !o.Held.IsZero() || o.Released.String() != "259.00" || o.Fee.String() != "1.55" || o.TimerKind != TimerNone {
		t.Fatalf("after release: %+v", o)
	}
}

func TestSplitDecision(t *testing.T) {
	c := command(ActDecide)
	c.Amount = MustParseMoney("59.00")
	s, err := Apply(orderIn(Shipped, RefundDisputed), c)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range s.Postings {
		lines = append(lines, p.Account+" "+string(p.Direction)+" "+p.Amount.String())
	}
	sort.Strings(lines)
	got := strings.Join(lines, "; ")
	want := "escrow:order:7 debit 200.00; escrow:order:7 debit 59.00; revenue:fees credit 1.20; seller:20:available credit 198.80; wallet:10 credit 59.00"
	if got != want {
		t.Fatalf("split postings:\n got %s\nwant %s", got, want)
	}
	if s.Order.State != Completed || s.Order.Refunded.String() != "59.00" || s.Order.Released.String() != "200.00" {
		t.Fatalf("after split: %+v", s.Order)
	}
	// The buyer's part must leave something for the seller, and be positive.
	for _, bad := range []string{"0.00", "259.00", "300.00"} {
		c.Amount = MustParseMoney(bad)
		if _, err := Apply(orderIn(Shipped, RefundDisputed), c); ErrorField(err) != "buyer_amount" {
			t.Errorf("split of %s: %v", bad, err)
		}
	}
	c.Decision = "coin toss"
	if _, err := Apply(orderIn(Shipped, RefundDisputed), c); ErrorField(err) != "decision" {
		t.Errorf("bad decision: %v", err)
	}
}

func TestFullRefundCloses(t *testing.T) {
	c := command(ActRequestRefund)
	c.Amount = MustParseMoney("259.00")
	s, err := Apply(orderIn(Paid, RefundNone), c)
	if err != nil {
		t.Fatal(err)
	}
	s, err = Apply(s.Order, command(ActAcceptRefund))
	if err != nil {
		t.Fatal(err)
	}
	if s.Order.State != Closed || !s.Order.Held.IsZero() || len(s.Postings) != 2 || s.Postings[1].Account != "wallet:10" {
		t.Fatalf("full refund: %+v %+v", s.Order, s.Postings)
	}
	// More than held, zero, or no reason: refused.
	for _, amt := range []string{"259.01", "0.00"} {
		c.Amount = MustParseMoney(amt)
		if _, err := Apply(orderIn(Paid, RefundNone), c); ErrorField(err) != "amount" {
			t.Errorf("refund of %s: %v", amt, err)
		}
	}
	c.Amount, c.Reason = MustParseMoney("1.00"), "  "
	if _, err := Apply(orderIn(Paid, RefundNone), c); ErrorField(err) != "reason" {
		t.Errorf("no reason: %v", err)
	}
}

func TestTimersPauseAndResume(t *testing.T) {
	o := orderIn(Shipped, RefundNone) // auto-confirm due at t0+1h
	c := command(ActRequestRefund)
	c.Now = t0.Add(20 * time.Minute)
	s, err := Apply(o, c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Order.TimerKind != TimerRefundAnswer || !s.Order.TimerAt.Equal(c.Now.Add(DefaultTimers.RefundAnswer)) || *s.Order.TimerPausedLeft != 40*time.Minute {
		t.Fatalf("after request: %s %v %v", s.Order.TimerKind, s.Order.TimerAt, s.Order.TimerPausedLeft)
	}
	r := command(ActRefuseRefund)
	r.Now = t0.Add(48 * time.Hour)
	s, err = Apply(s.Order, r)
	if err != nil {
		t.Fatal(err)
	}
	if s.Order.TimerKind != TimerAutoConfirm || !s.Order.TimerAt.Equal(r.Now.Add(40*time.Minute)) || s.Order.TimerPausedLeft != nil {
		t.Fatalf("after refusal: %s %v", s.Order.TimerKind, s.Order.TimerAt)
	}
	// Extension once.
	s, err = Apply(s.Order, command(ActExtendConfirm))
	if err != nil || !s.Order.TimerAt.Equal(r.Now.Add(40*time.Minute+DefaultTimers.ConfirmExtend)) {
		t.Fatalf("extend: %v %v", err, s.Order.TimerAt)
	}
	if _, err := Apply(s.Order, command(ActExtendConfirm)); ErrorCode(err) != ECONFLICT {
		t.Fatalf("second extension: %v", err)
	}
	// A dispute stops the clock.
	s, err = Apply(s.Order, command(ActEscalate))
	if err != nil || s.Order.TimerKind != TimerNone {
		t.Fatalf("escalate: %v %s", err, s.Order.TimerKind)
	}
}

func TestShipValidation(t *testing.T) {
	c := command(ActShip)
	c.Carrier, c.Tracking = "", "12"
	_, err := Apply(orderIn(Paid, RefundNone), c)
	e := AsError(err)
	if e == nil || len(e.Fields) != 2 {
		t.Fatalf("ship with bad fields: %v", err)
	}
}

func TestCheckoutValidate(t *testing.T) {
	c := Checkout{Quantity: 0, ConsigneeName: "", ConsigneePhone: "x", ConsigneeAddress: "abc"}
	e := AsError(c.Validate())
	if e == nil || len(e.Fields) != 4 {
		t.Fatalf("checkout problems: %v", e)
	}
	ok := Checkout{Quantity: 2, ConsigneeName: "张伟", ConsigneePhone: "138-0013-8000", ConsigneeAddress: "山东省菏泽市牡丹区中华路 1 号"}
	if err := ok.Validate(); err != nil || ok.ConsigneePhone != "13800138000" {
		t.Fatalf("good checkout: %v", err)
	}
}
