// Package deliver sends a simulator's callbacks to the platform the way the
// contracts say (bank-bridge.md section 1, which the telecom front-end reuses):
// each event signed with Standard Webhooks (bankbridge.SetHeaders), any 2xx
// within the client's timeout is delivered, anything else is retried after
// 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then dropped.
//
// Events are attempted in the order they were added, one at a time, so a
// simulator's story (billed, then collected) reaches the platform in order
// unless a retry reorders it, as the contract allows. Time comes from
// Config.Now and nothing is sent between calls of Flush (Run calls it on a
// ticker), so tests decide exactly when each attempt happens.
package deliver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"lineescrow/bankbridge"
)

// Schedule is the contract's retry schedule after a failed attempt.
var Schedule = []time.Duration{5 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Config says where and how to deliver.
type Config struct {
	URL    string       // the platform's webhook endpoint
	Key    []byte       // the decoded shared secret
	Client *http.Client // nil: 10 s per attempt, the contract's limit
	Now    func() time.Time
}

// Queue holds events until they are delivered or dropped.
type Queue struct {
	cfg  Config
	mu   sync.Mutex
	all  []*item
	wake chan struct{}
	send sync.Mutex // one Flush at a time keeps the order
}

type item struct {
	Delivery
	body []byte
}

// Delivery is an event and where its delivery stands.
type Delivery struct {
	ID, Type string
	Status   string // queued, sending, delivered, retrying, dropped
	Attempts int
	Last     string    // the last answer, or why there was none
	Next     time.Time // the next attempt, while queued or retrying
}

// New returns an empty queue.
func New(cfg Config) *Queue {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Queue{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Add queues the event body (its envelope's id and type given) for delivery now.
func (q *Queue) Add(id, typ string, body []byte) {
	q.mu.Lock()
	q.all = append(q.all, &item{Delivery: Delivery{ID: id, Type: typ, Status: "queued", Next: q.cfg.Now()}, body: body})
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (q *Queue) Run(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		q.Flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-q.wake:
		}
	}
}

// Flush attempts, in order, every delivery that is due, and returns when the
// attempts are done.
func (q *Queue) Flush(ctx context.Context) {
	q.send.Lock()
	defer q.send.Unlock()
	q.mu.Lock()
	now := q.cfg.Now()
	var due []*item
	for _, it := range q.all {
		if (it.Status == "queued" || it.Status == "retrying") && !it.Next.After(now) {
			it.Status = "sending"
			due = append(due, it)
		}
	}
	q.mu.Unlock()
	for _, it := range due {
		ok, last := q.post(ctx, it)
		q.mu.Lock()
		it.Attempts++
		it.Last = last
		switch {
		case ok:
			it.Status, it.Next = "delivered", time.Time{}
		case it.Attempts > len(Schedule):
			it.Status, it.Next = "dropped", time.Time{}
		default:
			it.Status, it.Next = "retrying", q.cfg.Now().Add(Schedule[it.Attempts-1])
		}
		q.mu.Unlock()
	}
}

func (q *Queue) post(ctx context.Context, it *item) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.cfg.URL, bytes.NewReader(it.body))
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	bankbridge.SetHeaders(req.Header, q.cfg.Key, it.ID, q.cfg.Now(), it.body)
	res, err := q.cfg.Client.Do(req)
	if err != nil {
		return false, "no answer: " + err.Error()
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	return res.StatusCode >= 200 && res.StatusCode < 300, res.Status
}

// List returns the deliveries, newest first.
func (q *Queue) List() []Delivery {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Delivery, 0, len(q.all))
	for i := len(q.all) - 1; i >= 0; i-- {
		out = append(out, q.all[i].Delivery)
	}
	return out
}
