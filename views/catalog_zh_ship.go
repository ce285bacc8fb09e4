package views

import "lineescrow/models"

// zhShip translates shipping: the carriers, the ship form and its errors,
// the tracking link, and the buyer's address book.
var zhShip = map[string]string{
	"Choose the carrier":                               "请选择快递公司",
	"Another carrier":                                  "其他快递公司",
	"Other carrier's name":                             "其他快递公司名称",
	"Only when the carrier is not in the list.":        "仅当快递公司不在列表中时填写。",
	"As printed on the waybill, e.g. SF1234567890123.": "与面单上一致，例如 SF1234567890123。",
	"Track it on the carrier's site":                   "到快递公司官网查物流",
	"Choose the carrier.":                              "请选择快递公司。",
	"Choose a carrier from the list, or Other.":        "请从列表中选择快递公司，或选择“其他快递公司”。",
	"This does not look like a tracking number of this carrier (for example %s). Check the number and the carrier.": "这不像该快递公司的运单号（例如 %s）。请核对运单号和快递公司。",
}

func init() {
	for k, v := range zhShip {
		zhCatalog[k] = v
	}
	// The listed carriers' names: the English name is the key the order
	// page and the ship form translate.
	for _, c := range models.Carriers {
		zhCatalog[c.NameEn] = c.NameZh
	}
}
