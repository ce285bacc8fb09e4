package web_test

import (
	"go/build"
	"reflect"
	"strings"
	"testing"

	"lineescrow/app/platform/ptest"
)

// TestTheWebLayerOnlyTranslates fails when the web layer (its non-test
// files) imports storage or wiring: it must get every page's data from a
// service, and be handed its services by cmd or a test helper.
func TestTheWebLayerOnlyTranslates(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Name != "web" || len(pkg.GoFiles) == 0 {
		t.Fatalf("not the web package: %s %v", pkg.Name, pkg.GoFiles)
	}
	// SQL and the ledger belong to the services (the books are read through
	// app/books, readiness through store.Readiness); wiring belongs to cmd and
	// the test helpers (ptest is under platform).
	forbidden := []string{
		"gorm.io/", "database/sql", "github.com/jackc/", "github.com/pressly/goose",
		"lineescrow/app/store", "lineescrow/app/ledger", "lineescrow/app/dbtest", "lineescrow/app/devdb",
		"lineescrow/app/platform", "lineescrow/migrations",
	}
	for _, imp := range pkg.Imports {
		for _, f := range forbidden {
			if imp == f || strings.HasPrefix(imp, f) && (strings.HasSuffix(f, "/") || imp[len(f)] == '/') {
				t.Errorf("app/web imports %s", imp)
			}
		}
	}
}

// TestTheTestHelperWiresEveryService fails when web.Deps gains a service
// that ptest's WebDeps does not hand it (cmd's twin is checked in cmd).
func TestTheTestHelperWiresEveryService(t *testing.T) {
	t.Parallel()
	d := reflect.ValueOf(ptest.New(t).WebDeps())
	for i := range d.NumField() {
		name := d.Type().Field(i).Name
		if name == "BankSim" || name == "TelecomSim" || name == "ShopSim" || name == "PhoneSim" || name == "BillSim" || name == "Now" { // demo mode only; tests only
			continue
		}
		if d.Field(i).IsZero() {
			t.Errorf("ptest's web.Deps.%s is not wired", name)
		}
	}
}
