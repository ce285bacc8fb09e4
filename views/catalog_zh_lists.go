package views

// zhLists translates the order lists' tabs, next steps and state labels.
var zhLists = map[string]string{
	"Orders by status":            "按状态查看订单",
	"To pay":                      "待付款",
	"To ship":                     "待发货",
	"To receive":                  "待收货",
	"Refunds":                     "退款/售后",
	"All":                         "全部",
	"Next step":                   "下一步",
	"Pay now":                     "立即付款",
	"Ship":                        "发货",
	"Answer the refund":           "处理退款",
	"Completed · partly refunded": "交易成功 · 部分退款",
	"Closed · refunded":           "交易关闭 · 已退款",
}

func init() {
	for k, v := range zhLists {
		zhCatalog[k] = v
	}
}
