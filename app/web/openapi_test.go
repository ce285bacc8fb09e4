package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// apiSpec is the served OpenAPI document, loaded and validated once per server.
type apiSpec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func (e *tradeEnv) spec(t *testing.T) *apiSpec {
	t.Helper()
	e.openapi.once.Do(func() {
		res, err := http.Get(e.ts.URL + "/api/openapi.json")
		if err != nil {
			e.openapi.err = err
			return
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		doc, err := openapi3.NewLoader().LoadFromData(body)
		if err != nil {
			e.openapi.err = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			e.openapi.err = err
			return
		}
		e.openapi.doc = doc
		e.openapi.router, e.openapi.err = legacy.NewRouter(doc)
	})
	if e.openapi.err != nil {
		t.Fatalf("the OpenAPI document: %v", e.openapi.err)
	}
	return &e.openapi
}

// checkResponse validates a real API answer against the document: its status
// must be documented for the operation and its body match that schema.
func (e *tradeEnv) checkResponse(t *testing.T, req *http.Request, body []byte, res *http.Response) {
	t.Helper()
	sp := e.spec(t)
	r := req.Clone(context.Background())
	r.URL.Host, r.URL.Scheme, r.Host = "", "", ""
	route, params, err := sp.router.FindRoute(r)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: res.StatusCode, Header: res.Header, Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s answered %d, not as documented: %v\n%s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
}

// TestOpenAPIMatchesTheRoutes: the document is valid OpenAPI 3, it has every
// API route and no other, and each request body lists exactly the fields the
// action reads.
func TestOpenAPIMatchesTheRoutes(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	doc := e.spec(t).doc
	served := map[string]bool{}
	for _, r := range e.srv.Echo.Routes() {
		if !(strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/gateway/v1") || strings.HasPrefix(r.Method, "echo_") {
			continue // echo's own not-found route of the group; the portals
		}
		path := r.Path
		for _, part := range strings.Split(path, "/") {
			if strings.HasPrefix(part, ":") {
				path = strings.Replace(path, part, "{"+part[1:]+"}", 1)
			}
		}
		served[r.Method+" "+path] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("%s is served but not in the OpenAPI document", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("%s is in the OpenAPI document but not served", k)
		}
	}
	// The request bodies, against the request types the handlers decode.
	for _, a := range e.srv.APIActions() {
		op := doc.Paths.Find(a.Path).GetOperation(a.Method)
		if op == nil || op.RequestBody == nil {
			t.Errorf("%s %s has no request body in the document", a.Method, a.Path)
			continue
		}
		var props []string
		content := op.RequestBody.Value.Content.Get("application/json")
		if content == nil { // an upload
			content = op.RequestBody.Value.Content.Get("multipart/form-data")
		}
		for name := range content.Schema.Value.Properties {
			props = append(props, name)
		}
		sort.Strings(props)
		want := append([]string{}, a.Fields...)
		sort.Strings(want)
		if strings.Join(props, ",") != strings.Join(want, ",") {
			t.Errorf("%s %s: the document says the body has %v, the handler reads %v", a.Method, a.Path, props, want)
		}
	}
	// Public reads are public in both.
	for _, path := range []string{"/api/v1/listings", "/api/v1/listings/{id}"} {
		op := doc.Paths.Find(path).Get
		if op == nil || op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("GET %s should need no token in the document", path)
		}
		if code, _, _ := e.api(t, "GET", strings.Replace(path, "{id}", "1", 1), "", "", nil); code == 401 {
			t.Errorf("GET %s needs a token on the server", path)
		}
	}
	if op := doc.Paths.Find("/api/v1/orders").Get; op.Security != nil && len(*op.Security) == 0 {
		t.Error("GET /api/v1/orders is documented as public")
	}
}

// readAll reads a response body and leaves it readable.
func readAll(res *http.Response) []byte {
	b, _ := io.ReadAll(res.Body)
	res.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// TestResponsesAreCheckedAgainstTheDocument: the check every API call of
// these tests goes through refuses an answer that differs from its schema.
func TestResponsesAreCheckedAgainstTheDocument(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	sp := e.spec(t)
	req, _ := http.NewRequest("GET", "/api/v1/listings/1", nil)
	route, params, err := sp.router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	for body, ok := range map[string]bool{
		`{"id":1,"seller_id":2,"title":"t","description":"","price":"1.00","stock":1,"status":"active","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","shop_name":"s","category":"food","shipping_fee":"0.00","cover_url":""}`: true,
		`{"id":"one","seller_id":2,"title":"t","description":"","price":"1.00","stock":1,"status":"active","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","shop_name":"s"}`:                                                    false,
		`{"id":1,"seller_id":2,"title":"t","description":"","price":1.5,"stock":1,"status":"active","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","shop_name":"s"}`:                                                           false,
		`{"id":1}`: false,
	} {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 200, Header: http.Header{"Content-Type": {"application/json"}},
		}
		in.SetBodyBytes([]byte(body))
		if err := openapi3filter.ValidateResponse(context.Background(), in); (err == nil) != ok {
			t.Errorf("%s: valid %v, want %v (%v)", body, err == nil, ok, err)
		}
	}
}
