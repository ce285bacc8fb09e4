package orders_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

func TestStockIsNeverOversold(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("99.00", 5)
	const buyers = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, out := 0, 0
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := e.Buyer
			if i%2 == 1 {
				b = e.Buyer2
			}
			_, err := e.Orders.Checkout(e.Ctx, b.Actor(), models.Checkout{ListingID: l.ID, Quantity: 1,
				ConsigneeName: "张伟", ConsigneePhone: "13800138000", ConsigneeAddress: "菏泽市中华路 1 号"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case models.ErrorField(err) == "quantity":
				out++
			default:
				t.Errorf("checkout: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 5 || out != buyers-5 {
		t.Fatalf("%d checkouts succeeded, %d refused; want 5 and %d", ok, out, buyers-5)
	}
	if n := e.Count("SELECT stock FROM listings WHERE id = ?", l.ID); n != 0 {
		t.Fatalf("stock = %d", n)
	}
	if n := e.Count("SELECT count(*) FROM orders"); n != 5 {
		t.Fatalf("%d orders", n)
	}
}

func TestCheckoutValidation(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("30000.00", 5)
	_, err := e.Orders.Checkout(e.Ctx, e.Buyer.Actor(), models.Checkout{ListingID: l.ID, Quantity: 2,
		ConsigneeName: "张伟", ConsigneePhone: "13800138000", ConsigneeAddress: "菏泽市中华路 1 号"})
	if models.ErrorField(err) != "quantity" {
		t.Fatalf("over the maximum amount: %v", err)
	}
	if n := e.Count("SELECT stock FROM listings WHERE id = ?", l.ID); n != 5 {
		t.Fatalf("a refused checkout changed the stock: %d", n)
	}
	if _, err := e.Orders.Checkout(e.Ctx, e.Seller.Actor(), models.Checkout{ListingID: l.ID, Quantity: 1}); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("seller checkout: %v", err)
	}
	if err := e.Orders.SetListingStatus(e.Ctx, e.Seller.Actor(), l.ID, models.ListingWithdrawn); err != nil {
		t.Fatal(err)
	}
	_, err = e.Orders.Checkout(e.Ctx, e.Buyer.Actor(), models.Checkout{ListingID: l.ID, Quantity: 1,
		ConsigneeName: "张伟", ConsigneePhone: "13800138000", ConsigneeAddress: "菏泽市中华路 1 号"})
	if models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("withdrawn listing: %v", err)
	}
}

func TestObjectLevelAccess(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("10.00", 3), 1)
	if _, err := e.Orders.Get(e.Ctx, e.Buyer2.Actor(), o.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("another buyer sees the order: %v", err)
	}
	other := e.User("13700137000", models.RoleSeller, "Other seller")
	if _, err := e.Orders.Get(e.Ctx, other.Actor(), o.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("another seller sees the order: %v", err)
	}
	if _, err := e.Orders.Cancel(e.Ctx, e.Buyer2.Actor(), o.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("another buyer cancels: %v", err)
	}
	if _, err := e.Orders.UpdateListing(e.Ctx, other.Actor(), o.ListingID, models.ListingInput{Title: "x", Price: "1", Stock: "1"}); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("another seller edits the listing: %v", err)
	}
	for _, a := range []models.Actor{e.Buyer.Actor(), e.Seller.Actor(), e.Operator.Actor()} {
		if _, err := e.Orders.Get(e.Ctx, a, o.ID); err != nil {
			t.Fatalf("%s cannot see the order: %v", a.Role, err)
		}
	}
}

// payByWallet tops the buyer's wallet up by a bank transfer and pays the order from it.
func payByWallet(t *testing.T, e *ptest.Env, o *models.Order) {
	t.Helper()
	ref, err := e.Funding.TopUpReference(e.Ctx, o.BuyerID)
	if err != nil {
		t.Fatal(err)
	}
	e.Credit(o.Amount.String(), ref)
	if _, err := e.Orders.PayFromWallet(e.Ctx, models.Actor{UserID: o.BuyerID, Role: models.RoleBuyer}, o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
}

func TestHappyPathReleasesToTheSeller(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("129.50", 3), 2)
	if o.Amount.String() != "259.00" {
		t.Fatalf("amount %s", o.Amount)
	}
	payByWallet(t, e, o)
	if got := e.Order(o.ID); got.State != models.Paid || got.Funding != models.FundingWallet || got.TimerKind != models.TimerShipBy {
		t.Fatalf("after pay: %s %s %s", got.State, got.Funding, got.TimerKind)
	}
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF Express", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	// A wrong payment password moves nothing.
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, "111333"); models.ErrorField(err) != "pay_password" {
		t.Fatalf("wrong pin: %v", err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	got := e.Order(o.ID)
	if got.State != models.Completed || got.Fee.String() != "1.55" || got.TimerKind != models.TimerNone {
		t.Fatalf("after confirm: %+v", got)
	}
	for acc, want := range map[string]string{
		models.SellerAvailableAccount(e.Seller.ID): "257.45",
		models.AccRevenueFees:                      "1.55",
		models.EscrowAccount(o.ID):                 "0.00",
		models.WalletAccount(e.Buyer.ID):           "0.00",
		models.AccBankCollection:                   "259.00",
	} {
		if b := e.Balance(acc); b != want {
			t.Errorf("%s = %s, want %s", acc, b, want)
		}
	}
	events, moves, err := e.Orders.Timeline(e.Ctx, e.Buyer.Actor(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range events {
		kinds = append(kinds, ev.Kind)
	}
	// The buyer sees the escrow and their wallet: never the seller's money
	// nor the platform's commission.
	if fmt.Sprint(kinds) != "[order.created order.pay order.ship order.confirm]" || len(moves) != 3 {
		t.Fatalf("timeline %v, %d movements", kinds, len(moves))
	}
	for _, m := range moves {
		if m.Account != models.EscrowAccount(o.ID) && m.Account != models.WalletAccount(e.Buyer.ID) {
			t.Errorf("the buyer sees a movement on %s", m.Account)
		}
	}
	for _, ev := range events {
		if strings.Contains(string(ev.Detail), "fee") || strings.Contains(string(ev.Detail), "to_seller") {
			t.Errorf("the buyer sees the commission: %s %s", ev.Kind, ev.Detail)
		}
	}
	if _, moves, _ := e.Orders.Timeline(e.Ctx, e.Seller.Actor(), o.ID); len(moves) != 3 {
		t.Errorf("the seller sees %d movements, want 3 (escrow in, escrow out, own balance)", len(moves))
	} else {
		for _, m := range moves {
			if m.Account == models.WalletAccount(e.Buyer.ID) || m.Account == models.AccRevenueFees || m.Account == models.AccBankCollection {
				t.Errorf("the seller sees a movement on %s", m.Account)
			}
		}
	}
	if _, moves, _ := e.Orders.Timeline(e.Ctx, e.Operator.Actor(), o.ID); len(moves) != 5 {
		t.Errorf("the operator sees %d movements, want all 5", len(moves))
	}
}

func TestCancelRestoresStockAndFrozenBuyerCannotPay(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("10.00", 3)
	o := e.Checkout(e.Buyer, l, 2)
	if n := e.Count("SELECT stock FROM listings WHERE id = ?", l.ID); n != 1 {
		t.Fatalf("stock after checkout = %d", n)
	}
	if _, err := e.Orders.Cancel(e.Ctx, e.Buyer.Actor(), o.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.Count("SELECT stock FROM listings WHERE id = ?", l.ID); n != 3 {
		t.Fatalf("stock after cancel = %d", n)
	}
	o2 := e.Checkout(e.Buyer, l, 1)
	if err := e.Auth.SetFrozen(e.Ctx, e.Operator.Actor(), e.Buyer.ID, true, "test"); err != nil {
		t.Fatal(err)
	}
	frozen := e.Buyer.Actor()
	frozen.Frozen = true
	if _, err := e.Orders.PayFromWallet(e.Ctx, frozen, o2.ID, ptest.PIN); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("frozen buyer paid: %v", err)
	}
}

func TestWalletMustCover(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("50.00", 3), 1)
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("49.99", ref)
	if _, err := e.Orders.PayFromWallet(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); models.ErrorCode(err) != models.EINSUFFICIENT {
		t.Fatalf("short wallet: %v", err)
	}
	if got := e.Order(o.ID); got.State != models.AwaitingPayment || e.Balance(models.WalletAccount(e.Buyer.ID)) != "49.99" {
		t.Fatalf("after refused payment: %s", got.State)
	}
}

func TestRefusedRefundDecidedBySplit(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("200.00", 3), 1)
	payByWallet(t, e, o)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "EMS", "EA987654321CN"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("80.00"), "Two boxes were crushed"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.RefuseRefund(e.Ctx, e.Seller.Actor(), o.ID, "Photos show intact boxes"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Escalate(e.Ctx, e.Buyer.Actor(), o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Decide(e.Ctx, e.Buyer.Actor(), o.ID, models.DecideSplit, models.MustParseMoney("50.00"), "x"); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("buyer decided: %v", err)
	}
	if _, err := e.Orders.Decide(e.Ctx, e.Operator.Actor(), o.ID, models.DecideSplit, models.MustParseMoney("50.00"), "One box damaged by the carrier"); err != nil {
		t.Fatal(err)
	}
	got := e.Order(o.ID)
	if got.State != models.Completed || got.Refunded.String() != "50.00" || got.Released.String() != "150.00" || got.Fee.String() != "0.90" {
		t.Fatalf("after split: %+v", got)
	}
	if w, s := e.Balance(models.WalletAccount(e.Buyer.ID)), e.Balance(models.SellerAvailableAccount(e.Seller.ID)); w != "50.00" || s != "149.10" {
		t.Fatalf("wallet %s, seller %s", w, s)
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action = 'order.decide' AND target = ?", fmt.Sprintf("order:%d", o.ID)); n != 1 {
		t.Fatalf("decision audited %d times", n)
	}
}

// TestConfirmRacesRefund runs the buyer's confirmation (after withdrawing a
// refund request) against the seller's acceptance of that refund and the
// refund timer, many times: each order ends one way, with its money in one place.
func TestConfirmRacesRefund(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("100.00", 50)
	for round := range 8 {
		o := e.Checkout(e.Buyer, l, 1)
		payByWallet(t, e, o)
		if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF0001112223334"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("100.00"), "changed my mind"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			if _, err := e.Orders.WithdrawRefund(e.Ctx, e.Buyer.Actor(), o.ID); err == nil {
				_, _ = e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN)
			}
		}()
		go func() {
			defer wg.Done()
			<-start
			_, _ = e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), o.ID, ptest.PIN)
		}()
		close(start)
		wg.Wait()
		got := e.Order(o.ID)
		switch got.State {
		case models.Closed:
			if got.Refunded.String() != "100.00" || !got.Released.IsZero() {
				t.Fatalf("round %d: closed with %+v", round, got)
			}
		case models.Completed:
			if got.Released.String() != "100.00" || !got.Refunded.IsZero() {
				t.Fatalf("round %d: completed with %+v", round, got)
			}
		default:
			// The buyer withdrew but the seller's accept lost the race and the
			// buyer's confirm ran after: both outcomes above; anything else is a bug.
			t.Fatalf("round %d: order ended %s", round, got.State)
		}
		if n := e.Count("SELECT count(*) FROM ledger_transfers WHERE ref = ? AND kind IN ('order.release', 'order.refund')", fmt.Sprintf("order:%d", o.ID)); n != 1 {
			t.Fatalf("round %d: %d release/refund transfers", round, n)
		}
	}
}

func TestCommissionRates(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	// New sellers take the operators' default.
	if _, err := e.Settings.Update(e.Ctx, e.Operator.Actor(), map[string]string{"fees.default_commission": "1"}); err != nil {
		t.Fatal(err)
	}
	fresh := e.User("13700137001", models.RoleSeller, "Fresh seller")
	if rates, _ := e.Sellers.Commissions(e.Ctx, []int64{fresh.ID}); rates[fresh.ID].String() != "0.01" {
		t.Fatalf("new seller's rate %v", rates[fresh.ID])
	}
	// An operator's per-seller rate applies to the next release.
	two, err := models.ParseRatePercent("rate", "2")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Sellers.SetCommission(e.Ctx, e.Buyer.Actor(), e.Seller.ID, two); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("buyer set a rate: %v", err)
	}
	if _, err := models.ParseRatePercent("rate", "25"); models.ErrorField(err) != "rate" {
		t.Fatalf("25%% accepted: %v", err)
	}
	if err := e.Sellers.SetCommission(e.Ctx, e.Operator.Actor(), e.Seller.ID, two); err != nil {
		t.Fatal(err)
	}
	o := e.Checkout(e.Buyer, e.Listing("33.33", 3), 1)
	payByWallet(t, e, o)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567812345"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	// 33.33 × 2% = 0.6666 → 0.67 (half-up); the seller gets the rest to the fen.
	if got := e.Order(o.ID); got.Fee.String() != "0.67" || e.Balance(models.SellerAvailableAccount(e.Seller.ID)) != "32.66" {
		t.Fatalf("fee %s, seller %s", got.Fee, e.Balance(models.SellerAvailableAccount(e.Seller.ID)))
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action = 'seller.commission'"); n != 1 {
		t.Fatalf("%d commission audit entries", n)
	}
}
