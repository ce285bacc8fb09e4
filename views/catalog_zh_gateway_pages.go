package views

// zhGatewayPages translates the hosted cashier, the seller's gateway page
// and the operators' merchants page.
var zhGatewayPages = map[string]string{
	// The cashier.
	"Cashier":                             "收银台",
	"Paying the shop":                     "付款给商户",
	"Trade number %s":                     "交易号 %s",
	"Pay before %s, or the trade closes.": "请在 %s 前付款，否则交易将关闭。",
	"LineEscrow holds your money until you confirm you received the goods; only then is the shop paid.": "固话宝替您保管货款，您确认收货后才付给商户。",
	"Paid. LineEscrow holds the money until you confirm receipt of the goods.":                          "付款成功。货款由固话宝保管，您确认收货后才付给商户。",
	"Back to %s":                        "返回%s",
	"See the order":                     "查看订单",
	"This trade can no longer be paid.": "这笔交易已无法付款。",
	"Only buyers can pay. Sign out and sign in with a buyer's account.": "只有买家可以付款。请退出后用买家账号登录。",
	"After paying, reload this page to see the payment.":                "付款后请刷新本页查看付款结果。",
	"Pay with LineEscrow":                             "用固话宝付款",
	"Where should the shop send the goods?":           "商户应把货物寄到哪里？",
	"Continue to pay %s":                              "继续支付 %s",
	"Sign in to pay":                                  "登录后付款",
	"New to LineEscrow? Open an account here":         "还没有固话宝账号？在这里注册",
	"Open account and continue":                       "注册并继续",
	"Take the trade first: it is not your order yet.": "请先认领这笔交易：它还不是您的订单。",

	// The seller's gateway page.
	"Payment gateway": "支付网关",
	"Your shop is not a merchant of the gateway yet": "您的店铺还不是网关商户",
	"With the gateway, your own website takes escrow payments through LineEscrow. Ask an operator to approve your shop; your app id then appears here.": "开通网关后，您自己的网站也能通过固话宝收取担保交易的货款。请联系运营人员审核开通，开通后您的 app id 会显示在这里。",
	"App id":                "应用 ID（app id）",
	"Taking payments":       "正常收款",
	"Frozen by an operator": "已被运营人员冻结",
	"Frozen":                "已冻结",
	"Gateway URL":           "网关地址",
	"Your public key":       "您的公钥",
	"Sign every request with your RSA private key (SHA256withRSA, at least 2048 bits). Upload only the public key: your private key never leaves your server.": "每个请求都用您的 RSA 私钥签名（SHA256withRSA，至少 2048 位）。只上传公钥：私钥始终留在您的服务器上。",
	"No key yet: requests are refused until you upload one.": "还没有公钥：上传之前，所有请求都会被拒绝。",
	"Fingerprint (SHA-256)":                                  "指纹（SHA-256）",
	"Bits":                                                   "位数",
	"Current":                                                "当前使用",
	"Valid until the end of its grace period": "过渡期内仍有效",
	"Retired":                          "已停用",
	"RSA public key (PEM)":             "RSA 公钥（PEM 格式）",
	"openssl pkey -in key.pem -pubout": "openssl pkey -in key.pem -pubout",
	"When rotating, keep the old key valid for (hours)":                "更换公钥时，旧公钥继续有效的小时数",
	"0 to 24: requests signed with either key are accepted meanwhile.": "0 到 24：在此期间，用新旧任一私钥签名的请求都会被接受。",
	"Upload key": "上传公钥",
	"Key saved: requests signed with it are accepted from now on.":         "公钥已保存：从现在起接受用它签名的请求。",
	"LineEscrow's public key":                                              "固话宝的公钥",
	"Check the signature of every reply, notification and return with it.": "请用它验证每个应答、通知和返回的签名。",
	"Download the public key":                                              "下载公钥",
	"Notifications and returns":                                            "通知与返回",
	"Default notify URL":                                                   "默认通知地址",
	"Where we POST each change of a trade when the trade names none. Answer the body success.": "交易未指定通知地址时，交易的每次变化都以 POST 发到这里。请应答内容 success。",
	"Hosts of your return URLs": "返回网址的主机",
	"Such as shop.example.com, one per line. Buyers are only sent back to these.":               "如 shop.example.com，每行一个。买家只会被送回这些主机。",
	"Notifications sent to your shop":                                                           "发给您店铺的通知",
	"None yet: each payment, shipment, completion, closing and refund of a trade is sent here.": "还没有：交易的每次付款、发货、完成、关闭和退款都会通知到这里。",
	"Waiting to be sent":       "等待发送",
	"Retrying":                 "重试中",
	"Delivered":                "已送达",
	"Failed":                   "失败",
	"Trade %s":                 "交易 %s",
	"notify_id %s, sent to %s": "notify_id %s，发往 %s",
	"Next try: %s":             "下次重试：%s",
	"sent by hand":             "手动重发",
	"Send again now":           "立即重发",
	"Sending it again now. Its result appears below in a moment.": "正在重发，结果稍后显示在下方。",

	// The operators' merchants page.
	"Merchants":                          "商户",
	"Approve a seller as a merchant":     "审核开通网关商户",
	"Seller number":                      "卖家编号",
	"Approve":                            "开通",
	"Approved":                           "开通时间",
	"No merchants yet":                   "还没有商户",
	"Why freeze?":                        "冻结原因",
	"Freeze":                             "冻结",
	"Unfreeze":                           "解冻",
	"Approved: the shop's app id is %s.": "已开通：该店铺的 app id 为 %s。",
	"Enter the seller's number.":         "请输入卖家编号。",
	"No seller has this number.":         "没有这个编号的卖家。",
	"Merchant frozen: the gateway refuses its requests.": "商户已冻结：网关将拒绝它的请求。",
	"The merchant takes payments again.":                 "商户已恢复收款。",
	"Gateway":                                            "网关",
}

func init() {
	for k, v := range zhGatewayPages {
		if _, ok := zhCatalog[k]; !ok {
			zhCatalog[k] = v
		}
	}
}
