package ledger

// # Digests
//
// The chain alone (journal.go) proves nothing about a transfer before its
// seal, and the sealer seals whatever it finds in ledger_unsealed: someone
// with write access to the database who inserts a transfer with the ledger's
// triggers left on would have it queued and sealed like any other. So Post
// (and the Batcher) also write, in the same statement as the postings, a
// digest of each transfer into ledger_digests: HMAC-SHA256 over a canonical,
// length-prefixed encoding of the transfer's id, idempotency key, kind,
// reference, memo, fingerprint, creation and value times (UTC, to the
// microsecond) and its postings (account code, direction, amount as an exact
// two-decimal string, sorted), computed in Go from the very values inserted.
// VerifyJournal recomputes every digest from the rows as they are now.
//
// The key is not in the database: outside demo mode it is derived from
// PAY_PASSWORD_PEPPER (platform.New and `ledger verify` call SetJournalKey);
// in demo mode, and in tests, it is a public constant. So, honestly:
//
//   - someone with SQL access but not the key can alter a transfer, or
//     insert one, only in a way verify names (digest mismatch or missing);
//     they can delete a transfer not sealed yet (with its digest and its
//     queue row) without trace: the window is the sealer's period (a few
//     seconds). Deleting a sealed one breaks the chain; deleting the newest
//     seals and rewriting the rest is seen only against a head exported
//     earlier (VerifyJournal's anchors, `ledger verify -head`).
//   - they can also raise ledger_digests_from to excuse digests missing on
//     low ids; verify prints that boundary, and on a platform installed with
//     this migration it is 1.
//   - someone with the key as well (the application server itself) can forge
//     anything not yet covered by an exported head. Export heads regularly and
//     keep them outside the platform.
//
// Changing PAY_PASSWORD_PEPPER makes every digest written before mismatch:
// keep the old value to verify old books.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"sort"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// demoJournalKey keys the digests in demo mode and in tests: public, so such
// digests prove nothing against someone who read this file.
var demoJournalKey = []byte("lineescrow journal digests: public demo key")

var journalKey atomic.Pointer[[]byte]

func init() { journalKey.Store(&demoJournalKey) }

// SetJournalKey sets the key of the transfers' digests for this process.
// Call it once, at start-up, before any transfer is posted or verified.
func SetJournalKey(key []byte) {
	k := append([]byte(nil), key...)
	journalKey.Store(&k)
}

// JournalKeyFrom derives the digests' key from a server-side secret.
func JournalKeyFrom(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("lineescrow ledger journal digests"))
	return m.Sum(nil)
}

// digestTime is the canonical form of a transfer's times, the same as
// loadContents reads them with to_char.
func digestTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

// digest is c's HMAC under the current key.
func (c *content) digest() []byte {
	m := hmac.New(sha256.New, *journalKey.Load())
	writeDigest(m, c)
	return m.Sum(nil)
}

func writeDigest(h hash.Hash, c *content) {
	f := &fields{h: h}
	f.str("lineescrow transfer digest v1")
	f.transfer(c)
	ps := make([]postingContent, len(c.Postings))
	copy(ps, c.Postings)
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Code != ps[j].Code {
			return ps[i].Code < ps[j].Code
		}
		if ps[i].Direction != ps[j].Direction {
			return ps[i].Direction < ps[j].Direction
		}
		return ps[i].Amount < ps[j].Amount
	})
	f.int(int64(len(ps)))
	for _, p := range ps {
		f.str(p.Code)
		f.str(p.Direction)
		f.str(p.Amount)
	}
}

// fields writes values to a hash, each length-prefixed (integers are 8
// bytes), so that no two different contents write the same input.
type fields struct {
	h   hash.Hash
	num [8]byte
}

func (f *fields) int(v int64) {
	binary.BigEndian.PutUint64(f.num[:], uint64(v))
	f.h.Write(f.num[:])
}

func (f *fields) bytes(b []byte) {
	f.int(int64(len(b)))
	f.h.Write(b)
}

func (f *fields) str(s string) { f.bytes([]byte(s)) }

// transfer writes the transfer's own fields (not its postings): the part
// the digest and the journal's hash share.
func (f *fields) transfer(c *content) {
	f.int(c.ID)
	f.str(c.IdempotencyKey)
	f.str(c.Kind)
	f.str(c.Ref)
	f.str(c.Memo)
	f.bytes(c.Fingerprint)
	f.str(c.CreatedAt)
	f.str(c.ValueAt)
}

// postedContent is the digest's input for a transfer as Post inserts it.
func postedContent(p *Posted, fp []byte, valueAt time.Time) *content {
	c := &content{ID: p.ID, IdempotencyKey: p.Key, Kind: p.Kind, Ref: p.Ref, Memo: p.Memo, Fingerprint: fp,
		CreatedAt: digestTime(p.CreatedAt), ValueAt: digestTime(valueAt)}
	for _, q := range p.Postings {
		c.Postings = append(c.Postings, postingContent{Code: q.Account, Direction: string(q.Direction), Amount: q.Amount.String()})
	}
	return c
}

// verifyDigests recomputes the digest of every transfer, in id order, and
// returns the id of the first one that does not match (or has none though
// it should) with an error wrapping ErrJournal; 0 and nil when every digest
// holds; other errors: the check could not run.
func verifyDigests(ctx context.Context, db *gorm.DB) (int64, error) {
	from, err := DigestsFrom(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("verify the digests: %w", err)
	}
	var last int64
	for {
		var rows []struct {
			ID     int64
			Digest []byte
		}
		if err := db.Raw(`SELECT t.id, d.digest FROM ledger_transfers t LEFT JOIN ledger_digests d ON d.transfer_id = t.id
			WHERE t.id > ? ORDER BY t.id LIMIT ?`, last, verifyBatch).Scan(&rows).Error; err != nil {
			return 0, fmt.Errorf("verify the digests: %w", err)
		}
		if len(rows) == 0 {
			return 0, nil
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		contents, err := loadContents(ctx, db, ids)
		if err != nil {
			return 0, fmt.Errorf("verify the digests: %w", err)
		}
		for _, r := range rows {
			switch {
			case r.Digest == nil && r.ID >= from:
				return r.ID, fmt.Errorf("%w: transfer %d has no digest: it was inserted behind the ledger's back (or its digest removed)",
					ErrJournal, r.ID)
			case r.Digest == nil:
				// Posted before digests existed: the chain covers it.
			case !hmac.Equal(r.Digest, contents[r.ID].digest()):
				return r.ID, fmt.Errorf("%w: transfer %d does not match its digest: it was altered, or inserted behind the ledger's back",
					ErrJournal, r.ID)
			}
			last = r.ID
		}
	}
}

// DigestsFrom is the first transfer id that must carry a digest (transfers
// before it were posted before digests existed).
func DigestsFrom(ctx context.Context, db *gorm.DB) (int64, error) {
	var from int64
	err := db.WithContext(ctx).Raw(`SELECT coalesce((SELECT transfer_id FROM ledger_digests_from), 1)`).Row().Scan(&from)
	if err != nil {
		return 0, fmt.Errorf("journal digests: %w", err)
	}
	return from, nil
}
