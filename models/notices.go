package models

import (
	"strconv"
	"time"
)

// NoticeKind names what a notice says. The text is not stored: a notice keeps
// its kind and its parameters, and is rendered in the reader's language
// (NoticeLabels, translated by views).
type NoticeKind string

// Notice kinds.
const (
	NoticeNewOrder        NoticeKind = "order.paid.seller"      // a paid order to ship
	NoticePaid            NoticeKind = "order.paid.buyer"       // the buyer's payment is in escrow
	NoticeShipped         NoticeKind = "order.shipped"          // to the buyer
	NoticeRefundAsked     NoticeKind = "order.refund.requested" // to the seller
	NoticeRefundWithdrawn NoticeKind = "order.refund.withdrawn" // to the seller
	NoticeRefundAgreed    NoticeKind = "order.refund.agreed"    // to the buyer
	NoticeRefundRefused   NoticeKind = "order.refund.refused"   // to the buyer
	NoticeRefundTimedOut  NoticeKind = "order.refund.auto.buyer"
	NoticeRefundMissed    NoticeKind = "order.refund.auto.seller"
	NoticeDisputeBuyer    NoticeKind = "order.dispute.opened.buyer"
	NoticeDisputeSeller   NoticeKind = "order.dispute.opened.seller"
	NoticeDecidedRelease  NoticeKind = "order.dispute.released"
	NoticeDecidedRefund   NoticeKind = "order.dispute.refunded"
	NoticeDecidedSplit    NoticeKind = "order.dispute.split"
	NoticeCompleted       NoticeKind = "order.completed.seller"         // money available
	NoticeCompletedCharge NoticeKind = "order.completed.seller.pending" // waits for the phone company
	NoticeAutoConfirmed   NoticeKind = "order.auto_confirmed.buyer"
	NoticeUnshippedBuyer  NoticeKind = "order.unshipped.buyer"
	NoticeUnshippedSeller NoticeKind = "order.unshipped.seller"
	NoticeUnpaidClosed    NoticeKind = "order.unpaid_closed"
	NoticeReversed        NoticeKind = "order.reversed"
	NoticeShopRefund      NoticeKind = "order.shop_refund"
	NoticeProceeds        NoticeKind = "charge.proceeds" // a landline charge's money is available
	NoticeAdvance         NoticeKind = "charge.advance"  // advanced before the collection
	// An in-store payment charged to a landline: its money is available, or
	// advanced before the collection.
	NoticeInstoreProceeds NoticeKind = "charge.proceeds.instore"
	NoticeInstoreAdvance  NoticeKind = "charge.advance.instore"
	NoticePayoutPaid      NoticeKind = "payout.succeeded"
	NoticePayoutFailed    NoticeKind = "payout.failed"
	NoticeTopUp           NoticeKind = "wallet.topup"
	NoticeShipSoon        NoticeKind = "deadline.ship_by"
	NoticeConfirmSoon     NoticeKind = "deadline.auto_confirm"
	NoticeAnswerSoon      NoticeKind = "deadline.refund_answer"
)

// NoticeLabels are the notices' texts in English, their parameters as %s in
// the order NoticeParams gives them. views translates them.
var NoticeLabels = map[NoticeKind]string{
	NoticeNewOrder:        "New order %s (%s) is paid. Ship it by %s.",
	NoticePaid:            "Your payment of %s for order %s is held in escrow until you confirm receipt.",
	NoticeShipped:         "Order %s has shipped: %s, tracking number %s.",
	NoticeRefundAsked:     "The buyer asks for a refund of %s on order %s. Answer by %s.",
	NoticeRefundWithdrawn: "The buyer withdrew the refund request on order %s.",
	NoticeRefundAgreed:    "The seller agreed to refund %s on order %s.",
	NoticeRefundRefused:   "The seller refused your refund request on order %s. You may open a dispute.",
	NoticeRefundTimedOut:  "The seller did not answer in time: %s is refunded on order %s.",
	NoticeRefundMissed:    "You did not answer the refund request on order %s in time: %s was refunded to the buyer.",
	NoticeDisputeBuyer:    "Your dispute on order %s is open. An operator will decide.",
	NoticeDisputeSeller:   "The buyer opened a dispute on order %s. An operator will decide.",
	NoticeDecidedRelease:  "The dispute on order %s is decided: the money goes to the seller.",
	NoticeDecidedRefund:   "The dispute on order %s is decided: the buyer is refunded in full.",
	NoticeDecidedSplit:    "The dispute on order %s is decided: %s goes back to the buyer, the rest to the seller.",
	NoticeCompleted:       "Order %s is complete: %s is now available in your balance.",
	NoticeCompletedCharge: "Order %s is complete: %s becomes available once the phone company collects the bill.",
	NoticeAutoConfirmed:   "Order %s was confirmed automatically and the seller was paid.",
	NoticeUnshippedBuyer:  "Order %s was not shipped in time: %s is refunded.",
	NoticeUnshippedSeller: "Order %s was not shipped in time and was refunded to the buyer.",
	NoticeUnpaidClosed:    "Order %s was closed: it was not paid in time.",
	NoticeReversed:        "The bank recalled %s paid for order %s.",
	NoticeShopRefund:      "The shop refunded %s on order %s.",
	NoticeProceeds:        "The phone company collected order %s: %s is now available in your balance.",
	NoticeAdvance:         "%s of order %s is available early, before the phone company collects it.",
	NoticeInstoreProceeds: "The phone company collected in-store payment %s: %s is now available in your balance.",
	NoticeInstoreAdvance:  "%s of in-store payment %s is available early, before the phone company collects it.",
	NoticePayoutPaid:      "Your withdrawal of %s reached your bank account.",
	NoticePayoutFailed:    "Your withdrawal of %s did not go through. The money is back in your balance.",
	NoticeTopUp:           "%s was added to your balance.",
	NoticeShipSoon:        "Ship order %s by %s, or it is refunded to the buyer automatically.",
	NoticeConfirmSoon:     "Order %s will be confirmed automatically at %s. Ask for a refund before then if something is wrong.",
	NoticeAnswerSoon:      "Answer the refund request on order %s by %s, or it is refunded automatically.",
}

// Notice is one notification for one person, as written.
type Notice struct {
	UserID   int64
	Kind     NoticeKind
	OrderID  int64  // the order it is about (0: none)
	PayoutID string // the payout it is about ("": none)
	Params   []string
	// Once, when set, makes the notice unique: another with the same key is
	// never written (the deadline reminders).
	Once string
}

// NoticeTime is how times appear in a notice's parameters (Asia/Shanghai).
func NoticeTime(t time.Time) string { return t.In(Shanghai).Format("2006-01-02 15:04") }

func orderNo(o Order) string { return strconv.FormatInt(o.ID, 10) }

// StepNotices are the notices a step of the lifecycle writes, from the order
// before and after it and the command that made it: whom each party is told
// what. An action not listed tells nobody (the person who took it sees the
// result on the page). A party who does not exist (a gateway order's buyer
// before the cashier) is skipped.
func StepNotices(cmd Command, before, after Order) []Notice {
	id := orderNo(after)
	buyer := func(k NoticeKind, p ...string) Notice {
		return Notice{UserID: after.BuyerID, Kind: k, OrderID: after.ID, Params: p}
	}
	seller := func(k NoticeKind, p ...string) Notice {
		return Notice{UserID: after.SellerID, Kind: k, OrderID: after.ID, Params: p}
	}
	deadline := func() string {
		if after.TimerAt == nil {
			return ""
		}
		return NoticeTime(*after.TimerAt)
	}
	refunded := after.Refunded.Sub(before.Refunded)
	net := after.Released.Sub(before.Released).Sub(after.Fee.Sub(before.Fee))
	completed := func() Notice {
		if cmd.ProceedsPending {
			return seller(NoticeCompletedCharge, id, net.Display())
		}
		return seller(NoticeCompleted, id, net.Display())
	}
	var out []Notice
	switch cmd.Action {
	case ActPay:
		out = []Notice{seller(NoticeNewOrder, id, after.Amount.Display(), deadline()), buyer(NoticePaid, after.Amount.Display(), id)}
	case ActShip:
		out = []Notice{buyer(NoticeShipped, id, after.Carrier, after.TrackingNo)}
	case ActRequestRefund:
		out = []Notice{seller(NoticeRefundAsked, after.RefundAmount.Display(), id, deadline())}
	case ActWithdrawRefund:
		out = []Notice{seller(NoticeRefundWithdrawn, id)}
	case ActAcceptRefund:
		out = []Notice{buyer(NoticeRefundAgreed, refunded.Display(), id)}
	case ActAutoAcceptRefund:
		out = []Notice{buyer(NoticeRefundTimedOut, refunded.Display(), id), seller(NoticeRefundMissed, id, refunded.Display())}
	case ActRefuseRefund:
		out = []Notice{buyer(NoticeRefundRefused, id)}
	case ActEscalate:
		out = []Notice{buyer(NoticeDisputeBuyer, id), seller(NoticeDisputeSeller, id)}
	case ActDecide:
		switch cmd.Decision {
		case DecideRelease:
			out = []Notice{buyer(NoticeDecidedRelease, id), seller(NoticeDecidedRelease, id)}
		case DecideRefund:
			out = []Notice{buyer(NoticeDecidedRefund, id), seller(NoticeDecidedRefund, id)}
		default:
			out = []Notice{buyer(NoticeDecidedSplit, id, refunded.Display()), seller(NoticeDecidedSplit, id, refunded.Display())}
		}
	case ActConfirm:
		out = []Notice{completed()}
	case ActAutoConfirm:
		out = []Notice{buyer(NoticeAutoConfirmed, id), completed()}
	case ActAutoRefundUnshipped:
		out = []Notice{buyer(NoticeUnshippedBuyer, id, refunded.Display()), seller(NoticeUnshippedSeller, id)}
	case ActCloseUnpaid:
		out = []Notice{buyer(NoticeUnpaidClosed, id)}
	case ActReverse:
		reversed := after.Reversed.Sub(before.Reversed).Display()
		out = []Notice{buyer(NoticeReversed, reversed, id), seller(NoticeReversed, reversed, id)}
	case ActMerchantRefund:
		out = []Notice{buyer(NoticeShopRefund, refunded.Display(), id)}
	}
	kept := out[:0]
	for _, n := range out {
		if n.UserID != 0 {
			kept = append(kept, n)
		}
	}
	return kept
}

// DeadlineNotice is the reminder of an order's deadline within a day, or
// false when its timer needs none: the seller to ship or to answer a refund,
// the buyer before the automatic confirmation. It is written once per order
// and timer.
func DeadlineNotice(o Order) (Notice, bool) {
	if o.TimerAt == nil {
		return Notice{}, false
	}
	at, id := NoticeTime(*o.TimerAt), orderNo(o)
	n := Notice{OrderID: o.ID, Params: []string{id, at}, Once: "deadline:" + string(o.TimerKind) + ":" + id}
	switch o.TimerKind {
	case TimerShipBy:
		n.UserID, n.Kind = o.SellerID, NoticeShipSoon
	case TimerAutoConfirm:
		n.UserID, n.Kind = o.BuyerID, NoticeConfirmSoon
	case TimerRefundAnswer:
		n.UserID, n.Kind = o.SellerID, NoticeAnswerSoon
	default:
		return Notice{}, false
	}
	return n, n.UserID != 0
}
