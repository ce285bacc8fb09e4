package telecomsim

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"lineescrow/bankbridge"
	"lineescrow/models"
)

// reply is an API answer: a status and a JSON value.
type reply struct {
	status int
	v      any
}

func fail(status int, code string) reply { return reply{status, map[string]string{"error": code}} }

var invalid = fail(http.StatusBadRequest, "invalid_request")

// api wraps an endpoint: the Bearer key on every call; on POST an
// Idempotency-Key, the first answer again for the same key and body, 409 for
// the same key with another body or path. The endpoint runs under s.mu, so a
// key is acted on once however many copies arrive at once.
func (s *Sim) api(fn func(r *http.Request, body []byte) reply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+s.cfg.APIKey)) != 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
			return
		}
		if r.Method != http.MethodPost {
			s.mu.Lock()
			a := fn(r, nil)
			s.mu.Unlock()
			writeJSON(w, a.status, a.v)
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "idempotency_key_required"})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unreadable_body"})
			return
		}
		hash := sha256.Sum256(append([]byte(r.URL.Path+"\n"), body...))
		s.mu.Lock()
		prev, seen := s.idem[key]
		if !seen {
			a := fn(r, body)
			out, _ := json.Marshal(a.v)
			prev = idem{hash: hash, status: a.status, body: out}
			s.idem[key] = prev
		}
		stall := !seen && s.stall > 0
		if stall {
			s.stall--
		}
		s.mu.Unlock()
		switch {
		case seen && prev.hash != hash:
			writeJSON(w, http.StatusConflict, map[string]string{"error": "idempotency_key_reused"})
		case stall:
			// Acted; the answer never comes.
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(prev.status)
			_, _ = w.Write(prev.body)
		}
	}
}

// decode reads a JSON body strictly: one object of known fields.
func decode(body []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	return dec.Decode(v) == nil && !dec.More()
}

// lookup is POST /v1/subscribers/lookup.
func (s *Sim) lookup(_ *http.Request, body []byte) reply {
	var req struct {
		Phone string `json:"phone"`
	}
	if !decode(body, &req) {
		return invalid
	}
	p, ok := normalize(req.Phone)
	if !ok {
		return invalid
	}
	l := s.byPhone[p]
	if l == nil {
		return fail(http.StatusNotFound, "unknown_subscriber")
	}
	return reply{http.StatusOK, bankbridge.Subscriber{Phone: l.Phone, Status: l.Status, HolderName: l.Family + "*",
		TenureMonths: l.TenureMonths, InArrears: s.inArrears(l), BillingDay: l.BillingDay, CreditClass: l.Class}}
}

// verifyHolder is POST /v1/subscribers/verify-holder: 5 tries per number per
// day (Asia/Shanghai), counted whatever the answer; an unknown number never
// matches.
func (s *Sim) verifyHolder(_ *http.Request, body []byte) reply {
	var req struct {
		Phone      string `json:"phone"`
		HolderName string `json:"holder_name"`
		IDLast6    string `json:"id_last6"`
	}
	if !decode(body, &req) {
		return invalid
	}
	p, ok := normalize(req.Phone)
	if !ok {
		return invalid
	}
	k := p + "|" + s.cfg.Now().In(models.Shanghai).Format("2006-01-02")
	if s.tries[k] >= HolderChecksPerDay {
		return fail(http.StatusTooManyRequests, "too_many_attempts")
	}
	s.tries[k]++
	l := s.byPhone[p]
	match := l != nil && strings.TrimSpace(req.HolderName) == l.Holder &&
		subtle.ConstantTimeCompare([]byte(strings.ToUpper(strings.TrimSpace(req.IDLast6))), []byte(l.IDLast6())) == 1
	return reply{http.StatusOK, map[string]bool{"match": match}}
}

// verificationCall is POST /v1/verification-calls: the code is "read" to the
// line, which the page shows.
func (s *Sim) verificationCall(_ *http.Request, body []byte) reply {
	var req struct {
		Phone string `json:"phone"`
		Code  string `json:"code"`
	}
	if !decode(body, &req) {
		return invalid
	}
	p, ok := normalize(req.Phone)
	if !ok || len(req.Code) < 4 || len(req.Code) > 8 || strings.Trim(req.Code, "0123456789") != "" {
		return invalid
	}
	l := s.byPhone[p]
	if l == nil {
		return fail(http.StatusNotFound, "unknown_subscriber")
	}
	l.code, l.codeAt = req.Code, s.now()
	return reply{http.StatusAccepted, map[string]string{"call_id": s.nextID("CALL")}}
}

// createCharge is POST /v1/charges.
func (s *Sim) createCharge(_ *http.Request, body []byte) reply {
	var req bankbridge.ChargeRequest
	if !decode(body, &req) || req.ChargeID == "" || len(req.ChargeID) > 64 || !req.Amount.IsPositive() {
		return invalid
	}
	p, ok := normalize(req.Phone)
	if !ok {
		return invalid
	}
	if s.byCharge[req.ChargeID] != nil {
		return fail(http.StatusConflict, "charge_id_reused")
	}
	l := s.byPhone[p]
	switch {
	case l == nil:
		return fail(http.StatusUnprocessableEntity, bankbridge.RefusedUnknownSubscriber)
	case l.Status != bankbridge.SubscriberActive: // suspended, or closed: no service to bill
		return fail(http.StatusUnprocessableEntity, bankbridge.RefusedSuspended)
	case s.inArrears(l):
		return fail(http.StatusUnprocessableEntity, bankbridge.RefusedInArrears)
	}
	now := s.now()
	cycle := s.billCycle(now)
	used := models.Zero
	for _, c := range s.charges {
		if c.Phone == p && c.Cycle == cycle && c.Status != StatusCancelled {
			used = used.Add(c.Amount)
		}
	}
	if used.Add(req.Amount).GreaterThan(LineLimit) {
		return fail(http.StatusUnprocessableEntity, bankbridge.RefusedOverLineLimit)
	}
	c := &Charge{ID: req.ChargeID, WorkOrderID: s.nextID("WO"), Phone: p, Amount: req.Amount, Merchant: req.MerchantName,
		Description: req.Description, Cycle: cycle, Status: StatusAccepted, AcceptedAt: now}
	s.charges = append(s.charges, c)
	s.byCharge[c.ID] = c
	return reply{http.StatusCreated, bankbridge.ChargeAccepted{ChargeID: c.ID, WorkOrderID: c.WorkOrderID, Status: "accepted", BillCycle: cycle}}
}

// cancelCharge is POST /v1/charges/{id}/cancel: 200 while the cycle is open
// (and again for a cancelled charge), 409 already_billed after.
func (s *Sim) cancelCharge(r *http.Request, _ []byte) reply {
	c := s.byCharge[r.PathValue("id")]
	switch {
	case c == nil:
		return fail(http.StatusNotFound, "unknown_charge")
	case c.Status == StatusAccepted:
		c.Status = StatusCancelled
	case c.Status != StatusCancelled:
		return fail(http.StatusConflict, "already_billed")
	}
	return reply{http.StatusOK, map[string]string{"status": "cancelled"}}
}

// billCredit is POST /v1/bill-credits. Beyond the contract, it refuses
// (422) a credit on a number it does not know (unknown_subscriber), on a
// charge that is not that line's or was cancelled (unknown_charge), or above
// what the charge has not been credited yet (amount_over_charge).
func (s *Sim) billCredit(_ *http.Request, body []byte) reply {
	var req bankbridge.BillCreditRequest
	if !decode(body, &req) || req.CreditID == "" || len(req.CreditID) > 64 || !req.Amount.IsPositive() {
		return invalid
	}
	p, ok := normalize(req.Phone)
	if !ok {
		return invalid
	}
	if s.byCredit[req.CreditID] != nil {
		return fail(http.StatusConflict, "credit_id_reused")
	}
	c := s.byCharge[req.ChargeID]
	switch {
	case s.byPhone[p] == nil:
		return fail(http.StatusUnprocessableEntity, "unknown_subscriber")
	case c == nil || c.Phone != p || c.Status == StatusCancelled:
		return fail(http.StatusUnprocessableEntity, "unknown_charge")
	case c.Credited.Add(req.Amount).GreaterThan(c.Amount):
		return fail(http.StatusUnprocessableEntity, "amount_over_charge")
	}
	now := s.now()
	cr := &Credit{ID: req.CreditID, WorkOrderID: s.nextID("WO"), ChargeID: c.ID, Phone: p, Amount: req.Amount, Reason: req.Reason,
		Cycle: s.billCycle(now), At: now}
	c.Credited = c.Credited.Add(req.Amount)
	s.credits = append(s.credits, cr)
	s.byCredit[cr.ID] = cr
	return reply{http.StatusCreated, bankbridge.BillCreditAccepted{Status: "accepted", BillCycle: cr.Cycle}}
}

// redeemCard is POST /v1/cards/redeem: each card once. A wrong PIN is
// invalid_card, whatever the card's state, so the state tells nothing to
// someone without the PIN.
func (s *Sim) redeemCard(_ *http.Request, body []byte) reply {
	var req struct {
		RedemptionID string `json:"redemption_id"`
		CardNo       string `json:"card_no"`
		CardPIN      string `json:"card_pin"`
	}
	if !decode(body, &req) || req.RedemptionID == "" {
		return invalid
	}
	c := s.byCard[req.CardNo]
	today := s.cfg.Now().In(models.Shanghai).Format("2006-01-02")
	switch {
	case c == nil || subtle.ConstantTimeCompare([]byte(req.CardPIN), []byte(c.PIN)) != 1:
		return fail(http.StatusUnprocessableEntity, bankbridge.CardInvalid)
	case c.Used:
		return fail(http.StatusUnprocessableEntity, bankbridge.CardAlreadyUsed)
	case today > c.Expires:
		return fail(http.StatusUnprocessableEntity, bankbridge.CardExpired)
	}
	c.Used, c.UsedBy = true, req.RedemptionID
	return reply{http.StatusOK, map[string]models.Money{"face_value": c.Face}}
}

// settlement is GET /v1/cycles/{cycle}/settlement: 404 until the cycle is settled.
func (s *Sim) settlement(r *http.Request, _ []byte) reply {
	k := r.PathValue("cycle")
	if !bankbridge.ValidCycle(k) {
		return fail(http.StatusBadRequest, "invalid_cycle")
	}
	cy := s.cycles[k]
	if cy == nil || cy.settlement == nil {
		return fail(http.StatusNotFound, "not_settled")
	}
	return reply{http.StatusOK, cy.settlement.Settlement}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
