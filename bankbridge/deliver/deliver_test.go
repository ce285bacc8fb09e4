package deliver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lineescrow/bankbridge"
)

func TestScheduleOrderAndSignature(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	var mu sync.Mutex // the receiver runs on the server's goroutines
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var got []string
	answer := 200
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(f func()) { mu.Lock(); f(); mu.Unlock() }
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		id, err := bankbridge.Verify(key, r.Header, body, now)
		if err != nil {
			t.Errorf("signature: %v", err)
		}
		got = append(got, id)
		w.WriteHeader(answer)
	}))
	defer ts.Close()
	q := New(Config{URL: ts.URL, Key: key, Now: clock})
	ctx := context.Background()

	q.Add("evt_1", "charge.billed", []byte(`{"id":"evt_1"}`))
	q.Add("evt_2", "charge.collected", []byte(`{"id":"evt_2"}`))
	q.Flush(ctx)
	if count() != 2 || got[0] != "evt_1" || got[1] != "evt_2" {
		t.Fatalf("order: %v", got)
	}

	set(func() { answer = 500 })
	q.Add("evt_3", "cycle.settled", []byte(`{"id":"evt_3"}`))
	q.Flush(ctx)
	if d := q.List()[0]; d.Status != "retrying" || d.Attempts != 1 || d.Last != "500 Internal Server Error" || !d.Next.Equal(clock().Add(5*time.Second)) {
		t.Fatalf("after a 500: %+v", d)
	}
	q.Flush(ctx) // not due yet
	if n := count(); n != 3 {
		t.Fatalf("retried early: %d attempts", n)
	}
	for i, d := range Schedule {
		set(func() {
			now = now.Add(d)
			if i == len(Schedule)-1 {
				answer = 200
			}
		})
		q.Flush(ctx)
	}
	if d := q.List()[0]; d.Status != "delivered" || d.Attempts != 9 {
		t.Fatalf("on the last retry: %+v", d)
	}

	set(func() { answer = 503 })
	q.Add("evt_4", "cycle.settled", []byte(`{"id":"evt_4"}`))
	q.Flush(ctx)
	for _, d := range Schedule {
		set(func() { now = now.Add(d) })
		q.Flush(ctx)
	}
	if d := q.List()[0]; d.Status != "dropped" || d.Attempts != 9 {
		t.Fatalf("after the schedule: %+v", d)
	}
}
