package views

import (
	"fmt"

	"lineescrow/models"
	"lineescrow/models/divisions"
)

// PickerVM is the province, city and district pickers of an address form:
// each level's choices once the level above is chosen.
type PickerVM struct {
	Province, City, District string
	Provinces                []divisions.Division
	Cities                   []divisions.Division
	Districts                []divisions.Division
}

// NewPicker builds the pickers for the chosen codes, dropping a choice that
// is not part of the one above (a city left from another province).
func NewPicker(province, city, district string) PickerVM {
	p := PickerVM{Provinces: divisions.Provinces()}
	if !has(p.Provinces, province) {
		return p
	}
	p.Province, p.Cities = province, divisions.Cities(province)
	if !has(p.Cities, city) {
		return p
	}
	p.City, p.Districts = city, divisions.Districts(city)
	if has(p.Districts, district) {
		p.District = district
	}
	return p
}

// Complete reports whether all three levels are chosen.
func (p PickerVM) Complete() bool { return p.District != "" }

func has(list []divisions.Division, code string) bool {
	for _, d := range list {
		if d.Code == code && code != "" {
			return true
		}
	}
	return false
}

// AddressBookVM is the buyer's address book page: the addresses, and the
// form adding one (or changing Editing, when set).
type AddressBookVM struct {
	Addresses []models.Address
	Form      *Form
	Picker    PickerVM
	Editing   *models.Address
}

// Action is where the form posts.
func (vm AddressBookVM) Action() string {
	if vm.Editing != nil {
		return fmt.Sprintf("/buyer/addresses/%d", vm.Editing.ID)
	}
	return "/buyer/addresses"
}

// AddressForm fills a form with an address, to edit it.
func AddressForm(a models.Address) *Form {
	f := NewForm()
	f.Values["recipient"], f.Values["phone"], f.Values["detail"] = a.Recipient, models.FormatLogin(a.Phone), a.Detail
	f.Values["province"], f.Values["city"], f.Values["district"] = a.ProvinceCode, a.CityCode, a.DistrictCode
	return f
}

// Has reports whether the form holds a value for name (empty included).
func (f *Form) Has(name string) bool {
	if f == nil {
		return false
	}
	_, ok := f.Values[name]
	return ok
}
