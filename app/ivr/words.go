package ivr

import (
	"context"
	"fmt"
	"strings"

	"lineescrow/models"
	"lineescrow/views"
)

// What the hotline says (Mandarin, for the platform's speech synthesis).
const (
	sayWelcome       = "您好，欢迎致电固话宝支付热线。"
	sayMenu          = "查询余额和可用额度请按1，最近五笔记录请按2，向商店付款请按3，确认收货请按4，充值卡充值请按5，转账请按6，修改支付密码请按7，缴费请按8，人工服务请按0。"
	sayUnbound       = "您的电话号码还没有绑定固话宝账户。请登录固话宝网站，在“固话”页面绑定本机号码后再拨打本热线。再见。"
	sayNotYet        = "该服务暂未开通，敬请期待。"
	sayFailure       = "系统繁忙，请稍后再拨。再见。"
	sayGoodbye       = "再见。"
	sayCancelled     = "已取消，没有扣款。"
	sayConfirm       = "您将%s，金额%s，收款方%s。确认请按1，取消请按2。"
	sayEnterPIN      = "请输入六位支付密码。"
	sayPINLength     = "支付密码是六位数字。"
	sayWrongPIN      = "支付密码错误。"
	sayTooManyPINs   = "支付密码已输错三次，为了您的资金安全，本次通话结束。再见。"
	sayLocked        = "由于多次输错支付密码，支付功能已暂时锁定，请稍后再试。再见。"
	sayAgent         = "正在为您转接人工服务，请稍候。"
	sayBalance       = "您的余额为%s。"
	sayCredit        = "您的固话可用额度为%s。"
	sayCreditBlocked = "您的固话目前不能记账付款。"
	sayNoRecords     = "您的余额还没有收支记录。"
	sayRecords       = "您最近%d笔记录："
	sayNoShipped     = "您没有待确认收货的订单。"
	sayShipped       = "您有%d笔已发货的订单。"
	sayNoSuchChoice  = "没有这个选项。"
	sayConfirmed     = "订单%d已确认收货，%s已付给%s。"
	sayCardNo        = "请输入充值卡的十六位卡号。"
	sayCardPIN       = "请输入充值卡的八位密码。"
	sayCardDone      = "尾号%s的充值卡充值成功，%s已存入余额，现在余额为%s。"
	sayCardPending   = "充值卡正在兑换，请稍后查询余额。"
	sayOldPIN        = "请输入原六位支付密码。"
	sayNewPIN        = "请输入新的六位支付密码。"
	sayNewPINAgain   = "请再次输入新的支付密码。"
	sayPINMismatch   = "两次输入的新密码不一致，支付密码没有修改。"
	sayPINWeak       = "新密码太简单，请不要使用连续或相同的数字。支付密码没有修改。"
	sayPINChanged    = "支付密码已修改。"
)

// Amount says an amount of money as it is read aloud: "38元5角".
func Amount(m models.Money) string {
	fen := m.Fen()
	sign := ""
	if fen < 0 {
		sign, fen = "负", -fen
	}
	s := fmt.Sprintf("%s%d元", sign, fen/100)
	if j := fen % 100 / 10; j > 0 {
		s += fmt.Sprintf("%d角", j)
	}
	if f := fen % 10; f > 0 {
		if fen%100/10 == 0 {
			s += "零"
		}
		s += fmt.Sprintf("%d分", f)
	}
	return s
}

var zh = views.WithInfo(context.Background(), &views.Info{Lang: views.Chinese})

// refusal says why a step was refused, in Mandarin (the portals' message,
// translated).
func refusal(e *models.Error) string {
	text := views.ErrorText(zh, e)
	if !strings.HasSuffix(text, "。") {
		text += "。"
	}
	return "对不起，" + text
}
