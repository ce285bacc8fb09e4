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
}

func init() {
	for k, v := range zhIVR {
		zhCatalog[k] = v
	}
}
