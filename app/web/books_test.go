package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"lineescrow/app/ledger"
	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
	"lineescrow/views"
)

// statementBank serves one statement for every day.
type statementBank struct{ st bankbridge.Statement }

func (b *statementBank) Statement(_ context.Context, day string) (*bankbridge.Statement, error) {
	s := b.st
	s.Date = day
	return &s, nil
}

// books is a platform whose books have seen a sale, payouts waiting (one of
// them for 25 hours), paid and bounced, and a transfer nobody could match.
type books struct {
	*tradeEnv
	sold                  *models.Order
	stuck, waiting, paid  *payouts.Payout
	bounced               *payouts.Payout
	suspense, topup, sale string // bank transactions
}

func newBooks(t *testing.T) *books {
	t.Helper()
	e := newTradeEnv(t)
	e.Payouts.Bank = acceptingBank{}
	b := &books{tradeEnv: e}
	b.sold = e.Checkout(e.Buyer, e.Listing("200.00", 5), 1)
	b.sale = e.Credit("200.00", b.sold.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), b.sold.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), b.sold.ID, ptest.PIN); err != nil {
		t.Fatal(err) // 198.80 available to the seller
	}
	withdraw := func(amount string) *payouts.Payout {
		t.Helper()
		p, err := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney(amount), PayPassword: ptest.PIN})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	b.stuck, b.waiting, b.paid, b.bounced = withdraw("10.00"), withdraw("20.00"), withdraw("30.00"), withdraw("40.00")
	if err := e.DB.Exec("UPDATE payouts SET created_at = created_at - interval '25 hours' WHERE id = ?", b.stuck.ID).Error; err != nil {
		t.Fatal(err)
	}
	for _, p := range []*payouts.Payout{b.waiting, b.paid, b.bounced} {
		if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.Deliver("evt_paid", bankbridge.PayoutSucceeded, bankbridge.Payout{PayoutID: b.paid.ID, BankTxnID: "PB1", Amount: b.paid.Amount})
	e.Deliver("evt_bounced", bankbridge.PayoutFailed, bankbridge.Payout{PayoutID: b.bounced.ID, Amount: b.bounced.Amount, Reason: "account closed"})
	b.suspense = e.Credit("15.00", "nobody's reference")
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer2.ID)
	b.topup = e.Credit("8.00", ref)
	if err := ledger.RefreshTotals(e.Ctx, e.DB.DB); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *books) browser(t *testing.T, u *models.User) *browser {
	t.Helper()
	br := (&env{t: t, ts: b.ts}).browser()
	br.lang = "zh-CN"
	br.login(u.Login, ptest.Password)
	return br
}

// TestBooksPagesAreForOperatorsOnly: every new page and API route answers
// an operator, and refuses buyers and sellers (403) and nobody (the login
// page, 401).
func TestBooksPagesAreForOperatorsOnly(t *testing.T) {
	t.Parallel()
	e := newBooks(t)
	buyer, seller := e.browser(t, e.Buyer), e.browser(t, e.Seller)
	op := e.browser(t, e.Operator)
	anon := (&env{t: t, ts: e.ts}).browser()
	pages := []string{"/ops/books", "/ops/books?check=1", "/ops/books/journal", "/ops/recon", "/ops/payouts", "/ops/payouts?open=true",
		"/ops/payouts?id=" + e.paid.ID}
	for _, p := range pages {
		if pg := op.get(p); pg.status != 200 {
			t.Errorf("operator GET %s = %d", p, pg.status)
		}
		for name, br := range map[string]*browser{"buyer": buyer, "seller": seller} {
			if pg := br.get(p); pg.status != 403 {
				t.Errorf("%s GET %s = %d, want 403", name, p, pg.status)
			}
		}
		if pg := anon.get(p); pg.status != http.StatusSeeOther || !strings.HasPrefix(pg.header.Get("Location"), "/login") {
			t.Errorf("nobody GET %s = %d %s", p, pg.status, pg.header.Get("Location"))
		}
	}
	for name, br := range map[string]*browser{"buyer": buyer, "seller": seller} {
		if pg := br.post("/ops/recon/run", url.Values{"date": {"2026-01-01"}}); pg.status != 403 {
			t.Errorf("%s runs the reconciliation: %d", name, pg.status)
		}
		if pg := br.post("/ops/recon/breaks/1/clear", url.Values{"note": {"x"}}); pg.status != 403 {
			t.Errorf("%s clears a break: %d", name, pg.status)
		}
	}
	tokens := map[string]string{"buyer": e.token(t, e.Buyer), "seller": e.token(t, e.Seller)}
	opTok := e.token(t, e.Operator)
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/ops/books"}, {"GET", "/api/v1/ops/books/check"}, {"GET", "/api/v1/ops/books/journal"}, {"GET", "/api/v1/ops/recon"}, {"GET", "/api/v1/ops/payouts"},
		{"POST", "/api/v1/ops/recon/run"}, {"POST", "/api/v1/ops/recon/breaks/1/clear"},
	} {
		body := map[string]string{}
		if r.method == "POST" {
			body = map[string]string{"date": "2026-01-01"}
			if strings.HasSuffix(r.path, "/clear") {
				body = map[string]string{"note": "x"}
			}
		}
		for name, tok := range tokens {
			if code, _, _ := e.api(t, r.method, r.path, tok, "", body); code != 403 {
				t.Errorf("%s %s %s = %d, want 403", name, r.method, r.path, code)
			}
		}
		if code, _, _ := e.api(t, r.method, r.path, "", "", body); code != 401 {
			t.Errorf("nobody %s %s = %d, want 401", r.method, r.path, code)
		}
		if r.method == "GET" {
			if code, _, _ := e.api(t, r.method, r.path, opTok, "", nil); code != 200 {
				t.Errorf("operator %s %s = %d", r.method, r.path, code)
			}
		}
	}
	if n := e.Count("SELECT count(*) FROM recon_runs"); n != 0 {
		t.Fatalf("refused callers ran %d reconciliations", n)
	}
	if missing := views.Missing(); len(missing) > 0 {
		t.Fatalf("rendered in Chinese without a translation: %q", missing)
	}
}

// TestBooksDashboard: the totals by kind, their zero sum and the live
// check, on the page and in the API; the whole check when asked; the
// overview's queues and the navigation name each queue as its page does.
func TestBooksDashboard(t *testing.T) {
	t.Parallel()
	e := newBooks(t)
	op := e.browser(t, e.Operator)
	p := op.get("/ops/books")
	// bank 200 − 30 paid out + 15 + 8 = 193.00; fees 1.20; liabilities 191.80.
	for kind, want := range map[string]string{"asset": "¥193.00", "liability": "¥191.80", "revenue": "¥1.20", "expense": "¥0.00", "equity": "¥0.00"} {
		if got := p.text(`[data-testid="kind-` + kind + `"] .value`); got != want {
			t.Errorf("%s shown as %q, want %s", kind, got, want)
		}
	}
	if !strings.Contains(p.text(`[data-testid="zero-sum"]`), "= ¥0.00") || p.find(`[data-testid="zero-sum"] .badge.ok`).Length() != 1 {
		t.Errorf("zero sum: %q", p.text(`[data-testid="zero-sum"]`))
	}
	if p.find(`[data-testid="no-negative"] .badge.ok`).Length() != 1 || p.find(`[data-testid="kinds-at"]`).Length() != 1 {
		t.Errorf("live check:\n%s", p.text("main"))
	}
	if p.find(`[data-testid="books-ok"]`).Length() != 0 || p.find(`a[data-testid="check-books"][href="/ops/books?check=1"]`).Length() != 1 {
		t.Error("the whole check ran without being asked for")
	}
	if p := op.get("/ops/books?check=1"); p.find(`[data-testid="books-ok"]`).Length() != 1 {
		t.Errorf("the whole check:\n%s", p.text("main"))
	}
	code, body, _ := e.api(t, "GET", "/api/v1/ops/books", e.token(t, e.Operator), "", nil)
	kinds, _ := body["kinds"].([]any)
	if code != 200 || body["balanced"] != true || body["zero_sum"] != "0.00" || len(kinds) != 5 {
		t.Fatalf("API: %d %v", code, body)
	}
	if first, _ := kinds[0].(map[string]any); first["kind"] != "asset" || first["total"] != "193.00" {
		t.Fatalf("API kinds: %v", kinds)
	}

	// The journal's head: nothing sealed before the sealer runs, then the
	// same anchor on the page and in the API.
	if p.text(`[data-testid="journal-seq"]`) != "0" || p.find(`[data-testid="journal-anchor"]`).Length() != 0 {
		t.Errorf("journal before sealing:\n%s", p.text(`[data-testid="journal"]`))
	}
	if _, err := ledger.Seal(e.Ctx, e.DB.DB); err != nil {
		t.Fatal(err)
	}
	head, err := ledger.JournalHead(e.Ctx, e.DB.DB)
	if err != nil || head.Seq == 0 {
		t.Fatalf("head: %+v %v", head, err)
	}
	p = op.get("/ops/books")
	if p.text(`[data-testid="journal-anchor"]`) != head.Anchor() || p.text(`[data-testid="journal-seq"]`) != fmt.Sprint(head.Seq) {
		t.Errorf("journal on the page: %q, want %q", p.text(`[data-testid="journal"]`)+p.text(`[data-testid="journal-anchor"]`), head.Anchor())
	}
	_, body, _ = e.api(t, "GET", "/api/v1/ops/books", e.token(t, e.Operator), "", nil)
	if j, _ := body["journal"].(map[string]any); j["anchor"] != head.Anchor() || j["seq"] != float64(head.Seq) || j["unsealed"] != float64(0) {
		t.Fatalf("API journal: %v, want %s", body["journal"], head.Anchor())
	}
	// Its export: a file from the page's link, the same answer in the API.
	href, _ := p.find(`a[data-testid="journal-export"]`).Attr("href")
	file := op.get(href)
	var exported map[string]any
	if err := json.Unmarshal([]byte(file.body), &exported); err != nil || file.status != 200 ||
		!strings.HasPrefix(file.header.Get("Content-Disposition"), fmt.Sprintf(`attachment; filename="lineescrow-journal-head-%d.json"`, head.Seq)) {
		t.Fatalf("export %q: %d %v %v\n%s", href, file.status, file.header, err, file.body)
	}
	if exported["anchor"] != head.Anchor() || exported["hash"] != head.Hash || exported["digests_from"] != float64(1) ||
		exported["verify"] != "lineescrow ledger verify -head "+head.Anchor() {
		t.Fatalf("exported head: %v, want %s", exported, head.Anchor())
	}
	code, twin, _ := e.api(t, "GET", "/api/v1/ops/books/journal", e.token(t, e.Operator), "", nil)
	if code != 200 || twin["anchor"] != head.Anchor() || twin["seq"] != float64(head.Seq) || twin["transfer_id"] != float64(head.TransferID) {
		t.Fatalf("API export: %d %v", code, twin)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/ops/books/journal", e.token(t, e.Buyer), "", nil); code != 403 {
		t.Fatalf("a buyer reads the journal's head: %d", code)
	}

	// The overview counts the new queues, each under the name of its page.
	home := op.get("/ops")
	if home.text(`[data-testid="q-payouts"] .value`) != "2" || home.find(`[data-testid="q-payouts-stuck"]`).Length() != 1 ||
		home.text(`[data-testid="q-breaks"]`) != "0" {
		t.Fatalf("overview queues:\n%s", home.text(`[data-testid="queues"]`))
	}
	for _, path := range []string{"/ops/payouts", "/ops/recon", "/ops/suspense", "/ops/clawbacks", "/ops/books"} {
		nav := strings.TrimSpace(home.find(`[data-testid="nav"] a[href="` + path + `"]`).Text())
		h1 := op.get(path).text("h1")
		if nav == "" || nav != h1 {
			t.Errorf("%s: the menu says %q, the page %q", path, nav, h1)
		}
		if stat := home.find(`[data-testid="queues"] a[href="` + path + `"] .label`); stat.Length() == 1 && strings.TrimSpace(stat.Text()) != h1 {
			t.Errorf("%s: the overview says %q, the page %q", path, stat.Text(), h1)
		}
	}
	code, ov, _ := e.api(t, "GET", "/api/v1/ops/overview", e.token(t, e.Operator), "", nil)
	if code != 200 || ov["payouts"] != float64(2) || ov["stuck_payouts"] != float64(1) || ov["recon_breaks"] != float64(0) {
		t.Fatalf("API overview: %d %v", code, ov)
	}
	if missing := views.Missing(); len(missing) > 0 {
		t.Fatalf("rendered in Chinese without a translation: %q", missing)
	}
}

// TestReconThroughThePortalAndTheAPI: an operator runs a day from the page
// (a missing or bad date is refused beside the field, and nothing runs),
// sees its breaks in words, clears one (a note is required, beside that
// break's field) and does the same through the API.
func TestReconThroughThePortalAndTheAPI(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	yesterday := e.Clock.Now().UTC().AddDate(0, 0, -1)
	day := yesterday.Format("2006-01-02")
	at := time.Date(yesterday.Year(), yesterday.Month(), yesterday.Day(), 10, 0, 0, 0, time.UTC)
	o := e.Checkout(e.Buyer, e.Listing("60.00", 5), 1)
	e.Recon.Bank = &statementBank{st: bankbridge.Statement{ClosingBalance: models.MustParseMoney("59.00"), Lines: []bankbridge.StatementLine{
		{BankTxnID: "BMISSED", Direction: "credit", Amount: models.MustParseMoney("60.00"), Reference: o.PayReference,
			CounterpartyAccount: "6222020200112233", CounterpartyName: "张伟", BookedAt: at},
		{BankTxnID: "BFEE", Direction: "debit", Amount: models.MustParseMoney("1.00"), Reference: "bank fee",
			CounterpartyName: "菏泽工行", BookedAt: at.Add(time.Hour)},
	}}}
	op := (&env{t: t, ts: e.ts}).browser()
	op.lang = "zh-CN"
	op.login(e.Operator.Login, ptest.Password)

	p := op.get("/ops/recon")
	if v, _ := p.find(`[data-testid="recon-run"] input[name="date"]`).Attr("value"); v != day {
		t.Fatalf("the run form proposes %q, want yesterday %s", v, day)
	}
	for _, bad := range []string{"", "2026-13-01"} {
		p := op.post("/ops/recon/run", url.Values{"date": {bad}})
		if p.status != 422 || p.text(`[data-testid="recon-run"] [data-testid="error-date"]`) == "" {
			t.Fatalf("date %q: %d %s", bad, p.status, p.text("main"))
		}
		if v, _ := p.find(`[data-testid="recon-run"] input[name="date"]`).Attr("value"); v != bad {
			t.Errorf("the refused date is shown as %q, want %q", v, bad)
		}
	}
	if n := e.Count("SELECT count(*) FROM recon_runs"); n != 0 {
		t.Fatalf("%d runs from refused forms", n)
	}
	if p := op.post("/ops/recon/run", url.Values{"date": {day}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/ops/recon" {
		t.Fatalf("run: %d %s", p.status, p.header.Get("Location"))
	}
	p = op.get("/ops/recon")
	if !strings.Contains(p.text(`[data-testid="flash-success"]`), day) {
		t.Errorf("flash: %q", p.text(`[data-testid="flash-success"]`))
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("the missed credit was not booked: %s", got.State)
	}
	var fee, bal int64
	e.DB.Raw("SELECT id FROM recon_breaks WHERE kind = 'unknown_line'").Scan(&fee)
	e.DB.Raw("SELECT id FROM recon_breaks WHERE kind = 'balance_difference'").Scan(&bal)
	feeCard := fmt.Sprintf(`[data-testid="break-%d"]`, fee)
	if txt := p.text(feeCard + ` [data-testid="break-text"]`); !strings.Contains(txt, "¥1.00") || !strings.Contains(txt, "出账") {
		t.Errorf("the fee's words: %q", txt)
	}
	if txt := p.text(feeCard); !strings.Contains(txt, "bank fee") || !strings.Contains(txt, "BFEE") || !strings.Contains(txt, "菏泽工行") {
		t.Errorf("the fee's card: %q", txt)
	}
	if txt := p.text(fmt.Sprintf(`[data-testid="break-%d"] [data-testid="break-text"]`, bal)); !strings.Contains(txt, "¥59.00") || !strings.Contains(txt, "¥60.00") {
		t.Errorf("the balance's words: %q", txt)
	}
	if row := p.text(`[data-testid="recon-runs"] tbody tr`); !strings.Contains(row, day) || !strings.Contains(row, "¥59.00") || !strings.Contains(row, "¥60.00") {
		t.Errorf("the run: %q", row)
	}

	// Clearing without a note: refused beside that break's note, nothing cleared.
	clear := fmt.Sprintf("/ops/recon/breaks/%d/clear", fee)
	p = op.post(clear, url.Values{"note": {"  "}})
	if p.status != 422 || p.text(fmt.Sprintf(`[data-testid="clear-%d"] [data-testid="error-note"]`, fee)) == "" ||
		p.find(`[data-testid="error-note"]`).Length() != 1 {
		t.Fatalf("clear without a note: %d\n%s", p.status, p.text("main"))
	}
	if n := e.Count("SELECT count(*) FROM recon_breaks WHERE status = 'open'"); n != 2 {
		t.Fatalf("%d open breaks after a refused clear", n)
	}
	if p := op.post(clear, url.Values{"note": {"the bank's monthly fee, booked by finance"}}); p.status != http.StatusSeeOther {
		t.Fatalf("clear: %d", p.status)
	}
	if p := op.get("/ops/recon"); p.find(feeCard).Length() != 0 || p.find(fmt.Sprintf(`[data-testid="break-%d"]`, bal)).Length() != 1 {
		t.Fatal("the cleared break is still shown, or the other is not")
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action = 'recon.clear' AND target = ?", fmt.Sprintf("recon_break:%d", fee)); n != 1 {
		t.Fatal("clearing from the portal is not audited")
	}
	if p := op.post(clear, url.Values{"note": {"again"}}); p.status != 404 {
		t.Fatalf("clearing a cleared break: %d", p.status)
	}

	// The same through the API.
	tok := e.token(t, e.Operator)
	code, report, _ := e.api(t, "GET", "/api/v1/ops/recon", tok, "", nil)
	if runs, _ := report["runs"].([]any); code != 200 || len(runs) != 1 || report["yesterday"] != day {
		t.Fatalf("report: %d %v", code, report)
	}
	if breaks, _ := report["breaks"].([]any); len(breaks) != 1 {
		t.Fatalf("open breaks in the API: %v", report["breaks"])
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/ops/recon/run", tok, "", map[string]string{"date": "soon"}); code != 422 || errField(body) != "date" {
		t.Fatalf("API run with a bad date: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/ops/recon/run", tok, "", map[string]string{"day": day}); code != 422 {
		t.Fatalf("API run with an unknown field: %d %v", code, body)
	}
	code, run, _ := e.api(t, "POST", "/api/v1/ops/recon/run", tok, "rr-1", map[string]string{"date": day})
	if code != 200 || run["status"] != "breaks" || run["matched"] != float64(1) || run["booked"] != float64(0) {
		t.Fatalf("API run: %d %v", code, run)
	}
	code, again, h := e.api(t, "POST", "/api/v1/ops/recon/run", tok, "rr-1", map[string]string{"date": day})
	if code != 200 || h.Get("Idempotent-Replayed") != "true" || again["id"] != run["id"] {
		t.Fatalf("API run replayed: %d %v", code, again)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/ops/recon/run", tok, "rr-1", map[string]string{"date": "2026-01-01"}); code != 409 {
		t.Fatalf("the key again with another day: %d %v", code, body)
	}
	if n := e.Count("SELECT count(*) FROM recon_runs"); n != 2 {
		t.Fatalf("%d runs, want 2 (portal, API once)", n)
	}
	path := fmt.Sprintf("/api/v1/ops/recon/breaks/%d/clear", bal)
	if code, body, _ := e.api(t, "POST", path, tok, "", map[string]string{"note": ""}); code != 422 || errField(body) != "note" {
		t.Fatalf("API clear without a note: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", path, tok, "", map[string]string{"note": "the fee explains it"}); code != 200 || body["status"] != "cleared" {
		t.Fatalf("API clear: %d %v", code, body)
	}
	if code, _, _ := e.api(t, "POST", path, tok, "", map[string]string{"note": "again"}); code != 404 {
		t.Fatalf("API clear of a cleared break: %d", code)
	}
	if missing := views.Missing(); len(missing) > 0 {
		t.Fatalf("rendered in Chinese without a translation: %q", missing)
	}
}

func errField(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}

// TestPayoutsQueue: waiting payouts first, oldest first, with how long and
// the stuck badge; then the settled ones with the bank's reason; filtered to
// the waiting ones or to one payout; the same in the API.
func TestPayoutsQueue(t *testing.T) {
	t.Parallel()
	e := newBooks(t)
	op := e.browser(t, e.Operator)
	p := op.get("/ops/payouts")
	rows := p.find(`[data-testid="payouts-waiting"] tbody tr`)
	if rows.Length() != 2 || rows.Eq(0).AttrOr("data-testid", "") != "payout-"+e.stuck.ID || rows.Eq(1).AttrOr("data-testid", "") != "payout-"+e.waiting.ID {
		t.Fatalf("waiting rows:\n%s", p.text(`[data-testid="payouts-waiting"]`))
	}
	stuck := p.find(`[data-testid="payout-` + e.stuck.ID + `"]`)
	if stuck.Find(`[data-testid="stuck"]`).Length() != 1 || !strings.Contains(stuck.Text(), "1 天 0 小时") ||
		strings.TrimSpace(stuck.Find(`[data-testid="owner"]`).Text()) != e.Seller.DisplayName || !strings.Contains(stuck.Text(), "¥10.00") {
		t.Errorf("the stuck payout: %q", stuck.Text())
	}
	if p.find(`[data-testid="payout-`+e.waiting.ID+`"] [data-testid="stuck"]`).Length() != 0 {
		t.Error("a fresh payout is called stuck")
	}
	recent := p.find(`[data-testid="payouts-recent"] tbody tr`)
	if recent.Length() != 2 || recent.Eq(0).AttrOr("data-testid", "") != "payout-"+e.bounced.ID ||
		!strings.Contains(recent.Eq(0).Find(`[data-testid="reason"]`).Text(), "account closed") || recent.Eq(1).Find(`[data-testid="reason"]`).Length() != 0 {
		t.Errorf("settled rows:\n%s", p.text(`[data-testid="payouts-recent"]`))
	}
	if href, _ := stuck.Find(`a[data-testid="owner"]`).Attr("href"); href != fmt.Sprintf("/ops/users?id=%d", e.Seller.ID) {
		t.Errorf("owner links to %q", href)
	}
	if p := op.get("/ops/payouts?open=true"); p.find(`[data-testid="payouts-recent"]`).Length() != 0 || p.find(`[data-testid="payouts-waiting"] tbody tr`).Length() != 2 {
		t.Error("open=true shows the settled payouts")
	}
	if p := op.get("/ops/payouts?id=" + e.bounced.ID); p.find(`[data-testid^="payout-"]`).Length() != 1 || p.find(`[data-testid="payout-`+e.bounced.ID+`"]`).Length() != 1 {
		t.Errorf("one payout:\n%s", p.text("main"))
	}
	if p := op.get("/ops/payouts?id=PO0000000000000000"); p.status != 404 {
		t.Errorf("an unknown payout: %d", p.status)
	}

	tok := e.token(t, e.Operator)
	code, body, _ := e.api(t, "GET", "/api/v1/ops/payouts?open=true", tok, "", nil)
	waiting, _ := body["waiting"].([]any)
	recentAPI, _ := body["recent"].([]any)
	if code != 200 || len(waiting) != 2 || len(recentAPI) != 0 {
		t.Fatalf("API open: %d %v", code, body)
	}
	first, _ := waiting[0].(map[string]any)
	owner, _ := first["owner"].(map[string]any)
	if first["id"] != e.stuck.ID || first["stuck"] != true || first["waited_seconds"].(float64) < 24*3600 || owner["role"] != "seller" {
		t.Fatalf("API first waiting: %v", first)
	}
	code, body, _ = e.api(t, "GET", "/api/v1/ops/payouts", tok, "", nil)
	if recentAPI, _ = body["recent"].([]any); code != 200 || len(recentAPI) != 2 {
		t.Fatalf("API all: %d %v", code, body)
	}
	if r, _ := recentAPI[0].(map[string]any); r["reason"] != "account closed" || r["state"] != "failed" {
		t.Fatalf("API settled: %v", r)
	}
}

// TestLedgerExplorerLinks: each posting's transfer links to what it belongs
// to, and each link opens that thing: the order, the payout, the bank's
// events of the transaction, the user.
func TestLedgerExplorerLinks(t *testing.T) {
	t.Parallel()
	e := newBooks(t)
	op := e.browser(t, e.Operator)
	p := op.get("/ops/ledger?account=bank:collection")
	links := map[string]bool{}
	p.find(`[data-testid="ledger"] a[data-testid="ref-link"]`).Each(func(_ int, s *goquery.Selection) {
		links[s.AttrOr("href", "")] = true
	})
	want := map[string]string{
		fmt.Sprintf("/ops/orders/%d", e.sold.ID):     `[data-testid="order-title"]`,
		"/ops/payouts?id=" + e.paid.ID:               `[data-testid="payout-` + e.paid.ID + `"]`,
		"/ops/events?txn=" + e.suspense:              `[data-testid="events-txn"]`,
		fmt.Sprintf("/ops/users?id=%d", e.Buyer2.ID): fmt.Sprintf(`[data-testid="user-%d"]`, e.Buyer2.ID),
	}
	for href, sel := range want {
		if !links[href] {
			t.Errorf("no link to %s among %v", href, links)
			continue
		}
		target := op.get(href)
		if target.status != 200 {
			t.Errorf("%s = %d", href, target.status)
			continue
		}
		if target.find(sel).Length() != 1 {
			t.Errorf("%s does not show %s:\n%s", href, sel, target.text("main"))
		}
	}
	// The events page filtered to the transaction shows its event only.
	ev := op.get("/ops/events?txn=" + e.suspense)
	if rows := ev.find(`[data-testid="bank-events"] tbody tr`); rows.Length() != 1 || !strings.Contains(rows.Text(), "evt_"+e.suspense) {
		t.Errorf("events of %s:\n%s", e.suspense, ev.text("main"))
	}
	users := op.get(fmt.Sprintf("/ops/users?id=%d", e.Buyer2.ID))
	if users.find(`[data-testid="users"] tbody tr`).Length() != 1 || users.find(`[data-testid="users-one"]`).Length() != 1 {
		t.Errorf("users filtered:\n%s", users.text("main"))
	}
	if p := op.get("/ops/users?id=abc"); p.status != 422 {
		t.Errorf("a user number that is none: %d", p.status)
	}
	tok := e.token(t, e.Operator)
	if code, body, _ := e.api(t, "GET", "/api/v1/ops/events?txn="+e.suspense, tok, "", nil); code != 200 || len(body["events"].([]any)) != 1 {
		t.Errorf("API events of a transaction: %d %v", code, body)
	}
	code, body, _ := e.api(t, "GET", "/api/v1/ops/ledger?account=bank:collection", tok, "", nil)
	refs := map[string]bool{}
	for _, m := range body["movements"].([]any) {
		refs[m.(map[string]any)["ref"].(string)] = true
	}
	if code != 200 || !refs["payout:"+e.paid.ID] || !refs[fmt.Sprintf("order:%d", e.sold.ID)] || !refs["bank:"+e.suspense] {
		t.Errorf("API movements' refs: %v", refs)
	}
	if missing := views.Missing(); len(missing) > 0 {
		t.Fatalf("rendered in Chinese without a translation: %q", missing)
	}
}
