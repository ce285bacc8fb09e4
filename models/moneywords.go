package models

import (
	"strconv"
	"strings"
)

// Where an order's money is, in people's words: the buyer's lines ("in
// escrow", "paid to the seller", "refunded to your balance") and the
// seller's proceeds (gross, commission, net, and where the net is). Both are
// derived from the order's own figures (Held, Released, Refunded, Fee,
// Reversed, Funding), which the ledger's escrow account must agree with; the
// portals write them in words and the API sends their codes. Neither ever
// names a ledger account, and the buyer's never shows the commission.

// Codes of the buyer's lines.
const (
	MoneyNotPaid             = "not_paid"               // the order waits for payment; Amount is what is owed
	MoneyInEscrow            = "in_escrow"              // held by the platform until receipt is confirmed
	MoneyPaidToSeller        = "paid_to_seller"         // released to the seller (the buyer's whole payment, commission included)
	MoneyRefundedToBalance   = "refunded_to_balance"    // back on the buyer's prepaid balance
	MoneyRefundedToPhoneBill = "refunded_to_phone_bill" // cancelled or credited on the landline bill
	MoneySplitToBalance      = "split_to_balance"       // a split: Amount back on the balance, ToSeller to the seller
	MoneySplitToPhoneBill    = "split_to_phone_bill"    // a split: Amount back on the phone bill, ToSeller to the seller
	MoneyTakenBackByBank     = "taken_back_by_bank"     // the buyer's bank recalled the payment while it was held
	MoneyNeverPaid           = "never_paid"             // the order closed unpaid: no money moved
	MoneyWaitingForPhoneBill = "waiting_for_phone_bill" // seller: the net waits until the phone company collects the bill
	MoneyAvailable           = "available"              // seller: the net is in the seller's available money
	MoneyNothingForYou       = "nothing"                // seller: everything went back to the buyer (or the bank)
	MoneyInEscrowForSeller   = "in_escrow_for_seller"   // seller: held; the figures are what it will give at today's rate
	MoneyNotPaidToSeller     = "not_paid_yet"           // seller: the buyer has not paid
)

// MoneyLine is one sentence of where a buyer's money is.
type MoneyLine struct {
	Code   string `json:"code" enum:"not_paid,in_escrow,paid_to_seller,refunded_to_balance,refunded_to_phone_bill,split_to_balance,split_to_phone_bill,taken_back_by_bank,never_paid"`
	Amount Money  `json:"amount"`
	// ToSeller is a split's part paid to the seller.
	ToSeller *Money `json:"to_seller,omitempty" doc:"with split_*: the part paid to the seller"`
}

// refundedToPhone reports whether the order's refunds went back to a
// landline bill (a fixed-line charge) rather than the balance.
func (o Order) refundedToPhone() bool { return o.Funding == FundingTelecom }

// BuyerMoney says where the buyer's money for o is, one line per place it
// went, in the order of the trade. A split (part refunded, the rest paid to
// the seller) is one line with both parts.
func BuyerMoney(o Order) []MoneyLine {
	var out []MoneyLine
	add := func(code string, m Money) { out = append(out, MoneyLine{Code: code, Amount: m}) }
	if o.State == AwaitingPayment {
		add(MoneyNotPaid, o.Amount)
		return out
	}
	if o.Held.IsPositive() {
		add(MoneyInEscrow, o.Held)
	}
	switch {
	case o.Refunded.IsPositive() && o.Released.IsPositive():
		code := MoneySplitToBalance
		if o.refundedToPhone() {
			code = MoneySplitToPhoneBill
		}
		seller := o.Released
		out = append(out, MoneyLine{Code: code, Amount: o.Refunded, ToSeller: &seller})
	case o.Released.IsPositive():
		add(MoneyPaidToSeller, o.Released)
	case o.Refunded.IsPositive():
		if o.refundedToPhone() {
			add(MoneyRefundedToPhoneBill, o.Refunded)
		} else {
			add(MoneyRefundedToBalance, o.Refunded)
		}
	}
	if o.Reversed.IsPositive() {
		add(MoneyTakenBackByBank, o.Reversed)
	}
	if len(out) == 0 && o.State == Closed {
		add(MoneyNeverPaid, Zero)
	}
	return out
}

// Proceeds is what an order gives its seller: the gross released to them
// (or, while the money is held, what is held), the commission at its rate,
// the net, and where the net is.
type Proceeds struct {
	Gross Money `json:"gross" doc:"released to the seller, before commission (while held: what is held)"`
	// Rate is the commission rate applied (while held: the seller's rate
	// today). RateKnown is false for a release recorded before rates were
	// kept with it: the commission is then exact but its rate is not shown.
	Rate       Rate  `json:"commission_rate" doc:"in percent, such as \"0.6\""`
	RateKnown  bool  `json:"commission_rate_known"`
	Commission Money `json:"commission"`
	Net        Money `json:"net" doc:"gross less commission"`
	// Expected: the money is still in escrow, and the figures are what
	// releasing it would give at today's rate.
	Expected bool `json:"expected" doc:"true while the money is in escrow: the figures are what it gives at today's rate"`
	// Where the net is.
	Where string `json:"where" enum:"not_paid_yet,in_escrow_for_seller,waiting_for_phone_bill,available,nothing"`
	// RefundedToBuyer is what went back to the buyer (a refund or a split).
	RefundedToBuyer Money `json:"refunded_to_buyer"`
	// TakenBackByBank is what the buyer's bank recalled while it was held.
	TakenBackByBank Money `json:"taken_back_by_bank"`
}

// ProceedsInput is what SellerProceeds needs beside the order.
type ProceedsInput struct {
	// Rate is the rate the release applied, when it was recorded (Applied);
	// otherwise the seller's rate today.
	Rate    Rate
	Applied bool
	// Collected: for an order paid by phone bill, the phone company is done
	// with the charge (collected, written off, cancelled) or the platform
	// advanced the seller's part, so the net is available.
	Collected bool
}

// SellerProceeds returns o's proceeds for its seller.
func SellerProceeds(o Order, in ProceedsInput) Proceeds {
	p := Proceeds{RefundedToBuyer: o.Refunded, TakenBackByBank: o.Reversed}
	switch {
	case o.Released.IsPositive():
		p.Gross, p.Commission = o.Released, o.Fee
		p.Rate, p.RateKnown = in.Rate, in.Applied
		p.Where = MoneyAvailable
		if o.Funding == FundingTelecom && !in.Collected {
			p.Where = MoneyWaitingForPhoneBill
		}
	case o.Held.IsPositive():
		p.Gross, p.Rate, p.RateKnown, p.Expected = o.Held, in.Rate, true, true
		p.Commission = in.Rate.Of(o.Held)
		p.Where = MoneyInEscrowForSeller
	case o.State == AwaitingPayment:
		p.Gross, p.Rate, p.RateKnown, p.Expected = o.Amount, in.Rate, true, true
		p.Commission = in.Rate.Of(o.Amount)
		p.Where = MoneyNotPaidToSeller
	default:
		p.Where = MoneyNothingForYou
	}
	p.Net = p.Gross.Sub(p.Commission)
	return p
}

// Where the money of one movement of a buyer's balance came from or went to
// (WalletWhere): the codes of the wallet's history lines.
const (
	WalletIntoEscrow          = "into_escrow"            // paid an order from the balance
	WalletRefund              = "refund"                 // an order's refund came back
	WalletPartialRefund       = "partial_refund"         // part of an order came back, the rest went to the seller
	WalletTransferForOrder    = "transfer_for_order"     // a bank transfer for an order kept on the balance (short, or after it closed)
	WalletTransferSurplus     = "transfer_surplus"       // what a bank transfer paid over an order's amount
	WalletTopUp               = "top_up"                 // a bank transfer to the balance
	WalletCard                = "recharge_card"          // a recharge card
	WalletRefundInsteadOfBill = "refund_instead_of_bill" // refunded to the balance because the phone bill could not be credited
	WalletWithdrawal          = "withdrawal"             // withdrawn to a bank account
	WalletWithdrawalReturned  = "withdrawal_returned"    // a withdrawal the bank did not pay came back
	WalletBankRecall          = "bank_recall"            // the buyer's bank recalled a transfer
	WalletClawback            = "clawback"               // taken for a payment the bank recalled earlier
	WalletInstorePayment      = "instore_payment"        // paid a shop at its counter (app/instore)
	WalletInstoreRefund       = "instore_refund"         // a shop refunded an in-store payment
	WalletBill                = "bill"                   // a bill paid from the balance (app/bills)
	WalletTransferToPerson    = "transfer_to_person"     // sent to another person's balance (app/transfers)
	WalletTransferFromPerson  = "transfer_from_person"   // another person sent it to this balance
	WalletIn                  = "in"                     // anything else into the balance
	WalletOut                 = "out"                    // anything else out of it
)

// WalletWhere says where the money of a movement of a buyer's balance came
// from (in) or went to: by its transfer's kind and reference, and the order
// it belongs to (0 for none).
func WalletWhere(kind, ref string, in bool) (code string, orderID int64) {
	orderID = OrderOfRef(ref)
	order := orderID > 0
	switch {
	case (kind == "order.pay" || kind == "bank.credit.order") && !in && order:
		return WalletIntoEscrow, orderID
	case kind == "order.partial_refund" && in && order:
		return WalletPartialRefund, orderID
	case strings.HasPrefix(kind, "order.") && strings.HasSuffix(kind, "refund") && in && order:
		return WalletRefund, orderID
	case kind == "bank.credit.order" && in && order:
		return WalletTransferSurplus, orderID
	case kind == "bank.credit.wallet" && in && order:
		return WalletTransferForOrder, orderID
	case kind == "bank.credit.wallet" && in:
		return WalletTopUp, orderID
	case kind == "instore.pay" && !in:
		return WalletInstorePayment, orderID
	case kind == "instore.refund" && in:
		return WalletInstoreRefund, orderID
	case kind == "wallet.card_topup" && in:
		return WalletCard, orderID
	case kind == "telecom.refund_to_wallet" && in:
		return WalletRefundInsteadOfBill, orderID
	case strings.HasPrefix(kind, "payout.") && !in:
		return WalletWithdrawal, orderID
	case strings.HasPrefix(kind, "payout.") && in:
		return WalletWithdrawalReturned, orderID
	case kind == "bank.reversal" && !in:
		return WalletBankRecall, orderID
	case strings.HasPrefix(kind, "clawback.") && !in:
		return WalletClawback, orderID
	case kind == "bill.pay" && !in:
		return WalletBill, orderID
	case kind == "wallet.transfer" && !in:
		return WalletTransferToPerson, orderID
	case kind == "wallet.transfer" && in:
		return WalletTransferFromPerson, orderID
	case in:
		return WalletIn, orderID
	}
	return WalletOut, orderID
}

// OrderOfRef is the order number of a transfer's reference ("order:42"),
// or 0 when it belongs to no order.
func OrderOfRef(ref string) int64 {
	rest, ok := strings.CutPrefix(ref, "order:")
	n, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || n <= 0 || strconv.FormatInt(n, 10) != rest {
		return 0
	}
	return n
}
