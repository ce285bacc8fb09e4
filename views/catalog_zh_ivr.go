package views

// zhIVR translates the texts of the hotline simulator (bankbridge/phonesim).
var zhIVR = map[string]string{
	"Hotline simulator": "支付热线模拟器",
	"This page plays the operator's IVR platform: it calls the payment hotline from a demo landline, speaks its VoiceXML prompts as text and sends the keys you press.": "本页模拟运营商的语音平台：用演示固话拨打支付热线，把热线的 VoiceXML 提示以文字播放，并发送您的按键。",
	"Calling line":         "主叫号码",
	"Call the hotline":     "拨打热线",
	"Call":                 "通话",
	"Or type several keys": "或一次输入多个按键",
	"Send keys":            "发送按键",
	"Hang up":              "挂机",
	"The call has ended.":  "通话已结束。",
	// The hotline's refusals, spoken to the caller.
	"No such order.":               "没有这个订单。",
	"Nothing to confirm.":          "没有需要确认的内容。",
	"The order changed meanwhile.": "订单刚刚有变化，请重新操作。",
	// The operators' incoming calls.
	"Incoming calls": "来电记录",
	"Callers of the payment hotline who pressed 0 for a person, newest first: who is calling and what they were doing.": "在支付热线按 0 转人工的来电，最新的在前：来电人是谁、之前在办理什么。",
	"Nobody has asked for a person on the hotline yet.":                                                                 "还没有人在热线上转人工。",
	"Not bound to an account":                 "未绑定账户",
	"Was in: %s.":                             "来电前在：%s。",
	"%d wrong payment passwords in this call": "本次通话输错支付密码 %d 次",
	"Main menu":                               "主菜单",
	"Balance and credit left":                 "查询余额和可用额度",
	"Last five records":                       "最近五笔记录",
	"Pay a shop":                              "向商店付款",
	"Recharge card":                           "充值卡充值",
	"Change the payment password":             "修改支付密码",
	"Pay a bill":                              "缴费",
}

func init() {
	for k, v := range zhIVR {
		zhCatalog[k] = v
	}
}
