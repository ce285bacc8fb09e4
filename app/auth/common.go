package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"

	"lineescrow/models"
)

// The list of common passwords login passwords are checked against, as NIST
// SP 800-63B (5.1.1.2) asks: "passwords obtained from previous breach
// corpuses", refused whatever their length or mix of characters.
//
// common_passwords.txt.gz is the password list of zxcvbn-ts
// (@zxcvbn-ts/language-common 4.1.3, src/passwords.json: 49,233 passwords
// ranked by frequency in leaked password sets), lower-cased, one a line,
// gzipped; MIT licence, in common_passwords.LICENSE beside it.
//
//go:embed common_passwords.txt.gz
var commonGz []byte

var common = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		panic("auth: the embedded common password list is corrupt: " + err.Error())
	}
	set := make(map[string]struct{}, 50000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			set[w] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		panic("auth: the embedded common password list is corrupt: " + err.Error())
	}
	return set
})

// CommonPasswords is the number of passwords on the list.
func CommonPasswords() int { return len(common()) }

// IsCommonPassword reports whether pw is on the list of common passwords,
// ignoring case (and spaces around it).
func IsCommonPassword(pw string) bool {
	_, ok := common()[strings.ToLower(strings.TrimSpace(pw))]
	return ok
}

// ReasonCommonPassword and ReasonPasswordMismatch are the stable reasons of
// the API's errors about a new login password (error.reason, beside
// error.code "invalid" and error.field).
const (
	ReasonCommonPassword   = "password_common"
	ReasonPasswordMismatch = "password_mismatch"
)

// CheckNewPassword is the policy of a new login password: models'
// (length, not one character, digits only only when long) and not on the
// list of common passwords.
//
// Errors: EINVALID about field.
func CheckNewPassword(field, pw string) error {
	if err := models.CheckPassword(field, pw); err != nil {
		return err
	}
	if IsCommonPassword(pw) {
		e := models.FieldError(field, "This password is too common: it is on the lists attackers try first. Choose another one.")
		e.Reason = ReasonCommonPassword
		return e
	}
	return nil
}

// CheckConfirmation refuses a confirmation of a new password that differs
// from it.
//
// Errors: EINVALID about field.
func CheckConfirmation(field, pw, confirm string) error {
	if confirm != pw {
		e := models.FieldError(field, "The two passwords differ: type the same password twice.")
		e.Reason = ReasonPasswordMismatch
		return e
	}
	return nil
}
