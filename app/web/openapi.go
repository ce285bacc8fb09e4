package web

import (
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

// openAPIDoc is the OpenAPI 3 description of the JSON API, built once.
var openAPIDoc = sync.OnceValue(buildOpenAPI)

func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, openAPIDoc())
}

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// jsonBody describes a request body; the API refuses unknown fields, so object
// bodies say so.
func jsonBody(schema obj) obj {
	if schema["type"] == "object" {
		strict := obj{}
		for k, v := range schema {
			strict[k] = v
		}
		strict["additionalProperties"] = false
		schema = strict
	}
	return obj{"required": true, "content": obj{"application/json": obj{"schema": schema}}}
}

func jsonResp(desc string, schema obj) obj {
	return obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}
}

var errResp = jsonResp("Error, with a stable code", ref("Error"))

// op describes one operation. idem: "required", "optional" or "".
func op(summary, tag string, body obj, ok obj, okStatus string, idem string, errs ...string) obj {
	o := obj{"summary": summary, "tags": []string{tag}, "responses": obj{okStatus: ok}}
	if body != nil {
		o["requestBody"] = jsonBody(body)
	}
	var params []obj
	if idem != "" {
		params = append(params, obj{"name": "Idempotency-Key", "in": "header", "required": idem == "required",
			"description": "The same key and body returns the first response again (header Idempotent-Replayed: true); the same key with another body is refused with 409.",
			"schema":      obj{"type": "string", "maxLength": 200}})
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	r := o["responses"].(obj)
	for _, e := range append([]string{"401", "422"}, errs...) {
		r[e] = errResp
	}
	return o
}

func withPath(o obj, names ...string) obj {
	ps, _ := o["parameters"].([]obj)
	for _, n := range names {
		t := obj{"type": "integer", "format": "int64"}
		if n == "txn" {
			t = obj{"type": "string"}
		}
		ps = append(ps, obj{"name": n, "in": "path", "required": true, "schema": t})
	}
	o["parameters"] = ps
	return o
}

func withQuery(o obj, names ...string) obj {
	ps, _ := o["parameters"].([]obj)
	for _, n := range names {
		ps = append(ps, obj{"name": n, "in": "query", "required": false, "schema": obj{"type": "string"}})
	}
	o["parameters"] = ps
	return o
}

func props(required []string, p obj) obj {
	return obj{"type": "object", "required": required, "properties": p}
}

var (
	str   = obj{"type": "string"}
	integ = obj{"type": "integer"}
	boo   = obj{"type": "boolean"}
	ts    = obj{"type": "string", "format": "date-time"}
)

func buildOpenAPI() obj {
	orderOK := jsonResp("The order after the action", ref("Order"))
	pin := props([]string{"pay_password"}, obj{"pay_password": obj{"type": "string", "pattern": "^[0-9]{6}$"}})
	paths := obj{
		"/api/v1/auth/token": obj{"post": op("Issue an API token (Bearer) for a login name and password", "auth",
			props([]string{"login", "password"}, obj{"login": str, "password": str}),
			jsonResp("Token", props(nil, obj{"token": str, "token_type": str, "expires_at": ts})), "200", "", "429")},
		"/api/v1/me": obj{"get": op("The user of the token", "auth", nil, jsonResp("User", ref("User")), "200", "")},
		"/api/v1/audit": obj{"get": withQuery(op("Audit log (operators)", "operators", nil,
			jsonResp("Entries", props(nil, obj{"entries": obj{"type": "array", "items": ref("AuditEntry")}})), "200", "", "403"),
			"action", "actor", "target", "from", "to", "before")},
		"/api/v1/ops/users/{id}/freeze": obj{"post": withPath(op("Freeze or unfreeze a buyer or seller (operators)", "operators",
			props([]string{"frozen"}, obj{"frozen": boo, "reason": str}), jsonResp("User", ref("User")), "200", "", "403", "404"), "id")},
		"/api/v1/ops/sellers/{id}/commission": obj{"post": withPath(op("Set a seller's commission rate, in percent (operators)", "operators",
			props([]string{"rate_percent"}, obj{"rate_percent": obj{"type": "string", "example": "0.6"}}),
			jsonResp("The rate", props(nil, obj{"seller_id": str, "rate_percent": str})), "200", "", "403", "404"), "id")},
		"/api/v1/listings": obj{"get": withQuery(op("Browse and search listings", "listings", nil,
			jsonResp("Listings", props(nil, obj{"listings": obj{"type": "array", "items": ref("Listing")}})), "200", ""), "q", "limit", "offset")},
		"/api/v1/listings/{id}": obj{"get": withPath(op("One listing", "listings", nil, jsonResp("Listing", ref("Listing")), "200", "", "404"), "id")},
		"/api/v1/seller/listings": obj{
			"get":  op("The seller's own listings, withdrawn ones included", "sellers", nil, jsonResp("Listings", props(nil, obj{"listings": obj{"type": "array", "items": ref("Listing")}})), "200", "", "403"),
			"post": op("Add a listing", "sellers", ref("ListingInput"), jsonResp("Listing", ref("Listing")), "201", "optional", "403"),
		},
		"/api/v1/seller/listings/{id}": obj{"put": withPath(op("Edit a listing", "sellers", ref("ListingInput"), jsonResp("Listing", ref("Listing")), "200", "", "404"), "id")},
		"/api/v1/seller/listings/{id}/status": obj{"post": withPath(op("Withdraw a listing or put it back on sale", "sellers",
			props([]string{"status"}, obj{"status": obj{"type": "string", "enum": []string{"active", "withdrawn"}}}), jsonResp("Listing", ref("Listing")), "200", "", "404"), "id")},
		"/api/v1/orders": obj{
			"get": withQuery(op("Orders the caller may see (a buyer's, a seller's, all for operators)", "orders", nil,
				jsonResp("Orders", props(nil, obj{"orders": obj{"type": "array", "items": ref("Order")}})), "200", ""), "state", "q", "before", "limit"),
			"post": op("Check out: create an order, reserving stock", "orders",
				props([]string{"listing_id", "quantity", "consignee"}, obj{"listing_id": integ, "quantity": integ, "consignee": ref("Consignee")}),
				jsonResp("The new order, with payment instructions", ref("Order")), "201", "required", "403", "404", "409"),
		},
		"/api/v1/orders/{id}":                 obj{"get": withPath(op("An order with its timeline and every ledger movement", "orders", nil, jsonResp("Order", ref("Order")), "200", "", "404"), "id")},
		"/api/v1/orders/{id}/pay":             obj{"post": withPath(op("Pay from the wallet (payment password)", "orders", pin, orderOK, "200", "required", "404", "409", "423"), "id")},
		"/api/v1/orders/{id}/cancel":          obj{"post": withPath(op("Cancel an unpaid order", "orders", nil, orderOK, "200", "optional", "404", "409"), "id")},
		"/api/v1/orders/{id}/confirm":         obj{"post": withPath(op("Confirm receipt: release the escrow (payment password)", "orders", pin, orderOK, "200", "required", "404", "409", "423"), "id")},
		"/api/v1/orders/{id}/extend":          obj{"post": withPath(op("Extend the auto-confirm deadline once", "orders", nil, orderOK, "200", "optional", "404", "409"), "id")},
		"/api/v1/orders/{id}/refund":          obj{"post": withPath(op("Request a refund of up to what is held", "orders", props([]string{"amount", "reason"}, obj{"amount": ref("Money"), "reason": str}), orderOK, "200", "required", "404", "409"), "id")},
		"/api/v1/orders/{id}/refund/withdraw": obj{"post": withPath(op("Withdraw a refund request", "orders", nil, orderOK, "200", "optional", "404", "409"), "id")},
		"/api/v1/orders/{id}/dispute":         obj{"post": withPath(op("Escalate a refused refund to a dispute", "orders", nil, orderOK, "200", "optional", "404", "409"), "id")},
		"/api/v1/orders/{id}/ship":            obj{"post": withPath(op("Ship (seller)", "orders", props([]string{"carrier", "tracking_no"}, obj{"carrier": str, "tracking_no": str}), orderOK, "200", "optional", "404", "409"), "id")},
		"/api/v1/orders/{id}/refund/accept":   obj{"post": withPath(op("Accept the refund request (seller, payment password)", "orders", pin, orderOK, "200", "required", "404", "409", "423"), "id")},
		"/api/v1/orders/{id}/refund/refuse":   obj{"post": withPath(op("Refuse the refund request (seller)", "orders", props([]string{"reason"}, obj{"reason": str}), orderOK, "200", "optional", "404", "409"), "id")},
		"/api/v1/orders/{id}/decide": obj{"post": withPath(op("Decide a dispute (operators): release, refund or split", "operators",
			props([]string{"decision", "reason"}, obj{"decision": obj{"type": "string", "enum": []string{"release", "refund", "split"}}, "buyer_amount": ref("Money"), "reason": str}),
			orderOK, "200", "required", "403", "404", "409"), "id")},
		"/api/v1/wallet": obj{"get": op("Prepaid balance, top-up instructions and history", "wallet", nil,
			jsonResp("Wallet", props(nil, obj{"balance": ref("Money"), "topup": obj{"type": "object"}, "history": obj{"type": "array", "items": ref("Movement")}})), "200", "", "403")},
		"/api/v1/ops/suspense": obj{"get": op("Unmatched transfers (operators)", "operators", nil, jsonResp("Credits", obj{"type": "object"}), "200", "", "403")},
		"/api/v1/ops/suspense/{txn}/assign": obj{"post": withPath(op("Assign an unmatched transfer to an order or a buyer's wallet", "operators",
			props(nil, obj{"order_id": integ, "user_id": integ, "note": str}), jsonResp("Assigned", obj{"type": "object"}), "200", "required", "403", "404", "409"), "txn")},
		"/api/v1/ops/suspense/{txn}/return": obj{"post": withPath(op("Mark an unmatched transfer for return to the payer", "operators",
			props(nil, obj{"note": str}), jsonResp("Marked", obj{"type": "object"}), "200", "optional", "403", "404", "409"), "txn")},
		"/api/v1/ops/clawbacks": obj{"get": withQuery(op("Recalled payments people owe the platform (operators): unresolved ones, or all with all=true", "operators", nil,
			jsonResp("Claw-backs", props(nil, obj{"clawbacks": obj{"type": "array", "items": ref("Clawback")}})), "200", "", "403"), "all")},
		"/api/v1/ops/clawbacks/{id}/recover": obj{"post": withPath(op("Recover a claw-back from the person's balance now and from their next credits (operators)", "operators",
			props([]string{"note"}, obj{"note": str}), jsonResp("The claw-back", ref("Clawback")), "200", "required", "403", "404", "409"), "id")},
		"/api/v1/ops/clawbacks/{id}/write-off": obj{"post": withPath(op("Write off what is still owed as the platform's bad debt (operators)", "operators",
			props([]string{"note"}, obj{"note": str}), jsonResp("The claw-back", ref("Clawback")), "200", "required", "403", "404", "409"), "id")},
	}
	schemas := obj{
		"Money": obj{"type": "string", "pattern": `^(0|[1-9][0-9]*)\.[0-9]{2}$`, "example": "259.00",
			"description": "CNY with exactly two decimals, always a string. Requests accept at most two decimals; numbers, exponents and NaN are refused."},
		"Error": props([]string{"error"}, obj{"error": props([]string{"code", "message"}, obj{
			"code": obj{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized", "forbidden", "insufficient_funds",
				"rate_limited", "locked", "internal", "bad_request", "too_large", "method_not_allowed"}},
			"message": str, "field": str, "request_id": str})}),
		"User": props(nil, obj{"id": integ, "role": obj{"type": "string", "enum": []string{"buyer", "seller", "operator"}}, "login": str,
			"display_name": str, "frozen": boo, "frozen_reason": str, "pay_locked_until": ts, "created_at": ts}),
		"AuditEntry": props(nil, obj{"id": integ, "at": ts, "actor_id": integ, "actor_role": str, "action": str, "target": str, "detail": obj{"type": "object"}, "ip": str}),
		"Listing": props(nil, obj{"id": integ, "seller_id": integ, "title": str, "description": str, "price": ref("Money"), "stock": integ,
			"status": obj{"type": "string", "enum": []string{"active", "withdrawn"}}, "shop_name": str, "created_at": ts, "updated_at": ts}),
		"ListingInput": props([]string{"title", "price", "stock"}, obj{"title": str, "description": str, "price": ref("Money"), "stock": integ}),
		"Clawback": props(nil, obj{"id": integ, "reversal_txn_id": str, "user_id": integ, "user_name": str,
			"source":   obj{"type": "string", "description": "the account recovered from: wallet:<user> or seller:<user>:available"},
			"order_id": integ, "amount": ref("Money"), "recovered": ref("Money"), "written_off": ref("Money"),
			"status":     obj{"type": "string", "enum": []string{"open", "recovering", "recovered", "written_off"}},
			"created_at": ts, "decided_at": ts, "note": str}),
		"Consignee": props([]string{"name", "phone", "address"}, obj{"name": str, "phone": str, "address": str}),
		"Movement": props(nil, obj{"transfer_id": integ, "at": ts, "kind": str, "account": str,
			"direction": obj{"type": "string", "enum": []string{"debit", "credit"}}, "amount": ref("Money")}),
		"Order": props(nil, obj{
			"id": integ, "state": obj{"type": "string", "enum": []string{"awaiting_payment", "paid", "shipped", "completed", "closed"}},
			"refund_state": obj{"type": "string", "enum": []string{"none", "requested", "refused", "disputed"}},
			"listing_id":   integ, "title": str, "unit_price": ref("Money"), "quantity": integ, "amount": ref("Money"), "held": ref("Money"),
			"released": ref("Money"), "refunded": ref("Money"), "fee": ref("Money"), "funding": str, "pay_reference": str,
			"refund_amount": ref("Money"), "refund_reason": str, "refuse_reason": str, "consignee": ref("Consignee"),
			"carrier": str, "tracking_no": str, "deadline": props(nil, obj{"kind": str, "at": ts}), "confirm_extended": boo,
			"close_reason": str, "created_at": ts, "paid_at": ts, "shipped_at": ts, "completed_at": ts, "closed_at": ts,
			"allowed_actions":      obj{"type": "array", "items": str},
			"timeline":             obj{"type": "array", "items": props(nil, obj{"at": ts, "kind": str, "actor_role": str, "detail": obj{"type": "object"}})},
			"ledger":               obj{"type": "array", "items": ref("Movement")},
			"payment_instructions": props(nil, obj{"bank": str, "account": str, "holder": str, "amount": ref("Money"), "reference": str}),
		}),
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "LineEscrow API", "version": "1",
			"description": "Escrow trades, wallets and operator queues of LineEscrow (固话宝). Authenticate with POST /api/v1/auth/token and send the token as `Authorization: Bearer <token>`. Amounts are strings with two decimals. Money-moving POSTs need an Idempotency-Key."},
		"servers":    []obj{{"url": "/"}},
		"security":   []obj{{"bearer": []string{}}},
		"paths":      paths,
		"components": obj{"schemas": schemas, "securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
	}
}
