package funding_test

import (
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"lineescrow/app/funding"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

func backstops(e *ptest.Env, webhookID string) int64 {
	return e.Count("SELECT count(*) FROM river_job WHERE kind = 'bank_event' AND args->>'webhook_id' = ?", webhookID)
}

// Events processed as they arrive (matched, unmatched, a repeat) leave no
// job behind: the queue holds only work still to do.
func TestProcessedCallbacksQueueNothing(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("20.00", 5)
	o := e.Checkout(e.Buyer, l, 1)
	txn := e.Credit("20.00", o.PayReference)
	e.Credit("5.00", "no reference")
	e.Deliver("evt_again_"+txn, bankbridge.TransferReceived, bankbridge.Received{BankTxnID: txn,
		Amount: models.MustParseMoney("20.00"), Currency: "CNY", Reference: o.PayReference})
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("order %s", got.State)
	}
	if n := e.Count("SELECT count(*) FROM bank_events WHERE status <> 'processed'"); n != 0 {
		t.Fatalf("%d events not processed", n)
	}
	if n := e.Count("SELECT count(*) FROM river_job WHERE kind = 'bank_event'"); n != 0 {
		t.Fatalf("%d backstop jobs for events already processed", n)
	}
}

// An event whose processing fails as it arrives is stored (the bank hears
// 2xx) and gets its job at once, which processes it.
func TestFailedProcessingQueuesItsJob(t *testing.T) {
	e := ptest.New(t)
	l := e.Listing("20.00", 5)
	o := e.Checkout(e.Buyer, l, 1)
	funding.SetInlineFault(func(id string) error {
		if id == "evt_fails" {
			return errors.New("the database went away")
		}
		return nil
	})
	defer funding.SetInlineFault(nil)
	e.Deliver("evt_fails", bankbridge.TransferReceived, bankbridge.Received{BankTxnID: "BFAILS",
		Amount: models.MustParseMoney("20.00"), Currency: "CNY", Reference: o.PayReference})
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatalf("order %s before its job ran", got.State)
	}
	if n := backstops(e, "evt_fails"); n != 1 {
		t.Fatalf("%d jobs for the failed event, want 1", n)
	}
	w := &funding.Worker{Funding: e.Funding}
	if err := w.Work(e.Ctx, &river.Job[funding.ProcessArgs]{Args: funding.ProcessArgs{WebhookID: "evt_fails"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("order %s after its job ran", got.State)
	}
}

// An event stored but never processed (the server stopped in between) is
// given one job by the backstop sweeper once it is BackstopAfter old, not
// before, and never two.
func TestBackstopQueuesEventsLeftPending(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("20.00", 5)
	o := e.Checkout(e.Buyer, l, 1)
	store := func(id string, age time.Duration) {
		body := ptest.EventBody(id, bankbridge.TransferReceived, bankbridge.Received{BankTxnID: "B" + id,
			Amount: models.MustParseMoney("20.00"), Currency: "CNY", Reference: o.PayReference})
		if err := e.DB.Exec(`INSERT INTO bank_events (webhook_id, type, payload, raw, status, received_at)
			VALUES (?, ?, ?::jsonb, ?, 'pending', now() - make_interval(secs => ?))`, id, bankbridge.TransferReceived, string(body), body,
			age.Seconds()).Error; err != nil {
			t.Fatal(err)
		}
	}
	store("evt_left", funding.BackstopAfter+time.Second)
	store("evt_fresh", 0) // being processed as it arrives, as far as anyone knows
	for range 2 {
		if n, err := e.Funding.Backstop(e.Ctx); err != nil || n != 1 {
			t.Fatalf("backstop found %d: %v", n, err)
		}
	}
	if a, b := backstops(e, "evt_left"), backstops(e, "evt_fresh"); a != 1 || b != 0 {
		t.Fatalf("jobs: %d for the event left pending (want 1), %d for the fresh one (want 0)", a, b)
	}
	w := &funding.Worker{Funding: e.Funding}
	if err := w.Work(e.Ctx, &river.Job[funding.ProcessArgs]{Args: funding.ProcessArgs{WebhookID: "evt_left"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("order %s after the backstop's job", got.State)
	}
	e.DB.Exec("UPDATE bank_events SET status = 'processed' WHERE webhook_id = 'evt_fresh'")
	if n, err := e.Funding.Backstop(e.Ctx); err != nil || n != 0 {
		t.Fatalf("backstop found %d once all were processed: %v", n, err)
	}
}
