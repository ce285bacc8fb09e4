package models

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Listing is something a seller offers.
type Listing struct {
	ID          int64  `json:"id" gorm:"primaryKey"`
	SellerID    int64  `json:"seller_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Price       Money  `json:"price"`
	Stock       int    `json:"stock"`
	Status      string `json:"status"` // active, withdrawn
	Category    string `json:"category" enum:"clothing,food,digital,home,beauty,books,crafts,other"`
	// ShippingFee is added once to each order of the listing, whatever the quantity.
	ShippingFee Money     `json:"shipping_fee"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	ShopName    string    `json:"shop_name" gorm:"->"`
	// CoverHash names the first photo ("" when there is none).
	CoverHash string `json:"-" gorm:"->"`
	// CoverURL is the first photo's thumbnail ("" when there is none).
	CoverURL string `json:"cover_url" gorm:"-"`
	// Photos are all the photos in their order, where a single listing is
	// read (lists carry the cover only).
	Photos []Photo `json:"photos,omitempty" gorm:"-"`
}

// MaxPhotos is how many photos a listing may have.
const MaxPhotos = 6

// Photo is one photo of a listing, served at its two URLs.
type Photo struct {
	ID       int64  `json:"id"`
	Position int    `json:"position" doc:"0 is the cover"`
	Width    int    `json:"width" doc:"of the large view"`
	Height   int    `json:"height"`
	Hash     string `json:"-"`
	ThumbURL string `json:"thumb_url" doc:"a square thumbnail; the URL names its content and never changes"`
	LargeURL string `json:"large_url"`
}

// Photo sizes, as their URLs name them.
const (
	PhotoThumb = "thumb"
	PhotoLarge = "large"
)

// PhotoPath is where the photo of that content hash is served in that size.
func PhotoPath(hash, size string) string { return "/photos/" + hash + "/" + size + ".jpg" }

// Categories are the listings' categories, value and English label, in the
// order a seller picks from them.
var Categories = [][2]string{
	{"clothing", "Clothing, shoes and bags"},
	{"food", "Food and drink"},
	{"digital", "Phones and electronics"},
	{"home", "Home and everyday goods"},
	{"beauty", "Beauty and personal care"},
	{"books", "Books and stationery"},
	{"crafts", "Crafts and art"},
	{"other", "Other"},
}

// CategoryLabel is the English label of a category ("" for an unknown one).
func CategoryLabel(value string) string {
	for _, c := range Categories {
		if c[0] == value {
			return c[1]
		}
	}
	return ""
}

// ListingFields are a listing's fields once its input is valid.
type ListingFields struct {
	Title, Description string
	Price              Money
	Stock              int
	Category           string
	ShippingFee        Money
}

// Listing statuses.
const (
	ListingActive    = "active"
	ListingWithdrawn = "withdrawn"
)

// ListingInput is a seller's form or API body for a listing.
type ListingInput struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Price       string `json:"price"`
	Stock       string `json:"stock"`
	Category    string `json:"category"`     // other when empty
	ShippingFee string `json:"shipping_fee"` // free when empty
}

// Validate parses the input into a listing's fields, returning every problem.
func (in ListingInput) Validate(max Money) (ListingFields, error) {
	var ps []*Error
	keep := Collector[string](&ps)
	title := keep(CheckName("title", in.Title, 100))
	desc := strings.TrimSpace(in.Description)
	if utf8.RuneCountInString(desc) > 4000 {
		ps = append(ps, FieldError("description", "At most %d characters.", 4000))
	}
	price, perr := ParseAmount(strings.TrimSpace(in.Price), max)
	if perr != nil {
		ps = append(ps, AsError(WithField(perr, "price")))
	}
	stock, serr := strconv.Atoi(strings.TrimSpace(in.Stock))
	if serr != nil || stock < 0 || stock > 100000 {
		ps = append(ps, FieldError("stock", "Enter the stock as a whole number from 0 to 100000."))
	}
	category := strings.TrimSpace(in.Category)
	if category == "" {
		category = "other"
	} else if CategoryLabel(category) == "" {
		ps = append(ps, FieldError("category", "Choose a category from the list."))
	}
	var shipping Money
	if fee := strings.TrimSpace(in.ShippingFee); fee != "" && fee != "0" {
		var serr error
		// The fee may be zero (free shipping), never negative.
		if shipping, serr = ParseMoney(fee); serr != nil || shipping.IsNegative() || (!max.IsZero() && shipping.GreaterThan(max)) {
			ps = append(ps, FieldError("shipping_fee", "Enter the shipping fee such as 8.00, or 0 for free shipping."))
		}
	}
	return ListingFields{Title: title, Description: desc, Price: price, Stock: stock, Category: category, ShippingFee: shipping}, Invalid(ps...)
}
