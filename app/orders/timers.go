package orders

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/jobs"
	"lineescrow/app/risk"
	"lineescrow/app/store"
	"lineescrow/models"
)

// TimerArgs is the River job of an order timer. The order keeps the kind and
// time of its one active timer; a job whose kind and time no longer match was
// superseded and does nothing.
type TimerArgs struct {
	OrderID int64            `json:"order_id"`
	Timer   models.TimerKind `json:"timer"`
	At      time.Time        `json:"at"`
}

// Kind names the job.
func (TimerArgs) Kind() string { return "order_timer" }

// InsertOpts puts timers on their own queue.
func (TimerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTimers, MaxAttempts: 25}
}

// TimerWorker fires order timers. The step and the job's completion commit in
// one transaction, so each timer takes effect exactly once.
type TimerWorker struct {
	river.WorkerDefaults[TimerArgs]
	Orders *Service
}

// Work runs the timer's action if the timer is still the order's current one.
func (w *TimerWorker) Work(ctx context.Context, job *river.Job[TimerArgs]) error {
	return w.Orders.FireTimer(ctx, job)
}

// FireTimer is the body of TimerWorker.Work.
func (s *Service) FireTimer(ctx context.Context, job *river.Job[TimerArgs]) error {
	ctx = withRunningJob(ctx, job.ID)
	a := job.Args
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var cur struct {
			TimerKind models.TimerKind
			TimerAt   *time.Time
		}
		if err := tx.Raw("SELECT timer_kind, timer_at FROM orders WHERE id = ? FOR UPDATE", a.OrderID).Scan(&cur).Error; err != nil {
			return err
		}
		current := cur.TimerKind == a.Timer && cur.TimerAt != nil && cur.TimerAt.Equal(a.At)
		if current {
			action, ok := models.TimerAction(a.Timer)
			if !ok {
				return fmt.Errorf("order %d: unknown timer %q", a.OrderID, a.Timer)
			}
			// In a savepoint: an action that can no longer succeed (the order
			// changed under the timer in a way the rules refuse) is not retried
			// for ever but handed to an operator, and the job completes.
			err := tx.Transaction(func(sp *gorm.DB) error {
				_, err := s.Step(ctx, sp, models.System, a.OrderID, models.Command{Action: action}, nil)
				return err
			})
			switch models.ErrorCode(err) {
			case "":
			case models.ECONFLICT, models.EINVALID, models.EINSUFFICIENT, models.EFORBIDDEN:
				if err := risk.Raise(ctx, tx, risk.TimerFailed, &a.OrderID, nil, map[string]any{
					"timer": string(a.Timer), "action": string(action), "error": models.ErrorMessage(err)}); err != nil {
					return err
				}
			default:
				return fmt.Errorf("order %d timer %s: %w", a.OrderID, a.Timer, err)
			}
		}
		if job.ID == 0 {
			return nil // run by hand in a test, outside River
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}
