package views

import (
	"context"
	"fmt"
	"time"

	"lineescrow/models"
)

// CountdownVM is the live countdown to an order's current deadline: the
// deadline as a time and as "in 2 days 3 hours", correct without
// JavaScript; htmx asks Href for it again every minute.
type CountdownVM struct {
	Kind models.TimerKind
	At   time.Time
	Now  time.Time
	Href string // the fragment's path
}

// NewCountdown is the countdown of o's deadline at now, or nil when o has
// no running deadline.
func NewCountdown(o models.Order, now time.Time, base string) *CountdownVM {
	if o.TimerKind == models.TimerNone || o.TimerAt == nil {
		return nil
	}
	return &CountdownVM{Kind: o.TimerKind, At: *o.TimerAt, Now: now, Href: base + "/countdown"}
}

// Remaining says a length of time left in its two largest units, rounded
// down (never promising more time than there is): "9 days 23 hours"
// (9 天 23 小时), "3 hours 5 minutes", "12 minutes", "less than a minute".
func Remaining(ctx context.Context, d time.Duration) string {
	if d < time.Minute {
		return T(ctx, "less than a minute")
	}
	days, hours, mins := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour), int64(d%time.Hour/time.Minute)
	zh := LangOf(ctx) == Chinese
	unit := func(n int64, en, cn string) string {
		if zh {
			return fmt.Sprintf("%d %s", n, cn)
		}
		if n != 1 {
			en += "s"
		}
		return fmt.Sprintf("%d %s", n, en)
	}
	switch {
	case days > 0 && hours > 0:
		return unit(days, "day", "天") + " " + unit(hours, "hour", "小时")
	case days > 0:
		return unit(days, "day", "天")
	case hours > 0 && mins > 0:
		return unit(hours, "hour", "小时") + " " + unit(mins, "minute", "分钟")
	case hours > 0:
		return unit(hours, "hour", "小时")
	}
	return unit(mins, "minute", "分钟")
}

// countdownText is the sentence of a countdown in the reader's language:
// "9 days 23 hours left, then receipt is confirmed automatically" (还剩 9 天
// 23 小时自动确认收货).
func countdownText(ctx context.Context, vm CountdownVM) string {
	left := vm.At.Sub(vm.Now)
	if left <= 0 {
		return Tf(ctx, countdownDue[vm.Kind])
	}
	return Tf(ctx, countdownLeft[vm.Kind], Remaining(ctx, left))
}

var countdownLeft = map[models.TimerKind]string{
	models.TimerUnpaidClose:  "%s left to pay, then the order closes",
	models.TimerShipBy:       "%s left for the seller to ship, then the order is refunded",
	models.TimerAutoConfirm:  "%s left, then receipt is confirmed automatically",
	models.TimerRefundAnswer: "%s left for the seller to answer, then the refund is accepted",
}

var countdownDue = map[models.TimerKind]string{
	models.TimerUnpaidClose:  "Time to pay is up: the order closes any moment now",
	models.TimerShipBy:       "Time to ship is up: the order is refunded any moment now",
	models.TimerAutoConfirm:  "Receipt is confirmed automatically any moment now",
	models.TimerRefundAnswer: "Time to answer is up: the refund is accepted any moment now",
}

// stepClass is the CSS class of a progress step.
func stepClass(s models.ProgressStep) string {
	c := "step " + string(s.Status)
	if s.Branch {
		c += " branch"
	}
	return c
}
