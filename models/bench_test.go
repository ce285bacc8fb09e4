package models

import "testing"

// The hot functions of a request: amounts parsed and formatted, and one
// step of the order's state machine decided.
//
//	go test ./models -run '^$' -bench . -benchmem

func BenchmarkParseAmount(b *testing.B) {
	limit := MustParseMoney("50000.00")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m, err := ParseAmount("259.30", limit)
		if err != nil || m.Fen() != 25930 {
			b.Fatal(m, err)
		}
	}
}

func BenchmarkMoneyFormat(b *testing.B) {
	m := MustParseMoney("12345.60")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if s := m.String(); s != "12345.60" {
			b.Fatal(s)
		}
		if d := m.Display(); d == "" {
			b.Fatal("empty display")
		}
	}
}

func BenchmarkApplyConfirm(b *testing.B) {
	o := orderIn(Shipped, RefundNone)
	c := command(ActConfirm)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s, err := Apply(o, c)
		if err != nil || s.Order.State != Completed {
			b.Fatal(s.Order.State, err)
		}
	}
}

func BenchmarkAllowed(b *testing.B) {
	o := orderIn(Shipped, RefundNone)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !Allowed(o, buyer)[ActConfirm] {
			b.Fatal("confirm not allowed")
		}
	}
}
