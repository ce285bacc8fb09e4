package models

import "testing"

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"张伟": "张*", "欧阳娜娜": "欧***", "Li Na": "L***", "王": "王*", "": "*",
		" 李小龙 ": "李**", "Alexander Graham Bell": "A***"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTransferNumber(t *testing.T) {
	for in, want := range map[string]string{"139 0013 9000": "13900139000", "+86 139-0013-9000": "13900139000",
		"0530-5552001": "05305552001", "(0530) 555 2001": "05305552001"} {
		if got, err := ParseTransferNumber(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "12345", "1390013900", "abc", "00530555"} {
		if _, err := ParseTransferNumber(bad); AsError(err) == nil || AsError(err).Field != "number" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
