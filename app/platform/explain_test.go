package platform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"lineescrow/app/audit"
	"lineescrow/app/auth"
	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/app/payouts"
	"lineescrow/app/platform"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/risk"
	"lineescrow/models"
)

// recorder is a gorm logger that keeps every statement run, with its values.
type recorder struct {
	mu   sync.Mutex
	sqls []string
}

func (r *recorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *recorder) Info(context.Context, string, ...any)     {}
func (r *recorder) Warn(context.Context, string, ...any)     {}
func (r *recorder) Error(context.Context, string, ...any)    {}
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sqls
	r.sqls = nil
	return s
}
func (r *recorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	r.mu.Lock()
	r.sqls = append(r.sqls, sql)
	r.mu.Unlock()
}

// seed fills the database as a year of a busy city would: 100,000 orders
// and what goes with them.
func seed(t *testing.T, db *gorm.DB) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO users (role, login, display_name, password_hash)
			SELECT 'buyer', '138' || lpad(i::text, 8, '0'),
				chr(19968 + (i * 7919) % 20000) || chr(19968 + (i * 104729) % 20000) || chr(19968 + ((i::bigint * 1299709) % 20000)::int), 'x'
			FROM generate_series(1, 20000) i`,
		`INSERT INTO users (role, login, display_name, password_hash)
			SELECT 'seller', '137' || lpad(i::text, 8, '0'), 'Seller ' || i, 'x' FROM generate_series(1, 200) i`,
		`INSERT INTO sellers (user_id, shop_name, legal_name, bank_account, bank_holder)
			SELECT id, 'Shop ' || display_name, display_name, '6217000011112222', display_name FROM users
			WHERE role = 'seller' AND NOT EXISTS (SELECT 1 FROM sellers s WHERE s.user_id = users.id)`,
		`INSERT INTO listings (seller_id, title, description, price, stock)
			SELECT (SELECT user_id FROM sellers ORDER BY user_id OFFSET (i % 200) LIMIT 1),
				'牡丹花茶 Peony tea no. ' || i, 'Heze tea, lot ' || i, 10 + i % 90, 100 FROM generate_series(1, 5000) i`,
		`INSERT INTO orders (buyer_id, seller_id, listing_id, title, unit_price, quantity, amount, state, held, released,
				pay_reference, consignee_name, consignee_phone, consignee_address, paid_at, completed_at, closed_at)
			SELECT u.id, l.seller_id, l.id, l.title, l.price, 1, l.price,
				CASE WHEN i % 10 < 3 THEN 'awaiting_payment' WHEN i % 10 < 8 THEN 'completed' ELSE 'closed' END,
				0, CASE WHEN i % 10 BETWEEN 3 AND 7 THEN l.price ELSE 0 END,
				'9' || lpad(i::text, 8, '0'), u.display_name, u.login, 'Heze, Mudan district, road ' || i,
				CASE WHEN i % 10 BETWEEN 3 AND 7 THEN now() END, CASE WHEN i % 10 BETWEEN 3 AND 7 THEN now() END,
				CASE WHEN i % 10 >= 8 THEN now() END
			FROM generate_series(1, 100000) i
			JOIN users u ON u.login = '138' || lpad((1 + i % 20000)::text, 8, '0')
			JOIN listings l ON l.id = (SELECT min(id) FROM listings) + i % 5000`,
		`INSERT INTO order_events (order_id, actor_role, kind) SELECT id, 'buyer', 'order.created' FROM orders`,
		`INSERT INTO audit_log (actor_role, action, target) SELECT 'operator', 'user.freeze', 'user:' || (i % 20000) FROM generate_series(1, 30000) i`,
		`INSERT INTO bank_events (webhook_id, type, payload, status, received_at)
			SELECT 'evt_seed_' || i, 'transfer.received', jsonb_build_object('data', jsonb_build_object('bank_txn_id', 'BSEED' || i, 'amount', '1.00')), 'processed', now() - i * interval '1 minute' FROM generate_series(1, 200000) i`,
		`INSERT INTO bank_credits (bank_txn_id, amount, reference, outcome) SELECT 'BSEED' || i, 1, '', 'suspense' FROM generate_series(1, 200000) i`,
		`INSERT INTO risk_flags (kind, detail, status) SELECT 'timer_failed', '{}', 'resolved' FROM generate_series(1, 10000) i`,
		// A wallet for every buyer (balances zero, as no money moved), payouts
		// by the thousand, a year of reconciliations with their cleared breaks.
		`INSERT INTO ledger_accounts (code, kind, constrained, shards)
			SELECT 'wallet:' || id, 'liability', true, 1 FROM users WHERE role = 'buyer' ON CONFLICT (code) DO NOTHING`,
		`INSERT INTO ledger_balances (account_id, shard, constrained)
			SELECT id, 0, true FROM ledger_accounts a WHERE code LIKE 'wallet:%'
			AND NOT EXISTS (SELECT 1 FROM ledger_balances b WHERE b.account_id = a.id)`,
		`INSERT INTO payouts (id, user_id, source, amount, beneficiary_account, beneficiary_name, memo, state, created_at, settled_at)
			SELECT 'POSEED' || lpad(i::text, 12, '0'), s.user_id, 'seller:' || s.user_id || ':available', 10 + i % 90, '6217000011112222',
				'Seller', '', CASE WHEN i % 500 = 0 THEN 'sent' WHEN i % 50 = 0 THEN 'failed' ELSE 'succeeded' END,
				now() - i * interval '1 minute', CASE WHEN i % 500 <> 0 THEN now() - i * interval '1 minute' + interval '1 hour' END
			FROM generate_series(1, 30000) i JOIN sellers s ON s.user_id = (SELECT user_id FROM sellers ORDER BY user_id OFFSET (i % 200) LIMIT 1)`,
		`INSERT INTO recon_runs (day, status, finished_at, lines, matched, breaks) SELECT current_date - i, 'clean', now(), 100, 100, 0
			FROM generate_series(1, 3000) i`,
		`INSERT INTO recon_breaks (run_id, day, kind, bank_txn_id, status, cleared_at)
			SELECT r.id, r.day, 'unknown_line', 'BSEED' || r.id || '-' || i, 'cleared', now() FROM recon_runs r, generate_series(1, 5) i`,
		`VACUUM ANALYZE`, // as autovacuum would have: statistics, and GIN pending lists flushed
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("seed: %v\n%s", err, q)
		}
	}
	// As the periodic job would have: the totals summed.
	if err := ledger.RefreshTotals(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

// TestHotPathsReadIndexes drives every page's service call on a database of
// 100,000 orders and asks PostgreSQL how it runs each statement: none may
// scan a whole large table.
func TestHotPathsReadIndexes(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	seed(t, e.DB.DB)
	rec := &recorder{}
	traced := *e.DB
	traced.DB = e.DB.DB.Session(&gorm.Session{Logger: rec})
	p, err := platform.New(ptest.Config(t), &traced, ptest.Quiet, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buyer, seller models.User
	e.DB.Where("login = '13800000042'").Take(&buyer)
	e.DB.Where("login = '13700000007'").Take(&seller)
	var someOrder models.Order
	e.DB.Where("buyer_id = ?", buyer.ID).Order("id").Take(&someOrder)
	ctx, op := e.Ctx, e.Operator.Actor()
	b, s := buyer.Actor(), seller.Actor()

	calls := map[string]func() error{
		"buyer's orders":        func() error { _, err := p.Orders.List(ctx, b, orders.Query{}); return err },
		"buyer's unpaid orders": func() error { _, err := p.Orders.List(ctx, b, orders.Query{State: "awaiting_payment"}); return err },
		"seller's orders":       func() error { _, err := p.Orders.List(ctx, s, orders.Query{}); return err },
		"all orders":            func() error { _, err := p.Orders.List(ctx, op, orders.Query{}); return err },
		"disputes":              func() error { _, err := p.Orders.List(ctx, op, orders.Query{State: "disputed"}); return err },
		"order by phone":        func() error { _, err := p.Orders.List(ctx, op, orders.Query{Search: buyer.Login}); return err },
		"order by reference": func() error {
			_, err := p.Orders.List(ctx, op, orders.Query{Search: someOrder.PayReference})
			return err
		},
		"order by number": func() error {
			_, err := p.Orders.List(ctx, op, orders.Query{Search: fmt.Sprint(someOrder.ID)})
			return err
		},
		"order page":           func() error { _, err := p.Orders.Get(ctx, b, someOrder.ID); return err },
		"order timeline":       func() error { _, _, err := p.Orders.Timeline(ctx, b, someOrder.ID); return err },
		"order page, buyer":    func() error { _, err := p.Orders.OrderPage(ctx, b, someOrder.ID); return err },
		"order page, operator": func() error { _, err := p.Orders.OrderPage(ctx, op, someOrder.ID); return err },
		"shop":                 func() error { _, err := p.Orders.Listings(ctx, models.Anonymous, orders.ListingQuery{}); return err },
		"shop search": func() error {
			_, err := p.Orders.Listings(ctx, models.Anonymous, orders.ListingQuery{Search: "Peony tea no. 4711"})
			return err
		},
		"shop search, Chinese": func() error {
			_, err := p.Orders.Listings(ctx, models.Anonymous, orders.ListingQuery{Search: "牡丹花茶"})
			return err
		},
		"seller's listings": func() error {
			_, err := p.Orders.Listings(ctx, s, orders.ListingQuery{SellerID: seller.ID})
			return err
		},
		"seller's dashboard":  func() error { _, err := p.Sellers.Dashboard(ctx, s); return err },
		"seller's money":      func() error { _, err := p.Sellers.Money(ctx, s); return err },
		"operator overview":   func() error { _, err := p.Funding.OverviewOf(ctx, op); return err },
		"books overview":      func() error { _, err := p.Books.Overview(ctx, op); return err },
		"ledger accounts":     func() error { _, err := p.Books.Accounts(ctx, op); return err },
		"escrow movements":    func() error { _, err := p.Books.Movements(ctx, op, "escrow:*"); return err },
		"bank events":         func() error { _, err := p.Funding.Events(ctx, op, 200); return err },
		"suspense queue":      func() error { _, err := p.Funding.Credits(ctx, op, true, 200); return err },
		"credits of an order": func() error { _, err := p.Funding.CreditsOfOrder(ctx, someOrder.ID); return err },
		"risk flags":          func() error { _, err := p.Risk.List(ctx, op, risk.Query{OpenOnly: true}); return err },
		"flags of an order":   func() error { _, err := p.Risk.List(ctx, op, risk.Query{OrderID: someOrder.ID}); return err },
		"claw-backs":          func() error { _, err := p.Clawbacks.List(ctx, op, false); return err },
		"audit by target":     func() error { _, err := p.Audit.List(ctx, op, audit.Filter{Target: "user:42"}); return err },
		"audit by action":     func() error { _, err := p.Audit.List(ctx, op, audit.Filter{Action: "user.pay"}); return err },
		"audit by actor": func() error {
			_, err := p.Audit.List(ctx, op, audit.Filter{ActorID: e.Operator.ID})
			return err
		},
		"users by name": func() error {
			_, err := p.Auth.ListUsers(ctx, op, auth.UserQuery{Search: buyer.DisplayName})
			return err
		},
		"users by number": func() error { _, err := p.Auth.ListUsers(ctx, op, auth.UserQuery{Search: "13800001"}); return err },
		"wallet":          func() error { _, err := p.Funding.WalletOf(ctx, b); return err },
		"books dashboard": func() error { _, err := p.Books.DashboardOf(ctx, op, false); return err },
		"payouts queue":   func() error { _, err := p.Payouts.QueueOf(ctx, op, payouts.QueueQuery{}); return err },
		"payouts waiting": func() error {
			_, err := p.Payouts.QueueOf(ctx, op, payouts.QueueQuery{OpenOnly: true})
			return err
		},
		"one payout": func() error {
			_, err := p.Payouts.QueueOf(ctx, op, payouts.QueueQuery{ID: "POSEED000000000042"})
			return err
		},
		"reconciliation report": func() error { _, err := p.Recon.ReportOf(ctx, op); return err },
		"bank events of a transaction": func() error {
			_, err := p.Funding.EventsOf(ctx, op, "B20261129000123")
			return err
		},
		"user by id":       func() error { _, err := p.Auth.ListUsers(ctx, op, auth.UserQuery{ID: buyer.ID}); return err },
		"wallet movements": func() error { _, err := p.Books.Movements(ctx, op, "wallet:*"); return err },
	}
	big := map[string]bool{}
	var rels []struct {
		Relname string
		N       float64
	}
	e.DB.Raw(`SELECT relname, reltuples AS n FROM pg_class WHERE relkind = 'r' AND reltuples > 5000`).Scan(&rels)
	for _, r := range rels {
		big[r.Relname] = true
	}
	if !big["orders"] || !big["audit_log"] {
		t.Fatalf("the seed did not make large tables: %v", big)
	}
	for name, call := range calls {
		rec.take()
		if err := call(); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, sql := range rec.take() {
			head := strings.ToUpper(strings.TrimSpace(sql))
			if !strings.HasPrefix(head, "SELECT") && !strings.HasPrefix(head, "WITH") {
				continue
			}
			var plan []byte
			if err := e.DB.Raw("EXPLAIN (FORMAT JSON) " + sql).Row().Scan(&plan); err != nil {
				t.Errorf("%s: explain: %v\n%s", name, err, sql)
				continue
			}
			for _, rel := range seqScans(t, plan) {
				if big[rel] {
					var lines []string
					e.DB.Raw("EXPLAIN ANALYZE " + sql).Scan(&lines)
					t.Errorf("%s scans all of %s:\n%s\n%s", name, rel, sql, strings.Join(lines, "\n"))
				}
			}
		}
	}
}

// seqScans returns the relations a plan reads with a sequential scan.
func seqScans(t *testing.T, plan []byte) []string {
	var doc []struct {
		Plan map[string]any `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &doc); err != nil || len(doc) == 0 {
		t.Fatalf("plan: %v", err)
	}
	var out []string
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if n["Node Type"] == "Seq Scan" {
			rel, _ := n["Relation Name"].(string)
			out = append(out, rel)
		}
		kids, _ := n["Plans"].([]any)
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				walk(m)
			}
		}
	}
	walk(doc[0].Plan)
	return out
}
