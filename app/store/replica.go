package store

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// Replica sends reports (seller dashboards and statements, the operators'
// books and ledger explorer) to a read replica (DATABASE_READ_URL) while it
// is known to be at most MaxLag behind the primary, and to the primary
// otherwise. Nothing that decides about money reads through it: those paths
// use the primary's handle directly.
//
// The bound is measured, not assumed from the replica's clock: every probe
// notes the primary's WAL insert position with the time it was read, then
// asks the replica how far it has replayed. Once the replica has replayed past
// the position noted at time t, everything committed before t is visible
// there, so until t + MaxLag a read on the replica misses nothing older than
// MaxLag. A replica that stops replaying, or a primary that cannot be asked,
// stops being extended and reads fall back to the primary.
type Replica struct {
	// DB is the replica's handle.
	DB     *gorm.DB
	MaxLag time.Duration
	Log    *slog.Logger

	// primaryLSN and replayLSN are the probes (tests replace them).
	primaryLSN, replayLSN func(ctx context.Context) (uint64, error)
	now                   func() time.Time

	okUntil atomic.Int64 // unix nanoseconds
	marks   []mark       // only the probing goroutine touches them
	fresh   bool
}

type mark struct {
	at  time.Time
	lsn uint64
}

// NewReplica routes reports to replica while it is within maxLag of primary.
func NewReplica(primary, replica *gorm.DB, maxLag time.Duration, log *slog.Logger) *Replica {
	if log == nil {
		log = slog.Default()
	}
	return &Replica{DB: replica, MaxLag: maxLag, Log: log, now: time.Now,
		primaryLSN: lsnOf(primary, "SELECT pg_current_wal_insert_lsn()::text"),
		// A server not in recovery (a replica promoted, or the primary
		// itself) has replayed everything it has.
		replayLSN: lsnOf(replica, "SELECT coalesce(pg_last_wal_replay_lsn(), pg_current_wal_insert_lsn())::text")}
}

func lsnOf(db *gorm.DB, query string) func(ctx context.Context) (uint64, error) {
	return func(ctx context.Context) (uint64, error) {
		var s string
		if err := db.WithContext(ctx).Raw(query).Row().Scan(&s); err != nil {
			return 0, err
		}
		return ParseLSN(s)
	}
}

// ParseLSN reads a PostgreSQL WAL position ("16/B374D848").
func ParseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("not a WAL position: %q", s)
	}
	return h<<32 | l, nil
}

// Run probes every quarter of MaxLag until ctx ends.
func (r *Replica) Run(ctx context.Context) {
	every := max(r.MaxLag/4, 50*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.Probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Probe measures the replica once.
func (r *Replica) Probe(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, r.MaxLag)
	defer cancel()
	at := r.now()
	p, err := r.primaryLSN(pctx)
	if err == nil {
		r.marks = append(r.marks, mark{at, p})
		if len(r.marks) > 256 {
			r.marks = r.marks[len(r.marks)-256:]
		}
	}
	rep, rerr := r.replayLSN(pctx)
	if rerr == nil {
		// The newest position the replica has passed.
		i := -1
		for j, m := range r.marks {
			if m.lsn <= rep {
				i = j
			}
		}
		if i >= 0 {
			r.okUntil.Store(r.marks[i].at.Add(r.MaxLag).UnixNano())
			r.marks = r.marks[i:]
		}
	}
	if fresh := r.Fresh(); fresh != r.fresh {
		r.fresh = fresh
		if fresh {
			r.Log.Info("read replica within its bound: reports read from it", "max_lag", r.MaxLag)
		} else {
			r.Log.Warn("read replica behind its bound: reports read from the primary", "max_lag", r.MaxLag,
				"primary_error", errText(err), "replica_error", errText(rerr))
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Fresh reports whether a read on the replica now misses nothing committed
// more than MaxLag ago.
func (r *Replica) Fresh() bool {
	return r != nil && r.now().UnixNano() < r.okUntil.Load()
}

// Or is the handle a report should read with: the snapshot ctx carries
// (Snapshot), else the replica when it is fresh, else db (the primary). A nil
// Replica (no DATABASE_READ_URL) is always db.
func (r *Replica) Or(ctx context.Context, db *gorm.DB) *gorm.DB {
	if tx, ok := ctx.Value(snapshotKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	if r.Fresh() {
		return r.DB.WithContext(ctx)
	}
	return db.WithContext(ctx)
}
