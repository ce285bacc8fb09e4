package instore_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/app/books"
	"lineescrow/app/instore"
	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// setup returns a platform whose seller takes in-store payments at 0.38 %
// and whose buyer has topUp on the wallet.
func setup(t *testing.T, topUp string) (*ptest.Env, *instore.Shop) {
	t.Helper()
	e := ptest.New(t)
	sh, err := e.Instore.Enable(e.Ctx, e.Seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if topUp != "" {
		fund(t, e, e.Buyer, topUp)
	}
	return e, sh
}

func fund(t *testing.T, e *ptest.Env, u *models.User, amount string) {
	t.Helper()
	ref, err := e.Funding.TopUpReference(e.Ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.Credit(amount, ref)
}

// where is every account an in-store payment touches.
func where(e *ptest.Env) string {
	return fmt.Sprintf("wallet %s seller %s fees %s", e.Balance(models.WalletAccount(e.Buyer.ID)),
		e.Balance(models.SellerAvailableAccount(e.Seller.ID)), e.Balance(models.AccRevenueFees))
}

func code(err error) string { return models.ErrorCode(err) }

func TestShopNumberCheckDigit(t *testing.T) {
	t.Parallel()
	for range 200 {
		n := models.NewShopNumber()
		got, err := instore.ParseShopNumber(n[:3] + " " + n[3:])
		if err != nil || string(got) != n {
			t.Fatalf("%s: %q %v", n, got, err)
		}
		// Every single mistyped digit is caught.
		for i := range n {
			for d := byte('0'); d <= '9'; d++ {
				if d == n[i] || (i == 0 && d == '0') {
					continue
				}
				typo := n[:i] + string(d) + n[i+1:]
				_, err := instore.ParseShopNumber(typo)
				if e := models.AsError(err); e == nil || e.Field != "shop" || e.Reason != models.ReasonCheckDigit {
					t.Fatalf("typo %s of %s: %v", typo, n, err)
				}
			}
		}
	}
	for _, bad := range []string{"", "123456", "12345678", "0123456", "12a4567"} {
		_, err := instore.ParseShopNumber(bad)
		if e := models.AsError(err); e == nil || e.Field != "shop" || e.Reason != "" {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

func TestEnableKeepsTheNumber(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "")
	if !sh.Enabled || len(sh.Number) != 7 || sh.Name != e.Seller.DisplayName+"'s shop" {
		t.Fatalf("%+v", sh)
	}
	if _, err := instore.ParseShopNumber(string(sh.Number)); err != nil {
		t.Fatal(err)
	}
	off, err := e.Instore.Disable(e.Ctx, e.Seller.Actor())
	if err != nil || off.Enabled || off.Number != sh.Number {
		t.Fatalf("%+v %v", off, err)
	}
	if _, err := e.Instore.Shop(e.Ctx, e.Buyer.Actor(), string(sh.Number)); models.ErrorField(err) != "shop" {
		t.Fatalf("disabled shop found: %v", err)
	}
	on, err := e.Instore.Enable(e.Ctx, e.Seller.Actor())
	if err != nil || !on.Enabled || on.Number != sh.Number {
		t.Fatalf("%+v %v", on, err)
	}
	if _, err := e.Instore.Enable(e.Ctx, e.Buyer.Actor()); code(err) != models.EFORBIDDEN {
		t.Fatalf("a buyer enabled: %v", err)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action IN ('instore.enable', 'instore.disable')`); n != 3 {
		t.Fatalf("%d audit entries", n)
	}
}

func TestPayAndRefundLedger(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "100.00")
	p, err := e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("38.50"), instore.MethodWallet, ptest.PIN, "k1")
	if err != nil {
		t.Fatal(err)
	}
	// 0.38 % of 38.50 is 0.1463: 0.15 to the platform, half-up.
	if p.Fee.String() != "0.15" || p.Net().String() != "38.35" || p.PayerLast4 != "8000" || p.Channel != instore.ChannelWeb {
		t.Fatalf("%+v", p)
	}
	if got := where(e); got != "wallet 61.50 seller 38.35 fees 0.15" {
		t.Fatal(got)
	}
	if n := e.Count(`SELECT count(*) FROM ledger_transfers WHERE ref = ?`, instore.Ref(p.ID)); n != 1 {
		t.Fatalf("%d transfers", n)
	}
	// The same key again: the same payment, nothing moved.
	again, err := e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("38.50"), instore.MethodWallet, ptest.PIN, "k1")
	if err != nil || again.ID != p.ID || !again.Replayed {
		t.Fatalf("%+v %v", again, err)
	}
	if _, err := e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("1.00"), instore.MethodWallet, ptest.PIN, "k1"); code(err) != models.ECONFLICT {
		t.Fatalf("key reused for another amount: %v", err)
	}
	if got := where(e); got != "wallet 61.50 seller 38.35 fees 0.15" {
		t.Fatal(got)
	}
	// The buyer cannot refund; the seller needs the right password.
	if _, err := e.Instore.Refund(e.Ctx, e.Buyer.Actor(), p.ID, ptest.PIN); code(err) != models.ENOTFOUND {
		t.Fatalf("buyer refunded: %v", err)
	}
	if _, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, "000000"); models.ErrorField(err) != "pay_password" {
		t.Fatalf("wrong PIN: %v", err)
	}
	r, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN)
	if err != nil || r.RefundedAt == nil {
		t.Fatalf("%+v %v", r, err)
	}
	if got := where(e); got != "wallet 100.00 seller 0.00 fees 0.00" {
		t.Fatal(got)
	}
	if _, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN); code(err) != models.ECONFLICT {
		t.Fatalf("refunded twice: %v", err)
	}
	if got := where(e); got != "wallet 100.00 seller 0.00 fees 0.00" {
		t.Fatal(got)
	}
	if n := e.Count(`SELECT count(*) FROM ledger_transfers WHERE ref = ?`, instore.Ref(p.ID)); n != 2 {
		t.Fatalf("%d transfers", n)
	}
	if problems, err := books.Verify(e.Ctx, e.DB.DB); err != nil || problems != "" {
		t.Fatalf("books: %q %v", problems, err)
	}
}

func TestRefundOnlyWithin24Hours(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "100.00")
	p, err := e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("20.00"), instore.MethodWallet, ptest.PIN, "k")
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(instore.RefundWindow + time.Second)
	if _, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN); code(err) != models.ECONFLICT {
		t.Fatalf("late refund: %v", err)
	}
	if got := where(e); got != "wallet 80.00 seller 19.92 fees 0.08" {
		t.Fatal(got)
	}
}

func TestRefundNeedsTheMoneyStillThere(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "100.00")
	p, err := e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("50.00"), instore.MethodWallet, ptest.PIN, "k")
	if err != nil {
		t.Fatal(err)
	}
	// The seller's available money went elsewhere (as a withdrawal would take it).
	if _, err := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney("40.00"), PayPassword: ptest.PIN}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN); code(err) != models.EINSUFFICIENT {
		t.Fatalf("refund beyond the seller's money: %v", err)
	}
	got, _ := e.Instore.Get(e.Ctx, e.Seller.Actor(), p.ID)
	if got.RefundedAt != nil {
		t.Fatal("marked refunded")
	}
}

func TestConcurrentPaymentsExactlyOne(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "60.00")
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("50.00"), instore.MethodWallet, ptest.PIN, fmt.Sprint("c", i))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch code(err) {
		case "":
			ok++
		case models.EINSUFFICIENT:
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d payments succeeded: %v", ok, errs)
	}
	if got := where(e); got != "wallet 10.00 seller 49.81 fees 0.19" {
		t.Fatal(got)
	}
	if c := e.Count(`SELECT count(*) FROM instore_payments`); c != 1 {
		t.Fatalf("%d payments recorded", c)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "9000.00")
	if _, err := e.Settings.Update(e.Ctx, e.Operator.Actor(), map[string]string{"instore.max_payment": "300.00",
		"instore.daily_limit": "500.00", "instore.rate": "1"}); err != nil {
		t.Fatal(err)
	}
	pay := func(amount, key string) (*instore.Payment, error) {
		return e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney(amount), instore.MethodWallet, ptest.PIN, key)
	}
	if _, err := pay("300.01", "a"); models.ErrorField(err) != "amount" || !strings.Contains(models.ErrorMessage(err), "¥300.00") {
		t.Fatalf("over the payment limit: %v", err)
	}
	p1, err := pay("300.00", "b")
	if err != nil || p1.Fee.String() != "3.00" {
		t.Fatalf("%+v %v", p1, err)
	}
	if _, err := pay("200.01", "c"); models.ErrorField(err) != "amount" || !strings.Contains(models.ErrorMessage(err), "¥200.00") {
		t.Fatalf("over the day's limit: %v", err)
	}
	if _, err := pay("200.00", "d"); err != nil {
		t.Fatal(err)
	}
	l, err := e.Instore.LimitsFor(e.Ctx, e.Buyer.Actor())
	if err != nil || l.Left.String() != "0.00" || l.PaidToday.String() != "500.00" {
		t.Fatalf("%+v %v", l, err)
	}
	// A refund frees its part of the day; the next day starts afresh.
	if _, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p1.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := pay("300.00", "e"); err != nil {
		t.Fatal(err)
	}
	if _, err := pay("0.01", "f"); models.ErrorField(err) != "amount" {
		t.Fatalf("over the day's limit: %v", err)
	}
	e.Clock.Advance(24 * time.Hour)
	if _, err := pay("300.00", "g"); err != nil {
		t.Fatal(err)
	}
	// No password was spent on the refusals: the count is clean.
	if n := e.Count(`SELECT pay_failures FROM users WHERE id = ?`, e.Buyer.ID); n != 0 {
		t.Fatalf("pay_failures %d", n)
	}
}

func TestRefusalsMoveNothing(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "100.00")
	n := string(sh.Number)
	typo := n[:6] + string('0'+(n[6]-'0'+1)%10)
	cases := []struct {
		name   string
		actor  models.Actor
		shop   string
		amount string
		pin    string
		code   string
		field  string
	}{
		{"check digit", e.Buyer.Actor(), typo, "10.00", ptest.PIN, models.EINVALID, "shop"},
		{"unknown shop", e.Buyer.Actor(), models.NewShopNumber(), "10.00", ptest.PIN, models.EINVALID, "shop"},
		{"short wallet", e.Buyer.Actor(), n, "100.01", ptest.PIN, models.EINSUFFICIENT, ""},
		{"wrong password", e.Buyer.Actor(), n, "10.00", "000000", models.EINVALID, "pay_password"},
		{"no password", e.Buyer.Actor(), n, "10.00", "", models.EINVALID, "pay_password"},
		{"seller pays", e.Seller.Actor(), n, "10.00", ptest.PIN, models.EFORBIDDEN, ""},
		{"frozen", models.Actor{UserID: e.Buyer.ID, Role: models.RoleBuyer, Frozen: true}, n, "10.00", ptest.PIN, models.EFORBIDDEN, ""},
		{"nobody", models.Anonymous, n, "10.00", ptest.PIN, models.EFORBIDDEN, ""},
	}
	for i, c := range cases {
		if c.name == "unknown shop" && c.shop == n {
			continue
		}
		_, err := e.Instore.Pay(e.Ctx, c.actor, c.shop, models.MustParseMoney(c.amount), instore.MethodWallet, c.pin, fmt.Sprint("r", i))
		if code(err) != c.code || models.ErrorField(err) != c.field {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if got := where(e); got != "wallet 100.00 seller 0.00 fees 0.00" {
		t.Fatal(got)
	}
	if c := e.Count(`SELECT count(*) FROM instore_payments`); c != 0 {
		t.Fatalf("%d payments recorded", c)
	}
}

func TestWrongPasswordsLockPayments(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "100.00")
	var err error
	for i := range 6 {
		_, err = e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("1.00"), instore.MethodWallet, "000000", fmt.Sprint("w", i))
		if code(err) == models.ELOCKED {
			break
		}
	}
	if code(err) != models.ELOCKED {
		t.Fatalf("not locked: %v", err)
	}
	if _, err := e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("1.00"), instore.MethodWallet, ptest.PIN, "right"); code(err) != models.ELOCKED {
		t.Fatalf("right PIN while locked: %v", err)
	}
	if got := where(e); got != "wallet 100.00 seller 0.00 fees 0.00" {
		t.Fatal(got)
	}
}

func TestHotlineRecordsTheCallingLine(t *testing.T) {
	t.Parallel()
	e, sh := setup(t, "100.00")
	p, err := e.Instore.Pay(instore.ViaHotline(e.Ctx, "0530-5552001"), e.Buyer.Actor(), string(sh.Number), models.MustParseMoney("38.50"), instore.MethodWallet, ptest.PIN, "h")
	if err != nil || p.Channel != instore.ChannelHotline || p.PayerLast4 != "2001" {
		t.Fatalf("%+v %v", p, err)
	}
	till, err := e.Instore.TillOf(e.Ctx, e.Seller.Actor())
	if err != nil || len(till.Payments) != 1 || till.Payments[0].PayerLast4 != "2001" || till.Total.String() != "38.50" {
		t.Fatalf("%+v %v", till, err)
	}
	if _, err := e.Instore.Get(e.Ctx, e.Buyer2.Actor(), p.ID); code(err) != models.ENOTFOUND {
		t.Fatalf("another buyer sees it: %v", err)
	}
}
