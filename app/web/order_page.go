package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/orders"
	"lineescrow/models"
	"lineescrow/views"
)

// orderVM builds the order page for the current user; f is the form to show
// again after a refused action (nil for a fresh page).
func (s *Server) orderVM(c echo.Context, id int64, f *views.Form) (views.OrderVM, error) {
	ctx := c.Request().Context()
	u := currentUser(c)
	p, err := s.Orders.OrderPage(ctx, u.Actor(), id)
	if err != nil {
		return views.OrderVM{}, err
	}
	vm := orderPageVM(ctx, p, u.Role, s.bankInfo(), s.Config.Demo, f)
	vm.HasPayPassword = u.HasPayPassword()
	if u.Role == models.RoleBuyer && p.Order.State == models.AwaitingPayment && s.Telecom != nil {
		// Whether the buyer can pay by landline bill: the line and its credit.
		lp, err := s.Telecom.Standing(ctx, u.Actor())
		if err != nil {
			return views.OrderVM{}, err
		}
		vm.Landline = landlinePayVM(lp)
	}
	return vm, nil
}

// orderPageVM turns an order's page into its view model for role: the
// labels in the reader's language (ctx), the other party's name (never the
// reader's own), the payment instructions and, in demo mode, the bank
// simulator's link for a buyer who has to pay. It reads nothing but its
// arguments.
func orderPageVM(ctx context.Context, p *orders.OrderPage, role models.Role, bank views.BankInfo, demo bool, f *views.Form) views.OrderVM {
	o := p.Order
	if f == nil {
		f = views.NewForm()
	}
	vm := views.OrderVM{Order: o, Role: string(role), Base: orderBase(role, o.ID), Ledger: ledgerLines(p.Moves),
		Bank: bank, Allowed: p.Allowed, Form: f, Photo: p.Photo, Money: views.OrderMoneyVM{Buyer: p.Buyer, Proceeds: p.Proceeds}}
	if p.ExtendBy > 0 {
		vm.ExtendBy = views.Duration(ctx, p.ExtendBy)
	}
	vm.Charge = orderChargeVM(p.Charge)
	vm.Countdown = views.NewCountdown(o, p.Now, vm.Base)
	if _, ok := f.Values["amount"]; !ok && o.Refund == models.RefundNone {
		f.Values["amount"] = o.Held.String() // a refund asks for everything held, unless the buyer says otherwise
	}
	for _, e := range p.Events {
		vm.Timeline = append(vm.Timeline, views.TimelineItem{At: e.At, Kind: e.Kind, Who: whoLabel(e.ActorRole), Detail: eventDetail(ctx, e.Detail)})
	}
	for _, cr := range p.Credits {
		vm.Credits = append(vm.Credits, views.CreditRow{BankTxnID: cr.BankTxnID, Amount: cr.Amount, Reference: cr.Reference,
			Outcome: cr.Outcome, At: cr.At, Reversed: cr.Reversed})
	}
	if role != models.RoleBuyer {
		for _, fl := range p.Flags {
			vm.Flags = append(vm.Flags, views.FlagRow{ID: fl.ID, Kind: fl.Kind, Open: fl.Open, At: fl.At, OrderID: o.ID})
		}
	}
	if role == models.RoleBuyer && o.State == models.AwaitingPayment {
		vm.Wallet, vm.Missing = p.Wallet, p.Missing
		if demo {
			vm.SimURL = "/sim/bank/?" + url.Values{"amount": {vm.TransferAmount().String()}, "memo": {o.PayReference}, "payer_name": {p.BuyerName}, "back": {vm.Base}}.Encode()
		}
	}
	if role != models.RoleSeller {
		vm.SellerName = p.ShopName
	}
	if role != models.RoleBuyer {
		vm.BuyerName = p.BuyerName
	}
	return vm
}

func whoLabel(role string) string {
	switch role {
	case "buyer":
		return "Buyer"
	case "seller":
		return "Seller"
	case "operator":
		return "Operator"
	}
	return "System"
}

// eventDetail renders an event's details as short lines in the reader's language.
func eventDetail(ctx context.Context, raw []byte) []string {
	var d map[string]any
	if err := jsonUnmarshal(raw, &d); err != nil || len(d) == 0 {
		return nil
	}
	labels := []struct{ key, label string }{
		{"amount", "Amount: %s"}, {"released", "Released: %s"}, {"fee", "Commission: %s"}, {"to_seller", "To the seller: %s"},
		{"refunded", "Refunded: %s"}, {"surplus_to_wallet", "Surplus to the balance: %s"}, {"to_wallet", "To the balance: %s"},
		{"missing", "Still missing: %s"}, {"carrier", "Carrier: %s"}, {"tracking_no", "Tracking number: %s"},
		{"reason", "Reason: %s"}, {"decision", "Decision: %s"}, {"recovered", "Recovered: %s"}, {"shortfall", "Not recovered: %s"},
		{"reversed", "Taken back by the bank: %s"}, {"from_seller", "Taken back from the seller's balance: %s"},
		{"from_refund", "Taken back from the refund: %s"}, {"earlier_transfers", "From earlier transfers: %s"},
		{"refund_capped_to", "The refund asked for is now at most: %s"},
		{"phone", "Landline: %s"}, {"bill_cycle", "Bill cycle: %s"}, {"days_overdue", "Days overdue: %s"}, {"late_fee", "Late fee: %s"},
	}
	var out []string
	for _, l := range labels {
		v, ok := d[l.key]
		if !ok {
			continue
		}
		text := fmt.Sprint(v)
		if m, err := models.ParseMoney(text); err == nil && strings.Contains(text, ".") {
			text = m.Display()
		} else if l.key == "decision" || l.key == "carrier" { // a listed carrier's English name translates
			text = views.T(ctx, text)
		}
		out = append(out, views.Tf(ctx, l.label, text))
	}
	return out
}
