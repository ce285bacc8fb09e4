// Package divisions is the administrative divisions of mainland China down
// to the district (county) level: provinces, their cities, the cities'
// districts, by their statistical codes (2 digits for a province, 4 for a
// city, 6 for a district; the few cities without districts, such as 东莞市,
// list their towns, 9 digits).
//
// The data is divisions.tsv, one "code<TAB>name" a line, made from the npm
// package china-division 2.7.0 (dist/pca-code.json; the National Bureau of
// Statistics' 2023 codes, published under the WTFPL, see LICENSE). Hong Kong,
// Macao and Taiwan are not in it. To update: npm pack china-division, and
// write pca-code.json's tree out in the same order (province, its cities,
// each city's districts).
package divisions

import (
	_ "embed"
	"strings"
)

//go:embed divisions.tsv
var data string

// Division is one province, city or district.
type Division struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

var (
	names     = map[string]string{}
	provinces []Division
	children  = map[string][]Division{}
)

func init() {
	for _, line := range strings.Split(strings.TrimSpace(data), "\n") {
		code, name, ok := strings.Cut(line, "\t")
		if !ok {
			panic("divisions: bad line " + line)
		}
		names[code] = name
		switch len(code) {
		case 2:
			provinces = append(provinces, Division{code, name})
		case 4:
			if name == "市辖区" { // the districts of a municipality: show its name
				name = names[code[:2]]
			}
			names[code] = name
			children[code[:2]] = append(children[code[:2]], Division{code, name})
		default:
			children[code[:4]] = append(children[code[:4]], Division{code, name})
		}
	}
}

// Provinces are the provinces, autonomous regions and municipalities.
func Provinces() []Division { return provinces }

// Cities are a province's cities (none for an unknown code).
func Cities(province string) []Division {
	if len(province) != 2 {
		return nil
	}
	return children[province]
}

// Districts are a city's districts and counties (none for an unknown code).
func Districts(city string) []Division {
	if len(city) != 4 {
		return nil
	}
	return children[city]
}

// Name is a division's name ("" for an unknown code).
func Name(code string) string { return names[code] }

// Valid reports which level of province, city, district is the first that
// is missing or not part of the one above: "" when all three hold together
// ("province", "city" or "district" otherwise).
func Valid(province, city, district string) string {
	switch {
	case len(province) != 2 || names[province] == "":
		return "province"
	case len(city) != 4 || city[:2] != province || names[city] == "":
		return "city"
	case len(district) < 6 || district[:4] != city || names[district] == "":
		return "district"
	}
	return ""
}
