package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/store"
	"lineescrow/models"
)

// Batcher commits transfers that stand on their own (not part of a larger
// business transaction) many to one database transaction, the way
// TigerBeetle batches: concurrent Submits are collected while the previous
// batch commits, validated up front in memory and written in a few
// statements, so PostgreSQL pays for one commit (one WAL flush) and a few
// round trips per batch instead of per transfer.
//
// The guarantees are those of Post in its own transaction:
//
//   - durability: Submit returns only after the transaction holding its
//     transfer has committed;
//   - isolation of failures: each transfer is checked on its own against the
//     balances as the transfers before it in the batch leave them (in memory,
//     with the balance rows locked), so an insufficient one is refused
//     (EINSUFFICIENT) and its neighbours still commit;
//   - idempotency: a key already posted (or posted twice in one batch) is
//     answered by Post itself in its own transaction after the batch: the same
//     content replays, other content is ECONFLICT;
//   - the database's own checks (balanced transfers, constrained balances
//     never negative, immutable postings) apply unchanged; should any
//     statement of a batch fail, every transfer in it is posted again one by
//     one with Post.
//
// Balance rows are locked in ascending (account id, shard) order, as Post
// does, and each account's balance row is written once per batch with the net
// of all its transfers (a hot account's on one shard chosen at random).
type Batcher struct {
	db   *gorm.DB
	o    BatcherOptions
	reqs chan *batchReq
	wg   sync.WaitGroup
	once sync.Once
	quit chan struct{}

	mu       sync.RWMutex
	accounts map[string]*Account // accounts never change once created
}

// BatcherOptions tune a Batcher; zero values take the defaults.
type BatcherOptions struct {
	// MaxBatch is the largest number of transfers in one transaction (256).
	MaxBatch int
	// Workers is the number of batches in flight at once (4): while one
	// commits, the next collects.
	Workers int
}

type batchReq struct {
	ctx     context.Context
	t       models.Transfer
	fp      []byte
	valueAt any
	res     chan batchRes
}

type batchRes struct {
	posted *Posted
	err    error
}

// ErrBatcherClosed is returned by Submit after Close.
var ErrBatcherClosed = errors.New("ledger: batcher closed")

// NewBatcher starts a Batcher posting to db (not a transaction).
func NewBatcher(db *gorm.DB, o BatcherOptions) *Batcher {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	b := &Batcher{db: db, o: o, reqs: make(chan *batchReq, o.MaxBatch*o.Workers), quit: make(chan struct{}),
		accounts: map[string]*Account{}}
	for range o.Workers {
		b.wg.Add(1)
		go b.work()
	}
	return b
}

// Close stops the workers after the batches in flight; later Submits fail.
func (b *Batcher) Close() {
	b.once.Do(func() { close(b.quit) })
	b.wg.Wait()
}

// Submit posts t in a transaction of its own, shared with other concurrent
// Submits, and returns once that transaction has committed. Errors are
// Post's: EINVALID, EINSUFFICIENT, ECONFLICT; with ctx done before the answer
// the transfer may or may not have been posted (submit it again with the same
// key to find out).
func (b *Batcher) Submit(ctx context.Context, t models.Transfer) (*Posted, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	r := &batchReq{ctx: context.WithoutCancel(ctx), t: t, fp: t.Fingerprint(), res: make(chan batchRes, 1)}
	if v, ok := ctx.Value(valueTimeKey{}).(time.Time); ok && !v.IsZero() {
		r.valueAt = v
	}
	select {
	case <-b.quit:
		return nil, ErrBatcherClosed
	default:
	}
	select {
	case b.reqs <- r:
	case <-b.quit:
		return nil, ErrBatcherClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case res := <-r.res:
		return res.posted, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *Batcher) work() {
	defer b.wg.Done()
	batch := make([]*batchReq, 0, b.o.MaxBatch)
	for {
		select {
		case <-b.quit:
			// Answer what is queued before leaving.
			for {
				select {
				case r := <-b.reqs:
					b.run([]*batchReq{r})
				default:
					return
				}
			}
		case r := <-b.reqs:
			batch = append(batch[:0], r)
		collect:
			for len(batch) < b.o.MaxBatch {
				select {
				case r := <-b.reqs:
					batch = append(batch, r)
				default:
					break collect
				}
			}
			b.run(batch)
		}
	}
}

// run posts one batch and answers every request in it.
func (b *Batcher) run(batch []*batchReq) {
	ctx := batch[0].ctx
	// Keys seen twice in the batch, and transfers on accounts not created
	// yet, are left to Post after the batch (it replays, refuses a conflict,
	// creates accounts).
	var later []*batchReq
	seen := map[string]bool{}
	now := make([]*batchReq, 0, len(batch))
	var missing []string
	for _, r := range batch {
		if seen[r.t.Key] {
			later = append(later, r)
			continue
		}
		seen[r.t.Key] = true
		now = append(now, r)
		for _, p := range r.t.Postings {
			if b.account(p.Account) == nil {
				missing = append(missing, p.Account)
			}
		}
	}
	if len(missing) > 0 {
		if found, err := lookup(ctx, b.db, missing); err == nil {
			b.mu.Lock()
			for code, a := range found {
				b.accounts[code] = a
			}
			b.mu.Unlock()
		}
		kept := now[:0]
		for _, r := range now {
			ok := true
			for _, p := range r.t.Postings {
				ok = ok && b.account(p.Account) != nil
			}
			if ok {
				kept = append(kept, r)
			} else {
				later = append(later, r)
			}
		}
		now = kept
	}

	for attempt := 0; len(now) > 0; attempt++ {
		var results map[*batchReq]batchRes
		var taken []*batchReq
		err := store.InTx(ctx, b.db, func(tx *gorm.DB) error {
			var err error
			results, taken, err = b.post(ctx, tx, now)
			return err
		})
		if err == nil {
			for r, res := range results {
				r.res <- res
			}
			break
		}
		if errors.Is(err, errKeysTaken) && attempt == 0 {
			// Keys posted meanwhile by others: those go to Post, the rest again.
			later = append(later, taken...)
			isTaken := map[*batchReq]bool{}
			for _, r := range taken {
				isTaken[r] = true
			}
			kept := now[:0]
			for _, r := range now {
				if !isTaken[r] {
					kept = append(kept, r)
				}
			}
			now = kept
			continue
		}
		// Anything unexpected: every transfer on its own, through Post.
		later = append(later, now...)
		break
	}
	for _, r := range later {
		var p *Posted
		err := store.InTx(r.ctx, b.db, func(tx *gorm.DB) error {
			var err error
			p, err = Post(r.ctx, tx, r.t)
			return err
		})
		r.res <- batchRes{posted: p, err: err}
	}
}

func (b *Batcher) account(code string) *Account {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.accounts[code]
}

type balanceKey struct {
	account int64
	shard   int
}

// post writes the transfers of reqs that the balances allow, in tx. It
// returns each request's answer, or the requests whose key another
// transaction posted meanwhile (then nothing of this attempt may commit:
// post returns an error with them so the transaction rolls back).
func (b *Batcher) post(ctx context.Context, tx *gorm.DB, reqs []*batchReq) (map[*batchReq]batchRes, []*batchReq, error) {
	tx = tx.WithContext(ctx)
	// The balance rows the batch changes: a constrained account's one row, a
	// hot account's shard chosen for this batch.
	shard := map[int64]int{}
	keys := map[balanceKey]bool{}
	for _, r := range reqs {
		for _, p := range r.t.Postings {
			a := b.account(p.Account)
			if _, ok := shard[a.ID]; !ok {
				s := 0
				if !a.Constrained {
					s = rand.IntN(a.Shards)
				}
				shard[a.ID] = s
				keys[balanceKey{a.ID, s}] = true
			}
		}
	}
	order := make([]balanceKey, 0, len(keys))
	for k := range keys {
		order = append(order, k)
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].account != order[j].account {
			return order[i].account < order[j].account
		}
		return order[i].shard < order[j].shard
	})
	var sb strings.Builder
	args := make([]any, 0, 2*len(order))
	sb.WriteString(`SELECT account_id, shard, balance FROM ledger_balances WHERE (account_id, shard) IN (`)
	for i, k := range order {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?)")
		args = append(args, k.account, k.shard)
	}
	sb.WriteString(") ORDER BY account_id, shard FOR UPDATE")
	var rows []struct {
		AccountID int64
		Shard     int
		Balance   models.Money
	}
	if err := tx.Raw(sb.String(), args...).Scan(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("batch: lock balances: %w", err)
	}
	if len(rows) != len(order) {
		return nil, nil, fmt.Errorf("batch: %d balance rows of %d found", len(rows), len(order))
	}
	balance := make(map[int64]models.Money, len(rows))
	for _, row := range rows {
		balance[row.AccountID] = row.Balance
	}

	// Each transfer in turn against the balances the ones before it leave.
	results := make(map[*batchReq]batchRes, len(reqs))
	delta := map[int64]models.Money{}
	var ok []*batchReq
	for _, r := range reqs {
		net := map[int64]models.Money{}
		for _, p := range r.t.Postings {
			a := b.account(p.Account)
			net[a.ID] = net[a.ID].Add(p.Delta(a.Kind))
		}
		var short *Account
		for id, d := range net {
			a := b.byID(r, id)
			if a.Constrained && balance[id].Add(d).IsNegative() {
				if short == nil || a.Code < short.Code {
					short = a
				}
			}
		}
		if short != nil {
			results[r] = batchRes{err: models.Errorf(models.EINSUFFICIENT, "Insufficient funds in %s.", short.Code)}
			continue
		}
		for id, d := range net {
			balance[id] = balance[id].Add(d)
			delta[id] = delta[id].Add(d)
		}
		ok = append(ok, r)
	}
	if len(ok) == 0 {
		return results, nil, nil
	}

	// The transfers: a key taken by another transaction since the batch was
	// formed comes back missing.
	sb.Reset()
	args = args[:0]
	sb.WriteString(`INSERT INTO ledger_transfers (idempotency_key, kind, ref, memo, fingerprint, value_at) VALUES `)
	for i, r := range ok {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?, coalesce(?::timestamptz, now()))")
		args = append(args, r.t.Key, r.t.Kind, r.t.Ref, r.t.Memo, r.fp, r.valueAt)
	}
	sb.WriteString(" ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key, created_at, value_at")
	var ins []struct {
		ID             int64
		IdempotencyKey string
		CreatedAt      time.Time
		ValueAt        time.Time
	}
	if err := tx.Raw(sb.String(), args...).Scan(&ins).Error; err != nil {
		return nil, nil, fmt.Errorf("batch: transfers: %w", err)
	}
	if len(ins) != len(ok) {
		got := make(map[string]bool, len(ins))
		for _, t := range ins {
			got[t.IdempotencyKey] = true
		}
		var taken []*batchReq
		for _, r := range ok {
			if !got[r.t.Key] {
				taken = append(taken, r)
			}
		}
		return nil, taken, errKeysTaken
	}
	posted := make(map[string]*Posted, len(ins))
	valuedAt := make(map[string]time.Time, len(ins))
	for _, t := range ins {
		posted[t.IdempotencyKey] = &Posted{ID: t.ID, CreatedAt: t.CreatedAt}
		valuedAt[t.IdempotencyKey] = t.ValueAt
	}

	// The digests (digest.go) in the same statement as the postings.
	sb.Reset()
	args = args[:0]
	sb.WriteString("WITH d AS (INSERT INTO ledger_digests (transfer_id, digest) VALUES ")
	for i, r := range ok {
		p := posted[r.t.Key]
		p.Key, p.Kind, p.Ref, p.Memo, p.Postings = r.t.Key, r.t.Kind, r.t.Ref, r.t.Memo, r.t.Postings
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?)")
		args = append(args, p.ID, postedContent(p, r.fp, valuedAt[r.t.Key]).digest())
	}
	sb.WriteString(") INSERT INTO ledger_postings (transfer_id, account_id, direction, amount) VALUES ")
	n := 0
	for _, r := range ok {
		p := posted[r.t.Key]
		for _, q := range r.t.Postings {
			if n > 0 {
				sb.WriteString(", ")
			}
			n++
			sb.WriteString("(?, ?, ?, ?)")
			args = append(args, p.ID, b.account(q.Account).ID, string(q.Direction), q.Amount)
		}
		results[r] = batchRes{posted: p}
	}
	if err := tx.Exec(sb.String(), args...).Error; err != nil {
		return nil, nil, fmt.Errorf("batch: postings: %w", err)
	}

	// Each balance row once, with the batch's net change; the constrained
	// guard stays in the statement, as in Post.
	sb.Reset()
	args = args[:0]
	n = 0
	sb.WriteString(`UPDATE ledger_balances b SET balance = b.balance + v.d FROM (VALUES `)
	for _, k := range order {
		d := delta[k.account]
		if d.IsZero() {
			continue
		}
		if n > 0 {
			sb.WriteString(", ")
		}
		n++
		sb.WriteString("(?::bigint, ?::smallint, ?::numeric)")
		args = append(args, k.account, k.shard, d)
	}
	sb.WriteString(`) AS v(account_id, shard, d) WHERE b.account_id = v.account_id AND b.shard = v.shard
		AND (NOT b.constrained OR b.balance + v.d >= 0)`)
	if n > 0 {
		res := tx.Exec(sb.String(), args...)
		if res.Error != nil {
			return nil, nil, fmt.Errorf("batch: balances: %w", res.Error)
		}
		if res.RowsAffected != int64(n) {
			return nil, nil, fmt.Errorf("batch: %d balance rows of %d changed", res.RowsAffected, n)
		}
	}
	return results, nil, nil
}

var errKeysTaken = errors.New("batch: idempotency keys posted meanwhile")

func (b *Batcher) byID(r *batchReq, id int64) *Account {
	for _, p := range r.t.Postings {
		if a := b.account(p.Account); a.ID == id {
			return a
		}
	}
	return nil
}
