// Package store opens the PostgreSQL database, applies migrations and runs
// transactions with bounded retries of serialization failures and deadlocks.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"lineescrow/migrations"
)

// DB is the platform's database: gorm for the application, the *sql.DB under it
// for goose and River (which share its pool and its transactions).
type DB struct {
	*gorm.DB
	SQL *sql.DB
}

// Open connects to url with a pool of at most maxConns connections.
func Open(ctx context.Context, url string, maxConns int) (*DB, error) {
	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		SkipDefaultTransaction: true,
		TranslateError:         false,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	return &DB{DB: g, SQL: sqlDB}, nil
}

// Close closes the pool.
func (db *DB) Close() error { return db.SQL.Close() }

// Migrator returns the goose provider for the embedded migrations.
func Migrator(sqlDB *sql.DB) (*goose.Provider, error) {
	return goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS,
		goose.WithGoMigrations(migrations.Go()...),
		goose.WithDisableGlobalRegistry(true),
	)
}

// MigrateUp applies all pending migrations. A session advisory lock makes
// concurrent start-ups apply them once.
func MigrateUp(ctx context.Context, sqlDB *sql.DB) ([]*goose.MigrationResult, error) {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	const lockKey = 0x4c45_4d49 // "LEMI"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck
	p, err := Migrator(sqlDB)
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate up: %w", err)
	}
	return res, nil
}

// MigrationsCurrent reports whether the database is at the newest embedded version.
func MigrationsCurrent(ctx context.Context, sqlDB *sql.DB) (bool, error) {
	p, err := Migrator(sqlDB)
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	return !pending && err == nil, err
}

// NotReady says why the platform cannot serve: Reason is short and fit to
// show to a load balancer ("database unreachable", "migrations pending"), the
// cause is kept for the log.
type NotReady struct {
	Reason string
	Err    error
}

func (e *NotReady) Error() string { return e.Reason }
func (e *NotReady) Unwrap() error { return e.Err }

// Readiness answers readiness probes: the database answers and every
// embedded migration has been applied.
type Readiness struct {
	sql      *sql.DB
	migrator *goose.Provider
	err      error // why there is no migrator
}

// NewReadiness returns the readiness probe of sqlDB.
func NewReadiness(sqlDB *sql.DB) *Readiness {
	r := &Readiness{sql: sqlDB}
	r.migrator, r.err = Migrator(sqlDB)
	return r
}

// Ready returns nil when the platform can serve, or a *NotReady saying why
// not. A migration status that cannot be read counts as pending: serving a
// schema the code does not expect is worse than waiting.
func (r *Readiness) Ready(ctx context.Context) error {
	if err := r.sql.PingContext(ctx); err != nil {
		return &NotReady{Reason: "database unreachable", Err: err}
	}
	if r.migrator == nil {
		return &NotReady{Reason: "migrations pending", Err: fmt.Errorf("migration status: %w", r.err)}
	}
	pending, err := r.migrator.HasPending(ctx)
	if err != nil {
		return &NotReady{Reason: "migrations pending", Err: fmt.Errorf("migration status: %w", err)}
	}
	if pending {
		return &NotReady{Reason: "migrations pending"}
	}
	return nil
}

// MaxRetries bounds how often InTx re-runs a transaction that failed with a
// serialization failure or a deadlock.
const MaxRetries = 8

// InTx runs fn in a transaction and commits it. When the transaction fails with
// a serialization failure (40001) or a deadlock (40P01), the whole of fn runs
// again, at most MaxRetries times, after a short random backoff. fn must
// therefore have no effects outside the transaction.
//
// The hooks ctx carries (WithTxHook) run last inside the transaction, so what
// they record commits exactly when fn's work does.
func InTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if hooks, _ := ctx.Value(txHooksKey{}).([]func(*gorm.DB) error); len(hooks) > 0 {
		work := fn
		fn = func(tx *gorm.DB) error {
			if err := work(tx); err != nil {
				return err
			}
			for _, h := range hooks {
				if err := h(tx); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for attempt := 0; ; attempt++ {
		err := db.WithContext(ctx).Transaction(fn)
		if err == nil || !Retryable(err) || attempt >= MaxRetries {
			return err
		}
		slog.DebugContext(ctx, "retrying transaction", "attempt", attempt+1, "err", err)
		backoff := time.Duration(1+rand.IntN(5*(attempt+1))) * time.Millisecond
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
	}
}

type txHooksKey struct{}

// WithTxHook returns a context whose InTx transactions each run hook as their
// last statement before the commit: a request's bookkeeping (its
// Idempotency-Key marked carried out) commits in the same transaction as the
// work it guards, never a moment after it.
func WithTxHook(ctx context.Context, hook func(tx *gorm.DB) error) context.Context {
	prev, _ := ctx.Value(txHooksKey{}).([]func(*gorm.DB) error)
	hooks := append(append([]func(*gorm.DB) error(nil), prev...), hook)
	return context.WithValue(ctx, txHooksKey{}, hooks)
}

type snapshotKey struct{}

// Snapshot runs fn in one read-only REPEATABLE READ transaction that the
// context passed to fn carries: every query made through Reader with that
// context sees the same snapshot of the database, so the figures and the
// lists of one page agree with each other even while money moves (a payout
// settling between two queries would otherwise show as paid in the list and
// still on its way in the totals).
func Snapshot(ctx context.Context, db *gorm.DB, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(snapshotKey{}).(*gorm.DB); ok {
		return fn(ctx) // already inside one
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, snapshotKey{}, tx))
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}

// Reader is the handle a read should use: the snapshot ctx carries
// (Snapshot), or db.
func Reader(ctx context.Context, db *gorm.DB) *gorm.DB {
	if tx, ok := ctx.Value(snapshotKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return db.WithContext(ctx)
}

// Retryable reports whether err is a serialization failure or a deadlock.
func Retryable(err error) bool {
	code := PgCode(err)
	return code == "40001" || code == "40P01"
}

// PgCode returns the SQLSTATE of a PostgreSQL error in err's chain, or "".
func PgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// IsUniqueViolation reports whether err violates the named unique constraint
// (any, when constraint is "").
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// SQLTx returns the *sql.Tx under a gorm transaction, for River's InsertTx.
// It panics when tx is not inside a transaction: that is a programming error.
func SQLTx(tx *gorm.DB) *sql.Tx {
	t, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		panic("store.SQLTx: not inside a transaction")
	}
	return t
}
