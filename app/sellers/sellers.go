// Package sellers owns what a seller sees of their money: by stage (held in
// escrow for paid and shipped orders, waiting for the operator's collection,
// available), the orders waiting for them, the daily history behind the
// dashboard's chart, and the sales summaries of the last 7 and 30 days
// (Sales). Its two pages, Dashboard and Money, show a seller their
// own shop only and are EFORBIDDEN to anyone else.
//
// The history is a snapshot per seller and day (seller_balance_days), taken by
// a periodic job and read in O(days); today's point is always live. Reading a
// seller's whole posting history on every visit would grow without bound.
package sellers

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"lineescrow/app/ledger"
	"lineescrow/app/payouts"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Service reads sellers' money.
type Service struct {
	DB *gorm.DB
	// Read is the read replica the dashboard and statements read from while
	// it is fresh; nil: the primary. The money page, whose figures the
	// withdrawal form shows, reads the primary.
	Read *store.Replica
	Now  func() time.Time
	// Names gives the shop's name (auth).
	Names Names
	// Orders lists the seller's newest orders (orders).
	Orders RecentOrders
	// Payouts are the seller's withdrawals (payouts).
	Payouts Payouts
}

// Payouts reads a person's withdrawals.
type Payouts interface {
	Withdrawable(ctx context.Context, actor models.Actor) (models.Money, error)
	TotalsOf(ctx context.Context, userID int64) (payouts.Totals, error)
	List(ctx context.Context, actor models.Actor, q payouts.Query) ([]payouts.Payout, error)
}

// Names reads a shop's name. Errors: ENOTFOUND for no such seller.
type Names interface {
	ShopName(ctx context.Context, sellerID int64) (string, error)
}

// RecentOrders lists the newest orders an actor may see.
type RecentOrders interface {
	Recent(ctx context.Context, actor models.Actor, n int) ([]models.Order, error)
}

var errForbidden = models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")

// DashboardOrders is how many recent orders the dashboard lists.
const DashboardOrders = 8

// Dashboard is a seller's home page.
type Dashboard struct {
	ShopName string
	Stages   Stages
	Work     Work
	// History is the chart: nil when every day is zero.
	History []Day
	// Recent are the newest orders, up to DashboardOrders.
	Recent []models.Order
	// Sales are the summaries of the last 7 and 30 days (SalesWindows).
	Sales []Sales
}

// Dashboard returns the signed-in seller's dashboard.
//
// Errors: EFORBIDDEN unless actor is a seller.
func (s *Service) Dashboard(ctx context.Context, actor models.Actor) (*Dashboard, error) {
	if !actor.IsSeller() {
		return nil, errForbidden
	}
	id := actor.UserID
	var d Dashboard
	var err error
	if d.ShopName, err = s.Names.ShopName(ctx, id); err != nil {
		return nil, fmt.Errorf("dashboard of seller %d: %w", id, err)
	}
	// The figures from one snapshot, of the replica while it is fresh.
	err = store.Snapshot(ctx, s.Read.Or(ctx, s.DB), func(ctx context.Context) (err error) {
		if d.Stages, err = s.stagesOf(ctx, id); err != nil {
			return err
		}
		if d.Work, err = s.workOf(ctx, id); err != nil {
			return err
		}
		if d.History, err = s.history(ctx, id, d.Stages); err != nil {
			return err
		}
		d.Sales, err = s.salesOf(ctx, store.Reader(ctx, s.DB), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if d.Recent, err = s.Orders.Recent(ctx, actor, DashboardOrders); err != nil {
		return nil, fmt.Errorf("dashboard of seller %d: %w", id, err)
	}
	return &d, nil
}

// MaxMoves is how many movements Money returns.
const MaxMoves = 200

// Money is a seller's money page: by stage (with what is on its way to the
// seller's bank and what reached it), what can be withdrawn now, the orders
// behind the money held, the withdrawals, and the latest movements on the
// seller's own balances (up to MaxMoves, newest first).
type Money struct {
	Stages       Stages
	InPayout     models.Money // withdrawals sent, not settled
	PaidOut      models.Money // withdrawals paid
	Withdrawable models.Money // available, less what is owed for recalled payments
	// Account (masked) and Holder are where withdrawals are paid.
	Account, Holder string
	// HeldOrders are the orders whose escrow holds the seller's money, newest
	// first (up to MaxHeldOrders).
	HeldOrders []models.Order
	Payouts    []payouts.Payout
	Moves      []models.Movement
	// History is the chart over the last ChartDays days (nil when all zero).
	History []Day
}

// MaxHeldOrders is how many orders behind the held figure Money lists.
const MaxHeldOrders = 50

// Money returns the signed-in seller's money.
//
// Errors: EFORBIDDEN unless actor is a seller.
func (s *Service) Money(ctx context.Context, actor models.Actor) (*Money, error) {
	if !actor.IsSeller() {
		return nil, errForbidden
	}
	var m *Money
	err := store.Snapshot(ctx, s.DB, func(ctx context.Context) (err error) {
		m, err = s.money(ctx, actor)
		return err
	})
	return m, err
}

// money reads the seller's money page; Money runs it in one snapshot.
func (s *Service) money(ctx context.Context, actor models.Actor) (*Money, error) {
	id := actor.UserID
	var m Money
	var err error
	if m.Stages, err = s.stagesOf(ctx, id); err != nil {
		return nil, err
	}
	if m.History, err = s.history(ctx, id, m.Stages); err != nil {
		return nil, err
	}
	totals, err := s.Payouts.TotalsOf(ctx, id)
	if err != nil {
		return nil, err
	}
	m.InPayout, m.PaidOut = totals.InTransit, totals.PaidOut
	if m.Withdrawable, err = s.Payouts.Withdrawable(ctx, actor); err != nil {
		return nil, err
	}
	if m.Payouts, err = s.Payouts.List(ctx, actor, payouts.Query{Limit: 20}); err != nil {
		return nil, err
	}
	if err := store.Reader(ctx, s.DB).Raw("SELECT bank_account, bank_holder FROM sellers WHERE user_id = ?", id).
		Row().Scan(&m.Account, &m.Holder); err != nil {
		return nil, fmt.Errorf("payout account of seller %d: %w", id, err)
	}
	m.Account = models.MaskAccount(m.Account)
	if err := store.Reader(ctx, s.DB).Where("seller_id = ? AND "+models.HoldingSQL, id).Order("id DESC").Limit(MaxHeldOrders).
		Find(&m.HeldOrders).Error; err != nil {
		return nil, fmt.Errorf("held orders of seller %d: %w", id, err)
	}
	// Exactly this seller's accounts: "seller:4:" cannot match seller 42's.
	if m.Moves, err = ledger.Movements(ctx, store.Reader(ctx, s.DB), ledger.MovementQuery{Accounts: ownAccounts(id), Limit: MaxMoves}); err != nil {
		return nil, fmt.Errorf("money of seller %d: %w", id, err)
	}
	return &m, nil
}

// ownAccounts are a seller's own balances.
func ownAccounts(sellerID int64) []string {
	return []string{models.SellerPendingAccount(sellerID), models.SellerAvailableAccount(sellerID)}
}

// MaxStatementLines bounds a statement: a longer range is refused.
const MaxStatementLines = 10000

// Statement returns the movements on the seller's own balances from from to
// to (Asia/Shanghai days, both included), oldest first: the statement of
// account a seller downloads.
//
// Errors: EFORBIDDEN unless actor is a seller; EINVALID (fields from, to)
// for a range backwards, longer than a year, or with more than
// MaxStatementLines lines.
func (s *Service) Statement(ctx context.Context, actor models.Actor, from, to time.Time) ([]models.Movement, error) {
	if !actor.IsSeller() {
		return nil, errForbidden
	}
	from, end := midnight(from), midnight(to).AddDate(0, 0, 1)
	if !end.After(from) {
		return nil, models.FieldError("to", "The end must not be before the start.")
	}
	if end.Sub(from) > 366*24*time.Hour {
		return nil, models.FieldError("to", "A statement covers at most a year.")
	}
	moves, err := ledger.Movements(ctx, s.Read.Or(ctx, s.DB), ledger.MovementQuery{Accounts: ownAccounts(actor.UserID),
		From: from, To: end, Limit: MaxStatementLines + 1, Oldest: true})
	if err != nil {
		return nil, fmt.Errorf("statement of seller %d: %w", actor.UserID, err)
	}
	if len(moves) > MaxStatementLines {
		return nil, models.FieldError("from", "Too many movements for one statement: choose a shorter range.")
	}
	return moves, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Stages is a seller's money by stage.
type Stages struct {
	Held      models.Money `json:"held"`      // in escrow for paid and shipped orders
	Pending   models.Money `json:"pending"`   // released, waiting for the operator's collection
	Available models.Money `json:"available"` // can be withdrawn
}

// stagesOf returns a seller's money by stage, now.
func (s *Service) stagesOf(ctx context.Context, sellerID int64) (Stages, error) {
	var st Stages
	if err := store.Reader(ctx, s.DB).Raw(`SELECT coalesce(sum(held), 0) FROM orders
		WHERE seller_id = ? AND `+models.HoldingSQL, sellerID).Row().Scan(&st.Held); err != nil {
		return st, fmt.Errorf("held money of seller %d: %w", sellerID, err)
	}
	bals, err := ledger.Balances(ctx, store.Reader(ctx, s.DB), models.SellerPendingAccount(sellerID), models.SellerAvailableAccount(sellerID))
	if err != nil {
		return st, fmt.Errorf("money of seller %d: %w", sellerID, err)
	}
	st.Pending, st.Available = bals[models.SellerPendingAccount(sellerID)], bals[models.SellerAvailableAccount(sellerID)]
	return st, nil
}

// Work is what waits for the seller: orders to ship, refunds to answer,
// disputes open.
type Work struct {
	ToShip, Refunds, Disputes int
}

// workOf counts the seller's open work.
func (s *Service) workOf(ctx context.Context, sellerID int64) (Work, error) {
	var w Work
	err := store.Reader(ctx, s.DB).Raw(`SELECT
			count(*) FILTER (WHERE `+models.PhaseSQL(models.PhaseToShip)+`) AS to_ship,
			count(*) FILTER (WHERE `+models.PhaseSQL(models.PhaseRefund)+`) AS refunds,
			count(*) FILTER (WHERE `+models.PhaseSQL(models.PhaseDispute)+`) AS disputes
		FROM orders WHERE seller_id = ? AND `+models.HoldingSQL, sellerID).Scan(&w).Error
	if err != nil {
		return w, fmt.Errorf("work of seller %d: %w", sellerID, err)
	}
	return w, nil
}

// Day is one point of a seller's history: their money at the end of a day.
type Day struct {
	Day       time.Time    `json:"day"` // midnight, Asia/Shanghai
	Held      models.Money `json:"held"`
	Pending   models.Money `json:"pending"`
	Available models.Money `json:"available"`
}

// ChartDays is how many days the chart shows.
const ChartDays = 30

// history returns the seller's money at the end of each of the last
// ChartDays days, today's as it is now (the seller's stages, now); days
// before the first snapshot are zero. It returns nil when every day is zero.
func (s *Service) history(ctx context.Context, sellerID int64, now Stages) ([]Day, error) {
	today := midnight(s.now())
	first := today.AddDate(0, 0, -(ChartDays - 1))
	var rows []struct {
		Day                      time.Time
		Held, Pending, Available models.Money
	}
	if err := store.Reader(ctx, s.DB).Raw(`SELECT day, held, pending, available FROM seller_balance_days
		WHERE seller_id = ? AND day >= ? AND day < ? ORDER BY day`, sellerID, first.Format("2006-01-02"), today.Format("2006-01-02")).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("history of seller %d: %w", sellerID, err)
	}
	byDay := map[string]Day{}
	for _, r := range rows {
		byDay[r.Day.Format("2006-01-02")] = Day{Held: r.Held, Pending: r.Pending, Available: r.Available}
	}
	out := make([]Day, 0, ChartDays)
	seen, last := false, Day{}
	for d := first; !d.After(today); d = d.AddDate(0, 0, 1) {
		p, ok := byDay[d.Format("2006-01-02")]
		switch {
		case d.Equal(today):
			p = Day{Held: now.Held, Pending: now.Pending, Available: now.Available}
		case !ok && seen:
			p = last // no snapshot that day (the platform was down): nothing changed that it saw
		}
		p.Day = d
		if ok {
			seen, last = true, p
		}
		out = append(out, p)
	}
	for _, p := range out {
		if !p.Held.IsZero() || !p.Pending.IsZero() || !p.Available.IsZero() {
			return out, nil
		}
	}
	return nil, nil
}

func midnight(t time.Time) time.Time {
	t = t.In(models.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, models.Shanghai)
}

// Snapshot records every seller's money by stage as today's point
// (Asia/Shanghai): the last snapshot of a day stands for its end.
func (s *Service) Snapshot(ctx context.Context) error {
	day := midnight(s.now()).Format("2006-01-02")
	return s.DB.WithContext(ctx).Exec(`
		INSERT INTO seller_balance_days (seller_id, day, held, pending, available, taken_at)
		SELECT s.user_id, ?::date,
			coalesce((SELECT sum(o.held) FROM orders o WHERE o.seller_id = s.user_id AND o.`+models.HoldingSQL+`), 0),
			coalesce((SELECT sum(b.balance) FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
				WHERE a.code = 'seller:' || s.user_id || ':pending'), 0),
			coalesce((SELECT sum(b.balance) FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
				WHERE a.code = 'seller:' || s.user_id || ':available'), 0),
			now()
		FROM sellers s
		ON CONFLICT (seller_id, day) DO UPDATE SET held = EXCLUDED.held, pending = EXCLUDED.pending,
			available = EXCLUDED.available, taken_at = EXCLUDED.taken_at`, day).Error
}

// SnapshotArgs is the periodic job that takes the snapshot.
type SnapshotArgs struct{}

// Kind names the job.
func (SnapshotArgs) Kind() string { return "seller_snapshot" }

// SnapshotWorker runs SnapshotArgs.
type SnapshotWorker struct {
	river.WorkerDefaults[SnapshotArgs]
	Sellers *Service
}

// Work takes the snapshot.
func (w *SnapshotWorker) Work(ctx context.Context, _ *river.Job[SnapshotArgs]) error {
	return w.Sellers.Snapshot(ctx)
}
