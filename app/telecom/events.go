package telecom

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/clawback"
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/risk"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// EventStatus is where a stored callback is (as the bank's).
type EventStatus string

// Event statuses.
const (
	EventPending   EventStatus = "pending"
	EventProcessed EventStatus = "processed"
	EventReview    EventStatus = "review"
)

// ProcessArgs is the job that processes a stored callback.
type ProcessArgs struct {
	WebhookID string `json:"webhook_id"`
}

// Kind names the job.
func (ProcessArgs) Kind() string { return "telecom_event" }

// InsertOpts puts the job on the webhooks queue.
func (ProcessArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueWebhooks, MaxAttempts: 25}
}

// EventWorker processes stored callbacks that were not processed inline.
type EventWorker struct {
	river.WorkerDefaults[ProcessArgs]
	Telecom *Service
}

// Work processes one callback.
func (w *EventWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	return w.Telecom.Process(ctx, job.Args.WebhookID)
}

// Receive durably stores a correctly signed callback (once per webhook id)
// with the job that processes it, then processes it at once; it returns when
// the callback is stored, when the front-end may be told 2xx. One that does
// not parse, names another id or is of an unknown type is kept for review.
func (s *Service) Receive(ctx context.Context, webhookID string, body []byte) (EventStatus, error) {
	status, note, typ := EventPending, "", ""
	ev, err := bankbridge.ParseTelecom(body)
	switch {
	case err != nil:
		status, note = EventReview, err.Error()
		_, typ = bankbridge.Peek(body)
	case ev.ID != webhookID:
		status, note, typ = EventReview, "the body's id differs from webhook-id", ev.Type
	case !bankbridge.KnownTelecom(ev.Type):
		status, note, typ = EventReview, "unknown event type", ev.Type
	default:
		typ = ev.Type
	}
	var payload any
	if clean, err := bankbridge.Clean(body); err == nil {
		payload = clean
	}
	fresh := false
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO telecom_events (webhook_id, type, payload, raw, status, note) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (webhook_id) DO NOTHING`, webhookID, typ, payload, body, string(status), note)
		if res.Error != nil {
			return res.Error
		}
		fresh = res.RowsAffected == 1
		if !fresh || status != EventPending {
			return nil
		}
		_, err := s.Queue.InsertTx(ctx, tx, ProcessArgs{WebhookID: webhookID}, nil)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store telecom event %s: %w", webhookID, err)
	}
	if fresh && status == EventPending {
		if err := s.Process(ctx, webhookID); err != nil {
			s.log().WarnContext(ctx, "telecom event processing failed; will retry", "webhook_id", webhookID, "err", err)
		}
	}
	return status, nil
}

// Process applies a stored callback once: the event row is locked and marked
// processed in the same transaction as its effects. A callback about a
// charge whose acceptance the platform has not heard yet (the answer timed
// out) settles the acceptance first; one about no charge of ours is kept
// for review with a flag.
func (s *Service) Process(ctx context.Context, webhookID string) error {
	var after func() error
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var ev struct {
			Type    string
			Payload []byte
			Status  EventStatus
		}
		if err := tx.Raw(`SELECT type, payload, status FROM telecom_events WHERE webhook_id = ? FOR UPDATE`, webhookID).Scan(&ev).Error; err != nil {
			return err
		}
		if ev.Status != EventPending {
			return nil
		}
		e, err := bankbridge.ParseTelecom(ev.Payload)
		if err != nil {
			return tx.Exec(`UPDATE telecom_events SET status = 'review', note = ?, processed_at = now() WHERE webhook_id = ?`, err.Error(), webhookID).Error
		}
		note := ""
		switch e.Type {
		case bankbridge.CycleSettled:
			var d bankbridge.Settled
			_ = json.Unmarshal(e.Data, &d) // ParseTelecom checked it
			if err := s.announced(ctx, tx, d); err != nil {
				return err
			}
		default:
			var d struct {
				ChargeID    string `json:"charge_id"`
				WorkOrderID string `json:"work_order_id"`
			}
			_ = json.Unmarshal(e.Data, &d)
			c, err := s.charge(ctx, tx, d.ChargeID)
			if err != nil {
				return err
			}
			if c == nil || (c.WorkOrderID != nil && *c.WorkOrderID != d.WorkOrderID) {
				note = "charge " + d.ChargeID + " (work order " + d.WorkOrderID + ") is not one of the platform's"
				if err := risk.Raise(ctx, tx, FlagUnknownCharge, nil, nil, map[string]any{"webhook_id": webhookID, "type": e.Type,
					"charge_id": d.ChargeID, "work_order_id": d.WorkOrderID}); err != nil {
					return err
				}
				return tx.Exec(`UPDATE telecom_events SET status = 'review', note = ?, processed_at = now() WHERE webhook_id = ?`, note, webhookID).Error
			}
			if c.State == models.ChargeRequested {
				// The acceptance's answer was lost; the callback proves there
				// was one. The charge is asked again with its key: the
				// front-end answers the acceptance (its work order and bill
				// cycle), settled first, then this callback.
				after = func() error { return s.send(ctx, c.ID) }
				return fmt.Errorf("charge %s: its acceptance is settled first", c.ID)
			}
			if err := s.apply(ctx, tx, e, c.ID); err != nil {
				return err
			}
		}
		return tx.Exec(`UPDATE telecom_events SET status = 'processed', note = ?, processed_at = now() WHERE webhook_id = ?`, note, webhookID).Error
	})
	if after != nil {
		if aerr := after(); aerr != nil {
			return aerr
		}
		if c, _ := s.charge(ctx, s.DB, chargeOf(ctx, s.DB, webhookID)); c != nil && c.State == models.ChargeRequested {
			return fmt.Errorf("telecom event %s: its charge is still not confirmed", webhookID)
		}
		return s.Process(ctx, webhookID)
	}
	return err
}

// chargeOf is the charge a stored callback is about.
func chargeOf(ctx context.Context, db *gorm.DB, webhookID string) string {
	var id string
	db.WithContext(ctx).Raw(`SELECT coalesce(payload #>> '{data,charge_id}', '') FROM telecom_events WHERE webhook_id = ?`, webhookID).Scan(&id)
	return id
}

// apply carries out a charge's callback with the order and the charge
// locked.
func (s *Service) apply(ctx context.Context, tx *gorm.DB, e *bankbridge.Event, id string) error {
	c, err := lockCharge(ctx, tx, id)
	if err != nil {
		return err
	}
	switch e.Type {
	case bankbridge.ChargeBilled:
		var d bankbridge.Billed
		_ = json.Unmarshal(e.Data, &d)
		if c.State != models.ChargeAccepted && c.State != models.ChargeVoid {
			return nil // a repeat, or it has moved on
		}
		state := models.ChargeBilled
		if c.State == models.ChargeVoid {
			state = models.ChargeVoid // billed before its cancel arrived: the refund job credits it
		}
		if err := tx.Model(&models.Charge{}).Where("id = ?", c.ID).Updates(map[string]any{"state": state, "billed_at": d.BilledAt,
			"bill_cycle": d.BillCycle, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return event(ctx, tx, c, "charge.billed", map[string]any{"bill_cycle": d.BillCycle,
			"due": d.BilledAt.Add(DueAfter).Format(time.RFC3339)})
	case bankbridge.ChargeCollected:
		var d bankbridge.Collected
		_ = json.Unmarshal(e.Data, &d)
		if c.State == models.ChargeCollected || c.State == models.ChargeVoid || c.State == models.ChargeCancelled {
			return nil
		}
		if c.State == models.ChargeWrittenOff {
			// Paid after all: the bad debt is recovered.
			if err := s.recoverWriteOff(ctx, tx, c); err != nil {
				return err
			}
		}
		if err := tx.Model(&models.Charge{}).Where("id = ?", c.ID).Updates(map[string]any{"state": models.ChargeCollected,
			"collected_at": d.CollectedAt, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		if err := s.releaseProceeds(ctx, tx, c, "collected"); err != nil {
			return err
		}
		return event(ctx, tx, c, "charge.collected", map[string]any{"collected_at": d.CollectedAt.Format(time.RFC3339)})
	case bankbridge.ChargeOverdue:
		var d bankbridge.Overdue
		_ = json.Unmarshal(e.Data, &d)
		if c.State == models.ChargeWrittenOff || c.State == models.ChargeVoid || c.State == models.ChargeCancelled || d.DaysOverdue < c.DaysOverdue {
			return nil // ended, or an older report arriving late
		}
		if fee := d.LateFeeAccrued.Sub(c.LateFee); fee.IsPositive() {
			if _, err := ledger.Post(ctx, tx, models.Transfer{Key: fmt.Sprintf("telecom:latefee:%s:%s", c.ID, d.LateFeeAccrued),
				Kind: "telecom.late_fee", Ref: Ref(c.ID), Postings: models.Move(models.AccTelecomReceivable, models.AccRevenueLateFees, fee)}); err != nil {
				return err
			}
		}
		upd := map[string]any{"days_overdue": d.DaysOverdue, "updated_at": s.now()}
		if d.LateFeeAccrued.GreaterThan(c.LateFee) {
			upd["late_fee"] = d.LateFeeAccrued
		}
		if c.State != models.ChargeCollected {
			upd["state"] = models.ChargeOverdue // the line can charge no more
		}
		if err := tx.Model(&models.Charge{}).Where("id = ?", c.ID).Updates(upd).Error; err != nil {
			return err
		}
		return event(ctx, tx, c, "charge.overdue", map[string]any{"days_overdue": d.DaysOverdue,
			"late_fee": d.LateFeeAccrued.String()})
	case bankbridge.ChargeWrittenOff:
		if c.State == models.ChargeWrittenOff || c.State == models.ChargeCollected || c.State == models.ChargeVoid || c.State == models.ChargeCancelled {
			return nil
		}
		// The platform's loss, never the seller's: what the subscriber
		// still owed is bad debt, the late fees booked for it are given up.
		var ps []models.Posting
		if owed := c.Owed(); owed.IsPositive() {
			ps = append(ps, models.Posting{Account: models.AccExpenseBadDebt, Direction: models.Debit, Amount: owed})
		}
		if c.LateFee.IsPositive() {
			ps = append(ps, models.Posting{Account: models.AccRevenueLateFees, Direction: models.Debit, Amount: c.LateFee})
		}
		if total := c.Owed().Add(c.LateFee); total.IsPositive() {
			ps = append(ps, models.Posting{Account: models.AccTelecomReceivable, Direction: models.Credit, Amount: total})
			if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "telecom:writeoff:" + c.ID, Kind: "telecom.write_off", Ref: Ref(c.ID),
				Postings: ps}); err != nil {
				return err
			}
		}
		if err := tx.Model(&models.Charge{}).Where("id = ?", c.ID).Updates(map[string]any{"state": models.ChargeWrittenOff,
			"written_off": c.Owed(), "written_off_fee": c.LateFee, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		if err := s.releaseProceeds(ctx, tx, c, "written_off"); err != nil {
			return err
		}
		return event(ctx, tx, c, "charge.written_off", map[string]any{"bad_debt": c.Owed().String()})
	}
	return nil
}

// recoverWriteOff undoes a write-off when the bill is paid after all:
// exactly what the write-off booked comes back to telecom:receivable, and
// the refunds made while it was written off (which gave the buyer nothing
// back: the subscriber had not paid) now go back to the bill as credits.
func (s *Service) recoverWriteOff(ctx context.Context, tx *gorm.DB, c *models.Charge) error {
	var ps []models.Posting
	if c.WrittenOff.IsPositive() {
		ps = append(ps, models.Posting{Account: models.AccExpenseBadDebt, Direction: models.Credit, Amount: c.WrittenOff})
	}
	if c.WrittenOffFee.IsPositive() {
		ps = append(ps, models.Posting{Account: models.AccRevenueLateFees, Direction: models.Credit, Amount: c.WrittenOffFee})
	}
	if total := c.WrittenOff.Add(c.WrittenOffFee); total.IsPositive() {
		ps = append(ps, models.Posting{Account: models.AccTelecomReceivable, Direction: models.Debit, Amount: total})
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "telecom:writeoff-recovered:" + c.ID, Kind: "telecom.write_off_recovered",
			Ref: Ref(c.ID), Postings: ps}); err != nil {
			return err
		}
	}
	var refunds []refundRow
	if err := tx.Raw(`SELECT id, charge_id, order_id, amount, method, state FROM telecom_refunds WHERE charge_id = ? AND method = 'none'
		ORDER BY created_at FOR UPDATE`, c.ID).Scan(&refunds).Error; err != nil {
		return err
	}
	for _, r := range refunds {
		// The refund lowered the bad debt; now it lowers what the operator owes.
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "telecom:refund-to-bill:" + r.ID, Kind: "telecom.refund_to_bill",
			Ref: refOf(c), Postings: models.Move(models.AccExpenseBadDebt, models.AccTelecomReceivable, r.Amount)}); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE telecom_refunds SET method = 'bill_credit', state = 'requested', done_at = NULL WHERE id = ?`, r.ID).Error; err != nil {
			return err
		}
		if _, err := s.Queue.InsertTx(ctx, tx, RefundArgs{RefundID: r.ID}, nil); err != nil {
			return err
		}
	}
	return nil
}

// releaseProceeds moves what the release put in the seller's pending money
// (less what was advanced) to available: the operator is done with the
// charge. The caller holds the order's and the charge's locks.
func (s *Service) releaseProceeds(ctx context.Context, tx *gorm.DB, c *models.Charge, why string) error {
	if c.ProceedsReleased {
		return nil
	}
	if err := tx.Exec("UPDATE telecom_charges SET proceeds_released = true WHERE id = ?", c.ID).Error; err != nil {
		return err
	}
	rest := c.ToPending.Sub(c.Advanced)
	if !rest.IsPositive() {
		return nil
	}
	ps := models.Move(models.SellerPendingAccount(c.SellerID), models.SellerAvailableAccount(c.SellerID), rest)
	if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "telecom:proceeds:" + c.ID, Kind: "telecom.proceeds_" + why,
		Ref: refOf(c), Postings: ps}); err != nil {
		return err
	}
	n := models.Notice{UserID: c.SellerID, Kind: models.NoticeProceeds, OrderID: c.OrderID, Params: []string{strconv.FormatInt(c.OrderID, 10), rest.Display()}}
	if c.ForInstore() {
		n = models.Notice{UserID: c.SellerID, Kind: models.NoticeInstoreProceeds, Params: []string{*c.InstorePaymentID, rest.Display()}}
	}
	if err := s.Notices.Add(ctx, tx, n); err != nil {
		return err
	}
	return clawback.SweepCredited(ctx, tx, ps)
}

// EventRetention is how long processed callbacks are kept (as the bank's);
// those under review stay until an operator has dealt with them.
const EventRetention = 90 * 24 * time.Hour

// PurgeArgs is the daily job that deletes processed callbacks older than
// EventRetention; the charges and transfers they caused are kept for ever.
type PurgeArgs struct{}

// Kind names the job.
func (PurgeArgs) Kind() string { return "telecom_event_purge" }

// InsertOpts: housekeeping.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueHousekeeping}
}

// PurgeWorker runs PurgeArgs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Telecom *Service
}

// Work purges.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	return w.Telecom.DB.WithContext(ctx).Exec(`DELETE FROM telecom_events WHERE status = 'processed'
		AND received_at < now() - make_interval(secs => ?)`, EventRetention.Seconds()).Error
}
