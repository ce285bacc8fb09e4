package views

import "net/url"

// PayPasswordSetupURL is the set-up page of the payment password, leading
// back to back (a path on the site) once it is set.
func PayPasswordSetupURL(back string) string {
	return "/account/pay-password?" + url.Values{"next": {back}}.Encode()
}
