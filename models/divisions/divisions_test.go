package divisions

import "testing"

func TestDivisions(t *testing.T) {
	if n := len(Provinces()); n != 31 {
		t.Errorf("%d provinces, want the 31 of the mainland", n)
	}
	if c := Cities("11"); len(c) != 1 || c[0].Name != "北京市" {
		t.Errorf("Beijing's cities: %v", c)
	}
	var heze bool
	for _, c := range Cities("37") {
		heze = heze || c.Name == "菏泽市" && c.Code == "3717"
	}
	if !heze {
		t.Error("菏泽市 is not a city of 山东省")
	}
	var mudan bool
	for _, d := range Districts("3717") {
		mudan = mudan || d.Name == "牡丹区" && d.Code == "371702"
	}
	if !mudan {
		t.Error("牡丹区 is not a district of 菏泽市")
	}
	for _, c := range []struct{ p, c, d, want string }{
		{"37", "3717", "371702", ""},
		{"", "3717", "371702", "province"},
		{"99", "3717", "371702", "province"},
		{"37", "1101", "110101", "city"},
		{"37", "3717", "110101", "district"},
		{"37", "3717", "", "district"},
		{"44", "4419", "441900003", ""}, // 东莞市 lists its towns
	} {
		if got := Valid(c.p, c.c, c.d); got != c.want {
			t.Errorf("Valid(%q, %q, %q) = %q, want %q", c.p, c.c, c.d, got, c.want)
		}
	}
	if Name("371702") != "牡丹区" || Name("nope") != "" {
		t.Error("Name")
	}
	if len(Cities("3")) != 0 || len(Districts("37")) != 0 {
		t.Error("children of a code of the wrong length")
	}
}
