package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"lineescrow/app/dbtest"
	"lineescrow/app/platform"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/store"
	"lineescrow/models"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// rows counts what seeding would write.
func rows(t *testing.T, db *store.DB) (users, listings, audit int64) {
	t.Helper()
	for q, n := range map[string]*int64{"users": &users, "listings": &listings, "audit_log": &audit} {
		if err := db.Raw("SELECT count(*) FROM " + q).Scan(n).Error; err != nil {
			t.Fatal(err)
		}
	}
	return
}

func TestSeedOnlyInDemoMode(t *testing.T) {
	t.Parallel()
	db, url := dbtest.NewWithURL(t)
	for _, demo := range []string{"", "false", "0", "yes please"} {
		var out bytes.Buffer
		err := seedCmd(context.Background(), envOf(map[string]string{"DEMO": demo, "DATABASE_URL": url}), &out)
		if err == nil || !strings.Contains(err.Error(), "only in demo mode (DEMO=true)") {
			t.Fatalf("DEMO=%q: %v", demo, err)
		}
		if u, l, a := rows(t, db); u+l+a != 0 || out.Len() != 0 {
			t.Fatalf("DEMO=%q wrote %d users, %d listings, %d audit entries; said %q", demo, u, l, a, out.String())
		}
	}
}

func TestSeedRefusesARealDatabase(t *testing.T) {
	t.Parallel()
	db, url := dbtest.NewWithURL(t)
	p, err := platform.New(ptest.Config(t), db, ptest.Quiet, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.Auth.Register(ctx, models.Registration{Role: models.RoleBuyer, Login: "15800001111", Password: "a real person's password",
		DisplayName: "Real Person"}, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	before := [3]int64{}
	before[0], before[1], before[2] = rows(t, db)
	env := envOf(map[string]string{"DEMO": "true", "DATABASE_URL": url})
	err = seedCmd(ctx, env, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not a demo database") || !strings.Contains(err.Error(), "1 users who are not demo accounts") {
		t.Fatalf("seed on a real database: %v", err)
	}
	if u, l, a := rows(t, db); [3]int64{u, l, a} != before {
		t.Fatalf("refused seed wrote: %d users, %d listings, %d audit entries; before %v", u, l, a, before)
	}

	// A real person who happens to have a demo number makes it real too.
	db2, url2 := dbtest.NewWithURL(t)
	p2, err := platform.New(ptest.Config(t), db2, ptest.Quiet, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p2.Auth.Register(ctx, models.Registration{Role: models.RoleBuyer, Login: "13800138000", Password: "not the demo password",
		DisplayName: "Someone"}, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	if err := seedCmd(ctx, envOf(map[string]string{"DEMO": "true", "DATABASE_URL": url2}), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "not a demo database") {
		t.Fatalf("seed over a real user with a demo number: %v", err)
	}
	if u, _, _ := rows(t, db2); u != 1 {
		t.Fatalf("%d users after a refused seed", u)
	}
}

func TestSeedTwiceAddsNothing(t *testing.T) {
	t.Parallel()
	db, url := dbtest.NewWithURL(t)
	env := envOf(map[string]string{"DEMO": "true", "DATABASE_URL": url})
	var out bytes.Buffer
	if err := seedCmd(context.Background(), env, &out); err != nil {
		t.Fatal(err)
	}
	u1, l1, _ := rows(t, db)
	if u1 != 5 || l1 != 5 || !strings.Contains(out.String(), "136 0013 6000") {
		t.Fatalf("first seed: %d users, %d listings\n%s", u1, l1, out.String())
	}
	// Someone registers on the demo: it stays a demo database.
	p, err := platform.New(ptest.Config(t), db, ptest.Quiet, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Auth.Register(context.Background(), models.Registration{Role: models.RoleBuyer, Login: "15800001111",
		Password: "a visitor's password", DisplayName: "Visitor"}, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	if err := seedCmd(context.Background(), env, &bytes.Buffer{}); err != nil {
		t.Fatalf("second seed of a demo database: %v", err)
	}
	if u2, l2, _ := rows(t, db); u2 != u1+1 || l2 != l1 {
		t.Fatalf("second seed: %d users, %d listings (had %d, %d and one visitor)", u2, l2, u1, l1)
	}
}
