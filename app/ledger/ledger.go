// Package ledger stores LineEscrow's double-entry ledger in PostgreSQL.
//
// Post records a models.Transfer inside the caller's transaction, so an
// order's state change, its money movement and its River job commit together or
// not at all. The rules that keep the books right are enforced twice: in Go
// (models.Transfer.Validate, the balance checks below) and in the database
// (deferred balance trigger, immutable postings, CHECK on constrained balances).
//
// # Hot accounts
//
// Every payment touches a few platform accounts (bank:collection,
// telecom:receivable, revenue:fees). Keeping their balance in one row would make
// every transfer in the platform wait for the one before it. Instead:
//
//   - a constrained account (wallet, escrow, seller money, suspense) has a single
//     balance row. The posting locks it, and the same UPDATE refuses to take it
//     below zero, so the check and the change are one atomic step; its balance
//     reads in O(1).
//   - an unconstrained account has Shards balance rows; each posting adds to one
//     chosen at random. Two concurrent transfers collide on such an account only
//     when they pick the same shard, and its balance is the sum of a fixed number
//     of rows. Nothing needs it to be non-negative, so no transfer ever has to
//     see its total.
//
// Within a transfer, balance rows are locked in ascending (account id, shard)
// order, so transfers cannot deadlock one another on the ledger; deadlocks with
// other tables and serialization failures are retried by store.InTx.
package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/models"
)

// Shards is the number of balance rows of an unconstrained account.
const Shards = 16

// Account is a ledger account row.
type Account struct {
	ID          int64
	Code        string
	Kind        models.AccountKind
	Constrained bool
	Shards      int
}

// Posted is a transfer as recorded.
type Posted struct {
	ID        int64
	Key       string
	Kind      string
	Ref       string
	Memo      string
	CreatedAt time.Time
	Postings  []models.Posting
	// Replayed is true when the key had already been posted with the same
	// content: nothing moved this time.
	Replayed bool
}

type valueTimeKey struct{}

// WithValueTime returns ctx under which the transfers posted happened at the
// bank at t (a callback's time, a statement line's booking) rather than when
// they are recorded: the end-of-day balance of bank:collection, compared
// with the bank's statement, is read by this time.
func WithValueTime(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, valueTimeKey{}, t)
}

// BalanceAt returns the balance of account code from the transfers whose
// value time is before at.
func BalanceAt(ctx context.Context, db *gorm.DB, code string, at time.Time) (models.Money, error) {
	var b models.Money
	err := db.WithContext(ctx).Raw(`SELECT coalesce(sum(CASE WHEN (p.direction = 'debit') = (a.kind IN ('asset', 'expense'))
			THEN p.amount ELSE -p.amount END), 0)
		FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id JOIN ledger_transfers t ON t.id = p.transfer_id
		WHERE a.code = ? AND t.value_at < ?`, code, at).Row().Scan(&b)
	if err != nil {
		return models.Zero, fmt.Errorf("balance of %s at %s: %w", code, at.Format(time.RFC3339), err)
	}
	return b, nil
}

// Post records t within tx (which must be a transaction) and updates the
// balances of its accounts.
//
// Errors: EINVALID when t is malformed or unbalanced; EINSUFFICIENT when a
// constrained account would go negative; ECONFLICT when t.Key was already
// posted with different content. Posting the same key with the same content
// again returns the original transfer with Replayed set and moves nothing.
// After an error the caller must roll the transaction (or savepoint) back.
func Post(ctx context.Context, tx *gorm.DB, t models.Transfer) (*Posted, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	tx = tx.WithContext(ctx)
	fp := t.Fingerprint()
	posted := &Posted{Key: t.Key, Kind: t.Kind, Ref: t.Ref, Memo: t.Memo, Postings: t.Postings}

	// The unique key decides which of several concurrent posts wins: the others
	// wait here for its commit, then find the row and compare.
	var valueAt any // NULL: now
	if v, ok := ctx.Value(valueTimeKey{}).(time.Time); ok && !v.IsZero() {
		valueAt = v
	}
	row := tx.Raw(`INSERT INTO ledger_transfers (idempotency_key, kind, ref, memo, fingerprint, value_at)
		VALUES (?, ?, ?, ?, ?, coalesce(?::timestamptz, now())) ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id, created_at, value_at`, t.Key, t.Kind, t.Ref, t.Memo, fp, valueAt).Row()
	var valuedAt time.Time
	if err := row.Scan(&posted.ID, &posted.CreatedAt, &valuedAt); err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("post transfer %s: %w", t.Key, err)
		}
		return replay(ctx, tx, t, fp)
	}

	accounts, err := resolve(ctx, tx, t.Postings)
	if err != nil {
		return nil, fmt.Errorf("post transfer %s: %w", t.Key, err)
	}

	// The digest (digest.go) in the same statement as the postings.
	var sb strings.Builder
	args := make([]any, 0, 2+4*len(t.Postings))
	sb.WriteString("WITH d AS (INSERT INTO ledger_digests (transfer_id, digest) VALUES (?, ?)) ")
	args = append(args, posted.ID, postedContent(posted, fp, valuedAt).digest())
	sb.WriteString("INSERT INTO ledger_postings (transfer_id, account_id, direction, amount) VALUES ")
	for i, p := range t.Postings {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?)")
		args = append(args, posted.ID, accounts[p.Account].ID, string(p.Direction), p.Amount)
	}
	if err := tx.Exec(sb.String(), args...).Error; err != nil {
		return nil, fmt.Errorf("post transfer %s: postings: %w", t.Key, err)
	}

	// Net change per account, applied in ascending account id order.
	deltas := map[int64]models.Money{}
	for _, p := range t.Postings {
		a := accounts[p.Account]
		deltas[a.ID] = deltas[a.ID].Add(p.Delta(a.Kind))
	}
	ids := make([]int64, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	byID := map[int64]*Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	for _, id := range ids {
		a, d := byID[id], deltas[id]
		if d.IsZero() {
			continue
		}
		if a.Constrained {
			// The guard and the change in one statement: no window between check and write.
			res := tx.Exec(`UPDATE ledger_balances SET balance = balance + ?
				WHERE account_id = ? AND shard = 0 AND balance + ? >= 0`, d, id, d)
			if res.Error != nil {
				return nil, fmt.Errorf("post transfer %s: balance of %s: %w", t.Key, a.Code, res.Error)
			}
			if res.RowsAffected != 1 {
				return nil, models.Errorf(models.EINSUFFICIENT, "Insufficient funds in %s.", a.Code)
			}
			continue
		}
		shard := rand.IntN(a.Shards)
		if err := tx.Exec(`UPDATE ledger_balances SET balance = balance + ? WHERE account_id = ? AND shard = ?`,
			d, id, shard).Error; err != nil {
			return nil, fmt.Errorf("post transfer %s: balance of %s: %w", t.Key, a.Code, err)
		}
	}
	return posted, nil
}

func replay(ctx context.Context, tx *gorm.DB, t models.Transfer, fp []byte) (*Posted, error) {
	var prior struct {
		ID          int64
		Kind, Ref   string
		Memo        string
		Fingerprint []byte
		CreatedAt   time.Time
	}
	if err := tx.Raw(`SELECT id, kind, ref, memo, fingerprint, created_at FROM ledger_transfers
		WHERE idempotency_key = ?`, t.Key).Scan(&prior).Error; err != nil {
		return nil, fmt.Errorf("post transfer %s: load prior: %w", t.Key, err)
	}
	if prior.ID == 0 {
		return nil, fmt.Errorf("post transfer %s: key conflicted but no transfer found", t.Key)
	}
	if !bytes.Equal(prior.Fingerprint, fp) {
		return nil, models.Errorf(models.ECONFLICT, "Idempotency key %s was already used for a different transfer.", t.Key)
	}
	postings, err := postingsOf(ctx, tx, prior.ID)
	if err != nil {
		return nil, err
	}
	return &Posted{ID: prior.ID, Key: t.Key, Kind: prior.Kind, Ref: prior.Ref, Memo: prior.Memo,
		CreatedAt: prior.CreatedAt, Postings: postings, Replayed: true}, nil
}

func postingsOf(ctx context.Context, db *gorm.DB, transferID int64) ([]models.Posting, error) {
	var rows []struct {
		Code      string
		Direction string
		Amount    models.Money
	}
	if err := db.WithContext(ctx).Raw(`SELECT a.code, p.direction, p.amount FROM ledger_postings p
		JOIN ledger_accounts a ON a.id = p.account_id WHERE p.transfer_id = ? ORDER BY p.id`, transferID).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("load postings of transfer %d: %w", transferID, err)
	}
	out := make([]models.Posting, len(rows))
	for i, r := range rows {
		out[i] = models.Posting{Account: r.Code, Direction: models.Direction(r.Direction), Amount: r.Amount}
	}
	return out, nil
}

// resolve returns the accounts of the postings, creating missing ones (in code
// order, so concurrent creators cannot deadlock).
func resolve(ctx context.Context, tx *gorm.DB, postings []models.Posting) (map[string]*Account, error) {
	codes := make([]string, 0, len(postings))
	seen := map[string]bool{}
	for _, p := range postings {
		if !seen[p.Account] {
			seen[p.Account] = true
			codes = append(codes, p.Account)
		}
	}
	sort.Strings(codes)
	out, err := lookup(ctx, tx, codes)
	if err != nil {
		return nil, err
	}
	for _, code := range codes {
		if out[code] != nil {
			continue
		}
		spec, err := models.ClassifyAccount(code)
		if err != nil {
			return nil, err
		}
		shards := 1
		if !spec.Constrained {
			shards = Shards
		}
		var id int64
		res := tx.Raw(`INSERT INTO ledger_accounts (code, kind, constrained, shards) VALUES (?, ?, ?, ?)
			ON CONFLICT (code) DO NOTHING RETURNING id`, code, string(spec.Kind), spec.Constrained, shards).Scan(&id)
		if res.Error != nil {
			return nil, fmt.Errorf("create account %s: %w", code, res.Error)
		}
		if res.RowsAffected == 0 {
			// Created meanwhile by a transaction that has now committed.
			got, err := lookup(ctx, tx, []string{code})
			if err != nil {
				return nil, err
			}
			out[code] = got[code]
			continue
		}
		if err := tx.Exec(`INSERT INTO ledger_balances (account_id, shard, constrained)
			SELECT ?, s, ? FROM generate_series(0, ? - 1) AS s`, id, spec.Constrained, shards).Error; err != nil {
			return nil, fmt.Errorf("create balances of %s: %w", code, err)
		}
		out[code] = &Account{ID: id, Code: code, Kind: spec.Kind, Constrained: spec.Constrained, Shards: shards}
	}
	return out, nil
}

func lookup(ctx context.Context, db *gorm.DB, codes []string) (map[string]*Account, error) {
	var rows []Account
	if err := db.WithContext(ctx).Raw(`SELECT id, code, kind, constrained, shards FROM ledger_accounts
		WHERE code IN ?`, codes).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("look up accounts: %w", err)
	}
	out := make(map[string]*Account, len(codes))
	for i := range rows {
		out[rows[i].Code] = &rows[i]
	}
	return out, nil
}

// Balance returns the balance of account code on its normal side (what a
// wallet owes its owner, what the bank account holds), zero for an account
// that has never been used. For a constrained account this reads one row.
func Balance(ctx context.Context, db *gorm.DB, code string) (models.Money, error) {
	var b models.Money
	err := db.WithContext(ctx).Raw(`SELECT coalesce(sum(b.balance), 0) FROM ledger_balances b
		JOIN ledger_accounts a ON a.id = b.account_id WHERE a.code = ?`, code).Row().Scan(&b)
	if err != nil {
		return models.Zero, fmt.Errorf("balance of %s: %w", code, err)
	}
	return b, nil
}

// AccountBalance is an account with its balance.
type AccountBalance struct {
	Code    string
	Kind    models.AccountKind
	Balance models.Money
}

// AccountBalances returns those of the accounts codes that exist, with
// their kinds and balances, in code order. It reads them by code.
func AccountBalances(ctx context.Context, db *gorm.DB, codes ...string) ([]AccountBalance, error) {
	var out []AccountBalance
	if err := db.WithContext(ctx).Raw(`SELECT a.code, a.kind, sum(b.balance) AS balance FROM ledger_accounts a
		JOIN ledger_balances b ON b.account_id = a.id WHERE a.code IN ? GROUP BY a.code, a.kind ORDER BY a.code`, codes).
		Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("account balances: %w", err)
	}
	return out, nil
}

// Balances returns the balances of several accounts at once (missing ones are zero).
func Balances(ctx context.Context, db *gorm.DB, codes ...string) (map[string]models.Money, error) {
	var rows []struct {
		Code    string
		Balance models.Money
	}
	if err := db.WithContext(ctx).Raw(`SELECT a.code, sum(b.balance) AS balance FROM ledger_balances b
		JOIN ledger_accounts a ON a.id = b.account_id WHERE a.code IN ? GROUP BY a.code`, codes).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("balances: %w", err)
	}
	out := make(map[string]models.Money, len(codes))
	for _, c := range codes {
		out[c] = models.Zero
	}
	for _, r := range rows {
		out[r.Code] = r.Balance
	}
	return out, nil
}
