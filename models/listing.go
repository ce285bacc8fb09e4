package models

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Listing is something a seller offers.
type Listing struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	SellerID    int64     `json:"seller_id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Price       Money     `json:"price"`
	Stock       int       `json:"stock"`
	Status      string    `json:"status"` // active, withdrawn
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	ShopName    string    `json:"shop_name" gorm:"->"`
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
}

// Validate parses the input into a listing's fields, returning every problem.
func (in ListingInput) Validate(max Money) (title, desc string, price Money, stock int, err error) {
	var ps []*Error
	keep := Collector[string](&ps)
	title = keep(CheckName("title", in.Title, 100))
	desc = strings.TrimSpace(in.Description)
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
	return title, desc, price, stock, Invalid(ps...)
}
