package models

import (
	"net/url"
	"regexp"
	"strings"
)

// Carrier is one of the common Chinese express carriers a seller can choose
// when marking an order shipped. Format, when set, is the shape of that
// carrier's tracking numbers (checked on the upper-cased number); Example is
// one number of that shape, shown when a number does not fit. TrackURL is the
// carrier's own public tracking page, with %s replaced by the (escaped)
// tracking number; empty when we are not sure of the carrier's URL, and then
// no link is shown (a wrong link is worse than none).
type Carrier struct {
	Code     string
	NameZh   string
	NameEn   string
	Format   *regexp.Regexp
	Example  string
	TrackURL string
}

// CarrierOther is the code for a carrier not in the list; its name is free text.
const CarrierOther = "other"

// CarrierCodes are the codes a seller may choose (Carriers' codes, then
// CarrierOther), as the API's enum lists them.
const CarrierCodes = "SF,ZTO,YTO,YUNDA,STO,JT,JD,EMS,DEPPON," + CarrierOther

// Carriers is the list shown in the ship form, in display order.
//
// The formats are deliberately lenient: a wrong refusal stops a seller from
// shipping, a wrong acceptance only keeps a typo, so when unsure a shape is
// accepted. They were compared with published validation rules (kuaidi100
// style lists): SF is "SF" and 13 characters since 2019 (12 digits before);
// ZTO 12 digits, now 14 starting 73–78; YTO "YT" and 13 digits (older ones
// 10–12 characters); Yunda 13 or 15 digits; STO 12 to 17 digits (77…, 43…,
// 55…); J&T "JT" and 13 digits; JD "JD", two letters or digits and 11 digits,
// sometimes with a package suffix (-1-1-); China Post and EMS 13 digits
// (1…, 9…), the UPU form EA123456789CN or P and a letter and 11 digits; Deppon
// "DPK" and 12 digits, older ones 8 to 10 digits.
//
// Tracking pages: only SF Express (waybill-detail/<number>, its public
// query page), ZTO (expressCheck.html?txtBill=) and JD Logistics
// (orderSearch/?waybillCodes=) are linked; the others' query pages either
// take the number only through a form or we could not confirm their URL,
// so they get no link.
var Carriers = []Carrier{
	{"SF", "顺丰速运", "SF Express", regexp.MustCompile(`^(SF[A-Z0-9]\d{10,13}|\d{12})$`), "SF1234567890123",
		"https://www.sf-express.com/chn/sc/waybill/waybill-detail/%s"},
	{"ZTO", "中通快递", "ZTO Express", regexp.MustCompile(`^\d{12,15}$`), "73123456789012",
		"https://www.zto.com/express/expressCheck.html?txtBill=%s"},
	{"YTO", "圆通速递", "YTO Express", regexp.MustCompile(`^(YT\d{10,17}|[A-Z0-9]{10,12})$`), "YT1234567890123", ""},
	{"YUNDA", "韵达快递", "Yunda Express", regexp.MustCompile(`^\d{12,15}$`), "431234567890123", ""},
	{"STO", "申通快递", "STO Express", regexp.MustCompile(`^\d{12,17}$`), "773123456789012", ""},
	{"JT", "极兔速递", "J&T Express", regexp.MustCompile(`^JT\d{10,15}$`), "JT1234567890123", ""},
	{"JD", "京东物流", "JD Logistics", regexp.MustCompile(`^JD[A-Z0-9]{10,18}(-\d{1,3}-\d{1,3}-?)?$`), "JDVA12345678901",
		"https://www.jdl.com/orderSearch/?waybillCodes=%s"},
	{"EMS", "中国邮政/EMS", "China Post / EMS", regexp.MustCompile(`^([A-Z]{2}\d{9}[A-Z]{2}|\d{13}|[A-Z]{2}\d{11})$`), "9812345678901", ""},
	{"DEPPON", "德邦快递", "Deppon Express", regexp.MustCompile(`^(DPK\d{9,15}|\d{8,13})$`), "DPK123456789012", ""},
}

// CarrierByCode finds a listed carrier by its code (case-insensitive).
func CarrierByCode(code string) (Carrier, bool) {
	for _, c := range Carriers {
		if strings.EqualFold(c.Code, strings.TrimSpace(code)) {
			return c, true
		}
	}
	return Carrier{}, false
}

// ResolveCarrier turns a carrier given as free text (a code, or a listed
// carrier's Chinese or English name, as the merchant gateway's shops send it)
// into a code and a name: the listed carrier's, or CarrierOther and the text.
func ResolveCarrier(text string) (code, name string) {
	text = strings.TrimSpace(text)
	if c, ok := CarrierByCode(text); ok {
		return c.Code, ""
	}
	for _, c := range Carriers {
		if strings.EqualFold(text, c.NameEn) || text == c.NameZh || (c.Code == "EMS" && (text == "中国邮政" || text == "邮政")) {
			return c.Code, ""
		}
	}
	if text == "" {
		return "", ""
	}
	return CarrierOther, text
}

// NormalizeTracking is how a tracking number is kept: trimmed and, for a
// listed carrier, upper-cased (their numbers are, and people type sf123…).
func (c Carrier) NormalizeTracking(no string) string {
	return strings.ToUpper(strings.TrimSpace(no))
}

// TrackingMatches reports whether no is a plausible tracking number for c.
// Carriers without a known format accept any number.
func (c Carrier) TrackingMatches(no string) bool {
	return c.Format == nil || c.Format.MatchString(c.NormalizeTracking(no))
}

// TrackingLink is the carrier's public tracking page for no ("" when the
// carrier has none we link to).
func (c Carrier) TrackingLink(no string) string {
	if c.TrackURL == "" {
		return ""
	}
	esc := url.PathEscape(c.NormalizeTracking(no))
	if strings.Contains(c.TrackURL, "?") {
		esc = url.QueryEscape(c.NormalizeTracking(no))
	}
	return strings.Replace(c.TrackURL, "%s", esc, 1)
}

// OrderCarrier is the listed carrier an order was shipped with (false for
// another carrier, or an order shipped before carriers were listed).
func (o Order) OrderCarrier() (Carrier, bool) {
	if o.CarrierCode == "" || o.CarrierCode == CarrierOther {
		return Carrier{}, false
	}
	return CarrierByCode(o.CarrierCode)
}

// TrackingLink is the public tracking page of the order's shipment, "" when
// there is none to link to.
func (o Order) TrackingLink() string {
	if c, ok := o.OrderCarrier(); ok && o.TrackingNo != "" {
		return c.TrackingLink(o.TrackingNo)
	}
	return ""
}

// shipCarrier checks the carrier and tracking number of a shipment: code is a
// listed carrier's or CarrierOther with a name. It returns what is kept.
func shipCarrier(code, name, tracking string) (carrierCode, carrierName, trackingNo string, err error) {
	code, name, tracking = strings.TrimSpace(code), strings.TrimSpace(name), strings.TrimSpace(tracking)
	var ps []*Error
	trackingOK := len(tracking) >= 6 && len(tracking) <= 40 &&
		strings.Trim(tracking, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") == ""
	if !trackingOK {
		ps = append(ps, FieldError("tracking_no", "Enter the tracking number: 6 to 40 letters, digits or dashes."))
	}
	c, listed := CarrierByCode(code)
	switch {
	case listed:
		code, name = c.Code, c.NameEn
		if trackingOK {
			tracking = c.NormalizeTracking(tracking)
			if !c.TrackingMatches(tracking) {
				ps = append(ps, FieldError("tracking_no", "This does not look like a tracking number of this carrier (for example %s). Check the number and the carrier.", c.Example))
			}
		}
	case strings.EqualFold(code, CarrierOther):
		code = CarrierOther
		n, err := CheckName("carrier_name", name, 40)
		if err != nil {
			ps = append(ps, AsError(err))
		}
		name = n
	case code == "":
		ps = append(ps, FieldError("carrier", "Choose the carrier."))
	default:
		ps = append(ps, FieldError("carrier", "Choose a carrier from the list, or Other."))
	}
	if err := Invalid(ps...); err != nil {
		return "", "", "", err
	}
	return code, name, tracking, nil
}
