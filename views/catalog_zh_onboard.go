package views

// zhOnboard translates onboarding and consent: the payment password's
// set-up page and the links to it, the balance's shortfall, the confirm
// fields of new passwords, the common-password refusal, and the questions
// irreversible actions ask once more (confirming receipt, opening a
// dispute, deciding one with its preview, freezing a user).
var zhOnboard = map[string]string{
	"Set your payment password": "设置支付密码",
	"Six digits, asked for every payment, confirmation of receipt, refund and withdrawal. Not your login password, and never your ID number.": "6 位数字，付款、确认收货、退款和提现时都要输入。不要与登录密码相同，也不要用身份证号。",
	"Continue":                      "继续",
	"Change it on the account page": "在账户页修改",
	"The password you sign in with, to show it is you.":                         "您的登录密码，用来确认是您本人。",
	"Payment password again":                                                    "再次输入支付密码",
	"Set it later (you need it to pay)":                                         "稍后设置（付款时需要）",
	"You need a payment password for this: six digits that protect your money.": "这一步需要支付密码：6 位数字，保护您的资金安全。",
	"Set the payment password":                                                  "设置支付密码",
	"%s short":                                                                  "还差 %s",
	"Top up your balance first, or pay another way on this page.":               "请先充值余额，或使用本页的其他付款方式。",
	"Top up the balance":                                                        "充值余额",

	"Password again":     "再次输入密码",
	"New password again": "再次输入新密码",
	"At least 8 characters, and not a common password such as password1 or qwertyuiop.":        "至少 8 位，不能是 password1、qwertyuiop 这类常见密码。",
	"At least 8 characters, not a common password. You will be signed out everywhere.":         "至少 8 位，不能是常见密码。修改后所有设备都会退出登录。",
	"The two passwords differ: type the same password twice.":                                  "两次输入的密码不一致，请输入相同的密码。",
	"The two payment passwords differ: type the same six digits twice.":                        "两次输入的支付密码不一致，请输入相同的 6 位数字。",
	"This password is too common: it is on the lists attackers try first. Choose another one.": "这个密码太常见，是盗号者最先尝试的密码之一，请换一个。",

	"Check what will happen, then confirm once more.": "请看清将发生什么，再确认一次。",
	"%s will be paid to %s.":                          "%s 将付给%s。",
	"the seller":                                      "卖家",
	"the shop %s":                                     "店铺「%s」",
	"This cannot be undone: after confirming you can no longer ask for a refund here.": "确认后无法撤销，也不能再在这里申请退款。",
	"Pay %s to the seller": "确认付款 %s 给卖家",
	"Not yet":              "暂不确认",
	"An operator will decide what happens to the %s held: back to you, to the seller, or split.": "平台客服将决定托管中的 %s 如何处理：退给您、付给卖家，或按比例分配。",
	"Once opened, the dispute cannot be withdrawn and the operator's decision is final.":         "纠纷一旦提交就不能撤回，客服的裁决为最终结果。",
	"Open the dispute":                  "提交纠纷",
	"Not now":                           "暂不提交",
	"Less than what is held in escrow.": "须少于托管中的金额。",
	"See what each party gets":          "查看双方各得多少",
	"The buyer gets back":               "买家退回",
	"The seller gets":                   "卖家所得",
	"The buyer gets %s, the seller gets %s, the commission is %s. A decision cannot be undone.": "买家得 %s，卖家得 %s，平台佣金 %s。裁决后无法撤销。",
	"Decide: this is final": "确认裁决（不可撤销）",
	"Freeze %s (%s)?":       "冻结 %s（%s）？",
	"They can still sign in and look, but they cannot move money: no payments, confirmations of receipt, refunds or withdrawals until an operator unfreezes them.": "对方仍可登录查看，但不能动用资金：在客服解冻之前，不能付款、确认收货、退款或提现。",
	"Reason (recorded in the audit log): %s": "原因（记入审计日志）：%s",
	"Freeze this user":                       "冻结此用户",
}

func init() {
	for k, v := range zhOnboard {
		zhCatalog[k] = v
	}
}
