package crash_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"

	"lineescrow/app/devdb"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
	"lineescrow/models"
)

// The restore drill: on a cluster of its own that archives its WAL, a base
// backup, transfer A, the journal's head and the WAL position recorded, then
// transfer B; restored to the recorded position, the books verify (the
// binary's `ledger verify` with the recorded head), the chain's head is the
// recorded one and transfer B is not there.
func TestRestoreToAPointBetweenTwoTransfers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := binary(t)
	c := throwaway(t, "drill", true)
	url, err := c.Start(ctx, "lineescrow")
	if err != nil {
		t.Fatal(err)
	}
	db := openMigrated(t, url)

	backup := filepath.Join(c.Root, "base")
	if _, err := c.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	deposit := func(key, amount string) {
		t.Helper()
		err := store.InTx(ctx, db.DB, func(tx *gorm.DB) error {
			_, err := ledger.Post(ctx, tx, models.Transfer{Key: key, Kind: "test.deposit", Ref: "user:1",
				Postings: models.Move(models.AccBankCollection, models.WalletAccount(1), models.MustParseMoney(amount))})
			return err
		})
		if err != nil {
			t.Fatalf("transfer %s: %v", key, err)
		}
		if _, err := ledger.Seal(ctx, db.DB); err != nil {
			t.Fatal(err)
		}
	}
	deposit("drill-a", "100.25")
	head, err := ledger.JournalHead(ctx, db.DB)
	if err != nil {
		t.Fatal(err)
	}
	var lsn string
	if err := db.Raw("SELECT pg_current_wal_lsn()::text").Scan(&lsn).Error; err != nil {
		t.Fatal(err)
	}
	deposit("drill-b", "7.00")
	if err := c.ArchiveNow(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if err := c.Restore(ctx, backup, devdb.Target{LSN: lsn}); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var keys []string
	restored.Raw("SELECT idempotency_key FROM ledger_transfers WHERE idempotency_key LIKE 'drill-%' ORDER BY 1").Scan(&keys)
	if fmt.Sprint(keys) != "[drill-a]" {
		t.Fatalf("transfers after the restore: %v, want transfer A only", keys)
	}
	after, err := ledger.JournalHead(ctx, restored.DB)
	if err != nil {
		t.Fatal(err)
	}
	if after.Anchor() != head.Anchor() {
		t.Fatalf("the restored journal's head is %s, recorded %s", after.Anchor(), head.Anchor())
	}
	out := runBinary(t, bin, []string{"DATABASE_URL=" + url}, "ledger", "verify", "-head", head.Anchor())
	if !strings.Contains(out, "journal head: "+head.Anchor()) {
		t.Fatalf("ledger verify on the restored cluster:\n%s", out)
	}
}
