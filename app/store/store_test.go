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
