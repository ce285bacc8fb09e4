package views

import (
	"context"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"lineescrow/models"
)

// TestRefLink: each kind of transfer reference leads to the operators' page
// of what it belongs to; anything else, or a malformed one, to nothing.
func TestRefLink(t *testing.T) {
	for ref, want := range map[string]string{
		"order:42":                   "/ops/orders/42",
		"payout:PO0123456789ABCDEF":  "/ops/payouts?id=PO0123456789ABCDEF",
		"bank:B20261129000123":       "/ops/events?txn=B20261129000123",
		"bank:B 1&x=<y>":             "/ops/events?txn=B+1%26x%3D%3Cy%3E", // the bank's ids are escaped, whatever they hold
		"user:7":                     "/ops/users?id=7",
		"clawback:3":                 "/ops/clawbacks?all=1",
		"bill:BP0123456789ABCDEF":    "/ops/bills/BP0123456789ABCDEF",
		"bill:BP1/../x":              "",
		"order:0":                    "",
		"order:-1":                   "",
		"order:007":                  "",
		"order:7x":                   "",
		"order:99999999999999999999": "",
		"user:abc":                   "",
		"order:":                     "",
		"payout:":                    "",
		"order":                      "",
		"":                           "",
		"test":                       "",
		"seller:4:available":         "",
		"//evil.example:1":           "",
	} {
		if got := RefLink(ref); got != want {
			t.Errorf("RefLink(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestWaited(t *testing.T) {
	zh := WithInfo(context.Background(), &Info{Lang: Chinese})
	for _, c := range []struct {
		d      time.Duration
		en, zh string
	}{
		{-time.Second, "less than a minute", "不到一分钟"},
		{59 * time.Second, "less than a minute", "不到一分钟"},
		{7*time.Minute + 30*time.Second, "7 min", "7 分钟"},
		{5*time.Hour + 12*time.Minute, "5 h 12 min", "5 小时 12 分钟"},
		{24*time.Hour + 59*time.Minute, "1 d 0 h", "1 天 0 小时"},
		{3*24*time.Hour + 4*time.Hour + 59*time.Minute, "3 d 4 h", "3 天 4 小时"},
	} {
		if got := Waited(context.Background(), c.d); got != c.en {
			t.Errorf("Waited(%v) = %q, want %q", c.d, got, c.en)
		}
		if got := Waited(zh, c.d); got != c.zh {
			t.Errorf("Waited(%v) in Chinese = %q, want %q", c.d, got, c.zh)
		}
	}
}

// TestBooksPageSaysWhatHolds: the dashboard writes the zero sum out and
// says which invariant is broken.
func TestBooksPageSaysWhatHolds(t *testing.T) {
	m := models.MustParseMoney
	vm := BooksVM{Kinds: []KindLine{{Kind: "asset", Total: m("105.00")}, {Kind: "liability", Total: m("104.40")},
		{Kind: "revenue", Total: m("0.60")}, {Kind: "expense"}, {Kind: "equity"}}, TotalsAt: time.Now()}
	doc := booksDoc(t, vm)
	if got := doc.Find(`[data-testid="zero-sum"] .muted`).Text(); got != "Assets ¥105.00 + Expenses ¥0.00 − Liabilities ¥104.40 − Revenue ¥0.60 − Equity ¥0.00 = ¥0.00" {
		t.Errorf("zero sum written %q", got)
	}
	if doc.Find(`.badge.err`).Length() != 0 || doc.Find(`[data-testid="check-books"]`).Length() != 1 {
		t.Error("sound books shown as broken, or no way to check them")
	}
	vm.ZeroSum = m("3.00")
	vm.Negative = []NegativeLine{{Code: "wallet:7", Balance: models.Zero.Sub(m("3.00"))}}
	vm.Checked, vm.Findings = true, "constrained account wallet:7 is negative"
	doc = booksDoc(t, vm)
	if got := doc.Find(`[data-testid="zero-sum"] .badge.err`).Text(); got != "Off by ¥3.00" {
		t.Errorf("zero sum badge %q", got)
	}
	if got := doc.Find(`[data-testid="negative"]`).Text(); got != "wallet:7 -¥3.00" {
		t.Errorf("negative accounts %q", got)
	}
	if doc.Find(`[data-testid="books-broken"]`).Text() != vm.Findings {
		t.Error("the findings are not shown")
	}
}

func booksDoc(t *testing.T, vm BooksVM) *goquery.Document {
	t.Helper()
	return docOf(t, &Info{Lang: English, Path: "/ops/books"}, BooksPage(vm))
}
