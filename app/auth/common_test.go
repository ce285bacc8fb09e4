package auth

import (
	"testing"

	"lineescrow/models"
)

// The list of common passwords is a real one of at least 10,000 (NIST SP
// 800-63B), checked ignoring case, with a stable reason beside the field.
func TestCommonPasswordsAreRefused(t *testing.T) {
	if n := CommonPasswords(); n < 10000 {
		t.Fatalf("the list holds %d passwords, want at least 10,000", n)
	}
	for _, pw := range []string{"password1", "PASSWORD1", "Password1", "qwertyuiop", "1qaz2wsx", "iloveyou", "  sunshine1 "} {
		err := CheckNewPassword("password", pw)
		e := models.AsError(err)
		if e == nil || e.Code != models.EINVALID || e.Field != "password" || e.Reason != ReasonCommonPassword {
			t.Errorf("%q: %v, want refused as common beside password", pw, err)
		}
	}
	for _, pw := range []string{"correct horse battery", "buyer-demo-pass", "seller2-demo-pass", "Mu dan 牡丹 2026!"} {
		if err := CheckNewPassword("password", pw); err != nil {
			t.Errorf("%q refused: %v", pw, err)
		}
	}
	// Too short is said as such, before the list.
	if e := models.AsError(CheckNewPassword("new_password", "abc")); e == nil || e.Field != "new_password" || e.Reason != "" {
		t.Errorf("short password: %v", e)
	}
	if e := models.AsError(CheckConfirmation("password_confirm", "a long password", "a long passwort")); e == nil ||
		e.Field != "password_confirm" || e.Reason != ReasonPasswordMismatch {
		t.Errorf("mismatch: %v", e)
	}
	if err := CheckConfirmation("password_confirm", "a long password", "a long password"); err != nil {
		t.Errorf("same password refused: %v", err)
	}
}
