package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/ledger"
	"lineescrow/app/risk"
	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) bankInfo() views.BankInfo {
	return views.BankInfo{Bank: s.Config.BankName, Account: s.Config.BankAccount, Holder: s.Config.BankHolder}
}

// accountMoves turns the postings of one account into history lines, with
// the change each made to that account's balance.
func accountMoves(moves []models.Movement) []views.Movement {
	out := make([]views.Movement, 0, len(moves))
	for _, m := range moves {
		out = append(out, views.Movement{At: m.At, Kind: m.Kind, Ref: m.Ref, Direction: string(m.Direction), Amount: m.Amount, Delta: m.Delta()})
	}
	return out
}

// ledgerLines shows postings with their account in the Ref column.
func ledgerLines(moves []models.Movement) []views.Movement {
	out := make([]views.Movement, 0, len(moves))
	for _, m := range moves {
		out = append(out, views.Movement{At: m.At, Kind: m.Kind, Ref: m.Account, Direction: string(m.Direction), Amount: m.Amount})
	}
	return out
}

// orderBase is the path of an order's page for a role.
func orderBase(role models.Role, id int64) string {
	switch role {
	case models.RoleSeller:
		return fmt.Sprintf("/seller/orders/%d", id)
	case models.RoleOperator:
		return fmt.Sprintf("/ops/orders/%d", id)
	}
	return fmt.Sprintf("/orders/%d", id)
}

// orderVM builds the order page for the current user.
func (s *Server) orderVM(c echo.Context, id int64, f *views.Form) (views.OrderVM, error) {
	ctx := c.Request().Context()
	u := currentUser(c)
	a := u.Actor()
	o, err := s.Orders.Get(ctx, a, id)
	if err != nil {
		return views.OrderVM{}, err
	}
	events, moves, err := s.Orders.Timeline(ctx, a, id)
	if err != nil {
		return views.OrderVM{}, err
	}
	if f == nil {
		f = views.NewForm()
	}
	vm := views.OrderVM{Order: *o, Role: string(u.Role), Base: orderBase(u.Role, id), Ledger: ledgerLines(moves),
		Bank: s.bankInfo(), Allowed: models.Allowed(*o, a), Form: f}
	if _, ok := f.Values["amount"]; !ok && o.Refund == models.RefundNone {
		f.Values["amount"] = o.Held.String()
	}
	for _, e := range events {
		vm.Timeline = append(vm.Timeline, views.TimelineItem{At: e.At, Kind: e.Kind, Who: whoLabel(e.ActorRole), Detail: eventDetail(ctx, e.Detail)})
	}
	credits, err := s.Funding.CreditsOfOrder(ctx, id)
	if err != nil {
		return vm, err
	}
	for _, cr := range credits {
		vm.Credits = append(vm.Credits, views.CreditRow{BankTxnID: cr.BankTxnID, Amount: cr.Amount, Reference: cr.Reference,
			Outcome: string(cr.Outcome), At: cr.CreatedAt, Reversed: cr.ReversalTxnID != nil})
	}
	if u.Role != models.RoleBuyer {
		flags, err := s.Risk.List(ctx, a, risk.Query{OrderID: id})
		if err != nil {
			return vm, err
		}
		for _, fl := range flags {
			vm.Flags = append(vm.Flags, views.FlagRow{ID: fl.ID, Kind: string(fl.Kind), Open: fl.Status == "open", At: fl.CreatedAt, OrderID: id})
		}
	}
	if u.Role == models.RoleBuyer && o.State == models.AwaitingPayment {
		if vm.Wallet, err = ledger.Balance(ctx, s.DB.DB, models.WalletAccount(u.ID)); err != nil {
			return vm, err
		}
		if s.Config.Demo {
			vm.SimURL = "/sim/bank/?" + url.Values{"amount": {o.Amount.String()}, "memo": {o.PayReference}, "payer_name": {u.DisplayName}}.Encode()
		}
	}
	if u.Role != models.RoleSeller {
		if sel, err := s.Auth.Seller(ctx, o.SellerID); err == nil {
			vm.SellerName = sel.ShopName
		}
	}
	if u.Role != models.RoleBuyer {
		if b, err := s.Auth.Get(ctx, o.BuyerID); err == nil {
			vm.BuyerName = b.DisplayName
		}
	}
	return vm, nil
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
		} else if l.key == "decision" {
			text = views.T(ctx, text)
		}
		out = append(out, views.Tf(ctx, l.label, text))
	}
	return out
}
