package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// A worker process that is killed (kill -9, a lost machine) leaves the jobs it
// was running in state running. River rescues such jobs only after
// RescueStuckJobsAfter (an hour unless JobTimeout is longer), and only from its
// leader, every 30 s: a timer due during a crash would wait an hour.
//
// So each worker process holds, for as long as it lives, a session advisory
// lock named after its River client ID (Liveness). PostgreSQL releases a
// session's locks when the session ends, and a killed process's sessions end
// at once (the kernel closes its sockets). Rescue finds the running jobs whose
// worker no longer holds its lock and makes them available again: they run
// again from the start, which every job here allows (a timer's effect and its
// completion commit together; the others are idempotent). A PostgreSQL restart
// drops every session's lock, live workers' too, so a job attempted before the
// server's start is rescued only once the live workers had time to take their
// locks again.

// livenessClass is the first key of the workers' advisory locks ("LEJB"); the
// second is a hash of the client ID.
const livenessClass = 0x4c45_4a42

// relockGrace is how long after a PostgreSQL start a live worker has to take
// its lock again before its old jobs count as orphaned.
const relockGrace = 30 * time.Second

// newClientID names a worker process: host, pid and a random part, so two
// processes never share one.
func newClientID() string {
	host, _ := os.Hostname()
	if len(host) > 40 {
		host = host[:40]
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s_%d_%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Liveness holds the worker's lock until ctx ends, taking it again after the
// connection was lost (a PostgreSQL restart), checking every interval.
func Liveness(ctx context.Context, db *sql.DB, id string, interval time.Duration, log *slog.Logger) {
	var conn *sql.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		if conn != nil && conn.PingContext(ctx) != nil {
			conn.Close() // the session, and with it the lock, is gone
			conn = nil
		}
		if conn == nil {
			c, err := db.Conn(ctx)
			if err == nil {
				if _, err = c.ExecContext(ctx, "SELECT pg_advisory_lock($1, hashtext($2))", livenessClass, id); err != nil {
					c.Close()
				} else {
					conn = c
				}
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("jobs: cannot take the worker's liveness lock; retrying", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Rescue makes the running jobs of workers that are gone available again
// (discarded when they used their last attempt) and returns how many. self is
// the calling worker's own client ID, never rescued from.
func Rescue(ctx context.Context, db *sql.DB, self string) (int64, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("rescue jobs: %w", err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT attempted_by[array_upper(attempted_by, 1)],
			bool_or(attempted_at < pg_postmaster_start_time()) AND now() < pg_postmaster_start_time() + make_interval(secs => $2)
		FROM river_job WHERE state = 'running' AND attempted_by[array_upper(attempted_by, 1)] <> $1
		GROUP BY 1`, self, relockGrace.Seconds())
	if err != nil {
		return 0, fmt.Errorf("rescue jobs: %w", err)
	}
	type owner struct {
		id    string
		early bool
	}
	var owners []owner
	for rows.Next() {
		var o owner
		if err := rows.Scan(&o.id, &o.early); err != nil {
			rows.Close()
			return 0, fmt.Errorf("rescue jobs: %w", err)
		}
		owners = append(owners, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("rescue jobs: %w", err)
	}
	var n int64
	for _, o := range owners {
		if o.early {
			continue // PostgreSQL restarted: wait for live workers to lock again
		}
		var free bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, hashtext($2))", livenessClass, o.id).Scan(&free); err != nil {
			return n, fmt.Errorf("rescue jobs: %w", err)
		}
		if !free {
			continue // alive
		}
		res, err := conn.ExecContext(ctx, `UPDATE river_job SET
				state = CASE WHEN attempt >= max_attempts THEN 'discarded'::river_job_state ELSE 'available'::river_job_state END,
				finalized_at = CASE WHEN attempt >= max_attempts THEN now() END,
				scheduled_at = now(),
				errors = array_append(errors, jsonb_build_object('at', now(), 'attempt', attempt,
					'error', 'rescued: the process running the job stopped', 'trace', ''))
			WHERE state = 'running' AND attempted_by[array_upper(attempted_by, 1)] = $1`, o.id)
		_, uerr := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, hashtext($2))", livenessClass, o.id)
		if err != nil {
			return n, fmt.Errorf("rescue jobs of %s: %w", o.id, err)
		}
		if uerr != nil {
			return n, fmt.Errorf("rescue jobs: %w", uerr)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// Rescuer runs Rescue at start and every interval until ctx ends.
func Rescuer(ctx context.Context, db *sql.DB, self string, interval time.Duration, log *slog.Logger) {
	for {
		if n, err := Rescue(ctx, db, self); err != nil {
			if ctx.Err() == nil {
				log.Warn("jobs: rescuing the jobs of stopped workers failed", "err", err)
			}
		} else if n > 0 {
			log.Info("jobs: rescued the jobs of stopped workers", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
