package views

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"lineescrow/models"
)

func renderDoc(t *testing.T, lang Lang, c templ.Component) *goquery.Document {
	t.Helper()
	return docOf(t, &Info{Lang: lang, Path: "/", CSRF: "token", Viewer: &Viewer{ID: 20, Role: RoleSeller}}, c)
}

// TestOrderMoneyInPeoplesWords: a split order as its buyer reads it (both
// parts, no commission, no account code, in English and Chinese), as its
// seller reads it (gross, commission with its rate, net, where the net is)
// and as an operator (both, and the ledger's accounts).
func TestOrderMoneyInPeoplesWords(t *testing.T) {
	m := models.MustParseMoney
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	o := models.Order{ID: 7, BuyerID: 10, SellerID: 20, Title: "Peony tea", Quantity: 1, UnitPrice: m("80.00"), Amount: m("80.00"),
		State: models.Completed, Refund: models.RefundDisputed, Refunded: m("30.00"), Released: m("50.00"), Fee: m("1.00"),
		Funding: models.FundingBank, PaidAt: &now, CompletedAt: &now, CreatedAt: now}
	proceeds := models.SellerProceeds(o, models.ProceedsInput{Rate: models.RateOfFraction(decimal.RequireFromString("0.02")), Applied: true})
	ledger := []Movement{{At: now, Kind: "order.partial_refund", Ref: "escrow:order:7", Direction: "debit", Amount: m("80.00")},
		{At: now, Kind: "order.partial_refund", Ref: "revenue:fees", Direction: "credit", Amount: m("1.00")}}

	buyer := OrderVM{Order: o, Role: RoleBuyer, Base: "/orders/7", Form: NewForm(), Ledger: ledger, Money: OrderMoneyVM{Buyer: models.BuyerMoney(o)}}
	doc := renderDoc(t, English, OrderMoney(buyer))
	if got := doc.Find(`[data-testid=money-split_to_balance]`).Text(); got != "Split: ¥30.00 back to your balance and ¥50.00 to the seller." {
		t.Errorf("the buyer's split = %q", got)
	}
	text := doc.Text()
	for _, no := range []string{"¥1.00", "ommission", "escrow:order", "revenue:fees", "¥49.00"} {
		if strings.Contains(text, no) {
			t.Errorf("the buyer reads %q: %s", no, text)
		}
	}
	if zh := renderDoc(t, Chinese, OrderMoney(buyer)).Text(); !strings.Contains(zh, "部分退款：¥30.00 退回您的余额，¥50.00 支付给卖家。") || strings.Contains(zh, "佣金") {
		t.Errorf("the buyer in Chinese: %s", zh)
	}

	seller := buyer
	seller.Role, seller.Base, seller.Money = RoleSeller, "/seller/orders/7", OrderMoneyVM{Proceeds: &proceeds}
	doc = renderDoc(t, English, OrderMoney(seller))
	for sel, want := range map[string]string{"money-gross": "¥50.00", "money-fee": "− ¥1.00", "money-net": "¥49.00", "money-refunded-to-buyer": "¥30.00 was refunded to the buyer."} {
		if got := strings.TrimSpace(doc.Find(`[data-testid=` + sel + `]`).Text()); got != want {
			t.Errorf("seller's %s = %q, want %q", sel, got, want)
		}
	}
	if got := doc.Find(`dt`).Eq(1).Text(); got != "Platform commission (2.00%)" {
		t.Errorf("the commission's label = %q", got)
	}
	if w := doc.Find(`[data-testid=money-where]`); !strings.Contains(w.Text(), "The net is in your available money") || w.Find(`a[href="/seller/money"]`).Length() != 1 {
		t.Errorf("where the net is: %q", w.Text())
	}
	if doc.Find(`[data-testid=money-words] [data-code]`).Length() != 0 || doc.Find(`[data-testid=ledger]`).Length() != 0 {
		t.Error("the seller gets the buyer's lines or the ledger")
	}

	op := buyer
	op.Role, op.Money = RoleOperator, OrderMoneyVM{Buyer: models.BuyerMoney(o), Proceeds: &proceeds}
	doc = renderDoc(t, English, OrderMoney(op))
	if doc.Find(`[data-testid=money-split_to_balance]`).Length() != 1 || doc.Find(`[data-testid=money-net]`).Length() != 1 ||
		!strings.Contains(doc.Find(`[data-testid=ledger]`).Text(), "revenue:fees") {
		t.Errorf("the operator's money card: %s", doc.Text())
	}

	// A refund of an order paid by phone bill goes back to the bill.
	o.Released, o.Fee, o.Refunded, o.State, o.Funding = models.Zero, models.Zero, m("80.00"), models.Closed, models.FundingTelecom
	buyer.Money.Buyer = models.BuyerMoney(o)
	if got := renderDoc(t, English, OrderMoney(buyer)).Find(`[data-code]`).Text(); got != "¥80.00 was refunded to your phone bill." {
		t.Errorf("refund to the phone bill = %q", got)
	}
}

// TestWalletHistorySaysWhereTheMoneyWent: each line in words with a link to
// its order; no transfer references or account codes.
func TestWalletHistorySaysWhereTheMoneyWent(t *testing.T) {
	m := models.MustParseMoney
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	moves := []Movement{
		{At: at, Kind: "bank.credit.wallet", Ref: "user:10", Direction: "credit", Amount: m("200.00"), Delta: m("200.00")},
		{At: at, Kind: "order.pay", Ref: "order:42", Direction: "debit", Amount: m("80.00"), Delta: m("80.00").Neg()},
		{At: at, Kind: "order.partial_refund", Ref: "order:42", Direction: "credit", Amount: m("30.00"), Delta: m("30.00")},
		{At: at, Kind: "payout.request", Ref: "payout:PO1", Direction: "debit", Amount: m("100.00"), Delta: m("100.00").Neg()},
	}
	doc := renderDoc(t, English, WalletHistory(moves))
	var got []string
	doc.Find(`[data-testid=wallet-words]`).Each(func(_ int, s *goquery.Selection) {
		got = append(got, strings.TrimSpace(s.Text())+" → "+s.Find("a").AttrOr("href", ""))
	})
	want := []string{
		"Your bank transfer, to your balance → ",
		"From your balance into escrow for order 42 → /orders/42",
		"Part of order 42 refunded to your balance; the rest was paid to the seller → /orders/42",
		"Withdrawn to your bank account → ",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("wallet lines:\n got %q\nwant %q", got, want)
	}
	if text := doc.Text(); strings.Contains(text, "order:42") || strings.Contains(text, "payout:") || strings.Contains(text, "user:10") {
		t.Errorf("the wallet shows references: %s", text)
	}
	if doc.Find(`caption`).Length() != 1 || doc.Find(`th[scope=col]`).Length() != 3 {
		t.Error("the history table has no caption or column headers")
	}
	if zh := renderDoc(t, Chinese, WalletHistory(moves)).Text(); !strings.Contains(zh, "从余额付入订单 42 的担保") {
		t.Errorf("in Chinese: %s", zh)
	}
}

// TestMoneyChartHasAxesATextAndATable: the SVG names itself and sums up the
// figures, labels amounts in ¥ from ¥0 to a round top and dates from the
// first day to the last; its stacked bars add up to each day's total; the
// table beside it has a caption, column and row headers, and every day.
func TestMoneyChartHasAxesATextAndATable(t *testing.T) {
	m := models.MustParseMoney
	var points []ChartPoint
	for i := 0; i < 30; i++ {
		points = append(points, ChartPoint{Day: fmt.Sprintf("11-%02d", i+1), Held: models.FromFen(int64(i) * 1000), Pending: m("5.00"),
			Available: models.FromFen(int64(i) * 2000)})
	}
	points[20].Held = m("900.00") // the highest day: 900 + 5 + 400
	doc := renderDoc(t, English, moneyChart(points))
	svg := doc.Find(`svg[data-testid=money-chart]`)
	if svg.AttrOr("role", "") != "img" {
		t.Error("the chart is not an image to screen readers")
	}
	if got := svg.AttrOr("aria-label", ""); got != "Your money each day from 11-01 to 11-30. Today: ¥290.00 held in escrow, ¥5.00 waiting for the operator to collect, ¥580.00 available. Highest: ¥1,305.00 on 11-21." {
		t.Errorf("aria-label = %q", got)
	}
	var amounts, dates []string
	svg.Find(`[data-testid=chart-amount]`).Each(func(_ int, s *goquery.Selection) { amounts = append(amounts, s.Text()) })
	svg.Find(`[data-testid=chart-date]`).Each(func(_ int, s *goquery.Selection) { dates = append(dates, s.Text()) })
	if fmt.Sprint(amounts) != "[¥0 ¥500 ¥1,000 ¥1,500]" {
		t.Errorf("amount axis = %v", amounts)
	}
	if fmt.Sprint(dates) != "[11-01 11-08 11-15 11-22 11-30]" {
		t.Errorf("date axis = %v", dates)
	}
	// Heights: the plot is 120 units for ¥1,500, so day 21's bar is
	// 1305 × 120 / 1500 = 104 units (each part rounded down on its edge).
	g := svg.Find("g").Eq(20)
	h := 0
	g.Find("rect").Each(func(_ int, s *goquery.Selection) {
		var n int
		fmt.Sscan(s.AttrOr("height", "0"), &n)
		h += n
	})
	if h < 103 || h > 104 {
		t.Errorf("day 21's bar is %d units high, want 104", h)
	}
	tbl := doc.Find(`table[data-testid=chart-table]`)
	if tbl.Find("caption").Text() != "Your money by day" || tbl.Find(`th[scope=col]`).Length() != 4 || tbl.Find(`tbody th[scope=row]`).Length() != 30 {
		t.Errorf("the chart's table: %s", tbl.Text())
	}
	if row := tbl.Find("tbody tr").Eq(20).Text(); !strings.Contains(row, "11-21") || !strings.Contains(row, "¥900.00") || !strings.Contains(row, "¥400.00") {
		t.Errorf("day 21's row = %q", row)
	}
	if wrap := tbl.Parent(); wrap.AttrOr("tabindex", "") != "0" || wrap.AttrOr("role", "") != "region" {
		t.Error("the scrolling table cannot be reached by keyboard")
	}
}

func TestChartStep(t *testing.T) {
	for top, want := range map[int64]int64{0: 100, 1: 1, 399: 100, 400: 100, 401: 200, 130500: 50000, 2_000_000: 500_000, 2_000_001: 1_000_000} {
		if got := chartStep(top); got != want {
			t.Errorf("chartStep(%d) = %d, want %d", top, got, want)
		}
	}
}

// TestSalesSummaryTable: both windows side by side, each figure in its cell.
func TestSalesSummaryTable(t *testing.T) {
	m := models.MustParseMoney
	sales := []SalesVM{
		{Days: 7, PaidOrders: 3, Paid: m("170.00"), SettledOrders: 3, Gross: m("150.00"), Commission: m("2.00"), Net: m("148.00"), Refunds: m("80.00"), Refunded: 2},
		{Days: 30, PaidOrders: 4, Paid: m("370.00"), SettledOrders: 5, Gross: m("650.00"), Commission: m("7.00"), Net: m("643.00")},
	}
	doc := renderDoc(t, English, SalesSummary(sales))
	for sel, want := range map[string]string{"sales-7-paid-orders": "3", "sales-7-gross": "¥150.00", "sales-7-commission": "− ¥2.00",
		"sales-7-net": "¥148.00", "sales-7-refunds": "¥80.00 (2 orders)", "sales-30-settled": "5", "sales-30-paid": "¥370.00", "sales-30-refunds": "¥0.00"} {
		if got := strings.Join(strings.Fields(doc.Find(`[data-testid=`+sel+`]`).Text()), " "); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if got := doc.Find(`thead th[scope=col]`).Text(); got != "Last 7 daysLast 30 days" {
		t.Errorf("columns = %q", got)
	}
	if doc.Find(`tbody th[scope=row]`).Length() != 7 {
		t.Error("rows without headers")
	}
	if zh := renderDoc(t, Chinese, SalesSummary(sales)).Text(); !strings.Contains(zh, "近 7 天") || !strings.Contains(zh, "（2 笔）") {
		t.Errorf("in Chinese: %s", zh)
	}
	if renderDoc(t, English, SalesSummary(nil)).Find("table").Length() != 0 {
		t.Error("an empty summary is shown")
	}
}
