package ledger_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"lineescrow/app/dbtest"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
	"lineescrow/models"
)

// BenchmarkPostHotAccount posts deposits from many goroutines, each to its
// own wallet, all through bank:collection: the platform's hottest account.
// shards=1 keeps that account in one balance row (every transfer waits for the
// one before); shards=16 is the design used. Compare the two in one run:
//
//	go test ./app/ledger -run '^$' -bench PostHotAccount -cpu 8
func BenchmarkPostHotAccount(b *testing.B) {
	for _, shards := range []int{1, ledger.Shards} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			ctx := context.Background()
			db := dbtest.New(b)
			// Create the hot account up front with the given number of shard rows.
			if err := db.Exec(`INSERT INTO ledger_accounts (code, kind, constrained, shards) VALUES ('bank:collection', 'asset', false, ?)`, shards).Error; err != nil {
				b.Fatal(err)
			}
			if err := db.Exec(`INSERT INTO ledger_balances (account_id, shard, constrained)
				SELECT id, s, false FROM ledger_accounts, generate_series(0, ? - 1) s WHERE code = 'bank:collection'`, shards).Error; err != nil {
				b.Fatal(err)
			}
			var worker atomic.Int64
			var seq atomic.Int64
			b.SetParallelism(4) // 4 × GOMAXPROCS goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				user := worker.Add(1)
				for pb.Next() {
					n := seq.Add(1)
					err := store.InTx(ctx, db.DB, func(tx *gorm.DB) error {
						_, err := ledger.Post(ctx, tx, models.Transfer{Key: fmt.Sprintf("b-%d", n), Kind: "bench",
							Postings: models.Move(models.AccBankCollection, models.WalletAccount(user), models.FromFen(100))})
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if err := ledger.CheckInvariants(ctx, db.DB); err != nil {
				b.Fatal(err)
			}
		})
	}
}
