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
	// The address book.
	"Addresses":          "收货地址",
	"Delivery addresses": "收货地址",
	"No addresses yet":   "还没有收货地址",
	"Add the address your parcels go to: checkout then fills it in for you.": "添加您的收货地址，下单时会自动填好。",
	"Add an address":             "新增收货地址",
	"Change the address":         "修改收货地址",
	"Default":                    "默认",
	"Delete":                     "删除",
	"Make it the default":        "设为默认",
	"Make it my default address": "设为默认收货地址",
	"Save the address":           "保存地址",
	"Region":                     "所在地区",
	"Province":                   "省份",
	"City":                       "城市",
	"District":                   "区/县",
	"Choose the province":        "请选择省份",
	"Choose the city":            "请选择城市",
	"Choose the district":        "请选择区/县",
	"Street and number":          "详细地址",
	"Street, building, unit and door, e.g. 中华路 88 号 3 单元 501": "街道、楼栋、单元、门牌号，例如 中华路 88 号 3 单元 501",
	"Recipient":                                        "收货人",
	"Mobile number":                                    "手机号码",
	"Address saved.":                                   "地址已保存。",
	"This is your default address now.":                "已设为默认收货地址。",
	"Address deleted.":                                 "地址已删除。",
	"Choose the province.":                             "请选择省份。",
	"Choose the city.":                                 "请选择城市。",
	"Choose the district.":                             "请选择区/县。",
	"Choose the region, then save the address.":        "请先选好所在地区，再保存地址。",
	"No such province or city.":                        "没有这个省份或城市。",
	"Enter the recipient's mobile number (11 digits).": "请填写收货人的手机号码（11 位）。",
	"Enter the street, building and door number.":      "请填写街道、楼栋和门牌号。",
	"Your address book is full (%d addresses): delete one first.": "收货地址已满（%d 个），请先删除一个。",
	"Choose one of your addresses.":                               "请选择您的一个收货地址。",
	// Checkout.
	"Send to":                         "寄送到",
	"Another address (fill in below)": "其他地址（在下方填写）",
	"Manage addresses":                "管理收货地址",
	"Save your addresses in the address book to choose them here next time.": "把地址存入收货地址簿，下次下单直接选择。",
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
