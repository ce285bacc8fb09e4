package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"lineescrow/app/jobs"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Schedule is the wait after each failed try of a notification before the
// next (Alipay's): 2 m, 10 m, 10 m, 1 h, 2 h, 6 h, 15 h, so Tries tries
// within about 25 hours.
var Schedule = []time.Duration{2 * time.Minute, 10 * time.Minute, 10 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour}

// Tries is how many times a notification is sent at most (by the schedule;
// the merchant can send it again by hand).
var Tries = len(Schedule) + 1

// NextTry is when the next try follows a failed try (1-based) made at at;
// the zero time after the last.
func NextTry(at time.Time, try int) time.Time {
	if try < 1 || try > len(Schedule) {
		return time.Time{}
	}
	return at.Add(Schedule[try-1])
}

// Notification events: what changed.
const (
	EventPaid     = "paid"     // the buyer paid: held in escrow
	EventShipped  = "shipped"  // the merchant (or its seller in the portal) shipped
	EventFinished = "finished" // released to the seller
	EventClosed   = "closed"   // closed without a refund: not paid in time, by the shop, recalled by the bank
	EventRefunded = "refunded" // money went back to the buyer (the rest, if any, released)
)

// eventOf names what a step did to a gateway order, "" when the shop need
// not hear of it (a refund request, an extension).
func eventOf(before, after *models.Order) string {
	refunded := after.Refunded.GreaterThan(before.Refunded)
	switch {
	case refunded:
		return EventRefunded
	case after.State == before.State:
		return ""
	case after.State == models.Paid:
		return EventPaid
	case after.State == models.Shipped:
		return EventShipped
	case after.State == models.Completed:
		return EventFinished
	case after.State == models.Closed:
		return EventClosed
	}
	return ""
}

// Stepped is orders.Gateway's: inside the transaction of every step of a
// gateway order, it records the shop's notification of what changed (paid,
// shipped, finished, closed, refunded) and the River job that sends it.
// The job can only run once the step committed, so a notification never
// reports a change that did not happen.
func (s *Service) Stepped(ctx context.Context, tx *gorm.DB, before, after *models.Order) error {
	ev := eventOf(before, after)
	if ev == "" {
		return nil
	}
	var row struct {
		Trade
		AppID string
	}
	res := tx.WithContext(ctx).Raw(`SELECT t.*, m.app_id FROM gateway_trades t JOIN gateway_merchants m ON m.id = t.merchant_id
		WHERE t.order_id = ?`, after.ID).Scan(&row)
	if res.Error != nil {
		return fmt.Errorf("trade of order %d: %w", after.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil // a gateway order whose trade is being created in this very transaction cannot step yet
	}
	f := tradeFields(&row.Trade, after)
	f["notify_type"], f["app_id"], f["event"], f["charset"], f["version"] = "trade_status_sync", row.AppID, ev, "utf-8", "1.0"
	if ev == EventRefunded {
		f["refund_fee"] = after.Refunded.Sub(before.Refunded).String()
		f["gmt_refund"] = s.now().In(models.Shanghai).Format(TimestampLayout)
		if orn, ok := ctx.Value(refundKey{}).(string); ok {
			f["out_request_no"] = orn
		}
	}
	for k, v := range f {
		if v == "" {
			delete(f, k)
		}
	}
	id := newNotifyID()
	f["notify_id"] = id
	params, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := tx.Exec(`INSERT INTO gateway_notifications (notify_id, trade_no, merchant_id, event, trade_status, url, params, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, row.TradeNo, row.MerchantID, ev, f["trade_status"], row.NotifyURL, params, s.now()).Error; err != nil {
		return fmt.Errorf("record notification of order %d: %w", after.ID, err)
	}
	_, err = s.Queue.InsertTx(ctx, tx, NotifyArgs{NotifyID: id}, nil)
	return err
}

func newNotifyID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NotifyArgs is the job that sends a notification: by the schedule (Tries
// tries), or once when the merchant asks (ByHand).
type NotifyArgs struct {
	NotifyID string `json:"notify_id"`
	ByHand   bool   `json:"by_hand,omitempty"`
}

// Kind names the job.
func (NotifyArgs) Kind() string { return "gateway_notify" }

// InsertOpts: the gateway's queue, Tries attempts; one job per notification
// and kind while it waits or runs.
func (a NotifyArgs) InsertOpts() river.InsertOpts {
	o := river.InsertOpts{Queue: jobs.QueueGateway, MaxAttempts: Tries,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
	if a.ByHand {
		o.MaxAttempts = 1
	}
	return o
}

// NotifyWorker runs NotifyArgs. A try that is not answered "success" fails
// the job, which River runs again at NextRetry: the schedule, not River's
// own backoff.
type NotifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	Gateway *Service
}

// Work makes one try.
func (w *NotifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	at := time.Now()
	if job.AttemptedAt != nil {
		at = *job.AttemptedAt
	}
	return w.Gateway.Deliver(ctx, job.Args, job.Attempt, job.Attempt >= job.MaxAttempts, at)
}

// NextRetry follows Schedule from the try that just failed.
func (w *NotifyWorker) NextRetry(job *river.Job[NotifyArgs]) time.Time {
	at := time.Now()
	if job.AttemptedAt != nil {
		at = *job.AttemptedAt
	}
	return NextTry(at, job.Attempt)
}

// Timeout bounds one try (the client's own timeout is shorter).
func (w *NotifyWorker) Timeout(*river.Job[NotifyArgs]) time.Duration { return 30 * time.Second }

// Try outcomes.
const (
	Delivered   = "delivered"   // the merchant answered 2xx with the body "success"
	Answered    = "answered"    // it answered something else
	Unreachable = "unreachable" // no answer: refused, timed out, TLS failed
	Blocked     = "blocked"     // the address is loopback, private or link-local (outside demo mode)
)

// Deliver makes one try of a notification (the job's body): it signs the
// recorded fields with notify_time now, POSTs them as a form, logs the try
// and its answer, and returns an error unless the merchant answered the
// body "success" (the job then tries again by the schedule). A try of the
// schedule (try is its number, last its end) is skipped once the
// notification was delivered; a try by hand is made anyway and never
// repeated. No transaction is open during the call.
func (s *Service) Deliver(ctx context.Context, a NotifyArgs, try int, last bool, attemptedAt time.Time) error {
	var n Notification
	res := s.DB.WithContext(ctx).Where("notify_id = ?", a.NotifyID).Limit(1).Find(&n)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 || (n.Status == Delivered && !a.ByHand) {
		return nil
	}
	params := map[string]string{}
	if err := json.Unmarshal(n.Params, &params); err != nil {
		return fmt.Errorf("notification %s: %w", n.NotifyID, err)
	}
	params["notify_time"] = s.now().In(models.Shanghai).Format(TimestampLayout)
	signed, err := Signed(s.Key, params)
	if err != nil {
		return err
	}
	outcome, status, body, errText := s.post(ctx, n.URL, signed)
	var next *time.Time
	if outcome != Delivered && !a.ByHand && !last {
		t := NextTry(attemptedAt, try)
		next = &t
	}
	if err := s.logTry(ctx, &n, a.ByHand, outcome, status, body, errText, next); err != nil {
		return err
	}
	if outcome == Delivered || a.ByHand {
		return nil
	}
	return fmt.Errorf("notification %s, try %d of %d: %s (%s)", n.NotifyID, try, Tries, outcome, strings.TrimSpace(errText+" "+body))
}

// post sends the form and says how it went.
func (s *Service) post(ctx context.Context, target string, params map[string]string) (outcome string, status *int, body, errText string) {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return Unreachable, nil, "", truncate(err.Error(), 300)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("User-Agent", "LineEscrow-Notify/1.0")
	client := s.Client
	if client == nil {
		client = NotifyClient(s.Demo)
	}
	resp, err := client.Do(req)
	if err != nil {
		if dialBlocked(err) {
			return Blocked, nil, "", "refused: " + errBlocked.Error()
		}
		return Unreachable, nil, "", truncate(err.Error(), 300)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	code := resp.StatusCode
	body = truncate(strings.ToValidUTF8(strings.ReplaceAll(string(b), "\x00", ""), "?"), 256)
	if code >= 200 && code < 300 && string(b) == "success" {
		return Delivered, &code, body, ""
	}
	return Answered, &code, body, ""
}

// logTry records a try and its notification's new status, together.
func (s *Service) logTry(ctx context.Context, n *Notification, byHand bool, outcome string, status *int, body, errText string, next *time.Time) error {
	ctx, cancel := detach(ctx, 10*time.Second)
	defer cancel()
	now := s.now()
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		// A try by hand that fails leaves the schedule as it was.
		var tries int
		if err := tx.Raw(`UPDATE gateway_notifications SET tries = tries + 1,
			status = CASE WHEN ? THEN 'delivered' WHEN ? OR status = 'delivered' THEN status WHEN ? THEN 'retrying' ELSE 'failed' END,
			next_try_at = CASE WHEN ? THEN NULL WHEN ? THEN next_try_at ELSE ? END,
			delivered_at = CASE WHEN ? THEN ? ELSE delivered_at END
			WHERE notify_id = ? RETURNING tries`,
			outcome == Delivered, byHand, next != nil,
			outcome == Delivered, byHand, next,
			outcome == Delivered, now, n.NotifyID).Scan(&tries).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO gateway_notify_tries (notify_id, try, at, outcome, http_status, response, error, next_try_at, by_hand)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.NotifyID, tries, now, outcome, status, body, errText, next, byHand).Error
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Notification is a notification of a trade's change, with its tries.
type Notification struct {
	NotifyID    string
	Seq         int64 `gorm:"->"`
	TradeNo     string
	MerchantID  int64
	Event       string
	TradeStatus string
	URL         string
	Params      json.RawMessage
	// Status: pending (not tried yet), retrying, delivered, failed (every
	// try of the schedule failed).
	Status      string
	Tries       int
	NextTryAt   *time.Time
	DeliveredAt *time.Time
	CreatedAt   time.Time
	Log         []TryLine `gorm:"-"`
}

// TableName is the notifications' table.
func (Notification) TableName() string { return "gateway_notifications" }

// TryLine is one try of a notification.
type TryLine struct {
	ID         int64
	NotifyID   string
	Try        int
	At         time.Time
	Outcome    string
	HTTPStatus *int
	Response   string
	Error      string
	NextTryAt  *time.Time
	ByHand     bool
}

// TableName is the tries' table.
func (TryLine) TableName() string { return "gateway_notify_tries" }

// NotifyQuery selects a merchant's notifications.
type NotifyQuery struct {
	TradeNo string
	Limit   int // 50 unless set, at most 200
}

// Notifications lists the merchant's notifications, newest first, each with
// its tries (oldest first).
//
// Errors: EFORBIDDEN unless actor is a seller; ENOTFOUND when not a
// merchant.
func (s *Service) Notifications(ctx context.Context, actor models.Actor, q NotifyQuery) ([]Notification, error) {
	m, err := s.merchantOf(ctx, s.DB, actor, false)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	db := s.DB.WithContext(ctx).Where("merchant_id = ?", m.ID)
	if q.TradeNo != "" {
		db = db.Where("trade_no = ?", q.TradeNo)
	}
	var out []Notification
	if err := db.Order("seq DESC").Limit(q.Limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	at := map[string]int{}
	for i, n := range out {
		ids[i], at[n.NotifyID] = n.NotifyID, i
	}
	var tries []TryLine
	if err := s.DB.WithContext(ctx).Where("notify_id IN ?", ids).Order("id").Find(&tries).Error; err != nil {
		return nil, fmt.Errorf("notification tries: %w", err)
	}
	for _, t := range tries {
		out[at[t.NotifyID]].Log = append(out[at[t.NotifyID]].Log, t)
	}
	return out, nil
}

// Resend sends one of the merchant's notifications once more, now (one
// try, logged with the others; a notification whose schedule ended stays
// failed unless this try is answered "success"). Asking again while that
// try waits to run does nothing more.
//
// Errors: EFORBIDDEN unless actor is a seller; ENOTFOUND for a notification
// not the merchant's.
func (s *Service) Resend(ctx context.Context, actor models.Actor, notifyID string) error {
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		m, err := s.merchantOf(ctx, tx, actor, false)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Raw("SELECT count(*) FROM gateway_notifications WHERE notify_id = ? AND merchant_id = ?", notifyID, m.ID).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.Errorf(models.ENOTFOUND, "No such notification.")
		}
		_, err = s.Queue.InsertTx(ctx, tx, NotifyArgs{NotifyID: notifyID, ByHand: true}, nil)
		return err
	})
}
