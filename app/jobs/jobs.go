// Package jobs runs the platform's background work on River, a job queue in
// PostgreSQL: a job is inserted in the same transaction as the change that
// needs it, so it exists exactly when that change committed.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"lineescrow/app/store"
)

// Queues.
const (
	QueueTimers       = "timers"
	QueueWebhooks     = "webhooks"
	QueueHousekeeping = "housekeeping" // purges, sweeps, snapshots
	QueuePayouts      = "payouts"      // calls to the bank
	QueueTelecom      = "telecom"      // calls to the telecom front-end
	QueueGateway      = "gateway"      // notifications to merchants' servers
)

// Client is the River client type of the platform (database/sql driver, so
// jobs can be inserted inside gorm's transactions).
type Client = river.Client[*sql.Tx]

// Queue inserts jobs inside a gorm transaction. It is created before the
// River client (the workers need the services, the services need the queue)
// and bound to the client once that exists.
type Queue struct {
	client *Client
}

// Bind attaches the River client.
func (q *Queue) Bind(c *Client) { q.client = c }

// Client returns the bound River client (nil before Bind).
func (q *Queue) Client() *Client { return q.client }

// InsertTx inserts a job in tx.
func (q *Queue) InsertTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if q == nil || q.client == nil {
		return nil, errors.New("jobs: queue not bound to a River client")
	}
	res, err := q.client.InsertTx(ctx, store.SQLTx(tx), args, opts)
	if err != nil {
		return nil, fmt.Errorf("insert job %s: %w", args.Kind(), err)
	}
	return res, nil
}

// CancelTx cancels a job that has not run yet; a job that already finished
// is left as it is.
func (q *Queue) CancelTx(ctx context.Context, tx *gorm.DB, id int64) error {
	if q == nil || q.client == nil {
		return errors.New("jobs: queue not bound to a River client")
	}
	_, err := q.client.JobCancelTx(ctx, store.SQLTx(tx), id)
	if err != nil && !errors.Is(err, river.ErrNotFound) {
		return fmt.Errorf("cancel job %d: %w", id, err)
	}
	return nil
}

// CompleteTx marks the running job completed inside tx, so the job's effect
// and its completion commit together: a timer fires exactly once.
func CompleteTx[T river.JobArgs](ctx context.Context, tx *gorm.DB, job *river.Job[T]) error {
	_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, store.SQLTx(tx), job)
	return err
}

// Options configure the River client.
type Options struct {
	Workers *river.Workers
	Logger  *slog.Logger
	// PollInterval is how often workers look for jobs (database/sql has no
	// LISTEN/NOTIFY, so River polls).
	PollInterval time.Duration
	// Work false makes an insert-only client (tests that run jobs by hand).
	Work bool
	// Periodic are the housekeeping jobs River's leader inserts on schedule.
	Periodic []*river.PeriodicJob
}

// Every returns a periodic job inserting args every interval, and once at
// start-up.
func Every(interval time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args, &river.InsertOpts{Queue: QueueHousekeeping} },
		&river.PeriodicJobOpts{RunOnStart: true, ID: args.Kind()})
}

// Start rescues the jobs that stopped workers left running, starts the
// client, and keeps its liveness lock and the rescuer running until ctx ends
// (rescue.go) until the returned function is called, after the client
// stopped: a worker keeps its lock while its last jobs finish.
func Start(ctx context.Context, c *Client, db *sql.DB, log *slog.Logger) (func(), error) {
	if _, err := Rescue(ctx, db, c.ID()); err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	go Liveness(bg, db, c.ID(), 2*time.Second, log)
	go Rescuer(bg, db, c.ID(), 10*time.Second, log)
	return stop, nil
}

// NewClient creates the River client on db.
func NewClient(db *sql.DB, o Options) (*Client, error) {
	cfg := &river.Config{
		ID:                newClientID(), // the name of its liveness lock (rescue.go)
		Workers:           o.Workers,
		Logger:            o.Logger,
		FetchPollInterval: o.PollInterval,
		JobTimeout:        time.Minute,
		MaxAttempts:       25,
		PeriodicJobs:      o.Periodic,
	}
	if cfg.FetchPollInterval == 0 {
		cfg.FetchPollInterval = time.Second
	}
	if o.Work {
		cfg.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 4},
			QueueTimers:        {MaxWorkers: 4},
			QueueWebhooks:      {MaxWorkers: 4},
			QueueHousekeeping:  {MaxWorkers: 1},
			QueuePayouts:       {MaxWorkers: 2},
			QueueTelecom:       {MaxWorkers: 2},
			QueueGateway:       {MaxWorkers: 4},
		}
	}
	c, err := river.NewClient(riverdatabasesql.New(db), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}
