package ledger

// # The journal
//
// Every transfer is sealed into a hash chain (ledger_chain): seal n holds
// the transfer's id, the hash of seal n−1 and its own hash, SHA-256 over
// that previous hash and the transfer's whole content (key, kind, reference,
// memo, fingerprint, times, and every posting with its account's id and
// code). Changing a sealed transfer, removing one or slipping one into the
// chain breaks it from that seal on; rewriting every hash after the change
// makes a chain that no longer ends in the head operators exported earlier
// (VerifyJournal with an Anchor).
//
// Sealing is off the hot path: posting a transfer only adds its id to
// ledger_unsealed (a trigger, its own row, so concurrent transfers never
// wait on one another for it). Seal, run by a periodic job, takes the
// committed transfers from there in id order under a transaction-scoped
// advisory lock (one sealer at a time, so seals never fork) and appends
// their seals. A transfer committed late, after transfers with higher ids
// were sealed, is simply sealed later: the chain's order is the order of
// the seals, recorded in seq.
//
// Why not seal by a transaction-id horizon (seal the transfers whose
// pg_current_xact_id() is below pg_snapshot_xmin, in id order)? Because a
// transaction's id and its transfers' ids are not taken in the same order
// (a transaction that wrote something else first has an older xid but may
// take its transfer id after a younger one), so even below the horizon a
// later id could be sealed before an earlier one still in flight; and a
// horizon is held back by any long writer in the cluster. The queue needs no
// horizon: a sealer sees only committed rows of ledger_unsealed, so it never
// seals a transfer of a transaction still open, and no global lock is taken
// on the posting's path (the sealer's advisory lock is its own).
//
// What the chain alone cannot prove (a transfer changed before its seal, or
// inserted with the triggers left on, which queues and seals it) the
// transfers' keyed digests do: see digest.go, which also says honestly what
// someone with SQL access can and cannot forge.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// sealLock is the advisory lock key of the sealer ("journal" in ASCII).
const sealLock = 0x6a6f75726e616c

// sealBatch is how many transfers one sealing transaction seals.
const sealBatch = 500

// genesis is the previous hash of the first seal.
var genesis = make([]byte, sha256.Size)

// ErrJournal is wrapped by VerifyJournal's error when the journal shows a
// transfer altered, removed or inserted behind the ledger's back, as opposed
// to when the check could not run.
var ErrJournal = errors.New("ledger journal broken")

// Head is the end of the journal: the last seal, and how many transfers
// wait for theirs.
type Head struct {
	// Seq is the number of seals (0: nothing sealed yet); TransferID the
	// transfer of the last one.
	Seq        int64
	TransferID int64
	// Hash is the last seal's hash, in hex.
	Hash     string
	SealedAt time.Time
	// Unsealed transfers are committed but not sealed yet (the sealer runs
	// every few seconds).
	Unsealed int64
}

// Anchor is the head's seq and hash, "SEQ:HASH": what an operator exports
// and keeps outside the database, to check the journal against later (""
// while nothing is sealed).
func (h Head) Anchor() string {
	if h.Seq == 0 {
		return ""
	}
	return strconv.FormatInt(h.Seq, 10) + ":" + h.Hash
}

// Anchor is a journal head recorded earlier: seal Seq had hash Hash.
type Anchor struct {
	Seq  int64
	Hash []byte
}

// ParseAnchor reads "SEQ:HASH" (Head.Anchor's form).
func ParseAnchor(s string) (Anchor, error) {
	seq, h, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 1 {
		return Anchor{}, fmt.Errorf("journal anchor %q: want SEQ:HASH with SEQ ≥ 1", s)
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return Anchor{}, fmt.Errorf("journal anchor %q: the hash must be %d hex digits", s, 2*sha256.Size)
	}
	return Anchor{Seq: n, Hash: b}, nil
}

// JournalHead returns the journal's head.
func JournalHead(ctx context.Context, db *gorm.DB) (Head, error) {
	var row struct {
		Seq, TransferID int64
		Hash            []byte
		SealedAt        time.Time
		Unsealed        int64
	}
	if err := db.WithContext(ctx).Raw(`SELECT coalesce(c.seq, 0) AS seq, coalesce(c.transfer_id, 0) AS transfer_id,
			coalesce(c.hash, '') AS hash, coalesce(c.sealed_at, 'epoch') AS sealed_at,
			(SELECT count(*) FROM ledger_unsealed) AS unsealed
		FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT * FROM ledger_chain ORDER BY seq DESC LIMIT 1) c ON true`).
		Scan(&row).Error; err != nil {
		return Head{}, fmt.Errorf("journal head: %w", err)
	}
	h := Head{Seq: row.Seq, TransferID: row.TransferID, Unsealed: row.Unsealed}
	if row.Seq > 0 {
		h.Hash, h.SealedAt = hex.EncodeToString(row.Hash), row.SealedAt
	}
	return h, nil
}

// Seal appends the seals of every committed transfer not sealed yet, in id
// order, and returns how many it sealed. Concurrent calls take turns.
func Seal(ctx context.Context, db *gorm.DB) (int, error) {
	total := 0
	for {
		n, err := sealSome(ctx, db)
		total += n
		if err != nil || n < sealBatch {
			return total, err
		}
	}
}

func sealSome(ctx context.Context, db *gorm.DB) (int, error) {
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, sealLock).Error; err != nil {
			return err
		}
		// Read after the lock: the previous sealer's seals have committed.
		var last struct {
			Seq  int64
			Hash []byte
		}
		if err := tx.Raw(`SELECT seq, hash FROM ledger_chain ORDER BY seq DESC LIMIT 1`).Scan(&last).Error; err != nil {
			return err
		}
		prev := last.Hash
		if last.Seq == 0 {
			prev = genesis
		}
		var ids []int64
		if err := tx.Raw(`SELECT transfer_id FROM ledger_unsealed ORDER BY transfer_id LIMIT ?`, sealBatch).
			Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		contents, err := loadContents(ctx, tx, ids)
		if err != nil {
			return err
		}
		var sb strings.Builder
		args := make([]any, 0, 4*len(ids))
		sb.WriteString("INSERT INTO ledger_chain (seq, transfer_id, prev_hash, hash) VALUES ")
		for i, id := range ids {
			c, ok := contents[id]
			if !ok {
				return fmt.Errorf("transfer %d is queued for its seal but does not exist", id)
			}
			seq := last.Seq + int64(i) + 1
			h := c.hash(seq, prev)
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?)")
			args = append(args, seq, id, prev, h)
			prev = h
		}
		if err := tx.Exec(sb.String(), args...).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM ledger_unsealed WHERE transfer_id IN ?`, ids).Error; err != nil {
			return err
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("seal the journal: %w", err)
	}
	return n, nil
}

// content is what a seal's hash covers of its transfer.
type content struct {
	ID                              int64
	IdempotencyKey, Kind, Ref, Memo string
	Fingerprint                     []byte
	CreatedAt, ValueAt              string           // UTC, to the microsecond
	Postings                        []postingContent `gorm:"-"`
}

type postingContent struct {
	TransferID, ID, AccountID int64
	Code, Direction, Amount   string
}

func loadContents(ctx context.Context, db *gorm.DB, ids []int64) (map[int64]*content, error) {
	db = db.WithContext(ctx)
	var rows []*content
	if err := db.Raw(`SELECT id, idempotency_key, kind, ref, memo, fingerprint,
			to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS created_at,
			to_char(value_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS value_at
		FROM ledger_transfers WHERE id IN ?`, ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("load transfers: %w", err)
	}
	out := make(map[int64]*content, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	var postings []postingContent
	if err := db.Raw(`SELECT p.transfer_id, p.id, p.account_id, a.code, p.direction, p.amount::text AS amount
		FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
		WHERE p.transfer_id IN ? ORDER BY p.transfer_id, p.id`, ids).Scan(&postings).Error; err != nil {
		return nil, fmt.Errorf("load postings: %w", err)
	}
	for _, p := range postings {
		if c := out[p.TransferID]; c != nil {
			c.Postings = append(c.Postings, p)
		}
	}
	return out, nil
}

// hash is seal seq's hash of c after the seal whose hash is prev. Every
// field is length-prefixed, so no two contents hash the same input.
func (c *content) hash(seq int64, prev []byte) []byte {
	h := sha256.New()
	f := &fields{h: h}
	f.str("lineescrow journal v1")
	f.int(seq)
	f.bytes(prev)
	f.transfer(c)
	f.int(int64(len(c.Postings)))
	for _, p := range c.Postings {
		f.int(p.ID)
		f.int(p.AccountID)
		f.str(p.Code)
		f.str(p.Direction)
		f.str(p.Amount)
	}
	return h.Sum(nil)
}

// verifyBatch is how many seals VerifyJournal reads at a time.
const verifyBatch = 1000

// VerifyJournal recomputes the whole chain, seal by seal, and returns an
// error wrapping ErrJournal that names the first transfer found altered,
// removed or inserted behind the ledger's back: a seal whose hash no longer
// matches its transfer, a missing seal, a seal that does not follow the one
// before it, a seal whose transfer is gone, or a transfer neither sealed nor
// waiting for its seal. With anchors it also checks that each recorded head
// is still in the chain with the hash recorded. Other errors: the check
// could not run.
//
// It checks the transfers' digests (digest.go) and the chain, and of the
// findings of the two names the one of the lower transfer id.
func VerifyJournal(ctx context.Context, db *gorm.DB, anchors ...Anchor) error {
	db = db.WithContext(ctx)
	did, derr := verifyDigests(ctx, db)
	if derr != nil && !errors.Is(derr, ErrJournal) {
		return derr
	}
	cid, cerr := verifyChain(ctx, db, anchors...)
	switch {
	case cerr != nil && !errors.Is(cerr, ErrJournal):
		return cerr
	case derr == nil:
		return cerr
	case cerr == nil:
		return derr
	case cid <= did:
		return cerr
	default:
		return derr
	}
}

// verifyChain checks the chain; its finding comes with the id of the
// transfer it names (math.MaxInt64 when it names none).
func verifyChain(ctx context.Context, db *gorm.DB, anchors ...Anchor) (int64, error) {
	want := map[int64][]byte{}
	for _, a := range anchors {
		want[a.Seq] = a.Hash
	}
	prev, prevTransfer := genesis, int64(0)
	var last int64
	for {
		var seals []struct {
			Seq, TransferID int64
			PrevHash, Hash  []byte
		}
		if err := db.Raw(`SELECT seq, transfer_id, prev_hash, hash FROM ledger_chain WHERE seq > ? ORDER BY seq LIMIT ?`,
			last, verifyBatch).Scan(&seals).Error; err != nil {
			return 0, fmt.Errorf("verify the journal: %w", err)
		}
		if len(seals) == 0 {
			break
		}
		ids := make([]int64, len(seals))
		for i, s := range seals {
			ids[i] = s.TransferID
		}
		contents, err := loadContents(ctx, db, ids)
		if err != nil {
			return 0, fmt.Errorf("verify the journal: %w", err)
		}
		for _, s := range seals {
			after := "the start of the journal"
			if prevTransfer != 0 {
				after = fmt.Sprintf("transfer %d", prevTransfer)
			}
			if s.Seq != last+1 {
				return s.TransferID, fmt.Errorf("%w: seals %d to %d are missing: the transfers sealed after %s and before transfer %d were removed",
					ErrJournal, last+1, s.Seq-1, after, s.TransferID)
			}
			c, ok := contents[s.TransferID]
			if !ok {
				return s.TransferID, fmt.Errorf("%w: transfer %d (seal %d) was removed", ErrJournal, s.TransferID, s.Seq)
			}
			if string(s.PrevHash) != string(prev) {
				return s.TransferID, fmt.Errorf("%w: transfer %d (seal %d) does not follow %s: a transfer before it was removed, inserted or altered",
					ErrJournal, s.TransferID, s.Seq, after)
			}
			h := c.hash(s.Seq, prev)
			if string(h) != string(s.Hash) {
				return s.TransferID, fmt.Errorf("%w: transfer %d (seal %d) was altered after it was sealed", ErrJournal, s.TransferID, s.Seq)
			}
			if a, ok := want[s.Seq]; ok {
				if string(a) != string(h) {
					return s.TransferID, fmt.Errorf("%w: seal %d (transfer %d) is not the one recorded: the journal up to it was rewritten",
						ErrJournal, s.Seq, s.TransferID)
				}
				delete(want, s.Seq)
			}
			prev, prevTransfer, last = h, s.TransferID, s.Seq
		}
	}
	if len(want) > 0 {
		missing := int64(0)
		for seq := range want {
			if missing == 0 || seq < missing {
				missing = seq
			}
		}
		return math.MaxInt64, fmt.Errorf("%w: the recorded seal %d is not in the journal (it ends at seal %d): transfers were removed",
			ErrJournal, missing, last)
	}
	var stray int64
	if err := db.Raw(`SELECT t.id FROM ledger_transfers t
		WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.transfer_id = t.id)
		  AND NOT EXISTS (SELECT 1 FROM ledger_unsealed u WHERE u.transfer_id = t.id)
		ORDER BY t.id LIMIT 1`).Scan(&stray).Error; err != nil {
		return 0, fmt.Errorf("verify the journal: %w", err)
	}
	if stray != 0 {
		return stray, fmt.Errorf("%w: transfer %d is neither sealed nor waiting for its seal: it was inserted behind the ledger's back",
			ErrJournal, stray)
	}
	return 0, nil
}

// SealArgs is the periodic job that seals the journal.
type SealArgs struct{}

// Kind names the job.
func (SealArgs) Kind() string { return "ledger_seal" }

// SealWorker runs SealArgs.
type SealWorker struct {
	river.WorkerDefaults[SealArgs]
	DB *gorm.DB
}

// Work seals what waits.
func (w *SealWorker) Work(ctx context.Context, _ *river.Job[SealArgs]) error {
	_, err := Seal(ctx, w.DB)
	return err
}
