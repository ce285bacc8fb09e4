package views

// zhProgress translates the order's steps bar, its countdown and the money
// in people's words.
var zhProgress = map[string]string{
	// steps bar
	"Order progress":               "订单进度",
	"Seller shipped":               "卖家发货",
	"Receipt confirmed":            "确认收货",
	"Trade completed":              "完成",
	"Dispute: an operator decides": "平台介入处理",
	"Refunded to the buyer":        "已退款",
	"Partly refunded":              "部分退款",
	"Order closed":                 "交易关闭",
	// countdown
	"deadline":                              "截止",
	"%s left to pay, then the order closes": "还剩 %s，逾期未付款订单自动关闭",
	"%s left for the seller to ship, then the order is refunded":    "还剩 %s，卖家逾期未发货将自动退款",
	"%s left, then receipt is confirmed automatically":              "还剩 %s自动确认收货",
	"%s left for the seller to answer, then the refund is accepted": "还剩 %s，卖家逾期未处理将自动同意退款",
	"Time to pay is up: the order closes any moment now":            "付款时间已到，订单即将关闭",
	"Time to ship is up: the order is refunded any moment now":      "发货时间已到，订单即将自动退款",
	"Receipt is confirmed automatically any moment now":             "即将自动确认收货",
	"Time to answer is up: the refund is accepted any moment now":   "处理时间已到，即将自动同意退款",
	// money in people's words
	"Where the money is":     "钱在哪里",
	"You have not paid yet.": "您还没有付款。",
	"%s is held in escrow: the seller gets it only when you confirm receipt.": "%s 由平台担保保管：您确认收货后才会支付给卖家。",
	"%s was paid to the seller.":               "%s 已支付给卖家。",
	"%s was refunded to your phone bill.":      "%s 已退回您的电话账单。",
	"%s was refunded to your balance.":         "%s 已退回您的余额。",
	"%s was taken back by your bank.":          "%s 已被您的银行撤回。",
	"No money moved: the order closed unpaid.": "没有资金往来：订单未付款已关闭。",
	"Platform commission":                      "平台佣金",
	"Gross":                                    "货款",
	"Net to you":                               "实收",
	"The buyer has not paid yet.":              "买家还没有付款。",
	"The net is in your available money.":      "实收金额已计入您的可用资金。",
	"%s was refunded to the buyer.":            "%s 已退给买家。",
	"%s was taken back by the buyer's bank.":   "%s 已被买家的银行撤回。",
	"%s is held in escrow for you: it is yours, less the commission, when the buyer confirms receipt.":     "%s 由平台担保保管：买家确认收货后，扣除佣金即归您所有。",
	"Paid by phone bill: the net waits until the phone company collects the bill, then becomes available.": "话费支付：实收金额待电信公司收回话费后转为可用。",
}

func init() {
	for k, v := range zhProgress {
		zhCatalog[k] = v
	}
}
