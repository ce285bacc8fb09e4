package models

import (
	"strings"
	"time"

	"lineescrow/models/divisions"
)

// MaxAddresses is how many addresses a buyer's address book holds.
const MaxAddresses = 20

// Address is one address of a buyer's address book. The province, city and
// district are codes of package divisions; their names are kept with them
// so the address reads the same if the data set renames a division later.
type Address struct {
	ID           int64     `json:"id"`
	BuyerID      int64     `json:"-"`
	Recipient    string    `json:"recipient"`
	Phone        string    `json:"phone"`
	ProvinceCode string    `json:"province_code"`
	Province     string    `json:"province"`
	CityCode     string    `json:"city_code"`
	City         string    `json:"city"`
	DistrictCode string    `json:"district_code"`
	District     string    `json:"district"`
	Detail       string    `json:"detail"`
	IsDefault    bool      `json:"is_default"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Region is the address's province, city and district as one line
// (a municipality's city, which bears its name, once).
func (a Address) Region() string {
	parts := []string{a.Province}
	if a.City != a.Province {
		parts = append(parts, a.City)
	}
	return strings.Join(append(parts, a.District), " ")
}

// Full is the whole address as the order keeps it: region and street.
func (a Address) Full() string { return a.Region() + " " + a.Detail }

// AddressInput is what a buyer gives for an address.
type AddressInput struct {
	Recipient    string
	Phone        string
	ProvinceCode string
	CityCode     string
	DistrictCode string
	Detail       string
	// Default makes it the default address (the first address always is).
	Default bool
}

// Validate checks the input and returns the address it describes (without
// its id, buyer and default flag); every problem is one field's error.
func (in AddressInput) Validate() (Address, error) {
	var ps []*Error
	keep := func(s string, err error) string {
		if err != nil {
			ps = append(ps, AsError(err))
		}
		return s
	}
	a := Address{Recipient: keep(CheckName("recipient", in.Recipient, 25))}
	if p, err := ParseLogin(in.Phone); err != nil || len(p) != 11 || p[0] != '1' {
		ps = append(ps, FieldError("phone", "Enter the recipient's mobile number (11 digits)."))
	} else {
		a.Phone = p
	}
	a.ProvinceCode, a.CityCode, a.DistrictCode = strings.TrimSpace(in.ProvinceCode), strings.TrimSpace(in.CityCode), strings.TrimSpace(in.DistrictCode)
	switch divisions.Valid(a.ProvinceCode, a.CityCode, a.DistrictCode) {
	case "province":
		ps = append(ps, FieldError("province", "Choose the province."))
	case "city":
		ps = append(ps, FieldError("city", "Choose the city."))
	case "district":
		ps = append(ps, FieldError("district", "Choose the district."))
	}
	a.Province, a.City, a.District = divisions.Name(a.ProvinceCode), divisions.Name(a.CityCode), divisions.Name(a.DistrictCode)
	a.Detail = keep(CheckName("detail", in.Detail, 120))
	if a.Detail != "" && len([]rune(a.Detail)) < 4 {
		ps = append(ps, FieldError("detail", "Enter the street, building and door number."))
	}
	if err := Invalid(ps...); err != nil {
		return Address{}, err
	}
	return a, nil
}
