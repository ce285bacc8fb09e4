package funding_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// The model of where every yuan must be, in fen. It is written from
// PRODUCT.md and the funding package documentation, not from the code: the
// matching rules (exact, short, over, after close), and where a reversal
// takes the money back from (suspense; the escrow; of what left the escrow,
// the buyer's wallet for refunds, the seller and the commission for
// releases; the wallet it was credited to), what is missing being owed by
// the person who had it.

type mOrder struct {
	id                               int64
	ref                              string
	amount                           int64
	state                            models.OrderState
	held, refunded, released, fee    int64
	reversed                         int64
	usedRefund, usedRelease, usedFee int64
}

type mReversal struct {
	id     string
	amount int64
}

type mCredit struct {
	txn                                         string
	amount                                      int64
	returning                                   int64   // on its way back to the payer (a payout not sent yet)
	order                                       *mOrder // matched or assigned to this order
	toWallet                                    bool    // a top-up
	delivered                                   bool
	outcome                                     string
	toEscrow                                    int64
	toWallet_                                   int64
	toSuspense                                  int64
	revEscrow, revWallet, revSuspense, reversed int64
	suspense                                    string // "", open, return_requested, assigned, reversed
	waiting                                     []mReversal
}

type model struct {
	wallet, seller, fees, suspense, bank, badDebt, owedBuyer, owedSeller, inTransit int64
	escrow                                                                          map[int64]int64
	credits                                                                         []*mCredit
	orders                                                                          []*mOrder
}

func feeOf(f int64) int64 { return (f*6 + 500) / 1000 } // 0.6 %, half up

// credit applies a delivered credit's money.
func (m *model) credit(c *mCredit) {
	c.delivered = true
	m.bank += c.amount
	switch {
	case c.order != nil:
		m.toOrder(c, c.amount)
	case c.toWallet:
		m.wallet += c.amount
		c.toWallet_ += c.amount
	default:
		m.suspense += c.amount
		c.toSuspense, c.suspense = c.amount, "open"
	}
	for _, r := range c.waiting {
		m.reverse(c, r.amount)
	}
	c.waiting = nil
}

// shortParts are the order's earlier short transfers still on the wallet.
func (m *model) shortParts(o *mOrder) (parts []*mCredit, sum int64) {
	for _, c := range m.credits {
		if c.order == o && c.outcome == "short" {
			parts = append(parts, c)
			sum += c.toWallet_ - c.revWallet
		}
	}
	return parts, sum
}

func (m *model) consume(parts []*mCredit, n int64) {
	for _, c := range parts {
		p := min(c.toWallet_-c.revWallet, n)
		if p <= 0 {
			continue
		}
		c.outcome, c.toEscrow, c.toWallet_ = "short_paid", c.toEscrow+p, c.toWallet_-p
		n -= p
	}
}

func (m *model) toOrder(c *mCredit, amt int64) {
	o := c.order
	if o.state != models.AwaitingPayment {
		m.wallet += amt
		c.toWallet_ += amt
		c.outcome = "after"
		return
	}
	parts, prior := m.shortParts(o)
	usable := min(prior, m.wallet)
	if amt+usable >= o.amount {
		fromWallet := int64(0)
		if amt < o.amount {
			fromWallet = o.amount - amt
		}
		fromBank := o.amount - fromWallet
		surplus := amt - fromBank
		m.consume(parts, fromWallet)
		m.wallet += surplus - fromWallet
		m.escrow[o.id] += o.amount
		o.held, o.state = o.amount, models.Paid
		c.toEscrow += fromBank
		c.toWallet_ += surplus
		c.outcome = "paid"
		return
	}
	m.wallet += amt
	c.toWallet_ += amt
	c.outcome = "short"
}

// fromPerson takes up to n from a person's balance; the rest is owed.
func fromPerson(balance, owed *int64, n int64) {
	got := min(n, *balance)
	*balance -= got
	*owed += n - got
}

func (m *model) reverse(c *mCredit, amount int64) {
	left := min(amount, c.amount-c.reversed)
	applied := left
	if c.suspense == "returning" { // not sent yet: the return is cancelled
		m.inTransit -= c.returning
		m.suspense += c.returning
		c.returning, c.suspense = 0, "open"
	}
	if c.suspense == "open" || c.suspense == "return_requested" {
		n := min(left, c.toSuspense-c.revSuspense)
		m.suspense -= n
		c.revSuspense += n
		left -= n
		if c.toSuspense <= c.revSuspense {
			c.suspense = "reversed"
		}
	}
	if o := c.order; o != nil && left > 0 {
		part := min(left, c.toEscrow-c.revEscrow)
		c.revEscrow += part
		left -= part
		if (o.state == models.Paid || o.state == models.Shipped) && o.held > 0 {
			h := min(part, o.held)
			o.held -= h
			o.reversed += h
			m.escrow[o.id] -= h
			if o.held == 0 {
				o.state = models.Closed
			}
			part -= h
		}
		if n := min(part, o.refunded-o.usedRefund); n > 0 {
			fromPerson(&m.wallet, &m.owedBuyer, n)
			o.usedRefund += n
			part -= n
		}
		if n := min(part, o.released-o.usedRelease); n > 0 {
			f := o.fee - o.usedFee
			if o.usedRelease+n < o.released {
				f = min((2*n*o.fee+o.released)/(2*o.released), f)
			}
			m.fees -= f
			fromPerson(&m.seller, &m.owedSeller, n-f)
			o.usedRelease += n
			o.usedFee += f
			part -= n
		}
		m.badDebt += part
	}
	if left > 0 {
		n := min(left, c.toWallet_-c.revWallet)
		fromPerson(&m.wallet, &m.owedBuyer, n)
		c.revWallet += n
		left -= n
	}
	m.badDebt += left
	m.bank -= applied
	c.reversed += applied
}

func (m *model) release(o *mOrder, n int64) {
	f := feeOf(n)
	m.escrow[o.id] -= n
	m.fees += f
	m.seller += n - f
	o.held -= n
	o.released += n
	o.fee += f
	o.state = models.Completed
}

// TestWhereEveryYuanIs drives random interleavings of credits (exact, short,
// over, after close, unmatched, top-ups), reversals before and after their
// credits (whole, partial, larger than the credit), wallet payments,
// shipping, releases, refunds, suspense assignments and returns, and checks
// after every step that every balance and every credit's recalled amount is
// where the model says: that each yuan is in exactly one place or owed by
// exactly one person. "The books balance" is checked too, by dbtest, but it
// is not enough.
func TestWhereEveryYuanIs(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	var run atomic.Int64
	buyer, seller := e.Buyer, e.Seller
	acc := struct{ wallet, seller, owedB, owedS string }{models.WalletAccount(buyer.ID), models.SellerAvailableAccount(seller.ID),
		models.ClawbackAccount(buyer.ID), models.ClawbackAccount(seller.ID)}
	fen := func(code string) int64 { return models.MustParseMoney(e.Balance(code)).Fen() }
	topup, _ := e.Funding.TopUpReference(e.Ctx, buyer.ID)

	rapid.Check(t, func(rt *rapid.T) {
		r := run.Add(1)
		m := &model{escrow: map[int64]int64{}, wallet: fen(acc.wallet), seller: fen(acc.seller), fees: fen(models.AccRevenueFees),
			suspense: fen(models.AccSuspense), bank: fen(models.AccBankCollection), badDebt: fen(models.AccExpenseBadDebt),
			owedBuyer: fen(acc.owedB), owedSeller: fen(acc.owedS), inTransit: fen(models.AccPayoutsInTransit)}
		seq := 0
		send := func(c *mCredit) {
			seq++
			ref := ""
			switch {
			case c.order != nil:
				ref = c.order.ref
			case c.toWallet:
				ref = topup
			}
			if err := deliver(e, fmt.Sprintf("evt_p%d_%d", r, seq), bankbridge.TransferReceived, received(c.txn, money(c.amount), ref)); err != nil {
				rt.Fatal(err)
			}
			m.credit(c)
		}
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for step := range steps {
			pickOrder := func() *mOrder {
				if len(m.orders) == 0 {
					return nil
				}
				return m.orders[rapid.IntRange(0, len(m.orders)-1).Draw(rt, "order")]
			}
			pickCredit := func() *mCredit {
				if len(m.credits) == 0 {
					return nil
				}
				return m.credits[rapid.IntRange(0, len(m.credits)-1).Draw(rt, "credit")]
			}
			switch op := rapid.SampledFrom([]string{"order", "credit", "credit", "credit", "late", "reverse", "reverse",
				"deliver", "wallet", "ship", "confirm", "refund", "assign", "return"}).Draw(rt, "op"); op {
			case "deliver": // a credit whose reversal may have come first
				if c := pickCredit(); c != nil && !c.delivered {
					send(c)
				}
			case "order":
				price := rapid.Int64Range(100, 20_000).Draw(rt, "price")
				l := e.Listing(money(price), 1)
				o := e.Checkout(buyer, l, 1)
				m.orders = append(m.orders, &mOrder{id: o.ID, ref: o.PayReference, amount: price, state: models.AwaitingPayment})
			case "credit", "late":
				c := &mCredit{txn: fmt.Sprintf("BP%d_%d", r, step)}
				switch rapid.IntRange(0, 2).Draw(rt, "to") {
				case 0:
					if c.order = pickOrder(); c.order != nil {
						break
					}
					fallthrough
				case 1:
					c.toWallet = true
				}
				c.amount = rapid.Int64Range(1, 30_000).Draw(rt, "amount")
				if c.order != nil && rapid.Bool().Draw(rt, "exact") {
					c.amount = c.order.amount - min(rapid.Int64Range(0, 1).Draw(rt, "short")*c.order.amount/2, c.order.amount-1)
				}
				m.credits = append(m.credits, c)
				if op == "credit" {
					send(c)
				}
			case "reverse":
				c := pickCredit()
				if c == nil {
					continue
				}
				amount := c.amount
				switch rapid.IntRange(0, 2).Draw(rt, "part") {
				case 1:
					amount = rapid.Int64Range(1, c.amount).Draw(rt, "partial")
				case 2:
					amount = c.amount + rapid.Int64Range(1, 1000).Draw(rt, "excess")
				}
				seq++
				rev := mReversal{id: fmt.Sprintf("RP%d_%d", r, seq), amount: amount}
				if err := deliver(e, "evt_"+rev.id, bankbridge.TransferReversed, reversed(c.txn, rev.id, money(amount))); err != nil {
					rt.Fatal(err)
				}
				if c.delivered {
					m.reverse(c, amount)
				} else {
					c.waiting = append(c.waiting, rev)
				}
			case "wallet":
				o := pickOrder()
				if o == nil || o.state != models.AwaitingPayment || m.wallet < o.amount {
					continue
				}
				if _, err := e.Orders.PayFromWallet(e.Ctx, buyer.Actor(), o.id, ptest.PIN); err != nil {
					rt.Fatal(err)
				}
				parts, _ := m.shortParts(o)
				m.consume(parts, o.amount)
				m.wallet -= o.amount
				m.escrow[o.id] += o.amount
				o.held, o.state = o.amount, models.Paid
			case "ship":
				if o := pickOrder(); o != nil && o.state == models.Paid {
					if _, err := e.Orders.Ship(e.Ctx, seller.Actor(), o.id, "SF", "SF1234567890123"); err != nil {
						rt.Fatal(err)
					}
					o.state = models.Shipped
				}
			case "confirm":
				if o := pickOrder(); o != nil && o.state == models.Shipped {
					if _, err := e.Orders.Confirm(e.Ctx, buyer.Actor(), o.id, ptest.PIN); err != nil {
						rt.Fatal(err)
					}
					m.release(o, o.held)
				}
			case "refund":
				o := pickOrder()
				if o == nil || (o.state != models.Paid && o.state != models.Shipped) {
					continue
				}
				n := rapid.Int64Range(1, o.held).Draw(rt, "refund")
				if _, err := e.Orders.RequestRefund(e.Ctx, buyer.Actor(), o.id, models.FromFen(n), "not as described"); err != nil {
					rt.Fatal(err)
				}
				if _, err := e.Orders.AcceptRefund(e.Ctx, seller.Actor(), o.id, ptest.PIN); err != nil {
					rt.Fatal(err)
				}
				m.wallet += n
				m.escrow[o.id] -= n
				o.held -= n
				o.refunded += n
				if o.held > 0 {
					m.release(o, o.held)
				} else {
					o.state = models.Closed
				}
			case "assign":
				c := pickCredit()
				if c == nil || (c.suspense != "open" && c.suspense != "return_requested") {
					continue
				}
				left := c.toSuspense - c.revSuspense
				if o := pickOrder(); o != nil && rapid.Bool().Draw(rt, "to order") {
					if err := e.Funding.AssignToOrder(e.Ctx, e.Operator.Actor(), c.txn, o.id, "payer called"); err != nil {
						rt.Fatal(err)
					}
					c.suspense, c.toSuspense, c.order = "assigned", c.revSuspense, o
					m.suspense -= left
					m.toOrder(c, left)
				} else {
					if err := e.Funding.AssignToWallet(e.Ctx, e.Operator.Actor(), c.txn, buyer.ID, "payer called"); err != nil {
						rt.Fatal(err)
					}
					c.suspense, c.toSuspense = "assigned", c.revSuspense
					m.suspense -= left
					m.wallet += left
					c.toWallet_ += left
				}
			case "return":
				if c := pickCredit(); c != nil && c.suspense == "open" && c.toSuspense > c.revSuspense {
					if err := e.Funding.MarkForReturn(e.Ctx, e.Operator.Actor(), c.txn, "unknown payer"); err != nil {
						rt.Fatal(err)
					}
					c.returning = c.toSuspense - c.revSuspense
					m.suspense -= c.returning
					m.inTransit += c.returning
					c.suspense = "returning"
				}
			}
			m.check(rt, e, acc, fen)
		}
	})
}

func money(fen int64) string { return models.FromFen(fen).String() }

func (m *model) check(rt *rapid.T, e *ptest.Env, acc struct{ wallet, seller, owedB, owedS string }, fen func(string) int64) {
	want := map[string]int64{acc.wallet: m.wallet, acc.seller: m.seller, acc.owedB: m.owedBuyer, acc.owedS: m.owedSeller,
		models.AccRevenueFees: m.fees, models.AccSuspense: m.suspense, models.AccBankCollection: m.bank, models.AccExpenseBadDebt: m.badDebt,
		models.AccPayoutsInTransit: m.inTransit}
	for _, o := range m.orders {
		want[models.EscrowAccount(o.id)] = m.escrow[o.id]
	}
	for code, w := range want {
		if got := fen(code); got != w {
			rt.Fatalf("%s = %s, the model says %s", code, money(got), money(w))
		}
	}
	for _, o := range m.orders {
		got := e.Order(o.id)
		if got.State != o.state || got.Held.Fen() != o.held || got.Reversed.Fen() != o.reversed {
			rt.Fatalf("order %d: %s held %s reversed %s; the model says %s held %s reversed %s", o.id, got.State, got.Held,
				got.Reversed, o.state, money(o.held), money(o.reversed))
		}
	}
	for _, c := range m.credits {
		var got struct{ Reversed models.Money }
		e.DB.Raw("SELECT reversed FROM bank_credits WHERE bank_txn_id = ?", c.txn).Scan(&got)
		if got.Reversed.Fen() != c.reversed {
			rt.Fatalf("credit %s: %s recalled, the model says %s", c.txn, got.Reversed, money(c.reversed))
		}
	}
}
