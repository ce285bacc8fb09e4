package funding_test

import (
	"fmt"
	"strings"
	"testing"

	"lineescrow/app/funding"
	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// typo changes one digit of a reference (so its check digit fails).
func typo(ref string) string {
	b := []byte(ref)
	b[4] = '0' + (b[4]-'0'+3)%10
	return string(b)
}

// TestSuspenseCandidates: an operator finds where an unmatched transfer
// belongs by the buyer's name, phone, an order number, a reference (or one
// with a typo); without a search, the transfer suggests its own candidates.
func TestSuspenseCandidates(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	op := e.Operator.Actor()
	l := e.Listing("88.00", 20)
	mine := e.Checkout(e.Buyer, l, 1)   // 张伟's, awaiting 88.00
	other := e.Checkout(e.Buyer2, l, 2) // Li Na's, awaiting 176.00
	txn := e.Credit("88.00", "for "+typo(mine.PayReference))

	ids := func(c *funding.Candidates) (orders, buyers []int64) {
		for _, o := range c.Orders {
			orders = append(orders, o.OrderID)
		}
		for _, b := range c.Buyers {
			buyers = append(buyers, b.UserID)
		}
		return
	}
	has := func(l []int64, id int64) bool {
		for _, x := range l {
			if x == id {
				return true
			}
		}
		return false
	}

	// No search: the typo'd memo, the amount and the payer's name (张伟)
	// all point at the buyer's order.
	sug, err := e.Funding.SuspenseCandidates(e.Ctx, op, txn, "")
	if err != nil {
		t.Fatal(err)
	}
	o, b := ids(sug)
	if !sug.Suggested || len(o) != 1 || o[0] != mine.ID || sug.Orders[0].Why != "near_reference" || !has(b, e.Buyer.ID) || has(o, other.ID) {
		t.Fatalf("suggestions = %+v", sug)
	}
	if sug.Amount.String() != "88.00" {
		t.Fatalf("amount in suspense = %s", sug.Amount)
	}

	for _, c := range []struct {
		q             string
		orders        []int64
		buyers        []int64
		notOrders     []int64
		firstOrderWhy string
	}{
		{q: "王五", buyers: nil},
		{q: "Li N", buyers: []int64{e.Buyer2.ID}, orders: []int64{other.ID}, notOrders: []int64{mine.ID}, firstOrderWhy: "buyer"},
		{q: "张伟", buyers: []int64{e.Buyer.ID}, orders: []int64{mine.ID}, notOrders: []int64{other.ID}},
		{q: "139 0013 9000", buyers: []int64{e.Buyer2.ID}, orders: []int64{other.ID}}, // phone, with spaces
		{q: "0013 8", buyers: []int64{e.Buyer.ID}},                                    // part of a phone
		{q: fmt.Sprintf("#%d", other.ID), orders: []int64{other.ID}, firstOrderWhy: "order_number"},
		{q: models.GroupReference(other.PayReference), orders: []int64{other.ID}, notOrders: []int64{mine.ID}, firstOrderWhy: "reference"},
		{q: typo(other.PayReference), orders: []int64{other.ID}, firstOrderWhy: "near_reference"},
		{q: "nobody%_", buyers: nil, orders: nil},
	} {
		got, err := e.Funding.SuspenseCandidates(e.Ctx, op, txn, c.q)
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		o, b := ids(got)
		if got.Suggested {
			t.Errorf("%q: marked suggested", c.q)
		}
		for _, id := range c.orders {
			if !has(o, id) {
				t.Errorf("%q: order %d not found in %v", c.q, id, o)
			}
		}
		for _, id := range c.notOrders {
			if has(o, id) {
				t.Errorf("%q: order %d found in %v", c.q, id, o)
			}
		}
		for _, id := range c.buyers {
			if !has(b, id) {
				t.Errorf("%q: buyer %d not found in %v", c.q, id, b)
			}
		}
		if c.buyers == nil && len(b) > 0 {
			t.Errorf("%q: buyers %v", c.q, b)
		}
		if c.firstOrderWhy != "" && (len(got.Orders) == 0 || got.Orders[0].Why != c.firstOrderWhy) {
			t.Errorf("%q: orders %+v, want the first found by %s", c.q, got.Orders, c.firstOrderWhy)
		}
		for _, bc := range got.Buyers {
			if strings.Contains(bc.PhoneMasked, "0013") || !strings.Contains(bc.PhoneMasked, "****") {
				t.Errorf("%q: phone not masked: %q", c.q, bc.PhoneMasked)
			}
		}
	}
	// Sellers and operators are never candidates for a balance.
	if got, _ := e.Funding.SuspenseCandidates(e.Ctx, op, txn, "王建国"); len(got.Buyers) != 0 {
		t.Errorf("a seller is a candidate: %+v", got.Buyers)
	}

	if _, err := e.Funding.SuspenseCandidates(e.Ctx, op, txn, "x"); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("a one-letter search: %v", err)
	}
	for _, who := range []models.Actor{e.Buyer.Actor(), e.Seller.Actor(), models.Anonymous, {}} {
		if _, err := e.Funding.SuspenseCandidates(e.Ctx, who, txn, "张伟"); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v searches: %v", who, err)
		}
	}
	if _, err := e.Funding.SuspenseCandidates(e.Ctx, op, "no-such-txn", "张伟"); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("unknown transaction: %v", err)
	}
	// Once assigned it is no longer anyone's to search for.
	if err := e.Funding.AssignToOrder(e.Ctx, op, txn, mine.ID, "found by the typo"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Funding.SuspenseCandidates(e.Ctx, op, txn, "张伟"); models.ErrorCode(err) != models.ECONFLICT {
		t.Errorf("after the assignment: %v", err)
	}
}

// TestEventsSayWhereTheMoneyWent: each bank event carries its payer,
// amount and memo and where the ledger put its money, now: an order's
// escrow, a balance, suspense (and after an assignment, where it went);
// a repeat of the same transfer moved nothing; an unreadable one is for review.
func TestEventsSayWhereTheMoneyWent(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	op := e.Operator.Actor()
	o := e.Checkout(e.Buyer, e.Listing("50.00", 5), 1)
	paid := e.Credit("60.00", o.PayReference) // 50.00 to escrow, 10.00 to the wallet
	ref, err := e.Funding.TopUpReference(e.Ctx, e.Buyer2.ID)
	if err != nil {
		t.Fatal(err)
	}
	topup := e.Credit("8.00", ref)
	lost := e.Credit("15.00", "no idea")
	// The bank sends the top-up again under another webhook id.
	e.Deliver("evt_again", bankbridge.TransferReceived, bankbridge.Received{BankTxnID: topup, Amount: models.MustParseMoney("8.00"),
		Currency: "CNY", Reference: ref, PayerAccount: "6222020200112233", PayerName: "张伟", Channel: "phone_banking"})
	if _, err := e.Funding.Receive(e.Ctx, "evt_bad", []byte(`{"id":"evt_bad","type":"transfer.received","data":{"amount":12}}`)); err != nil {
		t.Fatal(err)
	}

	byTxn := func() map[string][]funding.Event {
		t.Helper()
		events, err := e.Funding.Events(e.Ctx, op, 50)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string][]funding.Event{}
		for _, ev := range events {
			m[ev.BankTxnID] = append(m[ev.BankTxnID], ev)
			if ev.WebhookID == "evt_bad" && (ev.Outcome != funding.EventRefused || len(ev.Where) != 0) {
				t.Errorf("unreadable event: %+v", ev)
			}
		}
		return m
	}
	m := byTxn()
	if ev := m[paid]; len(ev) != 1 || ev[0].Outcome != funding.EventBooked || ev[0].PayerName != "张伟" || ev[0].Amount == nil ||
		ev[0].Amount.String() != "60.00" || ev[0].Reference != o.PayReference || len(ev[0].Where) != 2 ||
		ev[0].Where[0].Kind != "escrow" || ev[0].Where[0].OrderID != o.ID || ev[0].Where[0].Amount.String() != "50.00" ||
		ev[0].Where[1].Kind != "wallet" || ev[0].Where[1].UserID != e.Buyer.ID || ev[0].Where[1].Name != "张伟" || ev[0].Where[1].Amount.String() != "10.00" {
		t.Fatalf("the order's payment: %+v", ev)
	}
	if ev := m[topup]; len(ev) != 2 {
		t.Fatalf("the top-up and its repeat: %+v", ev)
	} else {
		var booked, dup int
		for _, x := range ev {
			switch x.Outcome {
			case funding.EventBooked:
				booked++
				if len(x.Where) != 1 || x.Where[0].Kind != "wallet" || x.Where[0].UserID != e.Buyer2.ID || x.Where[0].Name != "Li Na" {
					t.Errorf("the top-up: %+v", x)
				}
			case funding.EventDuplicate:
				dup++
				if x.WebhookID != "evt_again" || x.DuplicateOf == "" || len(x.Where) != 0 {
					t.Errorf("the repeat: %+v", x)
				}
			}
		}
		if booked != 1 || dup != 1 {
			t.Errorf("the top-up's events: %+v", ev)
		}
	}
	if ev := m[lost]; len(ev) != 1 || len(ev[0].Where) != 1 || ev[0].Where[0].Kind != "suspense" || ev[0].Where[0].State != "open" {
		t.Fatalf("the unmatched transfer: %+v", ev)
	}
	// Assigned to the buyer's balance: the event now says where it went.
	if err := e.Funding.AssignToWallet(e.Ctx, op, lost, e.Buyer.ID, "phoned in"); err != nil {
		t.Fatal(err)
	}
	ev, err := e.Funding.EventsOf(e.Ctx, op, lost)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || len(ev[0].Where) != 1 || ev[0].Where[0].Kind != "wallet" || ev[0].Where[0].UserID != e.Buyer.ID || ev[0].Where[0].Amount.String() != "15.00" {
		t.Fatalf("after the assignment: %+v", ev)
	}
}
