package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

type acceptingBank struct{}

func (acceptingBank) Payout(context.Context, bankbridge.PayoutInstruction) error { return nil }

// TestWithdrawals: a seller withdraws on the portal (a refusal beside its
// field), the payout appears with its state, settles, and says so; the API
// does the same; a buyer withdraws the wallet to an account in their name;
// the statement downloads as CSV.
func TestWithdrawals(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	e.Payouts.Bank = acceptingBank{}
	o := e.Checkout(e.Buyer, e.Listing("100.00", 5), 1)
	e.Credit("100.00", o.PayReference)
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	seller := (&env{t: t, ts: e.ts}).browser()
	seller.login(e.Seller.Login, ptest.Password)
	page := seller.get("/seller/money")
	if page.status != 200 || !strings.Contains(page.text(`[data-testid="withdraw"]`), "99.40") {
		t.Fatalf("money page: %d %q", page.status, page.text(`[data-testid="withdraw"]`))
	}
	// Too much: refused beside the field, nothing moves.
	p := seller.post("/seller/money/withdraw", url.Values{"amount": {"120.00"}, "pay_password": {ptest.PIN}})
	if p.status != 422 || p.find(`[data-testid="error-amount"]`).Length() != 1 {
		t.Fatalf("too much: %d", p.status)
	}
	if p := seller.post("/seller/money/withdraw", url.Values{"amount": {"60.00"}, "pay_password": {ptest.PIN}}); p.status != 303 {
		t.Fatalf("withdraw: %d", p.status)
	}
	var id string
	e.DB.Raw("SELECT id FROM payouts ORDER BY created_at DESC LIMIT 1").Scan(&id)
	page = seller.get("/seller/money")
	if st, _ := page.find(`[data-testid="payout-` + id + `"]`).Attr("data-state"); st != "requested" ||
		page.text(`[data-testid="money-in-payout"]`) != "¥60.00" {
		t.Fatalf("after withdrawing: %q, in payout %q", st, page.text(`[data-testid="money-in-payout"]`))
	}
	if err := e.Payouts.Send(e.Ctx, id); err != nil {
		t.Fatal(err)
	}
	e.Deliver("evt_po1", bankbridge.PayoutSucceeded, bankbridge.Payout{PayoutID: id, BankTxnID: "PX1", Amount: models.MustParseMoney("60.00")})
	page = seller.get("/seller/money")
	if st, _ := page.find(`[data-testid="payout-` + id + `"]`).Attr("data-state"); st != "succeeded" || page.text(`[data-testid="money-paid-out"]`) != "¥60.00" {
		t.Fatalf("after settling: %q, paid out %q", st, page.text(`[data-testid="money-paid-out"]`))
	}

	// The API: the same action, with an Idempotency-Key.
	tok := e.token(t, e.Seller)
	if code, _, _ := e.api(t, "POST", "/api/v1/payouts", tok, "", map[string]string{"amount": "10.00", "pay_password": ptest.PIN}); code != 422 {
		t.Fatalf("without a key: %d", code)
	}
	code, po, _ := e.api(t, "POST", "/api/v1/payouts", tok, "po-1", map[string]string{"amount": "10.00", "pay_password": ptest.PIN})
	if code != 201 || po["state"] != "requested" || po["amount"] != "10.00" {
		t.Fatalf("API withdraw: %d %v", code, po)
	}
	if code, again, h := e.api(t, "POST", "/api/v1/payouts", tok, "po-1", map[string]string{"amount": "10.00", "pay_password": ptest.PIN}); code != 201 ||
		again["id"] != po["id"] || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", code, again)
	}
	if b := e.Balance(models.SellerAvailableAccount(e.Seller.ID)); b != "29.40" {
		t.Fatalf("available %s after 60 + 10", b)
	}
	code, list, _ := e.api(t, "GET", "/api/v1/payouts", tok, "", nil)
	if items, _ := list["payouts"].([]any); code != 200 || len(items) != 2 {
		t.Fatalf("API list: %d %v", code, list)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/payouts/"+id, e.token(t, e.Buyer), "", nil); code != 404 {
		t.Fatalf("a buyer read the seller's payout: %d", code)
	}

	// A buyer: from the wallet, to an account in the buyer's own name.
	ref, _ := e.Funding.TopUpReference(e.Ctx, e.Buyer.ID)
	e.Credit("50.00", ref)
	buyer := (&env{t: t, ts: e.ts}).browser()
	buyer.login(e.Buyer.Login, ptest.Password)
	if p := buyer.post("/wallet/withdraw", url.Values{"amount": {"20.00"}, "pay_password": {ptest.PIN}}); p.status != 422 ||
		p.find(`[data-testid="error-account"]`).Length() != 1 {
		t.Fatalf("no account: %d", p.status)
	}
	if p := buyer.post("/wallet/withdraw", url.Values{"amount": {"20.00"}, "account": {"6222 0202 0011 2233"}, "pay_password": {ptest.PIN}}); p.status != 303 {
		t.Fatalf("buyer withdraw: %d", p.status)
	}
	if w := buyer.get("/wallet"); w.find(`[data-testid="payouts"] tr[data-state="requested"]`).Length() != 1 {
		t.Fatal("the buyer's withdrawal is not listed")
	}

	// The statement of account, as CSV, and its API twin.
	today := time.Now().In(models.Shanghai)
	rng := "from=" + today.AddDate(0, 0, -30).Format("2006-01-02") + "&to=" + today.AddDate(0, 0, 1).Format("2006-01-02")
	csv := seller.get("/seller/statement.csv?" + rng)
	if csv.status != 200 || !strings.Contains(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.body, "99.40") ||
		!strings.Contains(csv.body, "-60.00") {
		t.Fatalf("statement: %d %q\n%s", csv.status, csv.header.Get("Content-Type"), csv.body)
	}
	if p := seller.get("/seller/statement.csv?from=2026-02-01&to=2026-01-01"); p.status != 422 ||
		!strings.Contains(p.text(`[data-testid="error-to"]`), "not be before") {
		t.Fatalf("a backwards range: %d %q", p.status, p.text(`[data-testid="error-to"]`))
	}
	code, st, _ := e.api(t, "GET", "/api/v1/seller/statement?"+rng, tok, "", nil)
	if moves, _ := st["movements"].([]any); code != 200 || len(moves) < 3 {
		t.Fatalf("API statement: %d %v", code, st)
	}
}
