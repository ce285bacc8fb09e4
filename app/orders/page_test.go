package orders_test

import (
	"encoding/json"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/app/risk"
	"lineescrow/models"
)

func TestOrderPageShowsEachRoleItsSide(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("50.00", 5), 1)
	short := e.Credit("20.00", o.PayReference) // short: kept on the buyer's wallet, the order still waits
	if err := risk.Raise(e.Ctx, e.DB.DB, risk.TimerFailed, &o.ID, nil, map[string]any{"why": "test"}); err != nil {
		t.Fatal(err)
	}

	buyer, err := e.Orders.OrderPage(e.Ctx, e.Buyer.Actor(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if buyer.Order.ID != o.ID || buyer.Wallet.String() != "20.00" || buyer.Missing.String() != "30.00" || buyer.Flags != nil {
		t.Fatalf("buyer's page: wallet %s, missing %s, flags %v", buyer.Wallet, buyer.Missing, buyer.Flags)
	}
	if len(buyer.Credits) != 1 || buyer.Credits[0].BankTxnID != short || buyer.Credits[0].Outcome != "short" || buyer.Credits[0].Reversed {
		t.Fatalf("buyer's credits = %+v", buyer.Credits)
	}
	if buyer.ShopName != e.Seller.DisplayName+"'s shop" || buyer.BuyerName != e.Buyer.DisplayName {
		t.Fatalf("names = %q, %q", buyer.ShopName, buyer.BuyerName)
	}
	if !buyer.Allowed[models.ActPay] || !buyer.Allowed[models.ActCancel] || len(buyer.Allowed) != 2 {
		t.Fatalf("buyer may %v", buyer.Allowed)
	}

	seller, err := e.Orders.OrderPage(e.Ctx, e.Seller.Actor(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !seller.Wallet.IsZero() || len(seller.Flags) != 1 || !seller.Flags[0].Open || seller.Flags[0].Kind != string(risk.TimerFailed) {
		t.Fatalf("seller's page: wallet %s, flags %+v", seller.Wallet, seller.Flags)
	}
	if len(seller.Allowed) != 0 {
		t.Fatalf("seller may %v on an unpaid order", seller.Allowed)
	}
	op, err := e.Orders.OrderPage(e.Ctx, e.Operator.Actor(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(op.Flags) != 1 || !op.Wallet.IsZero() || op.BuyerName != e.Buyer.DisplayName {
		t.Fatalf("operator's page: flags %+v, wallet %s", op.Flags, op.Wallet)
	}

	// The timeline and the money trail are Timeline's, role by role.
	for _, a := range []models.Actor{e.Buyer.Actor(), e.Seller.Actor(), e.Operator.Actor()} {
		p, err := e.Orders.OrderPage(e.Ctx, a, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		events, moves, err := e.Orders.Timeline(e.Ctx, a, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		pe, _ := json.Marshal(p.Events)
		te, _ := json.Marshal(events)
		pm, _ := json.Marshal(p.Moves)
		tm, _ := json.Marshal(moves)
		if string(pe) != string(te) || string(pm) != string(tm) {
			t.Errorf("%s: the page's timeline differs from Timeline's:\n%s\n%s\n%s\n%s", a.Role, pe, te, pm, tm)
		}
	}

	// Nobody else sees the page.
	other := e.User("13700137000", models.RoleSeller, "Other seller")
	for _, a := range []models.Actor{e.Buyer2.Actor(), other.Actor(), models.Anonymous} {
		if _, err := e.Orders.OrderPage(e.Ctx, a, o.ID); models.ErrorCode(err) != models.ENOTFOUND {
			t.Errorf("%+v sees the order page: %v", a, err)
		}
	}

	// Paid: the buyer's wallet is no longer part of the page.
	e.Credit("30.00", o.PayReference)
	paid, err := e.Orders.OrderPage(e.Ctx, e.Buyer.Actor(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if paid.Order.State != models.Paid || !paid.Wallet.IsZero() || len(paid.Credits) != 2 {
		t.Fatalf("after paying: %s, wallet %s, %d credits", paid.Order.State, paid.Wallet, len(paid.Credits))
	}
}
