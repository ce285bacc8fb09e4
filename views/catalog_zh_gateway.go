package views

// zhGateway translates the texts of the merchant gateway (app/gateway) and of
// the orders that come from it.
var zhGateway = map[string]string{
	"Taken at the cashier":                                  "已在收银台认领",
	"Closed by the shop":                                    "商户已关闭交易",
	"Refunded by the shop":                                  "商户已退款",
	"Only buyers can pay.":                                  "只有买家可以付款。",
	"This can no longer be paid.":                           "这笔交易已无法付款。",
	"Another buyer is already paying for this.":             "另一位买家正在支付这笔交易。",
	"Order %d has no buyer yet: it is paid at the cashier.": "订单 %d 还没有买家：请在收银台付款。",
}

func init() {
	for k, v := range zhGateway {
		zhCatalog[k] = v
	}
}
