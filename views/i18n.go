package views

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"lineescrow/models"
)

// Lang is a portal language.
type Lang string

// The two portal languages.
const (
	English Lang = "en"
	Chinese Lang = "zh-CN"
)

// ParseLang returns the language a cookie or query value names, or "".
func ParseLang(s string) Lang {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "en", "en-us", "en-gb", "english":
		return English
	case "zh", "zh-cn", "zh-hans", "zh_cn", "chinese":
		return Chinese
	}
	return ""
}

// NegotiateLang picks the language from an Accept-Language header: the first
// of Chinese or English by quality, English when neither is asked for.
func NegotiateLang(header string) Lang {
	best, bestQ := English, -1.0
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				q = 0
			}
		}
		q -= float64(i) * 1e-6 // earlier wins ties
		tag = strings.ToLower(tag)
		var l Lang
		switch {
		case strings.HasPrefix(tag, "zh"):
			l = Chinese
		case strings.HasPrefix(tag, "en"):
			l = English
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// T translates an English UI text into the request's language. The English text
// is the key; a key without a Chinese translation is shown in English and
// recorded (see Missing), so tests catch pages that would mix languages.
func T(ctx context.Context, en string) string {
	if LangOf(ctx) != Chinese {
		return en
	}
	if zh, ok := zhCatalog[en]; ok {
		return zh
	}
	missing.Store(en, true)
	return en
}

// Tf translates a format string and fills it in.
func Tf(ctx context.Context, format string, args ...any) string {
	return fmt.Sprintf(T(ctx, format), args...)
}

// ErrorText is the message of err in the request's language.
func ErrorText(ctx context.Context, err error) string {
	var e *models.Error
	if errors.As(err, &e) && e.Format != "" {
		return Tf(ctx, e.Format, e.Args...)
	}
	if errors.As(err, &e) {
		return T(ctx, e.Message)
	}
	return T(ctx, "An internal error occurred.")
}

var missing sync.Map

// Missing returns, sorted, the texts rendered in Chinese that have no translation.
func Missing() []string {
	var out []string
	missing.Range(func(k, _ any) bool {
		out = append(out, k.(string))
		return true
	})
	sort.Strings(out)
	return out
}

// Shanghai is the time zone every date is shown in.
var Shanghai = models.Shanghai

// When formats a time for people, in Asia/Shanghai.
func When(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(Shanghai).Format("2006-01-02 15:04")
}

// Day formats a date in Asia/Shanghai.
func Day(t time.Time) string { return t.In(Shanghai).Format("2006-01-02") }

// Duration says a length of time in the reader's language, in its largest
// whole unit: "5 days" (5 天), "72 hours" (72 小时), "90 minutes" (90 分钟).
func Duration(ctx context.Context, d time.Duration) string {
	n, unit := int64(d/time.Minute), "minute"
	switch {
	case d > 0 && d%(24*time.Hour) == 0:
		n, unit = int64(d/(24*time.Hour)), "day"
	case d > 0 && d%time.Hour == 0:
		n, unit = int64(d/time.Hour), "hour"
	}
	if LangOf(ctx) == Chinese {
		return fmt.Sprintf("%d %s", n, map[string]string{"day": "天", "hour": "小时", "minute": "分钟"}[unit])
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}
