package bankbridge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lineescrow/models"
)

// Event types of the bank's callbacks.
const (
	TransferReceived = "transfer.received"
	TransferReversed = "transfer.reversed"
	PayoutSucceeded  = "payout.succeeded"
	PayoutFailed     = "payout.failed"
)

// Event is the envelope of every callback.
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Received is the data of transfer.received.
type Received struct {
	BankTxnID    string       `json:"bank_txn_id"`
	Amount       models.Money `json:"amount"`
	Currency     string       `json:"currency"`
	Reference    string       `json:"reference"`
	PayerAccount string       `json:"payer_account"`
	PayerName    string       `json:"payer_name"`
	Channel      string       `json:"channel"`
	ValueDate    string       `json:"value_date"`
}

// Reversed is the data of transfer.reversed.
type Reversed struct {
	BankTxnID     string       `json:"bank_txn_id"`
	ReversalTxnID string       `json:"reversal_txn_id"`
	Amount        models.Money `json:"amount"`
	Reason        string       `json:"reason"`
}

// Payout is the data of payout.succeeded and payout.failed.
type Payout struct {
	PayoutID  string       `json:"payout_id"`
	BankTxnID string       `json:"bank_txn_id,omitempty"`
	Amount    models.Money `json:"amount"`
	Reason    string       `json:"reason,omitempty"`
}

// Known reports whether the platform handles events of type t.
func Known(t string) bool {
	switch t {
	case TransferReceived, TransferReversed, PayoutSucceeded, PayoutFailed:
		return true
	}
	return false
}

// Parse reads and validates an event body: the envelope, and for known types
// the data. The error says what is malformed (answered with 400).
func Parse(body []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("malformed event: %v", err)
	}
	if e.ID == "" || e.Type == "" || len(e.Data) == 0 || string(e.Data) == "null" {
		return nil, fmt.Errorf("malformed event: id, type and data are required")
	}
	switch e.Type {
	case TransferReceived:
		var d Received
		if err := strictData(e.Data, &d); err != nil {
			return nil, err
		}
		if d.BankTxnID == "" || !d.Amount.IsPositive() || d.Currency != "CNY" {
			return nil, fmt.Errorf("malformed transfer.received: bank_txn_id, a positive amount and currency CNY are required")
		}
	case TransferReversed:
		var d Reversed
		if err := strictData(e.Data, &d); err != nil {
			return nil, err
		}
		if d.BankTxnID == "" || d.ReversalTxnID == "" || !d.Amount.IsPositive() {
			return nil, fmt.Errorf("malformed transfer.reversed: bank_txn_id, reversal_txn_id and a positive amount are required")
		}
	case PayoutSucceeded, PayoutFailed:
		var d Payout
		if err := strictData(e.Data, &d); err != nil {
			return nil, err
		}
		if d.PayoutID == "" {
			return nil, fmt.Errorf("malformed %s: payout_id is required", e.Type)
		}
	}
	return &e, nil
}

func strictData(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		msg := err.Error()
		if e := models.AsError(err); e != nil {
			msg = e.Message
		}
		return fmt.Errorf("malformed data: %s", strings.TrimSuffix(msg, "."))
	}
	return nil
}

// Clean returns a JSON body re-encoded with every NUL character removed from
// its keys and strings: PostgreSQL's text and jsonb refuse them, and a memo a
// payer typed must never make an event unstorable. Numbers keep their exact
// text. Errors: body is not JSON.
func Clean(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(clean(v)); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

func clean(v any) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, "\x00", "")
	case []any:
		for i := range t {
			t[i] = clean(t[i])
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[strings.ReplaceAll(k, "\x00", "")] = clean(x)
		}
		return out
	}
	return v
}

// Peek returns the envelope's id and type as far as they can be read, for
// storing a delivery that does not parse.
func Peek(body []byte) (id, typ string) {
	var e struct {
		ID   any `json:"id"`
		Type any `json:"type"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	s := func(v any) string {
		str, _ := v.(string)
		str = strings.ReplaceAll(str, "\x00", "")
		if r := []rune(str); len(r) > 64 {
			str = string(r[:64])
		}
		return str
	}
	return s(e.ID), s(e.Type)
}
