package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/app/web"
)

// The profiles are on their own handler, and the public server has none.
func TestProfilesOnlyOnTheirOwnListener(t *testing.T) {
	rec := httptest.NewRecorder()
	pprofHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "goroutine") {
		t.Fatalf("pprof index: %d %.200s", rec.Code, rec.Body.String())
	}
	e := ptest.New(t)
	srv := web.New(e.WebDeps())
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("the public server answers /debug/pprof/ with %d", rec.Code)
	}
}
