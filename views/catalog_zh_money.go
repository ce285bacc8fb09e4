package views

// zhMoney translates the texts of reversals, claw-backs and the other money
// safety checks.
var zhMoney = map[string]string{
	"No claw-back %d.":                                                  "没有编号为 %d 的追偿记录。",
	"Order %d cannot do that now.":                                      "订单 %d 当前不能进行此操作。",
	"Say why (at most 500 characters).":                                 "请说明原因（最多 500 字）。",
	"This claw-back is already settled.":                                "这笔追偿已经处理完毕。",
	"This transfer is already marked for return.":                       "这笔转账已标记为退回付款人。",
	"A timer's action could not be carried out":                         "定时操作无法执行",
	"Being recovered":                                                   "追偿中",
	"Claw-backs":                                                        "追偿",
	"Escrow and balance totals as of %s; they are summed every minute.": "担保金额与余额合计截至 %s，每分钟汇总一次。",
	"Lines ending in * sum every account of their kind, as of %s; they are summed every minute.": "以 * 结尾的行是同类全部账户的合计，截至 %s，每分钟汇总一次。",
	"Enter an account.":                          "请输入账户。",
	"No postings on this account.":               "此账户暂无分录。",
	"Nobody owes the platform anything.":         "目前没有需要追偿的款项。",
	"Owes %s of %s (reversal %s).":               "尚欠 %s（共 %s，撤销流水 %s）。",
	"Payment reversed after the seller was paid": "已付款给卖家后银行撤销了付款",
	"Recover from their next credits":            "从其后续入账中追回",
	"Reversal of a transfer that never arrived":  "撤销了一笔从未到账的转账",
	"The bank recalled more than it credited":    "银行撤销金额超过入账金额",
	"The bank took these payments back after their money had been spent or paid out. Recover each from the person's next money on the platform, or write it off as the platform's loss.": "银行撤销了这些付款，但款项已被花掉或已提现。可以从当事人在平台上的后续入账中追回，或核销为平台损失。",
	"User":                   "用户",
	"Waiting for a decision": "待处理",
	"Why":                    "原因",
	"Write off":              "核销",
	"Recovery started: what the person holds now was taken, the rest comes from their next credits.": "已开始追偿：当前余额已扣回，其余从后续入账中扣回。",
	"Only the first %d results are shown: search for something narrower.":                            "只显示前 %d 条结果：请缩小搜索范围。",
	"Search for at most 50 characters.":                                                              "搜索词最多 50 个字。",
	"Taken back by the bank: %s":                                                                     "银行撤回：%s",
	"Taken back from the seller's balance: %s":                                                       "从卖家余额扣回：%s",
	"Taken back from the refund: %s":                                                                 "从退款中扣回：%s",
	"From earlier transfers: %s":                                                                     "来自之前的转账：%s",
	"The refund asked for is now at most: %s":                                                        "申请的退款金额调整为最多：%s",
	"Commission of seller %s saved.":                                                                 "卖家 %s 的佣金已保存。",
	"Done.":                                                                                          "已完成。",
	"Enter a whole number.":                                                                          "请输入整数。",
	"Enter an amount such as 259.00 (at most two decimals).":                                         "请输入金额，例如 259.00（最多两位小数）。",
	"Refund requested. The seller has {refund_answer} to answer.":                                    "已申请退款。卖家需在 {refund_answer} 内答复。",
	"The JSON body is malformed: json: unknown field %q.":                                            "JSON 请求体格式有误：未知字段 %q。",
	"The confirmation deadline is {confirm_extend} later.":                                           "确认收货期限已延长 {confirm_extend}。",
	"The field %s has the wrong type (%s).":                                                          "字段 %s 的类型不对（%s）。",
	"Daily withdrawal limit per person (¥)":                                                          "每人每日提现上限（元）",
	"Enter an amount such as 50000.00.":                                                              "请输入金额，例如 50000.00。",
	"Written off as the platform's loss.":                                                            "已核销为平台损失。",
}

func init() {
	for k, v := range zhMoney {
		zhCatalog[k] = v
	}
}
