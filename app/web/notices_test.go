package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

func TestNoticesPageAndBadge(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	seller := (&env{t: t, ts: e.ts}).browser()
	seller.login(e.Seller.Login, ptest.Password)
	if p := seller.get("/seller"); p.find(`[data-testid="unread-badge"]`).Length() != 0 || p.find(`[data-testid="notices-link"]`).Length() != 1 {
		t.Fatalf("before any notice: badge %q", p.text(`[data-testid="unread-badge"]`))
	}
	if p := seller.get("/notifications"); p.status != 200 || p.find(`[data-testid="empty"]`).Length() != 1 {
		t.Fatalf("empty centre: %d", p.status)
	}
	l := e.Listing("88.00", 5)
	o1 := e.Checkout(e.Buyer, l, 1)
	e.Credit("88.00", o1.PayReference)
	o2 := e.Checkout(e.Buyer, l, 1)
	e.Credit("88.00", o2.PayReference)

	p := seller.get("/seller")
	if got := p.text(`[data-testid="unread-badge"]`); got != "2" {
		t.Fatalf("the seller's badge says %q, want 2", got)
	}
	// The buyer's layout has a badge of its own (two "paid" notices).
	buyer := (&env{t: t, ts: e.ts}).browser()
	buyer.login(e.Buyer.Login, ptest.Password)
	if got := buyer.get("/orders").text(`[data-testid="unread-badge"]`); got != "2" {
		t.Fatalf("the buyer's badge says %q, want 2", got)
	}

	p = seller.get("/notifications")
	items := p.find(`[data-testid="notices"] li`)
	if items.Length() != 2 || p.find("li.notice.unread").Length() != 2 {
		t.Fatalf("%d notices, %d unread:\n%s", items.Length(), p.find("li.notice.unread").Length(), p.body)
	}
	first := items.First() // newest first: o2
	if want := fmt.Sprintf("New order %d (¥88.00) is paid.", o2.ID); !strings.Contains(first.Text(), want) {
		t.Fatalf("first notice %q, want %q", strings.TrimSpace(first.Text()), want)
	}
	action, _ := first.Find("form").Attr("action")
	// Opening it marks it read and leads to the order.
	r := seller.post(action, nil)
	if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != fmt.Sprintf("/seller/orders/%d", o2.ID) {
		t.Fatalf("open: %d → %q", r.status, loc)
	}
	p = seller.get("/notifications")
	if p.find("li.notice.unread").Length() != 1 || p.text(`[data-testid="unread-badge"]`) != "1" {
		t.Fatalf("after opening one: %d unread, badge %q", p.find("li.notice.unread").Length(), p.text(`[data-testid="unread-badge"]`))
	}

	// Someone else's notice: not found, and it stays unread.
	if r := buyer.post(action, nil); r.status != http.StatusNotFound {
		t.Fatalf("the buyer opened the seller's notice: %d", r.status)
	}
	second, _ := p.find(`[data-testid="notices"] li`).Eq(1).Find("form").Attr("action")
	if r := buyer.post(second, nil); r.status != http.StatusNotFound {
		t.Fatalf("the buyer opened the seller's other notice: %d", r.status)
	}
	if seller.get("/seller").text(`[data-testid="unread-badge"]`) != "1" {
		t.Fatal("the buyer's attempt changed the seller's notice")
	}

	// Mark all read.
	if r := seller.post("/notifications/read-all", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/notifications" {
		t.Fatalf("mark all: %d %q", r.status, r.header.Get("Location"))
	}
	p = seller.get("/notifications")
	if p.find("li.notice.unread").Length() != 0 || p.find(`[data-testid="unread-badge"]`).Length() != 0 {
		t.Fatal("still unread after marking all read")
	}
	if buyer.get("/orders").text(`[data-testid="unread-badge"]`) != "2" {
		t.Fatal("the seller's mark-all touched the buyer's notices")
	}

	// In Chinese.
	zh := (&env{t: t, ts: e.ts}).browser()
	zh.lang = "zh-CN"
	zh.login(e.Buyer.Login, ptest.Password)
	p = zh.get("/notifications")
	if want := fmt.Sprintf("您支付的 ¥88.00（订单 %d）已由平台担保", o2.ID); !strings.Contains(p.text(`[data-testid="notices"] li`), want) {
		t.Fatalf("Chinese notice %q", p.text(`[data-testid="notices"] li`))
	}
	if !strings.Contains(p.text(`[data-testid="notices-link"]`), "消息") {
		t.Fatalf("Chinese nav %q", p.text(`[data-testid="notices-link"]`))
	}
	if anon := (&env{t: t, ts: e.ts}).browser().get("/notifications"); anon.status != http.StatusSeeOther {
		t.Fatalf("anonymous: %d", anon.status)
	}
}

func TestNoticesPaging(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	ref, err := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 23 {
		e.Credit(fmt.Sprintf("%d.00", i+1), ref)
	}
	b := (&env{t: t, ts: e.ts}).browser()
	b.login(e.Buyer.Login, ptest.Password)
	p := b.get("/notifications")
	if n := p.find(`[data-testid="notices"] li`).Length(); n != 20 {
		t.Fatalf("first page: %d notices", n)
	}
	if got := p.text(`[data-testid="notices"] li`); !strings.Contains(got, "¥23.00 was added to your balance.") {
		t.Fatalf("newest first: %q", got)
	}
	older, ok := p.find(`[data-testid="older-notices"]`).Attr("href")
	if !ok {
		t.Fatal("no link to older notices")
	}
	p = b.get(older)
	if n := p.find(`[data-testid="notices"] li`).Length(); n != 3 || !strings.Contains(p.text(`[data-testid="notices"] li`), "¥3.00") {
		t.Fatalf("second page: %d notices, first %q", n, p.text(`[data-testid="notices"] li`))
	}
	if p.find(`[data-testid="older-notices"]`).Length() != 0 {
		t.Fatal("a link past the last page")
	}
	// A top-up's notice leads to the wallet.
	action, _ := p.find(`[data-testid="notices"] li form`).First().Attr("action")
	if r := b.post(action, nil); r.header.Get("Location") != "/wallet" {
		t.Fatalf("top-up leads to %q", r.header.Get("Location"))
	}
}

func TestNoticesAPI(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	seller, buyer, op := e.token(t, e.Seller), e.token(t, e.Buyer2), e.token(t, e.Operator)
	o := e.Checkout(e.Buyer, e.Listing("40.00", 1), 1)
	e.Credit("40.00", o.PayReference)

	code, body, _ := e.api(t, "GET", "/api/v1/notifications", seller, "", nil)
	list, _ := body["notices"].([]any)
	if code != 200 || body["unread"] != float64(1) || len(list) != 1 {
		t.Fatalf("list: %d %v", code, body)
	}
	n := list[0].(map[string]any)
	id := int64(n["id"].(float64))
	if n["kind"] != string(models.NoticeNewOrder) || n["order_id"] != float64(o.ID) || n["link"] != fmt.Sprintf("/seller/orders/%d", o.ID) ||
		!strings.HasPrefix(n["text"].(string), fmt.Sprintf("New order %d", o.ID)) || n["read_at"] != nil {
		t.Fatalf("notice %v", n)
	}
	// Others see none of it and cannot mark it.
	for _, tok := range []string{buyer, op} {
		if code, body, _ := e.api(t, "GET", "/api/v1/notifications", tok, "", nil); code != 200 || body["unread"] != float64(0) || len(body["notices"].([]any)) != 0 {
			t.Fatalf("someone else's list: %d %v", code, body)
		}
		if code, body, _ := e.api(t, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), tok, "", nil); code != 404 || errCode(body) != "not_found" {
			t.Fatalf("someone else marks it: %d %v", code, body)
		}
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/notifications", "", "", nil); code != 401 {
		t.Fatalf("without a token: %d", code)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/notifications/abc/read", seller, "", nil); code != 404 {
		t.Fatalf("a bad id: %d %v", code, body)
	}
	code, body, _ = e.api(t, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), seller, "", nil)
	if code != 200 || body["read_at"] == nil || body["id"] != float64(id) {
		t.Fatalf("mark read: %d %v", code, body)
	}
	if _, body, _ := e.api(t, "GET", "/api/v1/notifications", seller, "", nil); body["unread"] != float64(0) {
		t.Fatalf("after marking: %v", body)
	}
	// The buyer's: marked all at once.
	tok := e.token(t, e.Buyer)
	code, body, _ = e.api(t, "POST", "/api/v1/notifications/read-all", tok, "", nil)
	if code != 200 || body["marked"] != float64(1) {
		t.Fatalf("read all: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "POST", "/api/v1/notifications/read-all", tok, "", map[string]any{"x": 1}); code != 422 {
		t.Fatalf("read all with a field: %d %v", code, body)
	}
	if code, body, _ := e.api(t, "GET", "/api/v1/notifications?before=x", tok, "", nil); code != 422 {
		t.Fatalf("a bad before: %d %v", code, body)
	}
}
