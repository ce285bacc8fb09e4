package bankbridge

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"lineescrow/models"
)

// The telecom client (contracts/telecom-frontend.md section 1) shares the
// bank's caller: Bearer key, an Idempotency-Key on every POST, a timeout per
// attempt, a few retries of timeouts and 5xx with the same key, then an error
// wrapping ErrUnavailable. The platform's own ids are the keys of the calls
// that create something (charge_id, credit_id, redemption_id), so a job that
// repeats a call after ErrUnavailable makes it happen once. Card PINs, ID
// digits and verification codes travel only in request bodies: they are never
// logged, put in a key or an error message.

// Subscriber statuses of a lookup.
const (
	SubscriberActive    = "active"
	SubscriberSuspended = "suspended"
	SubscriberClosed    = "closed"
)

// Refusal codes of POST /v1/charges (422), in ChargeRefused.Code.
const (
	RefusedSuspended         = "subscriber_suspended"
	RefusedInArrears         = "in_arrears"
	RefusedOverLineLimit     = "amount_over_line_limit"
	RefusedUnknownSubscriber = "unknown_subscriber"
)

// Refusal codes of POST /v1/cards/redeem (422), in CardRefused.Code.
const (
	CardInvalid     = "invalid_card"
	CardAlreadyUsed = "already_used"
	CardExpired     = "expired"
)

// Statuses of a settlement line.
const (
	SettlementCollected  = "collected"
	SettlementOverdue    = "overdue"
	SettlementWrittenOff = "written_off"
	SettlementCancelled  = "cancelled"
	SettlementCredited   = "credited"
)

// Errors of the telecom client besides ErrUnavailable and the refusals.
var (
	// ErrUnknownSubscriber: the front-end knows no such number (404).
	ErrUnknownSubscriber = errors.New("telecom: unknown subscriber")
	// ErrTooManyTries: the holder of this number was checked 5 times today (429).
	ErrTooManyTries = errors.New("telecom: too many holder checks for this number today")
	// ErrAlreadyBilled: the charge is on an issued bill and can no longer be
	// cancelled (409 already_billed); refund it with a bill credit.
	ErrAlreadyBilled = errors.New("telecom: the charge is already billed")
	// ErrUnknownCharge: the front-end has no such charge (404).
	ErrUnknownCharge = errors.New("telecom: unknown charge")
	// ErrNotSettled: the cycle's settlement is not available yet (404).
	ErrNotSettled = errors.New("telecom: the cycle is not settled yet")
	// ErrKeyReused: the idempotency key was used with another body (409). It
	// is a bug of ours, never retried.
	ErrKeyReused = errors.New("telecom: the idempotency key was used for another request")
)

// ChargeRefused is the front-end's refusal of a charge (422): Code is one of
// the Refused… constants (or a code the contract does not list yet).
type ChargeRefused struct{ Code string }

func (e *ChargeRefused) Error() string { return "charge refused: " + e.Code }

// CardRefused is the front-end's refusal of a recharge card (422): Code is
// CardInvalid, CardAlreadyUsed or CardExpired.
type CardRefused struct{ Code string }

func (e *CardRefused) Error() string { return "recharge card refused: " + e.Code }

// CreditRefused is a refusal of a bill credit (422). The contract lists none;
// the simulator refuses credits on unknown or cancelled charges and credits
// above what the charge has left.
type CreditRefused struct{ Code string }

func (e *CreditRefused) Error() string { return "bill credit refused: " + e.Code }

// Telecom calls the telecom front-end (contracts/telecom-frontend.md section 1).
// It is safe for concurrent use and is never called inside an open database
// transaction: record the intent, commit, call, then settle from the answer.
type Telecom struct {
	c   caller
	now func() time.Time
}

// NewTelecom returns a client of the front-end at base with its API key;
// client nil uses one with a 10 s timeout per attempt.
func NewTelecom(base, apiKey string, client *http.Client) *Telecom {
	return &Telecom{c: newCaller(base, apiKey, client), now: time.Now}
}

// Subscriber is the answer of a lookup. HolderName is masked except the
// family name ("王*").
type Subscriber struct {
	Phone        string `json:"phone"` // digits only, e.g. "05305551234"
	Status       string `json:"status"`
	HolderName   string `json:"holder_name"`
	TenureMonths int    `json:"tenure_months"`
	InArrears    bool   `json:"in_arrears"`
	BillingDay   int    `json:"billing_day"`
	CreditClass  string `json:"credit_class"` // A, B, C or D
}

// Lookup asks for the line of phone ("0530-5551234" or digits). Errors:
// ErrUnknownSubscriber, ErrUnavailable (wrapped), or an unexpected answer.
// A lookup changes nothing; each call has a key of its own, kept across the
// call's retries, so the answer is never an earlier one replayed.
func (t *Telecom) Lookup(ctx context.Context, phone string) (*Subscriber, error) {
	a, err := t.c.do(ctx, http.MethodPost, "/v1/subscribers/lookup", "lookup-"+randomKey(), map[string]string{"phone": phone})
	if err != nil {
		return nil, fmt.Errorf("telecom lookup: %w", err)
	}
	switch a.status {
	case http.StatusOK:
		var s Subscriber
		if err := json.Unmarshal(a.body, &s); err != nil {
			return nil, fmt.Errorf("telecom lookup: malformed answer: %v", err)
		}
		if s.Phone == "" || !oneOf(s.Status, SubscriberActive, SubscriberSuspended, SubscriberClosed) || !oneOf(s.CreditClass, "A", "B", "C", "D") || s.TenureMonths < 0 {
			return nil, errors.New("telecom lookup: malformed answer: phone, a known status and credit class A to D are required")
		}
		return &s, nil
	case http.StatusNotFound:
		return nil, ErrUnknownSubscriber
	}
	return nil, unexpected("telecom lookup", a)
}

// VerifyHolder checks the holder's full name and the last six characters of
// their ID number against the operator's records. The front-end allows 5
// tries per number per day. Errors: ErrTooManyTries, ErrUnknownSubscriber,
// ErrUnavailable (wrapped). The key is derived (keyed with the API key, so it
// reveals nothing of the ID digits) from the question and the day in
// Asia/Shanghai: a retried or double-submitted check is one try.
func (t *Telecom) VerifyHolder(ctx context.Context, phone, holderName, idLast6 string) (bool, error) {
	day := t.now().In(models.Shanghai).Format("2006-01-02")
	key := "verify-" + t.derive("verify-holder", phone, holderName, idLast6, day)
	body := map[string]string{"phone": phone, "holder_name": holderName, "id_last6": idLast6}
	a, err := t.c.do(ctx, http.MethodPost, "/v1/subscribers/verify-holder", key, body)
	if err != nil {
		return false, fmt.Errorf("telecom verify holder: %w", err)
	}
	switch a.status {
	case http.StatusOK:
		var v struct {
			Match *bool `json:"match"`
		}
		if err := json.Unmarshal(a.body, &v); err != nil || v.Match == nil {
			return false, errors.New("telecom verify holder: malformed answer: match is required")
		}
		return *v.Match, nil
	case http.StatusTooManyRequests:
		return false, ErrTooManyTries
	case http.StatusNotFound:
		return false, ErrUnknownSubscriber
	}
	return false, unexpected("telecom verify holder", a)
}

// VerificationCall asks the operator's voice system to ring phone and read
// code aloud; it returns the call's id. The key is derived from the number and
// the code: repeating the call for the same code never rings twice, a new
// code is a new call. Errors: ErrUnknownSubscriber, ErrUnavailable (wrapped).
func (t *Telecom) VerificationCall(ctx context.Context, phone, code string) (string, error) {
	key := "call-" + t.derive("verification-call", phone, code)
	a, err := t.c.do(ctx, http.MethodPost, "/v1/verification-calls", key, map[string]string{"phone": phone, "code": code})
	if err != nil {
		return "", fmt.Errorf("telecom verification call: %w", err)
	}
	switch a.status {
	case http.StatusAccepted, http.StatusOK:
		var v struct {
			CallID string `json:"call_id"`
		}
		if err := json.Unmarshal(a.body, &v); err != nil || v.CallID == "" {
			return "", errors.New("telecom verification call: malformed answer: call_id is required")
		}
		return v.CallID, nil
	case http.StatusNotFound:
		return "", ErrUnknownSubscriber
	}
	return "", unexpected("telecom verification call", a)
}

// ChargeRequest is the body of POST /v1/charges: a billing work order.
type ChargeRequest struct {
	ChargeID     string       `json:"charge_id"` // the platform's id, also the idempotency key
	Phone        string       `json:"phone"`
	Amount       models.Money `json:"amount"`
	MerchantName string       `json:"merchant_name"`
	Description  string       `json:"description"`
}

// ChargeAccepted is the front-end's acceptance of a charge.
type ChargeAccepted struct {
	ChargeID    string `json:"charge_id"`
	WorkOrderID string `json:"work_order_id"`
	Status      string `json:"status"`     // accepted
	BillCycle   string `json:"bill_cycle"` // YYYY-MM: the bill that will carry it
}

// Charge creates a billing work order, keyed by its charge id. Errors: a
// *ChargeRefused (422, the order stays payable another way), ErrKeyReused,
// ErrUnavailable (wrapped: no decisive answer, repeat it with the same
// ChargeID; the key makes it one work order).
func (t *Telecom) Charge(ctx context.Context, r ChargeRequest) (*ChargeAccepted, error) {
	if r.ChargeID == "" {
		return nil, errors.New("telecom charge: charge_id is required")
	}
	a, err := t.c.do(ctx, http.MethodPost, "/v1/charges", r.ChargeID, r)
	if err != nil {
		return nil, fmt.Errorf("telecom charge %s: %w", r.ChargeID, err)
	}
	switch a.status {
	case http.StatusCreated, http.StatusOK:
		var v ChargeAccepted
		if err := json.Unmarshal(a.body, &v); err != nil {
			return nil, fmt.Errorf("telecom charge %s: malformed answer: %v", r.ChargeID, err)
		}
		if v.ChargeID != r.ChargeID || v.WorkOrderID == "" || v.Status != "accepted" || !ValidCycle(v.BillCycle) {
			return nil, fmt.Errorf("telecom charge %s: malformed answer: our charge_id, a work_order_id, status accepted and a bill_cycle are required", r.ChargeID)
		}
		return &v, nil
	case http.StatusUnprocessableEntity:
		return nil, &ChargeRefused{Code: errorCode(a)}
	case http.StatusConflict:
		return nil, fmt.Errorf("telecom charge %s: %w", r.ChargeID, ErrKeyReused)
	}
	return nil, unexpected("telecom charge "+r.ChargeID, a)
}

// CancelCharge cancels a charge not billed yet. A charge already cancelled
// answers as cancelled again. Errors: ErrAlreadyBilled (refund it with
// BillCredit instead), ErrUnknownCharge, ErrUnavailable (wrapped). When the
// charge's own call had no decisive answer, repeat Charge first (its key
// makes it one work order) and cancel after: a cancel that arrives before a
// delayed charge finds nothing to cancel.
func (t *Telecom) CancelCharge(ctx context.Context, chargeID string) error {
	if chargeID == "" {
		return errors.New("telecom cancel: charge_id is required")
	}
	a, err := t.c.do(ctx, http.MethodPost, "/v1/charges/"+url.PathEscape(chargeID)+"/cancel", "cancel-"+chargeID, nil)
	if err != nil {
		return fmt.Errorf("telecom cancel %s: %w", chargeID, err)
	}
	switch a.status {
	case http.StatusOK:
		var v struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(a.body, &v); err != nil || v.Status != "cancelled" {
			return fmt.Errorf("telecom cancel %s: malformed answer: status cancelled is required", chargeID)
		}
		return nil
	case http.StatusConflict:
		if errorCode(a) == "already_billed" {
			return ErrAlreadyBilled
		}
		return fmt.Errorf("telecom cancel %s: %w", chargeID, ErrKeyReused)
	case http.StatusNotFound:
		return ErrUnknownCharge
	}
	return unexpected("telecom cancel "+chargeID, a)
}

// BillCreditRequest is the body of POST /v1/bill-credits: a credit on the
// subscriber's next bill, refunding (part of) a charge already billed.
type BillCreditRequest struct {
	CreditID string       `json:"credit_id"` // the platform's id, also the idempotency key
	Phone    string       `json:"phone"`
	Amount   models.Money `json:"amount"`
	Reason   string       `json:"reason"`
	ChargeID string       `json:"charge_id"`
}

// BillCreditAccepted is the front-end's acceptance of a bill credit.
type BillCreditAccepted struct {
	Status    string `json:"status"`     // accepted
	BillCycle string `json:"bill_cycle"` // the bill that will carry the credit
}

// BillCredit puts a credit on the subscriber's next bill, keyed by its credit
// id. Errors: a *CreditRefused, ErrKeyReused, ErrUnavailable (wrapped).
func (t *Telecom) BillCredit(ctx context.Context, r BillCreditRequest) (*BillCreditAccepted, error) {
	if r.CreditID == "" {
		return nil, errors.New("telecom bill credit: credit_id is required")
	}
	a, err := t.c.do(ctx, http.MethodPost, "/v1/bill-credits", r.CreditID, r)
	if err != nil {
		return nil, fmt.Errorf("telecom bill credit %s: %w", r.CreditID, err)
	}
	switch a.status {
	case http.StatusCreated, http.StatusOK:
		var v BillCreditAccepted
		if err := json.Unmarshal(a.body, &v); err != nil || v.Status != "accepted" || !ValidCycle(v.BillCycle) {
			return nil, fmt.Errorf("telecom bill credit %s: malformed answer: status accepted and a bill_cycle are required", r.CreditID)
		}
		return &v, nil
	case http.StatusUnprocessableEntity:
		return nil, &CreditRefused{Code: errorCode(a)}
	case http.StatusConflict:
		return nil, fmt.Errorf("telecom bill credit %s: %w", r.CreditID, ErrKeyReused)
	}
	return nil, unexpected("telecom bill credit "+r.CreditID, a)
}

// RedeemCard redeems a prepaid recharge card, keyed by the redemption id, and
// returns its face value. Errors: a *CardRefused (invalid_card, already_used,
// expired), ErrKeyReused, ErrUnavailable (wrapped: repeat with the same
// redemption id; the card is redeemed once).
func (t *Telecom) RedeemCard(ctx context.Context, redemptionID, cardNo, pin string) (models.Money, error) {
	if redemptionID == "" {
		return models.Zero, errors.New("telecom redeem: redemption_id is required")
	}
	body := map[string]string{"redemption_id": redemptionID, "card_no": cardNo, "card_pin": pin}
	a, err := t.c.do(ctx, http.MethodPost, "/v1/cards/redeem", redemptionID, body)
	if err != nil {
		return models.Zero, fmt.Errorf("telecom redeem %s: %w", redemptionID, err)
	}
	switch a.status {
	case http.StatusOK, http.StatusCreated:
		var v struct {
			FaceValue models.Money `json:"face_value"`
		}
		if err := json.Unmarshal(a.body, &v); err != nil || !v.FaceValue.IsPositive() {
			return models.Zero, fmt.Errorf("telecom redeem %s: malformed answer: a positive face_value is required", redemptionID)
		}
		return v.FaceValue, nil
	case http.StatusUnprocessableEntity:
		return models.Zero, &CardRefused{Code: errorCode(a)}
	case http.StatusConflict:
		return models.Zero, fmt.Errorf("telecom redeem %s: %w", redemptionID, ErrKeyReused)
	}
	return models.Zero, unexpected("telecom redeem "+redemptionID, a)
}

// Settlement is the operator's report of a settled cycle.
type Settlement struct {
	Cycle               string           `json:"cycle"`
	SettlementReference string           `json:"settlement_reference"`
	TotalCollected      models.Money     `json:"total_collected"`
	Lines               []SettlementLine `json:"lines"`
}

// SettlementLine is one line of a settlement: a charge and how it ended, or
// (status credited) a bill credit deducted from the total.
type SettlementLine struct {
	WorkOrderID string       `json:"work_order_id"`
	ChargeID    string       `json:"charge_id"`
	Amount      models.Money `json:"amount"`
	Status      string       `json:"status"` // collected, overdue, written_off, cancelled, credited
	LateFee     models.Money `json:"late_fee"`
}

// Settlement fetches the settlement report of cycle (YYYY-MM). Errors:
// ErrNotSettled (the cycle's collection deadline has not passed, or the
// operator has not settled yet), ErrUnavailable (wrapped).
func (t *Telecom) Settlement(ctx context.Context, cycle string) (*Settlement, error) {
	if !ValidCycle(cycle) {
		return nil, fmt.Errorf("telecom settlement: %q is not a cycle (YYYY-MM)", cycle)
	}
	a, err := t.c.do(ctx, http.MethodGet, "/v1/cycles/"+cycle+"/settlement", "", nil)
	if err != nil {
		return nil, fmt.Errorf("telecom settlement %s: %w", cycle, err)
	}
	switch a.status {
	case http.StatusOK:
		var s Settlement
		if err := json.Unmarshal(a.body, &s); err != nil {
			return nil, fmt.Errorf("telecom settlement %s: malformed answer: %v", cycle, err)
		}
		if s.Cycle != cycle || s.SettlementReference == "" {
			return nil, fmt.Errorf("telecom settlement %s: malformed answer: our cycle and a settlement_reference are required", cycle)
		}
		for _, l := range s.Lines {
			if l.ChargeID == "" || l.WorkOrderID == "" || !oneOf(l.Status, SettlementCollected, SettlementOverdue, SettlementWrittenOff, SettlementCancelled, SettlementCredited) {
				return nil, fmt.Errorf("telecom settlement %s: malformed line: charge_id, work_order_id and a known status are required", cycle)
			}
		}
		return &s, nil
	case http.StatusNotFound:
		return nil, ErrNotSettled
	}
	return nil, unexpected("telecom settlement "+cycle, a)
}

var cyclePattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ValidCycle reports whether s is a bill cycle: YYYY-MM.
func ValidCycle(s string) bool { return cyclePattern.MatchString(s) }

// derive returns a key for a call from its parts: HMAC-SHA256 under the API
// key, so a key seen in someone's logs tells nothing about the parts.
func (t *Telecom) derive(parts ...string) string {
	m := hmac.New(sha256.New, []byte(t.c.key))
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func errorCode(a answer) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(a.body, &e)
	if e.Error == "" {
		return "refused"
	}
	return e.Error
}

// unexpected describes an answer the contract does not have; the body is the
// front-end's (never ours, which may hold a PIN or ID digits), shortened.
func unexpected(op string, a answer) error {
	b := strings.TrimSpace(string(a.body))
	if r := []rune(b); len(r) > 200 {
		b = string(r[:200]) + "…"
	}
	return fmt.Errorf("%s: unexpected answer %d: %s", op, a.status, b)
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}
