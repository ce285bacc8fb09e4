package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"lineescrow/app/dbtest"
	"lineescrow/app/ledger"
	"lineescrow/app/platform"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// TestLedgerVerify: passes on sound books, names what is wrong otherwise,
// and exits non-zero (main turns the error into exit status 1).
func TestLedgerVerify(t *testing.T) {
	t.Parallel()
	db, url := dbtest.NewWithURL(t)
	e := ptest.NewOn(t, db, url, platform.Options{})
	o := e.Checkout(e.Buyer, e.Listing("10.00", 2), 1)
	e.Credit("10.00", o.PayReference)
	env := envOf(map[string]string{"DEMO": "true", "DATABASE_URL": url})
	var out bytes.Buffer
	if err := ledgerCmd(context.Background(), env, []string{"verify"}, &out); err != nil || !strings.Contains(out.String(), "ledger verified") {
		t.Fatalf("sound books: %v %q", err, out.String())
	}
	// A balance that drifted from its postings (written behind the ledger's back).
	if err := db.Exec(`UPDATE ledger_balances SET balance = balance + 1 WHERE account_id =
		(SELECT id FROM ledger_accounts WHERE code = ?)`, models.EscrowAccount(o.ID)).Error; err != nil {
		t.Fatal(err)
	}
	err := ledgerCmd(context.Background(), env, []string{"verify"}, &out)
	if err == nil || !strings.Contains(err.Error(), models.EscrowAccount(o.ID)) {
		t.Fatalf("drifted books: %v", err)
	}
	// Put it back, so the test's own check of the books passes.
	db.Exec(`UPDATE ledger_balances SET balance = balance - 1 WHERE account_id = (SELECT id FROM ledger_accounts WHERE code = ?)`,
		models.EscrowAccount(o.ID))
	// The journal: its head is printed, and a head recorded earlier that the
	// chain no longer passes through fails the check.
	if _, err := ledger.Seal(context.Background(), db.DB); err != nil {
		t.Fatal(err)
	}
	head, err := ledger.JournalHead(context.Background(), db.DB)
	if err != nil || head.Seq == 0 {
		t.Fatalf("head: %+v %v", head, err)
	}
	out.Reset()
	if err := ledgerCmd(context.Background(), env, []string{"verify", "-head", head.Anchor()}, &out); err != nil ||
		!strings.Contains(out.String(), "journal head: "+head.Anchor()) {
		t.Fatalf("with its own head: %v %q", err, out.String())
	}
	forged := fmt.Sprintf("%d:%s", head.Seq, strings.Repeat("0", 64))
	if err := ledgerCmd(context.Background(), env, []string{"verify", "-head", forged}, &out); err == nil ||
		!strings.Contains(err.Error(), "is not the one recorded") {
		t.Fatalf("with another head: %v", err)
	}
	// A transfer altered behind the ledger's back is named.
	behindTheBack := func(stmt string, args ...any) {
		t.Helper()
		if err := db.Exec(`ALTER TABLE ledger_transfers DISABLE TRIGGER USER`).Error; err != nil {
			t.Fatal(err)
		}
		defer db.Exec(`ALTER TABLE ledger_transfers ENABLE TRIGGER USER`)
		if err := db.Exec(stmt, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	behindTheBack(`UPDATE ledger_transfers SET memo = memo || ' (edited)' WHERE id = ?`, head.TransferID)
	if err := ledgerCmd(context.Background(), env, []string{"verify"}, &out); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("transfer %d", head.TransferID)) || !strings.Contains(err.Error(), "altered") {
		t.Fatalf("an altered transfer: %v", err)
	}
	behindTheBack(`UPDATE ledger_transfers SET memo = left(memo, length(memo) - length(' (edited)')) WHERE id = ?`, head.TransferID)
	if err := ledgerCmd(context.Background(), env, []string{"verify"}, &out); err != nil {
		t.Fatalf("put back: %v", err)
	}
	if err := ledgerCmd(context.Background(), env, []string{"verify", "-head", "nonsense"}, &out); err == nil {
		t.Fatal("a malformed head passed")
	}
	if err := ledgerCmd(context.Background(), env, []string{"check"}, &out); err == nil {
		t.Fatal("an unknown subcommand passed")
	}
}
