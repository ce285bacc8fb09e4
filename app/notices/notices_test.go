package notices_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"lineescrow/app/notices"
	"lineescrow/app/orders"
	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// told is one notice as written: to whom, what, about which order.
type told struct {
	User   int64
	Kind   models.NoticeKind
	Order  int64
	Params []string
}

func (t told) String() string { return fmt.Sprintf("%d:%s", t.User, t.Kind) }

// since returns the notices written after the last call, oldest first.
type since struct {
	e    *ptest.Env
	last int64
}

func (s *since) take(t *testing.T) []told {
	t.Helper()
	var rows []struct {
		ID      int64
		UserID  int64
		Kind    string
		OrderID *int64
		Params  []byte
	}
	if err := s.e.DB.Raw(`SELECT id, user_id, kind, order_id, params FROM notifications WHERE id > ? ORDER BY id`, s.last).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []told
	for _, r := range rows {
		s.last = r.ID
		tt := told{User: r.UserID, Kind: models.NoticeKind(r.Kind)}
		if r.OrderID != nil {
			tt.Order = *r.OrderID
		}
		_ = json.Unmarshal(r.Params, &tt.Params)
		out = append(out, tt)
	}
	return out
}

// expect checks that exactly these notices (user:kind, in any order) were
// written since the last call, each about order (0: any).
func (s *since) expect(t *testing.T, step string, order int64, want ...told) []told {
	t.Helper()
	got := s.take(t)
	key := func(l []told) map[string]int {
		m := map[string]int{}
		for _, x := range l {
			m[x.String()]++
		}
		return m
	}
	if fmt.Sprint(key(got)) != fmt.Sprint(key(want)) {
		t.Fatalf("%s: notices %v, want %v", step, got, want)
	}
	for _, g := range got {
		if order != 0 && g.Order != order {
			t.Errorf("%s: notice %s is about order %d, want %d", step, g, g.Order, order)
		}
	}
	return got
}

func to(u *models.User, k models.NoticeKind) told { return told{User: u.ID, Kind: k} }

func fire(t *testing.T, e *ptest.Env, id int64) {
	t.Helper()
	o := e.Order(id)
	e.Clock.Advance(o.TimerAt.Sub(e.Clock.Now()) + time.Second)
	job := &river.Job[orders.TimerArgs]{JobRow: &rivertypeRow, Args: orders.TimerArgs{OrderID: id, Timer: o.TimerKind, At: *o.TimerAt}}
	if err := e.Orders.FireTimer(e.Ctx, job); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(id); got.TimerKind == o.TimerKind && got.TimerAt.Equal(*o.TimerAt) {
		t.Fatalf("order %d: the %s timer did not fire", id, o.TimerKind)
	}
}

func TestEveryStepTellsTheRightParty(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	s := &since{e: e}
	buyer, seller := e.Buyer.Actor(), e.Seller.Actor()
	l := e.Listing("100.00", 20)

	// Paid by transfer, shipped, refund asked and refused, dispute, split.
	o := e.Checkout(e.Buyer, l, 1)
	s.expect(t, "checkout", 0)
	e.Credit("100.00", o.PayReference)
	got := s.expect(t, "paid", o.ID, to(e.Seller, models.NoticeNewOrder), to(e.Buyer, models.NoticePaid))
	if got[0].Params[0] != fmt.Sprint(o.ID) || got[0].Params[1] != "¥100.00" || got[0].Params[2] == "" {
		t.Errorf("new order params %v", got[0].Params)
	}
	if _, err := e.Orders.Ship(e.Ctx, seller, o.ID, "SF Express", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	got = s.expect(t, "shipped", o.ID, to(e.Buyer, models.NoticeShipped))
	if fmt.Sprint(got[0].Params) != fmt.Sprintf("[%d SF Express SF1234567890123]", o.ID) {
		t.Errorf("shipped params %v", got[0].Params)
	}
	if _, err := e.Orders.RequestRefund(e.Ctx, buyer, o.ID, models.MustParseMoney("40.00"), "broken lid"); err != nil {
		t.Fatal(err)
	}
	s.expect(t, "refund requested", o.ID, to(e.Seller, models.NoticeRefundAsked))
	if _, err := e.Orders.RefuseRefund(e.Ctx, seller, o.ID, "it was fine"); err != nil {
		t.Fatal(err)
	}
	s.expect(t, "refund refused", o.ID, to(e.Buyer, models.NoticeRefundRefused))
	if _, err := e.Orders.Escalate(e.Ctx, buyer, o.ID); err != nil {
		t.Fatal(err)
	}
	s.expect(t, "dispute opened", o.ID, to(e.Buyer, models.NoticeDisputeBuyer), to(e.Seller, models.NoticeDisputeSeller))
	if _, err := e.Orders.Decide(e.Ctx, e.Operator.Actor(), o.ID, models.DecideSplit, models.MustParseMoney("30.00"), "half broken"); err != nil {
		t.Fatal(err)
	}
	got = s.expect(t, "decided", o.ID, to(e.Buyer, models.NoticeDecidedSplit), to(e.Seller, models.NoticeDecidedSplit))
	if got[0].Params[1] != "¥30.00" {
		t.Errorf("split params %v", got[0].Params)
	}

	// A top-up, paid from the wallet, confirmed: the seller's net is told.
	ref, err := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.Credit("500.00", ref)
	got = s.expect(t, "top-up", 0, to(e.Buyer, models.NoticeTopUp))
	if got[0].Params[0] != "¥500.00" {
		t.Errorf("top-up params %v", got[0].Params)
	}
	o2 := e.Checkout(e.Buyer, l, 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, buyer, o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	s.expect(t, "paid from the wallet", o2.ID, to(e.Seller, models.NoticeNewOrder), to(e.Buyer, models.NoticePaid))
	if _, err := e.Orders.Ship(e.Ctx, seller, o2.ID, "SF", "SF1234567891123"); err != nil {
		t.Fatal(err)
	}
	s.take(t)
	if _, err := e.Orders.Confirm(e.Ctx, buyer, o2.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	got = s.expect(t, "confirmed", o2.ID, to(e.Seller, models.NoticeCompleted))
	if got[0].Params[1] != "¥99.40" { // 100.00 less 0.6 % commission
		t.Errorf("completed params %v", got[0].Params)
	}

	// The timers: refund answered by its timer, then the automatic confirmation.
	o3 := e.Checkout(e.Buyer, l, 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, buyer, o3.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.RequestRefund(e.Ctx, buyer, o3.ID, models.MustParseMoney("10.00"), "late"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.WithdrawRefund(e.Ctx, buyer, o3.ID); err != nil {
		t.Fatal(err)
	}
	s.expect(t, "withdrawn", o3.ID, to(e.Seller, models.NoticeNewOrder), to(e.Buyer, models.NoticePaid),
		to(e.Seller, models.NoticeRefundAsked), to(e.Seller, models.NoticeRefundWithdrawn))
	if _, err := e.Orders.Ship(e.Ctx, seller, o3.ID, "SF", "SF1234567892123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.RequestRefund(e.Ctx, buyer, o3.ID, models.MustParseMoney("10.00"), "late"); err != nil {
		t.Fatal(err)
	}
	s.take(t)
	fire(t, e, o3.ID) // the seller does not answer
	s.expect(t, "refund by its timer", o3.ID, to(e.Buyer, models.NoticeRefundTimedOut), to(e.Seller, models.NoticeRefundMissed))

	o4 := e.Checkout(e.Buyer, l, 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, buyer, o4.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Ship(e.Ctx, seller, o4.ID, "SF", "SF1234567893123"); err != nil {
		t.Fatal(err)
	}
	s.take(t)
	fire(t, e, o4.ID)
	s.expect(t, "auto-confirmed", o4.ID, to(e.Buyer, models.NoticeAutoConfirmed), to(e.Seller, models.NoticeCompleted))

	o5 := e.Checkout(e.Buyer, l, 1)
	if _, err := e.Orders.PayFromWallet(e.Ctx, buyer, o5.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	s.take(t)
	fire(t, e, o5.ID) // not shipped in time
	got = s.expect(t, "not shipped", o5.ID, to(e.Buyer, models.NoticeUnshippedBuyer), to(e.Seller, models.NoticeUnshippedSeller))
	for _, g := range got {
		if g.Kind == models.NoticeUnshippedBuyer && g.Params[1] != "¥100.00" {
			t.Errorf("unshipped params %v", g.Params)
		}
	}

	o6 := e.Checkout(e.Buyer, l, 1)
	fire(t, e, o6.ID)
	s.expect(t, "closed unpaid", o6.ID, to(e.Buyer, models.NoticeUnpaidClosed))
	if _, err := e.Orders.Cancel(e.Ctx, buyer, e.Checkout(e.Buyer, l, 1).ID); err != nil {
		t.Fatal(err)
	}
	s.expect(t, "cancelled by the buyer", 0) // the buyer did it: nobody to tell

	// Every notice has an SMS job, inserted with it.
	if n, j := e.Count("SELECT count(*) FROM notifications"), e.Count("SELECT count(*) FROM river_job WHERE kind = 'notice_sms'"); n != j || n == 0 {
		t.Fatalf("%d notices, %d SMS jobs", n, j)
	}
}

// fakeBank accepts every payout.
type fakeBank struct{}

func (fakeBank) Payout(context.Context, bankbridge.PayoutInstruction) error { return nil }

func TestPayoutsTellThePayee(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	e.Payouts.Bank = fakeBank{}
	s := &since{e: e}
	o := e.Checkout(e.Buyer, e.Listing("100.00", 2), 1)
	e.Credit("100.00", o.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	s.take(t)
	for i, ok := range []bool{true, false} {
		p, err := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("20.00"), PayPassword: ptest.PIN})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		s.expect(t, "sent", 0)
		typ, d := bankbridge.PayoutSucceeded, bankbridge.Payout{PayoutID: p.ID, Amount: p.Amount, BankTxnID: "PB" + p.ID}
		want := models.NoticePayoutPaid
		if !ok {
			typ, d, want = bankbridge.PayoutFailed, bankbridge.Payout{PayoutID: p.ID, Amount: p.Amount, Reason: "account closed"}, models.NoticePayoutFailed
		}
		for j := range 2 { // a repeated callback tells nobody twice
			e.Deliver(fmt.Sprintf("evt_p%d_%d", i, j), typ, d)
		}
		s.expect(t, string(want), 0, to(e.Seller, want))
		var payout string
		e.DB.Raw("SELECT payout_id FROM notifications WHERE kind = ?", string(want)).Scan(&payout)
		if payout != p.ID {
			t.Errorf("%s is about payout %q, want %q", want, payout, p.ID)
		}
	}
}

// TestARolledBackStepWritesNoNotice: the notice is written in the step's
// transaction; when that transaction fails after it, nobody is told.
func TestARolledBackStepWritesNoNotice(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("50.00", 1), 1)
	e.Credit("50.00", o.PayReference)
	before := e.Count("SELECT count(*) FROM notifications")
	jobsBefore := e.Count("SELECT count(*) FROM river_job WHERE kind = 'notice_sms'")
	boom := errors.New("failed after the step")
	err := store.InTx(e.Ctx, e.DB.DB, func(tx *gorm.DB) error {
		if _, err := e.Orders.Step(e.Ctx, tx, e.Seller.Actor(), o.ID, models.Command{Action: models.ActShip, Carrier: "SF", Tracking: "SF1234567890123"}, nil); err != nil {
			return err
		}
		var inside int64
		tx.Raw("SELECT count(*) FROM notifications WHERE kind = ?", string(models.NoticeShipped)).Scan(&inside)
		if inside != 1 {
			t.Errorf("inside the step's transaction, %d shipped notices, want 1", inside)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("the transaction: %v", err)
	}
	if n, j := e.Count("SELECT count(*) FROM notifications"), e.Count("SELECT count(*) FROM river_job WHERE kind = 'notice_sms'"); n != before || j != jobsBefore {
		t.Fatalf("after the rollback: %d notices (was %d), %d SMS jobs (was %d)", n, before, j, jobsBefore)
	}
	if e.Order(o.ID).State != models.Paid {
		t.Fatal("the step was not rolled back")
	}
}

func TestDeadlinesAreRemindedOnceEvenByTwoNodes(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("80.00", 5)
	soon := e.Checkout(e.Buyer, l, 1)
	e.Credit("80.00", soon.PayReference)          // ship by: 7 days from now
	e.Clock.Advance(6*24*time.Hour + 2*time.Hour) // 22 h left
	later := e.Checkout(e.Buyer2, l, 1)
	e.Credit("80.00", later.PayReference) // 7 days left: not yet
	shipped := e.Checkout(e.Buyer2, l, 1)
	e.Credit("80.00", shipped.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), shipped.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	var autoConfirmAt time.Time
	e.DB.Raw("SELECT timer_at FROM orders WHERE id = ?", shipped.ID).Scan(&autoConfirmAt)

	run := func() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 2)
		for range 2 { // two nodes' River leaders at the same moment
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := e.Notices.Remind(e.Ctx)
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	run()
	run()
	count := func(kind models.NoticeKind, order int64) int64 {
		return e.Count("SELECT count(*) FROM notifications WHERE kind = ? AND order_id = ?", string(kind), order)
	}
	if n := count(models.NoticeShipSoon, soon.ID); n != 1 {
		t.Fatalf("ship-by reminders of the order due in 22 h: %d, want 1", n)
	}
	if n := count(models.NoticeShipSoon, later.ID); n != 0 {
		t.Fatalf("the order due in 72 h was reminded: %d", n)
	}
	if n := e.Count("SELECT count(*) FROM notifications WHERE kind LIKE 'deadline.%'"); n != 1 {
		t.Fatalf("%d reminders in all, want 1", n)
	}
	var to int64
	e.DB.Raw("SELECT user_id FROM notifications WHERE kind = ?", string(models.NoticeShipSoon)).Scan(&to)
	if to != e.Seller.ID {
		t.Fatalf("the ship-by reminder went to %d, not the seller", to)
	}

	// A day before the automatic confirmation the buyer is reminded, once.
	e.Clock.Advance(autoConfirmAt.Sub(e.Clock.Now()) - 23*time.Hour)
	run()
	run()
	if n := count(models.NoticeConfirmSoon, shipped.ID); n != 1 {
		t.Fatalf("auto-confirm reminders: %d, want 1", n)
	}
	e.DB.Raw("SELECT user_id FROM notifications WHERE kind = ?", string(models.NoticeConfirmSoon)).Scan(&to)
	if to != e.Buyer2.ID {
		t.Fatalf("the auto-confirm reminder went to %d, not the buyer", to)
	}
	if n := e.Count("SELECT count(*) FROM river_job WHERE kind = 'notice_sms' AND args->>'notice_id' IN (SELECT id::text FROM notifications WHERE kind LIKE 'deadline.%')"); n != 2 {
		t.Fatalf("%d SMS jobs for the 2 reminders", n)
	}
}

func TestReadingIsOwnAndCounted(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	o := e.Checkout(e.Buyer, e.Listing("20.00", 1), 1)
	e.Credit("20.00", o.PayReference)
	buyer, seller, other := e.Buyer.Actor(), e.Seller.Actor(), e.Buyer2.Actor()
	for _, c := range []struct {
		who  models.Actor
		want int
	}{{buyer, 1}, {seller, 1}, {other, 0}} {
		if n, err := e.Notices.Unread(e.Ctx, c.who); err != nil || n != c.want {
			t.Fatalf("unread of %d: %d, %v; want %d", c.who.UserID, n, err, c.want)
		}
	}
	list, err := e.Notices.List(e.Ctx, seller, notices.Query{})
	if err != nil || len(list) != 1 || list[0].Kind != models.NoticeNewOrder || list[0].OrderID == nil || *list[0].OrderID != o.ID {
		t.Fatalf("seller's notices %+v, %v", list, err)
	}
	if _, err := e.Notices.Open(e.Ctx, other, list[0].ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("another buyer opened the seller's notice: %v", err)
	}
	if _, err := e.Notices.Open(e.Ctx, buyer, list[0].ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("the buyer opened the seller's notice: %v", err)
	}
	if n, _ := e.Notices.Unread(e.Ctx, seller); n != 1 {
		t.Fatalf("someone else's attempt marked it read: %d unread", n)
	}
	if n, err := e.Notices.MarkAllRead(e.Ctx, other); err != nil || n != 0 {
		t.Fatalf("another buyer's mark-all: %d, %v", n, err)
	}
	got, err := e.Notices.Open(e.Ctx, seller, list[0].ID)
	if err != nil || got.ReadAt == nil {
		t.Fatalf("open: %+v, %v", got, err)
	}
	if n, _ := e.Notices.Unread(e.Ctx, seller); n != 0 {
		t.Fatalf("after opening: %d unread", n)
	}
	if n, _ := e.Notices.Unread(e.Ctx, buyer); n != 1 {
		t.Fatalf("the buyer's own stays unread: %d", n)
	}
	if n, err := e.Notices.MarkAllRead(e.Ctx, buyer); err != nil || n != 1 {
		t.Fatalf("mark all: %d, %v", n, err)
	}
	if _, err := e.Notices.List(e.Ctx, models.Anonymous, notices.Query{}); models.ErrorCode(err) != models.EUNAUTHORIZED {
		t.Fatalf("nobody listed notices: %v", err)
	}
}

func TestTheSMSIsLoggedInChineseWithTheNumberMasked(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	var buf bytes.Buffer
	svc := *e.Notices
	svc.Log = slog.New(slog.NewJSONHandler(&buf, nil))
	o := e.Checkout(e.Buyer, e.Listing("66.00", 1), 1)
	e.Credit("66.00", o.PayReference)
	var id int64
	e.DB.Raw("SELECT id FROM notifications WHERE kind = ?", string(models.NoticePaid)).Scan(&id)
	to, text, err := svc.SMS(e.Ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("您支付的 ¥66.00（订单 %d）已由平台担保，确认收货后才付给卖家。", o.ID)
	if to != "138****8000" || text != want {
		t.Fatalf("sms to %q: %q, want %q", to, text, want)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", buf.String(), err)
	}
	if line["msg"] != "sms" || line["to"] != "138****8000" || line["text"] != want {
		t.Fatalf("log line %v", line)
	}
	if strings.Contains(buf.String(), e.Buyer.Login) {
		t.Fatalf("the log shows the whole number: %s", buf.String())
	}
	for in, want := range map[string]string{"13800138000": "138****8000", "05305551234": "0530-***1234"} {
		if got := notices.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%s) = %s, want %s", in, got, want)
		}
	}
}

// recorder keeps the statements gorm runs.
type recorder struct {
	mu   sync.Mutex
	sqls []string
}

func (r *recorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *recorder) Info(context.Context, string, ...any)     {}
func (r *recorder) Warn(context.Context, string, ...any)     {}
func (r *recorder) Error(context.Context, string, ...any)    {}
func (r *recorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	r.mu.Lock()
	r.sqls = append(r.sqls, sql)
	r.mu.Unlock()
}

// TestTheBadgeIsOneIndexedQuery: the unread count every page's layout shows
// is one statement, read from the partial index, on a table of 200,000
// notices of 2,000 people.
func TestTheBadgeIsOneIndexedQuery(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	for _, q := range []string{
		`INSERT INTO users (role, login, display_name, password_hash)
			SELECT 'buyer', '135' || lpad(i::text, 8, '0'), 'Buyer ' || i, 'x' FROM generate_series(1, 2000) i`,
		`INSERT INTO notifications (user_id, kind, params, read_at)
			SELECT u.id, 'wallet.topup', '["¥1.00"]', CASE WHEN i % 20 <> 0 THEN now() END
			FROM generate_series(1, 100) i CROSS JOIN users u WHERE u.login LIKE '135%'`,
		`VACUUM ANALYZE notifications`,
	} {
		if err := e.DB.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	var uid int64
	e.DB.Raw("SELECT id FROM users WHERE login = '13500000042'").Scan(&uid)
	rec := &recorder{}
	svc := *e.Notices
	svc.DB = e.DB.DB.Session(&gorm.Session{Logger: rec})
	n, err := svc.Unread(e.Ctx, models.Actor{UserID: uid, Role: models.RoleBuyer})
	if err != nil || n != 5 {
		t.Fatalf("unread %d, %v; want 5", n, err)
	}
	if len(rec.sqls) != 1 {
		t.Fatalf("the count ran %d statements: %v", len(rec.sqls), rec.sqls)
	}
	var plan []byte
	if err := e.DB.Raw("EXPLAIN (FORMAT JSON) " + rec.sqls[0]).Row().Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if p := string(plan); strings.Contains(p, `"Seq Scan"`) || !strings.Contains(p, `"notifications_unread"`) {
		t.Fatalf("the count does not read the partial index:\n%s", p)
	}
	// The list pages by the (user_id, id) index too.
	rec.sqls = nil
	if _, err := svc.List(e.Ctx, models.Actor{UserID: uid, Role: models.RoleBuyer}, notices.Query{BeforeID: 1 << 40}); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.Raw("EXPLAIN (FORMAT JSON) " + rec.sqls[0]).Row().Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if p := string(plan); strings.Contains(p, `"Seq Scan"`) {
		t.Fatalf("the list scans the table:\n%s", p)
	}
}

// rivertypeRow is the row of a timer job run by hand (id 0: outside River).
var rivertypeRow = rivertype.JobRow{}
