// Package idempotency keeps the API's Idempotency-Key records: the first
// request with a key runs and its successful answer is kept; the same key with
// the same request gets that answer again without running twice; the same key
// with another request is refused.
//
// A record never holds a secret. The request is identified by a fingerprint:
// an HMAC, under a server key, of the method, the path and the body with every
// secret field (payment and login passwords, card PINs) removed. A plain hash
// of a body that carried a six-digit payment password would give the password
// back to anyone who reads the table, from a table of a million digests.
// Leaving the secret out means a retry with the same key is the same request
// whichever password it carries; only a successful answer is kept, so a
// request refused for a wrong password can be retried with the right one.
//
// The key is marked carried out (status 0) inside every transaction the
// request commits (Guard), so a crash between the commit and Finish cannot
// let a retry run the work again: the retry is told, with a conflict, that the
// request was carried out and its answer lost.
//
// Keys are scoped per user (another user's key is just another key), live
// Retention (24 hours, as Stripe's), and are purged by a periodic job.
package idempotency

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/store"
	"lineescrow/models"
)

// Retention is how long a key is remembered.
const Retention = 24 * time.Hour

// Abandoned is how long a request may hold its key without finishing before a
// retry takes the key over (the server stopped in the middle).
const Abandoned = 2 * time.Minute

// Store keeps the records.
type Store struct {
	DB  *gorm.DB
	key []byte
}

// NewStore returns a store whose fingerprints are keyed by a key derived from
// secret (the platform's JWT secret).
func NewStore(db *gorm.DB, secret string) *Store {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("lineescrow/idempotency"))
	return &Store{DB: db, key: m.Sum(nil)}
}

// secretFields never enter a fingerprint.
var secretFields = map[string]bool{"pay_password": true, "old_pay_password": true, "password": true, "current_password": true,
	"new_password": true, "card_pin": true, "pin": true, "code": true}

// Fingerprint identifies a request without its secrets.
func (s *Store) Fingerprint(method, path string, body []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "%s %s\n", method, path)
	m.Write(withoutSecrets(body))
	return m.Sum(nil)
}

// withoutSecrets returns a JSON body in a canonical form (keys sorted, exact
// numbers) with the secret fields removed; a body that is not JSON is
// returned as it is (the handler refuses it anyway).
func withoutSecrets(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	b, err := json.Marshal(strip(v))
	if err != nil {
		return body
	}
	return b
}

func strip(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretFields[strings.ToLower(k)] {
				delete(t, k)
				continue
			}
			t[k] = strip(x)
		}
	case []any:
		for i := range t {
			t[i] = strip(t[i])
		}
	}
	return v
}

// Outcome of Begin.
type Outcome int

// Outcomes.
const (
	Run    Outcome = iota // the key is this request's: run it, then Finish or Release
	Replay                // the same request succeeded before: answer Status and Response
)

// Prior is the kept answer of an earlier request.
type Prior struct {
	Status   int
	Response []byte
}

// Begin claims key for a request, or finds the earlier one.
//
// Errors: ECONFLICT when the key was used for a different request, or when
// the first request with it is still running.
func (s *Store) Begin(ctx context.Context, userID int64, key, method, path string, body []byte) (Outcome, *Prior, error) {
	fp := s.Fingerprint(method, path, body)
	db := s.DB.WithContext(ctx)
	var claimed []int
	if err := db.Raw(`INSERT INTO api_idempotency (user_id, key, method, path, fingerprint) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, key) DO UPDATE SET method = EXCLUDED.method, path = EXCLUDED.path,
			fingerprint = EXCLUDED.fingerprint, status = NULL, response = NULL, created_at = now()
		WHERE api_idempotency.created_at < now() - make_interval(secs => ?)
			OR (api_idempotency.status IS NULL AND api_idempotency.created_at < now() - make_interval(secs => ?))
		RETURNING 1`, userID, key, method, path, fp, Retention.Seconds(), Abandoned.Seconds()).Scan(&claimed).Error; err != nil {
		return 0, nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if len(claimed) == 1 {
		return Run, nil, nil
	}
	var prior struct {
		Fingerprint []byte
		Status      *int
		Response    []byte
	}
	if err := db.Raw(`SELECT fingerprint, status, response FROM api_idempotency WHERE user_id = ? AND key = ?`, userID, key).
		Scan(&prior).Error; err != nil {
		return 0, nil, fmt.Errorf("read idempotency key: %w", err)
	}
	switch {
	case !hmac.Equal(prior.Fingerprint, fp):
		return 0, nil, models.Errorf(models.ECONFLICT, "This Idempotency-Key was already used for a different request.")
	case prior.Status == nil:
		return 0, nil, models.Errorf(models.ECONFLICT, "A request with this Idempotency-Key is still being processed; retry shortly.")
	case *prior.Status == carriedOut:
		return 0, nil, models.Errorf(models.ECONFLICT,
			"The request with this Idempotency-Key was carried out, but its answer was lost; look the result up instead of sending it again.")
	}
	return Replay, &Prior{Status: *prior.Status, Response: prior.Response}, nil
}

// carriedOut is the status of a key whose request committed work but whose
// answer is not kept (yet): never run again, never replayed.
const carriedOut = 0

// Guard returns the request's context: every transaction run with it
// (store.InTx) marks the key carried out before it commits, together with
// the work.
func (s *Store) Guard(ctx context.Context, userID int64, key string) context.Context {
	return store.WithTxHook(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE api_idempotency SET status = ? WHERE user_id = ? AND key = ? AND (status IS NULL OR status = ?)`,
			carriedOut, userID, key, carriedOut)
		if res.Error != nil {
			return fmt.Errorf("mark idempotency key carried out: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			// The claim is gone (purged, or taken over as abandoned): the
			// work must not commit without it.
			return models.Errorf(models.ECONFLICT, "This request's Idempotency-Key is no longer held; send it again.")
		}
		return nil
	})
}

// Finish keeps a successful answer for replays. It runs on its own context:
// a client that hung up must not leave the key in progress.
func (s *Store) Finish(ctx context.Context, userID int64, key string, status int, response []byte) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return s.DB.WithContext(ctx).Exec(`UPDATE api_idempotency SET status = ?, response = ? WHERE user_id = ? AND key = ?`,
		status, response, userID, key).Error
}

// Release frees the key of a request that did not succeed, so a retry runs
// again. A request that failed (refused false: a server error, a panic)
// after one of its transactions committed keeps its key carried out: that
// work is not to be done twice. A refused request (a 4xx: bad input, a wrong
// payment password, a rule) changed nothing but counters, so its key is freed
// whatever it committed. Like Finish, it is not cancelled with the request.
func (s *Store) Release(ctx context.Context, userID int64, key string, refused bool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return s.DB.WithContext(ctx).Exec(`DELETE FROM api_idempotency WHERE user_id = ? AND key = ? AND (status IS NULL OR (? AND status = ?))`,
		userID, key, refused, carriedOut).Error
}

// Purge deletes records older than Retention and returns how many.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	res := s.DB.WithContext(ctx).Exec(`DELETE FROM api_idempotency WHERE created_at < now() - make_interval(secs => ?)`, Retention.Seconds())
	return res.RowsAffected, res.Error
}

// PurgeArgs is the periodic job that purges expired records.
type PurgeArgs struct{}

// Kind names the job.
func (PurgeArgs) Kind() string { return "idempotency_purge" }

// PurgeWorker runs PurgeArgs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Store *Store
}

// Work purges.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	_, err := w.Store.Purge(ctx)
	return err
}
