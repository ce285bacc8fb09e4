package views

import "net/url"

// registerHref is the registration page, leading on to next (a path on
// the site; none when empty or "/").
func registerHref(next string) string {
	if next == "" || next == "/" {
		return "/register"
	}
	return "/register?" + url.Values{"next": {next}}.Encode()
}

// PayPasswordSetupURL is the set-up page of the payment password, leading
// back to back (a path on the site) once it is set.
func PayPasswordSetupURL(back string) string {
	return "/account/pay-password?" + url.Values{"next": {back}}.Encode()
}
