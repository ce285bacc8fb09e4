package gateway

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"lineescrow/models"
)

// TimestampLayout is the layout of timestamps, in Beijing time (Alipay's).
const TimestampLayout = "2006-01-02 15:04:05"

// MaxSkew is how far a request's timestamp may be from the platform's clock.
const MaxSkew = 5 * time.Minute

// Reply is a gateway answer: string fields, signed with the platform's key
// (sign_type, sign). "code" is SUCCESS or the error's Code, "msg" a message
// in English, "field" the parameter an INVALID_PARAMETER or
// MISSING_PARAMETER is about; "nonce" repeats the request's, "timestamp" is
// the platform's time.
type Reply map[string]string

// method is one gateway method: it runs for a verified request of m,
// acting as actor (m's seller through the gateway), and returns the reply's
// own fields.
type method func(s *Service, ctx context.Context, m *Merchant, actor models.Actor, p map[string]string) (map[string]string, error)

// methods are the gateway's methods by name.
var methods = map[string]method{
	"trade.create":  (*Service).tradeCreate,
	"trade.query":   (*Service).tradeQuery,
	"trade.ship":    (*Service).tradeShip,
	"trade.close":   (*Service).tradeClose,
	"trade.refund":  (*Service).tradeRefund,
	"bill.download": (*Service).billDownload,
}

var nonceRE = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// maxParams bounds a request.
const maxParams = 64

// Call runs one request to POST /gateway/v1: params are its form or JSON
// fields (ParseForm, ParseJSON). It checks, in this order and changing
// nothing when one fails: the common parameters are there (app_id, method,
// timestamp, nonce, sign_type, sign; MISSING_PARAMETER), the app_id is a
// merchant's (INVALID_APP_ID), sign_type is RSA2 (INVALID_SIGN_TYPE), sign
// verifies with one of the merchant's keys valid now (INVALID_SIGNATURE),
// the timestamp is within MaxSkew (INVALID_TIMESTAMP), the merchant and its
// seller are not frozen (MERCHANT_FROZEN), the method exists
// (UNKNOWN_METHOD), the nonce is new (NONCE_REPLAYED; claimed atomically,
// so of two requests with one nonce exactly one runs). Then the method runs.
//
// The reply is signed whatever happened; the error (nil on success) is a
// *Error whose models code gives the HTTP status.
func (s *Service) Call(ctx context.Context, params map[string]string) (Reply, error) {
	fields, err := s.call(ctx, params)
	out := Reply{}
	for k, v := range fields {
		if v != "" {
			out[k] = v
		}
	}
	out["code"], out["msg"] = string(CodeOf(err)), "Success"
	if err != nil {
		out["msg"] = models.ErrorMessage(err)
		if f := models.ErrorField(err); f != "" {
			out["field"] = f
		}
		if models.ErrorCode(err) == models.EINTERNAL {
			s.log().ErrorContext(ctx, "gateway call failed", "method", params["method"], "app_id", params["app_id"], "err", err)
		}
	}
	if n := params["nonce"]; nonceRE.MatchString(n) {
		out["nonce"] = n
	}
	if m := params["method"]; methods[m] != nil {
		out["method"] = m
	}
	out["timestamp"] = s.now().In(models.Shanghai).Format(TimestampLayout)
	signed, serr := Signed(s.Key, out)
	if serr != nil {
		return out, errors.Join(err, fmt.Errorf("sign the reply: %w", serr))
	}
	return signed, err
}

func (s *Service) call(ctx context.Context, p map[string]string) (map[string]string, error) {
	if len(p) > maxParams {
		return nil, fail(InvalidParameter, "Too many parameters (at most %d).", maxParams)
	}
	for k, v := range p {
		if !utf8.ValidString(k) || !utf8.ValidString(v) || strings.ContainsRune(k+v, 0) {
			return nil, fail(InvalidParameter, "Parameters must be UTF-8 text.")
		}
	}
	for _, k := range []string{"app_id", "method", "timestamp", "nonce", "sign_type", "sign"} {
		if p[k] == "" {
			return nil, &Error{Code: MissingParameter, Err: models.FieldError(k, "This parameter is required.")}
		}
	}
	var m Merchant
	res := s.DB.WithContext(ctx).Where("app_id = ?", p["app_id"]).Limit(1).Find(&m)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, fail(InvalidAppID, "No merchant has this app_id.")
	}
	if p["sign_type"] != SignType {
		return nil, fail(InvalidSignType, "sign_type must be RSA2 (SHA256withRSA).")
	}
	if c := p["charset"]; c != "" && !strings.EqualFold(c, "utf-8") {
		return nil, &Error{Code: InvalidParameter, Err: models.FieldError("charset", "Only UTF-8 is supported.")}
	}
	now := s.now()
	keys, err := s.validKeys(ctx, m.ID, now)
	if err != nil {
		return nil, err
	}
	if !Verify(keys, p) {
		if len(keys) == 0 {
			return nil, fail(InvalidSignature, "The merchant has no valid public key: upload one on the gateway page of the seller portal.")
		}
		return nil, fail(InvalidSignature, "The signature does not verify with the merchant's public key.")
	}
	ts, err := time.ParseInLocation(TimestampLayout, p["timestamp"], models.Shanghai)
	if err != nil || ts.Sub(now) > MaxSkew || now.Sub(ts) > MaxSkew {
		return nil, fail(InvalidTimestamp, "The timestamp must be yyyy-MM-dd HH:mm:ss in Beijing time, within 5 minutes of the platform's clock.")
	}
	actor, err := s.merchantActor(ctx, s.DB, &m)
	if err != nil {
		return nil, err
	}
	if m.Status != Approved || actor.Frozen {
		return nil, fail(MerchantFrozen, "This merchant is frozen: the gateway refuses its requests.")
	}
	run := methods[p["method"]]
	if run == nil {
		return nil, fail(UnknownMethod, "Unknown method %s.", p["method"])
	}
	if !nonceRE.MatchString(p["nonce"]) {
		return nil, &Error{Code: InvalidParameter, Err: models.FieldError("nonce", "The nonce must be 8 to 64 letters, digits, dashes or underscores.")}
	}
	claimed, err := s.claimNonce(ctx, m.ID, p["nonce"], ts)
	if err != nil {
		return nil, err
	}
	if !claimed {
		return nil, fail(NonceReplayed, "This nonce was used before: send every request with a new one.")
	}
	out, err := run(s, ctx, &m, actor, p)
	return out, tag(err, "")
}

// validKeys are the merchant's public keys that verify signatures at now.
func (s *Service) validKeys(ctx context.Context, merchantID int64, now time.Time) ([]*rsa.PublicKey, error) {
	var ks []Key
	if err := s.DB.WithContext(ctx).Where("merchant_id = ? AND valid_from <= ? AND (valid_until IS NULL OR valid_until > ?)",
		merchantID, now, now).Find(&ks).Error; err != nil {
		return nil, fmt.Errorf("keys of merchant %d: %w", merchantID, err)
	}
	var out []*rsa.PublicKey
	for _, k := range ks {
		if pub, err := ParsePublicKey(k.PublicKey); err == nil {
			out = append(out, pub)
		}
	}
	return out, nil
}

// claimNonce records the merchant's nonce, reporting false when it was used
// before. One statement, so of concurrent requests with one nonce exactly
// one claims it. The nonce is kept while its timestamp is acceptable; an
// expired record (not purged yet) is taken over.
func (s *Service) claimNonce(ctx context.Context, merchantID int64, nonce string, ts time.Time) (bool, error) {
	expires := ts.Add(MaxSkew + time.Minute)
	var claimed []int
	err := s.DB.WithContext(ctx).Raw(`INSERT INTO gateway_nonces (merchant_id, nonce, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (merchant_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE gateway_nonces.expires_at < ?
		RETURNING 1`, merchantID, nonce, expires, s.now()).Scan(&claimed).Error
	if err != nil {
		return false, fmt.Errorf("claim nonce: %w", err)
	}
	return len(claimed) == 1, nil
}

// ParseForm turns a form (POST /gateway/v1 as application/x-www-form-urlencoded)
// into parameters. Errors: INVALID_PARAMETER for a name given twice.
func ParseForm(v url.Values) (map[string]string, error) {
	out := make(map[string]string, len(v))
	for k, vs := range v {
		if len(vs) != 1 {
			return nil, &Error{Code: InvalidParameter, Err: models.FieldError(k, "Give each parameter once.")}
		}
		out[k] = vs[0]
	}
	return out, nil
}

// ParseJSON reads parameters from a JSON object whose values are all
// strings (amounts too, "259.00"). Errors: INVALID_PARAMETER for anything
// else: another value, a name given twice, trailing data.
func ParseJSON(body []byte) (map[string]string, error) {
	bad := func(field, format string, args ...any) error {
		if field == "" {
			return &Error{Code: InvalidParameter, Err: models.Errorf(models.EINVALID, format, args...)}
		}
		return &Error{Code: InvalidParameter, Err: models.FieldError(field, format, args...)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad("", "The body must be a JSON object of strings.")
	}
	out := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, bad("", "The body must be a JSON object of strings.")
		}
		k, _ := t.(string)
		v, err := dec.Token()
		s, ok := v.(string)
		if err != nil || !ok {
			return nil, bad(k, "Every value must be a JSON string (amounts too, such as \"259.00\").")
		}
		if _, dup := out[k]; dup {
			return nil, bad(k, "Give each parameter once.")
		}
		out[k] = s
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, bad("", "The body must be a JSON object of strings.")
	}
	if _, err := dec.Token(); err == nil {
		return nil, bad("", "The body must be a JSON object of strings.")
	}
	return out, nil
}

// PurgeNonces deletes the nonces whose timestamps can no longer be accepted.
func (s *Service) PurgeNonces(ctx context.Context) (int64, error) {
	res := s.DB.WithContext(ctx).Exec("DELETE FROM gateway_nonces WHERE expires_at < ?", s.now())
	return res.RowsAffected, res.Error
}

// PurgeArgs is the periodic job that purges expired nonces.
type PurgeArgs struct{}

// Kind names the job.
func (PurgeArgs) Kind() string { return "gateway_nonce_purge" }

// PurgeWorker runs PurgeArgs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Gateway *Service
}

// Work purges.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	_, err := w.Gateway.PurgeNonces(ctx)
	return err
}
