package models

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseAmount(t *testing.T) {
	max := MustParseMoney("50000.00")
	tests := []struct {
		in      string
		want    string // "" means an error is expected
		wantMsg string
	}{
		{"259.00", "259.00", ""},
		{"259", "259.00", ""},
		{"259.5", "259.50", ""},
		{"0.01", "0.01", ""},
		{"50000.00", "50000.00", ""},
		{"", "", "Enter an amount."},
		{"0", "", "The amount must be greater than zero."},
		{"0.00", "", "The amount must be greater than zero."},
		{"-1.00", "", "Enter the amount as a plain number such as 259.00."},
		{"+1.00", "", "Enter the amount as a plain number such as 259.00."},
		{"1.001", "", "An amount has at most two decimals (fen)."},
		{"1.000", "", "An amount has at most two decimals (fen)."},
		{"1e3", "", "Enter the amount as a plain number such as 259.00."},
		{"1E3", "", "Enter the amount as a plain number such as 259.00."},
		{"NaN", "", "Enter the amount as a plain number such as 259.00."},
		{"Infinity", "", "Enter the amount as a plain number such as 259.00."},
		{"1,234.50", "", "Enter the amount as a plain number such as 259.00."},
		{" 12.00", "", "Enter the amount as a plain number such as 259.00."},
		{"12.", "", "Enter the amount as a plain number such as 259.00."},
		{".5", "", "Enter the amount as a plain number such as 259.00."},
		{"007", "", "Enter the amount as a plain number such as 259.00."},
		{"0x10", "", "Enter the amount as a plain number such as 259.00."},
		{"１２", "", "Enter the amount as a plain number such as 259.00."},
		{"50000.01", "", "The amount may not exceed ¥50,000.00."},
		{"99999999999999999", "", "The amount is too large."},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAmount(tt.in, max)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseAmount(%q) = %s, want error %q", tt.in, got, tt.wantMsg)
				}
				if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.wantMsg || ErrorField(err) != "amount" {
					t.Fatalf("ParseAmount(%q) error = %v, want invalid amount %q", tt.in, err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAmount(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Fatalf("ParseAmount(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestMoneyDisplay(t *testing.T) {
	tests := map[string]string{
		"0":          "¥0.00",
		"1":          "¥1.00",
		"999.9":      "¥999.90",
		"1000":       "¥1,000.00",
		"1234.5":     "¥1,234.50",
		"1234567.89": "¥1,234,567.89",
		"100000":     "¥100,000.00",
	}
	for in, want := range tests {
		if got := MustParseMoney(in).Display(); got != want {
			t.Errorf("Display(%s) = %q, want %q", in, got, want)
		}
	}
	if got := MustParseMoney("1234.5").Neg().Display(); got != "-¥1,234.50" {
		t.Errorf("negative Display = %q", got)
	}
}

func TestMoneyJSON(t *testing.T) {
	var v struct {
		Amount Money `json:"amount"`
	}
	if err := json.Unmarshal([]byte(`{"amount":"259.5"}`), &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"amount":"259.50"}` {
		t.Fatalf("round trip = %s", out)
	}
	for _, bad := range []string{
		`{"amount":259.5}`, `{"amount":1e2}`, `{"amount":null}`, `{"amount":"NaN"}`,
		`{"amount":"1e2"}`, `{"amount":""}`, `{"amount":"1.234"}`, `{"amount":true}`,
	} {
		v.Amount = Zero
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("Unmarshal(%s) accepted %s", bad, v.Amount)
		}
	}
}

func TestMulRateRoundsHalfUp(t *testing.T) {
	tests := []struct{ amount, rate, want string }{
		{"259.00", "0.006", "1.55"},   // 1.554
		{"258.50", "0.006", "1.55"},   // 1.551
		{"75.00", "0.006", "0.45"},    // 0.45 exactly
		{"0.75", "0.006", "0.00"},     // 0.0045
		{"2.50", "0.006", "0.02"},     // 0.015 → half up
		{"100.00", "0.015", "1.50"},   // telecom commission
		{"0.01", "0.5", "0.01"},       // 0.005 → half up
		{"1.01", "0.5", "0.51"},       // 0.505 → half up
		{"999.99", "0.006", "6.00"},   // 5.99994
		{"3333.33", "0.006", "20.00"}, // 19.99998
	}
	for _, tt := range tests {
		got := MustParseMoney(tt.amount).MulRate(decimal.RequireFromString(tt.rate))
		if got.String() != tt.want {
			t.Errorf("%s × %s = %s, want %s", tt.amount, tt.rate, got, tt.want)
		}
	}
}

func TestMoneyScan(t *testing.T) {
	var m Money
	if err := m.Scan("12.30"); err != nil || m.String() != "12.30" {
		t.Fatalf("Scan = %s, %v", m, err)
	}
	if err := m.Scan([]byte("7")); err != nil || m.String() != "7.00" {
		t.Fatalf("Scan bytes = %s, %v", m, err)
	}
	if err := m.Scan("1.234"); err == nil {
		t.Fatal("Scan accepted three decimals")
	}
	if FromFen(12345).String() != "123.45" || MustParseMoney("123.45").Fen() != 12345 {
		t.Fatal("fen conversion")
	}
}
