package models

import (
	"crypto/rand"
	"math/big"
	"strconv"
	"strings"
)

// A shop number is what a payer keys in to pay a shop face to face, on the
// web or on the hotline's keypad: seven digits, six that name the shop (the
// first never 0) and a Luhn check digit, which catches any single mistyped
// digit and most swapped neighbours before a payment reaches the wrong shop.
// It is printed in two groups, "123 4567".
const shopNumberLen = 7

// ReasonCheckDigit is the Reason of a shop number whose check digit is wrong
// (a typo), as opposed to one that is not seven digits at all.
const ReasonCheckDigit = "check_digit"

// NewShopNumber returns a fresh random shop number.
func NewShopNumber() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(900_000))
	body := strconv.FormatInt(100_000+n.Int64(), 10)
	return body + string(rune('0'+luhnDigit(body)))
}

// ParseShopNumber reads a shop number as people type it (spaces and dashes
// ignored) and checks its check digit.
//
// Errors: EINVALID on field "shop"; Reason ReasonCheckDigit when the seven
// digits fail their check.
func ParseShopNumber(s string) (string, error) {
	d := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\u3000':
			return -1
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		}
		return r
	}, strings.TrimSpace(s))
	if len(d) != shopNumberLen || strings.Trim(d, "0123456789") != "" || d[0] == '0' {
		return "", FieldError("shop", "Enter the shop's seven-digit number, as on its counter card.")
	}
	if luhnDigit(d[:shopNumberLen-1]) != int(d[shopNumberLen-1]-'0') {
		e := FieldError("shop", "This shop number is mistyped: check its seven digits on the counter card.")
		e.Reason = ReasonCheckDigit
		return "", e
	}
	return d, nil
}

// FormatShopNumber writes a shop number as printed: "123 4567".
func FormatShopNumber(d string) string {
	if len(d) != shopNumberLen {
		return d
	}
	return d[:3] + " " + d[3:]
}

// LastFour is the last four digits of a phone number or line, as a till
// shows a payer ("…8000"); the whole of a shorter one.
func LastFour(phone string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	if len(d) > 4 {
		d = d[len(d)-4:]
	}
	return d
}
