package views

// zhNotices translates the notification centre and the notices' texts
// (models.NoticeLabels).
var zhNotices = map[string]string{
	// the notices
	"New order %s (%s) is paid. Ship it by %s.":                                                           "新订单 %s（%s）买家已付款，请在 %s 前发货。",
	"Your payment of %s for order %s is held in escrow until you confirm receipt.":                        "您支付的 %s（订单 %s）已由平台担保，确认收货后才付给卖家。",
	"Order %s has shipped: %s, tracking number %s.":                                                       "订单 %s 已发货：%s，运单号 %s。",
	"The buyer asks for a refund of %s on order %s. Answer by %s.":                                        "买家申请退款 %s（订单 %s），请在 %s 前处理。",
	"The buyer withdrew the refund request on order %s.":                                                  "买家已撤销订单 %s 的退款申请。",
	"The seller agreed to refund %s on order %s.":                                                         "卖家已同意退款 %s（订单 %s）。",
	"The seller refused your refund request on order %s. You may open a dispute.":                         "卖家拒绝了您对订单 %s 的退款申请。您可以申请平台介入。",
	"The seller did not answer in time: %s is refunded on order %s.":                                      "卖家未及时处理，已退款 %s（订单 %s）。",
	"You did not answer the refund request on order %s in time: %s was refunded to the buyer.":            "您未及时处理订单 %s 的退款申请，已退款 %s 给买家。",
	"Your dispute on order %s is open. An operator will decide.":                                          "您对订单 %s 的平台介入申请已受理，平台将作出裁决。",
	"The buyer opened a dispute on order %s. An operator will decide.":                                    "买家对订单 %s 申请了平台介入，平台将作出裁决。",
	"The dispute on order %s is decided: the money goes to the seller.":                                   "订单 %s 的纠纷已裁决：款项付给卖家。",
	"The dispute on order %s is decided: the buyer is refunded in full.":                                  "订单 %s 的纠纷已裁决：全额退款给买家。",
	"The dispute on order %s is decided: %s goes back to the buyer, the rest to the seller.":              "订单 %s 的纠纷已裁决：退还买家 %s，其余付给卖家。",
	"Order %s is complete: %s is now available in your balance.":                                          "订单 %s 已完成：%s 已到账，可以提现。",
	"Order %s is complete: %s becomes available once the phone company collects the bill.":                "订单 %s 已完成：%s 将在电信公司收回话费后到账。",
	"Order %s was confirmed automatically and the seller was paid.":                                       "订单 %s 已自动确认收货，货款已付给卖家。",
	"Order %s was not shipped in time: %s is refunded.":                                                   "订单 %s 卖家未按时发货，已退款 %s。",
	"Order %s was not shipped in time and was refunded to the buyer.":                                     "订单 %s 未按时发货，已全额退款给买家。",
	"Order %s was closed: it was not paid in time.":                                                       "订单 %s 已关闭：未在规定时间内付款。",
	"The bank recalled %s paid for order %s.":                                                             "银行追回了 %s（订单 %s 的付款）。",
	"The shop refunded %s on order %s.":                                                                   "商家已退款 %s（订单 %s）。",
	"The phone company collected order %s: %s is now available in your balance.":                          "电信公司已收回订单 %s 的话费：%s 已到账，可以提现。",
	"%s of order %s is available early, before the phone company collects it.":                            "%s（订单 %s）已提前到账，无需等待电信公司收回话费。",
	"The phone company collected in-store payment %s: %s is now available in your balance.":               "电信公司已收回店内付款 %s 的话费：%s 已到账，可以提现。",
	"%s of in-store payment %s is available early, before the phone company collects it.":                 "%s（店内付款 %s）已提前到账，无需等待电信公司收回话费。",
	"Your withdrawal of %s reached your bank account.":                                                    "您提现的 %s 已到达银行账户。",
	"Your withdrawal of %s did not go through. The money is back in your balance.":                        "您提现的 %s 未能成功，款项已退回余额。",
	"%s was added to your balance.":                                                                       "%s 已充入您的余额。",
	"Ship order %s by %s, or it is refunded to the buyer automatically.":                                  "订单 %s 请在 %s 前发货，否则将自动全额退款给买家。",
	"Order %s will be confirmed automatically at %s. Ask for a refund before then if something is wrong.": "订单 %s 将于 %s 自动确认收货。如有问题，请在此之前申请退款。",
	"Answer the refund request on order %s by %s, or it is refunded automatically.":                       "订单 %s 的退款申请请在 %s 前处理，否则将自动退款。",
	"You have a new notice.": "您有一条新消息。",

	// the notification centre
	"Notices":                  "消息",
	"(%d unread)":              "（%d 条未读）",
	"%d unread":                "%d 条未读",
	"Mark all read":            "全部标为已读",
	"All notices marked read.": "已全部标为已读。",
	"No notices yet.":          "暂无消息。",
	"When something happens to your orders, payouts or balance, it is told here.": "订单、提现或余额有变动时，会在这里通知您。",
	"Unread":        "未读",
	"Older notices": "更早的消息",
	"Open":          "查看",
	"99+":           "99+",
}

func init() {
	for k, v := range zhNotices {
		zhCatalog[k] = v
	}
}
