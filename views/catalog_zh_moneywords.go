package views

// zhMoneyWords translates where the money is in people's words: the order
// page's money lines and proceeds, the wallet's history, the seller's chart
// and sales summary.
var zhMoneyWords = map[string]string{
	"(%d orders)":                            "（%d 笔）",
	"A recharge card, to your balance":       "充值卡充入余额",
	"A withdrawal came back to your balance": "提现未成功，已退回余额",
	"Days in China Standard Time, today included. An order is settled when its money leaves escrow: paid to you when receipt is confirmed, or refunded to the buyer. Gross is what was paid to you before the commission.": "按北京时间计，含今天。订单的钱离开担保即为结算：确认收货后付给您，或退给买家。货款为扣佣金前付给您的金额。",
	"From your balance into escrow for order %d":                                                        "从余额付入订单 %d 的担保",
	"Held in escrow: the net is yours when the buyer confirms receipt (at your commission rate today).": "担保中：买家确认收货后，实收归您（按您今天的佣金费率计）。",
	"History of your balance": "余额明细",
	"Into your balance":       "转入余额",
	"Last %d days":            "近 %d 天",
	"Nothing for you from this order: the money went back to the buyer.": "此订单没有付给您的钱：款项已退回买家。",
	"Orders paid":         "付款订单数",
	"Orders settled":      "结算订单数",
	"Out of your balance": "从余额转出",
	"Paid by buyers":      "买家付款金额",
	"Part of order %d refunded to your balance; the rest was paid to the seller": "订单 %d 部分退回余额，其余已支付给卖家",
	"Platform commission (%s)":                                "平台佣金（%s）",
	"Refunded to buyers":                                      "退给买家",
	"Refunded to your balance from order %d":                  "订单 %d 退款已退回余额",
	"Refunded to your balance instead of your phone bill":     "未能退回话费账单，已退回余额",
	"Sales summary":                                           "销售概况",
	"Split: %s back to your balance and %s to the seller.":    "部分退款：%s 退回您的余额，%s 支付给卖家。",
	"Split: %s back to your phone bill and %s to the seller.": "部分退款：%s 退回您的话费账单，%s 支付给卖家。",
	"Taken back by your bank (a recalled transfer)":           "被您的银行撤回（转账被追回）",
	"Taken for a payment your bank recalled":                  "用于抵扣被银行撤回的付款",
	"The buyer has not paid yet: these are the figures once the order is paid and receipt confirmed, at your commission rate today.": "买家尚未付款：以下为付款并确认收货后的金额，按您今天的佣金费率计。",
	"The net is in your available money: withdraw it from your Money page.":                                                          "实收已在您的可提现资金中，可在“资金”页面提现。",
	"What your bank transfer paid over order %d, to your balance":                                                                    "银行转账超出订单 %d 的部分，已转入余额",
	"Withdrawn to your bank account":                        "提现到您的银行账户",
	"You have not paid yet: %s to pay.":                     "您还没有付款：待付 %s。",
	"Your bank transfer for order %d, kept on your balance": "您为订单 %d 的银行转账，已存入余额",
	"Your bank transfer, to your balance":                   "银行转账充入余额",
	"Your money by day":                                     "每日资金",
	"Your money each day from %s to %s. Today: %s held in escrow, %s waiting for the operator to collect, %s available. Highest: %s on %s.": "%s 至 %s 每天的资金。今天：担保中 %s，等待运营商收款 %s，可提现 %s。最高：%s（%s）。",
}

func init() {
	for k, v := range zhMoneyWords {
		zhCatalog[k] = v
	}
}
