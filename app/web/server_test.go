package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"lineescrow/app/config"
	"lineescrow/app/dbtest"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/store"
	"lineescrow/app/web"
)

var quiet = slog.New(slog.DiscardHandler)

func demoConfig(t *testing.T) *config.Config { return ptest.Config(t) }

func do(t *testing.T, h http.Handler, method, path string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	db, url := dbtest.NewWithURL(t)
	s := web.New(web.Deps{Config: demoConfig(t), Health: store.NewReadiness(db.SQL),
		Metrics: []prometheus.Collector{collectors.NewDBStatsCollector(db.SQL, "lineescrow")}, Log: quiet})
	if rec := do(t, s.Echo, "GET", "/healthz", nil); rec.Code != 200 {
		t.Fatalf("GET /healthz = %d", rec.Code)
	}
	if rec := do(t, s.Echo, "GET", "/readyz", nil); rec.Code != 200 {
		t.Fatalf("GET /readyz = %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s.Echo, "GET", "/metrics", nil); !strings.Contains(rec.Body.String(), `go_sql_max_open_connections{db_name="lineescrow"} 12`) {
		t.Fatal("metrics lack the database pool figures")
	}
	// A migration rolled back: not ready until it is applied again.
	p, err := store.Migrator(db.SQL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := do(t, s.Echo, "GET", "/readyz", nil)
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "migrations pending") {
		t.Fatalf("GET /readyz with a pending migration = %d %s", rec.Code, rec.Body)
	}
	if _, err := store.MigrateUp(context.Background(), db.SQL); err != nil {
		t.Fatal(err)
	}
	if rec := do(t, s.Echo, "GET", "/readyz", nil); rec.Code != 200 {
		t.Fatalf("GET /readyz after migrating = %d", rec.Code)
	}
	// Database gone: not ready, but alive.
	gone, err := store.Open(context.Background(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	s = web.New(web.Deps{Config: demoConfig(t), Health: store.NewReadiness(gone.SQL), Log: quiet})
	gone.Close()
	if rec := do(t, s.Echo, "GET", "/readyz", nil); rec.Code != 503 || !strings.Contains(rec.Body.String(), "database unreachable") {
		t.Fatalf("GET /readyz without database = %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s.Echo, "GET", "/healthz", nil); rec.Code != 200 {
		t.Fatalf("GET /healthz without database = %d", rec.Code)
	}
	// No database at all (a server built without one).
	s = web.New(web.Deps{Config: demoConfig(t), Log: quiet})
	if rec := do(t, s.Echo, "GET", "/readyz", nil); rec.Code != 503 || !strings.Contains(rec.Body.String(), "no database") {
		t.Fatalf("GET /readyz with no database = %d %s", rec.Code, rec.Body)
	}
}

func TestSecurityHeadersAndErrors(t *testing.T) {
	t.Parallel()
	s := web.New(web.Deps{Config: demoConfig(t), Log: quiet})
	s.Echo.GET("/test/panic", func(c echo.Context) error { panic("boom") })
	s.Echo.POST("/test/echo", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(200, string(b[:10]))
	})

	rec := do(t, s.Echo, "GET", "/", nil)
	if rec.Code != 200 {
		t.Fatalf("GET / = %d", rec.Code)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
		if got := rec.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	if strings.Contains(rec.Body.String(), "<script>") || strings.Contains(rec.Body.String(), " onclick=") {
		t.Error("page has inline script")
	}

	// One error handler: HTML for browsers, JSON for programs.
	rec = do(t, s.Echo, "GET", "/no/such/page", nil, "Accept", "text/html")
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `data-testid="error-page"`) {
		t.Fatalf("HTML 404 = %d %.200s", rec.Code, rec.Body)
	}
	rec = do(t, s.Echo, "GET", "/no/such/page", nil, "Accept", "application/json")
	var body web.APIError
	if rec.Code != 404 || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error.Code != "not_found" {
		t.Fatalf("JSON 404 = %d %s", rec.Code, rec.Body)
	}
	rec = do(t, s.Echo, "GET", "/api/v1/nothing", nil)
	if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("API 404 = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}

	// A panic is a 500 that reveals nothing, and the server goes on.
	rec = do(t, s.Echo, "GET", "/test/panic", nil, "Accept", "application/json")
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("panic = %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s.Echo, "GET", "/healthz", nil); rec.Code != 200 {
		t.Fatal("server unhealthy after panic")
	}

	// Bodies over the limit are refused.
	rec = do(t, s.Echo, "POST", "/test/echo", strings.NewReader(strings.Repeat("x", 2<<20)), "Accept", "application/json")
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB body = %d", rec.Code)
	}

	// Metrics are labelled by route pattern.
	rec = do(t, s.Echo, "GET", "/metrics", nil)
	if !strings.Contains(rec.Body.String(), `lineescrow_http_requests_total{method="GET",route="/",status="200"} 1`) ||
		!strings.Contains(rec.Body.String(), `lineescrow_http_request_duration_seconds_bucket{method="GET",route="/test/panic",status="500"`) {
		t.Fatalf("metrics lack the requests:\n%s", rec.Body)
	}
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	s := web.New(web.Deps{Config: demoConfig(t), Log: quiet})
	rec := do(t, s.Echo, "GET", "/", nil, "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
	if !strings.Contains(rec.Body.String(), `<html lang="zh-CN">`) || !strings.Contains(rec.Body.String(), "放心付款") {
		t.Fatal("Chinese browser did not get Chinese")
	}
	rec = do(t, s.Echo, "GET", "/", nil, "Accept-Language", "en-US,en;q=0.9")
	if !strings.Contains(rec.Body.String(), `<html lang="en">`) || strings.Contains(rec.Body.String(), "放心付款") {
		t.Fatal("English browser did not get English")
	}
	rec = do(t, s.Echo, "GET", "/lang?to=zh-CN&next=/listings", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/listings" || !strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), ";"), "lang=zh-CN") {
		t.Fatalf("switch = %d %v", rec.Code, rec.Header())
	}
	// The cookie beats the header.
	rec = do(t, s.Echo, "GET", "/", nil, "Accept-Language", "en", "Cookie", "lang=zh-CN")
	if !strings.Contains(rec.Body.String(), "放心付款") {
		t.Fatal("language cookie ignored")
	}
	// Redirects stay on the site.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		rec = do(t, s.Echo, "GET", "/lang?to=en&next="+next, nil)
		if rec.Header().Get("Location") != "/" {
			t.Errorf("next=%s redirected to %q", next, rec.Header().Get("Location"))
		}
	}
}
