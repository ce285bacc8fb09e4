package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/audit"
	"lineescrow/app/clawback"
	"lineescrow/app/funding"
	"lineescrow/models"
)

// The OpenAPI 3 document is produced from the action and read tables (and
// the few hand routes below): its paths, parameters, request bodies and
// response schemas come from the same rows and the same Go types that serve
// the requests, so it cannot drift from them. Schemas are read off the types
// by reflection: json names; `required`, `enum`, `doc`, `format` and
// `pattern` tags; pointers are nullable; Money is a string with two decimals.

type obj = map[string]any

// schemaNames are the named schemas of the document, by Go type.
var schemaNames = map[reflect.Type]string{
	reflect.TypeOf(apiOrder{}):          "Order",
	reflect.TypeOf(models.Listing{}):    "Listing",
	reflect.TypeOf(models.User{}):       "User",
	reflect.TypeOf(audit.Entry{}):       "AuditEntry",
	reflect.TypeOf(apiMovement{}):       "Movement",
	reflect.TypeOf(apiConsignee{}):      "Consignee",
	reflect.TypeOf(clawback.Clawback{}): "Clawback",
	reflect.TypeOf(funding.Credit{}):    "Credit",
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
	rateType = reflect.TypeOf(models.Rate{})
)

// schemas builds schemas, collecting the named ones.
type schemas struct{ named obj }

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// of returns the schema of t (a reference for a named type).
func (sc *schemas) of(t reflect.Type) obj {
	switch {
	case t == moneyType:
		return ref("Money")
	case t == fileType:
		return obj{"type": "string", "format": "binary"}
	case t == timeType:
		return obj{"type": "string", "format": "date-time"}
	case t == rawType || t.Kind() == reflect.Interface:
		return obj{}
	case t == rateType:
		return obj{"type": "string", "description": "a rate in percent, such as 0.6"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := sc.of(t.Elem())
		if _, isRef := s["$ref"]; isRef {
			return obj{"allOf": []obj{s}, "nullable": true}
		}
		s["nullable"] = true
		return s
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Int, reflect.Int32:
		return obj{"type": "integer", "format": "int32"}
	case reflect.Int64:
		return obj{"type": "integer", "format": "int64"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Slice:
		return obj{"type": "array", "items": sc.of(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": sc.of(t.Elem())}
	case reflect.Struct:
		if name, ok := schemaNames[t]; ok {
			if _, done := sc.named[name]; !done {
				sc.named[name] = obj{} // recursion guard
				sc.named[name] = sc.object(t, nil, false)
			}
			return ref(name)
		}
		return sc.object(t, nil, false)
	}
	return obj{}
}

// object is the schema of a struct: for a request (strict: no other fields,
// required by tag) limited to fields, for an answer every field present
// unless omitempty.
func (sc *schemas) object(t reflect.Type, fields []string, request bool) obj {
	allowed := map[string]bool{}
	for _, f := range fields {
		allowed[f] = true
	}
	props, required := obj{}, []string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			// An embedded struct's fields are the outer one's (as encoding/json does).
			inner := sc.object(f.Type, fields, request)
			for k, v := range inner["properties"].(obj) {
				props[k] = v
			}
			if r, ok := inner["required"].([]string); ok {
				required = append(required, r...)
			}
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() || (fields != nil && !allowed[name]) {
			continue
		}
		s := sc.of(f.Type)
		if _, isRef := s["$ref"]; isRef && (f.Tag.Get("doc") != "") {
			s = obj{"allOf": []obj{s}}
		}
		for _, tag := range []string{"doc", "format", "pattern"} {
			if v := f.Tag.Get(tag); v != "" {
				key := tag
				if tag == "doc" {
					key = "description"
				}
				s[key] = v
			}
		}
		if e := f.Tag.Get("enum"); e != "" {
			s["enum"] = strings.Split(e, ",")
		}
		props[name] = s
		if request && f.Tag.Get("required") == "true" || !request && !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		o["required"] = required
	}
	if request {
		o["additionalProperties"] = false
	}
	return o
}

// openAPIPath turns an echo path into an OpenAPI one: /orders/:id → /orders/{id}.
func openAPIPath(p string) (string, []string) {
	var params []string
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, ":") {
			params = append(params, part[1:])
			parts[i] = "{" + part[1:] + "}"
		}
	}
	return strings.Join(parts, "/"), params
}

func pathParams(names []string) []obj {
	var out []obj
	for _, n := range names {
		t := obj{"type": "integer", "format": "int64"}
		if n == "txn" || n == "trade_no" || n == "app_id" || n == "notify_id" {
			t = obj{"type": "string"}
		}
		out = append(out, obj{"name": n, "in": "path", "required": true, "schema": t})
	}
	return out
}

var errResp = obj{"description": "Error, with a stable code", "content": obj{"application/json": obj{"schema": ref("Error")}}}

// operation describes one route.
func (sc *schemas) operation(name, summary, tag string, public bool, params []obj, body obj, status int, resp any, errs []int) obj {
	if status == 0 {
		status = http.StatusOK
	}
	o := obj{"operationId": name, "summary": summary, "tags": []string{tag}}
	responses := obj{strconv.Itoa(status): obj{"description": http.StatusText(status),
		"content": obj{"application/json": obj{"schema": sc.of(reflect.TypeOf(resp))}}}}
	codes := append([]int{http.StatusUnprocessableEntity}, errs...)
	if !public {
		codes = append(codes, http.StatusUnauthorized)
		if !containsInt(codes, http.StatusForbidden) {
			codes = append(codes, http.StatusForbidden)
		}
	}
	for _, code := range codes {
		responses[strconv.Itoa(code)] = errResp
	}
	o["responses"] = responses
	if public {
		o["security"] = []obj{}
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if body != nil {
		o["requestBody"] = obj{"required": false, "content": obj{"application/json": obj{"schema": body}}}
	}
	return o
}

func containsInt(l []int, n int) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

func idempotencyParam(required bool) obj {
	return obj{"name": "Idempotency-Key", "in": "header", "required": required,
		"description": "The same key and request returns the first successful answer again (header Idempotent-Replayed: true); the same key with another request is refused with 409. Keys are per user and live 24 hours.",
		"schema":      obj{"type": "string", "maxLength": 200}}
}

// buildOpenAPI produces the document from the server's tables.
func (s *Server) buildOpenAPI() obj {
	sc := &schemas{named: obj{}}
	paths := map[string]obj{}
	add := func(path, method string, op obj) {
		p, ok := paths[path]
		if !ok {
			p = obj{}
			paths[path] = p
		}
		p[strings.ToLower(method)] = op
	}
	for _, a := range s.table {
		if a.api == "" {
			continue
		}
		path, names := openAPIPath("/api/v1" + a.api)
		params := pathParams(names)
		if a.keyed || a.idem {
			params = append(params, idempotencyParam(a.keyed))
		}
		reqType := reflect.TypeOf(a.newReq()).Elem()
		body := sc.object(reqType, a.fields, true)
		op := sc.operation(a.name, a.summary, a.tag, len(a.roles) == 0, params, body, a.status, a.resp, a.errs)
		if a.multipart {
			op["requestBody"] = obj{"required": true, "content": obj{echo.MIMEMultipartForm: obj{"schema": body}}}
		}
		add(path, a.apiMethod(), op)
	}
	for _, r := range s.reads {
		path, names := openAPIPath("/api/v1" + r.api)
		params := pathParams(names)
		if r.query != nil {
			qt := reflect.TypeOf(r.query)
			for i := 0; i < qt.NumField(); i++ {
				f := qt.Field(i)
				s := sc.of(f.Type)
				if d := f.Tag.Get("doc"); d != "" {
					s["description"] = d
				}
				if v := f.Tag.Get("format"); v != "" {
					s["format"] = v
				}
				params = append(params, obj{"name": jsonName(f), "in": "query", "required": false, "schema": s})
			}
		}
		errs := []int{http.StatusNotFound}
		add(path, http.MethodGet, sc.operation(r.name, r.summary, r.tag, len(r.roles) == 0, params, nil, 0, r.resp, errs))
	}
	tokenBody := sc.object(reflect.TypeOf(tokenRequest{}), nil, true)
	add("/api/v1/auth/token", http.MethodPost, sc.operation("auth.token", "Issue an API token (Bearer) for a login name and password",
		"auth", true, nil, tokenBody, http.StatusOK, tokenResponse{}, []int{http.StatusUnauthorized, http.StatusTooManyRequests}))

	add("/gateway/v1", http.MethodPost, gatewayOperation())

	sc.named["Money"] = obj{"type": "string", "pattern": `^(0|[1-9][0-9]*)\.[0-9]{2}$`, "example": "259.00",
		"description": "CNY with exactly two decimals, always a string. Requests accept at most two decimals; numbers, exponents and NaN are refused."}
	sc.named["Error"] = obj{"type": "object", "required": []string{"error"}, "properties": obj{"error": obj{"type": "object",
		"required": []string{"code", "message"}, "properties": obj{
			"code": obj{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized", "forbidden",
				"insufficient_funds", "rate_limited", "locked", "unavailable", "internal", "bad_request", "too_large", "method_not_allowed",
				"unsupported_media_type"}},
			"message": obj{"type": "string"}, "field": obj{"type": "string"}, "request_id": obj{"type": "string"}}}}}
	out := obj{}
	for k, v := range paths {
		out[k] = v
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "LineEscrow API", "version": "1",
			"description": "Escrow trades, wallets and operator queues of LineEscrow (固话宝). Authenticate with POST /api/v1/auth/token and send the token as `Authorization: Bearer <token>`. Amounts are strings with two decimals. Money-moving POSTs need an Idempotency-Key."},
		"servers":    []obj{{"url": "/"}},
		"security":   []obj{{"bearer": []string{}}},
		"paths":      out,
		"components": obj{"schemas": sc.named, "securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
	}
}

func (s *Server) openAPI(c echo.Context) error {
	s.openAPIOnce.Do(func() { s.openAPIDoc = s.buildOpenAPI() })
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, s.openAPIDoc)
}

// openAPIState holds the document, built once from the tables.
type openAPIState struct {
	openAPIOnce sync.Once
	openAPIDoc  obj
}

// APIAction is an action as the API serves it: method, OpenAPI path and the
// request fields it reads.
type APIAction struct {
	Name, Method, Path string
	Fields             []string
}

// APIActions lists the API's actions (for tests that hold the document to
// the handlers).
func (s *Server) APIActions() []APIAction {
	var out []APIAction
	for _, a := range s.table {
		if a.api == "" {
			continue
		}
		path, _ := openAPIPath("/api/v1" + a.api)
		fields := a.fields
		if fields == nil {
			fields = fieldsOf(reflect.TypeOf(a.newReq()))
		}
		out = append(out, APIAction{Name: a.name, Method: a.apiMethod(), Path: path, Fields: fields})
	}
	return out
}

// PortalTwins maps each portal route ("GET /seller") to its twin in the API
// ("GET /api/v1/seller/dashboard"), as the tables declare them.
func (s *Server) PortalTwins() map[string]string {
	out := map[string]string{}
	for _, a := range s.table {
		if a.page != "" && a.api != "" {
			out["POST "+a.page] = a.apiMethod() + " /api/v1" + a.api
		}
	}
	for _, a := range s.table {
		if a.page != "" && a.api == "" {
			// The same row served on another portal: its twin is the first's.
			for _, b := range s.table {
				if b.api != "" && strings.HasPrefix(a.name, b.name+".") {
					out["POST "+a.page] = b.apiMethod() + " /api/v1" + b.api
				}
			}
		}
	}
	for _, r := range s.reads {
		for _, p := range r.pages {
			out["GET "+p] = "GET /api/v1" + r.api
		}
	}
	return out
}

// gatewayOperation documents POST /gateway/v1, the merchants' signed API
// (app/gateway's documentation has the string to sign and every method's
// parameters): no token, the request signed with the merchant's key, the
// reply with the platform's.
func gatewayOperation() obj {
	str := obj{"type": "string"}
	params := obj{"type": "object", "required": []string{"app_id", "method", "timestamp", "nonce", "sign_type", "sign"},
		"additionalProperties": str,
		"description":          "Every value is a string. The string to sign: the parameters sorted by name, k=v joined with &, empty values and sign left out, UTF-8; sign is the base64 SHA256withRSA signature of it with the merchant's private key.",
		"properties": obj{
			"app_id":       obj{"type": "string", "description": "the merchant's app id"},
			"method":       obj{"type": "string", "enum": []string{"trade.create", "trade.query", "trade.ship", "trade.close", "trade.refund", "bill.download"}},
			"timestamp":    obj{"type": "string", "description": "yyyy-MM-dd HH:mm:ss, Asia/Shanghai, within 5 minutes of the platform's clock"},
			"nonce":        obj{"type": "string", "description": "unique per request: a nonce seen before is refused"},
			"charset":      obj{"type": "string", "enum": []string{"utf-8"}},
			"sign_type":    obj{"type": "string", "enum": []string{"RSA2"}},
			"sign":         str,
			"out_trade_no": obj{"type": "string", "description": "trade.create: the shop's order number, unique per merchant (the same number with the same content returns the same trade)"},
			"trade_no":     obj{"type": "string", "description": "the platform's trade number (query, ship, close, refund)"},
			"subject":      str, "body": str,
			"total_amount": obj{"type": "string", "description": "yuan with at most two decimals, such as 88.00"},
			"notify_url":   str, "return_url": obj{"type": "string", "description": "on a host the merchant registered"},
			"timeout_express": obj{"type": "string", "description": "1m to 15d, such as 30m, 2h, 3d"},
			"consignee_name":  str, "consignee_phone": str, "consignee_address": str,
			"carrier": str, "tracking_no": str,
			"refund_amount": str, "out_request_no": obj{"type": "string", "description": "trade.refund: the same number is the same refund"},
			"refund_reason": str,
			"bill_date":     obj{"type": "string", "description": "bill.download: yyyy-MM-dd"},
		}}
	reply := obj{"description": "The signed reply: code (SUCCESS or a stable error code), msg, the method's fields, sign. Verify sign with the platform's public key.",
		"content": obj{"application/json": obj{"schema": obj{"type": "object", "required": []string{"code", "sign"}, "additionalProperties": str,
			"properties": obj{"code": str, "msg": str, "field": str, "sign": str, "sign_type": str}}}}}
	responses := obj{"200": reply}
	for _, code := range []int{401, 403, 404, 409, 422, 500, 503} {
		responses[strconv.Itoa(code)] = reply
	}
	for _, code := range []int{413, 415} {
		responses[strconv.Itoa(code)] = errResp
	}
	return obj{"operationId": "gateway.call", "tags": []string{"gateway"}, "security": []obj{},
		"summary":     "The merchant gateway: one signed endpoint, method names the call (Alipay's page-pay shape)",
		"description": "Refused with a stable code and nothing done: INVALID_APP_ID (401), INVALID_SIGNATURE (401), INVALID_TIMESTAMP (401), NONCE_REPLAYED (409), MERCHANT_FROZEN (403), MISSING_PARAMETER and INVALID_PARAMETER (422). The HTTP status follows the code.",
		"requestBody": obj{"required": true, "content": obj{"application/x-www-form-urlencoded": obj{"schema": params},
			"application/json": obj{"schema": params}}},
		"responses": responses}
}
