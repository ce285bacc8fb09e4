package platform_test

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/store"
	"lineescrow/models"
)

// TestReportsReadTheReplicaAndMoneyNeverDoes gives the platform a "replica"
// (a second pool on the same database, whose every statement is recorded):
// a whole trade and a withdrawal run without one statement on it; the
// reports read it while it is fresh and the primary before it was ever
// measured.
func TestReportsReadTheReplicaAndMoneyNeverDoes(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	pool, err := store.Open(e.Ctx, e.URL, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rec := &recorder{}
	r := store.NewReplica(e.DB.DB, pool.DB.Session(&gorm.Session{Logger: rec}), 2*time.Second, ptest.Quiet)
	e.UseReplica(r)
	seller, op := e.Seller.Actor(), e.Operator.Actor()
	reports := map[string]func() error{
		"seller dashboard": func() error { _, err := e.Sellers.Dashboard(e.Ctx, seller); return err },
		"seller statement": func() error {
			_, err := e.Sellers.Statement(e.Ctx, seller, e.Clock.Now().AddDate(0, 0, -1), e.Clock.Now())
			return err
		},
		"books overview":  func() error { _, err := e.Books.Overview(e.Ctx, op); return err },
		"ledger accounts": func() error { _, err := e.Books.Accounts(e.Ctx, op); return err },
		"ledger explorer": func() error { _, err := e.Books.Movements(e.Ctx, op, "escrow:*"); return err },
		"books dashboard": func() error { _, err := e.Books.DashboardOf(e.Ctx, op, true); return err },
	}

	// Money moves while the replica is fresh: none of it reads the replica.
	r.Probe(e.Ctx)
	if !r.Fresh() {
		t.Fatal("a replica on the primary itself is not fresh")
	}
	rec.take() // the probe's own
	l := e.Listing("66.60", 3)
	o := e.Checkout(e.Buyer, l, 1)
	e.Credit("66.60", o.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, seller, o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("20.00", ref)
	if _, err := e.Payouts.Withdraw(e.Ctx, e.Buyer.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("5.00"),
		Account: "6222020200112233", PayPassword: ptest.PIN}); err != nil {
		t.Fatal(err)
	}
	if sqls := rec.take(); len(sqls) > 0 {
		t.Fatalf("money decided on the replica: %q", sqls)
	}

	// Reports read it while it is fresh.
	for name, report := range reports {
		r.Probe(e.Ctx)
		rec.take()
		if err := report(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sqls := rec.take(); len(sqls) == 0 {
			t.Errorf("%s did not read the fresh replica", name)
		}
	}
	// A replica never measured (or behind its bound) is not read.
	stale := store.NewReplica(e.DB.DB, pool.DB.Session(&gorm.Session{Logger: rec}), 2*time.Second, ptest.Quiet)
	e.UseReplica(stale)
	for name, report := range reports {
		if err := report(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sqls := rec.take(); len(sqls) > 0 {
			t.Errorf("%s read a replica not known to be fresh: %q", name, sqls)
		}
	}
}
