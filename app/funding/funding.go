// Package funding brings money in: the bank's callbacks (stored before they
// are answered, then matched to orders and wallets by payment reference),
// reversals, the suspense queue of money nobody could match, and wallets.
//
// Matching (PRODUCT.md, Paying 1): exact amount → the order is paid; less →
// kept on the buyer's wallet, and the buyer is told what is missing (a later
// transfer for the same order that makes up the rest pays it; nothing else
// ever spends the wallet without the buyer's payment password); more → order
// paid, surplus to the wallet; after the order closed → the wallet; an
// unknown or missing reference → suspense.
//
// # One bank transaction at a time
//
// Everything about one bank_txn_id (its credit, its reversals, an operator's
// decision on it in suspense) runs under a transaction-scoped advisory lock on
// that id. Under READ COMMITTED a credit and its reversal processed at once
// would otherwise each miss the other's uncommitted row, and the reversal
// would never be applied. A periodic sweeper applies any reversal whose
// credit exists but that is still unapplied, as a second line.
//
// # Following the money
//
// A reversal takes the recalled amount back from wherever the credit's money
// is now (reversals.go): suspense; the order's escrow; the buyer's wallet
// after a refund; the seller's available balance and the platform's
// commission after a release (a recalled payment is the merchant's loss, as
// with card chargebacks; the commission is given back); the wallet it was
// credited to. Only what was already spent or paid out is left, booked as a
// claw-back on the person (package clawback) with a case for operators.
package funding

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/notices"
	"lineescrow/app/orders"
	"lineescrow/app/payouts"
	"lineescrow/app/risk"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Service handles incoming money.
type Service struct {
	DB *gorm.DB
	// Notices tells buyers of their top-ups (nil: nobody).
	Notices *notices.Service
	Orders  *orders.Service
	Payouts *payouts.Service
	// Settlements takes the operator's settlement transfers (telecom); nil
	// when fixed-line charging is not wired.
	Settlements Settlements
	Queue       *jobs.Queue
	Log         *slog.Logger
}

// Settlements books the telecom operator's settlement transfers, inside the
// credit's (or the reversal's) transaction.
type Settlements interface {
	// SettlementCredit books the credit when it is the operator's
	// settlement of a cycle, and reports whether it was.
	SettlementCredit(ctx context.Context, tx *gorm.DB, bankTxnID string, amount models.Money, reference, payer string) (bool, error)
	// SettlementReversed hears that the bank recalled part of one.
	SettlementReversed(ctx context.Context, tx *gorm.DB, bankTxnID, reversalTxnID string, amount models.Money) error
}

// EventStatus is where a stored bank event is.
type EventStatus string

// Bank event statuses.
const (
	EventPending   EventStatus = "pending"   // stored, not processed yet
	EventProcessed EventStatus = "processed" // applied
	EventReview    EventStatus = "review"    // an operator must look at it
)

// ProcessArgs is the River job that processes a stored bank event: the
// backstop of an event that was not processed when it arrived.
type ProcessArgs struct {
	WebhookID string `json:"webhook_id"`
}

// Kind names the job.
func (ProcessArgs) Kind() string { return "bank_event" }

// InsertOpts puts the job on the webhooks queue, one per event while it
// waits or runs.
func (ProcessArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueWebhooks, MaxAttempts: 25,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// Worker processes stored bank events that were not processed inline.
type Worker struct {
	river.WorkerDefaults[ProcessArgs]
	Funding *Service
}

// Work processes one event.
func (w *Worker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	return w.Funding.Process(ctx, job.Args.WebhookID)
}

// BackstopAfter is how long a stored event may wait unprocessed before the
// backstop sweeper gives it a job of its own: an event is processed as it
// arrives, so one still pending after this was left by a crash between
// storing and processing it (a failed processing gets its job at once).
const BackstopAfter = 30 * time.Second

// BackstopArgs is the periodic job that finds events left pending.
type BackstopArgs struct{}

// Kind names the job.
func (BackstopArgs) Kind() string { return "bank_event_backstop" }

// BackstopWorker runs BackstopArgs.
type BackstopWorker struct {
	river.WorkerDefaults[BackstopArgs]
	Funding *Service
}

// Work queues the jobs of the events left pending.
func (w *BackstopWorker) Work(ctx context.Context, _ *river.Job[BackstopArgs]) error {
	_, err := w.Funding.Backstop(ctx)
	return err
}

// Backstop gives every event pending for longer than BackstopAfter a
// ProcessArgs job (one at most per event), and returns how many it found.
// It reads the partial index of pending events, empty when all is well.
func (s *Service) Backstop(ctx context.Context) (int, error) {
	var ids []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT webhook_id FROM bank_events WHERE status = 'pending'
		AND received_at < now() - make_interval(secs => ?) ORDER BY received_at LIMIT 1000`, BackstopAfter.Seconds()).
		Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("bank event backstop: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		for _, id := range ids {
			if _, err := s.Queue.InsertTx(ctx, tx, ProcessArgs{WebhookID: id}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bank event backstop: %w", err)
	}
	s.log().WarnContext(ctx, "bank events left unprocessed were queued", "count", len(ids))
	return len(ids), nil
}

// Receive durably stores a correctly signed delivery (once per webhook id),
// then processes it at once. It returns as soon as the delivery is stored:
// that is when the bank may be told 2xx. The raw body is kept as received. A
// delivery that does not parse, whose body names another id than webhookID,
// or of a type the platform does not know is stored for review (status
// EventReview) and never processed.
//
// Only an event whose processing fails gets a River job (ProcessArgs), which
// retries it; one stored but never processed (a crash in between) is found
// by the Backstop sweeper. Events processed as they arrive, nearly all of
// them, leave nothing in the queue.
func (s *Service) Receive(ctx context.Context, webhookID string, body []byte) (EventStatus, error) {
	status, note := EventPending, ""
	ev, err := bankbridge.Parse(body)
	typ := ""
	switch {
	case err != nil:
		status, note = EventReview, err.Error()
		_, typ = bankbridge.Peek(body)
	case ev.ID != webhookID:
		status, note, typ = EventReview, "the body's id differs from webhook-id", ev.Type
	case !bankbridge.Known(ev.Type):
		status, note, typ = EventReview, "unknown event type", ev.Type
	default:
		typ = ev.Type
	}
	var payload any // NULL when the body is not JSON at all
	if clean, err := bankbridge.Clean(body); err == nil {
		payload = clean
	}
	res := s.DB.WithContext(ctx).Exec(`INSERT INTO bank_events (webhook_id, type, payload, raw, status, note) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (webhook_id) DO NOTHING`, webhookID, typ, payload, body, string(status), note)
	if res.Error != nil {
		return "", fmt.Errorf("store bank event %s: %w", webhookID, res.Error)
	}
	if res.RowsAffected == 1 && status == EventPending {
		if err := s.processInline(ctx, webhookID); err != nil {
			// River retries it; the bank has its answer either way.
			s.log().WarnContext(ctx, "bank event processing failed; will retry", "webhook_id", webhookID, "err", err)
			ctx := context.WithoutCancel(ctx)
			if err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
				_, err := s.Queue.InsertTx(ctx, tx, ProcessArgs{WebhookID: webhookID}, nil)
				return err
			}); err != nil {
				s.log().WarnContext(ctx, "bank event left to the backstop", "webhook_id", webhookID, "err", err)
			}
		}
	}
	return status, nil
}

// processInline processes an event as it arrives (inlineFault, in tests,
// makes it fail first).
func (s *Service) processInline(ctx context.Context, webhookID string) error {
	if inlineFault != nil {
		if err := inlineFault(webhookID); err != nil {
			return err
		}
	}
	return s.Process(ctx, webhookID)
}

// inlineFault, when set (tests only), can fail the processing of an event
// as it arrives.
var inlineFault func(webhookID string) error

// Book records and processes an event the platform learnt from the bank's
// statement instead of a callback (reconciliation), by the same path. An
// event it had already (the same id) changes nothing.
func (s *Service) Book(ctx context.Context, id string, body []byte) error {
	st, err := s.Receive(ctx, id, body)
	if err != nil {
		return err
	}
	if st == EventReview {
		return fmt.Errorf("the statement's event %s could not be booked", id)
	}
	return nil
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Process applies a stored event, once: the event row is locked and marked
// processed in the same transaction as its effects.
func (s *Service) Process(ctx context.Context, webhookID string) error {
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var ev struct {
			Type    string
			Payload []byte
			Status  EventStatus
		}
		if err := tx.Raw(`SELECT type, payload, status FROM bank_events WHERE webhook_id = ? FOR UPDATE`, webhookID).
			Scan(&ev).Error; err != nil {
			return err
		}
		if ev.Status != EventPending {
			return nil
		}
		e, err := bankbridge.Parse(ev.Payload)
		if err != nil {
			return tx.Exec(`UPDATE bank_events SET status = 'review', note = ?, processed_at = now() WHERE webhook_id = ?`,
				err.Error(), webhookID).Error
		}
		// The money moved at the bank when the bank says (a time in the
		// future is taken as now).
		if !e.CreatedAt.IsZero() && e.CreatedAt.Before(time.Now().Add(time.Minute)) {
			ctx = ledger.WithValueTime(ctx, e.CreatedAt)
		}
		status, note := EventProcessed, ""
		switch e.Type {
		case bankbridge.TransferReceived:
			var d bankbridge.Received
			_ = json.Unmarshal(e.Data, &d) // Parse checked it
			err = s.credit(ctx, tx, d)
		case bankbridge.TransferReversed:
			var d bankbridge.Reversed
			_ = json.Unmarshal(e.Data, &d)
			err = s.reverse(ctx, tx, d)
		case bankbridge.PayoutSucceeded, bankbridge.PayoutFailed:
			var d bankbridge.Payout
			_ = json.Unmarshal(e.Data, &d)
			known := false
			if s.Payouts != nil {
				known, err = s.Payouts.Settle(ctx, tx, d, e.Type == bankbridge.PayoutSucceeded)
			}
			if err == nil && !known {
				status, note = EventReview, "payout "+d.PayoutID+" is not one of the platform's payouts"
				err = risk.Raise(ctx, tx, risk.UnknownPayout, nil, nil, map[string]any{"webhook_id": webhookID, "payout_id": d.PayoutID})
			}
		}
		if err != nil {
			return err
		}
		return tx.Exec(`UPDATE bank_events SET status = ?, note = ?, processed_at = now() WHERE webhook_id = ?`,
			string(status), note, webhookID).Error
	})
}

// afterLookup, when set (tests only), runs when a credit or a reversal has
// looked for its other side, before its transaction commits: the test of the
// credit and reversal race uses it to make both sides overlap every time.
var afterLookup func()

// lockTxn serialises, until tx ends, everything that concerns one bank
// transaction: its credit, its reversals, operators' decisions on it.
func lockTxn(ctx context.Context, tx *gorm.DB, bankTxnID string) error {
	// 16980 = 0x4254, "BT": the lock space of bank transactions.
	return tx.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(16980, hashtext(?))", bankTxnID).Error
}

// EventRetention is how long processed bank events are kept; events under
// review stay until an operator has dealt with them. The credits, reversals
// and ledger transfers they caused are kept for ever.
const EventRetention = 90 * 24 * time.Hour

// PurgeEvents deletes processed bank events older than EventRetention.
func (s *Service) PurgeEvents(ctx context.Context) (int64, error) {
	res := s.DB.WithContext(ctx).Exec(`DELETE FROM bank_events WHERE status = 'processed'
		AND received_at < now() - make_interval(secs => ?)`, EventRetention.Seconds())
	return res.RowsAffected, res.Error
}

// PurgeArgs is the periodic job that purges old bank events.
type PurgeArgs struct{}

// Kind names the job.
func (PurgeArgs) Kind() string { return "bank_event_purge" }

// PurgeWorker runs PurgeArgs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Funding *Service
}

// Work purges.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	_, err := w.Funding.PurgeEvents(ctx)
	return err
}

// Overview counts the operators' queues.
type Overview struct {
	Disputes  int `json:"disputes"`  // orders in dispute
	Suspense  int `json:"suspense"`  // transfers nobody could match, or marked for return
	Flags     int `json:"flags"`     // open risk flags
	Review    int `json:"review"`    // bank events kept for review
	Clawbacks int `json:"clawbacks"` // recalled payments still owed
}

// OverviewOf counts the queues; each count reads a partial index of its
// queue, never a whole table.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) OverviewOf(ctx context.Context, actor models.Actor) (Overview, error) {
	var o Overview
	if !actor.IsOperator() {
		return o, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT
		(SELECT count(*) FROM orders WHERE ` + models.PhaseSQL(models.PhaseDispute) + `) AS disputes,
		(SELECT count(*) FROM bank_credits WHERE suspense_state IN ('open', 'return_requested')) AS suspense,
		(SELECT count(*) FROM risk_flags WHERE status = 'open') AS flags,
		(SELECT count(*) FROM bank_events WHERE status = 'review') AS review,
		(SELECT count(*) FROM clawbacks WHERE status IN ('open', 'recovering')) AS clawbacks`).Scan(&o).Error
	if err != nil {
		return o, fmt.Errorf("overview: %w", err)
	}
	return o, nil
}

// Event is a stored bank callback.
type Event struct {
	WebhookID  string      `json:"webhook_id"`
	Type       string      `json:"type"`
	Status     EventStatus `json:"status"`
	Note       string      `json:"note"`
	ReceivedAt time.Time   `json:"received_at"`
	// Payload is the event as JSON text, or the raw body when it is not JSON.
	Payload string `json:"payload"`

	// What the event says, when it says it (a transfer's payer and memo).
	BankTxnID    string        `json:"bank_txn_id,omitempty" gorm:"-"`
	Amount       *models.Money `json:"amount" gorm:"-"`
	PayerName    string        `json:"payer_name,omitempty" gorm:"-"`
	PayerAccount string        `json:"payer_account,omitempty" gorm:"-"`
	Reference    string        `json:"reference,omitempty" gorm:"-"`
	// Outcome and Where say what became of it: where the ledger put its
	// money (and where that money is now), or why nothing moved.
	Outcome     EventOutcome `json:"outcome" gorm:"-" enum:"pending,review,duplicate,booked"`
	Where       []Leg        `json:"where" gorm:"-"`
	DuplicateOf string       `json:"duplicate_of,omitempty" gorm:"-" doc:"the webhook id of the event that booked it"`
}

// Events lists the bank's callbacks: those kept for review first (up to
// 100), then the latest ones (up to limit, at most 500), each with what it
// says and where its money went.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) Events(ctx context.Context, actor models.Actor, limit int) ([]Event, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	const cols = `webhook_id, type, status, note, received_at,
		coalesce(payload::text, encode(raw, 'escape'), '') AS payload`
	var review, latest []Event
	db := s.DB.WithContext(ctx)
	if err := db.Raw(`SELECT ` + cols + ` FROM bank_events WHERE status = 'review' ORDER BY received_at DESC LIMIT 100`).
		Scan(&review).Error; err != nil {
		return nil, fmt.Errorf("bank events: %w", err)
	}
	if err := db.Raw(`SELECT `+cols+` FROM bank_events WHERE status <> 'review' ORDER BY received_at DESC LIMIT ?`, limit).
		Scan(&latest).Error; err != nil {
		return nil, fmt.Errorf("bank events: %w", err)
	}
	return s.eventsDescribed(ctx, append(review, latest...))
}

// EventsOf lists the bank's callbacks about one bank transaction (its
// credit, its reversals; a payout's result names the bank's payment), and the
// events booked from the statement for it, newest first (at most 100).
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) EventsOf(ctx context.Context, actor models.Actor, bankTxnID string) ([]Event, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	var out []Event
	if err := s.DB.WithContext(ctx).Raw(`SELECT webhook_id, type, status, note, received_at,
		coalesce(payload::text, encode(raw, 'escape'), '') AS payload
		FROM bank_events WHERE payload #>> '{data,bank_txn_id}' = ? ORDER BY received_at DESC LIMIT 100`, bankTxnID).
		Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("bank events of %s: %w", bankTxnID, err)
	}
	return s.eventsDescribed(ctx, out)
}
