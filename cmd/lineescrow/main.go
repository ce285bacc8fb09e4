// Command lineescrow is the LineEscrow platform: one binary for the web server,
// migrations, the project's own development database, demo data and the
// simulators of the bank and the telecom front-end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Shanghai even where the system lacks zoneinfo

	"lineescrow/app/config"
	"lineescrow/app/devdb"
	"lineescrow/app/platform"
	"lineescrow/app/seed"
	"lineescrow/app/store"
	"lineescrow/app/web"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/telecomsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "lineescrow:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `lineescrow: the LineEscrow escrow payment platform

Usage: lineescrow <command> [arguments]

Commands:
  serve                     run the web server (migrates first; DEMO=true also seeds demo data)
  migrate up|down|status    apply, roll back one, or list database migrations
  devdb start|stop|status   the project's own PostgreSQL (-test for the test cluster)
  devdb backup -to DIR      a base backup of the demo cluster (its WAL is archived continuously)
  devdb restore -from DIR   restore the demo cluster from a base backup, to a point in time (-time T or -lsn L)
  seed                      add the demo data (idempotent; DEMO=true, empty or demo database only)
  admin create              create an operator account (-login, -name; password on stdin)
  sim bank                  run the bank simulator on its own (-addr, -webhook)
  sim phone                 run the hotline simulator (the IVR platform) on its own (-addr, -platform)
  ledger verify [-head S:H] check every invariant of the books and the journal's chain; non-zero exit on a violation
  bench                     the ledger's throughput beside pgbench on a durable server (-clients, -duration)
  recon bank                reconcile a day's bank statement (--date YYYY-MM-DD, default yesterday)
  help                      show this help

Configuration comes from environment variables; see README.md.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, stdout)
	case "migrate":
		return migrate(ctx, args[1:], stdout)
	case "devdb":
		return devdbCmd(ctx, args[1:], stdout, stderr)
	case "seed":
		return seedCmd(ctx, os.Getenv, stdout)
	case "admin":
		return adminCmd(ctx, args[1:], os.Stdin, stdout, stderr)
	case "sim":
		return simCmd(ctx, args[1:], stdout, stderr)
	case "ledger":
		return ledgerCmd(ctx, os.Getenv, args[1:], stdout)
	case "recon":
		return reconCmd(ctx, args[1:], stdout, stderr)
	case "bench":
		return benchCmd(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "lineescrow: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// openDB connects to DATABASE_URL or, when it is unset, to the project's demo
// cluster, starting it (and installing PostgreSQL when allowed) first.
func openDB(ctx context.Context, url string, maxConns int) (*store.DB, error) {
	if url == "" {
		c := devdb.Demo
		c.Install = true
		var err error
		if url, err = c.Start(ctx, "lineescrow"); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, url, maxConns)
}

func serve(ctx context.Context, stdout io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel, stdout)
	slog.SetDefault(log)
	db, err := openDB(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer db.Close()
	if res, err := store.MigrateUp(ctx, db.SQL); err != nil {
		return err
	} else if len(res) > 0 {
		log.Info("migrations applied", "count", len(res))
	}
	p, err := platform.New(cfg, db, log, platform.Options{Work: true})
	if err != nil {
		return err
	}
	if cfg.DatabaseReadURL != "" {
		rdb, err := store.Open(ctx, cfg.DatabaseReadURL, cfg.DBMaxConns)
		if err != nil {
			return fmt.Errorf("read replica: %w", err)
		}
		defer rdb.Close()
		r := store.NewReplica(db.DB, rdb.DB, cfg.DatabaseReadMaxLag, log)
		go r.Run(ctx)
		p.UseReplica(r)
	}
	var logins []seed.Login
	deps := webDeps(p)
	if cfg.Demo {
		if logins, err = seed.Demo(ctx, db, p.Auth, p.Orders); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		sim, err := banksim.New(banksim.Config{WebhookURL: cfg.BaseURL + "/webhooks/bank", Secret: cfg.BankWebhookSecret,
			APIKey: cfg.BankAPIKey, Prefix: "/sim/bank", Log: log})
		if err != nil {
			return err
		}
		go sim.Run(ctx)
		deps.BankSim = sim.Handler()
		// The operator's front-end: its settlements reach the platform as
		// transfers through the bank simulator.
		tel, err := telecomsim.New(telecomsim.Config{WebhookURL: cfg.BaseURL + "/webhooks/telecom", Secret: cfg.TelecomWebhookSecret,
			APIKey: cfg.TelecomAPIKey, Prefix: "/sim/telecom", Log: log, Bank: sim})
		if err != nil {
			return err
		}
		go tel.Run(ctx)
		deps.TelecomSim = tel.Handler()
		// The billers: the operator's phone and broadband bills (the
		// telecom simulator's lines), an electricity and a water company.
		if deps.BillSim, err = demoBillers(ctx, cfg, p, tel); err != nil {
			return err
		}
		// The IVR platform, calling the payment hotline over HTTP from the
		// demo's landlines, signed with the hotline's secret.
		if deps.PhoneSim, err = demoPhone(cfg); err != nil {
			return err
		}
		// The demo shop outside LineEscrow, a merchant of the gateway,
		// served at /sim/shop/: it reaches the platform over HTTP only.
		if deps.ShopSim, err = demoShop(ctx, cfg, db, p); err != nil {
			return err
		}
	}
	srv := web.New(deps)
	if cfg.PprofAddr != "" {
		if err := servePprof(ctx, cfg.PprofAddr, log); err != nil {
			return fmt.Errorf("PPROF_ADDR %s: %w", cfg.PprofAddr, err)
		}
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	if err := p.Start(ctx); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}
	banner(stdout, cfg, databaseName(cfg.DatabaseURL))
	if cfg.Demo {
		printLogins(stdout, logins)
	}
	serveErr := srv.ListenAndServe(ctx, ln, 20*time.Second)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := p.Stop(stopCtx); err != nil {
		log.Warn("background jobs did not stop cleanly", "err", err)
	}
	return serveErr
}

func banner(w io.Writer, cfg *config.Config, database string) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nLineEscrow is running at %s/\n", cfg.BaseURL)
	fmt.Fprintf(&b, "Database: %s.\n", database)
	if cfg.Demo {
		b.WriteString("Demo mode: demo secrets and demo data.\n")
		fmt.Fprintf(&b, "Simulators: the bank %[1]s/sim/bank/, the phone company %[1]s/sim/telecom/, a shop paying through the gateway %[1]s/sim/shop/, the payment hotline %[1]s/sim/phone/, the billers %[1]s/sim/bills/\n", cfg.BaseURL)
	}
	b.WriteString("Press Ctrl-C to stop.\n\n")
	fmt.Fprint(w, b.String())
}

// databaseName says which database serve uses, as openDB chose it, without
// its password: DATABASE_URL's user, host, port and name, or the project's
// own demo cluster when DATABASE_URL is unset.
func databaseName(dsn string) string {
	if dsn == "" {
		return fmt.Sprintf("the project's own PostgreSQL in .devdb/demo on 127.0.0.1:%d (stop it with `lineescrow devdb stop`)", devdb.Demo.Port)
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "DATABASE_URL (not a URL; shown without its contents)"
	}
	who := ""
	if u.User != nil {
		who = u.User.Username() + "@"
	}
	return fmt.Sprintf("DATABASE_URL, postgres://%s%s%s", who, u.Host, u.Path)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: lineescrow migrate up|down|status")
	}
	db, err := openDB(ctx, os.Getenv("DATABASE_URL"), 4)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "up":
		res, err := store.MigrateUp(ctx, db.SQL)
		for _, r := range res {
			fmt.Fprintf(stdout, "applied %s\n", r.Source.Path)
		}
		if err == nil && len(res) == 0 {
			fmt.Fprintln(stdout, "no migrations to apply")
		}
		return err
	case "down":
		p, err := store.Migrator(db.SQL)
		if err != nil {
			return err
		}
		r, err := p.Down(ctx)
		if r != nil {
			fmt.Fprintf(stdout, "rolled back version %d\n", r.Source.Version)
		}
		return err
	case "status":
		p, err := store.Migrator(db.SQL)
		if err != nil {
			return err
		}
		st, err := p.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			name := s.Source.Path
			if name == "" {
				name = fmt.Sprintf("%05d (Go: River schema)", s.Source.Version)
			}
			when := "pending"
			if s.State == "applied" {
				when = "applied " + s.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%-40s %s\n", name, when)
		}
		return nil
	default:
		return fmt.Errorf("unknown migrate command %q: use up, down or status", args[0])
	}
}

func devdbCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devdb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	test := fs.Bool("test", false, "the test cluster instead of the demo cluster")
	to := fs.String("to", "", "backup: the folder to write the base backup to (must not exist or be empty)")
	from := fs.String("from", "", "restore: the base backup's folder")
	atTime := fs.String("time", "", "restore: replay the archived WAL up to this moment (RFC 3339); default: all of it")
	atLSN := fs.String("lsn", "", "restore: replay the archived WAL up to this position (such as 0/3000060)")
	if len(args) == 0 {
		return errors.New("usage: lineescrow devdb start|stop|status|url [-test] | backup -to DIR | restore -from DIR [-time T | -lsn L]")
	}
	cmd := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c := devdb.Demo
	dbname := "lineescrow"
	if *test {
		c, dbname = devdb.Test, ""
	}
	c.Install = true
	c.Log = stderr
	switch cmd {
	case "start":
		if _, err := c.Start(ctx, dbname); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s cluster running on 127.0.0.1:%d\n", c.Name, c.Port)
		return nil
	case "stop":
		return c.Stop(ctx)
	case "status":
		s, err := c.Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, s)
		return nil
	case "url":
		if dbname == "" {
			dbname = "postgres"
		}
		u, err := c.URL(dbname)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, u)
		return nil
	case "backup":
		if *to == "" {
			return errors.New("usage: lineescrow devdb backup -to DIR")
		}
		lsn, err := c.Backup(ctx, *to)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "base backup of the %s cluster in %s (from WAL position %s); its WAL archive: %s\n", c.Name, *to, lsn, c.ArchiveDir())
		return nil
	case "restore":
		if *from == "" || (*atTime != "" && *atLSN != "") {
			return errors.New("usage: lineescrow devdb restore -from DIR [-time RFC3339 | -lsn LSN]")
		}
		target := devdb.Target{LSN: *atLSN}
		if *atTime != "" {
			t, err := time.Parse(time.RFC3339Nano, *atTime)
			if err != nil {
				return fmt.Errorf("-time: %w", err)
			}
			target.Time = t
		}
		if err := c.Restore(ctx, *from, target); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s cluster restored from %s and running on 127.0.0.1:%d: run `lineescrow ledger verify -head SEQ:HASH` with a head recorded before the restore point\n",
			c.Name, *from, c.Port)
		return nil
	default:
		return fmt.Errorf("unknown devdb command %q: use start, stop, status, url, backup or restore", cmd)
	}
}
