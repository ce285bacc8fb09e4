package books_test

import (
	"strings"
	"testing"

	"lineescrow/app/ledger"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

func TestOnlyOperatorsReadTheBooks(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	for _, who := range []models.Actor{e.Buyer.Actor(), e.Seller.Actor(), models.Anonymous, {}} {
		if _, err := e.Books.Overview(e.Ctx, who); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads the overview: %v", who, err)
		}
		if _, err := e.Books.Accounts(e.Ctx, who); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads the accounts: %v", who, err)
		}
		if _, err := e.Books.Movements(e.Ctx, who, models.WalletAccount(e.Buyer.ID)); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads a wallet's movements: %v", who, err)
		}
		if _, err := e.Books.Check(e.Ctx, who); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v runs the check: %v", who, err)
		}
		if _, err := e.Books.DashboardOf(e.Ctx, who, true); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads the dashboard: %v", who, err)
		}
	}
}

func TestBooksAfterATrade(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	op := e.Operator.Actor()
	paid := e.Checkout(e.Buyer, e.Listing("80.00", 5), 1)
	e.Credit("80.00", paid.PayReference) // into escrow
	e.Credit("15.00", "nobody's reference")
	if err := ledger.RefreshTotals(e.Ctx, e.DB.DB); err != nil {
		t.Fatal(err)
	}

	ov, err := e.Books.Overview(e.Ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	if ov.Bank.String() != "95.00" || ov.Suspense.String() != "15.00" || ov.Escrow.String() != "80.00" || !ov.Wallets.IsZero() {
		t.Fatalf("overview: bank %s suspense %s escrow %s wallets %s", ov.Bank, ov.Suspense, ov.Escrow, ov.Wallets)
	}
	if ov.Queues.Suspense != 1 || ov.TotalsAt.IsZero() || len(ov.Classes) != len(ledger.Classes) {
		t.Fatalf("overview: %+v", ov)
	}

	acc, err := e.Books.Accounts(e.Ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]string{}
	for _, a := range acc.Lines {
		lines[a.Code] = string(a.Kind) + " " + a.Balance.String()
	}
	want := map[string]string{"bank:collection": "asset 95.00", "suspense": "liability 15.00", "escrow:*": "liability 80.00"}
	if len(lines) != len(want) {
		t.Fatalf("accounts = %v, want %v", lines, want)
	}
	for code, w := range want {
		if lines[code] != w {
			t.Errorf("account %s = %q, want %q", code, lines[code], w)
		}
	}

	escrow, err := e.Books.Movements(e.Ctx, op, "escrow:*")
	if err != nil {
		t.Fatal(err)
	}
	if len(escrow) != 1 || escrow[0].Account != models.EscrowAccount(paid.ID) || escrow[0].Amount.String() != "80.00" {
		t.Fatalf("escrow movements = %+v", escrow)
	}
	bank, err := e.Books.Movements(e.Ctx, op, " bank:collection ")
	if err != nil {
		t.Fatal(err)
	}
	if len(bank) != 2 || bank[0].Amount.String() != "15.00" {
		t.Fatalf("bank movements = %+v, want the two credits, newest first", bank)
	}
	if _, err := e.Books.Movements(e.Ctx, op, " "); models.ErrorField(err) != "account" {
		t.Fatalf("movements of no account: %v", err)
	}

	if problems, err := e.Books.Check(e.Ctx, op); err != nil || problems != "" {
		t.Fatalf("check of sound books = %q, %v", problems, err)
	}
	// An order that says it holds other than its escrow does is found (and
	// put back, so the test's own invariant check passes).
	if err := e.DB.Exec("UPDATE orders SET held = held - 1, refunded = refunded + 1 WHERE id = ?", paid.ID).Error; err != nil {
		t.Fatal(err)
	}
	problems, err := e.Books.Check(e.Ctx, op)
	if err := e.DB.Exec("UPDATE orders SET held = held + 1, refunded = refunded - 1 WHERE id = ?", paid.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err != nil || !strings.Contains(problems, "order invariants violated") {
		t.Fatalf("check of a wrong order = %q, %v", problems, err)
	}
}
