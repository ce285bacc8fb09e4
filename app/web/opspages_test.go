package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// TestSuspenseSearchAndAssign: the operator finds the order an unmatched
// transfer belongs to by the buyer's name on the page (a GET form, no
// JavaScript), assigns it with the result's button, and the order is paid
// from suspense; the API's read twin finds the same.
func TestSuspenseSearchAndAssign(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	o := e.Checkout(e.Buyer2, e.Listing("66.00", 3), 1)
	txn := e.Credit("66.00", "Li Na pays")
	op := (&env{t: t, ts: e.ts}).browser()
	op.login(e.Operator.Login, ptest.Password)

	p := op.get("/ops/suspense")
	card := p.find(`[data-testid="suspense-` + txn + `"]`)
	if p.status != 200 || card.Find(`[data-testid="find-form"] input[name="q"]`).Length() != 1 || card.Find(`input[name="order_id"]`).Length() != 0 {
		t.Fatalf("the queue: %d, search form %d", p.status, card.Find(`[data-testid="find-form"]`).Length())
	}
	p = op.get("/ops/suspense?txn=" + url.QueryEscape(txn) + "&q=" + url.QueryEscape("x"))
	if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-q"]`) == "" {
		t.Fatalf("a one-letter search: %d %q", p.status, p.text(`[data-testid="error-q"]`))
	}
	// htmx swaps only successful answers: its request gets the hint in the results' place.
	p = op.do("GET", "/ops/suspense?txn="+url.QueryEscape(txn)+"&q=x", nil, "HX-Request", "true")
	if p.status != 200 || !strings.Contains(p.text(`[data-testid="suspense-`+txn+`"] [data-testid="candidates"]`), "at least two characters") {
		t.Fatalf("a one-letter live search: %d %q", p.status, p.text(`[data-testid="candidates"]`))
	}
	p = op.get("/ops/suspense?txn=" + url.QueryEscape(txn) + "&q=" + url.QueryEscape("li na") + "&note=" + url.QueryEscape("she phoned"))
	cand := p.find(fmt.Sprintf(`[data-testid="suspense-%s"] [data-testid="candidate-order-%d"]`, txn, o.ID))
	if p.status != 200 || cand.Length() != 1 {
		t.Fatalf("search by name: %d, candidates %q", p.status, p.text(`[data-testid="candidates"]`))
	}
	if txt := cand.Text(); !strings.Contains(txt, "¥66.00") || !strings.Contains(txt, "Li Na") || !strings.Contains(txt, models.GroupReference(o.PayReference)) {
		t.Errorf("the order candidate reads %q", txt)
	}
	buyer := p.find(fmt.Sprintf(`[data-testid="candidate-buyer-%d"]`, e.Buyer2.ID))
	if buyer.Length() != 1 || !strings.Contains(buyer.Text(), "139****9000") || strings.Contains(buyer.Text(), "13900139000") {
		t.Errorf("the buyer candidate reads %q", buyer.Text())
	}
	note, _ := cand.Find(`input[name="note"]`).Attr("value")
	action, _ := cand.Attr("action")
	if note != "she phoned" || action != "/ops/suspense/"+txn+"/assign" {
		t.Fatalf("the candidate's form: action %s note %q", action, note)
	}

	// The API finds the same, by the order's reference.
	tok := e.token(t, e.Operator)
	code, body, _ := e.api(t, "GET", "/api/v1/ops/suspense/"+txn+"/candidates?q="+url.QueryEscape(o.PayReference), tok, "", nil)
	orders, _ := body["orders"].([]any)
	if code != 200 || len(orders) != 1 || orders[0].(map[string]any)["order_id"] != float64(o.ID) || body["amount"] != "66.00" {
		t.Fatalf("the API's search: %d %v", code, body)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/ops/suspense/"+txn+"/candidates?q=li", e.token(t, e.Buyer), "", nil); code != 403 {
		t.Fatalf("a buyer searches: %d", code)
	}

	form := url.Values{"order_id": {fmt.Sprint(o.ID)}, "note": {note}}
	if p := op.post(action, form); p.status != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if got := e.Order(o.ID); got.State != models.Paid || got.Held.String() != "66.00" {
		t.Fatalf("the order after the assignment: %s held %s", got.State, got.Held)
	}
	if s, esc := e.Balance(models.AccSuspense), e.Balance(models.EscrowAccount(o.ID)); s != "0.00" || esc != "66.00" {
		t.Fatalf("suspense %s, escrow %s", s, esc)
	}
	// The search of a transfer no longer in suspense shows the queue as it is.
	if p := op.get("/ops/suspense?txn=" + url.QueryEscape(txn) + "&q=li"); p.status != 200 || p.find(`[data-testid="suspense-`+txn+`"]`).Length() != 0 {
		t.Fatalf("after the assignment: %d", p.status)
	}
	// The bank events page says where the money went, linked to the order.
	p = op.get("/ops/events?txn=" + url.QueryEscape(txn))
	where := p.find(`[data-testid="bank-events"] [data-testid="where"] a`)
	href, _ := where.Attr("href")
	if p.status != 200 || href != fmt.Sprintf("/ops/orders/%d", o.ID) || !strings.Contains(where.Text(), "¥66.00") ||
		p.find(`[data-testid="raw"] pre`).Length() != 1 || !strings.Contains(p.text(`[data-testid="bank-events"] tbody tr`), "Li Na pays") {
		t.Fatalf("the event: %d where %q → %s", p.status, where.Text(), href)
	}
	// The audit log says who assigned what to which order, with the note.
	p = op.get("/ops/audit?target=" + url.QueryEscape("bank:"+txn))
	entry := p.find(`[data-testid="audit-entry"]`)
	if entry.Length() != 1 || !strings.Contains(entry.Find(`[data-testid="audit-what"]`).Text(), "Assigned an unmatched transfer to an order") ||
		!strings.Contains(entry.Find(`[data-field="note"]`).Text(), "she phoned") || !strings.Contains(entry.Find(`[data-testid="audit-who"]`).Text(), "Operator") {
		t.Fatalf("the audit entry: %q", entry.Text())
	}
	if h, _ := entry.Find(`[data-field="order_id"] a`).Attr("href"); h != fmt.Sprintf("/ops/orders/%d", o.ID) {
		t.Errorf("the entry's order links to %q", h)
	}
}

// TestOneNamePerQueue: every entry of the operators' menu opens a page
// whose heading is the entry's own words, in both languages.
func TestOneNamePerQueue(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	op := (&env{t: t, ts: e.ts}).browser()
	op.login(e.Operator.Login, ptest.Password)
	for _, lang := range []string{"en", "zh-CN"} {
		op.lang = lang
		home := op.get("/ops")
		links := home.find(`nav a`)
		if links.Length() < 15 {
			t.Fatalf("%s: the menu has %d entries", lang, links.Length())
		}
		names := map[string]string{}
		for i := range links.Nodes {
			a := links.Eq(i)
			href, _ := a.Attr("href")
			names[href] = strings.TrimSpace(a.Text())
		}
		for _, must := range []string{"/ops/suspense", "/ops/events", "/ops/flags", "/ops/disputes", "/ops/clawbacks"} {
			if names[must] == "" {
				t.Errorf("%s: %s is not in the menu", lang, must)
			}
		}
		for href, name := range names {
			p := op.get(href)
			if p.status != 200 {
				t.Errorf("%s %s: %d", lang, href, p.status)
				continue
			}
			if h1 := p.text("main h1"); h1 != name {
				t.Errorf("%s: the menu says %q, the page %s says %q", lang, name, href, h1)
			}
		}
	}
}
