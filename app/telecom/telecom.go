// Package telecom is fixed-line charging (PRODUCT.md, Paying 2 and Money
// out; contracts/telecom-frontend.md): a buyer binds a landline, pays orders
// by charging them to its phone bill, and the operator collects the bill and
// settles with the platform months later.
//
// # Where the money is
//
//   - A charge the front-end accepts funds the order's escrow from
//     telecom:receivable: the operator now owes the platform the amount.
//   - A refund goes back the way the money came: to telecom:receivable (the
//     charge is cancelled before it is billed, or credited on the next bill:
//     the subscriber will not pay it, or gets it back), or, when the operator
//     wrote the charge off (the subscriber never paid), to expense:bad_debt,
//     lowering the loss.
//   - A release puts the seller's proceeds in seller:<id>:pending until the
//     operator collects the bill (charge.collected), when they move to
//     available; a release after the collection goes to available at once.
//     A written-off charge is the platform's bad debt, never the seller's:
//     the proceeds move to available just the same.
//   - An advance (垫资) moves pending proceeds to available early, within a
//     global and a per-seller cap, never for a flagged order; the exposure is
//     what was advanced on charges the operator has not collected.
//   - charge.overdue books the accrued late fee, telecom:receivable →
//     revenue:late_fees (given back if the charge is written off); the line
//     can charge nothing more while a bill is overdue.
//   - The settlement transfer (a bank credit from the operator's settlement
//     account carrying the cycle's reference) clears telecom:receivable by
//     what arrived; the report's commission (what the operator kept) moves
//     from telecom:receivable to expense:telecom_commission. The report is
//     then matched line by line to the charges; every difference is a break
//     in the operators' reconciliation queue.
//   - A redeemed recharge card credits the wallet from telecom:cards.
//
// # Calls to the front-end
//
// Never inside an open transaction: the intent is recorded (with a River job
// that repeats the call), committed, the front-end called, and the answer
// settled in a new transaction. Every call that creates something is keyed
// by the platform's own id (charge, refund, redemption), so a timeout is
// repeated with the same key and never charges, credits or redeems twice.
//
// # Consent
//
// Only the buyer charges their line: with the payment password, for one
// order. The callbacks and jobs only carry out what was agreed; nothing here
// spends a wallet.
package telecom

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/jobs"
	"lineescrow/app/notices"
	"lineescrow/app/orders"
	"lineescrow/app/settings"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Service is fixed-line charging.
type Service struct {
	DB *gorm.DB
	// Notices tells sellers when a charge's money becomes available, and
	// buyers of their card top-ups (nil: nobody).
	Notices *notices.Service
	Orders  *orders.Service
	// Purchases settles the charges that pay in-store payments (app/instore)
	// rather than orders.
	Purchases Purchases
	Front     *bankbridge.Telecom
	Queue     *jobs.Queue
	Settings  *settings.Service
	// PayPasswords checks the buyer's payment password (auth).
	PayPasswords orders.PayPasswords
	// Key keys the MACs of ID digits, verification codes and card numbers.
	Key []byte
	// SettlementAccount is the operator's account its settlements come from.
	SettlementAccount string
	MaxAmount         models.Money
	Log               *slog.Logger
	Now               func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// mac is the keyed MAC of a secret of few digits (ID digits, a code, a card
// number): without the key it cannot be reversed by trying them all.
func (s *Service) mac(kind, v string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil)[:20])
}

func sameMAC(a, b string) bool { return a != "" && hmac.Equal([]byte(a), []byte(b)) }

// newID returns prefix and 16 random hex digits.
func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

func dayStart(t time.Time) time.Time {
	t = t.In(models.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, models.Shanghai)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Ref is the ledger reference of a charge's own transfers (late fees, bad
// debt, proceeds); the order's carry the order's.
func Ref(chargeID string) string { return "charge:" + chargeID }

func (s *Service) settings(ctx context.Context, db *gorm.DB) (settings.Values, error) {
	return s.Settings.Get(ctx, db)
}
