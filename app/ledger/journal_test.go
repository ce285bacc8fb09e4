package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"lineescrow/app/dbtest"
	"lineescrow/app/ledger"
	"lineescrow/models"
)

// behindTheBack runs statements as someone with write access to the
// database would, bypassing the ledger: with the ledger tables' own
// triggers (immutability, balance check, sealing queue) switched off.
// The foreign keys stay: a transfer removed takes its seal and digest along.
func behindTheBack(t *testing.T, db *gorm.DB, stmts ...string) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, table := range []string{"ledger_transfers", "ledger_postings", "ledger_chain", "ledger_digests"} {
			if err := tx.Exec("ALTER TABLE " + table + " DISABLE TRIGGER USER").Error; err != nil {
				return err
			}
		}
		for _, s := range stmts {
			if err := tx.Exec(s).Error; err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		for _, table := range []string{"ledger_transfers", "ledger_postings", "ledger_chain", "ledger_digests"} {
			if err := tx.Exec("ALTER TABLE " + table + " ENABLE TRIGGER USER").Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func seal(t *testing.T, db *gorm.DB) int {
	t.Helper()
	n, err := ledger.Seal(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func head(t *testing.T, db *gorm.DB) ledger.Head {
	t.Helper()
	h, err := ledger.JournalHead(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestJournalSealsEveryTransferOnceInOrder: transfers posted concurrently
// while several sealers run are each sealed exactly once, the seals numbered
// without a gap, and the chain verifies.
func TestJournalSealsEveryTransferOnceInOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if h := head(t, db.DB); h.Seq != 0 || h.Hash != "" || h.Unsealed != 0 {
		t.Fatalf("empty journal: %+v", h)
	}
	const workers, each = 6, 15
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, workers+2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := post(ctx, db.DB, deposit(fmt.Sprintf("j%d-%d", w, i), int64(w+1), "1.00")); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var sealers sync.WaitGroup
	for range 2 {
		sealers.Add(1)
		go func() {
			defer sealers.Done()
			for {
				if _, err := ledger.Seal(ctx, db.DB); err != nil {
					errs <- err
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	sealers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seal(t, db.DB)
	var n, distinct, maxSeq int64
	if err := db.Raw(`SELECT count(*), count(DISTINCT transfer_id), coalesce(max(seq), 0) FROM ledger_chain`).Row().
		Scan(&n, &distinct, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if n != workers*each || distinct != n || maxSeq != n {
		t.Fatalf("%d seals of %d transfers, last seal %d; want %d of each", n, distinct, maxSeq, workers*each)
	}
	if err := ledger.VerifyJournal(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
	h := head(t, db.DB)
	if h.Seq != n || len(h.Hash) != 64 || h.Unsealed != 0 || h.SealedAt.IsZero() {
		t.Fatalf("head: %+v", h)
	}
	a, err := ledger.ParseAnchor(h.Anchor())
	if err != nil || a.Seq != h.Seq {
		t.Fatalf("anchor %q: %+v %v", h.Anchor(), a, err)
	}
	if err := ledger.VerifyJournal(ctx, db.DB, a); err != nil {
		t.Fatalf("against its own head: %v", err)
	}
	// A new transfer waits for its seal, and is counted as waiting.
	if _, err := post(ctx, db.DB, deposit("late", 1, "1.00")); err != nil {
		t.Fatal(err)
	}
	if h := head(t, db.DB); h.Unsealed != 1 || h.Seq != n {
		t.Fatalf("after one more transfer: %+v", h)
	}
	// Sealing is idempotent: a second run seals nothing.
	if got := seal(t, db.DB); got != 1 {
		t.Fatalf("sealed %d, want 1", got)
	}
	if got := seal(t, db.DB); got != 0 {
		t.Fatalf("sealed %d again", got)
	}
	// The seals themselves are facts.
	if err := db.Exec(`UPDATE ledger_chain SET hash = '\x00' WHERE seq = 1`).Error; err == nil {
		t.Fatal("a seal was changed")
	}
	if err := db.Exec(`DELETE FROM ledger_chain WHERE seq = 1`).Error; err == nil {
		t.Fatal("a seal was deleted")
	}
}

// journal is a sealed journal of five transfers, with their ids.
func journal(t *testing.T) (*gorm.DB, []int64) {
	t.Helper()
	ctx := context.Background()
	db := dbtest.New(t)
	var ids []int64
	for i := range 5 {
		p, err := post(ctx, db.DB, deposit(fmt.Sprintf("t%d", i), 1, fmt.Sprintf("%d.00", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if n := seal(t, db.DB); n != 5 {
		t.Fatalf("sealed %d", n)
	}
	if err := ledger.VerifyJournal(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
	return db.DB, ids
}

func wantBroken(t *testing.T, err error, words ...string) {
	t.Helper()
	if !errors.Is(err, ledger.ErrJournal) {
		t.Fatalf("want a broken journal, got %v", err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("%q does not say %q", err, w)
		}
	}
}

// TestJournalNamesTheFirstTransferChangedBehindTheLedgersBack: whatever is
// changed directly in the database (the ledger's triggers switched off),
// VerifyJournal names the first transfer concerned; each case is put back so
// the test's own checks of the books pass.
func TestJournalNamesTheFirstTransferChangedBehindTheLedgersBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("altered memo", func(t *testing.T) {
		t.Parallel()
		db, ids := journal(t)
		behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_transfers SET memo = 'x' WHERE id IN (%d, %d)`, ids[2], ids[3]))
		wantBroken(t, ledger.VerifyJournal(ctx, db), fmt.Sprintf("transfer %d (seal 3) was altered", ids[2]))
		behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_transfers SET memo = '' WHERE id IN (%d, %d)`, ids[2], ids[3]))
		if err := ledger.VerifyJournal(ctx, db); err != nil {
			t.Fatalf("put back: %v", err)
		}
	})

	t.Run("altered amount", func(t *testing.T) {
		t.Parallel()
		db, ids := journal(t)
		// Both sides, so the transfer still balances: only the journal sees it.
		behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_postings SET amount = amount + 100 WHERE transfer_id = %d`, ids[1]))
		wantBroken(t, ledger.VerifyJournal(ctx, db), fmt.Sprintf("transfer %d (seal 2) was altered", ids[1]))
		behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_postings SET amount = amount - 100 WHERE transfer_id = %d`, ids[1]))
	})

	t.Run("posting moved to another account", func(t *testing.T) {
		t.Parallel()
		db, ids := journal(t)
		behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_accounts SET code = 'wallet:999' WHERE code = '%s'`, models.WalletAccount(1)))
		wantBroken(t, ledger.VerifyJournal(ctx, db), fmt.Sprintf("transfer %d (seal 1) was altered", ids[0]))
		behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_accounts SET code = '%s' WHERE code = 'wallet:999'`, models.WalletAccount(1)))
	})

	t.Run("removed", func(t *testing.T) {
		t.Parallel()
		db, ids := journal(t)
		behindTheBack(t, db,
			`CREATE TEMP TABLE saved_chain AS SELECT * FROM ledger_chain WHERE seq = 3`,
			fmt.Sprintf(`CREATE TEMP TABLE saved_postings AS SELECT * FROM ledger_postings WHERE transfer_id = %d`, ids[2]),
			fmt.Sprintf(`CREATE TEMP TABLE saved_transfer AS SELECT * FROM ledger_transfers WHERE id = %d`, ids[2]),
			fmt.Sprintf(`CREATE TEMP TABLE saved_digest AS SELECT * FROM ledger_digests WHERE transfer_id = %d`, ids[2]),
			`DELETE FROM ledger_chain WHERE seq = 3`,
			fmt.Sprintf(`DELETE FROM ledger_digests WHERE transfer_id = %d`, ids[2]),
			fmt.Sprintf(`DELETE FROM ledger_postings WHERE transfer_id = %d`, ids[2]),
			fmt.Sprintf(`DELETE FROM ledger_transfers WHERE id = %d`, ids[2]))
		wantBroken(t, ledger.VerifyJournal(ctx, db), "seals 3 to 3 are missing", fmt.Sprintf("after transfer %d and before transfer %d", ids[1], ids[3]))
		// Renumbered to hide the gap: the next seal no longer follows.
		behindTheBack(t, db, `UPDATE ledger_chain SET seq = seq + 1000 WHERE seq > 3`, `UPDATE ledger_chain SET seq = seq - 1001 WHERE seq > 1000`)
		wantBroken(t, ledger.VerifyJournal(ctx, db), fmt.Sprintf("transfer %d (seal 3) does not follow transfer %d", ids[3], ids[1]))
		behindTheBack(t, db, `UPDATE ledger_chain SET seq = seq + 1000 WHERE seq >= 3`, `UPDATE ledger_chain SET seq = seq - 999 WHERE seq > 1000`,
			`INSERT INTO ledger_transfers SELECT * FROM saved_transfer`, `INSERT INTO ledger_postings SELECT * FROM saved_postings`,
			`INSERT INTO ledger_digests SELECT * FROM saved_digest`,
			`INSERT INTO ledger_chain SELECT * FROM saved_chain`)
		if err := ledger.VerifyJournal(ctx, db); err != nil {
			t.Fatalf("put back: %v", err)
		}
	})

	t.Run("inserted out of band", func(t *testing.T) {
		t.Parallel()
		db, _ := journal(t)
		behindTheBack(t, db,
			`INSERT INTO ledger_transfers (id, idempotency_key, kind, fingerprint) VALUES (1000, 'forged', 'test.deposit', '\x00')`,
			`INSERT INTO ledger_postings (transfer_id, account_id, direction, amount)
				SELECT 1000, account_id, direction, amount FROM ledger_postings WHERE transfer_id = (SELECT min(id) FROM ledger_transfers)`)
		wantBroken(t, ledger.VerifyJournal(ctx, db), "transfer 1000 is neither sealed nor waiting", "behind the ledger's back")
		behindTheBack(t, db, `DELETE FROM ledger_postings WHERE transfer_id = 1000`, `DELETE FROM ledger_transfers WHERE id = 1000`)
	})

	t.Run("chain rewritten after an alteration", func(t *testing.T) {
		t.Parallel()
		db, ids := journal(t)
		anchor, err := ledger.ParseAnchor(head(t, db).Anchor())
		if err != nil {
			t.Fatal(err)
		}
		// Someone who knows how seals are computed alters transfer 3 and
		// seals it and those after it again: the chain is consistent, but
		// the digest, keyed with a secret outside the database, is not…
		rewrite := func(memo string) {
			behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_transfers SET memo = '%s' WHERE id = %d`, memo, ids[2]),
				`DELETE FROM ledger_chain WHERE seq >= 3`,
				fmt.Sprintf(`INSERT INTO ledger_unsealed SELECT id FROM ledger_transfers WHERE id >= %d`, ids[2]))
			seal(t, db)
		}
		rewrite("rewritten")
		wantBroken(t, ledger.VerifyJournal(ctx, db), fmt.Sprintf("transfer %d does not match its digest", ids[2]))
		// …and the chain no longer passes through the head exported before.
		wantBroken(t, ledger.VerifyJournal(ctx, db, anchor), fmt.Sprintf("transfer %d does not match its digest", ids[2]))
		// A head that differs from the chain's at its seq.
		wantBroken(t, ledger.VerifyJournal(ctx, db, ledger.Anchor{Seq: 5, Hash: make([]byte, 32)}),
			fmt.Sprintf("transfer %d does not match its digest", ids[2]))
		// Nor does a shortened one.
		wantBroken(t, ledger.VerifyJournal(ctx, db, ledger.Anchor{Seq: 9, Hash: anchor.Hash}), fmt.Sprintf("transfer %d does not match its digest", ids[2]))
		rewrite("")
		if err := ledger.VerifyJournal(ctx, db, anchor); err != nil {
			t.Fatalf("put back: %v", err)
		}
		wantBroken(t, ledger.VerifyJournal(ctx, db, ledger.Anchor{Seq: 5, Hash: make([]byte, 32)}),
			fmt.Sprintf("seal 5 (transfer %d) is not the one recorded", ids[4]))
		wantBroken(t, ledger.VerifyJournal(ctx, db, ledger.Anchor{Seq: 9, Hash: anchor.Hash}), "the recorded seal 9 is not in the journal")
	})
}

func TestParseAnchor(t *testing.T) {
	t.Parallel()
	good := "12:" + strings.Repeat("ab", 32)
	if a, err := ledger.ParseAnchor(" " + good + "\n"); err != nil || a.Seq != 12 || len(a.Hash) != 32 {
		t.Fatalf("%q: %+v %v", good, a, err)
	}
	for _, bad := range []string{"", "12", ":" + strings.Repeat("ab", 32), "0:" + strings.Repeat("ab", 32),
		"-1:" + strings.Repeat("ab", 32), "12:abc", "12:" + strings.Repeat("zz", 32), "12:" + strings.Repeat("ab", 31)} {
		if _, err := ledger.ParseAnchor(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
