// Package bankbridge is the platform's side of the bank and the telecom
// front-end: Standard Webhooks signing and verification, the bank's event
// types, the API clients, and (in banksim) a simulator of the bank.
package bankbridge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Tolerance is how far a webhook's timestamp may be from our clock, either way.
const Tolerance = 300 * time.Second

// Webhook verification errors. Both are answered with 401.
var (
	ErrBadSignature = errors.New("webhook: no valid signature")
	ErrStale        = errors.New("webhook: timestamp outside the tolerance")
	ErrMissing      = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
)

// Sign returns the "v1,<base64>" signature of a webhook under key (the decoded
// secret): HMAC-SHA256 over id.timestamp.body.
func Sign(key []byte, id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SetHeaders puts the Standard Webhooks headers of a signed delivery on h.
func SetHeaders(h http.Header, key []byte, id string, ts time.Time, body []byte) {
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", Sign(key, id, ts.Unix(), body))
}

// Verify checks a delivery against the raw body received: the timestamp within
// Tolerance of now, and any one of the space-separated v1 signatures valid
// under key, compared in constant time. It returns the webhook id.
func Verify(key []byte, h http.Header, body []byte, now time.Time) (string, error) {
	id, tsText, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || tsText == "" || sigs == "" {
		return "", ErrMissing
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "", ErrStale
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return "", ErrStale
	}
	want := []byte(Sign(key, id, ts, body))
	ok := false
	for _, s := range strings.Fields(sigs) {
		// Check every candidate, so timing does not tell which one matched.
		if hmac.Equal([]byte(s), want) {
			ok = true
		}
	}
	if !ok {
		return "", ErrBadSignature
	}
	return id, nil
}
