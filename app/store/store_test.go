package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"lineescrow/app/dbtest"
	"lineescrow/app/store"
)

func TestEveryMigrationGoesDownAndUpAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	p, err := store.Migrator(db.SQL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to 0: %v", err)
	}
	var tables int
	db.Raw(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`).Scan(&tables)
	if tables != 0 {
		t.Fatalf("%d tables left after migrating down", tables)
	}
	if _, err := store.MigrateUp(ctx, db.SQL); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if ok, err := store.MigrationsCurrent(ctx, db.SQL); !ok || err != nil {
		t.Fatalf("not current after up: %v", err)
	}
	db.Raw(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('river_job', 'ledger_postings', 'orders', 'users')`).Scan(&tables)
	if tables != 4 {
		t.Fatalf("tables after up: %d", tables)
	}
}

func TestInTxRetriesSerializationFailuresAndDeadlocks(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	for _, code := range []string{"40001", "40P01"} {
		calls := 0
		err := store.InTx(context.Background(), db.DB, func(tx *gorm.DB) error {
			calls++
			if calls < 3 {
				return &pgconn.PgError{Code: code}
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Fatalf("%s: %d calls, err %v", code, calls, err)
		}
	}
	// Bounded: a failure that never clears gives up.
	calls := 0
	err := store.InTx(context.Background(), db.DB, func(tx *gorm.DB) error { calls++; return &pgconn.PgError{Code: "40001"} })
	if store.PgCode(err) != "40001" || calls != store.MaxRetries+1 {
		t.Fatalf("endless failure: %d calls, %v", calls, err)
	}
	// Other errors are not retried.
	calls = 0
	boom := errors.New("boom")
	if err := store.InTx(context.Background(), db.DB, func(tx *gorm.DB) error { calls++; return boom }); !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("plain error: %d calls", calls)
	}
}

func TestReadinessSaysWhy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := dbtest.NewWithURL(t)
	db, err := store.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	r := store.NewReadiness(db.SQL)
	if err := r.Ready(ctx); err != nil {
		t.Fatalf("fresh database not ready: %v", err)
	}
	db.Close()
	err = r.Ready(ctx)
	var nr *store.NotReady
	if !errors.As(err, &nr) || err.Error() != "database unreachable" || errors.Unwrap(err) == nil {
		t.Fatalf("closed pool: %v (cause %v), want database unreachable with its cause", err, errors.Unwrap(err))
	}
}

func TestASnapshotSeesOneMomentOfTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if err := db.Exec(`CREATE TABLE snap (n int)`).Error; err != nil {
		t.Fatal(err)
	}
	count := func(ctx context.Context) int {
		var n int
		if err := store.Reader(ctx, db.DB).Raw(`SELECT count(*) FROM snap`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	err := store.Snapshot(ctx, db.DB, func(ctx context.Context) error {
		before := count(ctx)
		// Another connection commits a row between the page's two reads.
		if err := db.WithContext(context.Background()).Exec(`INSERT INTO snap VALUES (1)`).Error; err != nil {
			t.Fatal(err)
		}
		if after := count(ctx); after != before {
			t.Errorf("inside the snapshot the count went from %d to %d", before, after)
		}
		// Nested snapshots share the outer one.
		return store.Snapshot(ctx, db.DB, func(ctx context.Context) error {
			if n := count(ctx); n != before {
				t.Errorf("a nested snapshot saw %d rows, want %d", n, before)
			}
			// And it is read-only: nothing a page reads with can write.
			if err := store.Reader(ctx, db.DB).Exec(`INSERT INTO snap VALUES (2)`).Error; store.PgCode(err) != "25006" {
				t.Errorf("a write inside the snapshot: %v, want 25006 (read-only transaction)", err)
			}
			return nil
		})
	})
	if err == nil {
		t.Fatal("the snapshot's failed write did not fail the snapshot")
	}
	if n := count(ctx); n != 1 {
		t.Fatalf("outside the snapshot: %d rows, want 1", n)
	}
}
