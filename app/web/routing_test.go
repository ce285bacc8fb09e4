package web_test

import (
	"net/http"
	"strconv"
	"testing"

	"lineescrow/models"
)

// TestUnknownURLsAndHEAD: an unknown URL is 404 for everyone, signed in or
// not, under every guarded prefix (never 403 or a login redirect, which would
// say the path exists), and HEAD is answered wherever GET is, with GET's
// status and headers and no body.
func TestUnknownURLsAndHEAD(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	unknown := []string{"/no-such-page", "/orders/1/no-such", "/seller/no-such", "/ops/no-such", "/ops/orders/1/no-such",
		"/api/v1/no-such", "/api/v1/seller/no-such", "/static/no-such.css"}
	for _, who := range []*models.User{nil, e.Buyer, e.Seller, e.Operator} {
		b := e.browser(t, who)
		name := "anonymous"
		if who != nil {
			name = string(who.Role)
		}
		for _, p := range unknown {
			for _, m := range []string{http.MethodGet, http.MethodHead} {
				if got := b.do(m, p, nil).status; got != http.StatusNotFound {
					t.Errorf("%s %s %s = %d, want 404", name, m, p, got)
				}
			}
		}
	}

	// A known but guarded page still guards: the login page for a visitor.
	if got := e.browser(t, nil).do(http.MethodHead, "/ops/orders", nil).status; got != http.StatusSeeOther {
		t.Errorf("anonymous HEAD /ops/orders = %d, want 303 to the login page", got)
	}

	o := e.Checkout(e.Buyer, e.Listing("12.00", 1), 1)
	buyer := e.browser(t, e.Buyer)
	for _, p := range []string{"/", "/listings", "/orders", "/orders/" + strconv.FormatInt(o.ID, 10), "/static/css/app.css", "/healthz"} {
		get, head := buyer.do(http.MethodGet, p, nil), buyer.do(http.MethodHead, p, nil)
		if get.status != http.StatusOK || head.status != get.status {
			t.Errorf("%s: GET %d, HEAD %d; want 200 both", p, get.status, head.status)
		}
		if head.body != "" {
			t.Errorf("HEAD %s has a body of %d bytes", p, len(head.body))
		}
		if g, h := get.header.Get("Content-Type"), head.header.Get("Content-Type"); g != h {
			t.Errorf("HEAD %s Content-Type %q, GET %q", p, h, g)
		}
	}
	// HEAD where only POST is answered is refused as GET is.
	get, head := buyer.do(http.MethodGet, "/webhooks/bank", nil).status, buyer.do(http.MethodHead, "/webhooks/bank", nil).status
	if head != get || head < 400 {
		t.Errorf("HEAD /webhooks/bank = %d, GET = %d, want the same refusal", head, get)
	}
}
