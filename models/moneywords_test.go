package models

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
)

func linesOf(ls []MoneyLine) string {
	out := ""
	for _, l := range ls {
		out += l.Code + " " + l.Amount.String()
		if l.ToSeller != nil {
			out += " seller " + l.ToSeller.String()
		}
		out += ";"
	}
	return out
}

// TestBuyerMoneySaysWhereEachPartWent: every state of an order's money, by
// how it was paid, in the buyer's lines; never the commission.
func TestBuyerMoneySaysWhereEachPartWent(t *testing.T) {
	m := MustParseMoney
	base := Order{ID: 7, Amount: m("80.00"), Funding: FundingBank}
	cases := []struct {
		name string
		edit func(o *Order)
		want string
	}{
		{"unpaid", func(o *Order) { o.State = AwaitingPayment; o.Funding = FundingNone }, "not_paid 80.00;"},
		{"closed unpaid", func(o *Order) { o.State = Closed; o.Funding = FundingNone }, "never_paid 0.00;"},
		{"held", func(o *Order) { o.State, o.Held = Shipped, m("80.00") }, "in_escrow 80.00;"},
		{"released", func(o *Order) { o.State, o.Released, o.Fee = Completed, m("80.00"), m("0.48") }, "paid_to_seller 80.00;"},
		{"refunded to the balance", func(o *Order) { o.State, o.Refunded = Closed, m("80.00") }, "refunded_to_balance 80.00;"},
		{"refunded to the phone bill", func(o *Order) { o.State, o.Refunded, o.Funding = Closed, m("80.00"), FundingTelecom },
			"refunded_to_phone_bill 80.00;"},
		{"split", func(o *Order) { o.State, o.Refunded, o.Released, o.Fee = Completed, m("30.00"), m("50.00"), m("1.00") },
			"split_to_balance 30.00 seller 50.00;"},
		{"split by phone bill", func(o *Order) {
			o.State, o.Refunded, o.Released, o.Funding = Completed, m("30.00"), m("50.00"), FundingTelecom
		}, "split_to_phone_bill 30.00 seller 50.00;"},
		{"recalled whole", func(o *Order) { o.State, o.Reversed = Closed, m("80.00") }, "taken_back_by_bank 80.00;"},
		{"recalled in part, still held", func(o *Order) { o.State, o.Held, o.Reversed = Paid, m("50.00"), m("30.00") },
			"in_escrow 50.00;taken_back_by_bank 30.00;"},
	}
	for _, tc := range cases {
		o := base
		tc.edit(&o)
		if got := linesOf(BuyerMoney(o)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestSellerProceeds: gross, commission at its rate, net and where the net
// is, before and after the release, by how the order was paid.
func TestSellerProceeds(t *testing.T) {
	m := MustParseMoney
	rate := RateOfFraction(decimal.RequireFromString("0.006"))
	show := func(p Proceeds) string {
		return fmt.Sprintf("%s %s %s %s rate %s known=%v expected=%v refunded %s", p.Where, p.Gross, p.Commission, p.Net, p.Rate.Percent(), p.RateKnown, p.Expected, p.RefundedToBuyer)
	}
	cases := []struct {
		name string
		o    Order
		in   ProceedsInput
		want string
	}{
		{"unpaid", Order{State: AwaitingPayment, Amount: m("259.00")}, ProceedsInput{Rate: rate},
			"not_paid_yet 259.00 1.55 257.45 rate 0.6 known=true expected=true refunded 0.00"},
		{"held", Order{State: Shipped, Amount: m("259.00"), Held: m("259.00"), Funding: FundingBank}, ProceedsInput{Rate: rate},
			"in_escrow_for_seller 259.00 1.55 257.45 rate 0.6 known=true expected=true refunded 0.00"},
		{"released", Order{State: Completed, Released: m("259.00"), Fee: m("1.55"), Funding: FundingWallet}, ProceedsInput{Rate: rate, Applied: true},
			"available 259.00 1.55 257.45 rate 0.6 known=true expected=false refunded 0.00"},
		{"released before rates were recorded", Order{State: Completed, Released: m("259.00"), Fee: m("2.59"), Funding: FundingBank}, ProceedsInput{Rate: rate},
			"available 259.00 2.59 256.41 rate 0.6 known=false expected=false refunded 0.00"},
		{"phone bill not collected", Order{State: Completed, Released: m("100.00"), Fee: m("0.60"), Funding: FundingTelecom}, ProceedsInput{Rate: rate, Applied: true},
			"waiting_for_phone_bill 100.00 0.60 99.40 rate 0.6 known=true expected=false refunded 0.00"},
		{"phone bill collected", Order{State: Completed, Released: m("100.00"), Fee: m("0.60"), Funding: FundingTelecom}, ProceedsInput{Rate: rate, Applied: true, Collected: true},
			"available 100.00 0.60 99.40 rate 0.6 known=true expected=false refunded 0.00"},
		{"split", Order{State: Completed, Released: m("50.00"), Fee: m("0.30"), Refunded: m("30.00"), Funding: FundingBank}, ProceedsInput{Rate: rate, Applied: true},
			"available 50.00 0.30 49.70 rate 0.6 known=true expected=false refunded 30.00"},
		{"refunded whole", Order{State: Closed, Refunded: m("80.00"), Funding: FundingBank}, ProceedsInput{Rate: rate},
			"nothing 0.00 0.00 0.00 rate 0 known=false expected=false refunded 80.00"},
	}
	for _, tc := range cases {
		if got := show(SellerProceeds(tc.o, tc.in)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestWalletWhere(t *testing.T) {
	cases := []struct {
		kind, ref string
		in        bool
		code      string
		order     int64
	}{
		{"order.pay", "order:42", false, WalletIntoEscrow, 42},
		{"bank.credit.order", "order:42", false, WalletIntoEscrow, 42},
		{"bank.credit.order", "order:42", true, WalletTransferSurplus, 42},
		{"order.refund", "order:42", true, WalletRefund, 42},
		{"order.partial_refund", "order:42", true, WalletPartialRefund, 42},
		{"bank.credit.wallet", "order:42", true, WalletTransferForOrder, 42},
		{"bank.credit.wallet", "user:3", true, WalletTopUp, 0},
		{"wallet.card_topup", "card:X", true, WalletCard, 0},
		{"telecom.refund_to_wallet", "charge:C1", true, WalletRefundInsteadOfBill, 0},
		{"payout.request", "payout:P1", false, WalletWithdrawal, 0},
		{"payout.failed", "payout:P1", true, WalletWithdrawalReturned, 0},
		{"bank.reversal", "order:42", false, WalletBankRecall, 42},
		{"clawback.recover", "clawback:1", false, WalletClawback, 0},
		{"bill.pay", "bill:BP1", false, WalletBill, 0},
		{"wallet.transfer", "transfer:TR1", false, WalletTransferToPerson, 0},
		{"wallet.transfer", "transfer:TR1", true, WalletTransferFromPerson, 0},
		{"something.new", "order:042", true, WalletIn, 0},
		{"something.new", "order:-1", false, WalletOut, 0},
	}
	for _, tc := range cases {
		code, order := WalletWhere(tc.kind, tc.ref, tc.in)
		if code != tc.code || order != tc.order {
			t.Errorf("%s %s in=%v: %s %d, want %s %d", tc.kind, tc.ref, tc.in, code, order, tc.code, tc.order)
		}
	}
}
