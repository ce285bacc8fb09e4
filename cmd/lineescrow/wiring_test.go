package main

import (
	"reflect"
	"testing"

	"lineescrow/app/platform/ptest"
)

// TestEveryServiceReachesTheWebLayer fails when web.Deps gains a service
// that serve does not hand it (a nil service is a panic on the first
// request that needs it).
func TestEveryServiceReachesTheWebLayer(t *testing.T) {
	t.Parallel()
	d := reflect.ValueOf(webDeps(ptest.New(t).Platform))
	for i := range d.NumField() {
		name := d.Type().Field(i).Name
		switch name {
		case "BankSim", "TelecomSim", "ShopSim", "PhoneSim", "BillSim", "Now": // demo mode only; tests only
			continue
		}
		if f := d.Field(i); f.IsZero() {
			t.Errorf("web.Deps.%s is not wired", name)
		}
	}
}
