// Package notices is the in-app notification centre: what people are told of
// their orders, payouts and balance, each notice written by Add inside the
// same database transaction as the event that causes it, so a notice exists
// exactly when its event committed (a step that rolls back leaves none).
//
// A notice keeps its kind and its parameters (models.Notice), never a
// rendered text: the pages render it in the reader's language. With each
// notice a River job is inserted in the same transaction that "sends" it by
// SMS: the platform has no SMS gateway yet, so the job logs a line "sms" with
// the masked phone number and the Chinese text (Chinese), nothing else.
//
// Order steps notify through Stepped (orders.Service calls it in Step, from
// models.StepNotices: who is told what for each action); telecom, payouts and
// funding call Add themselves. The periodic RemindArgs job reminds people of
// deadlines within a day (ship by, answer a refund, automatic confirmation),
// once per order and timer: the notice's once_key is unique, so two nodes
// running the job at the same moment write one.
package notices

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/jobs"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Service writes and reads notices.
type Service struct {
	DB    *gorm.DB
	Queue *jobs.Queue
	Log   *slog.Logger
	// Chinese renders a notice in Chinese, for its SMS (views.NoticeText);
	// nil: the English label.
	Chinese func(kind models.NoticeKind, params []string) string
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Notice is a notice as its reader sees it.
type Notice struct {
	ID        int64             `json:"id"`
	Kind      models.NoticeKind `json:"kind"`
	OrderID   *int64            `json:"order_id,omitempty"`
	PayoutID  *string           `json:"payout_id,omitempty"`
	Params    []string          `json:"params" gorm:"serializer:json"`
	CreatedAt time.Time         `json:"created_at"`
	ReadAt    *time.Time        `json:"read_at,omitempty"`
}

// MaxUnread is where the unread count stops counting (the badge says 99+).
const MaxUnread = 100

var errNotFound = models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")

// Add writes n within tx, the transaction of the event it tells of, with
// its SMS job. A notice with a Once key already written is not written
// again. A nil Service writes nothing (services built without notices).
func (s *Service) Add(ctx context.Context, tx *gorm.DB, n models.Notice) error {
	if s == nil {
		return nil
	}
	if n.UserID <= 0 {
		return fmt.Errorf("notice %s: no recipient", n.Kind)
	}
	if _, ok := models.NoticeLabels[n.Kind]; !ok {
		return fmt.Errorf("notice %s: unknown kind", n.Kind)
	}
	params := n.Params
	if params == nil {
		params = []string{}
	}
	b, err := json.Marshal(params)
	if err != nil {
		return err
	}
	var orderID *int64
	if n.OrderID != 0 {
		orderID = &n.OrderID
	}
	var payoutID, once *string
	if n.PayoutID != "" {
		payoutID = &n.PayoutID
	}
	if n.Once != "" {
		once = &n.Once
	}
	var ids []int64
	if err := tx.WithContext(ctx).Raw(`INSERT INTO notifications (user_id, kind, order_id, payout_id, params, once_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (once_key) DO NOTHING RETURNING id`,
		n.UserID, string(n.Kind), orderID, payoutID, string(b), once, s.now()).Scan(&ids).Error; err != nil {
		return fmt.Errorf("notice %s: %w", n.Kind, err)
	}
	if len(ids) == 0 {
		return nil // written before
	}
	if _, err := s.Queue.InsertTx(ctx, tx, SMSArgs{NoticeID: ids[0]}, nil); err != nil {
		return fmt.Errorf("notice %s: %w", n.Kind, err)
	}
	return nil
}

// Stepped writes, within the step's transaction, the notices of an order's
// step (models.StepNotices).
func (s *Service) Stepped(ctx context.Context, tx *gorm.DB, cmd models.Command, before, after *models.Order) error {
	if s == nil {
		return nil
	}
	for _, n := range models.StepNotices(cmd, *before, *after) {
		if err := s.Add(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// Query pages a person's notices.
type Query struct {
	BeforeID int64 // notices older than this one (the next page)
	Limit    int   // at most 100; 20 when 0
}

// List returns the actor's own notices, newest first.
//
// Errors: EUNAUTHORIZED for nobody.
func (s *Service) List(ctx context.Context, actor models.Actor, q Query) ([]Notice, error) {
	if err := signedIn(actor); err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	db := s.DB.WithContext(ctx).Table("notifications").Where("user_id = ?", actor.UserID)
	if q.BeforeID > 0 {
		db = db.Where("id < ?", q.BeforeID)
	}
	var out []Notice
	if err := db.Order("id DESC").Limit(q.Limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	return out, nil
}

// Unread counts the actor's unread notices, up to MaxUnread: one statement
// that reads only the partial index notifications_unread.
func (s *Service) Unread(ctx context.Context, actor models.Actor) (int, error) {
	if actor.IsNobody() || actor.IsSystem() {
		return 0, nil
	}
	var n int
	if err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM (SELECT 1 FROM notifications
		WHERE user_id = ? AND read_at IS NULL LIMIT ?) u`, actor.UserID, MaxUnread).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("unread notices: %w", err)
	}
	return n, nil
}

// Open marks one of the actor's notices read (it stays read when it was)
// and returns it.
//
// Errors: ENOTFOUND for a notice that is not the actor's.
func (s *Service) Open(ctx context.Context, actor models.Actor, id int64) (*Notice, error) {
	if err := signedIn(actor); err != nil {
		return nil, err
	}
	var out []Notice
	if err := s.DB.WithContext(ctx).Raw(`UPDATE notifications SET read_at = coalesce(read_at, ?)
		WHERE id = ? AND user_id = ? RETURNING id, kind, order_id, payout_id, params, created_at, read_at`,
		s.now(), id, actor.UserID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("open notice %d: %w", id, err)
	}
	if len(out) == 0 {
		return nil, errNotFound
	}
	return &out[0], nil
}

// MarkAllRead marks every unread notice of the actor read and says how many.
func (s *Service) MarkAllRead(ctx context.Context, actor models.Actor) (int64, error) {
	if err := signedIn(actor); err != nil {
		return 0, err
	}
	res := s.DB.WithContext(ctx).Exec(`UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, s.now(), actor.UserID)
	if res.Error != nil {
		return 0, fmt.Errorf("mark notices read: %w", res.Error)
	}
	return res.RowsAffected, nil
}

func signedIn(actor models.Actor) error {
	if actor.IsNobody() || actor.IsSystem() {
		return models.Errorf(models.EUNAUTHORIZED, "Please sign in to continue.")
	}
	return nil
}

// RemindWithin is how far ahead the reminder job looks for deadlines.
const RemindWithin = 24 * time.Hour

// Remind writes the reminders of deadlines within RemindWithin that have
// none yet (models.DeadlineNotice), each in its own transaction, and says
// how many it wrote. Run twice at once, it still writes each once.
func (s *Service) Remind(ctx context.Context) (int, error) {
	now := s.now()
	written := 0
	for {
		var due []models.Order
		// The orders whose deadline is near and whose reminder is not
		// written yet (read from the partial index orders_deadline).
		if err := s.DB.WithContext(ctx).Raw(`SELECT * FROM orders o
			WHERE o.timer_kind IN ('ship_by', 'auto_confirm', 'refund_answer') AND o.timer_at > ? AND o.timer_at <= ?
			AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.once_key = 'deadline:' || o.timer_kind || ':' || o.id)
			ORDER BY o.timer_at, o.id LIMIT 200`, now, now.Add(RemindWithin)).Scan(&due).Error; err != nil {
			return written, fmt.Errorf("deadline reminders: %w", err)
		}
		if len(due) == 0 {
			return written, nil
		}
		wrote := 0
		for i := range due {
			n, ok := models.DeadlineNotice(due[i])
			if !ok {
				continue // nobody to remind (cannot happen for a paid order)
			}
			if err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error { return s.Add(ctx, tx, n) }); err != nil {
				return written, fmt.Errorf("deadline reminder of order %d: %w", due[i].ID, err)
			}
			wrote++
		}
		written += wrote
		if wrote == 0 || len(due) < 200 {
			return written, nil
		}
	}
}

// RemindArgs is the periodic job of deadline reminders.
type RemindArgs struct{}

// Kind names the job.
func (RemindArgs) Kind() string { return "notice_remind" }

// InsertOpts: housekeeping.
func (RemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueHousekeeping}
}

// RemindWorker runs RemindArgs.
type RemindWorker struct {
	river.WorkerDefaults[RemindArgs]
	Notices *Service
}

// Work writes the reminders due.
func (w *RemindWorker) Work(ctx context.Context, _ *river.Job[RemindArgs]) error {
	_, err := w.Notices.Remind(ctx)
	return err
}

// SMSArgs sends one notice by SMS.
type SMSArgs struct {
	NoticeID int64 `json:"notice_id"`
}

// Kind names the job.
func (SMSArgs) Kind() string { return "notice_sms" }

// InsertOpts: a few tries, then it is dropped (the notice is in the app).
func (SMSArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// SMSWorker runs SMSArgs.
type SMSWorker struct {
	river.WorkerDefaults[SMSArgs]
	Notices *Service
}

// Work sends the SMS.
func (w *SMSWorker) Work(ctx context.Context, job *river.Job[SMSArgs]) error {
	_, _, err := w.Notices.SMS(ctx, job.Args.NoticeID)
	return err
}

// SMS "sends" a notice as a text message: without an SMS gateway it logs
// the line "sms" with the recipient's masked number and the Chinese text, and
// returns both. A notice that no longer exists sends nothing.
func (s *Service) SMS(ctx context.Context, id int64) (to, text string, err error) {
	var row struct {
		Kind   models.NoticeKind
		Params []string `gorm:"serializer:json"`
		Login  string
	}
	res := s.DB.WithContext(ctx).Raw(`SELECT n.kind, n.params, u.login FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.id = ?`, id).Scan(&row)
	if res.Error != nil {
		return "", "", fmt.Errorf("sms of notice %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return "", "", nil
	}
	if s.Chinese != nil {
		text = s.Chinese(row.Kind, row.Params)
	} else {
		text = fmt.Sprintf(models.NoticeLabels[row.Kind], toAny(row.Params)...)
	}
	to = MaskPhone(row.Login)
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "sms", "to", to, "text", text)
	return to, text, nil
}

func toAny(p []string) []any {
	out := make([]any, len(p))
	for i, v := range p {
		out[i] = v
	}
	return out
}

// MaskPhone shows a phone number as an SMS log may: a mobile's first three
// and last four digits (138****8000), a landline's area code and last four.
func MaskPhone(login string) string {
	if len(login) == 11 && login[0] == '1' {
		return login[:3] + "****" + login[7:]
	}
	if strings.HasPrefix(login, "0") {
		return models.MaskLandline(login)
	}
	if len(login) > 4 {
		return strings.Repeat("*", len(login)-4) + login[len(login)-4:]
	}
	return "****"
}
