package models

import "testing"

func TestParseLogin(t *testing.T) {
	good := map[string]string{
		"13800138000":       "13800138000",
		"138 0013 8000":     "13800138000",
		"+86 138-0013-8000": "13800138000",
		"0086 13800138000":  "13800138000",
		"0530-5551234":      "05305551234",
		"(010) 6552 1234":   "01065521234",
		"0755-88881234":     "075588881234",
	}
	for in, want := range good {
		got, err := ParseLogin(in)
		if err != nil || got != want {
			t.Errorf("ParseLogin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1380013800", "12800138000", "138001380001", "5551234", "0012345678",
		"admin", "' OR 1=1 --", "13800138000; DROP TABLE users", "１３８００１３８０００"} {
		if _, err := ParseLogin(bad); ErrorCode(err) != EINVALID || ErrorField(err) != "login" {
			t.Errorf("ParseLogin(%q) err = %v, want invalid login", bad, err)
		}
	}
	if FormatLogin("13800138000") != "138 0013 8000" || FormatLogin("05305551234") != "0530-5551234" || FormatLogin("01065521234") != "010-65521234" {
		t.Error("FormatLogin")
	}
}

func TestCheckPayPassword(t *testing.T) {
	for _, ok := range []string{"284913", "902746", "135790", "246802", "112358"} {
		if err := CheckPayPassword("pin", ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, weak := range []string{"000000", "111111", "999999", "123456", "234567", "012345", "654321", "987654",
		"543210", "121212", "123123", "909090", "12345", "1234567", "12a456", "", "１２３４５６"} {
		if err := CheckPayPassword("pin", weak); ErrorCode(err) != EINVALID {
			t.Errorf("%q accepted", weak)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, ok := range []string{"correct horse", "Tr0ub4dor&3", "123456789012", "密码很长很安全的一句话"} {
		if err := CheckPassword("password", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "short", "aaaaaaaaaa", "12345678", "98765432101"} {
		if err := CheckPassword("password", bad); ErrorCode(err) != EINVALID {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckBankAccount(t *testing.T) {
	if d, err := CheckBankAccount("acct", "6222 0202 0011 2233"); err != nil || d != "6222020200112233" {
		t.Fatalf("got %q %v", d, err)
	}
	for _, bad := range []string{"", "12345", "62220202001122334455", "6222abc200112233"} {
		if _, err := CheckBankAccount("acct", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if MaskAccount("6222020200112233") != "•••• 2233" {
		t.Error("mask")
	}
}

func TestCheckNameRefusesInvisibleCharacters(t *testing.T) {
	for _, ok := range []string{"张伟", "Li Na", "王建国", "菏泽牡丹特产店", "O'Brien-Smith", "Zoë Ångström", "阿依古丽·买买提",
		"Heze Tea House (No. 2)", "山东省菏泽市牡丹区中华路 1 号", "José\u00a0María", "محمد", "שָׁלוֹם", "Nguyễn", "🍵 Tea", "𰻞𰻞面", "a\uE000b"} {
		if got, err := CheckName("display_name", "  "+ok+" ", 50); err != nil || got != ok {
			t.Errorf("CheckName(%q) = %q, %v", ok, got, err)
		}
	}
	const invisibleMsg = "Remove the invisible or direction-changing characters (such as zero-width spaces or right-to-left marks)."
	for name, bad := range map[string]string{
		"right-to-left override":  "Shop\u202Egpj.exe",
		"left-to-right override":  "\u202DAdmin",
		"pop directional":         "a\u202Cb",
		"right-to-left mark":      "张\u200F伟",
		"left-to-right mark":      "Li\u200ENa",
		"right-to-left isolate":   "\u2067Operator\u2069",
		"first strong isolate":    "a\u2068b",
		"arabic letter mark":      "a\u061Cb",
		"zero-width space":        "Li\u200BNa",
		"zero-width non-joiner":   "Li\u200CNa",
		"zero-width joiner":       "Li\u200DNa",
		"word joiner":             "Li\u2060Na",
		"byte order mark":         "\uFEFF张伟",
		"soft hyphen":             "Ope\u00ADrator",
		"mongolian vowel sep":     "a\u180Eb",
		"invisible times":         "a\u2062b",
		"interlinear annotation":  "a\uFFF9b",
		"tag character":           "a\U000E0041b",
		"line separator":          "a\u2028b",
		"paragraph separator":     "a\u2029b",
		"noncharacter":            "a\uFDD0b",
		"hangul filler":           "\u3164",
		"hangul filler inside":    "Li\u3164Na",
		"halfwidth hangul filler": "\uFFA0\uFFA0",
		"choseong filler":         "\u115F",
		"replacement character":   "Li\uFFFDNa",
		"invalid UTF-8":           "Li\xffNa",
	} {
		_, err := CheckName("display_name", bad, 50)
		if ErrorField(err) != "display_name" || ErrorMessage(err) != invisibleMsg {
			t.Errorf("%s (%q): %v", name, bad, err)
		}
	}
	for name, bad := range map[string]string{"newline": "Li\nNa", "tab": "Li\tNa", "NUL": "Li\x00Na", "escape": "\x1b[31mRed", "DEL": "a\x7fb", "C1 control": "a\u0085b", "CSI": "a\u009bb"} {
		if _, err := CheckName("display_name", bad, 50); ErrorField(err) != "display_name" || ErrorMessage(err) != "Remove the control characters." {
			t.Errorf("%s (%q): %v", name, bad, err)
		}
	}
	for _, bad := range []string{"", "   ", "\u3000"} {
		if _, err := CheckName("display_name", bad, 50); ErrorMessage(err) != "This field is required." {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestEveryNameFieldRefusesSpoofing: each name a registration or a checkout
// takes goes through CheckName.
func TestEveryNameFieldRefusesSpoofing(t *testing.T) {
	rlo := "Heze\u202Egnp.exe"
	r := Registration{Role: RoleSeller, Login: "13800138000", Password: "correct horse battery", DisplayName: rlo,
		ShopName: rlo, LegalName: rlo, BankAccount: "6217000011112222", BankHolder: rlo}
	fields := map[string]bool{}
	if e := AsError(r.Validate()); e != nil {
		for _, f := range e.Fields {
			fields[f.Field] = true
		}
	}
	for _, f := range []string{"display_name", "shop_name", "legal_name", "bank_holder"} {
		if !fields[f] {
			t.Errorf("registration accepted %s with a right-to-left override", f)
		}
	}
	c := Checkout{ListingID: 1, Quantity: 1, ConsigneeName: "张\u200B伟", ConsigneePhone: "13800138000", ConsigneeAddress: "山东省菏泽市\u202E牡丹区中华路 1 号"}
	fields = map[string]bool{}
	if e := AsError(c.Validate()); e != nil {
		for _, f := range e.Fields {
			fields[f.Field] = true
		}
	}
	if !fields["consignee_name"] || !fields["consignee_address"] {
		t.Errorf("checkout accepted invisible characters: %v", fields)
	}
	if _, err := (ListingInput{Title: "Tea\u200D", Price: "1.00", Stock: "1"}).Validate(MustParseMoney("100.00")); ErrorField(err) != "title" {
		t.Errorf("listing title with a zero-width joiner: %v", err)
	}
}

func TestActorRoles(t *testing.T) {
	for _, c := range []struct {
		a                                    Actor
		nobody, operator, buyer, seller, sys bool
	}{
		{a: Actor{}, nobody: true},
		{a: Anonymous, nobody: true},
		{a: Actor{UserID: -1}, nobody: true},
		{a: Actor{Role: RoleOperator}, nobody: true},
		{a: Actor{Role: RoleBuyer, UserID: -1}, nobody: true},
		{a: System, sys: true},
		{a: Actor{Role: RoleSystem, UserID: 4}}, // a user claiming to be the platform is neither
		{a: Actor{UserID: 3, Role: RoleOperator}, operator: true},
		{a: Actor{UserID: 3, Role: RoleBuyer}, buyer: true},
		{a: Actor{UserID: 3, Role: RoleSeller}, seller: true},
	} {
		if c.a.IsNobody() != c.nobody || c.a.IsOperator() != c.operator || c.a.IsBuyer() != c.buyer ||
			c.a.IsSeller() != c.seller || c.a.IsSystem() != c.sys {
			t.Errorf("%+v: nobody %v operator %v buyer %v seller %v system %v", c.a,
				c.a.IsNobody(), c.a.IsOperator(), c.a.IsBuyer(), c.a.IsSeller(), c.a.IsSystem())
		}
	}
}
