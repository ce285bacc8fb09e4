package views

// zhInstoreLine translates the texts of in-store payments charged to a
// landline (app/instore, app/telecom).
var zhInstoreLine = map[string]string{
	"In-store payment %s":                                                       "到店付款 %s",
	"Available once the phone company collects the bill":                        "电信公司收回话费后到账",
	"Bind your landline first: then payments can be charged to its phone bill.": "请先绑定固话，然后才能把付款记入它的话费。",
	"Choose how to pay: your balance or your landline's phone bill.":            "请选择付款方式：余额，或记入固话话费。",
	"In-store payment %s is not of the charge's amount.":                        "到店付款 %s 的金额与话费扣款不符。",
	"In-store payment %s is not waiting for its charge.":                        "到店付款 %s 不在等待话费扣款。",
	"My balance (%s)":               "我的余额（%s）",
	"My landline's phone bill (%s)": "记入我的固话话费（%s）",
	"Paid with":                     "付款方式",
	"Pay with":                      "付款方式",
	"Paying shops by phone bill is not available.": "暂不支持用话费付款给商家。",
	"Refused by the phone company":                 "电信公司拒绝了扣款",
	"The balance":                                  "余额",
	"The phone bill of %s":                         "%s 的话费",
	"The phone company has not accepted this payment, so there is nothing to refund.":                                                "电信公司尚未确认这笔付款，没有可退的钱。",
	"The phone company refused to charge this payment to your landline. Pay another way.":                                            "电信公司拒绝把这笔付款记入您的固话话费。请换一种方式付款。",
	"The whole amount is taken off the customer's phone bill, the platform's fee too. Possible until %s.":                            "全部金额（含平台手续费）从顾客的话费中扣回。%s 之前可以退款。",
	"This payment (%s) is more than the line's credit left (%s of %s). Pay from your balance, or wait until the phone bill is paid.": "这笔付款（%s）超过了这条线路剩余的额度（剩 %s，共 %s）。请用余额付款，或等话费缴清后再付。",
	"This payment cannot be charged to this landline: the line is linked to the shop. Pay from your balance.":                        "这笔付款不能记入这条固话的话费：这条线路与该商家有关联。请用余额付款。",
	"This payment cannot be refunded to the phone bill now.":                                                                         "这笔付款现在不能退回话费。",
	"Your landline cannot pay this:": "您的固话不能支付这笔：",
	"from the balance":               "余额付款",
	"on the phone bill":              "记入话费",
}

func init() {
	for k, v := range zhInstoreLine {
		if _, ok := zhCatalog[k]; !ok {
			zhCatalog[k] = v
		}
	}
}
