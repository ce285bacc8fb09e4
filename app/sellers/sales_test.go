package sellers_test

import (
	"fmt"
	"testing"
	"time"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// TestSalesSummaryOfAHandComputedFixture runs real trades at chosen moments
// around the windows' first midnights (Asia/Shanghai) — confirmations, a
// whole refund, a split decided by an operator, a commission change, an
// unpaid order, a held one, another seller's — and checks the 7- and 30-day
// summaries against figures computed by hand; then the order pages' money in
// words for the same orders.
func TestSalesSummaryOfAHandComputedFixture(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	if err := e.Sellers.SetCommission(e.Ctx, e.Operator.Actor(), e.Seller.ID, mustRate(t, "1")); err != nil {
		t.Fatal(err)
	}
	// The report is read at 10:00 in Shanghai on a day far enough ahead
	// that every step below happens after the clock's start.
	d := e.Clock.Now().In(models.Shanghai).AddDate(0, 0, 40)
	today := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, models.Shanghai)
	w7, w30 := today.AddDate(0, 0, -6), today.AddDate(0, 0, -29)
	at := func(when time.Time) {
		t.Helper()
		if when.Before(e.Clock.Now()) {
			t.Fatalf("the fixture goes back in time to %s", when)
		}
		e.Clock.Advance(when.Sub(e.Clock.Now()))
	}
	paid := func(price string) *models.Order {
		t.Helper()
		o := e.Checkout(e.Buyer, e.Listing(price, 1), 1)
		e.Credit(price, o.PayReference)
		return o
	}
	step := func(o *models.Order, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ship := func(o *models.Order) {
		t.Helper()
		step(e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF Express", fmt.Sprintf("SF%013d", o.ID)))
	}
	confirm := func(o *models.Order) {
		t.Helper()
		step(e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN))
	}

	at(w30.AddDate(0, 0, -3))
	c, dd := paid("300.00"), paid("400.00") // paid before both windows
	ship(c)
	ship(dd)
	at(w30.AddDate(0, 0, -2))
	a := paid("100.00")
	ship(a)
	at(w30.Add(-time.Second))
	confirm(dd) // settles one second before the 30 days: in neither window
	at(w30)
	confirm(c) // on the 30 days' first instant: in the 30 days
	at(w7.AddDate(0, 0, -1))
	b := paid("200.00") // paid in the 30 days
	ship(b)
	at(w7.Add(-time.Second))
	confirm(b) // one second before the 7 days: in the 30 days only
	at(w7)
	confirm(a) // on the 7 days' first instant: in both
	at(w7.Add(time.Hour))
	ee := paid("50.00") // refunded whole today
	at(w7.Add(2 * time.Hour))
	f := paid("80.00") // split by an operator yesterday
	ship(f)
	step(e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), f.ID, models.MustParseMoney("80.00"), "broken"))
	step(e.Orders.RefuseRefund(e.Ctx, e.Seller.Actor(), f.ID, "it was fine when it left"))
	step(e.Orders.Escalate(e.Ctx, e.Buyer.Actor(), f.ID))
	at(today.AddDate(0, 0, -1))
	if err := e.Sellers.SetCommission(e.Ctx, e.Operator.Actor(), e.Seller.ID, mustRate(t, "2")); err != nil {
		t.Fatal(err)
	}
	step(e.Orders.Decide(e.Ctx, e.Operator.Actor(), f.ID, models.DecideSplit, models.MustParseMoney("30.00"), "half broken"))
	at(today.Add(time.Hour))
	h := paid("40.00")                           // paid today, still held
	e.Checkout(e.Buyer, e.Listing("9.00", 1), 1) // never paid
	at(today.Add(9 * time.Hour))
	step(e.Orders.RequestRefund(e.Ctx, e.Buyer.Actor(), ee.ID, models.MustParseMoney("50.00"), "changed my mind"))
	step(e.Orders.AcceptRefund(e.Ctx, e.Seller.Actor(), ee.ID, ptest.PIN))
	// Another seller's trade, settled today: not in this seller's figures.
	other := e.User("13700137000", models.RoleSeller, "Other seller")
	ol, err := e.Orders.CreateListing(e.Ctx, other.Actor(), models.ListingInput{Title: "Other tea", Description: "tea", Price: "70.00", Stock: "1"})
	if err != nil {
		t.Fatal(err)
	}
	oo := e.Checkout(e.Buyer2, ol, 1)
	e.Credit("70.00", oo.PayReference)
	step(e.Orders.Ship(e.Ctx, other.Actor(), oo.ID, "SF Express", "SF7000000001000"))
	step(e.Orders.Confirm(e.Ctx, e.Buyer2.Actor(), oo.ID, ptest.PIN))
	at(today.Add(10 * time.Hour))

	dash, err := e.Sellers.Dashboard(e.Ctx, e.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if len(dash.Sales) != 2 {
		t.Fatalf("%d summaries, want 2", len(dash.Sales))
	}
	// By hand, at 1 % until yesterday and 2 % since:
	//   7 days: paid ee 50 + f 80 + h 40; settled a (100, fee 1.00),
	//     ee (refund 50), f (split: 50 released, fee 1.00, refund 30).
	//   30 days: paid b 200 as well; settled c (300, fee 3.00) and
	//     b (200, fee 2.00) as well; dd (one second early) in neither.
	want := []string{
		fmt.Sprintf("7 days from %s: paid 3 ¥170.00; settled 3: gross 150.00 commission 2.00 net 148.00; refunds 80.00 in 2",
			w7.Format(time.RFC3339)),
		fmt.Sprintf("30 days from %s: paid 4 ¥370.00; settled 5: gross 650.00 commission 7.00 net 643.00; refunds 80.00 in 2",
			w30.Format(time.RFC3339)),
	}
	for i, s := range dash.Sales {
		got := fmt.Sprintf("%d days from %s: paid %d ¥%s; settled %d: gross %s commission %s net %s; refunds %s in %d",
			s.Days, s.From.In(models.Shanghai).Format(time.RFC3339), s.PaidOrders, s.Paid, s.SettledOrders, s.Gross, s.Commission, s.Net, s.Refunds, s.RefundedOrders)
		if got != want[i] {
			t.Errorf("summary %d:\n got %s\nwant %s", i, got, want[i])
		}
		if !s.To.Equal(today.AddDate(0, 0, 1)) {
			t.Errorf("summary %d ends %s, want the midnight after today", i, s.To)
		}
	}
	od, err := e.Sellers.Dashboard(e.Ctx, other.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if s := od.Sales[0]; s.SettledOrders != 1 || s.Gross.String() != "70.00" || s.PaidOrders != 1 {
		t.Errorf("the other seller's 7 days = %+v", s)
	}

	// The same orders' pages, in words: the seller's proceeds at each
	// order's own rate, the buyer's lines without the commission.
	proceeds := func(o *models.Order) string {
		t.Helper()
		p, err := e.Orders.OrderPage(e.Ctx, e.Seller.Actor(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Buyer != nil {
			t.Errorf("order %d: the seller gets the buyer's lines", o.ID)
		}
		q := p.Proceeds
		return fmt.Sprintf("%s %s%% known=%v %s %s %s expected=%v refunded %s", q.Where, q.Rate.Percent(), q.RateKnown, q.Gross, q.Commission, q.Net, q.Expected, q.RefundedToBuyer)
	}
	for _, tc := range []struct {
		o    *models.Order
		want string
	}{
		{a, "available 1% known=true 100.00 1.00 99.00 expected=false refunded 0.00"},
		{f, "available 2% known=true 50.00 1.00 49.00 expected=false refunded 30.00"},
		{ee, "nothing 0% known=false 0.00 0.00 0.00 expected=false refunded 50.00"},
		{h, "in_escrow_for_seller 2% known=true 40.00 0.80 39.20 expected=true refunded 0.00"},
	} {
		if got := proceeds(tc.o); got != tc.want {
			t.Errorf("order %d's proceeds = %s, want %s", tc.o.ID, got, tc.want)
		}
	}
	lines := func(o *models.Order) string {
		t.Helper()
		p, err := e.Orders.OrderPage(e.Ctx, e.Buyer.Actor(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Proceeds != nil {
			t.Errorf("order %d: the buyer gets the seller's proceeds", o.ID)
		}
		out := ""
		for _, l := range p.Buyer {
			out += l.Code + " " + l.Amount.String()
			if l.ToSeller != nil {
				out += " seller " + l.ToSeller.String()
			}
			out += ";"
		}
		return out
	}
	for _, tc := range []struct {
		o    *models.Order
		want string
	}{
		{a, "paid_to_seller 100.00;"},
		{f, "split_to_balance 30.00 seller 50.00;"},
		{ee, "refunded_to_balance 50.00;"},
		{h, "in_escrow 40.00;"},
	} {
		if got := lines(tc.o); got != tc.want {
			t.Errorf("order %d's buyer lines = %s, want %s", tc.o.ID, got, tc.want)
		}
	}
}

func mustRate(t *testing.T, percent string) models.Rate {
	t.Helper()
	r, err := models.ParseRatePercent("rate", percent)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
