package main

import (
	"strings"
	"testing"

	"lineescrow/app/config"
)

// The start-up banner names the database serve really uses, never its
// password, and calls the demo cluster the demo's only when it is.
func TestBannerTellsWhichDatabase(t *testing.T) {
	cases := []struct {
		dsn        string
		want, none []string
	}{
		{"", []string{".devdb/demo", "127.0.0.1:54329", "devdb stop"}, []string{"DATABASE_URL"}},
		{"postgres://app:s3cret-pw@db.internal:5432/escrow?sslmode=require", []string{"DATABASE_URL", "app@db.internal:5432/escrow"},
			[]string{"s3cret-pw", ".devdb", "sslmode"}},
		{"host=db user=app password=s3cret-pw", []string{"DATABASE_URL"}, []string{"s3cret-pw", ".devdb"}},
	}
	for _, c := range cases {
		var b strings.Builder
		banner(&b, &config.Config{BaseURL: "http://127.0.0.1:8080", Demo: true}, databaseName(c.dsn))
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("DATABASE_URL %q: banner lacks %q:\n%s", c.dsn, w, b.String())
			}
		}
		for _, n := range c.none {
			if strings.Contains(b.String(), n) {
				t.Errorf("DATABASE_URL %q: banner says %q:\n%s", c.dsn, n, b.String())
			}
		}
	}
}
