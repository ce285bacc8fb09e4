package idempotency_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"lineescrow/app/dbtest"
	"lineescrow/app/idempotency"
	"lineescrow/app/store"
	"lineescrow/models"
)

func TestFingerprintLeavesSecretsOut(t *testing.T) {
	t.Parallel()
	s := idempotency.NewStore(nil, "a server secret of at least 32 bytes!")
	other := idempotency.NewStore(nil, "another server secret of 32 bytes!!")
	a := s.Fingerprint("POST", "/api/v1/orders/1/pay", []byte(`{"pay_password":"284913"}`))
	b := s.Fingerprint("POST", "/api/v1/orders/1/pay", []byte(`{"pay_password":"000000"}`))
	if !bytes.Equal(a, b) {
		t.Fatal("the fingerprint depends on the payment password")
	}
	// Every PIN gives the same fingerprint, so a table of a million digests
	// finds nothing; and without the server key nobody can compute one.
	for pin := 0; pin < 1000; pin++ {
		body := fmt.Sprintf(`{"pay_password":"%06d"}`, pin)
		if d := sha256.Sum256([]byte("POST /api/v1/orders/1/pay\n" + body)); bytes.Equal(d[:], a) {
			t.Fatal("the fingerprint is an unkeyed digest of the body")
		}
	}
	if bytes.Equal(a, other.Fingerprint("POST", "/api/v1/orders/1/pay", []byte(`{}`))) {
		t.Fatal("the fingerprint does not depend on the server key")
	}
	nested := s.Fingerprint("POST", "/x", []byte(`{"card":{"card_no":"1","card_pin":"12345678"},"amount":"1.00"}`))
	if !bytes.Equal(nested, s.Fingerprint("POST", "/x", []byte(`{"amount":"1.00","card":{"card_no":"1","card_pin":"99999999"}}`))) {
		t.Fatal("a nested secret, or the order of fields, changes the fingerprint")
	}
	if bytes.Equal(nested, s.Fingerprint("POST", "/y", []byte(`{"amount":"1.00","card":{"card_no":"1"}}`))) ||
		bytes.Equal(nested, s.Fingerprint("POST", "/x", []byte(`{"amount":"2.00","card":{"card_no":"1"}}`))) {
		t.Fatal("another path or another amount has the same fingerprint")
	}
}

func TestKeysPerUserRetentionAndAbandonedRequests(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	for _, login := range []string{"13800138000", "13900139000"} {
		if err := db.Exec(`INSERT INTO users (role, login, display_name, password_hash) VALUES ('buyer', ?, 'x', 'x')`, login).Error; err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	db.Raw("SELECT id FROM users ORDER BY id").Scan(&ids)
	u1, u2 := ids[0], ids[1]
	s := idempotency.NewStore(db.DB, "a server secret of at least 32 bytes!")
	body := []byte(`{"amount":"10.00"}`)

	if out, _, err := s.Begin(ctx, u1, "k", "POST", "/p", body); err != nil || out != idempotency.Run {
		t.Fatalf("first: %v %v", out, err)
	}
	// Still running: a concurrent retry is told so.
	if _, _, err := s.Begin(ctx, u1, "k", "POST", "/p", body); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("while running: %v", err)
	}
	// Another user's key is just another key.
	if out, _, err := s.Begin(ctx, u2, "k", "POST", "/p", body); err != nil || out != idempotency.Run {
		t.Fatalf("another user, same key: %v %v", out, err)
	}
	// Finish on a context the client already cancelled still records.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Finish(cancelled, u1, "k", 200, []byte(`{"ok":true}`)); err != nil {
		t.Fatal(err)
	}
	out, prior, err := s.Begin(ctx, u1, "k", "POST", "/p", body)
	if err != nil || out != idempotency.Replay || prior.Status != 200 || string(prior.Response) != `{"ok":true}` {
		t.Fatalf("replay: %v %+v %v", out, prior, err)
	}
	if _, _, err := s.Begin(ctx, u1, "k", "POST", "/p", []byte(`{"amount":"11.00"}`)); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("same key, other body: %v", err)
	}
	// Released (the request failed): a retry runs again.
	if err := s.Release(cancelled, u2, "k", false); err != nil {
		t.Fatal(err)
	}
	if out, _, err := s.Begin(ctx, u2, "k", "POST", "/p", body); err != nil || out != idempotency.Run {
		t.Fatalf("after a release: %v %v", out, err)
	}
	// Abandoned (the server stopped mid-request): taken over after a while.
	db.Exec("UPDATE api_idempotency SET created_at = now() - interval '3 minutes' WHERE user_id = ?", u2)
	if out, _, err := s.Begin(ctx, u2, "k", "POST", "/p", body); err != nil || out != idempotency.Run {
		t.Fatalf("an abandoned key: %v %v", out, err)
	}
	// Expired after 24 hours: purged, and the key is new again.
	db.Exec("UPDATE api_idempotency SET created_at = now() - interval '25 hours' WHERE user_id = ?", u1)
	if n, err := s.Purge(ctx); err != nil || n != 1 {
		t.Fatalf("purged %d: %v", n, err)
	}
	if out, _, err := s.Begin(ctx, u1, "k", "POST", "/p", []byte(`{"amount":"11.00"}`)); err != nil || out != idempotency.Run {
		t.Fatalf("after expiry: %v %v", out, err)
	}
}

// A crash between the work's commit and Finish: the key was marked carried
// out in the work's own transaction, so a retry, even long after, is refused
// with a conflict and never runs the work a second time. A transaction that
// rolls back marks nothing; a refused request frees its key.
func TestCarriedOutWithTheWork(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	if err := db.Exec(`INSERT INTO users (role, login, display_name, password_hash) VALUES ('buyer', '13800138000', 'x', 'x')`).Error; err != nil {
		t.Fatal(err)
	}
	var u int64
	db.Raw("SELECT id FROM users").Scan(&u)
	s := idempotency.NewStore(db.DB, "a server secret of at least 32 bytes!")
	body := []byte(`{"amount":"10.00"}`)
	work := func(key string, fail bool) {
		t.Helper()
		if out, _, err := s.Begin(ctx, u, key, "POST", "/p", body); err != nil || out != idempotency.Run {
			t.Fatalf("%s: begin: %v %v", key, out, err)
		}
		err := store.InTx(s.Guard(ctx, u, key), db.DB, func(tx *gorm.DB) error {
			if err := tx.Exec("INSERT INTO settings (key, value) VALUES (?, '1')", "test."+key).Error; err != nil {
				return err
			}
			if fail {
				return models.Errorf(models.EINVALID, "refused")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatalf("%s: work: %v", key, err)
		}
	}
	ran := func(key string) bool {
		var n int64
		db.Raw("SELECT count(*) FROM settings WHERE key = ?", "test."+key).Scan(&n)
		return n == 1
	}

	// The work commits; the process dies before Finish.
	work("crash", false)
	db.Exec("UPDATE api_idempotency SET created_at = now() - interval '3 minutes'")
	out, _, err := s.Begin(ctx, u, "crash", "POST", "/p", body)
	if models.ErrorCode(err) != models.ECONFLICT || !strings.Contains(models.ErrorMessage(err), "carried out") {
		t.Fatalf("a retry after a lost answer: %v %v (want a conflict saying it was carried out)", out, err)
	}
	// A server error after the commit keeps the key carried out too.
	if err := s.Release(ctx, u, "crash", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Begin(ctx, u, "crash", "POST", "/p", body); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("after a server error that followed the commit: %v", err)
	}
	if !ran("crash") {
		t.Fatal("the work did not commit")
	}

	// Rolled back: nothing marked; abandoned, a retry runs.
	work("rollback", true)
	if ran("rollback") {
		t.Fatal("the refused work committed")
	}
	db.Exec("UPDATE api_idempotency SET created_at = now() - interval '3 minutes' WHERE key = 'rollback'")
	if out, _, err := s.Begin(ctx, u, "rollback", "POST", "/p", body); err != nil || out != idempotency.Run {
		t.Fatalf("after a rolled-back attempt: %v %v", out, err)
	}

	// A refused request (4xx) whose transaction committed only a counter
	// frees its key: the retry with the right password runs.
	work("refused", false)
	if err := s.Release(ctx, u, "refused", true); err != nil {
		t.Fatal(err)
	}
	if out, _, err := s.Begin(ctx, u, "refused", "POST", "/p", body); err != nil || out != idempotency.Run {
		t.Fatalf("after a refusal: %v %v", out, err)
	}

	// The claim taken over by another request: the late work does not commit.
	if err := s.Release(ctx, u, "refused", true); err != nil {
		t.Fatal(err)
	}
	err = store.InTx(s.Guard(ctx, u, "refused"), db.DB, func(tx *gorm.DB) error {
		return tx.Exec("INSERT INTO settings (key, value) VALUES ('test.late', '1')").Error
	})
	if models.ErrorCode(err) != models.ECONFLICT || ran("late") {
		t.Fatalf("work without its claim: %v", err)
	}
}
