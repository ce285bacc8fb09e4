package platform_test

import (
	"testing"

	"lineescrow/app/audit"
	"lineescrow/app/auth"
	"lineescrow/app/gateway"
	"lineescrow/app/orders"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/risk"
	"lineescrow/models"
)

// TestNobodyIsGrantedAnything asks every service that decides by the actor
// as nobody: an anonymous visitor, the zero Actor, and actors that carry a
// role but no user (which no session can produce, and which must not pass
// for an operator or a party to an order). Each may read the listings on
// sale and nothing else.
func TestNobodyIsGrantedAnything(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("25.00", 5)
	withdrawn := e.Listing("30.00", 5)
	if err := e.Orders.SetListingStatus(e.Ctx, e.Seller.Actor(), withdrawn.ID, models.ListingWithdrawn); err != nil {
		t.Fatal(err)
	}
	o := e.Checkout(e.Buyer, l, 1)
	ctx := e.Ctx

	nobodies := map[string]models.Actor{
		"anonymous":         models.Anonymous,
		"zero":              {},
		"negative id":       {UserID: -1},
		"operator, no user": {Role: models.RoleOperator},
		"buyer, no user":    {Role: models.RoleBuyer},
		"seller, no user":   {Role: models.RoleSeller},
		"system, with id":   {Role: models.RoleSystem, UserID: e.Buyer.ID}, // only the id-less System is the platform
	}
	for name, who := range nobodies {
		t.Run(name, func(t *testing.T) {
			if !who.IsNobody() && who.Role != models.RoleSystem {
				t.Errorf("%+v is somebody", who)
			}
			if who.IsOperator() || who.IsBuyer() || who.IsSeller() || who.IsSystem() {
				t.Errorf("%+v passes for a role", who)
			}
			if got := models.Allowed(*o, who); len(got) != 0 {
				t.Errorf("may act on an order: %v", got)
			}

			// What is public.
			list, err := e.Orders.Listings(ctx, who, orders.ListingQuery{})
			if err != nil || len(list) != 1 || list[0].ID != l.ID {
				t.Errorf("listings = %v, %v; want the one on sale", list, err)
			}
			if own, err := e.Orders.Listings(ctx, who, orders.ListingQuery{SellerID: e.Seller.ID}); err != nil || len(own) != 1 {
				t.Errorf("a seller's listings = %v, %v; want only the one on sale", own, err)
			}
			if _, err := e.Orders.Listing(ctx, who, l.ID); err != nil {
				t.Errorf("listing on sale: %v", err)
			}

			// Everything else.
			forbidden := map[string]error{}
			notFound := map[string]error{}
			_, notFound["withdrawn listing"] = e.Orders.Listing(ctx, who, withdrawn.ID)
			_, notFound["order"] = e.Orders.Get(ctx, who, o.ID)
			_, _, notFound["timeline"] = e.Orders.Timeline(ctx, who, o.ID)
			_, notFound["order page"] = e.Orders.OrderPage(ctx, who, o.ID)
			_, notFound["cancel"] = e.Orders.Cancel(ctx, who, o.ID)
			_, notFound["update listing"] = e.Orders.UpdateListing(ctx, who, l.ID, models.ListingInput{Title: "x", Price: "1.00", Stock: "1"})
			notFound["withdraw listing"] = e.Orders.SetListingStatus(ctx, who, l.ID, models.ListingWithdrawn)
			_, forbidden["checkout"] = e.Orders.Checkout(ctx, who, models.Checkout{ListingID: l.ID, Quantity: 1,
				ConsigneeName: "张伟", ConsigneePhone: "13800138000", ConsigneeAddress: "菏泽市中华路 1 号"})
			_, forbidden["create listing"] = e.Orders.CreateListing(ctx, who, models.ListingInput{Title: "x", Price: "1.00", Stock: "1"})
			_, forbidden["flags"] = e.Risk.List(ctx, who, risk.Query{OpenOnly: true})
			_, forbidden["flags of an order"] = e.Risk.List(ctx, who, risk.Query{OrderID: o.ID})
			forbidden["resolve flag"] = e.Risk.Resolve(ctx, who, 1, "done")
			_, forbidden["audit"] = e.Audit.List(ctx, who, audit.Filter{})
			_, forbidden["overview"] = e.Funding.OverviewOf(ctx, who)
			_, forbidden["bank events"] = e.Funding.Events(ctx, who, 10)
			_, forbidden["suspense"] = e.Funding.Credits(ctx, who, true, 10)
			forbidden["assign"] = e.Funding.AssignToOrder(ctx, who, "B1", o.ID, "note")
			_, forbidden["claw-backs"] = e.Clawbacks.List(ctx, who, true)
			_, forbidden["users"] = e.Auth.ListUsers(ctx, who, auth.UserQuery{})
			forbidden["freeze"] = e.Auth.SetFrozen(ctx, who, e.Buyer.ID, true, "test")
			_, forbidden["settings"] = e.Settings.Update(ctx, who, map[string]string{})
			_, forbidden["books"] = e.Books.Overview(ctx, who)
			_, forbidden["ledger accounts"] = e.Books.Accounts(ctx, who)
			_, forbidden["ledger check"] = e.Books.Check(ctx, who)
			_, forbidden["wallet"] = e.Funding.WalletOf(ctx, who)
			_, forbidden["account"] = e.Auth.Account(ctx, who)
			_, forbidden["seller's money"] = e.Sellers.Money(ctx, who)
			_, forbidden["seller's dashboard"] = e.Sellers.Dashboard(ctx, who)
			_, forbidden["approve a merchant"] = e.Gateway.Approve(ctx, who, e.Seller.ID)
			_, forbidden["freeze a merchant"] = e.Gateway.SetStatus(ctx, who, "2000000000000000", true, "test")
			_, forbidden["merchants"] = e.Gateway.Merchants(ctx, who)
			_, forbidden["merchant page"] = e.Gateway.Merchant(ctx, who)
			_, forbidden["merchant key"] = e.Gateway.UploadKey(ctx, who, e.Gateway.PlatformPublicKey(), 0)
			_, forbidden["merchant endpoints"] = e.Gateway.SetEndpoints(ctx, who, gateway.Endpoints{})
			_, forbidden["notifications"] = e.Gateway.Notifications(ctx, who, gateway.NotifyQuery{})
			forbidden["resend a notification"] = e.Gateway.Resend(ctx, who, "x")
			_, forbidden["order for a trade"] = e.Orders.CreateForTrade(ctx, e.DB.DB, who, orders.TradeOrder{})
			_, forbidden["take a gateway order"] = e.Orders.Take(ctx, who, o.ID, models.Checkout{})
			_, notFound["return to a shop"] = e.Gateway.ReturnURL(ctx, who, "2026120100000000000000")
			for what, err := range notFound {
				if models.ErrorCode(err) != models.ENOTFOUND {
					t.Errorf("%s: %v, want ENOTFOUND", what, err)
				}
			}
			for what, err := range forbidden {
				if models.ErrorCode(err) != models.EFORBIDDEN {
					t.Errorf("%s: %v, want EFORBIDDEN", what, err)
				}
			}
			if got, err := e.Orders.List(ctx, who, orders.Query{}); err != nil || len(got) != 0 {
				t.Errorf("orders = %v, %v; want none", got, err)
			}
		})
	}
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatalf("the order moved: %s", got.State)
	}
}
