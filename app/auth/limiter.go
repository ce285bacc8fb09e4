package auth

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a set of token buckets by key (a login name, a client address),
// kept in memory. Idle buckets are dropped.
type Limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
	// Now is the limiter's clock (tests set it); nil is time.Now.
	Now func() time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows burst attempts at once, then one per interval.
func NewLimiter(interval time.Duration, burst int) *Limiter {
	return &Limiter{every: rate.Every(interval), burst: burst, buckets: map[string]*bucket{}}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Allow takes one attempt for key, reporting whether it is allowed.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return l.get(key, now).lim.AllowN(now, 1)
}

// Reserve takes one attempt for key like Allow and, when it is allowed,
// returns a function that gives it back: a check that succeeds can leave the
// bucket as it found it, so that only failures count.
func (l *Limiter) Reserve(key string) (giveBack func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.get(key, now)
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return nil, false
	}
	if r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return nil, false
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		r.CancelAt(l.now())
	}, true
}

// get returns key's bucket, creating it; l.mu is held.
func (l *Limiter) get(key string, now time.Time) *bucket {
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > time.Hour {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b
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
