package views

// zhSmall translates the bank simulator's confirmation and other small texts.
var zhSmall = map[string]string{
	"Transfer sent: %s with the memo %s (bank transaction %s). The bank is telling the platform now, and keeps retrying until the platform accepts it.": "转账已发出：%s，附言 %s（银行流水 %s）。银行正在通知平台，平台确认收到前会一直重试。",
	"Back to the order": "返回订单",
}

func init() {
	for k, v := range zhSmall {
		zhCatalog[k] = v
	}
}
