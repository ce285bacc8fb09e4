package ledger_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"lineescrow/app/dbtest"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
)

// TestJournalConcurrentPostersAreSealedOnceInIDOrder: 16 goroutines post at
// once (one by one with Post, and through a Batcher); once they are done,
// every transfer has a digest, is sealed exactly once, the seals follow the
// transfers' ids, and the journal verifies.
func TestJournalConcurrentPostersAreSealedOnceInIDOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	b := ledger.NewBatcher(db.DB, ledger.BatcherOptions{Workers: 2})
	defer b.Close()
	const posters, each = 16, 6
	var wg sync.WaitGroup
	errs := make(chan error, posters)
	for w := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tr := deposit(fmt.Sprintf("c%d-%d", w, i), int64(w+1), fmt.Sprintf("%d.%02d", i+1, w))
				var err error
				if w%2 == 0 {
					_, err = post(ctx, db.DB, tr)
				} else {
					_, err = b.Submit(ctx, tr)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := seal(t, db.DB); n != posters*each {
		t.Fatalf("sealed %d, want %d", n, posters*each)
	}
	var transfers, digests, seals, distinct, outOfOrder int64
	if err := db.Raw(`SELECT (SELECT count(*) FROM ledger_transfers), (SELECT count(*) FROM ledger_digests),
			(SELECT count(*) FROM ledger_chain), (SELECT count(DISTINCT transfer_id) FROM ledger_chain),
			(SELECT count(*) FROM (SELECT transfer_id < lag(transfer_id) OVER (ORDER BY seq) AS back FROM ledger_chain) c WHERE back)`).
		Row().Scan(&transfers, &digests, &seals, &distinct, &outOfOrder); err != nil {
		t.Fatal(err)
	}
	if transfers != posters*each || digests != transfers || seals != transfers || distinct != transfers || outOfOrder != 0 {
		t.Fatalf("%d transfers, %d digests, %d seals of %d transfers, %d out of id order", transfers, digests, seals, distinct, outOfOrder)
	}
	if err := ledger.VerifyJournal(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
}

// TestJournalNeverSealsAnOpenTransaction: a transfer posted in a transaction
// still open is not sealed by a sealer on another connection; once
// committed, the next run seals it.
func TestJournalNeverSealsAnOpenTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := post(ctx, db.DB, deposit("before", 1, "1.00")); err != nil {
		t.Fatal(err)
	}
	tx := db.DB.WithContext(ctx).Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	open, err := ledger.Post(ctx, tx, deposit("open", 2, "2.00"))
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	// A transfer committed after the open one took its id.
	after, err := post(ctx, db.DB, deposit("after", 3, "3.00"))
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	sealed := func(id int64) bool {
		var n int64
		if err := db.Raw(`SELECT count(*) FROM ledger_chain WHERE transfer_id = ?`, id).Row().Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if n, err := ledger.Seal(ctx, db.DB); err != nil || n != 2 {
		tx.Rollback()
		t.Fatalf("sealed %d (%v), want the two committed transfers", n, err)
	}
	if sealed(open.ID) || !sealed(after.ID) {
		tx.Rollback()
		t.Fatalf("open transfer sealed: %v; committed one after it: %v", sealed(open.ID), sealed(after.ID))
	}
	if err := ledger.VerifyJournal(ctx, db.DB); err != nil {
		tx.Rollback()
		t.Fatalf("with a transaction open: %v", err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if n := seal(t, db.DB); n != 1 || !sealed(open.ID) {
		t.Fatalf("after the commit: sealed %d; the transfer sealed: %v", n, sealed(open.ID))
	}
	if h := head(t, db.DB); h.Seq != 3 || h.TransferID != open.ID || h.Unsealed != 0 {
		t.Fatalf("head %+v, want seal 3 of transfer %d", h, open.ID)
	}
	if err := ledger.VerifyJournal(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
}

// forge inserts, with the ledger's triggers left on (so the transfer is
// queued for its seal like any other), a balanced transfer the ledger did
// not post, with the digest given (nil: none). It returns its id.
func forge(t *testing.T, db *gorm.DB, key string, digest []byte) int64 {
	t.Helper()
	var id int64
	err := store.InTx(context.Background(), db, func(tx *gorm.DB) error {
		if err := tx.Raw(`INSERT INTO ledger_transfers (idempotency_key, kind, fingerprint) VALUES (?, 'test.deposit', '\x00') RETURNING id`, key).
			Row().Scan(&id); err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO ledger_postings (transfer_id, account_id, direction, amount)
			SELECT ?, account_id, direction, amount FROM ledger_postings WHERE transfer_id = (SELECT min(id) FROM ledger_transfers)`, id).Error; err != nil {
			return err
		}
		if digest != nil {
			return tx.Exec(`INSERT INTO ledger_digests (transfer_id, digest) VALUES (?, ?)`, id, digest).Error
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestJournalDigestsNameForgedAndFreshlyAlteredTransfers: the chain alone
// would seal a transfer inserted with the triggers on, and sees nothing of a
// change made before the seal; the digests name both.
func TestJournalDigestsNameForgedAndFreshlyAlteredTransfers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("forged, queued and sealed", func(t *testing.T) {
		t.Parallel()
		db, _ := journal(t)
		id := forge(t, db, "forged", nil)
		if n := seal(t, db); n != 1 {
			t.Fatalf("sealed %d", n)
		}
		wantBroken(t, ledger.VerifyJournal(ctx, db), fmt.Sprintf("transfer %d has no digest", id), "behind the ledger's back")
		behindTheBack(t, db, fmt.Sprintf(`DELETE FROM ledger_chain WHERE transfer_id = %d`, id),
			fmt.Sprintf(`DELETE FROM ledger_postings WHERE transfer_id = %d`, id), fmt.Sprintf(`DELETE FROM ledger_transfers WHERE id = %d`, id))
	})

	t.Run("forged with a made-up digest", func(t *testing.T) {
		t.Parallel()
		db, _ := journal(t)
		// An attacker who copies a real transfer's digest, or makes one up without the key.
		var real []byte
		if err := db.Raw(`SELECT digest FROM ledger_digests ORDER BY transfer_id LIMIT 1`).Row().Scan(&real); err != nil {
			t.Fatal(err)
		}
		id := forge(t, db, "forged", real)
		wantBroken(t, ledger.VerifyJournal(ctx, db), fmt.Sprintf("transfer %d does not match its digest", id))
		behindTheBack(t, db, fmt.Sprintf(`DELETE FROM ledger_unsealed WHERE transfer_id = %d`, id),
			fmt.Sprintf(`DELETE FROM ledger_digests WHERE transfer_id = %d`, id),
			fmt.Sprintf(`DELETE FROM ledger_postings WHERE transfer_id = %d`, id), fmt.Sprintf(`DELETE FROM ledger_transfers WHERE id = %d`, id))
	})

	t.Run("amount altered before its seal", func(t *testing.T) {
		t.Parallel()
		db, _ := journal(t)
		p, err := post(ctx, db, deposit("fresh", 7, "7.00"))
		if err != nil {
			t.Fatal(err)
		}
		// Not sealed yet: only the digest can tell.
		if h := head(t, db); h.Unsealed != 1 {
			t.Fatalf("head %+v", h)
		}
		behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_postings SET amount = amount + 1000 WHERE transfer_id = %d`, p.ID))
		wantBroken(t, ledger.VerifyJournal(ctx, db), fmt.Sprintf("transfer %d does not match its digest", p.ID))
		behindTheBack(t, db, fmt.Sprintf(`UPDATE ledger_postings SET amount = amount - 1000 WHERE transfer_id = %d`, p.ID))
		if err := ledger.VerifyJournal(ctx, db); err != nil {
			t.Fatalf("put back: %v", err)
		}
	})

	t.Run("transfer and postings deleted", func(t *testing.T) {
		t.Parallel()
		db, ids := journal(t)
		behindTheBack(t, db,
			`CREATE TEMP TABLE saved_chain AS SELECT * FROM ledger_chain WHERE seq = 2`,
			fmt.Sprintf(`CREATE TEMP TABLE saved_postings AS SELECT * FROM ledger_postings WHERE transfer_id = %d`, ids[1]),
			fmt.Sprintf(`CREATE TEMP TABLE saved_transfer AS SELECT * FROM ledger_transfers WHERE id = %d`, ids[1]),
			fmt.Sprintf(`CREATE TEMP TABLE saved_digest AS SELECT * FROM ledger_digests WHERE transfer_id = %d`, ids[1]),
			`DELETE FROM ledger_chain WHERE seq = 2`,
			fmt.Sprintf(`DELETE FROM ledger_digests WHERE transfer_id = %d`, ids[1]),
			fmt.Sprintf(`DELETE FROM ledger_postings WHERE transfer_id = %d`, ids[1]),
			fmt.Sprintf(`DELETE FROM ledger_transfers WHERE id = %d`, ids[1]))
		wantBroken(t, ledger.VerifyJournal(ctx, db), "seals 2 to 2 are missing", fmt.Sprintf("after transfer %d and before transfer %d", ids[0], ids[2]))
		behindTheBack(t, db, `INSERT INTO ledger_transfers SELECT * FROM saved_transfer`, `INSERT INTO ledger_postings SELECT * FROM saved_postings`,
			`INSERT INTO ledger_digests SELECT * FROM saved_digest`, `INSERT INTO ledger_chain SELECT * FROM saved_chain`)
		if err := ledger.VerifyJournal(ctx, db); err != nil {
			t.Fatalf("put back: %v", err)
		}
	})

}
