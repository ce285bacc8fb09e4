package models

import (
	"strings"
	"unicode"
)

// ParseTransferNumber reads the number a sender keys in to find the
// recipient of a transfer: a mobile number or a landline with its area code
// (spaces, dashes, +86 ignored, as ParseLogin). Errors: EINVALID on field
// "number".
func ParseTransferNumber(s string) (string, error) {
	d, err := ParseLogin(s)
	if err != nil {
		return "", FieldError("number", "Enter the recipient's mobile number (11 digits) or landline number with its area code.")
	}
	return d, nil
}

// MaskName shows a person's name to someone sending them money, as Alipay
// does: the first character, the rest as stars (张伟 → 张*, 欧阳娜娜 →
// 欧***, Li Na → L***), enough to recognise, not to learn.
func MaskName(name string) string {
	var first rune
	rest := 0
	for _, r := range strings.TrimSpace(name) {
		switch {
		case first == 0:
			first = r
		case !unicode.IsSpace(r):
			rest++
		}
	}
	if first == 0 {
		return "*"
	}
	return string(first) + strings.Repeat("*", max(1, min(rest, 3)))
}
