package models

import (
	"strings"
	"testing"
)

func TestCarrierFormats(t *testing.T) {
	cases := []struct {
		code, no string
		ok       bool
	}{
		{"SF", "SF1234567890123", true},
		{"sf", "sf1234567890123", true}, // typed in lower case
		{"SF", "123456789012", true},    // the older 12 digits
		{"SF", "SF123", false},
		{"ZTO", "73123456789012", true}, // 14 digits, today's
		{"ZTO", "731234567890", true},   // 12 digits, older
		{"ZTO", "ZT1234567890", false},
		{"YTO", "YT1234567890123", true},
		{"YUNDA", "4312345678901", true},
		{"YUNDA", "431234567890123", true},
		{"STO", "773123456789012", true},
		{"STO", "43123456789012345", true},
		{"JT", "JT1234567890123", true},
		{"JT", "SF1234567890123", false},
		{"JD", "JDVA12345678901", true},
		{"JD", "JDVA12345678901-1-1-", true},
		{"JD", "SF1234567890123", false},
		{"EMS", "EA123456789CN", true},
		{"EMS", "9812345678901", true},
		{"EMS", "EA12345CN", false},
		{"DEPPON", "DPK123456789012", true},
		{"DEPPON", "5012345678", true},
	}
	for _, c := range cases {
		car, found := CarrierByCode(c.code)
		if !found {
			t.Fatalf("carrier %q not found", c.code)
		}
		if got := car.TrackingMatches(c.no); got != c.ok {
			t.Errorf("%s %s: got %v want %v", c.code, c.no, got, c.ok)
		}
	}
	for _, c := range Carriers {
		if !c.TrackingMatches(c.Example) {
			t.Errorf("%s: its own example %s does not match", c.Code, c.Example)
		}
	}
	if _, found := CarrierByCode("nope"); found {
		t.Error("unknown carrier found")
	}
}

func TestCarrierCodesListsEveryCarrier(t *testing.T) {
	var codes []string
	for _, c := range Carriers {
		codes = append(codes, c.Code)
	}
	if got := strings.Join(append(codes, CarrierOther), ","); got != CarrierCodes {
		t.Errorf("CarrierCodes = %q, the list gives %q", CarrierCodes, got)
	}
}

func TestTrackingLinks(t *testing.T) {
	sf, _ := CarrierByCode("SF")
	if l := sf.TrackingLink(" sf1234567890123 "); l != "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890123" {
		t.Errorf("SF link: %s", l)
	}
	zto, _ := CarrierByCode("ZTO")
	if l := zto.TrackingLink("7312&x"); l != "https://www.zto.com/express/expressCheck.html?txtBill=7312%26X" {
		t.Errorf("ZTO link not escaped: %s", l)
	}
	o := Order{CarrierCode: "YTO", TrackingNo: "YT1234567890123"}
	if l := o.TrackingLink(); l != "" {
		t.Errorf("YTO has no confirmed page, got %s", l)
	}
	o = Order{CarrierCode: CarrierOther, Carrier: "SF", TrackingNo: "SF1234567890123"}
	if l := o.TrackingLink(); l != "" {
		t.Errorf("another carrier is never linked, got %s", l)
	}
	o = Order{CarrierCode: "JD", TrackingNo: "JDVA12345678901"}
	if l := o.TrackingLink(); l != "https://www.jdl.com/orderSearch/?waybillCodes=JDVA12345678901" {
		t.Errorf("JD link: %s", l)
	}
}

func TestResolveCarrier(t *testing.T) {
	for text, want := range map[string][2]string{
		"SF": {"SF", ""}, "sf express": {"SF", ""}, "顺丰速运": {"SF", ""}, "中国邮政": {"EMS", ""},
		"Fast Horse 快马": {CarrierOther, "Fast Horse 快马"}, " ": {"", ""},
	} {
		code, name := ResolveCarrier(text)
		if code != want[0] || name != want[1] {
			t.Errorf("%q: %q %q, want %q", text, code, name, want)
		}
	}
}

func TestShipCarrier(t *testing.T) {
	code, name, no, err := shipCarrier("sf", "", " sf1234567890123 ")
	if err != nil || code != "SF" || name != "SF Express" || no != "SF1234567890123" {
		t.Fatalf("listed: %q %q %q %v", code, name, no, err)
	}
	code, name, no, err = shipCarrier("other", " 快马速递 ", "KM-0001-22")
	if err != nil || code != CarrierOther || name != "快马速递" || no != "KM-0001-22" {
		t.Fatalf("other: %q %q %q %v", code, name, no, err)
	}
	fields := func(err error) map[string]bool {
		out := map[string]bool{}
		if e := AsError(err); e != nil {
			for _, f := range e.Fields {
				if f.Code != EINVALID {
					t.Errorf("code %s", f.Code)
				}
				out[f.Field] = true
			}
		}
		return out
	}
	for _, c := range []struct {
		code, name, no string
		field          string
	}{
		{"SF", "", "JT1234567890123", "tracking_no"}, // another carrier's number
		{"SF", "", "SF12", "tracking_no"},
		{"other", "", "KM000122", "carrier_name"},
		{"other", "快马\u202e速递", "KM000122", "carrier_name"},
		{"", "", "SF1234567890123", "carrier"},
		{"FEDEX", "", "SF1234567890123", "carrier"},
	} {
		_, _, _, err := shipCarrier(c.code, c.name, c.no)
		if f := fields(err); len(f) != 1 || !f[c.field] {
			t.Errorf("%+v: %v", c, err)
		}
	}
}
