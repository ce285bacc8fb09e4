package auth_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lineescrow/app/auth"
	"lineescrow/app/dbtest"
	"lineescrow/models"
)

func TestLimiterRefillsByItsClock(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	l := auth.NewLimiter(db.DB, "t", []byte("k"), time.Minute, 2)
	l.Now = func() time.Time { return now }
	allow := func(key string) bool {
		t.Helper()
		ok, err := l.Allow(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	first, second, third := allow("k"), allow("k"), allow("k")
	if !first || !second || third {
		t.Fatal("burst of 2 not enforced")
	}
	now = now.Add(59 * time.Second)
	if allow("k") {
		t.Fatal("refilled before the interval")
	}
	now = now.Add(time.Second)
	if !allow("k") || allow("k") {
		t.Fatal("not exactly one attempt after one interval")
	}
	if !allow("other") {
		t.Fatal("keys share a bucket")
	}
	// Another limiter's keys are its own, even for the same key.
	o := auth.NewLimiter(db.DB, "u", []byte("k"), time.Minute, 1)
	o.Now = l.Now
	if ok, err := o.Allow(ctx, "k"); err != nil || !ok {
		t.Fatalf("a second limiter shares the first one's bucket: %v %v", ok, err)
	}
	// Full buckets are swept (an hour later every bucket is full); the key
	// is stored hashed, never as typed.
	now = now.Add(time.Hour)
	if !allow("k") {
		t.Fatal("refused after an hour")
	}
	var rows []string
	db.Raw("SELECT key FROM rate_limits ORDER BY key").Scan(&rows)
	if len(rows) != 2 { // t/k taken again, t/other swept; u sweeps its own
		t.Fatalf("rows after the sweep: %q", rows)
	}
	for _, k := range rows {
		if k == "t/k" || k == "u/k" || k == "t/other" {
			t.Fatalf("key stored as typed: %q", k)
		}
	}
}

func TestLimiterReserveGivesBack(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	l := auth.NewLimiter(db.DB, "t", nil, time.Hour, 2)
	l.Now = func() time.Time { return now }
	for i := range 10 {
		back, ok, err := l.Reserve(ctx, "k")
		if err != nil || !ok {
			t.Fatalf("reservation %d refused although every one was given back: %v", i, err)
		}
		back()
	}
	if _, ok, _ := l.Reserve(ctx, "k"); !ok {
		t.Fatal("first kept reservation refused")
	}
	if ok, _ := l.Allow(ctx, "k"); !ok {
		t.Fatal("second attempt refused")
	}
	if back, ok, _ := l.Reserve(ctx, "k"); ok || back != nil {
		t.Fatal("reservation beyond the burst allowed")
	}
	if ok, _ := l.Allow(ctx, "k"); ok {
		t.Fatal("a refused reservation left a token")
	}
}

// Several nodes share one database: attempts on all of them at once draw on
// one bucket, and exactly burst of them are allowed.
func TestLimiterIsSharedByNodes(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	const burst, nodes, each = 5, 3, 20
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range nodes {
		l := auth.NewLimiter(db.DB, "login.account", []byte("k"), time.Minute, burst)
		l.Now = func() time.Time { return now }
		for range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := l.Allow(ctx, "acct:13800138000")
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	if got := allowed.Load(); got != burst {
		t.Fatalf("%d of %d attempts on %d nodes allowed, want the burst %d", got, nodes*each, nodes, burst)
	}
}

// A limit that cannot be checked refuses.
func TestLimiterRefusesWhenTheDatabaseFails(t *testing.T) {
	db := dbtest.New(t)
	l := auth.NewLimiter(db.DB, "t", nil, time.Minute, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := l.Allow(ctx, "k"); ok || err == nil {
		t.Fatalf("allowed without the database: %v %v", ok, err)
	}
}

// Two nodes, each with its own Service on one database: wrong passwords on
// either count towards one account's login limit.
func TestLoginLimitHoldsAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	a := auth.NewService(db.DB, auth.NewTokens(secret, 30*time.Minute), []byte(pepper))
	b := auth.NewService(db.DB, auth.NewTokens(secret, 30*time.Minute), []byte(pepper))
	u := register(t, a, "13800138012", models.RoleBuyer)
	for i := range 5 {
		node := []*auth.Service{a, b}[i%2]
		if _, err := node.Login(ctx, u.Login, "wrong password "+strconv.Itoa(i), "10.9.9."+strconv.Itoa(i)); models.ErrorCode(err) != models.EUNAUTHORIZED {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	for name, node := range map[string]*auth.Service{"first node": a, "second node": b} {
		if _, err := node.Login(ctx, u.Login, "correct horse battery", "10.9.9.99"); models.ErrorCode(err) != models.ERATELIMIT {
			t.Errorf("%s after five wrong passwords spread over two nodes: %v, want rate limited", name, err)
		}
	}
}
