package views

import (
	"context"
	"net/url"
	"strconv"

	"lineescrow/models"
)

func itoa(n int) string { return strconv.Itoa(n) }

func inputType(t string) string {
	if t == "" {
		return "text"
	}
	return t
}

func urlq(s string) string { return url.QueryEscape(s) }

// KindLabel is the English label of a ledger transfer or timeline kind.
func KindLabel(kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return l
	}
	return kind
}

var kindLabels = map[string]string{
	"order.created":                "Order placed",
	"order.pay":                    "Paid into escrow",
	"order.cancel":                 "Cancelled by the buyer",
	"order.close_unpaid":           "Closed: not paid in time",
	"order.ship":                   "Shipped",
	"order.confirm":                "Delivery confirmed",
	"order.auto_confirm":           "Delivery confirmed automatically",
	"order.extend_confirm":         "Confirmation deadline extended",
	"order.request_refund":         "Refund requested",
	"order.withdraw_refund":        "Refund request withdrawn",
	"order.accept_refund":          "Refund accepted",
	"order.auto_accept_refund":     "Refund accepted (seller did not answer)",
	"order.refuse_refund":          "Refund refused",
	"order.escalate":               "Escalated to a dispute",
	"order.decide":                 "Dispute decided by an operator",
	"order.auto_refund_unshipped":  "Refunded: not shipped in time",
	"order.reverse":                "Payment reversed by the bank",
	"order.release":                "Released to the seller",
	"order.refund":                 "Refunded",
	"order.partial_refund":         "Partly refunded, rest released",
	"order.reversed":               "Payment reversed by the bank",
	"order.taken":                  "Taken at the cashier",
	"order.merchant_close":         "Closed by the shop",
	"order.merchant_refund":        "Refunded by the shop",
	"payment.received":             "Bank transfer received",
	"payment.short":                "Bank transfer short of the amount due",
	"payment.after_close":          "Bank transfer after the order closed",
	"payment.reversed":             "Bank transfer reversed",
	"bank.credit.order":            "Bank transfer to an order",
	"bank.credit.wallet":           "Bank transfer to the balance",
	"bank.credit.suspense":         "Unmatched bank transfer",
	"bank.reversal":                "Bank reversal",
	"charge.accepted":              "Charged to the landline's phone bill",
	"charge.refused":               "The phone company refused the charge",
	"charge.void":                  "Charge cancelled: the order was paid another way",
	"charge.billed":                "On the phone bill",
	"charge.collected":             "Phone bill paid: the phone company collected it",
	"charge.overdue":               "Phone bill overdue",
	"charge.written_off":           "Phone bill written off by the phone company",
	"charge.refund":                "Refund sent back to the phone bill",
	"charge.cancelled":             "Charge cancelled at the phone company",
	"charge.credited":              "Credited on the next phone bill",
	"charge.advanced":              "Paid to the seller early (advance)",
	"telecom.late_fee":             "Late fee on the phone bill",
	"telecom.write_off":            "Phone bill written off (bad debt)",
	"telecom.write_off_recovered":  "Written-off phone bill paid after all",
	"telecom.proceeds_collected":   "Seller's money available: the phone company collected",
	"telecom.proceeds_written_off": "Seller's money available: the bill was written off",
	"telecom.advance":              "Advance to the seller",
	"telecom.settlement":           "Phone company's settlement received",
	"telecom.commission":           "Phone company's commission",
	"wallet.card_topup":            "Recharge card top-up",
}

// shippingText says what a listing charges for shipping.
func shippingText(ctx context.Context, fee models.Money) string {
	if fee.IsZero() {
		return T(ctx, "Free shipping")
	}
	return Tf(ctx, "Shipping %s", fee.Display())
}
