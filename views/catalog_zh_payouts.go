package views

// zhPayouts translates the texts of payouts and reconciliation.
var zhPayouts = map[string]string{
	"No open break %d.":                           "没有编号为 %d 的未处理差异。",
	"No reconciliation run %d.":                   "没有编号为 %d 的对账记录。",
	"No such payout.":                             "没有这笔提现。",
	"One withdrawal may be at most %s.":           "单笔提现最多 %s。",
	"Say what was done (at most 500 characters).": "请说明处理情况（最多 500 字）。",
	"This transfer has no payer account to return it to; assign it instead.": "这笔转账没有付款人账户，无法退回，请改为分配。",
	"Today you can withdraw at most %s more.":                                "今天最多还能提现 %s。",
	"Withdraw at least %s.":                                                  "提现金额至少 %s。",
	"You can withdraw at most %s now.":                                       "您现在最多可提现 %s。",
	"A statement covers at most a year.":                                     "一份对账单最多覆盖一年。",
	"Accepted by the bank, arriving soon":                                    "银行已受理，即将到账",
	"Bank account number":                                                    "银行账号",
	"Change":                                                                 "变动",
	"Date":                                                                   "日期",
	"Download the statement (CSV)":                                           "下载对账单（CSV）",
	"Failed: the money is back on your balance":                              "失败：钱已退回您的余额",
	"From":                                       "起",
	"No order holds money for you now.":          "目前没有订单为您暂存货款。",
	"No withdrawals yet.":                        "还没有提现记录。",
	"Nothing to withdraw yet.":                   "暂时没有可提现的金额。",
	"On its way to your bank":                    "正在转入您的银行",
	"Orders holding your money":                  "暂存您货款的订单",
	"Paid out":                                   "已提现",
	"Paid to %s, in the name of %s.":             "转入 %s，户名 %s。",
	"Paid to your bank account":                  "已转入您的银行账户",
	"Sending to your bank":                       "正在发往您的银行",
	"The account must be in your own name (%s).": "账户必须是您本人名下的（%s）。",
	"The bank says: %s":                          "银行说明：%s",
	"The end must not be before the start.":      "结束日期不能早于开始日期。",
	"To":                                         "止",
	"Too many movements for one statement: choose a shorter range.":          "一份对账单的记录太多：请缩短时间范围。",
	"Withdraw to your bank account":                                          "提现到银行账户",
	"Withdrawal of %s sent to your bank. It usually arrives within minutes.": "已提交 %s 的提现，通常几分钟内到账。",
	"The figures by day":                     "每日数据",
	"Day":                                    "日期",
	"Withdrawals":                            "提现记录",
	"You can withdraw %s now (at least %s).": "您现在可以提现 %s（最少 %s）。",
	"Your balance is not enough for this withdrawal.": "余额不足，无法提现这么多。",
}

func init() {
	for k, v := range zhPayouts {
		zhCatalog[k] = v
	}
}
