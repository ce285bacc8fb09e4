package seed_test

import (
	"errors"
	"testing"

	"lineescrow/app/dbtest"
	"lineescrow/app/platform"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/seed"
)

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	p, err := platform.New(ptest.Config(t), db, ptest.Quiet, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	count := func() (users, listings int64) {
		db.Table("users").Count(&users)
		db.Table("listings").Count(&listings)
		return
	}
	logins, err := seed.Demo(t.Context(), db, p.Auth, p.Orders)
	if err != nil {
		t.Fatal(err)
	}
	u1, l1 := count()
	if u1 != 5 || l1 != 5 || len(logins) != 5 {
		t.Fatalf("first seed: %d users, %d listings, %d logins", u1, l1, len(logins))
	}
	if _, err := seed.Demo(t.Context(), db, p.Auth, p.Orders); err != nil {
		t.Fatal(err)
	}
	if u2, l2 := count(); u2 != u1 || l2 != l1 {
		t.Fatalf("second seed added: %d users, %d listings", u2-u1, l2-l1)
	}
	for _, l := range logins {
		if _, err := p.Auth.Login(t.Context(), l.Login, l.Password, "127.0.0.1"); err != nil {
			t.Fatalf("demo login %s: %v", l.Login, err)
		}
	}
}

func TestDemoRefusesARealDatabase(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	p, err := platform.New(ptest.Config(t), db, ptest.Quiet, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Auth.CreateOperator(t.Context(), "13600136999", "Real operator", "a real operator password"); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(t.Context(), db, p.Auth, p.Orders); !errors.Is(err, seed.ErrNotDemoDatabase) {
		t.Fatalf("Demo on a database with a real operator: %v", err)
	}
	var n int64
	db.Table("users").Count(&n)
	if n != 1 {
		t.Fatalf("%d users after a refused seed", n)
	}
}
