package web_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"lineescrow/bankbridge/banksim"
	"lineescrow/models"
)

// TestSimulatorAgainstThePlatform sends the simulator's deliveries, faults and
// all, to the platform's real webhook endpoint.
func TestSimulatorAgainstThePlatform(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	var skew atomic.Int64 // the simulator's clock runs ahead when the test skips a retry delay
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	sim, err := banksim.New(banksim.Config{WebhookURL: e.ts.URL + "/webhooks/bank", Secret: e.Config.BankWebhookSecret,
		APIKey: e.Config.BankAPIKey, Prefix: "/sim/bank", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o := e.Checkout(e.Buyer, e.Listing("259.00", 5), 1)

	// Duplicated and badly signed at first: paid once.
	sim.Transfer(banksim.TransferInput{Account: "6222020200112233", Name: "张伟", Memo: models.GroupReference(o.PayReference),
		Amount: models.MustParseMoney("259.00"), Faults: banksim.Faults{Duplicate: true, BadSignature: true}})
	sim.Flush(ctx)
	if got := e.Order(o.ID); got.State != models.AwaitingPayment {
		t.Fatalf("paid on a bad signature: %s", got.State)
	}
	// The simulator retries 5 s later: its clock skips ahead (well within the ±300 s the platform allows).
	if d := sim.Deliveries()[0]; d[2] != "retrying" || d[4] != "401 Unauthorized / 401 Unauthorized" {
		t.Fatalf("delivery after the bad signature: %v", d)
	}
	skew.Add(int64(banksim.Schedule[0]))
	sim.Flush(ctx)
	if d := sim.Deliveries()[0]; d[2] != "delivered" {
		t.Fatalf("retry: %v", d)
	}
	if got := e.Order(o.ID); got.State != models.Paid {
		t.Fatalf("after the retry: %s", got.State)
	}

	// A credit held back and its reversal delivered first: both applied, in the right order.
	c := sim.Transfer(banksim.TransferInput{Account: "6222000011110000", Name: "Unknown", Memo: "", Amount: models.MustParseMoney("30.00"),
		Faults: banksim.Faults{Reorder: true}})
	if err := sim.Reverse(c.TxnID, "fraud report", banksim.Faults{}); err != nil {
		t.Fatal(err)
	}
	sim.Flush(ctx)
	skew.Add(int64(time.Second))
	sim.Flush(ctx)
	if n := e.Count("SELECT count(*) FROM bank_reversals WHERE applied_at IS NOT NULL"); n != 1 {
		t.Fatalf("reversal before its credit: %d applied", n)
	}
	if s, b := e.Balance(models.AccSuspense), e.Balance(models.AccBankCollection); s != "0.00" || b != "259.00" {
		t.Fatalf("suspense %s bank %s", s, b)
	}
	// The platform's books agree with the bank's statement.
	st := sim.Statement(c.At)
	if closing := st["closing_balance"].(models.Money); closing.String() != e.Balance(models.AccBankCollection) {
		t.Fatalf("statement closes at %s, ledger says %s", closing, e.Balance(models.AccBankCollection))
	}
}
