package gateway_test

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"lineescrow/app/gateway"
	"lineescrow/app/store"
	"lineescrow/models"
)

// merchantServer is a shop's notify endpoint: it answers each POST with the
// next of answers (the last one for ever after) and keeps what it got.
type merchantServer struct {
	*httptest.Server
	mu      sync.Mutex
	answers []answer
	got     []map[string]string
}

type answer struct {
	status int
	body   string
}

func newMerchantServer(t *testing.T, answers ...answer) *merchantServer {
	s := &merchantServer{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		p, _ := gateway.ParseForm(r.PostForm)
		s.mu.Lock()
		s.got = append(s.got, p)
		a := s.answers[min(len(s.got), len(s.answers))-1]
		s.mu.Unlock()
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *merchantServer) received() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.got...)
}

// notifications returns the trade's notifications, oldest first.
func (e *env) notifications(tradeNo string) []gateway.Notification {
	e.t.Helper()
	ns, err := e.Gateway.Notifications(e.Ctx, e.Seller.Actor(), gateway.NotifyQuery{TradeNo: tradeNo})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(ns)-1; i < j; i, j = i+1, j-1 {
		ns[i], ns[j] = ns[j], ns[i]
	}
	return ns
}

// TestANotificationOfEveryChange: paid, shipped, finished, refunded and
// closed each record one notification (with its River job) in the step's
// transaction; a refund request records none; a step that rolls back leaves
// none.
func TestANotificationOfEveryChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	no := e.create("N1", "100.00")["trade_no"]
	o := e.pay(e.Buyer, no)
	// A step whose transaction fails after it: no notification, no job.
	boom := errors.New("boom")
	err := store.InTx(e.Ctx, e.DB.DB, func(tx *gorm.DB) error {
		if _, err := e.Orders.Step(e.Ctx, tx, gatewayActor(e), o.ID, models.Command{Action: models.ActShip, Carrier: "SF", Tracking: "SF1234567890123"}, nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || len(e.notifications(no)) != 1 {
		t.Fatalf("a rolled-back step notified: %v, %d", err, len(e.notifications(no)))
	}
	e.must("trade.ship", "trade_no", no, "carrier", "SF", "tracking_no", "SF1234567890123")
	if _, err := e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), o.ID, models.MustParseMoney("10.00"), "late"); err != nil {
		t.Fatal(err)
	}
	e.must("trade.refund", "trade_no", no, "out_request_no", "R-1", "refund_amount", "10.00")
	closed := e.create("N2", "5.00")["trade_no"]
	e.must("trade.close", "trade_no", closed)
	finished := e.create("N3", "8.00")["trade_no"]
	o3 := e.pay(e.Buyer, finished)
	e.must("trade.ship", "trade_no", finished, "carrier", "SF", "tracking_no", "SF1234567891123")
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o3.ID, "284913"); err != nil {
		t.Fatal(err)
	}

	var got []string
	for _, n := range append(append(e.notifications(no), e.notifications(closed)...), e.notifications(finished)...) {
		got = append(got, n.Event+":"+n.TradeStatus+":"+n.Status)
	}
	want := "paid:TRADE_SUCCESS:pending shipped:WAIT_BUYER_CONFIRM_GOODS:pending refunded:TRADE_FINISHED:pending " +
		"closed:TRADE_CLOSED:pending paid:TRADE_SUCCESS:pending shipped:WAIT_BUYER_CONFIRM_GOODS:pending finished:TRADE_FINISHED:pending"
	if strings.Join(got, " ") != want {
		t.Fatalf("notifications\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if n := e.count("SELECT count(*) FROM river_job WHERE kind = 'gateway_notify'"); n != 7 {
		t.Fatalf("%d notify jobs", n)
	}
	var refund map[string]string
	if err := json.Unmarshal(e.notifications(no)[2].Params, &refund); err != nil {
		t.Fatal(err)
	}
	if refund["refund_fee"] != "10.00" || refund["out_request_no"] != "R-1" || refund["escrow_state"] != "completed" || refund["released_amount"] != "90.00" {
		t.Fatalf("refund notification %v", refund)
	}
}

func gatewayActor(e *env) models.Actor {
	a := e.Seller.Actor()
	a.Gateway = true
	return a
}

// TestMerchantAnswers500ThenSuccess: the first try fails and is logged with
// the answer and the next try's time; the second is answered "success".
// Both carry the same notify_id and verify with the platform's key.
func TestMerchantAnswers500ThenSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newMerchantServer(t, answer{500, "oops"}, answer{200, "success"})
	no := e.create("S1", "20.00", "notify_url", srv.URL+"/notify")["trade_no"]
	e.pay(e.Buyer, no)
	n := e.notifications(no)[0]
	at := e.Clock.Now()
	if err := e.Gateway.Deliver(e.Ctx, gateway.NotifyArgs{NotifyID: n.NotifyID}, 1, false, at); err == nil {
		t.Fatal("a 500 counted as delivered")
	}
	n = e.notifications(no)[0]
	if n.Status != "retrying" || n.Tries != 1 || len(n.Log) != 1 || n.Log[0].Outcome != gateway.Answered || *n.Log[0].HTTPStatus != 500 ||
		n.Log[0].Response != "oops" || !n.NextTryAt.Equal(at.Add(2*time.Minute)) {
		t.Fatalf("after the 500: %+v %+v", n, n.Log)
	}
	e.Clock.Advance(2 * time.Minute)
	if err := e.Gateway.Deliver(e.Ctx, gateway.NotifyArgs{NotifyID: n.NotifyID}, 2, false, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	n = e.notifications(no)[0]
	if n.Status != gateway.Delivered || n.Tries != 2 || n.DeliveredAt == nil || n.NextTryAt != nil || n.Log[1].Outcome != gateway.Delivered {
		t.Fatalf("after success: %+v", n)
	}
	got := srv.received()
	if len(got) != 2 || got[0]["notify_id"] != n.NotifyID || got[1]["notify_id"] != n.NotifyID || got[0]["notify_time"] == got[1]["notify_time"] {
		t.Fatalf("received %v", got)
	}
	for _, p := range got {
		if !gateway.Verify([]*rsa.PublicKey{&e.Gateway.Key.PublicKey}, p) || p["trade_status"] != gateway.TradeSuccess || p["out_trade_no"] != "S1" ||
			p["app_id"] != e.m.AppID || p["notify_type"] != "trade_status_sync" || p["total_amount"] != "20.00" {
			t.Fatalf("notification %v", p)
		}
	}
	// Delivered: a later try of the schedule sends nothing.
	if err := e.Gateway.Deliver(e.Ctx, gateway.NotifyArgs{NotifyID: n.NotifyID}, 3, false, e.Clock.Now()); err != nil || len(srv.received()) != 2 {
		t.Fatalf("after delivery: %v, %d posts", err, len(srv.received()))
	}
	// Only exactly "success" is success.
	for _, a := range []answer{{200, "success\n"}, {200, "SUCCESS"}, {302, "success"}, {200, ""}} {
		s2 := newMerchantServer(t, a)
		no := e.create(fmt.Sprintf("S%d%d", a.status, len(a.body)), "1.00", "notify_url", s2.URL)["trade_no"]
		e.pay(e.Buyer, no)
		if err := e.Gateway.Deliver(e.Ctx, gateway.NotifyArgs{NotifyID: e.notifications(no)[0].NotifyID}, 1, false, e.Clock.Now()); err == nil {
			t.Errorf("%d %q counted as delivered", a.status, a.body)
		}
	}
}

// TestScheduleOnRiver: worked by River's test worker, a notification the
// merchant never accepts is tried at 2 m, 10 m, 10 m, 1 h, 2 h, 6 h and 15 h
// after each failure, eight tries in all, then discarded and marked failed;
// the log has every try with its next time.
func TestScheduleOnRiver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newMerchantServer(t, answer{503, "busy"})
	no := e.create("Q1", "20.00", "notify_url", srv.URL)["trade_no"]
	e.pay(e.Buyer, no)
	id := e.notifications(no)[0].NotifyID

	w := rivertest.NewWorker(t, riverdatabasesql.New(e.DB.SQL), &river.Config{}, river.Worker[gateway.NotifyArgs](&gateway.NotifyWorker{Gateway: e.Gateway}))
	tx, err := e.DB.SQL.BeginTx(e.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	res, err := w.Work(e.Ctx, t, tx, gateway.NotifyArgs{NotifyID: id}, nil)
	var total time.Duration
	for try := 1; ; try++ {
		if err == nil {
			t.Fatalf("try %d succeeded", try)
		}
		job := res.Job
		if job.Attempt != try || job.MaxAttempts != gateway.Tries || job.Queue != "gateway" {
			t.Fatalf("try %d: attempt %d of %d on %s", try, job.Attempt, job.MaxAttempts, job.Queue)
		}
		if try == gateway.Tries {
			if job.State != rivertype.JobStateDiscarded {
				t.Fatalf("after the last try: %s", job.State)
			}
			break
		}
		wait := job.ScheduledAt.Sub(*job.AttemptedAt)
		if job.State != rivertype.JobStateRetryable || wait != gateway.Schedule[try-1] {
			t.Fatalf("try %d: %s, next in %s, want %s", try, job.State, wait, gateway.Schedule[try-1])
		}
		total += wait
		res, err = w.WorkJob(e.Ctx, t, tx, job)
	}
	if total != 24*time.Hour+22*time.Minute {
		t.Fatalf("the tries span %s", total)
	}
	n := e.notifications(no)[0]
	if n.Status != "failed" || n.Tries != 8 || len(n.Log) != 8 || n.NextTryAt != nil || len(srv.received()) != 8 {
		t.Fatalf("after the schedule: %+v, %d posts", n, len(srv.received()))
	}
	for i, l := range n.Log {
		if l.Try != i+1 || l.Outcome != gateway.Answered || *l.HTTPStatus != 503 || (i < 7) != (l.NextTryAt != nil) {
			t.Fatalf("try %d logged %+v", i+1, l)
		}
	}
	for _, p := range srv.received() {
		if p["notify_id"] != id {
			t.Fatalf("notify_id changed: %v", p)
		}
	}
}

// TestResendByHand: after the schedule gave up, the merchant sends it
// again: one try, logged by hand; answered "success" it is delivered.
func TestResendByHand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newMerchantServer(t, answer{500, "down"}, answer{200, "success"})
	no := e.create("H1", "20.00", "notify_url", srv.URL)["trade_no"]
	e.pay(e.Buyer, no)
	id := e.notifications(no)[0].NotifyID
	if err := e.Gateway.Deliver(e.Ctx, gateway.NotifyArgs{NotifyID: id}, gateway.Tries, true, e.Clock.Now()); err == nil {
		t.Fatal("delivered")
	}
	if n := e.notifications(no)[0]; n.Status != "failed" {
		t.Fatalf("after the last try: %s", n.Status)
	}
	other := e.User("05305550001", models.RoleSeller, "赵六")
	if err := e.Gateway.Resend(e.Ctx, other.Actor(), id); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("another seller resends: %v", err)
	}
	if err := e.Gateway.Resend(e.Ctx, e.Seller.Actor(), id); err != nil {
		t.Fatal(err)
	}
	if err := e.Gateway.Resend(e.Ctx, e.Seller.Actor(), id); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM river_job WHERE kind = 'gateway_notify' AND args->>'by_hand' = 'true' AND max_attempts = 1`); n != 1 {
		t.Fatalf("%d tries by hand queued", n)
	}
	if err := e.Gateway.Deliver(e.Ctx, gateway.NotifyArgs{NotifyID: id, ByHand: true}, 1, true, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	n := e.notifications(no)[0]
	if n.Status != gateway.Delivered || len(n.Log) != 2 || !n.Log[1].ByHand {
		t.Fatalf("after the resend: %+v", n)
	}
}

// TestNotificationsReachOnlyPublicAddresses: outside demo mode a send to a
// loopback address is refused at the dial, also when a name resolves to it
// (the URL was fine when it was set, the name now points elsewhere); the
// merchant's server is never reached and the try says why.
func TestNotificationsReachOnlyPublicAddresses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newMerchantServer(t, answer{200, "success"})
	no := e.create("P1", "20.00", "notify_url", srv.URL)["trade_no"]
	e.pay(e.Buyer, no)
	id := e.notifications(no)[0].NotifyID
	e.Gateway.Demo, e.Gateway.Client = false, gateway.NotifyClient(false)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/notify"} {
		if err := e.DB.Exec("UPDATE gateway_notifications SET url = ? WHERE notify_id = ?", u, id).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.Gateway.Deliver(e.Ctx, gateway.NotifyArgs{NotifyID: id}, 1, false, e.Clock.Now()); err == nil {
			t.Fatalf("%s: delivered", u)
		}
	}
	n := e.notifications(no)[0]
	if len(srv.received()) != 0 || len(n.Log) != 2 || n.Log[0].Outcome != gateway.Blocked || n.Log[1].Outcome != gateway.Blocked {
		t.Fatalf("%d posts reached the server; log %+v", len(srv.received()), n.Log)
	}
}
