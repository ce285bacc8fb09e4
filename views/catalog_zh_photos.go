package views

// zhPhotos translates listings' photos, categories and shipping.
var zhPhotos = map[string]string{
	// photos
	"Photos":         "商品图片",
	"Add a photo":    "添加图片",
	"Upload":         "上传",
	"Make cover":     "设为主图",
	"Earlier":        "前移",
	"Later":          "后移",
	"Remove":         "删除",
	"Photo added.":   "图片已添加。",
	"Photo removed.": "图片已删除。",
	"Photo %d of %s": "第 %d 张图片：%s",
	"Save the listing first, then add its photos.":                                 "请先保存商品，再添加图片。",
	"Up to %d photos, JPEG, PNG or WebP. The first is the cover on listing cards.": "最多 %d 张图片，支持 JPEG、PNG、WebP；第一张作为商品主图。",
	"At most 8 MB and 40 megapixels. Location and camera data are removed.":        "不超过 8 MB、4000 万像素；上传后会去除位置和相机信息。",
	"A listing has at most %d photos: remove one first.":                           "每件商品最多 %d 张图片，请先删除一张。",
	"Choose an image to upload.":                                                   "请选择要上传的图片。",
	"The file is larger than %d MB.":                                               "文件超过 %d MB。",
	"GIF images are not accepted: upload a JPEG, PNG or WebP photo.":               "不支持 GIF 图片，请上传 JPEG、PNG 或 WebP 格式的照片。",
	"This file is not a JPEG, PNG or WebP image, whatever its name says.":          "该文件不是 JPEG、PNG 或 WebP 图片（与文件名无关）。",
	"The image has too many pixels: at most %d megapixels.":                        "图片像素过多：最多 %d 百万像素。",
	"The image is damaged or incomplete: upload it again, or choose another.":      "图片已损坏或不完整，请重新上传或换一张。",
	"This photo is on the listing already.":                                        "这张图片已经在该商品中。",
	"The file could not be read: upload it again.":                                 "无法读取文件，请重新上传。",
	"Send the body as multipart/form-data.":                                        "请以 multipart/form-data 格式发送请求。",
	"Unknown move.":                                                                "未知的移动方式。",
	// categories
	"Category":                         "类目",
	"All categories":                   "全部类目",
	"Choose a category from the list.": "请从列表中选择类目。",
	"Clothing, shoes and bags":         "服饰鞋包",
	"Food and drink":                   "食品饮料",
	"Phones and electronics":           "手机数码",
	"Home and everyday goods":          "家居日用",
	"Beauty and personal care":         "美妆个护",
	"Books and stationery":             "图书文具",
	"Crafts and art":                   "手工艺品",
	"Other":                            "其他",
	// shipping
	"Shipping fee (yuan)":                                          "运费（元）",
	"Charged once per order; 0 for free shipping":                  "每笔订单收取一次；填 0 表示包邮",
	"Enter the shipping fee such as 8.00, or 0 for free shipping.": "请输入运费，例如 8.00；包邮请填 0。",
	"Free shipping": "包邮",
	"Shipping %s":   "运费 %s",
	"Shipping":      "运费",
	"Goods":         "商品金额",
	"Total":         "合计",
}

func init() {
	for k, v := range zhPhotos {
		zhCatalog[k] = v
	}
}
