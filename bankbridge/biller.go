package bankbridge

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"lineescrow/models"
)

// The billers' protocol: how the platform asks a biller (a company whose
// bills buyers pay from their balance: the telecom operator for phone and
// broadband, an electricity or a water company) what an account owes, and
// tells it of a payment. Both are POSTs of JSON under the biller's base URL,
// signed with Standard Webhooks (SetHeaders) under the secret the platform
// and that biller share, which the biller verifies (Verify) before it
// answers:
//
//	POST /v1/bills/query  {"account": "0530123456"}
//	  200 {"account": "0530123456", "holder": "张*", "owed": "86.40", "period": "2026-11"}
//	  404 {"error": "unknown_account"}
//	POST /v1/payments     {"payment_id": "BP…", "receipt_no": "…", "account": "…", "amount": "86.40", "paid_at": "…"}
//	  200 {"status": "applied", "owed": "0.00"}
//
// A payment notice's webhook-id is its payment_id, the same on every try: a
// biller applies a payment once and answers a repeat 200 again with what is
// owed now. Amounts are strings with two decimals, as in the bank's events.

// BillQuery is what a biller says an account owes.
type BillQuery struct {
	Account string       `json:"account"`
	Holder  string       `json:"holder"` // masked ("张*")
	Owed    models.Money `json:"owed"`
	Period  string       `json:"period,omitempty"`
}

// BillPaymentNotice tells a biller of a payment.
type BillPaymentNotice struct {
	PaymentID string       `json:"payment_id"`
	ReceiptNo string       `json:"receipt_no"`
	Account   string       `json:"account"`
	Amount    models.Money `json:"amount"`
	PaidAt    time.Time    `json:"paid_at"`
}

// BillPaymentAck is a biller's answer to a notice.
type BillPaymentAck struct {
	Status string       `json:"status"`
	Owed   models.Money `json:"owed"`
}

// ErrUnknownAccount is a biller's 404: it has no such account.
var ErrUnknownAccount = errors.New("biller: unknown account")

// Biller is the client of one biller's API.
type Biller struct {
	URL    string // base URL, without the trailing /v1
	Key    []byte // the decoded shared secret
	Client *http.Client
	Now    func() time.Time
}

// Query asks what account owes. Errors: ErrUnknownAccount, or any failure
// to get an answer.
func (b *Biller) Query(ctx context.Context, account string) (*BillQuery, error) {
	var out BillQuery
	id := "qry_" + randomHex(12)
	if err := b.post(ctx, "/v1/bills/query", id, map[string]string{"account": account}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Notify sends a payment notice; nil only when the biller acknowledged it.
func (b *Biller) Notify(ctx context.Context, n BillPaymentNotice) (*BillPaymentAck, error) {
	var out BillPaymentAck
	if err := b.post(ctx, "/v1/payments", n.PaymentID, n, &out); err != nil {
		return nil, err
	}
	if out.Status != "applied" {
		return nil, fmt.Errorf("biller: payment %s answered status %q", n.PaymentID, out.Status)
	}
	return &out, nil
}

func (b *Biller) post(ctx context.Context, path, id string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(b.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	req.Header.Set("Content-Type", "application/json")
	SetHeaders(req.Header, b.Key, id, now(), body)
	client := b.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("biller %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusNotFound && strings.Contains(string(raw), "unknown_account"):
		return ErrUnknownAccount
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("biller %s: HTTP %d %s", path, resp.StatusCode, strings.TrimSpace(truncateText(string(raw), 200)))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("biller %s: unreadable answer: %w", path, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func truncateText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
