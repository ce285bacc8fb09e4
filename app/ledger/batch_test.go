package ledger_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"lineescrow/app/dbtest"
	"lineescrow/app/ledger"
	"lineescrow/models"
)

// TestBatcherKeepsPostsGuarantees: many concurrent Submits on one funded
// wallet commit together; exactly as many succeed as the money allows, the
// refused ones fail alone with EINSUFFICIENT, a key submitted twice (also in
// one batch) replays, the same key with other content is a conflict, and the
// books hold.
func TestBatcherKeepsPostsGuarantees(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := post(ctx, db.DB, deposit("fund", 1, "10.00")); err != nil {
		t.Fatal(err)
	}
	// The receivers' wallets exist before (a new account goes through Post).
	for u := int64(100); u < 140; u++ {
		if _, err := post(ctx, db.DB, deposit(fmt.Sprintf("open-%d", u), u, "0.01")); err != nil {
			t.Fatal(err)
		}
	}
	b := ledger.NewBatcher(db.DB, ledger.BatcherOptions{Workers: 2})
	defer b.Close()
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = b.Submit(ctx, models.Transfer{Key: fmt.Sprintf("pay-%d", i), Kind: "test.pay",
				Postings: models.Move(models.WalletAccount(1), models.WalletAccount(int64(100+i)), models.MustParseMoney("0.50"))})
		}()
	}
	wg.Wait()
	ok, short := 0, 0
	for _, err := range errs {
		switch models.ErrorCode(err) {
		case "":
			ok++
		case models.EINSUFFICIENT:
			short++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 20 || short != 20 {
		t.Fatalf("%d posted and %d refused, want 20 and 20", ok, short)
	}
	if got := balance(t, db.DB, models.WalletAccount(1)); got != "0.00" {
		t.Fatalf("wallet:1 = %s, want 0.00", got)
	}

	// The same key twice at once, and again later: one transfer.
	same := deposit("dup", 7, "3.00")
	var p1, p2 *ledger.Posted
	var e1, e2 error
	wg.Add(2)
	go func() { defer wg.Done(); p1, e1 = b.Submit(ctx, same) }()
	go func() { defer wg.Done(); p2, e2 = b.Submit(ctx, same) }()
	wg.Wait()
	if e1 != nil || e2 != nil || p1.ID != p2.ID || p1.Replayed == p2.Replayed {
		t.Fatalf("same key twice: %+v %v / %+v %v", p1, e1, p2, e2)
	}
	p3, err := b.Submit(ctx, same)
	if err != nil || !p3.Replayed || p3.ID != p1.ID {
		t.Fatalf("replay: %+v %v", p3, err)
	}
	if _, err := b.Submit(ctx, deposit("dup", 7, "4.00")); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("other content under the same key: %v", err)
	}
	if got := balance(t, db.DB, models.WalletAccount(7)); got != "3.00" {
		t.Fatalf("wallet:7 = %s, want 3.00", got)
	}
	if err := ledger.CheckInvariants(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
}
