package bankbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"lineescrow/models"
)

// caller makes the platform's calls to the bank bridge and to the telecom
// front-end (both contracts: Bearer key, Idempotency-Key on every POST, a
// repeated key answered with the first answer). Each attempt has a timeout;
// a timeout, a connection error or a 5xx is retried a few times with the
// same key, then reported, for the caller's job to retry later, still with
// the same key. It is never used inside an open database transaction.
type caller struct {
	base    string
	key     string
	client  *http.Client
	retries int
	backoff time.Duration
}

func newCaller(base, key string, client *http.Client) caller {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return caller{base: strings.TrimRight(base, "/"), key: key, client: client, retries: 3, backoff: 200 * time.Millisecond}
}

// ErrUnavailable wraps a call that got no decisive answer (timeouts,
// connection errors, 5xx, 409 in flight): safe to repeat with the same key.
var ErrUnavailable = errors.New("unavailable")

// answer is a decisive answer: its status and body.
type answer struct {
	status int
	body   []byte
}

// do sends a request, retrying what is safe to retry.
func (c caller) do(ctx context.Context, method, path, idemKey string, body any) (answer, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return answer{}, err
		}
	}
	var last error
	for attempt := 0; attempt <= c.retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return answer{}, errors.Join(ErrUnavailable, ctx.Err())
			case <-time.After(c.backoff * time.Duration(attempt)):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(payload))
		if err != nil {
			return answer{}, err
		}
		req.Header.Set("Authorization", "Bearer "+c.key)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if idemKey != "" {
			req.Header.Set("Idempotency-Key", idemKey)
		}
		res, err := c.client.Do(req)
		if err != nil {
			last = err
			continue
		}
		b, rerr := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if rerr != nil {
			last = rerr
			continue
		}
		if res.StatusCode >= 500 {
			last = fmt.Errorf("%s %s: %s", method, path, res.Status)
			continue
		}
		return answer{status: res.StatusCode, body: b}, nil
	}
	return answer{}, fmt.Errorf("%w: %v", ErrUnavailable, last)
}

// Bank calls the bank bridge (contracts/bank-bridge.md section 2).
type Bank struct{ c caller }

// NewBank returns a client of the bank bridge at base with its API key;
// client nil uses one with a 10 s timeout per attempt.
func NewBank(base, apiKey string, client *http.Client) *Bank {
	return &Bank{c: newCaller(base, apiKey, client)}
}

// PayoutInstruction is the body of POST /v1/payouts.
type PayoutInstruction struct {
	PayoutID           string       `json:"payout_id"`
	Amount             models.Money `json:"amount"`
	Currency           string       `json:"currency"`
	BeneficiaryAccount string       `json:"beneficiary_account"`
	BeneficiaryName    string       `json:"beneficiary_name"`
	Memo               string       `json:"memo"`
}

// PayoutRefused is the bank's refusal of a payout outright (422): its code.
type PayoutRefused struct{ Code string }

func (e *PayoutRefused) Error() string { return "payout refused: " + e.Code }

// Payout instructs a payout, keyed by its payout id. It returns nil once the
// bank accepted it (the result comes as a callback), a *PayoutRefused when
// the bank refused it, and an error wrapping ErrUnavailable when there was
// no decisive answer (repeat it later: the key makes it happen once).
func (b *Bank) Payout(ctx context.Context, p PayoutInstruction) error {
	p.Currency = "CNY"
	a, err := b.c.do(ctx, http.MethodPost, "/v1/payouts", p.PayoutID, p)
	if err != nil {
		return err
	}
	switch {
	case a.status == http.StatusAccepted || a.status == http.StatusOK:
		return nil
	case a.status == http.StatusUnprocessableEntity:
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(a.body, &e)
		if e.Error == "" {
			e.Error = "refused"
		}
		return &PayoutRefused{Code: e.Error}
	case a.status == http.StatusConflict:
		// The same key with another body: a bug of ours, never retried blindly.
		return fmt.Errorf("payout %s: the bank says the key was used for another request", p.PayoutID)
	}
	return fmt.Errorf("payout %s: unexpected answer %d: %s", p.PayoutID, a.status, strings.TrimSpace(string(a.body)))
}

// Statement is a day's statement of the collection account.
type Statement struct {
	Date           string          `json:"date"`
	OpeningBalance models.Money    `json:"opening_balance"`
	ClosingBalance models.Money    `json:"closing_balance"`
	Lines          []StatementLine `json:"lines"`
}

// StatementLine is one booking of the statement.
type StatementLine struct {
	BankTxnID           string       `json:"bank_txn_id"`
	Direction           string       `json:"direction"` // credit, debit
	Amount              models.Money `json:"amount"`
	Reference           string       `json:"reference"`
	CounterpartyAccount string       `json:"counterparty_account"`
	CounterpartyName    string       `json:"counterparty_name"`
	BookedAt            time.Time    `json:"booked_at"`
}

// Statement fetches the statement of day (YYYY-MM-DD).
func (b *Bank) Statement(ctx context.Context, day string) (*Statement, error) {
	a, err := b.c.do(ctx, http.MethodGet, "/v1/statements/"+day, "", nil)
	if err != nil {
		return nil, err
	}
	if a.status != http.StatusOK {
		return nil, fmt.Errorf("statement %s: answer %d: %s", day, a.status, strings.TrimSpace(string(a.body)))
	}
	var s Statement
	if err := json.Unmarshal(a.body, &s); err != nil {
		return nil, fmt.Errorf("statement %s: %w", day, err)
	}
	return &s, nil
}
