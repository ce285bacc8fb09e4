package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"lineescrow/app/auth"
	"lineescrow/app/config"
	"lineescrow/app/platform"
	"lineescrow/app/seed"
	"lineescrow/app/store"
	"lineescrow/models"
)

// openMigrated opens DATABASE_URL (or the demo cluster) and migrates it.
func openMigrated(ctx context.Context) (*store.DB, error) {
	db, err := openDB(ctx, os.Getenv("DATABASE_URL"), 4)
	if err != nil {
		return nil, err
	}
	if _, err := store.MigrateUp(ctx, db.SQL); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// seedCmd adds the demo data. The demo accounts' passwords are public, so it
// runs only in demo mode, and refuses a database holding other users before
// it writes anything (migrations included).
func seedCmd(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	if demo, _ := strconv.ParseBool(strings.TrimSpace(getenv("DEMO"))); !demo {
		return errors.New("seed adds the demo accounts, whose passwords are public: it runs only in demo mode (DEMO=true)")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg.DatabaseURL, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seed.CheckDatabase(ctx, db); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if _, err := store.MigrateUp(ctx, db.SQL); err != nil {
		return err
	}
	p, err := platform.New(cfg, db, nil, platform.Options{})
	if err != nil {
		return err
	}
	logins, err := seed.Demo(ctx, db, p.Auth, p.Orders)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintln(stdout, "demo data is in place")
	printLogins(stdout, logins)
	return nil
}

func printLogins(w io.Writer, logins []seed.Login) {
	if len(logins) == 0 {
		return
	}
	fmt.Fprintln(w, "Demo logins (number / password):")
	for _, l := range logins {
		fmt.Fprintf(w, "  %-9s %-14s %s   (%s)\n", l.Role, models.FormatLogin(l.Login), l.Password, l.Name)
	}
	fmt.Fprintln(w)
}

// adminCmd creates an operator. Operators are never created through the web.
func adminCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: lineescrow admin create -login <number> -name <name>  (password on stdin)")
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	login := fs.String("login", "", "the operator's mobile or landline number (login name)")
	name := fs.String("name", "", "the operator's display name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	fmt.Fprint(stderr, "Password (one line on standard input): ")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return fmt.Errorf("read password: %w", err)
	}
	fmt.Fprintln(stderr)
	db, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// No tokens are issued and no payment password is touched here.
	svc := auth.NewService(db.DB, auth.NewTokens("cli-only-no-tokens-issued-here!!!", time.Minute), nil)
	u, err := svc.CreateOperator(ctx, *login, *name, strings.TrimRight(line, "\r\n"))
	if err != nil {
		if e := models.AsError(err); e != nil {
			return fmt.Errorf("%s: %s", e.Field, e.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "operator %d created: %s (%s)\n", u.ID, u.DisplayName, models.FormatLogin(u.Login))
	return nil
}
