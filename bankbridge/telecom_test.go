package bankbridge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/models"
)

// frontEnd is a scripted front-end: each request gets the next answer of its
// path; it records what it was sent.
type frontEnd struct {
	mu      sync.Mutex
	answers map[string][]reply
	seen    []seen
}

type reply struct {
	status int
	body   string
	hang   bool // wait until the client gives up (a timeout after acting)
}

type seen struct {
	method, path, key, auth, body string
}

func (f *frontEnd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.seen = append(f.seen, seen{r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization"), string(b)})
	q := f.answers[r.URL.Path]
	var a reply
	if len(q) > 0 {
		a, f.answers[r.URL.Path] = q[0], q[1:]
	} else {
		a = reply{status: 599, body: `{"error":"no scripted answer"}`}
	}
	f.mu.Unlock()
	if a.hang {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (f *frontEnd) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.seen...)
}

func newTelecom(t *testing.T, answers map[string][]reply) (*Telecom, *frontEnd) {
	t.Helper()
	fe := &frontEnd{answers: answers}
	ts := httptest.NewServer(fe)
	t.Cleanup(ts.Close)
	tc := NewTelecom(ts.URL+"/sim/telecom/", "tel-key-0123456789", &http.Client{Timeout: 200 * time.Millisecond})
	tc.c.backoff = time.Millisecond
	tc.now = func() time.Time { return time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC) }
	return tc, fe
}

const lookupOK = `{"phone":"05305551234","status":"active","holder_name":"王*","tenure_months":73,"in_arrears":false,"billing_day":1,"credit_class":"A"}`

func TestTelecomLookup(t *testing.T) {
	tc, fe := newTelecom(t, map[string][]reply{"/sim/telecom/v1/subscribers/lookup": {
		{status: 200, body: lookupOK},
		{status: 404, body: `{"error":"unknown_subscriber"}`},
		{status: 200, body: `{"phone":"05305551234","status":"gone","credit_class":"A"}`},
	}})
	ctx := context.Background()
	s, err := tc.Lookup(ctx, "0530-5551234")
	if err != nil {
		t.Fatal(err)
	}
	want := Subscriber{Phone: "05305551234", Status: SubscriberActive, HolderName: "王*", TenureMonths: 73, BillingDay: 1, CreditClass: "A"}
	if *s != want {
		t.Fatalf("lookup: %+v", *s)
	}
	if _, err := tc.Lookup(ctx, "0530-5550000"); !errors.Is(err, ErrUnknownSubscriber) {
		t.Fatalf("404: %v", err)
	}
	if _, err := tc.Lookup(ctx, "0530-5551234"); err == nil {
		t.Fatal("an unknown status was accepted")
	}
	r := fe.requests()
	if r[0].method != "POST" || r[0].auth != "Bearer tel-key-0123456789" || r[0].body != `{"phone":"0530-5551234"}` {
		t.Fatalf("request: %+v", r[0])
	}
	// Each lookup is a call of its own: never an earlier answer replayed.
	if r[0].key == "" || r[0].key == r[2].key {
		t.Fatalf("lookup keys %q %q", r[0].key, r[2].key)
	}
}

func TestTelecomVerifyHolder(t *testing.T) {
	path := "/sim/telecom/v1/subscribers/verify-holder"
	tc, fe := newTelecom(t, map[string][]reply{path: {
		{status: 200, body: `{"match":true}`},
		{status: 200, body: `{"match":false}`},
		{status: 200, body: `{"match":false}`},
		{status: 429, body: `{"error":"too_many_attempts"}`},
		{status: 200, body: `{}`},
	}})
	ctx := context.Background()
	if ok, err := tc.VerifyHolder(ctx, "05305551234", "王建国", "12345X"); err != nil || !ok {
		t.Fatalf("match: %v %v", ok, err)
	}
	if ok, err := tc.VerifyHolder(ctx, "05305551234", "王建国", "000000"); err != nil || ok {
		t.Fatalf("no match: %v %v", ok, err)
	}
	// The same question the same day is the same call (a double submit is one try).
	if _, err := tc.VerifyHolder(ctx, "05305551234", "王建国", "000000"); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.VerifyHolder(ctx, "05305551234", "王建国", "111111"); !errors.Is(err, ErrTooManyTries) {
		t.Fatalf("429: %v", err)
	}
	if _, err := tc.VerifyHolder(ctx, "05305551234", "王建国", "222222"); err == nil {
		t.Fatal("an answer without match was accepted")
	}
	r := fe.requests()
	if r[1].key != r[2].key || r[0].key == r[1].key || r[3].key == r[1].key {
		t.Fatalf("keys: %q %q %q %q", r[0].key, r[1].key, r[2].key, r[3].key)
	}
	// The key reveals nothing of the ID digits or the name.
	for _, q := range r {
		if strings.Contains(q.key, "12345X") || strings.Contains(q.key, "王") || strings.Contains(q.key, "05305551234") {
			t.Fatalf("key %q holds the question", q.key)
		}
	}
	if !strings.Contains(r[0].body, `"id_last6":"12345X"`) || !strings.Contains(r[0].body, `"holder_name":"王建国"`) {
		t.Fatalf("body: %s", r[0].body)
	}
	// Another day, another key for the same question.
	tc.now = func() time.Time { return time.Date(2026, 11, 29, 16, 30, 0, 0, time.UTC) } // 00:30 in Shanghai
	fe.answers[path] = []reply{{status: 200, body: `{"match":false}`}}
	if _, err := tc.VerifyHolder(ctx, "05305551234", "王建国", "000000"); err != nil {
		t.Fatal(err)
	}
	if r := fe.requests(); r[5].key == r[1].key {
		t.Fatal("the next day's check replays the day before's")
	}
}

func TestTelecomVerificationCall(t *testing.T) {
	path := "/sim/telecom/v1/verification-calls"
	tc, fe := newTelecom(t, map[string][]reply{path: {
		{status: 503},
		{status: 202, body: `{"call_id":"CALL1"}`},
		{status: 202, body: `{"call_id":"CALL2"}`},
		{status: 404, body: `{"error":"unknown_subscriber"}`},
	}})
	ctx := context.Background()
	id, err := tc.VerificationCall(ctx, "05305551234", "4821")
	if err != nil || id != "CALL1" {
		t.Fatalf("call: %q %v", id, err)
	}
	if _, err := tc.VerificationCall(ctx, "05305551234", "7730"); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.VerificationCall(ctx, "05305550000", "7730"); !errors.Is(err, ErrUnknownSubscriber) {
		t.Fatalf("404: %v", err)
	}
	r := fe.requests()
	if r[0].key != r[1].key || r[1].key == r[2].key || strings.Contains(r[0].key, "4821") {
		t.Fatalf("keys: %q %q %q", r[0].key, r[1].key, r[2].key)
	}
	if r[0].body != `{"code":"4821","phone":"05305551234"}` {
		t.Fatalf("body: %s", r[0].body)
	}
}

func TestTelecomCharge(t *testing.T) {
	path := "/sim/telecom/v1/charges"
	accepted := `{"charge_id":"ch_1","work_order_id":"WO2026112900017","status":"accepted","bill_cycle":"2026-12"}`
	tc, fe := newTelecom(t, map[string][]reply{path: {
		{hang: true}, // acted, then no answer in time
		{status: 201, body: accepted},
		{status: 422, body: `{"error":"subscriber_suspended"}`},
		{status: 422, body: `{"error":"in_arrears"}`},
		{status: 422, body: `{"error":"amount_over_line_limit"}`},
		{status: 422, body: `{"error":"unknown_subscriber"}`},
		{status: 409, body: `{"error":"idempotency_key_reused"}`},
		{status: 201, body: `{"charge_id":"ch_other","work_order_id":"WO1","status":"accepted","bill_cycle":"2026-12"}`},
		{status: 500}, {status: 502}, {status: 503}, {status: 504},
	}})
	ctx := context.Background()
	req := ChargeRequest{ChargeID: "ch_1", Phone: "05305551234", Amount: models.MustParseMoney("259.00"), MerchantName: "菏泽牡丹特产店", Description: "牡丹花茶 x1"}
	a, err := tc.Charge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if *a != (ChargeAccepted{ChargeID: "ch_1", WorkOrderID: "WO2026112900017", Status: "accepted", BillCycle: "2026-12"}) {
		t.Fatalf("accepted: %+v", *a)
	}
	r := fe.requests()
	if len(r) != 2 || r[0].key != "ch_1" || r[1].key != "ch_1" || r[0].body != r[1].body {
		t.Fatalf("the retry after a timeout is not the same call: %+v", r)
	}
	var sent map[string]any
	_ = json.Unmarshal([]byte(r[0].body), &sent)
	if sent["amount"] != "259.00" || sent["charge_id"] != "ch_1" || sent["phone"] != "05305551234" || sent["merchant_name"] != "菏泽牡丹特产店" || sent["description"] != "牡丹花茶 x1" {
		t.Fatalf("body: %s", r[0].body)
	}
	for _, code := range []string{RefusedSuspended, RefusedInArrears, RefusedOverLineLimit, RefusedUnknownSubscriber} {
		_, err := tc.Charge(ctx, req)
		var refused *ChargeRefused
		if !errors.As(err, &refused) || refused.Code != code {
			t.Fatalf("%s: %v", code, err)
		}
	}
	if _, err := tc.Charge(ctx, req); !errors.Is(err, ErrKeyReused) {
		t.Fatalf("409: %v", err)
	}
	if _, err := tc.Charge(ctx, req); err == nil {
		t.Fatal("an answer for another charge was accepted")
	}
	// 5xx four times (the first try and three retries): unavailable, safe to repeat.
	if _, err := tc.Charge(ctx, req); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("5xx: %v", err)
	}
	if n := len(fe.requests()); n != 2+6+4 {
		t.Fatalf("%d requests", n)
	}
}

func TestTelecomCancelCharge(t *testing.T) {
	path := "/sim/telecom/v1/charges/ch_1/cancel"
	tc, fe := newTelecom(t, map[string][]reply{
		path: {
			{status: 200, body: `{"status":"cancelled"}`},
			{status: 409, body: `{"error":"already_billed"}`},
			{status: 409, body: `{"error":"idempotency_key_reused"}`},
		},
		"/sim/telecom/v1/charges/ch_x/cancel": {{status: 404, body: `{"error":"unknown_charge"}`}},
	})
	ctx := context.Background()
	if err := tc.CancelCharge(ctx, "ch_1"); err != nil {
		t.Fatal(err)
	}
	if err := tc.CancelCharge(ctx, "ch_1"); !errors.Is(err, ErrAlreadyBilled) {
		t.Fatalf("already billed: %v", err)
	}
	if err := tc.CancelCharge(ctx, "ch_1"); !errors.Is(err, ErrKeyReused) || errors.Is(err, ErrAlreadyBilled) {
		t.Fatalf("key reused: %v", err)
	}
	if err := tc.CancelCharge(ctx, "ch_x"); !errors.Is(err, ErrUnknownCharge) {
		t.Fatalf("unknown: %v", err)
	}
	r := fe.requests()
	if r[0].method != "POST" || r[0].key != "cancel-ch_1" || r[0].auth != "Bearer tel-key-0123456789" {
		t.Fatalf("request: %+v", r[0])
	}
}

func TestTelecomBillCredit(t *testing.T) {
	path := "/sim/telecom/v1/bill-credits"
	tc, fe := newTelecom(t, map[string][]reply{path: {
		{status: 502},
		{status: 201, body: `{"status":"accepted","bill_cycle":"2027-01"}`},
		{status: 422, body: `{"error":"amount_over_charge"}`},
	}})
	ctx := context.Background()
	req := BillCreditRequest{CreditID: "cr_1", Phone: "05305551234", Amount: models.MustParseMoney("100.00"), Reason: "refund", ChargeID: "ch_1"}
	a, err := tc.BillCredit(ctx, req)
	if err != nil || *a != (BillCreditAccepted{Status: "accepted", BillCycle: "2027-01"}) {
		t.Fatalf("credit: %+v %v", a, err)
	}
	var refused *CreditRefused
	if _, err := tc.BillCredit(ctx, req); !errors.As(err, &refused) || refused.Code != "amount_over_charge" {
		t.Fatalf("refused: %v", err)
	}
	r := fe.requests()
	if r[0].key != "cr_1" || r[1].key != "cr_1" || r[1].body != `{"credit_id":"cr_1","phone":"05305551234","amount":"100.00","reason":"refund","charge_id":"ch_1"}` {
		t.Fatalf("requests: %+v", r[:2])
	}
}

func TestTelecomRedeemCard(t *testing.T) {
	path := "/sim/telecom/v1/cards/redeem"
	tc, fe := newTelecom(t, map[string][]reply{path: {
		{status: 200, body: `{"face_value":"100.00"}`},
		{status: 422, body: `{"error":"invalid_card"}`},
		{status: 422, body: `{"error":"already_used"}`},
		{status: 422, body: `{"error":"expired"}`},
		{status: 200, body: `{"face_value":100}`},
	}})
	ctx := context.Background()
	v, err := tc.RedeemCard(ctx, "rd_1", "5301202600000102", "90317468")
	if err != nil || v.String() != "100.00" {
		t.Fatalf("redeem: %v %v", v, err)
	}
	for _, code := range []string{CardInvalid, CardAlreadyUsed, CardExpired} {
		_, err := tc.RedeemCard(ctx, "rd_2", "5301202600000102", "90317468")
		var refused *CardRefused
		if !errors.As(err, &refused) || refused.Code != code {
			t.Fatalf("%s: %v", code, err)
		}
		if strings.Contains(err.Error(), "90317468") {
			t.Fatal("the PIN is in an error")
		}
	}
	if _, err := tc.RedeemCard(ctx, "rd_3", "5301202600000102", "90317468"); err == nil {
		t.Fatal("a number as face value was accepted")
	}
	r := fe.requests()
	if r[0].key != "rd_1" || r[0].body != `{"card_no":"5301202600000102","card_pin":"90317468","redemption_id":"rd_1"}` {
		t.Fatalf("request: %+v", r[0])
	}
}

func TestTelecomSettlement(t *testing.T) {
	path := "/sim/telecom/v1/cycles/2026-12/settlement"
	good := `{"cycle":"2026-12","settlement_reference":"TELSET202612","total_collected":"259.00","lines":[
		{"work_order_id":"WO1","charge_id":"ch_1","amount":"259.00","status":"collected","late_fee":"0.00"},
		{"work_order_id":"WO2","charge_id":"ch_2","amount":"30.00","status":"overdue","late_fee":"0.09"}]}`
	tc, fe := newTelecom(t, map[string][]reply{path: {
		{status: 200, body: good},
		{status: 404, body: `{"error":"not_settled"}`},
		{status: 200, body: strings.Replace(good, `"overdue"`, `"lost"`, 1)},
		{status: 200, body: strings.Replace(good, `"259.00","lines"`, `259.00,"lines"`, 1)},
	}})
	ctx := context.Background()
	s, err := tc.Settlement(ctx, "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	if s.SettlementReference != "TELSET202612" || s.TotalCollected.String() != "259.00" || len(s.Lines) != 2 ||
		s.Lines[1].WorkOrderID != "WO2" || s.Lines[1].ChargeID != "ch_2" || s.Lines[1].Amount.String() != "30.00" || s.Lines[1].Status != SettlementOverdue || s.Lines[1].LateFee.String() != "0.09" {
		t.Fatalf("settlement: %+v", s)
	}
	if _, err := tc.Settlement(ctx, "2026-12"); !errors.Is(err, ErrNotSettled) {
		t.Fatalf("404: %v", err)
	}
	if _, err := tc.Settlement(ctx, "2026-12"); err == nil {
		t.Fatal("an unknown line status was accepted")
	}
	if _, err := tc.Settlement(ctx, "2026-12"); err == nil {
		t.Fatal("a number as amount was accepted")
	}
	if _, err := tc.Settlement(ctx, "2026-13"); err == nil {
		t.Fatal("a month 13 was asked for")
	}
	r := fe.requests()
	if r[0].method != "GET" || r[0].key != "" || r[0].auth != "Bearer tel-key-0123456789" || len(r) != 4 {
		t.Fatalf("requests: %+v", r)
	}
}

func TestValidCycle(t *testing.T) {
	for s, want := range map[string]bool{"2026-12": true, "2027-01": true, "2026-13": false, "2026-00": false, "202612": false, "2026-1": false, " 2026-12": false} {
		if ValidCycle(s) != want {
			t.Errorf("%q: %v", s, !want)
		}
	}
}
