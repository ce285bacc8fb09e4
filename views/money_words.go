package views

import (
	"context"
	"fmt"
	"strings"

	"lineescrow/models"
)

// OrderMoneyVM is where an order's money is, as its page says it in words:
// the buyer's lines (for the buyer and operators) and the seller's proceeds
// (for the seller and operators). Nil parts are not shown.
type OrderMoneyVM struct {
	Buyer    []models.MoneyLine
	Proceeds *models.Proceeds
}

// moneyLineLabel is the English sentence of a buyer's line; its %s are the
// line's amount and, for a split, the seller's part.
func moneyLineLabel(code string) string {
	switch code {
	case models.MoneyNotPaid:
		return "You have not paid yet: %s to pay."
	case models.MoneyInEscrow:
		return "%s is held in escrow: the seller gets it only when you confirm receipt."
	case models.MoneyPaidToSeller:
		return "%s was paid to the seller."
	case models.MoneyRefundedToBalance:
		return "%s was refunded to your balance."
	case models.MoneyRefundedToPhoneBill:
		return "%s was refunded to your phone bill."
	case models.MoneySplitToBalance:
		return "Split: %s back to your balance and %s to the seller."
	case models.MoneySplitToPhoneBill:
		return "Split: %s back to your phone bill and %s to the seller."
	case models.MoneyTakenBackByBank:
		return "%s was taken back by your bank."
	case models.MoneyNeverPaid:
		return "No money moved: the order closed unpaid."
	}
	return code
}

// MoneyLineText writes a buyer's line in the reader's language.
func MoneyLineText(ctx context.Context, l models.MoneyLine) string {
	f := moneyLineLabel(l.Code)
	switch {
	case l.ToSeller != nil:
		return Tf(ctx, f, l.Amount.Display(), l.ToSeller.Display())
	case strings.Contains(f, "%s"):
		return Tf(ctx, f, l.Amount.Display())
	}
	return T(ctx, f)
}

// proceedsWhereLabel says where a seller's net is.
func proceedsWhereLabel(where string) string {
	switch where {
	case models.MoneyNotPaidToSeller:
		return "The buyer has not paid yet: these are the figures once the order is paid and receipt confirmed, at your commission rate today."
	case models.MoneyInEscrowForSeller:
		return "Held in escrow: the net is yours when the buyer confirms receipt (at your commission rate today)."
	case models.MoneyWaitingForPhoneBill:
		return "Paid by phone bill: the net waits until the phone company collects the bill, then becomes available."
	case models.MoneyAvailable:
		return "The net is in your available money: withdraw it from your Money page."
	case models.MoneyNothingForYou:
		return "Nothing for you from this order: the money went back to the buyer."
	}
	return where
}

// commissionLabel names the commission with its rate when it is known.
func commissionLabel(ctx context.Context, p *models.Proceeds) string {
	if p.RateKnown {
		return Tf(ctx, "Platform commission (%s)", p.Rate.Display())
	}
	return T(ctx, "Platform commission")
}

// walletWordsLabel is the English sentence of a line of a buyer's balance
// (models.WalletWhere); "%d" is the order's number.
func walletWordsLabel(code string) string {
	switch code {
	case models.WalletIntoEscrow:
		return "From your balance into escrow for order %d"
	case models.WalletRefund:
		return "Refunded to your balance from order %d"
	case models.WalletPartialRefund:
		return "Part of order %d refunded to your balance; the rest was paid to the seller"
	case models.WalletTransferForOrder:
		return "Your bank transfer for order %d, kept on your balance"
	case models.WalletTransferSurplus:
		return "What your bank transfer paid over order %d, to your balance"
	case models.WalletTopUp:
		return "Your bank transfer, to your balance"
	case models.WalletCard:
		return "A recharge card, to your balance"
	case models.WalletRefundInsteadOfBill:
		return "Refunded to your balance instead of your phone bill"
	case models.WalletWithdrawal:
		return "Withdrawn to your bank account"
	case models.WalletWithdrawalReturned:
		return "A withdrawal came back to your balance"
	case models.WalletBankRecall:
		return "Taken back by your bank (a recalled transfer)"
	case models.WalletClawback:
		return "Taken for a payment your bank recalled"
	case models.WalletInstorePayment:
		return "Paid to a shop at its counter"
	case models.WalletInstoreRefund:
		return "A shop refunded an in-store payment to your balance"
	case models.WalletBill:
		return "A bill paid from your balance"
	case models.WalletTransferToPerson:
		return "Sent to another person's balance"
	case models.WalletTransferFromPerson:
		return "Sent to your balance by another person"
	case models.WalletIn:
		return "Into your balance"
	}
	return "Out of your balance"
}

// WalletWords says in words where one movement of a buyer's balance came
// from or went to, and the order page it belongs to ("" for none).
func WalletWords(ctx context.Context, m Movement) (text, href string) {
	code, id := models.WalletWhere(m.Kind, m.Ref, !m.Delta.IsNegative())
	f := walletWordsLabel(code)
	if id > 0 {
		href = fmt.Sprintf("/orders/%d", id)
	} else if p, ok := strings.CutPrefix(m.Ref, "instore:"); ok && p != "" {
		href = "/instore/payments/" + p
	}
	if bill, ok := strings.CutPrefix(m.Ref, "bill:"); ok && code == models.WalletBill {
		href = "/bills/" + bill
	}
	if tr, ok := strings.CutPrefix(m.Ref, "transfer:"); ok && tr != "" && (code == models.WalletTransferToPerson || code == models.WalletTransferFromPerson) {
		href = "/transfers/" + tr
	}
	if strings.Contains(f, "%d") {
		return Tf(ctx, f, id), href
	}
	return T(ctx, f), href
}
