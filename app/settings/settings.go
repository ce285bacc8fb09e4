// Package settings holds what operators can tune: the order timers and the
// default commission rate for new sellers. Values live in the settings table;
// missing keys take PRODUCT.md's defaults.
package settings

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Values are the platform's current settings.
type Values struct {
	Timers            models.TimerSettings
	DefaultCommission models.Rate
	// PayoutDailyLimit bounds what one person withdraws in a day.
	PayoutDailyLimit models.Money
	// Credit is the landlines' credit at the platform.
	Credit models.CreditPolicy
	// AdvanceCap bounds all advances (垫资) outstanding at once;
	// AdvanceSellerCap is the cap of a seller without one of their own.
	AdvanceCap, AdvanceSellerCap models.Money
	// InstoreRate is what the platform keeps of an in-store payment;
	// InstoreMaxPayment bounds one, InstoreDailyLimit what one payer pays
	// shops in a day (app/instore).
	InstoreRate                          models.Rate
	InstoreMaxPayment, InstoreDailyLimit models.Money
	// TransferMax bounds one transfer to another person's balance,
	// TransferDailyLimit what one sender transfers in a day
	// (app/transfers).
	TransferMax, TransferDailyLimit models.Money
}

// Defaults are used for keys never set.
var Defaults = Values{Timers: models.DefaultTimers, DefaultCommission: models.RateOfFraction(decimal.RequireFromString("0.006")),
	PayoutDailyLimit: models.FromFen(5_000_000), Credit: models.DefaultCreditPolicy,
	AdvanceCap: models.FromFen(10_000_000), AdvanceSellerCap: models.FromFen(1_000_000),
	InstoreRate: models.RateOfFraction(decimal.RequireFromString("0.0038")), InstoreMaxPayment: models.FromFen(200_000),
	InstoreDailyLimit: models.FromFen(500_000), TransferMax: models.FromFen(500_000), TransferDailyLimit: models.FromFen(1_000_000)}

// Keys, as stored and as form fields.
const (
	KeyUnpaidClose       = "timer.unpaid_close"
	KeyShipBy            = "timer.ship_by"
	KeyAutoConfirm       = "timer.auto_confirm"
	KeyConfirmExtend     = "timer.confirm_extend"
	KeyRefundAnswer      = "timer.refund_answer"
	KeyDefaultCommission = "fees.default_commission"
	KeyPayoutDailyLimit  = "payouts.daily_limit"
	KeyLimitA            = "credit.limit_a"
	KeyLimitB            = "credit.limit_b"
	KeyLimitC            = "credit.limit_c"
	KeyLimitD            = "credit.limit_d"
	KeyNewLineMonths     = "credit.new_line_months"
	KeyNewLineLimit      = "credit.new_line_limit"
	KeyChargesPerDay     = "credit.charges_per_day"
	KeyNewBindingDays    = "credit.new_binding_days"
	KeyNewBindingCharges = "credit.new_binding_charges"
	KeyAdvanceCap        = "advance.global_cap"
	KeyAdvanceSellerCap  = "advance.seller_cap"
	KeyInstoreRate       = "instore.rate"
	KeyInstoreMax        = "instore.max_payment"
	KeyInstoreDaily      = "instore.daily_limit"
	KeyTransferMax       = "transfer.max_amount"
	KeyTransferDaily     = "transfer.daily_limit"
)

// Service reads and changes settings.
type Service struct{ DB *gorm.DB }

// Get returns the current settings.
func (s *Service) Get(ctx context.Context, db *gorm.DB) (Values, error) {
	if db == nil {
		db = s.DB
	}
	var rows []struct{ Key, Value string }
	if err := db.WithContext(ctx).Table("settings").Select("key, value").Scan(&rows).Error; err != nil {
		return Values{}, fmt.Errorf("read settings: %w", err)
	}
	v := Defaults
	for _, r := range rows {
		_ = v.set(r.Key, r.Value) // stored values were validated on the way in
	}
	return v, nil
}

func (v *Values) durations() map[string]*time.Duration {
	return map[string]*time.Duration{
		KeyUnpaidClose: &v.Timers.UnpaidClose, KeyShipBy: &v.Timers.ShipBy, KeyAutoConfirm: &v.Timers.AutoConfirm,
		KeyConfirmExtend: &v.Timers.ConfirmExtend, KeyRefundAnswer: &v.Timers.RefundAnswer,
	}
}

// amounts are the settings that are amounts of money (0 allowed).
func (v *Values) amounts() map[string]*models.Money {
	return map[string]*models.Money{
		KeyPayoutDailyLimit: &v.PayoutDailyLimit, KeyLimitA: &v.Credit.LimitA, KeyLimitB: &v.Credit.LimitB,
		KeyLimitC: &v.Credit.LimitC, KeyLimitD: &v.Credit.LimitD, KeyNewLineLimit: &v.Credit.NewLineLimit,
		KeyAdvanceCap: &v.AdvanceCap, KeyAdvanceSellerCap: &v.AdvanceSellerCap,
		KeyInstoreMax: &v.InstoreMaxPayment, KeyInstoreDaily: &v.InstoreDailyLimit,
		KeyTransferMax: &v.TransferMax, KeyTransferDaily: &v.TransferDailyLimit,
	}
}

// rates are the settings that are rates, typed in percent.
func (v *Values) rates() map[string]*models.Rate {
	return map[string]*models.Rate{KeyDefaultCommission: &v.DefaultCommission, KeyInstoreRate: &v.InstoreRate}
}

// counts are the settings that are whole numbers, with their bounds.
func (v *Values) counts() map[string]struct {
	n        *int
	min, max int
} {
	type c = struct {
		n        *int
		min, max int
	}
	return map[string]c{
		KeyNewLineMonths: {&v.Credit.NewLineMonths, 0, 120}, KeyChargesPerDay: {&v.Credit.ChargesPerDay, 0, 100},
		KeyNewBindingDays: {&v.Credit.NewBindingDays, 0, 365}, KeyNewBindingCharges: {&v.Credit.NewBindingCharges, 0, 100},
	}
}

func (v *Values) set(key, value string) error {
	if m, ok := v.amounts()[key]; ok {
		a, err := models.ParseMoney(strings.TrimSpace(value))
		if err != nil || a.IsNegative() || a.GreaterThan(models.FromFen(100_000_000_00)) {
			return models.FieldError(key, "Enter an amount such as 3000.00 (0 or more).")
		}
		*m = a
		return nil
	}
	if c, ok := v.counts()[key]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < c.min || n > c.max {
			return models.FieldError(key, "Enter a whole number from %d to %d.", c.min, c.max)
		}
		*c.n = n
		return nil
	}
	if d, ok := v.durations()[key]; ok {
		dur, err := ParseDuration(value)
		if err != nil {
			return models.FieldError(key, "Enter a duration such as 72h, 7d or 30m (at least 1m, at most 365d).")
		}
		*d = dur
		return nil
	}
	if p, ok := v.rates()[key]; ok {
		r, err := models.ParseRatePercent(key, value)
		if err != nil {
			return err
		}
		*p = r
		return nil
	}
	return models.FieldError(key, "Unknown setting.")
}

// Form returns the settings as form values (durations as 72h / 7d, the rate in percent).
func (v Values) Form() map[string]string {
	out := map[string]string{}
	for k, r := range v.rates() {
		out[k] = r.Percent()
	}
	for k, d := range v.durations() {
		out[k] = FormatDuration(*d)
	}
	for k, m := range v.amounts() {
		out[k] = m.String()
	}
	for k, c := range v.counts() {
		out[k] = strconv.Itoa(*c.n)
	}
	return out
}

// Update validates and stores settings given as form values, auditing the change.
//
// Errors: EFORBIDDEN unless actor is an operator; EINVALID with every bad field.
func (s *Service) Update(ctx context.Context, actor models.Actor, form map[string]string) (Values, error) {
	if !actor.IsOperator() {
		return Values{}, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	current, err := s.Get(ctx, nil)
	if err != nil {
		return Values{}, err
	}
	next := current
	var ps []*models.Error
	for k, val := range form {
		if e := models.AsError(next.set(k, val)); e != nil {
			ps = append(ps, e)
		}
	}
	if err := models.Invalid(ps...); err != nil {
		return current, err
	}
	before, after := current.Form(), next.Form()
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		changed := map[string]any{}
		for k, v := range after {
			if before[k] == v {
				continue
			}
			stored := v
			if _, ok := next.rates()[k]; ok {
				stored = v + "%"
			}
			row := map[string]any{"key": k, "value": stored, "updated_at": time.Now(), "updated_by": actor.UserID}
			if err := tx.Table("settings").Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}},
				DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at", "updated_by"})}).Create(row).Error; err != nil {
				return err
			}
			changed[k] = map[string]string{"from": before[k], "to": v}
		}
		if len(changed) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, &actor, "settings.update", "settings", changed)
	})
	if err != nil {
		return current, fmt.Errorf("update settings: %w", err)
	}
	return next, nil
}

// ParseDuration reads 72h, 30m, 7d (days) or combinations Go understands.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, perr := strconv.ParseFloat(days, 64)
		if perr != nil {
			return 0, perr
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, err
	}
	if d < time.Minute || d > 365*24*time.Hour {
		return 0, fmt.Errorf("out of range")
	}
	return d, nil
}

// FormatDuration writes whole days as 7d, else Go's form without zero units (72h, 1h30m).
func FormatDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
