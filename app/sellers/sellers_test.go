package sellers_test

import (
	"fmt"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

func TestASellerSeesOnlyTheirOwnMoney(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	other := e.User("13700137000", models.RoleSeller, "Other seller")

	done := e.Checkout(e.Buyer, e.Listing("100.00", 5), 1) // completed: the seller is paid
	e.Credit("100.00", done.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), done.ID, "SF Express", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), done.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	toShip := e.Checkout(e.Buyer2, e.Listing("40.00", 5), 1) // paid, waiting to be shipped
	e.Credit("40.00", toShip.PayReference)
	e.Checkout(e.Buyer, e.Listing("7.00", 5), 1) // unpaid

	m, err := e.Sellers.Money(e.Ctx, e.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	avail := e.Balance(models.SellerAvailableAccount(e.Seller.ID))
	if m.Stages.Held.String() != "40.00" || m.Stages.Available.String() != avail || !m.Stages.Available.IsPositive() {
		t.Fatalf("stages = %+v, want 40.00 held and %s available", m.Stages, avail)
	}
	if len(m.Moves) == 0 {
		t.Fatal("no movements")
	}
	for _, mv := range m.Moves {
		if mv.Account != models.SellerAvailableAccount(e.Seller.ID) && mv.Account != models.SellerPendingAccount(e.Seller.ID) {
			t.Errorf("the seller sees a movement on %s", mv.Account)
		}
	}

	d, err := e.Sellers.Dashboard(e.Ctx, e.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if d.ShopName != e.Seller.DisplayName+"'s shop" || fmt.Sprint(d.Stages) != fmt.Sprint(m.Stages) || d.Work.ToShip != 1 || d.Work.Refunds != 0 {
		t.Fatalf("dashboard: shop %q, stages %v, work %+v", d.ShopName, d.Stages, d.Work)
	}
	if len(d.Recent) != 3 || d.Recent[0].ID < d.Recent[1].ID {
		t.Fatalf("recent orders = %d, want 3 newest first", len(d.Recent))
	}
	if len(d.History) == 0 || !d.History[len(d.History)-1].Available.Equal(m.Stages.Available) {
		t.Fatalf("history = %+v: today's point should be the money now", d.History)
	}

	// The other seller has nothing, and sees nothing of the first.
	om, err := e.Sellers.Money(e.Ctx, other.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if !om.Stages.Held.IsZero() || !om.Stages.Available.IsZero() || len(om.Moves) != 0 {
		t.Fatalf("the other seller's money = %+v", om)
	}
	od, err := e.Sellers.Dashboard(e.Ctx, other.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if len(od.Recent) != 0 || od.Work.ToShip != 0 || od.History != nil || od.ShopName != "Other seller's shop" {
		t.Fatalf("the other seller's dashboard = %+v", od)
	}

	for _, who := range []models.Actor{e.Buyer.Actor(), e.Operator.Actor(), models.Anonymous, {}, {Role: models.RoleSeller}} {
		if _, err := e.Sellers.Money(e.Ctx, who); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads a seller's money: %v", who, err)
		}
		if _, err := e.Sellers.Dashboard(e.Ctx, who); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads a seller's dashboard: %v", who, err)
		}
	}
}
