package web

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"lineescrow/app/orders"
	"lineescrow/models"
	"lineescrow/views"
)

// The order page's view model, built from an orders.OrderPage with no
// database: one case per state, each looked at by the buyer, the seller and
// an operator, every field of the view model compared.

var (
	pageBuyer    = models.Actor{UserID: 10, Role: models.RoleBuyer}
	pageSeller   = models.Actor{UserID: 20, Role: models.RoleSeller}
	pageOperator = models.Actor{UserID: 30, Role: models.RoleOperator}
	pageBank     = views.BankInfo{Bank: "中国工商银行菏泽分行", Account: "1612 0010 0920 0012 345", Holder: "菏泽固话宝支付服务有限公司"}
	t0           = time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
)

func money(s string) models.Money { return models.MustParseMoney(s) }

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func event(id int64, min int, role, kind string, detail map[string]any) orders.TimelineEntry {
	b, _ := json.Marshal(detail)
	return orders.TimelineEntry{ID: id, At: at(min), ActorRole: role, Kind: kind, Detail: b}
}

func move(min int, kind, account string, dir models.Direction, amount string) models.Movement {
	return models.Movement{TransferID: int64(min), Kind: kind, Ref: "order:7", At: at(min), Account: account, Direction: dir, Amount: money(amount)}
}

func item(min int, kind, who string, detail ...string) views.TimelineItem {
	return views.TimelineItem{At: at(min), Kind: kind, Who: who, Detail: detail}
}

func line(min int, kind, account string, dir models.Direction, amount string) views.Movement {
	return views.Movement{At: at(min), Kind: kind, Ref: account, Direction: string(dir), Amount: money(amount)}
}

func baseOrder() models.Order {
	return models.Order{ID: 7, BuyerID: 10, SellerID: 20, ListingID: 3, Title: "牡丹花茶 Peony tea", UnitPrice: money("50.00"),
		Quantity: 1, Amount: money("50.00"), State: models.AwaitingPayment, Refund: models.RefundNone, PayReference: "412345678",
		ConsigneeName: "张伟", ConsigneePhone: "13800138000", ConsigneeAddress: "菏泽市中华路 1 号", CreatedAt: t0}
}

// seen is what one role is given and must be shown.
type seen struct {
	events   []orders.TimelineEntry // as Timeline trims them for the role
	moves    []models.Movement
	timeline []views.TimelineItem
	ledger   []views.Movement
	allowed  []models.Action
}

type pageCase struct {
	name    string
	order   models.Order
	credits []orders.CreditLine
	flags   []orders.CaseLine
	wallet  models.Money // the buyer's balance, while awaiting payment
	missing models.Money // what a transfer must still bring, while awaiting payment
	by      map[models.Role]seen
}

func pageCases() []pageCase {
	created := event(1, 0, "buyer", "order.created", map[string]any{"amount": "50.00", "quantity": 1})
	createdItem := item(0, "order.created", "Buyer", "Amount: ¥50.00")
	payIn := []models.Movement{move(5, "order.pay", models.AccBankCollection, models.Debit, "50.00"), move(5, "order.pay", models.EscrowAccount(7), models.Credit, "50.00")}
	payInLines := []views.Movement{line(5, "order.pay", models.AccBankCollection, models.Debit, "50.00"), line(5, "order.pay", models.EscrowAccount(7), models.Credit, "50.00")}
	paid := event(3, 5, "system", "order.pay", map[string]any{"amount": "50.00"})
	paidItem := item(5, "order.pay", "System", "Amount: ¥50.00")
	bankPaid := orders.CreditLine{BankTxnID: "B100", Amount: money("50.00"), Reference: "412345678", Outcome: "order_paid", At: at(5)}

	var cases []pageCase

	// Awaiting payment, after a short transfer: the buyer is told what is missing.
	o := baseOrder()
	timer := at(3 * 24 * 60)
	o.TimerKind, o.TimerAt = models.TimerUnpaidClose, &timer
	short := event(2, 2, "system", "payment.short", map[string]any{"amount": "20.00", "missing": "30.00"})
	shortIn := move(2, "payment.short", models.WalletAccount(10), models.Credit, "20.00")
	cases = append(cases, pageCase{name: "awaiting payment, short", order: o, wallet: money("20.00"), missing: money("30.00"),
		credits: []orders.CreditLine{{BankTxnID: "B99", Amount: money("20.00"), Reference: "412345678", Outcome: "short", At: at(2)}},
		by: map[models.Role]seen{
			models.RoleBuyer: {events: []orders.TimelineEntry{created, short}, moves: []models.Movement{shortIn},
				timeline: []views.TimelineItem{createdItem, item(2, "payment.short", "System", "Amount: ¥20.00", "Still missing: ¥30.00")},
				ledger:   []views.Movement{line(2, "payment.short", models.WalletAccount(10), models.Credit, "20.00")},
				allowed:  []models.Action{models.ActPay, models.ActCancel}},
			models.RoleSeller: {events: []orders.TimelineEntry{created, event(2, 2, "system", "payment.short", map[string]any{"amount": "20.00"})},
				timeline: []views.TimelineItem{createdItem, item(2, "payment.short", "System", "Amount: ¥20.00")}},
			models.RoleOperator: {events: []orders.TimelineEntry{created, short},
				moves:    []models.Movement{move(2, "payment.short", models.AccBankCollection, models.Debit, "20.00"), shortIn},
				timeline: []views.TimelineItem{createdItem, item(2, "payment.short", "System", "Amount: ¥20.00", "Still missing: ¥30.00")},
				ledger: []views.Movement{line(2, "payment.short", models.AccBankCollection, models.Debit, "20.00"),
					line(2, "payment.short", models.WalletAccount(10), models.Credit, "20.00")}},
		}})

	// Paid, waiting to be shipped.
	o = baseOrder()
	paidAt := at(5)
	o.State, o.Held, o.Funding, o.PaidAt, o.Version = models.Paid, money("50.00"), models.FundingBank, &paidAt, 2
	escrowOnly := []models.Movement{payIn[1]}
	cases = append(cases, pageCase{name: "paid", order: o, credits: []orders.CreditLine{bankPaid},
		by: map[models.Role]seen{
			models.RoleBuyer: {events: []orders.TimelineEntry{created, paid}, moves: escrowOnly,
				timeline: []views.TimelineItem{createdItem, paidItem}, ledger: payInLines[1:], allowed: []models.Action{models.ActRequestRefund}},
			models.RoleSeller: {events: []orders.TimelineEntry{created, paid}, moves: escrowOnly,
				timeline: []views.TimelineItem{createdItem, paidItem}, ledger: payInLines[1:], allowed: []models.Action{models.ActShip}},
			models.RoleOperator: {events: []orders.TimelineEntry{created, paid}, moves: payIn,
				timeline: []views.TimelineItem{createdItem, paidItem}, ledger: payInLines},
		}})

	// Shipped, and the buyer asked for part of the money back.
	o.State, o.Refund, o.RefundAmount, o.RefundReason, o.Carrier, o.TrackingNo = models.Shipped, models.RefundRequested, money("20.00"), "One tin arrived dented.", "SF Express", "SF1234567890"
	shippedAt := at(60)
	o.ShippedAt, o.Version = &shippedAt, 4
	shipped := event(4, 60, "seller", "order.ship", map[string]any{"carrier": "SF Express", "tracking_no": "SF1234567890"})
	asked := event(5, 90, "buyer", "order.request_refund", map[string]any{"amount": "20.00", "reason": "One tin arrived dented."})
	shippedItems := []views.TimelineItem{createdItem, paidItem, item(60, "order.ship", "Seller", "Carrier: SF Express", "Tracking number: SF1234567890"),
		item(90, "order.request_refund", "Buyer", "Amount: ¥20.00", "Reason: One tin arrived dented.")}
	all := []orders.TimelineEntry{created, paid, shipped, asked}
	cases = append(cases, pageCase{name: "shipped, refund requested", order: o, credits: []orders.CreditLine{bankPaid},
		flags: []orders.CaseLine{{ID: 4, Kind: "timer_failed", Open: false, At: at(80)}},
		by: map[models.Role]seen{
			models.RoleBuyer: {events: all, moves: escrowOnly, timeline: shippedItems, ledger: payInLines[1:],
				allowed: []models.Action{models.ActWithdrawRefund}},
			models.RoleSeller: {events: all, moves: escrowOnly, timeline: shippedItems, ledger: payInLines[1:],
				allowed: []models.Action{models.ActAcceptRefund, models.ActRefuseRefund}},
			models.RoleOperator: {events: all, moves: payIn, timeline: shippedItems, ledger: payInLines},
		}})

	// Completed: released to the seller less the commission.
	o = baseOrder()
	o.State, o.Released, o.Fee, o.Funding, o.PaidAt, o.ShippedAt, o.Version = models.Completed, money("50.00"), money("0.30"), models.FundingBank, &paidAt, &shippedAt, 4
	completedAt := at(200)
	o.CompletedAt = &completedAt
	confirm := map[string]any{"released": "50.00", "fee": "0.30", "to_seller": "49.70"}
	release := []models.Movement{move(200, "order.confirm", models.EscrowAccount(7), models.Debit, "50.00"),
		move(200, "order.confirm", models.SellerAvailableAccount(20), models.Credit, "49.70"),
		move(200, "order.confirm", models.AccRevenueFees, models.Credit, "0.30")}
	releaseLines := []views.Movement{line(200, "order.confirm", models.EscrowAccount(7), models.Debit, "50.00"),
		line(200, "order.confirm", models.SellerAvailableAccount(20), models.Credit, "49.70"),
		line(200, "order.confirm", models.AccRevenueFees, models.Credit, "0.30")}
	cases = append(cases, pageCase{name: "completed", order: o, credits: []orders.CreditLine{bankPaid},
		by: map[models.Role]seen{
			models.RoleBuyer: {events: []orders.TimelineEntry{created, paid, event(6, 200, "buyer", "order.confirm", map[string]any{"released": "50.00"})},
				moves:    []models.Movement{release[0], payIn[1]},
				timeline: []views.TimelineItem{createdItem, paidItem, item(200, "order.confirm", "Buyer", "Released: ¥50.00")},
				ledger:   []views.Movement{releaseLines[0], payInLines[1]}},
			models.RoleSeller: {events: []orders.TimelineEntry{created, paid, event(6, 200, "buyer", "order.confirm", confirm)},
				moves: []models.Movement{release[0], release[1], payIn[1]},
				timeline: []views.TimelineItem{createdItem, paidItem,
					item(200, "order.confirm", "Buyer", "Released: ¥50.00", "Commission: ¥0.30", "To the seller: ¥49.70")},
				ledger: []views.Movement{releaseLines[0], releaseLines[1], payInLines[1]}},
			models.RoleOperator: {events: []orders.TimelineEntry{created, paid, event(6, 200, "buyer", "order.confirm", confirm)},
				moves: append(append([]models.Movement{}, release...), payIn...),
				timeline: []views.TimelineItem{createdItem, paidItem,
					item(200, "order.confirm", "Buyer", "Released: ¥50.00", "Commission: ¥0.30", "To the seller: ¥49.70")},
				ledger: append(append([]views.Movement{}, releaseLines...), payInLines...)},
		}})

	// Closed: the bank recalled the payment while it was held.
	o = baseOrder()
	closedAt := at(30)
	o.State, o.Reversed, o.Funding, o.PaidAt, o.ClosedAt, o.CloseReason, o.Version = models.Closed, money("50.00"), models.FundingBank, &paidAt, &closedAt, "payment reversed by the bank", 3
	reversed := event(7, 30, "system", "order.reverse", map[string]any{"reversed": "50.00", "bank_txn_id": "B100", "reversal_txn_id": "R100"})
	reversedItem := item(30, "order.reverse", "System", "Taken back by the bank: ¥50.00")
	back := []models.Movement{move(30, "order.reverse", models.EscrowAccount(7), models.Debit, "50.00"), move(30, "order.reverse", models.AccBankCollection, models.Credit, "50.00")}
	backLines := []views.Movement{line(30, "order.reverse", models.EscrowAccount(7), models.Debit, "50.00"), line(30, "order.reverse", models.AccBankCollection, models.Credit, "50.00")}
	recalled := bankPaid
	recalled.Reversed = true
	cases = append(cases, pageCase{name: "closed by a reversal", order: o, credits: []orders.CreditLine{recalled},
		flags: []orders.CaseLine{{ID: 9, Kind: "reversal_shortfall", Open: true, At: at(30)}},
		by: map[models.Role]seen{
			models.RoleBuyer: {events: []orders.TimelineEntry{created, paid, reversed}, moves: []models.Movement{back[0], payIn[1]},
				timeline: []views.TimelineItem{createdItem, paidItem, reversedItem}, ledger: []views.Movement{backLines[0], payInLines[1]}},
			models.RoleSeller: {events: []orders.TimelineEntry{created, paid, event(7, 30, "system", "order.reverse", map[string]any{"reversed": "50.00"})},
				moves:    []models.Movement{back[0], payIn[1]},
				timeline: []views.TimelineItem{createdItem, paidItem, reversedItem}, ledger: []views.Movement{backLines[0], payInLines[1]}},
			models.RoleOperator: {events: []orders.TimelineEntry{created, paid, reversed}, moves: append(append([]models.Movement{}, back...), payIn...),
				timeline: []views.TimelineItem{createdItem, paidItem, reversedItem}, ledger: append(append([]views.Movement{}, backLines...), payInLines...)},
		}})
	return cases
}

func TestOrderPageViewModel(t *testing.T) {
	ctx := context.Background()
	for _, c := range pageCases() {
		for _, who := range []models.Actor{pageBuyer, pageSeller, pageOperator} {
			t.Run(c.name+"/"+string(who.Role), func(t *testing.T) {
				s := c.by[who.Role]
				// The page as orders.OrderPage gives it to this role.
				p := &orders.OrderPage{Order: c.order, Events: s.events, Moves: s.moves, Credits: c.credits,
					ShopName: "王建国's shop", BuyerName: "张伟", Allowed: models.Allowed(c.order, who)}
				if who.Role != models.RoleBuyer {
					p.Flags = c.flags
				} else if c.order.State == models.AwaitingPayment {
					p.Wallet, p.Missing = c.wallet, c.missing
				}
				vm := orderPageVM(ctx, p, who.Role, pageBank, true, nil)

				if !reflect.DeepEqual(vm.Order, c.order) {
					t.Errorf("Order = %+v", vm.Order)
				}
				if vm.Role != string(who.Role) {
					t.Errorf("Role = %q", vm.Role)
				}
				wantBase := map[models.Role]string{models.RoleBuyer: "/orders/7", models.RoleSeller: "/seller/orders/7", models.RoleOperator: "/ops/orders/7"}[who.Role]
				if vm.Base != wantBase {
					t.Errorf("Base = %q, want %q", vm.Base, wantBase)
				}
				if !reflect.DeepEqual(vm.Timeline, s.timeline) {
					t.Errorf("Timeline =\n%v\nwant\n%v", vm.Timeline, s.timeline)
				}
				if fmt.Sprint(vm.Ledger) != fmt.Sprint(s.ledger) || len(vm.Ledger) != len(s.ledger) {
					t.Errorf("Ledger =\n%v\nwant\n%v", vm.Ledger, s.ledger)
				}
				var wantCredits []views.CreditRow
				for _, cr := range c.credits {
					wantCredits = append(wantCredits, views.CreditRow{BankTxnID: cr.BankTxnID, Amount: cr.Amount, Reference: cr.Reference,
						Outcome: cr.Outcome, At: cr.At, Reversed: cr.Reversed})
				}
				if !reflect.DeepEqual(vm.Credits, wantCredits) {
					t.Errorf("Credits = %+v, want %+v", vm.Credits, wantCredits)
				}
				var wantFlags []views.FlagRow
				if who.Role != models.RoleBuyer { // buyers never see risk cases
					for _, f := range c.flags {
						wantFlags = append(wantFlags, views.FlagRow{ID: f.ID, Kind: f.Kind, Open: f.Open, At: f.At, OrderID: 7})
					}
				}
				if !reflect.DeepEqual(vm.Flags, wantFlags) {
					t.Errorf("Flags = %+v, want %+v", vm.Flags, wantFlags)
				}
				if vm.Bank != pageBank {
					t.Errorf("Bank = %+v", vm.Bank)
				}
				wantWallet, wantSim := models.Zero, ""
				if who.Role == models.RoleBuyer && c.order.State == models.AwaitingPayment {
					wantWallet = c.wallet
					wantSim = "/sim/bank/?amount=50.00&back=%2Forders%2F7&memo=412345678&payer_name=%E5%BC%A0%E4%BC%9F"
					if c.missing.IsPositive() { // only what is missing
						wantSim = "/sim/bank/?amount=" + c.missing.String() + "&back=%2Forders%2F7&memo=412345678&payer_name=%E5%BC%A0%E4%BC%9F"
					}
				}
				if !vm.Wallet.Equal(wantWallet) {
					t.Errorf("Wallet = %s, want %s", vm.Wallet, wantWallet)
				}
				if vm.SimURL != wantSim {
					t.Errorf("SimURL = %q, want %q", vm.SimURL, wantSim)
				}
				wantAllowed := map[models.Action]bool{}
				for _, a := range s.allowed {
					wantAllowed[a] = true
				}
				if !reflect.DeepEqual(vm.Allowed, wantAllowed) {
					t.Errorf("Allowed = %v, want %v", vm.Allowed, wantAllowed)
				}
				// Each reader sees the other party's name, never their own.
				wantSeller, wantBuyer := "王建国's shop", "张伟"
				switch who.Role {
				case models.RoleBuyer:
					wantBuyer = ""
				case models.RoleSeller:
					wantSeller = ""
				}
				if vm.SellerName != wantSeller || vm.BuyerName != wantBuyer {
					t.Errorf("names = %q, %q; want %q, %q", vm.SellerName, vm.BuyerName, wantSeller, wantBuyer)
				}
				// The refund form starts at everything held, unless a refund is open.
				wantForm := map[string]string{"amount": c.order.Held.String()}
				if c.order.Refund != models.RefundNone {
					wantForm = map[string]string{}
				}
				if vm.Form == nil || !reflect.DeepEqual(vm.Form.Values, wantForm) || len(vm.Form.Errors) != 0 || vm.Form.Error != "" {
					t.Errorf("Form = %+v, want values %v", vm.Form, wantForm)
				}
			})
		}
	}
}

// A form shown again after a refused action keeps what was typed and its
// errors; outside demo mode there is no simulator link.
func TestOrderPageViewModelKeepsTheForm(t *testing.T) {
	c := pageCases()[0]
	s := c.by[models.RoleBuyer]
	p := &orders.OrderPage{Order: c.order, Events: s.events, Moves: s.moves, Wallet: c.wallet, Allowed: models.Allowed(c.order, pageBuyer)}
	f := views.NewForm()
	f.Values["amount"], f.Errors["pay_password"] = "12.00", "Wrong payment password."
	vm := orderPageVM(context.Background(), p, models.RoleBuyer, pageBank, false, f)
	if vm.Form != f || f.Values["amount"] != "12.00" || f.Errors["pay_password"] == "" {
		t.Fatalf("form = %+v", vm.Form)
	}
	if vm.SimURL != "" {
		t.Fatalf("simulator link outside demo mode: %q", vm.SimURL)
	}
}

// The timeline's details are in the reader's language.
func TestOrderPageViewModelInChinese(t *testing.T) {
	c := pageCases()[0]
	s := c.by[models.RoleBuyer]
	p := &orders.OrderPage{Order: c.order, Events: s.events, Allowed: map[models.Action]bool{}}
	ctx := views.WithInfo(context.Background(), &views.Info{Lang: views.Chinese})
	vm := orderPageVM(ctx, p, models.RoleBuyer, pageBank, false, nil)
	if got := vm.Timeline[1].Detail; len(got) != 2 || got[1] != "尚缺：¥30.00" {
		t.Fatalf("details = %q", got)
	}
}

// The order's fixed-line charge, as the order page shows it: what
// OfOrder gave (which already masks the line and keeps the holder check
// from the buyer), nothing made up; no charge, no card.
func TestOrderPageViewModelShowsTheCharge(t *testing.T) {
	o := baseOrder()
	paidAt := at(5)
	o.State, o.Held, o.Funding, o.PaidAt = models.Paid, money("50.00"), models.FundingTelecom, &paidAt
	due := at(60 * 24 * 30)
	line := &orders.ChargeLine{ID: "TC1", Phone: "0530-***2001", State: models.ChargeBilled, BillCycle: "2026-12", Waiting: "payment",
		DueAt: &due, LateFee: money("0.00"), Credited: money("10.00"), HolderMismatch: true}
	p := &orders.OrderPage{Order: o, Allowed: models.Allowed(o, pageSeller), Charge: line}
	vm := orderPageVM(context.Background(), p, models.RoleSeller, pageBank, false, nil)
	want := &views.OrderChargeVM{Phone: "0530-***2001", HolderMismatch: true, ChargeFacts: views.ChargeFacts{State: "billed",
		Waiting: views.WaitPayment, BillCycle: "2026-12", DueAt: &due, LateFee: money("0.00"), Credited: money("10.00")}}
	if !reflect.DeepEqual(vm.Charge, want) {
		t.Fatalf("Charge = %+v, want %+v", vm.Charge, want)
	}
	if vm.Landline != nil {
		t.Fatal("the order page's view model read the buyer's landline")
	}
	p.Charge = nil
	if vm := orderPageVM(context.Background(), p, models.RoleSeller, pageBank, false, nil); vm.Charge != nil {
		t.Fatalf("a charge from nowhere: %+v", vm.Charge)
	}
}
