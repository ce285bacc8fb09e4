package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"lineescrow/app/books"
	"lineescrow/app/config"
	"lineescrow/app/ledger"
	"lineescrow/app/platform"
	"lineescrow/models"
)

// anchorFlags are the -head flags of `ledger verify`: journal heads recorded
// earlier.
type anchorFlags []ledger.Anchor

func (a *anchorFlags) String() string { return fmt.Sprint(len(*a), " anchors") }

func (a *anchorFlags) Set(s string) error {
	h, err := ledger.ParseAnchor(s)
	if err == nil {
		*a = append(*a, h)
	}
	return err
}

// ledgerCmd is `lineescrow ledger verify [-head SEQ:HASH]…`: every invariant
// of the books and the journal's hash chain (through every head given, as
// exported from the books page), from the command line; any violation exits
// non-zero. It prints the journal's head.
func ledgerCmd(ctx context.Context, getenv func(string) string, args []string, stdout io.Writer) error {
	usage := fmt.Errorf("usage: lineescrow ledger verify [-head SEQ:HASH]…")
	if len(args) == 0 || args[0] != "verify" {
		return usage
	}
	fs := flag.NewFlagSet("ledger verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var anchors anchorFlags
	fs.Var(&anchors, "head", "a journal head recorded earlier (SEQ:HASH); repeatable")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w (%v)", usage, err)
	}
	if fs.NArg() > 0 {
		return usage
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	platform.UseJournalKey(cfg)
	db, err := openDB(ctx, cfg.DatabaseURL, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	// The same checks as the operators' books page and its API.
	findings, err := books.Verify(ctx, db.DB, anchors...)
	if err != nil {
		return err
	}
	if findings != "" {
		return errors.New(findings)
	}
	head, err := ledger.JournalHead(ctx, db.DB)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ledger verified: every transfer balances, all postings sum to zero, no constrained account is negative,",
		"every balance equals its postings, every order's escrow holds what the order says, every transfer matches its digest, the journal's chain is unbroken")
	fmt.Fprintf(stdout, "journal head: %s (transfer %d; %d transfers waiting for their seal)\n", head.Anchor(), head.TransferID, head.Unsealed)
	from, err := ledger.DigestsFrom(ctx, db.DB)
	if err != nil {
		return err
	}
	if from > 1 {
		fmt.Fprintf(stdout, "transfers before %d predate the digests: only the chain covers them\n", from)
	}
	return nil
}

// reconCmd is `lineescrow recon bank --date YYYY-MM-DD`.
func reconCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "bank" {
		return fmt.Errorf("usage: lineescrow recon bank [--date YYYY-MM-DD] (default: yesterday, UTC)")
	}
	fs := flag.NewFlagSet("recon bank", flag.ContinueOnError)
	fs.SetOutput(stderr)
	date := fs.String("date", time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"), "the statement's day")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg.DatabaseURL, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := platform.New(cfg, db, newLogger(cfg.LogLevel, stderr), platform.Options{})
	if err != nil {
		return err
	}
	run, err := p.Recon.Reconcile(ctx, models.System, *date)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reconciled %s: %s; %d lines, %d matched, %d booked from the statement, %d new breaks; closing %s, ledger %s\n",
		*date, run.Status, run.Lines, run.Matched, run.Booked, run.Breaks, money(run.ClosingBalance), money(run.LedgerBalance))
	if run.Status != "clean" {
		return fmt.Errorf("reconciliation of %s has open breaks: see the operators' reconciliation page", *date)
	}
	return nil
}

func money(m *models.Money) string {
	if m == nil {
		return "—"
	}
	return m.String()
}
