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
