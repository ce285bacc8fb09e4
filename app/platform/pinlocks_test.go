package platform_test

import (
	"context"
	"sync/atomic"
	"testing"

	"lineescrow/app/instore"
	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// unlockedChecks checks payment passwords like the real one, after
// asserting that no session of the database holds a transaction open: no row
// lock (which needs a transaction id) and no transaction waiting on its
// client, so nothing queues behind a PIN being hashed.
type unlockedChecks struct {
	e    *ptest.Env
	real interface {
		VerifyPayPassword(context.Context, int64, string) error
	}
	checks atomic.Int64
}

func (u *unlockedChecks) VerifyPayPassword(ctx context.Context, userID int64, pin string) error {
	u.checks.Add(1)
	var open []struct {
		Pid   int
		State string
		Query string
	}
	if err := u.e.DB.Raw(`SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database()
		AND pid <> pg_backend_pid() AND (backend_xid IS NOT NULL OR state LIKE 'idle in transaction%')`).Scan(&open).Error; err != nil {
		u.e.T.Fatal(err)
	}
	if len(open) > 0 {
		u.e.T.Errorf("a payment password was checked while a transaction was open: %+v", open)
	}
	return u.real.VerifyPayPassword(ctx, userID, pin)
}

// TestNoLockIsHeldWhileAPINIsChecked walks the money paths that ask for the
// payment password (pay from the balance, confirm receipt, pay a shop, its
// refund, a withdrawal) and checks at each check that no transaction holds a
// lock while the PIN is hashed.
func TestNoLockIsHeldWhileAPINIsChecked(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	u := &unlockedChecks{e: e, real: e.Auth}
	e.Orders.PayPasswords, e.Payouts.Passwords, e.Instore.PayPasswords = u, u, u
	e.Telecom.PayPasswords, e.Bills.Passwords = u, u
	ctx := e.Ctx
	l := e.Listing("10.00", 10)

	// Paid by bank with a surplus: the balance pays the next order.
	o1 := e.Checkout(e.Buyer, l, 1)
	e.Credit("100.00", o1.PayReference)
	o2 := e.Checkout(e.Buyer, l, 1)
	if _, err := e.Orders.PayFromWallet(ctx, e.Buyer.Actor(), o2.ID, ptest.PIN); err != nil {
		t.Fatalf("pay from the balance: %v", err)
	}
	if _, err := e.Orders.Ship(ctx, e.Seller.Actor(), o1.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatalf("ship: %v", err)
	}
	if _, err := e.Orders.Confirm(ctx, e.Buyer.Actor(), o1.ID, ptest.PIN); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	shop, err := e.Instore.Enable(ctx, e.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Instore.Pay(ctx, e.Buyer.Actor(), string(shop.Number), models.MustParseMoney("5.00"), instore.MethodWallet, ptest.PIN, "counter-1")
	if err != nil {
		t.Fatalf("pay a shop: %v", err)
	}
	if _, err := e.Instore.Refund(ctx, e.Seller.Actor(), p.ID, ptest.PIN); err != nil {
		t.Fatalf("refund at the shop: %v", err)
	}
	if _, err := e.Payouts.Withdraw(ctx, e.Buyer.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("10.00"),
		Account: "6222020200112233", PayPassword: ptest.PIN}); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	if n := u.checks.Load(); n != 5 {
		t.Fatalf("%d payment password checks, want 5", n)
	}
}
