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
	"Your balance is not enough for this withdrawal.":                        "余额不足，无法提现这么多。",
}

func init() {
	for k, v := range zhPayouts {
		zhCatalog[k] = v
	}
}
