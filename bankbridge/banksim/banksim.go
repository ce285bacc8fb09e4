// Package banksim simulates the platform's bank (contracts/bank-bridge.md): a
// page where a demo payer "calls phone banking", signed transfer.received and
// transfer.reversed callbacks with the contract's retry schedule and its
// failure modes (duplicates, delays, reordering, bad signatures), the payouts
// endpoint with idempotency keys, and daily statements.
package banksim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"lineescrow/app/config"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Schedule is the contract's retry schedule after a failed delivery.
var Schedule = []time.Duration{5 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Config configures a simulator.
type Config struct {
	WebhookURL string // the platform's /webhooks/bank
	Secret     string // whsec_… shared with the platform
	APIKey     string // Bearer key the platform uses on the payouts API
	Prefix     string // path the simulator is mounted at, e.g. /sim/bank
	Client     *http.Client
	Now        func() time.Time
	Log        *slog.Logger
}

// Sim is the simulated bank.
type Sim struct {
	cfg Config
	key []byte

	mu         sync.Mutex
	seq        int
	credits    []*Credit
	lines      []Line
	deliveries []*delivery
	payouts    map[string]*payout // by payout id
	idem       map[string]idem    // by idempotency key
	wake       chan struct{}
}

// Credit is money a payer sent to the collection account.
type Credit struct {
	TxnID    string
	Amount   models.Money
	Memo     string
	Account  string
	Name     string
	At       time.Time
	Reversed bool
}

// Line is a statement line.
type Line struct {
	BankTxnID           string       `json:"bank_txn_id"`
	Direction           string       `json:"direction"`
	Amount              models.Money `json:"amount"`
	Reference           string       `json:"reference"`
	CounterpartyAccount string       `json:"counterparty_account"`
	CounterpartyName    string       `json:"counterparty_name"`
	BookedAt            time.Time    `json:"booked_at"`
}

// Faults inject the bank's failure modes into one delivery.
type Faults struct {
	Duplicate    bool          // deliver two copies at once
	Reorder      bool          // hold until the next event has been sent
	BadSignature bool          // first attempt signed with a wrong key
	Delay        time.Duration // first attempt only after this long
}

type delivery struct {
	id, typ  string
	body     []byte
	faults   Faults
	attempts int
	status   string // queued, held, delivered, retrying, dropped
	next     time.Time
	last     string
}

type payout struct {
	Req    PayoutRequest
	Status string // accepted, succeeded, failed
	TxnID  string
}

// PayoutRequest is the body of POST /v1/payouts.
type PayoutRequest struct {
	PayoutID           string       `json:"payout_id"`
	Amount             models.Money `json:"amount"`
	Currency           string       `json:"currency"`
	BeneficiaryAccount string       `json:"beneficiary_account"`
	BeneficiaryName    string       `json:"beneficiary_name"`
	Memo               string       `json:"memo"`
}

type idem struct {
	hash   [32]byte
	status int
	body   []byte
}

// New returns a simulator.
func New(cfg Config) (*Sim, error) {
	key, err := config.WebhookKey(cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("bank simulator: secret: %w", err)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Prefix = strings.TrimRight(cfg.Prefix, "/")
	return &Sim{cfg: cfg, key: key, payouts: map[string]*payout{}, idem: map[string]idem{}, wake: make(chan struct{}, 1)}, nil
}

func (s *Sim) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%s%06d", prefix, s.cfg.Now().UTC().Format("20060102"), s.seq)
}

// TransferInput is a payer's phone-banking transfer.
type TransferInput struct {
	Account, Name, Memo string
	Amount              models.Money
	Faults              Faults
}

// Transfer books a credit and queues its transfer.received callback.
func (s *Sim) Transfer(in TransferInput) *Credit {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now().UTC()
	c := &Credit{TxnID: s.nextID("B"), Amount: in.Amount, Memo: in.Memo, Account: in.Account, Name: in.Name, At: now}
	s.credits = append(s.credits, c)
	s.lines = append(s.lines, Line{BankTxnID: c.TxnID, Direction: "credit", Amount: c.Amount, Reference: c.Memo,
		CounterpartyAccount: c.Account, CounterpartyName: c.Name, BookedAt: now})
	s.queue(bankbridge.TransferReceived, bankbridge.Received{BankTxnID: c.TxnID, Amount: c.Amount, Currency: "CNY",
		Reference: c.Memo, PayerAccount: c.Account, PayerName: c.Name, Channel: "phone_banking", ValueDate: now.Format("2006-01-02")}, in.Faults)
	return c
}

// Reverse recalls a credit and queues transfer.reversed.
func (s *Sim) Reverse(txnID, reason string, f Faults) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.credits {
		if c.TxnID != txnID {
			continue
		}
		if c.Reversed {
			return errors.New("already reversed")
		}
		c.Reversed = true
		now := s.cfg.Now().UTC()
		rev := s.nextID("R")
		s.lines = append(s.lines, Line{BankTxnID: rev, Direction: "debit", Amount: c.Amount, Reference: "REVERSAL " + c.TxnID,
			CounterpartyAccount: c.Account, CounterpartyName: c.Name, BookedAt: now})
		s.queue(bankbridge.TransferReversed, bankbridge.Reversed{BankTxnID: c.TxnID, ReversalTxnID: rev, Amount: c.Amount, Reason: reason}, f)
		return nil
	}
	return errors.New("no such transaction")
}

// queue adds a callback; s.mu is held.
func (s *Sim) queue(typ string, data any, f Faults) {
	d, _ := json.Marshal(data)
	id := s.nextID("evt_")
	body, _ := json.Marshal(bankbridge.Event{ID: id, Type: typ, CreatedAt: s.cfg.Now().UTC(), Data: d})
	now := s.cfg.Now()
	// Events held back for reordering go out just after this one.
	for _, h := range s.deliveries {
		if h.status == "held" {
			h.status, h.next = "queued", now.Add(300*time.Millisecond)
		}
	}
	dl := &delivery{id: id, typ: typ, body: body, faults: f, status: "queued", next: now.Add(f.Delay)}
	if f.Reorder {
		dl.status = "held"
	}
	s.deliveries = append(s.deliveries, dl)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers queued callbacks until ctx ends.
func (s *Sim) Run(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		s.Flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Flush attempts every delivery that is due, and waits for the attempts.
func (s *Sim) Flush(ctx context.Context) {
	s.mu.Lock()
	now := s.cfg.Now()
	var due []*delivery
	for _, d := range s.deliveries {
		if (d.status == "queued" || d.status == "retrying") && !d.next.After(now) {
			d.status = "sending"
			due = append(due, d)
		}
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, d := range due {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.attempt(ctx, d)
		}()
	}
	wg.Wait()
}

func (s *Sim) attempt(ctx context.Context, d *delivery) {
	s.mu.Lock()
	key := s.key
	if d.faults.BadSignature && d.attempts == 0 {
		key = []byte("not-the-shared-secret-not-the-shared-secret")
	}
	copies := 1
	if d.faults.Duplicate && d.attempts == 0 {
		copies = 2
	}
	s.mu.Unlock()

	results := make([]string, copies)
	ok := make([]bool, copies)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok[i], results[i] = s.post(ctx, d, key)
		}()
	}
	wg.Wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	d.attempts++
	d.last = strings.Join(results, " / ")
	delivered := false
	for _, o := range ok {
		delivered = delivered || o
	}
	switch {
	case delivered:
		d.status = "delivered"
	case d.attempts > len(Schedule):
		d.status = "dropped" // the statement still lists it
	default:
		d.status, d.next = "retrying", s.cfg.Now().Add(Schedule[d.attempts-1])
	}
}

func (s *Sim) post(ctx context.Context, d *delivery, key []byte) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(d.body))
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	bankbridge.SetHeaders(req.Header, key, d.id, s.cfg.Now(), d.body)
	res, err := s.cfg.Client.Do(req)
	if err != nil {
		return false, "no answer: " + err.Error()
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	return res.StatusCode >= 200 && res.StatusCode < 300, res.Status
}

// Statement returns the day's statement (UTC days).
func (s *Sim) Statement(day time.Time) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	end := start.Add(24 * time.Hour)
	opening, closing := models.Zero, models.Zero
	lines := []Line{}
	for _, l := range s.lines {
		delta := l.Amount
		if l.Direction == "debit" {
			delta = delta.Neg()
		}
		if l.BookedAt.Before(start) {
			opening = opening.Add(delta)
		}
		if l.BookedAt.Before(end) {
			closing = closing.Add(delta)
		}
		if !l.BookedAt.Before(start) && l.BookedAt.Before(end) {
			lines = append(lines, l)
		}
	}
	return map[string]any{"date": start.Format("2006-01-02"), "opening_balance": opening, "closing_balance": closing, "lines": lines}
}

// Balance is the collection account's balance now.
func (s *Sim) Balance() models.Money {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := models.Zero
	for _, l := range s.lines {
		if l.Direction == "debit" {
			b = b.Sub(l.Amount)
		} else {
			b = b.Add(l.Amount)
		}
	}
	return b
}

// Deliveries lists callbacks, newest first: id, type, status, attempts, last answer, next attempt.
func (s *Sim) Deliveries() [][6]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][6]string, 0, len(s.deliveries))
	for i := len(s.deliveries) - 1; i >= 0; i-- {
		d := s.deliveries[i]
		next := ""
		if d.status == "retrying" || d.status == "queued" {
			next = d.next.UTC().Format(time.RFC3339)
		}
		out = append(out, [6]string{d.id, d.typ, d.status, fmt.Sprint(d.attempts), d.last, next})
	}
	return out
}

// Credits lists credits, newest first.
func (s *Sim) Credits() []Credit {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Credit, 0, len(s.credits))
	for i := len(s.credits) - 1; i >= 0; i-- {
		out = append(out, *s.credits[i])
	}
	return out
}

// Payouts lists payout instructions by id.
func (s *Sim) Payouts() []PayoutStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PayoutStatus, 0, len(s.payouts))
	for _, p := range s.payouts {
		out = append(out, PayoutStatus{PayoutRequest: p.Req, Status: p.Status})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PayoutID < out[j].PayoutID })
	return out
}

// PayoutStatus is a payout and where it stands.
type PayoutStatus struct {
	PayoutRequest
	Status string
}

// handlePayout implements POST /v1/payouts with the contract's idempotency.
func (s *Sim) handlePayout(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.cfg.APIKey {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
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
	hash := sha256.Sum256(body)
	s.mu.Lock()
	if prev, ok := s.idem[key]; ok {
		s.mu.Unlock()
		if prev.hash != hash {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "idempotency_key_reused"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(prev.status)
		_, _ = w.Write(prev.body)
		return
	}
	s.mu.Unlock()

	var req PayoutRequest
	status := http.StatusAccepted
	var resp map[string]string
	switch {
	case json.Unmarshal(body, &req) != nil || req.PayoutID == "":
		status, resp = http.StatusUnprocessableEntity, map[string]string{"error": "invalid_request"}
	case req.Currency != "CNY" || !req.Amount.IsPositive() || req.Amount.GreaterThan(models.MustParseMoney("1000000.00")):
		status, resp = http.StatusUnprocessableEntity, map[string]string{"error": "amount_out_of_range"}
	case len(req.BeneficiaryAccount) < 12 || strings.Trim(req.BeneficiaryAccount, "0123456789") != "" || req.BeneficiaryName == "":
		status, resp = http.StatusUnprocessableEntity, map[string]string{"error": "invalid_account"}
	default:
		resp = map[string]string{"payout_id": req.PayoutID, "status": "accepted"}
	}
	out, _ := json.Marshal(resp)
	s.mu.Lock()
	if _, raced := s.idem[key]; !raced {
		s.idem[key] = idem{hash: hash, status: status, body: out}
		if status == http.StatusAccepted {
			if _, exists := s.payouts[req.PayoutID]; !exists {
				p := &payout{Req: req, Status: "accepted"}
				s.payouts[req.PayoutID] = p
				s.settleLater(p)
			}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// settleLater executes a payout a moment later: accounts ending in 0000 are
// "closed" and fail; the others succeed and are debited. s.mu is held.
func (s *Sim) settleLater(p *payout) {
	go func() {
		time.Sleep(time.Second)
		s.mu.Lock()
		defer s.mu.Unlock()
		if strings.HasSuffix(p.Req.BeneficiaryAccount, "0000") {
			p.Status = "failed"
			s.queue(bankbridge.PayoutFailed, bankbridge.Payout{PayoutID: p.Req.PayoutID, Amount: p.Req.Amount, Reason: "account closed"}, Faults{})
			return
		}
		p.Status, p.TxnID = "succeeded", s.nextID("P")
		s.lines = append(s.lines, Line{BankTxnID: p.TxnID, Direction: "debit", Amount: p.Req.Amount, Reference: p.Req.Memo,
			CounterpartyAccount: p.Req.BeneficiaryAccount, CounterpartyName: p.Req.BeneficiaryName, BookedAt: s.cfg.Now().UTC()})
		s.queue(bankbridge.PayoutSucceeded, bankbridge.Payout{PayoutID: p.Req.PayoutID, BankTxnID: p.TxnID, Amount: p.Req.Amount}, Faults{})
	}()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
