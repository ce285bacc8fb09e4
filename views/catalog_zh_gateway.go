package views

// zhGateway translates the texts of the merchant gateway (app/gateway) and of
// the orders that come from it. The gateway's API replies are in English; the
// portals show these.
var zhGateway = map[string]string{
	// Orders from gateway trades.
	"Taken at the cashier":                                  "已在收银台认领",
	"Closed by the shop":                                    "商户已关闭交易",
	"Refunded by the shop":                                  "商户已退款",
	"Only buyers can pay.":                                  "只有买家可以付款。",
	"This can no longer be paid.":                           "这笔交易已无法付款。",
	"Another buyer is already paying for this.":             "另一位买家正在支付这笔交易。",
	"Order %d has no buyer yet: it is paid at the cashier.": "订单 %d 还没有买家：请在收银台付款。",
	"No such trade.":                                        "没有这笔交易。",
	"This shop cannot take payments now.":                   "该商户目前无法收款。",
	"The form could not be read.":                           "无法读取表单内容。",
	"There is nothing to return to the shop with yet.":      "交易尚未付款，暂时无法返回商户。",

	// Merchants, keys, endpoints.
	"Your shop is not a merchant of the gateway yet: an operator approves shops.":                          "您的店铺还不是网关商户：需由运营人员审核开通。",
	"No merchant has the app id %s.":                                                                       "没有 app id 为 %s 的商户。",
	"Choose a grace period from 0 to 24 hours.":                                                            "请选择 0 到 24 小时的过渡期。",
	"This is already your current key.":                                                                    "这已经是您当前的公钥。",
	"The key must be RSA of at least %d bits.":                                                             "公钥必须是至少 %d 位的 RSA 密钥。",
	"Only RSA keys are accepted (at least %d bits).":                                                       "只接受 RSA 密钥（至少 %d 位）。",
	"Paste one RSA public key in PEM format, from -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----.": "请粘贴一个 PEM 格式的 RSA 公钥，从 -----BEGIN PUBLIC KEY----- 到 -----END PUBLIC KEY-----。",
	"This is a private key: keep it on your server and never send it to anyone. Paste the public key (openssl pkey -in key.pem -pubout).": "这是私钥：请只保存在您的服务器上，绝不要发给任何人。请粘贴公钥（openssl pkey -in key.pem -pubout）。",
	"Enter an http:// or https:// URL of at most 512 characters, without a user name or #fragment.":                                       "请输入 http:// 或 https:// 开头、最多 512 个字符的网址，不含用户名或 #片段。",
	"Enter an http:// or https:// URL of at most 1024 characters, without a user name or #fragment.":                                      "请输入 http:// 或 https:// 开头、最多 1024 个字符的网址，不含用户名或 #片段。",
	"Notifications may not go to a loopback, private or link-local address, nor to a name without a domain.":                              "通知不能发往回环、内网或链路本地地址，也不能发往没有域名后缀的主机名。",
	"Enter host names such as shop.example.com or shop.example.com:8443, separated by commas or new lines.":                               "请输入主机名，如 shop.example.com 或 shop.example.com:8443，用逗号或换行分隔。",
	"At most %d hosts.":                                                    "最多 %d 个主机。",
	"Register the hosts of your return URLs first.":                        "请先登记返回网址的主机。",
	"The return URL must be on a host you registered (%s).":                "返回网址必须在您登记的主机上（%s）。",
	"The return URL repeats the parameter %s.":                             "返回网址中参数 %s 出现了多次。",
	"The return URL may not carry the parameter %s: the platform adds it.": "返回网址不能带参数 %s：该参数由平台添加。",
	"The return URL's query string is malformed.":                          "返回网址的查询字符串格式不正确。",
	"No such notification.":                                                "没有这条通知。",

	// The gateway's requests and methods.
	"This parameter is required.":                                          "此参数必填。",
	"Give each parameter once.":                                            "每个参数只能给出一次。",
	"Only UTF-8 is supported.":                                             "只支持 UTF-8 编码。",
	"Parameters must be UTF-8 text.":                                       "参数必须是 UTF-8 文本。",
	"Too many parameters (at most %d).":                                    "参数太多（最多 %d 个）。",
	"The body must be a JSON object of strings.":                           "请求体必须是值均为字符串的 JSON 对象。",
	"Every value must be a JSON string (amounts too, such as \"259.00\").": "每个值都必须是 JSON 字符串（金额也是，如 \"259.00\"）。",
	"No merchant has this app_id.":                                         "没有使用此 app_id 的商户。",
	"sign_type must be RSA2 (SHA256withRSA).":                              "sign_type 必须为 RSA2（SHA256withRSA）。",
	"The merchant has no valid public key: upload one on the gateway page of the seller portal.":           "商户没有有效的公钥：请在卖家后台的网关页面上传。",
	"The signature does not verify with the merchant's public key.":                                        "签名无法用商户的公钥验证。",
	"The timestamp must be yyyy-MM-dd HH:mm:ss in Beijing time, within 5 minutes of the platform's clock.": "timestamp 必须是北京时间 yyyy-MM-dd HH:mm:ss 格式，且与平台时钟相差不超过 5 分钟。",
	"This merchant is frozen: the gateway refuses its requests.":                                           "该商户已被冻结：网关拒绝其请求。",
	"Unknown method %s.": "未知的方法 %s。",
	"The nonce must be 8 to 64 letters, digits, dashes or underscores.":                           "nonce 必须是 8 到 64 个字母、数字、短横线或下划线。",
	"This nonce was used before: send every request with a new one.":                              "此 nonce 已使用过：每个请求都要用新的 nonce。",
	"The out_trade_no must be 1 to 64 letters, digits, underscores or dashes.":                    "out_trade_no 必须是 1 到 64 个字母、数字、下划线或短横线。",
	"The out_request_no must be 1 to 64 letters, digits, underscores or dashes.":                  "out_request_no 必须是 1 到 64 个字母、数字、下划线或短横线。",
	"The timeout must be a whole number of minutes, hours or days (30m, 2h, 3d), from 1m to 15d.": "超时时间必须是整数的分钟、小时或天（30m、2h、3d），从 1m 到 15d。",
	"Give a notify_url, or set your shop's default notify URL on the gateway page.":               "请给出 notify_url，或在网关页面设置店铺的默认通知网址。",
	"The out_trade_no %s names a trade with other content: give each trade its own number.":       "out_trade_no %s 已用于内容不同的交易：每笔交易请使用自己的编号。",
	"Give trade_no or out_trade_no.":                                                              "请给出 trade_no 或 out_trade_no。",
	"No trade of yours has this trade_no or out_trade_no.":                                        "您没有这个 trade_no 或 out_trade_no 的交易。",
	"The out_request_no %s names a refund with another amount or reason.":                         "out_request_no %s 已用于金额或原因不同的退款。",
	"Give the day as yyyy-MM-dd.":                                                                 "请按 yyyy-MM-dd 给出日期。",
	"The day has not begun yet.":                                                                  "这一天还没有开始。",
	"Too many movements for one bill: ask an operator for this day's statement.":                  "一份账单的记录太多：请向运营人员索取这一天的对账单。",
}

func init() {
	for k, v := range zhGateway {
		zhCatalog[k] = v
	}
}
