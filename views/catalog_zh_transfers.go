package views

// zhTransfers translates the texts of transfers between balances
// (app/transfers).
var zhTransfers = map[string]string{
	"Change the number or the amount": "修改号码或金额",
	"Enter an amount such as 50.00.":  "请输入金额，例如 50.00。",
	"Enter the recipient's mobile number (11 digits) or landline number with its area code.": "请输入收款人的手机号码（11 位）或带区号的固定电话号码。",
	"How":               "方式",
	"Money received":    "收到转账",
	"Money sent":        "转账成功",
	"No such transfer.": "没有这笔转账。",
	"Nobody on LineEscrow has this number. Check it with the person you are paying.": "固话宝上没有人使用这个号码。请向收款人核对号码。",
	"One person's transfers a day at most (¥)":                                       "每人每天转账最多（元）",
	"One transfer at most (¥)":                                                       "单笔转账最多（元）",
	"One transfer may be at most %s.":                                                "单笔转账最多 %s。",
	"Only a buyer's balance can be sent to another person.":                          "只有买家的余额可以转给他人。",
	"Received from":                          "付款人",
	"Recipient's number":                     "收款人号码",
	"Send %s":                                "转账 %s",
	"Send money to another person":           "转账给他人",
	"Sent %s to %s.":                         "已转账 %s 给 %s。",
	"Sent to":                                "收款人",
	"Sent to another person's balance":       "转账到他人的余额",
	"Sent to your balance by another person": "他人转账到您的余额",
	"The money reaches their balance at once and cannot be taken back: check the name and the number.": "钱会立即到对方的余额，无法撤回：请核对姓名和号码。",
	"The number changed hands meanwhile: check the recipient again.":                                   "这个号码刚刚换了主人，请重新核对收款人。",
	"Their mobile number, or the landline they bound to LineEscrow, with its area code.":               "对方的手机号码，或对方在固话宝绑定的带区号固定电话号码。",
	"This account cannot receive transfers.":                                                           "这个账户不能接收转账。",
	"This is your own number: send money to someone else's.":                                           "这是您自己的号码，请转给其他人。",
	"This request key was used for another transfer.":                                                  "这个请求编号已用于另一笔转账。",
	"This transfer has no request key; open the page again.":                                           "这笔转账缺少请求编号，请重新打开页面。",
	"Today you can send others at most %s more.":                                                       "今天您最多还能转账 %s。",
	"Transfer between balances":                                                                        "余额转账",
	"Transfer number":                                                                                  "转账编号",
	"Transfers to others":                                                                              "转账给他人",
	"With":                                                                                             "对方",
	"You send":                                                                                         "您转出",
	"Your balance is %s, not enough for this transfer. Top up first.":                                  "您的余额为 %s，不够这笔转账。请先充值。",
	"Your balance: %s. Today you can send others %s more, at most %s at a time.":                       "您的余额：%s。今天最多还能转账 %s，单笔最多 %s。",
	"Your transfers":                                                                                   "您的转账",
}

func init() {
	for k, v := range zhTransfers {
		if _, ok := zhCatalog[k]; !ok {
			zhCatalog[k] = v
		}
	}
}
