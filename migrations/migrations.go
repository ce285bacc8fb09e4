// Package migrations holds the database schema: numbered goose SQL files,
// embedded into the binary, plus River's own schema as a Go migration.
//
// Version 1 is River's schema (applied through rivermigrate, pinned to a River
// migration version so an upgrade of River adds a new numbered migration here
// instead of changing an old one). SQL files start at 00002.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
)

// FS holds the SQL migrations.
//
//go:embed *.sql
var FS embed.FS

// RiverVersion is the River schema version migration 1 brings the database to.
const RiverVersion = 8

// Go returns the Go migrations, to be passed to goose.WithGoMigrations.
func Go() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(1,
			&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error { return river(ctx, db, rivermigrate.DirectionUp) }},
			&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error { return river(ctx, db, rivermigrate.DirectionDown) }},
		),
	}
}

// river runs River's migrator outside a goose transaction: River applies each
// of its versions in a transaction of its own (one of them adds an enum value
// that a later one uses, which PostgreSQL forbids within one transaction).
func river(ctx context.Context, db *sql.DB, dir rivermigrate.Direction) error {
	m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return err
	}
	opts := &rivermigrate.MigrateOpts{TargetVersion: RiverVersion}
	if dir == rivermigrate.DirectionDown {
		opts.TargetVersion = -1 // remove River's schema entirely
	}
	if _, err := m.Migrate(ctx, dir, opts); err != nil {
		return fmt.Errorf("river migrate %s: %w", dir, err)
	}
	return nil
}
