package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Limiter is a set of rate limits by key (a login name, a client address),
// kept in PostgreSQL so that every node of the platform draws on the same
// buckets: a guesser spreading attempts over several nodes gets no more of
// them than on one. Each key is one row holding its theoretical arrival time
// (the generic cell rate algorithm): burst attempts at once, then one per
// interval, decided and recorded in a single statement, so concurrent
// attempts on any nodes cannot both take the last one.
//
// Keys are stored as a keyed hash (HMAC-SHA256 under secret): whatever was
// typed into a login field, a password by mistake included, is not kept.
//
// A database error refuses the attempt (the error is returned): a limit that
// cannot be checked is not skipped.
type Limiter struct {
	db     *gorm.DB
	name   string
	secret []byte
	step   time.Duration
	burst  int
	// Now is the limiter's clock (tests set it); nil is time.Now.
	Now func() time.Time

	mu    sync.Mutex
	swept time.Time
}

// NewLimiter allows burst attempts at once, then one per interval, for each
// key; name keeps its keys apart from other limiters' in the shared table,
// and secret keys the hash they are stored under (every node needs the same).
func NewLimiter(db *gorm.DB, name string, secret []byte, interval time.Duration, burst int) *Limiter {
	return &Limiter{db: db, name: name, secret: secret, step: interval, burst: burst}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Allow takes one attempt for key, reporting whether it is allowed.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, error) {
	now := l.now()
	l.sweep(ctx, now)
	res := l.db.WithContext(ctx).Exec(`INSERT INTO rate_limits AS r (key, tat) VALUES (?, ?::timestamptz + ?::bigint * interval '1 microsecond')
		ON CONFLICT (key) DO UPDATE SET tat = greatest(r.tat, ?::timestamptz) + ?::bigint * interval '1 microsecond'
		WHERE greatest(r.tat, ?::timestamptz) + ?::bigint * interval '1 microsecond' <= ?::timestamptz + ?::bigint * interval '1 microsecond'`,
		l.key(key), now, l.step.Microseconds(),
		now, l.step.Microseconds(),
		now, l.step.Microseconds(), now, int64(l.burst)*l.step.Microseconds())
	if res.Error != nil {
		return false, fmt.Errorf("rate limit %s: %w", l.name, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Reserve takes one attempt for key like Allow and, when it is allowed,
// returns a function that gives it back: a check that succeeds can leave the
// bucket as it found it, so that only failures count.
func (l *Limiter) Reserve(ctx context.Context, key string) (giveBack func(), ok bool, err error) {
	if ok, err = l.Allow(ctx, key); !ok || err != nil {
		return nil, ok, err
	}
	return func() {
		// Best effort: a give-back that fails leaves one attempt spent.
		l.db.WithContext(context.WithoutCancel(ctx)).Exec(
			"UPDATE rate_limits SET tat = tat - ?::bigint * interval '1 microsecond' WHERE key = ?", l.step.Microseconds(), l.key(key))
	}, true, nil
}

func (l *Limiter) key(k string) string {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte(k))
	return l.name + "/" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sweep deletes full buckets (their time has passed: the same as no row), at
// most once a minute per limiter.
func (l *Limiter) sweep(ctx context.Context, now time.Time) {
	l.mu.Lock()
	due := now.Sub(l.swept) > time.Minute
	if due {
		l.swept = now
	}
	l.mu.Unlock()
	if due {
		l.db.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE starts_with(key, ?) AND tat < ?", l.name+"/", now)
	}
}

// AddressKey is the limiter key of a client address: an IPv4 address as it is,
// an IPv6 address by its /64 prefix (one subscriber's network: a client
// changing the low 64 bits stays in one bucket). Anything unparseable is kept
// as given, cut to 64 bytes.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		if len(ip) > 64 {
			ip = ip[:64]
		}
		return "ip:" + ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return "ip:" + a.String()
	}
	p, _ := a.Prefix(64)
	return "ip:" + p.String()
}
