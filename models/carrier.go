package models

import (
	"net/url"
	"regexp"
	"strings"
)

// Carrier is one of the common Chinese express carriers a seller can choose
// when marking an order shipped. Format, when set, is the shape of that
// carrier's tracking numbers; TrackURL is its public tracking page, with %s
// replaced by the (query-escaped) tracking number.
type Carrier struct {
	Code     string
	NameZh   string
	NameEn   string
	Format   *regexp.Regexp
	TrackURL string
}

// CarrierOther is the code for a carrier not in the list; its name is free text.
const CarrierOther = "other"

// Carriers is the list shown in the ship form, in display order.
// Formats are deliberately loose (prefix + length) so real numbers are not refused.
var Carriers = []Carrier{
	{"SF", "顺丰速运", "SF Express", regexp.MustCompile(`^SF\d{12,13}$`), "https://www.sf-express.com/chn/sc/waybill/waybill-detail/%s"},
	{"ZTO", "中通快递", "ZTO Express", regexp.MustCompile(`^(7[0-9]|6[0-9])\d{10}$`), "https://www.zto.com/?num=%s"},
	{"YTO", "圆通速递", "YTO Express", regexp.MustCompile(`^YT\d{13,15}$`), "https://www.yto.net.cn/?num=%s"},
	{"YUNDA", "韵达快递", "Yunda Express", regexp.MustCompile(`^\d{13,15}$`), "https://www.yundaex.com/?num=%s"},
	{"STO", "申通快递", "STO Express", regexp.MustCompile(`^(77|88|66|55|99)\d{11,13}$`), "https://www.sto.cn/?num=%s"},
	{"JT", "极兔速递", "J&T Express", regexp.MustCompile(`^JT\d{13}$`), "https://www.jtexpress.com.cn/?num=%s"},
	{"JD", "京东物流", "JD Logistics", regexp.MustCompile(`^JD[A-Z0-9]{11,15}$`), "https://www.jdl.com/orderSearch/?waybillCodes=%s"},
	{"EMS", "中国邮政/EMS", "China Post / EMS", regexp.MustCompile(`^([A-Z]{2}\d{9}[A-Z]{2}|\d{13})$`), "https://www.ems.com.cn/?mailNum=%s"},
	{"DEPPON", "德邦快递", "Deppon Express", regexp.MustCompile(`^(DPK)?\d{9,13}$`), "https://www.deppon.com/?num=%s"},
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

// TrackingMatches reports whether no is a plausible tracking number for c.
// Carriers without a known format accept any number.
func (c Carrier) TrackingMatches(no string) bool {
	return c.Format == nil || c.Format.MatchString(strings.ToUpper(strings.TrimSpace(no)))
}

// TrackingLink is the carrier's public tracking page for no.
func (c Carrier) TrackingLink(no string) string {
	if c.TrackURL == "" {
		return ""
	}
	return strings.Replace(c.TrackURL, "%s", url.QueryEscape(strings.TrimSpace(no)), 1)
}
