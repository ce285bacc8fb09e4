package views

import (
	"net/url"
	"strconv"

	"github.com/shopspring/decimal"
)

func itoa(n int) string { return strconv.Itoa(n) }

func inputType(t string) string {
	if t == "" {
		return "text"
	}
	return t
}

func percent(d decimal.Decimal) string {
	return d.Mul(decimal.NewFromInt(100)).StringFixed(2) + "%"
}

func urlq(s string) string { return url.QueryEscape(s) }
