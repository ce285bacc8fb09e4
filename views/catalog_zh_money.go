package views

// zhMoney translates the texts of reversals, claw-backs and the other money
// safety checks.
var zhMoney = map[string]string{
	"No claw-back %d.":                            "没有编号为 %d 的追偿记录。",
	"Order %d cannot do that now.":                "订单 %d 当前不能进行此操作。",
	"Say why (at most 500 characters).":           "请说明原因（最多 500 字）。",
	"This claw-back is already settled.":          "这笔追偿已经处理完毕。",
	"This transfer is already marked for return.": "这笔转账已标记为退回付款人。",
}

func init() {
	for k, v := range zhMoney {
		zhCatalog[k] = v
	}
}
