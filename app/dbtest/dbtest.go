// Package dbtest gives each integration test its own PostgreSQL database,
// cloned from a migrated template, so tests run in parallel against a real
// server and never touch the demo data.
//
// The server is TEST_DATABASE_URL (any database on it; the test databases are
// created beside it) or, when that is unset, the project's test cluster, started
// on demand (`make test` starts it first). Outside CI a missing server skips the
// test with a message; with CI set it fails.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lineescrow/app/devdb"
	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/app/store"
	"lineescrow/migrations"
)

var (
	setupOnce sync.Once
	setupErr  error
	serverURL string // admin URL (the postgres database)
	template  string
)

// New returns a fresh, migrated database for t, dropped when t ends. Before it
// is dropped the ledger invariants are checked: a test that leaves the books
// broken fails even when its own assertions passed.
func New(t testing.TB) *store.DB {
	t.Helper()
	db, _ := NewWithURL(t)
	return db
}

// NewWithURL is New that also returns the database's URL, for code under test
// that opens its own connections.
func NewWithURL(t testing.TB) (*store.DB, string) {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("integration database unavailable (CI is set, so this fails rather than skips): %v\n"+
				"Run `make test`, which starts the project's test cluster, or set TEST_DATABASE_URL.", setupErr)
		}
		t.Skipf("integration database unavailable: %v (run `make test` or set TEST_DATABASE_URL)", setupErr)
	}
	ctx := context.Background()
	name := fmt.Sprintf("le_t_%d_%s", time.Now().Unix(), randHex(6))
	if err := admin(ctx, func(c *pgx.Conn) error {
		var err error
		for attempt := 0; attempt < 50; attempt++ {
			_, err = c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize())
			if err == nil || store.PgCode(err) != "55006" { // 55006: template busy
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
		return err
	}); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u := devdb.WithDatabase(serverURL, name)
	db, err := store.Open(ctx, u, 12)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			if err := ledger.CheckInvariants(ctx, db.DB); err != nil {
				t.Errorf("after the test: %v", err)
			}
			if err := orders.CheckInvariants(ctx, db.DB); err != nil {
				t.Errorf("after the test: %v", err)
			}
			if _, err := ledger.Seal(ctx, db.DB); err != nil {
				t.Errorf("after the test: %v", err)
			} else if err := ledger.VerifyJournal(ctx, db.DB); err != nil {
				t.Errorf("after the test: %v", err)
			}
		}
		db.Close()
		_ = admin(ctx, func(c *pgx.Conn) error {
			_, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			return err
		})
	})
	return db, u
}

func setup() error {
	ctx := context.Background()
	serverURL = os.Getenv("TEST_DATABASE_URL")
	if serverURL == "" {
		u, err := devdb.Test.Start(ctx, "")
		if err != nil {
			return err
		}
		serverURL = u
	}
	template = "le_tmpl_" + schemaHash()
	return admin(ctx, func(c *pgx.Conn) error {
		// One process builds the template; the others wait here, then find it ready.
		if _, err := c.Exec(ctx, "SELECT pg_advisory_lock(4242424242)"); err != nil {
			return err
		}
		defer c.Exec(ctx, "SELECT pg_advisory_unlock(4242424242)") //nolint:errcheck
		var ready *bool
		_ = c.QueryRow(ctx, "SELECT NOT datallowconn FROM pg_database WHERE datname = $1", template).Scan(&ready)
		if ready != nil && *ready {
			return nil
		}
		dropOld(ctx, c)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{template}.Sanitize()); err != nil {
			return err
		}
		if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{template}.Sanitize()+devdb.CreateOptions); err != nil {
			return err
		}
		db, err := store.Open(ctx, devdb.WithDatabase(serverURL, template), 6)
		if err != nil {
			return err
		}
		_, err = store.MigrateUp(ctx, db.SQL)
		db.Close()
		if err != nil {
			return fmt.Errorf("migrate template: %w", err)
		}
		// Nobody may connect to the template any more, so cloning never finds it busy.
		if _, err = c.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{template}.Sanitize()+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
			return err
		}
		// Its birth time, so that another checkout's test run (another schema
		// version on the same server) leaves it alone while it is fresh.
		_, err = c.Exec(ctx, fmt.Sprintf("COMMENT ON DATABASE %s IS '%d'", pgx.Identifier{template}.Sanitize(), time.Now().Unix()))
		return err
	})
}

// dropOld removes templates of other schema versions made more than six
// hours ago and test databases left behind by runs that were killed more than
// an hour ago.
func dropOld(ctx context.Context, c *pgx.Conn) {
	rows, err := c.Query(ctx, "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname LIKE 'le\\_%'")
	if err != nil {
		return
	}
	type db struct{ Name, Born string }
	dbs, _ := pgx.CollectRows(rows, pgx.RowToStructByPos[db])
	cutoff := time.Now().Add(-time.Hour).Unix()
	for _, d := range dbs {
		n := d.Name
		var ts int64
		stale := false
		if strings.HasPrefix(n, "le_tmpl_") && n != template {
			born, _ := strconv.ParseInt(d.Born, 10, 64)
			stale = born < time.Now().Add(-6*time.Hour).Unix()
		}
		if _, err := fmt.Sscanf(n, "le_t_%d_", &ts); err == nil && ts < cutoff {
			stale = true
		}
		if stale {
			if strings.HasPrefix(n, "le_tmpl_") {
				_, _ = c.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{n}.Sanitize()+" WITH IS_TEMPLATE false")
			}
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
		}
	}
}

func admin(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return fn(c)
}

// schemaHash identifies the migrations, so a changed schema gets a new template.
func schemaHash() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(migrations.FS, path)
		fmt.Fprintf(h, "%s\n%d\n", path, len(b))
		h.Write(b)
		return nil
	})
	fmt.Fprintf(h, "go:%d river:%d\n", len(migrations.Go()), migrations.RiverVersion)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
