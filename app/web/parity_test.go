package web_test

import (
	"strings"
	"testing"
)

// portalOnly are the portal routes with no API twin, each for a reason.
var portalOnly = map[string]string{
	"GET /":                            "the shop's front page: GET /api/v1/listings",
	"GET /login":                       "the sign-in form: POST /api/v1/auth/token gives a token",
	"POST /login":                      "a session cookie: POST /api/v1/auth/token gives a token",
	"POST /logout":                     "a session cookie (tokens expire; a password change revokes them all)",
	"GET /register":                    "the form of POST /api/v1/register",
	"GET /lang":                        "the portal's language",
	"GET /seller/listings/new":         "the form of POST /api/v1/seller/listings",
	"GET /seller/listings/:id/edit":    "the form of PUT /api/v1/seller/listings/{id}",
	"GET /orders/:id/state":            "the order page's htmx poll: GET /api/v1/orders/{id}",
	"GET /seller/orders/:id/state":     "the order page's htmx poll: GET /api/v1/orders/{id}",
	"GET /orders/:id/countdown":        "the order page's countdown, refreshed by htmx: the deadline of GET /api/v1/orders/{id}",
	"GET /seller/orders/:id/countdown": "the order page's countdown, refreshed by htmx: the deadline of GET /api/v1/orders/{id}",
	"GET /ops/orders/:id/countdown":    "the order page's countdown, refreshed by htmx: the deadline of GET /api/v1/orders/{id}",
	"GET /cashier/:trade_no/state":     "the cashier's htmx poll: GET /api/v1/cashier/{trade_no}",
}

// notPortal are routes that are not people's pages (/gateway/v1 is the
// merchants' signed API itself; /photos/ serves the images both name by URL).
func notPortal(path string) bool {
	for _, p := range []string{"/api/", "/gateway/", "/webhooks/", "/ivr/", "/sim/", "/static/", "/photos/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// TestEveryPortalRouteHasAnAPITwin: what a page shows or does, a program can
// too. A new portal route without a twin (or a reason here) fails.
func TestEveryPortalRouteHasAnAPITwin(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	twins := e.srv.PortalTwins()
	api := map[string]bool{}
	for _, r := range e.srv.Echo.Routes() {
		api[r.Method+" "+r.Path] = true
	}
	checked := 0
	for _, r := range e.srv.Echo.Routes() {
		key := r.Method + " " + r.Path
		if notPortal(r.Path) || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		if _, ok := portalOnly[key]; ok {
			continue
		}
		checked++
		twin, ok := twins[key]
		if !ok {
			t.Errorf("%s has no twin in the API", key)
			continue
		}
		if !api[twin] {
			t.Errorf("%s's twin %s is not served", key, twin)
		}
	}
	if checked < 40 {
		t.Errorf("only %d portal routes checked", checked)
	}
	if _, ok := twins["GET /ops/books?check=1"]; !ok {
		t.Error("the ledger check has no twin")
	}
}

// TestAPITwinsAnswer: every read twin answers its role (and only it), with
// an answer the document describes (e.api checks each against its schema).
func TestAPITwinsAnswer(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	o := e.Checkout(e.Buyer, e.Listing("10.00", 3), 1)
	e.Credit("10.00", o.PayReference)
	e.Credit("3.00", "no reference")
	buyer, seller, op := e.token(t, e.Buyer), e.token(t, e.Seller), e.token(t, e.Operator)
	for path, who := range map[string]string{
		"/api/v1/seller/dashboard": seller, "/api/v1/seller/money": seller,
		"/api/v1/ops/overview": op, "/api/v1/ops/books/check": op, "/api/v1/ops/books": op, "/api/v1/ops/recon": op,
		"/api/v1/ops/payouts": op, "/api/v1/ops/payouts?open=true": op, "/api/v1/ops/events?txn=B1": op, "/api/v1/ops/users?id=1": op, "/api/v1/ops/ledger?account=bank:collection": op,
		"/api/v1/ops/events": op, "/api/v1/ops/flags": op, "/api/v1/ops/users?role=seller": op, "/api/v1/ops/settings": op,
		"/api/v1/ops/suspense": op, "/api/v1/ops/clawbacks": op, "/api/v1/audit": op, "/api/v1/me": buyer, "/api/v1/wallet": buyer,
		"/api/v1/landline": buyer, "/api/v1/seller/charges": seller,
	} {
		code, body, _ := e.api(t, "GET", path, who, "", nil)
		if code != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d %v", path, code, body)
		}
		if strings.HasPrefix(path, "/api/v1/me") {
			continue // everyone's own
		}
		other := buyer
		if who == buyer {
			other = op
		}
		if code, _, _ := e.api(t, "GET", path, other, "", nil); code != 403 {
			t.Errorf("GET %s by another role: %d, want 403", path, code)
		}
	}
	code, check, _ := e.api(t, "GET", "/api/v1/ops/books/check", op, "", nil)
	if code != 200 || check["ok"] != true {
		t.Fatalf("the books check: %d %v", code, check)
	}
	code, dash, _ := e.api(t, "GET", "/api/v1/seller/dashboard", seller, "", nil)
	if work, _ := dash["work"].(map[string]any); code != 200 || work["to_ship"] != float64(1) {
		t.Fatalf("dashboard: %d %v", code, dash)
	}
}
