package models

import (
	"bytes"
	"testing"
)

func TestClassifyAccount(t *testing.T) {
	good := map[string]AccountSpec{
		"bank:collection":    {Kind: Asset},
		"revenue:fees":       {Kind: Revenue},
		"escrow:order:42":    {Kind: Liability, Constrained: true},
		"wallet:7":           {Kind: Liability, Constrained: true},
		"seller:3:pending":   {Kind: Liability, Constrained: true},
		"seller:3:available": {Kind: Liability, Constrained: true},
		"suspense":           {Kind: Liability, Constrained: true},
		"expense:bad_debt":   {Kind: Expense},
		"telecom:receivable": {Kind: Asset},
		"payouts:in_transit": {Kind: Liability, Constrained: true},
		"biller:power":       {Kind: Liability, Constrained: true},
		"biller:heze_water2": {Kind: Liability, Constrained: true},
	}
	for code, want := range good {
		got, err := ClassifyAccount(code)
		if err != nil || got.Kind != want.Kind || got.Constrained != want.Constrained || got.Code != code {
			t.Errorf("ClassifyAccount(%q) = %+v, %v", code, got, err)
		}
	}
	for _, bad := range []string{"", "bank", "wallet:", "wallet:0", "wallet:-1", "wallet:07", "wallet:1:x",
		"escrow:order:abc", "seller:1:other", "seller:1", "revenue:other", "Wallet:1",
		"biller:", "biller:P", "biller:1x", "biller:a", "biller:a-b", "biller:power:x"} {
		if _, err := ClassifyAccount(bad); ErrorCode(err) != EINVALID {
			t.Errorf("ClassifyAccount(%q) err = %v, want invalid", bad, err)
		}
	}
}

func TestTransferValidate(t *testing.T) {
	m := MustParseMoney
	ok := Transfer{Key: "k", Kind: "test", Postings: Move(AccBankCollection, WalletAccount(1), m("10.00"))}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid transfer refused: %v", err)
	}
	three := Transfer{Key: "k", Kind: "test", Postings: []Posting{
		{EscrowAccount(1), Debit, m("100.00")},
		{AccRevenueFees, Credit, m("0.60")},
		{SellerAvailableAccount(2), Credit, m("99.40")},
	}}
	if err := three.Validate(); err != nil {
		t.Fatalf("three-way split refused: %v", err)
	}
	bad := map[string]Transfer{
		"no key":      {Kind: "test", Postings: ok.Postings},
		"no kind":     {Key: "k", Postings: ok.Postings},
		"one posting": {Key: "k", Kind: "test", Postings: ok.Postings[:1]},
		"unbalanced": {Key: "k", Kind: "test", Postings: []Posting{
			{AccBankCollection, Debit, m("10.00")}, {WalletAccount(1), Credit, m("9.99")}}},
		"zero amount": {Key: "k", Kind: "test", Postings: []Posting{
			{AccBankCollection, Debit, Zero}, {WalletAccount(1), Credit, Zero}}},
		"negative amount": {Key: "k", Kind: "test", Postings: []Posting{
			{AccBankCollection, Debit, m("1.00").Neg()}, {WalletAccount(1), Credit, m("1.00").Neg()}}},
		"bad account": {Key: "k", Kind: "test", Postings: Move("nowhere", WalletAccount(1), m("1.00"))},
		"no direction": {Key: "k", Kind: "test", Postings: []Posting{
			{AccBankCollection, "", m("1.00")}, {WalletAccount(1), Credit, m("1.00")}}},
	}
	for name, tr := range bad {
		if err := tr.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%s: Validate() = %v, want invalid", name, err)
		}
	}
}

func TestFingerprintIgnoresOrderOnly(t *testing.T) {
	m := MustParseMoney
	a := Transfer{Key: "a", Kind: "k", Ref: "order:1", Postings: Move(EscrowAccount(1), WalletAccount(2), m("5.00"))}
	b := Transfer{Key: "b", Kind: "k", Ref: "order:1", Postings: []Posting{a.Postings[1], a.Postings[0]}}
	if !bytes.Equal(a.Fingerprint(), b.Fingerprint()) {
		t.Fatal("posting order changed the fingerprint")
	}
	c := a
	c.Postings = Move(EscrowAccount(1), WalletAccount(2), m("5.01"))
	d := a
	d.Ref = "order:2"
	if bytes.Equal(a.Fingerprint(), c.Fingerprint()) || bytes.Equal(a.Fingerprint(), d.Fingerprint()) {
		t.Fatal("different content, same fingerprint")
	}
}

func TestDelta(t *testing.T) {
	m := MustParseMoney("3.00")
	if !(Posting{Direction: Debit, Amount: m}).Delta(Asset).Equal(m) {
		t.Fatal("debit on asset should increase")
	}
	if !(Posting{Direction: Debit, Amount: m}).Delta(Liability).Equal(m.Neg()) {
		t.Fatal("debit on liability should decrease")
	}
	if !(Posting{Direction: Credit, Amount: m}).Delta(Revenue).Equal(m) {
		t.Fatal("credit on revenue should increase")
	}
	if !(Posting{Direction: Credit, Amount: m}).Delta(Expense).Equal(m.Neg()) {
		t.Fatal("credit on expense should decrease")
	}
}

func TestMovementDelta(t *testing.T) {
	m := MustParseMoney("3.00")
	for _, c := range []struct {
		account string
		dir     Direction
		want    Money
	}{
		{WalletAccount(7), Credit, m},      // a top-up raises what the platform owes the buyer
		{WalletAccount(7), Debit, m.Neg()}, // paying an order lowers it
		{AccBankCollection, Debit, m},      // money arriving at the bank
		{ClawbackAccount(7), Debit, m},     // a receivable grows by debits
		{"nonsense:account", Credit, Zero}, // outside the chart: no balance to change
		{SellerAvailableAccount(3), Debit, m.Neg()},
	} {
		got := Movement{Account: c.account, Direction: c.dir, Amount: m}.Delta()
		if !got.Equal(c.want) {
			t.Errorf("%s %s %s: delta %s, want %s", c.dir, m, c.account, got, c.want)
		}
	}
}
