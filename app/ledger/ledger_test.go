package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"lineescrow/app/dbtest"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
	"lineescrow/models"
)

var m = models.MustParseMoney

func post(ctx context.Context, db *gorm.DB, t models.Transfer) (*ledger.Posted, error) {
	var p *ledger.Posted
	err := store.InTx(ctx, db, func(tx *gorm.DB) error {
		var err error
		p, err = ledger.Post(ctx, tx, t)
		return err
	})
	return p, err
}

func balance(t *testing.T, db *gorm.DB, code string) string {
	t.Helper()
	b, err := ledger.Balance(context.Background(), db, code)
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func deposit(key string, user int64, amount string) models.Transfer {
	return models.Transfer{Key: key, Kind: "test.deposit", Ref: fmt.Sprintf("user:%d", user),
		Postings: models.Move(models.AccBankCollection, models.WalletAccount(user), m(amount))}
}

func TestPostMovesMoneyAndKeepsBalances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := post(ctx, db.DB, deposit("d1", 1, "300.00")); err != nil {
		t.Fatal(err)
	}
	pay := models.Transfer{Key: "p1", Kind: "test.pay", Ref: "order:9",
		Postings: models.Move(models.WalletAccount(1), models.EscrowAccount(9), m("259.00"))}
	if _, err := post(ctx, db.DB, pay); err != nil {
		t.Fatal(err)
	}
	release := models.Transfer{Key: "r1", Kind: "test.release", Ref: "order:9", Postings: []models.Posting{
		{Account: models.EscrowAccount(9), Direction: models.Debit, Amount: m("259.00")},
		{Account: models.AccRevenueFees, Direction: models.Credit, Amount: m("1.55")},
		{Account: models.SellerAvailableAccount(5), Direction: models.Credit, Amount: m("257.45")},
	}}
	if _, err := post(ctx, db.DB, release); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		models.AccBankCollection:          "300.00",
		models.WalletAccount(1):           "41.00",
		models.EscrowAccount(9):           "0.00",
		models.AccRevenueFees:             "1.55",
		models.SellerAvailableAccount(5):  "257.45",
		models.SellerAvailableAccount(99): "0.00",
	}
	for code, w := range want {
		if got := balance(t, db.DB, code); got != w {
			t.Errorf("balance(%s) = %s, want %s", code, got, w)
		}
	}
	moves, err := ledger.Movements(ctx, db.DB, ledger.MovementQuery{Ref: "order:9"})
	if err != nil || len(moves) != 5 || moves[0].Key != "r1" {
		t.Fatalf("movements of order:9 = %d, %v (first %+v)", len(moves), err, moves)
	}
}

func TestConstrainedAccountNeverGoesNegative(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := post(ctx, db.DB, deposit("d", 1, "10.00")); err != nil {
		t.Fatal(err)
	}
	over := models.Transfer{Key: "over", Kind: "test.pay",
		Postings: models.Move(models.WalletAccount(1), models.EscrowAccount(1), m("10.01"))}
	_, err := post(ctx, db.DB, over)
	if models.ErrorCode(err) != models.EINSUFFICIENT {
		t.Fatalf("overdraw err = %v, want insufficient_funds", err)
	}
	if got := balance(t, db.DB, models.WalletAccount(1)); got != "10.00" {
		t.Fatalf("wallet after refused overdraw = %s", got)
	}
	var n int64
	db.Raw("SELECT count(*) FROM ledger_transfers WHERE idempotency_key = 'over'").Scan(&n)
	if n != 0 {
		t.Fatal("a refused transfer left a row")
	}
	// The database refuses it too, should Go's guard ever be bypassed.
	err = db.Exec(`UPDATE ledger_balances SET balance = -1 WHERE account_id =
		(SELECT id FROM ledger_accounts WHERE code = 'wallet:1')`).Error
	if store.PgCode(err) != "23514" {
		t.Fatalf("negative constrained balance err = %v, want check violation", err)
	}
}

func TestTransferIsPartOfTheCallersTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	boom := errors.New("later step failed")
	err := store.InTx(ctx, db.DB, func(tx *gorm.DB) error {
		if _, err := ledger.Post(ctx, tx, deposit("a", 1, "5.00")); err != nil {
			return err
		}
		if _, err := ledger.Post(ctx, tx, deposit("b", 2, "7.00")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	for _, code := range []string{models.WalletAccount(1), models.WalletAccount(2), models.AccBankCollection} {
		if got := balance(t, db.DB, code); got != "0.00" {
			t.Errorf("%s = %s after rollback", code, got)
		}
	}
	// Retrying with the same keys now works: the rolled-back attempt left nothing.
	if _, err := post(ctx, db.DB, deposit("a", 1, "5.00")); err != nil {
		t.Fatal(err)
	}
	if got := balance(t, db.DB, models.WalletAccount(1)); got != "5.00" {
		t.Fatalf("wallet = %s", got)
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	first, err := post(ctx, db.DB, deposit("k", 1, "20.00"))
	if err != nil || first.Replayed {
		t.Fatalf("first post: %+v, %v", first, err)
	}
	again, err := post(ctx, db.DB, deposit("k", 1, "20.00"))
	if err != nil || !again.Replayed || again.ID != first.ID || len(again.Postings) != 2 {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	_, err = post(ctx, db.DB, deposit("k", 1, "20.01"))
	if models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("same key, other amount: err = %v, want conflict", err)
	}
	_, err = post(ctx, db.DB, deposit("k", 2, "20.00"))
	if models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("same key, other account: err = %v, want conflict", err)
	}
	if got := balance(t, db.DB, models.WalletAccount(1)); got != "20.00" {
		t.Fatalf("wallet = %s, want 20.00", got)
	}
	if got := balance(t, db.DB, models.WalletAccount(2)); got != "0.00" {
		t.Fatalf("wallet 2 = %s, want 0.00", got)
	}
}

func TestIdempotencyRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	const n = 20
	var wg sync.WaitGroup
	start := make(chan struct{})
	ids := make([]int64, n)
	var fresh atomic.Int32
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p, err := post(ctx, db.DB, deposit("same-key", 3, "99.99"))
			errs[i] = err
			if err == nil {
				ids[i] = p.ID
				if !p.Replayed {
					fresh.Add(1)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Fatalf("goroutine %d got transfer %d, goroutine 0 got %d", i, ids[i], ids[0])
		}
	}
	if fresh.Load() != 1 {
		t.Fatalf("%d goroutines posted fresh transfers, want exactly 1", fresh.Load())
	}
	var count int64
	db.Raw("SELECT count(*) FROM ledger_transfers").Scan(&count)
	if count != 1 {
		t.Fatalf("%d transfers, want 1", count)
	}
	if got := balance(t, db.DB, models.WalletAccount(3)); got != "99.99" {
		t.Fatalf("wallet = %s, want 99.99", got)
	}
}

// TestConcurrentTransfersOnSharedAccounts runs 40 goroutines that move money
// through the same hot platform accounts and a few shared wallets, and checks
// the books to the fen.
func TestConcurrentTransfersOnSharedAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	const workers, each = 40, 15
	const wallets = 4
	var wg sync.WaitGroup
	var refused atomic.Int64
	errc := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				user := int64(1 + (w+i)%wallets)
				// 10.00 in from the bank, 7.00 to an escrow, and the escrow released
				// with a 0.06 fee: every step touches a shared account.
				steps := []models.Transfer{
					deposit(fmt.Sprintf("d-%d-%d", w, i), user, "10.00"),
					{Key: fmt.Sprintf("p-%d-%d", w, i), Kind: "test.pay",
						Postings: models.Move(models.WalletAccount(user), models.EscrowAccount(int64(w*100+i+1)), m("7.00"))},
					{Key: fmt.Sprintf("r-%d-%d", w, i), Kind: "test.release", Postings: []models.Posting{
						{Account: models.EscrowAccount(int64(w*100 + i + 1)), Direction: models.Debit, Amount: m("7.00")},
						{Account: models.AccRevenueFees, Direction: models.Credit, Amount: m("0.06")},
						{Account: models.SellerAvailableAccount(int64(1 + w%3)), Direction: models.Credit, Amount: m("6.94")},
					}},
				}
				for _, s := range steps {
					if _, err := post(ctx, db.DB, s); err != nil {
						errc <- fmt.Errorf("%s: %w", s.Key, err)
						return
					}
				}
				// Also try to overdraw a shared wallet: must be refused, never partial.
				_, err := post(ctx, db.DB, models.Transfer{Key: fmt.Sprintf("o-%d-%d", w, i), Kind: "test.over",
					Postings: models.Move(models.WalletAccount(user), models.AccSuspense, m("100000.00"))})
				if models.ErrorCode(err) != models.EINSUFFICIENT {
					errc <- fmt.Errorf("overdraw: %v", err)
					return
				}
				refused.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	n := workers * each
	want := map[string]models.Money{
		models.AccBankCollection: models.FromFen(int64(n) * 1000),
		models.AccRevenueFees:    models.FromFen(int64(n) * 6),
		models.AccSuspense:       models.Zero,
	}
	perWallet := map[int64]int64{}
	perSeller := map[int64]int64{}
	for w := range workers {
		for i := range each {
			perWallet[int64(1+(w+i)%wallets)] += 300
			perSeller[int64(1+w%3)] += 694
		}
	}
	for u, fen := range perWallet {
		want[models.WalletAccount(u)] = models.FromFen(fen)
	}
	for s, fen := range perSeller {
		want[models.SellerAvailableAccount(s)] = models.FromFen(fen)
	}
	for code, w := range want {
		if got := balance(t, db.DB, code); got != w.String() {
			t.Errorf("%s = %s, want %s", code, got, w)
		}
	}
	if refused.Load() != int64(n) {
		t.Errorf("%d overdrafts refused, want %d", refused.Load(), n)
	}
	if err := ledger.CheckInvariants(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
}

func TestPostingsCannotBeChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := post(ctx, db.DB, deposit("d", 1, "10.00")); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE ledger_postings SET amount = 1000",
		"DELETE FROM ledger_postings",
		"TRUNCATE ledger_postings CASCADE",
		"UPDATE ledger_transfers SET kind = 'x'",
		"DELETE FROM ledger_transfers",
	} {
		err := db.Exec(stmt).Error
		if err == nil || !strings.Contains(err.Error(), "is not allowed") {
			t.Errorf("%s: err = %v, want refusal", stmt, err)
		}
	}
	if got := balance(t, db.DB, models.WalletAccount(1)); got != "10.00" {
		t.Fatalf("wallet = %s", got)
	}
}

func TestDatabaseRejectsUnbalancedTransfer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := post(ctx, db.DB, deposit("d", 1, "10.00")); err != nil {
		t.Fatal(err)
	}
	// Bypass Go's validation and write an unbalanced transfer directly.
	err := db.Transaction(func(tx *gorm.DB) error {
		var id int64
		if err := tx.Raw(`INSERT INTO ledger_transfers (idempotency_key, kind, fingerprint)
			VALUES ('bad', 'x', '\x00') RETURNING id`).Scan(&id).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO ledger_postings (transfer_id, account_id, direction, amount)
			SELECT ?, id, 'debit', 5 FROM ledger_accounts WHERE code = 'bank:collection'`, id).Error
	})
	if err == nil || !strings.Contains(err.Error(), "does not balance") {
		t.Fatalf("commit of unbalanced transfer: err = %v", err)
	}
	// A posting added later to an existing, balanced transfer is caught too.
	err = db.Exec(`INSERT INTO ledger_postings (transfer_id, account_id, direction, amount)
		SELECT t.id, a.id, 'credit', 1 FROM ledger_transfers t, ledger_accounts a
		WHERE t.idempotency_key = 'd' AND a.code = 'wallet:1'`).Error
	if err == nil || !strings.Contains(err.Error(), "does not balance") {
		t.Fatalf("extra posting: err = %v", err)
	}
	// And Go refuses before the database sees it.
	_, err = post(ctx, db.DB, models.Transfer{Key: "u", Kind: "x", Postings: []models.Posting{
		{Account: models.AccBankCollection, Direction: models.Debit, Amount: m("1.00")},
		{Account: models.WalletAccount(1), Direction: models.Credit, Amount: m("0.99")}}})
	if models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("unbalanced post err = %v", err)
	}
}
