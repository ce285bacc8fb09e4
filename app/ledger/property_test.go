package ledger_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"lineescrow/app/dbtest"
	"lineescrow/app/ledger"
	"lineescrow/models"
)

// TestLedgerProperties drives the ledger with random sequences of transfers,
// some run concurrently and some replayed, and checks after each sequence that
// every invariant holds and that every balance is what a simple model predicts.
func TestLedgerProperties(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	var run atomic.Int64

	rapid.Check(t, func(rt *rapid.T) {
		// Each run uses its own users, orders and sellers; the platform accounts
		// are shared, so they are checked by their change during the run.
		base := run.Add(1) * 1000
		wallet := func(i int) string { return models.WalletAccount(base + int64(i)) }
		escrow := func(i int) string { return models.EscrowAccount(base + int64(i)) }
		seller := func(i int) string { return models.SellerAvailableAccount(base + int64(i)) }
		shared := []string{models.AccBankCollection, models.AccRevenueFees, models.AccPayoutsInTransit}
		start, err := ledger.Balances(ctx, db.DB, shared...)
		if err != nil {
			rt.Fatal(err)
		}

		model := map[string]int64{} // expected change, in fen, on the normal side
		var posted []models.Transfer
		var seq int

		gen := func(rt *rapid.T) models.Transfer {
			seq++
			key := fmt.Sprintf("prop-%d-%d", base, seq)
			amt := models.FromFen(rapid.Int64Range(1, 50_000).Draw(rt, "fen"))
			u, o, s := rapid.IntRange(1, 3).Draw(rt, "user"), rapid.IntRange(1, 4).Draw(rt, "order"), rapid.IntRange(1, 2).Draw(rt, "seller")
			switch rapid.IntRange(0, 4).Draw(rt, "op") {
			case 0:
				return models.Transfer{Key: key, Kind: "deposit", Postings: models.Move(models.AccBankCollection, wallet(u), amt)}
			case 1:
				return models.Transfer{Key: key, Kind: "pay", Postings: models.Move(wallet(u), escrow(o), amt)}
			case 2:
				fee := amt.MulRate(decimal.RequireFromString("0.006"))
				ps := []models.Posting{{Account: escrow(o), Direction: models.Debit, Amount: amt}}
				if fee.IsPositive() {
					ps = append(ps, models.Posting{Account: models.AccRevenueFees, Direction: models.Credit, Amount: fee})
				}
				ps = append(ps, models.Posting{Account: seller(s), Direction: models.Credit, Amount: amt.Sub(fee)})
				return models.Transfer{Key: key, Kind: "release", Postings: ps}
			case 3:
				return models.Transfer{Key: key, Kind: "payout", Postings: models.Move(seller(s), models.AccPayoutsInTransit, amt)}
			default:
				return models.Transfer{Key: key, Kind: "refund", Postings: models.Move(escrow(o), wallet(u), amt)}
			}
		}
		apply := func(tr models.Transfer) {
			for _, p := range tr.Postings {
				spec, _ := models.ClassifyAccount(p.Account)
				model[p.Account] += p.Delta(spec.Kind).Fen()
			}
		}
		// allowed says whether the model lets tr run now (no constrained account below zero).
		allowed := func(tr models.Transfer) bool {
			next := map[string]int64{}
			for _, p := range tr.Postings {
				spec, _ := models.ClassifyAccount(p.Account)
				next[p.Account] += p.Delta(spec.Kind).Fen()
			}
			for acc, d := range next {
				if spec, _ := models.ClassifyAccount(acc); spec.Constrained && model[acc]+d < 0 {
					return false
				}
			}
			return true
		}

		steps := rapid.IntRange(1, 25).Draw(rt, "steps")
		for range steps {
			switch rapid.IntRange(0, 5).Draw(rt, "kind") {
			case 0: // a concurrent batch: each transfer either happens whole or not at all
				batch := make([]models.Transfer, rapid.IntRange(2, 6).Draw(rt, "batch"))
				for i := range batch {
					batch[i] = gen(rt)
				}
				ok := make([]bool, len(batch))
				var wg sync.WaitGroup
				for i, tr := range batch {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := post(ctx, db.DB, tr)
						ok[i] = err == nil
						if err != nil && models.ErrorCode(err) != models.EINSUFFICIENT {
							rt.Errorf("concurrent %s: %v", tr.Key, err)
						}
					}()
				}
				wg.Wait()
				for i, tr := range batch {
					if ok[i] {
						apply(tr)
						posted = append(posted, tr)
					}
				}
			case 1: // replay an earlier transfer: nothing moves
				if len(posted) == 0 {
					continue
				}
				tr := posted[rapid.IntRange(0, len(posted)-1).Draw(rt, "replay")]
				p, err := post(ctx, db.DB, tr)
				if err != nil || !p.Replayed {
					rt.Fatalf("replay of %s: %+v, %v", tr.Key, p, err)
				}
			default:
				tr := gen(rt)
				want := allowed(tr)
				_, err := post(ctx, db.DB, tr)
				switch {
				case want && err != nil:
					rt.Fatalf("%s refused: %v", tr.Key, err)
				case !want && models.ErrorCode(err) != models.EINSUFFICIENT:
					rt.Fatalf("%s: err = %v, want insufficient funds", tr.Key, err)
				case want:
					apply(tr)
					posted = append(posted, tr)
				}
			}
		}

		if err := ledger.CheckInvariants(ctx, db.DB); err != nil {
			rt.Fatal(err)
		}
		for acc, fen := range model {
			got, err := ledger.Balance(ctx, db.DB, acc)
			if err != nil {
				rt.Fatal(err)
			}
			want := models.FromFen(fen)
			if s, ok := start[acc]; ok {
				want = want.Add(s)
			}
			if !got.Equal(want) {
				rt.Fatalf("%s = %s, model says %s", acc, got, want)
			}
		}
	})
}
