package billsim_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"lineescrow/app/config"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/billsim"
	"lineescrow/models"
)

const secret = "whsec_ZGVtby1iaWxsZXItc2VjcmV0LWZvci10ZXN0cw=="

func newSim(t *testing.T) (*billsim.Sim, *bankbridge.Biller, string) {
	t.Helper()
	sim := billsim.New(billsim.Config{Prefix: "/sim/bills"})
	if err := sim.Add(billsim.Company{Code: "water", Name: "水", Secret: secret, Book: billsim.NewAccounts(billsim.DemoWater())}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	key, _ := config.WebhookKey(secret)
	return sim, &bankbridge.Biller{URL: sim.URL(srv.URL, "water"), Key: key}, srv.URL
}

// TestSignedOnly: a query or a notice without the shared secret's
// signature is refused and changes nothing.
func TestSignedOnly(t *testing.T) {
	sim, b, base := newSim(t)
	ctx := context.Background()
	bad := &bankbridge.Biller{URL: b.URL, Key: []byte("another key of thirty-two bytes!")}
	if _, err := bad.Query(ctx, billsim.WaterZhang); err == nil {
		t.Fatal("a query with the wrong key was answered")
	}
	n := bankbridge.BillPaymentNotice{PaymentID: "BP1", ReceiptNo: "R1", Account: billsim.WaterZhang, Amount: models.MustParseMoney("2.00"), PaidAt: time.Now()}
	if _, err := bad.Notify(ctx, n); err == nil {
		t.Fatal("a notice with the wrong key was applied")
	}
	res, err := http.Post(base+"/sim/bills/water/v1/payments", "application/json", bytes.NewReader([]byte(`{"payment_id":"BP1","account":"53010001","amount":"2.00"}`)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d", res.StatusCode)
	}
	if q, err := b.Query(ctx, billsim.WaterZhang); err != nil || q.Owed.String() != "42.00" || q.Holder != "张*" {
		t.Fatalf("after the refusals: %+v %v", q, err)
	}
	if len(sim.Notices()) != 0 {
		t.Fatal("a refused notice was recorded")
	}
	if _, err := b.Query(ctx, "00000000"); err != bankbridge.ErrUnknownAccount {
		t.Fatalf("unknown account: %v", err)
	}
}

// TestAppliedOnce: the same payment id twice lowers the bill once.
func TestAppliedOnce(t *testing.T) {
	sim, b, _ := newSim(t)
	ctx := context.Background()
	n := bankbridge.BillPaymentNotice{PaymentID: "BP2", ReceiptNo: "R2", Account: billsim.WaterZhang, Amount: models.MustParseMoney("10.00"), PaidAt: time.Now()}
	for range 2 {
		ack, err := b.Notify(ctx, n)
		if err != nil || ack.Owed.String() != "32.00" {
			t.Fatalf("notify: %+v %v", ack, err)
		}
	}
	if ns := sim.Notices(); len(ns) != 1 || ns[0].Tries != 2 || !ns[0].Applied {
		t.Fatalf("notices: %+v", ns)
	}
}
