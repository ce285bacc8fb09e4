package banksim

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"lineescrow/views"
)

// The simulator's page, opened from an order: the signed-in person's name is
// the payer's unless the link names one; after the transfer it says what was
// sent and links back to the order, and only to a page of this site.
func TestTransferPageSaysSentAndLinksBack(t *testing.T) {
	sim, _, _ := setup(t)
	h := sim.Handler()
	as := func(r *http.Request, name string) *http.Request {
		return r.WithContext(views.WithInfo(r.Context(), &views.Info{Lang: views.English, Viewer: &views.Viewer{ID: 1, Name: name}}))
	}
	doc := func(rec *httptest.ResponseRecorder) *goquery.Document {
		t.Helper()
		d, err := goquery.NewDocumentFromReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	get := func(target, viewer string) *goquery.Document {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, as(httptest.NewRequest("GET", target, nil), viewer))
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d", target, rec.Code)
		}
		return doc(rec)
	}
	val := func(d *goquery.Document, name string) string {
		v, _ := d.Find(`[name="` + name + `"]`).Attr("value")
		return v
	}

	d := get("/sim/bank/?amount=6.00&memo=912345678&back=%2Forders%2F7", "李娜")
	if val(d, "payer_name") != "李娜" || val(d, "amount") != "6.00" || val(d, "back") != "/orders/7" {
		t.Fatalf("prefilled payer %q, amount %q, back %q", val(d, "payer_name"), val(d, "amount"), val(d, "back"))
	}
	if d := get("/sim/bank/?payer_name=%E5%BC%A0%E4%BC%9F", "李娜"); val(d, "payer_name") != "张伟" {
		t.Fatalf("the link's payer name gave way to %q", val(d, "payer_name"))
	}
	if d.Find(`[data-testid="sim-sent"]`).Length() != 0 {
		t.Fatal("a transfer said sent before any was made")
	}

	post := func(back string) string {
		t.Helper()
		form := url.Values{"payer_account": {"6222020200112233"}, "payer_name": {"李娜"}, "amount": {"6.00"}, "memo": {"912345678"}, "back": {back}}
		req := httptest.NewRequest("POST", "/sim/bank/transfer", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, as(req, "李娜"))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("transfer: %d %s", rec.Code, rec.Body)
		}
		return rec.Header().Get("Location")
	}
	d = get(post("/orders/7"), "李娜")
	sent := d.Find(`[data-testid="sim-sent"]`)
	if !strings.Contains(sent.Text(), "¥6.00") || !strings.Contains(sent.Text(), "912345678") {
		t.Fatalf("sent box %q", sent.Text())
	}
	if href, _ := sent.Find(`[data-testid="sim-back"]`).Attr("href"); href != "/orders/7" {
		t.Fatalf("back link %q, want /orders/7", href)
	}
	if len(sim.Credits()) != 1 {
		t.Fatalf("%d credits, want 1", len(sim.Credits()))
	}
	for _, evil := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example"} {
		d := get(post(evil), "李娜")
		if d.Find(`[data-testid="sim-sent"]`).Length() != 1 || d.Find(`[data-testid="sim-back"]`).Length() != 0 {
			t.Errorf("back=%q: sent box %d, back link %d; want the box without a link", evil,
				d.Find(`[data-testid="sim-sent"]`).Length(), d.Find(`[data-testid="sim-back"]`).Length())
		}
	}
}
