package instore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"lineescrow/app/books"
	"lineescrow/app/config"
	"lineescrow/app/instore"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/telecom"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// lineEnv is setup's platform with the telecom front-end simulator on the
// other side of the wire (its callbacks signed back to the platform) and
// the buyer's landline 0530-5552001 (class A: 3000.00 of credit) bound.
type lineEnv struct {
	*ptest.Env
	sim  *telecomsim.Sim
	shop *instore.Shop
	// loseCharge, while set, loses the answers of charges after the
	// front-end acted on them (the timeout the contract warns of).
	loseCharge atomic.Bool
}

type loser struct{ e *lineEnv }

func (l loser) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.URL.Path, "/v1/charges") && l.e.loseCharge.Load() {
		res.Body.Close()
		return nil, errors.New("timeout: the answer was lost")
	}
	return res, err
}

func setupLine(t *testing.T, topUp string) *lineEnv {
	t.Helper()
	e, sh := setup(t, topUp)
	cfg := e.Config
	key, err := config.WebhookKey(cfg.TelecomWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id, err := bankbridge.Verify(key, r.Header, body, e.Clock.Now())
		if err == nil {
			_, err = e.Telecom.Receive(context.Background(), id, body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(hook.Close)
	sim, err := telecomsim.New(telecomsim.Config{WebhookURL: hook.URL, Secret: cfg.TelecomWebhookSecret, APIKey: cfg.TelecomAPIKey,
		Prefix: "/tel", Now: e.Clock.Now, Log: ptest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sim.Handler())
	t.Cleanup(api.Close)
	le := &lineEnv{Env: e, sim: sim, shop: sh}
	e.Telecom.Front = bankbridge.NewTelecom(api.URL+"/tel", cfg.TelecomAPIKey, &http.Client{Transport: loser{le}})
	// The limits on how often a line charges have tests of their own.
	if _, err := e.Settings.Update(e.Ctx, e.Operator.Actor(), map[string]string{"credit.charges_per_day": "100",
		"credit.new_binding_charges": "100"}); err != nil {
		t.Fatal(err)
	}
	le.bind(t, telecomsim.LineBuyer)
	t.Cleanup(func() {
		if err := telecom.CheckInvariants(e.Ctx, e.DB.DB); err != nil {
			t.Error(err)
		}
		if problems, err := books.Verify(e.Ctx, e.DB.DB); err != nil || problems != "" {
			t.Errorf("books: %q %v", problems, err)
		}
	})
	return le
}

func (e *lineEnv) bind(t *testing.T, phone string) {
	t.Helper()
	var sub telecomsim.Subscriber
	for _, s := range telecomsim.DemoSubscribers() {
		if s.Phone == phone {
			sub = s
		}
	}
	if _, err := e.Telecom.StartBinding(e.Ctx, e.Buyer.Actor(), models.FormatLandline(phone)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Telecom.VerifyHolder(e.Ctx, e.Buyer.Actor(), sub.Holder, sub.IDLast6()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Telecom.ConfirmCode(e.Ctx, e.Buyer.Actor(), e.sim.LastCode(phone)); err != nil {
		t.Fatal(err)
	}
}

func (e *lineEnv) pay(amount, key string) (*instore.Payment, error) {
	return e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(e.shop.Number), models.MustParseMoney(amount), instore.MethodLandline, ptest.PIN, key)
}

// every is every account a landline payment touches.
func (e *lineEnv) every() string {
	return fmt.Sprintf("wallet %s receivable %s pending %s available %s fees %s", e.Balance(models.WalletAccount(e.Buyer.ID)),
		e.Balance(models.AccTelecomReceivable), e.Balance(models.SellerPendingAccount(e.Seller.ID)),
		e.Balance(models.SellerAvailableAccount(e.Seller.ID)), e.Balance(models.AccRevenueFees))
}

func (e *lineEnv) chargeOf(t *testing.T, p *instore.Payment) models.Charge {
	t.Helper()
	var c models.Charge
	if err := e.DB.Where("instore_payment_id = ?", p.ID).Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

// refunds makes the refunds waiting for the front-end (as the refund job).
func (e *lineEnv) refunds(t *testing.T) {
	t.Helper()
	var ids []string
	if err := e.DB.Raw(`SELECT id FROM telecom_refunds WHERE state = 'requested' ORDER BY created_at`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := e.Telecom.Refund(e.Ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

// A landline payment: the charge is a work order at the phone company, the
// seller's part waits in pending (no wallet touched); the refund takes it
// back to telecom:receivable and cancels the work order (not the wallet).
func TestLandlinePayAndRefund(t *testing.T) {
	t.Parallel()
	e := setupLine(t, "10.00")
	q, err := e.Instore.Check(e.Ctx, e.Buyer.Actor(), string(e.shop.Number), models.MustParseMoney("38.50"))
	if err != nil || fmt.Sprint(q.Methods()) != "[landline]" || q.Line != telecomsim.LineBuyer || code(q.Wallet) != models.EINSUFFICIENT {
		t.Fatalf("quote %+v %v", q, err)
	}
	if _, err := e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(e.shop.Number), models.MustParseMoney("38.50"), instore.MethodLandline, "000000", "k1"); models.ErrorField(err) != "pay_password" {
		t.Fatalf("wrong PIN: %v", err)
	}
	if n := e.Count(`SELECT count(*) FROM telecom_charges`); n != 0 {
		t.Fatalf("%d charges before the password", n)
	}
	p, err := e.pay("38.50", "k1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Method != instore.MethodLandline || p.State != instore.StatePaid || p.Fee.String() != "0.15" || p.Line != models.MaskLandline(telecomsim.LineBuyer) {
		t.Fatalf("%+v", p)
	}
	if got := e.every(); got != "wallet 10.00 receivable 38.50 pending 38.35 available 0.00 fees 0.15" {
		t.Fatal(got)
	}
	c := e.chargeOf(t, p)
	if c.State != models.ChargeAccepted || c.WorkOrderID == nil || c.OrderID != 0 || !c.ToPending.Equal(p.Net()) || !c.Amount.Equal(p.Amount) {
		t.Fatalf("charge %+v", c)
	}
	// The same key: the same payment, nothing charged again; another method under it is refused.
	again, err := e.pay("38.50", "k1")
	if err != nil || again.ID != p.ID || !again.Replayed {
		t.Fatalf("%+v %v", again, err)
	}
	if _, err := e.Instore.Pay(e.Ctx, e.Buyer.Actor(), string(e.shop.Number), models.MustParseMoney("38.50"), instore.MethodWallet, ptest.PIN, "k1"); code(err) != models.ECONFLICT {
		t.Fatalf("key reused for the wallet: %v", err)
	}
	if n := e.Count(`SELECT count(*) FROM telecom_charges`); n != 1 {
		t.Fatalf("%d charges", n)
	}
	till, err := e.Instore.TillOf(e.Ctx, e.Seller.Actor())
	if err != nil || till.Count != 1 || till.Total.String() != "38.50" || till.Payments[0].Method != instore.MethodLandline {
		t.Fatalf("till %+v %v", till, err)
	}
	// The line's credit is used by it, as by an order's charge.
	st, err := e.Telecom.Standing(e.Ctx, e.Buyer.Actor())
	if err != nil || st.Credit.Used.String() != "38.50" {
		t.Fatalf("standing %+v %v", st, err)
	}

	r, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN)
	if err != nil || r.RefundedAt == nil {
		t.Fatalf("%+v %v", r, err)
	}
	if got := e.every(); got != "wallet 10.00 receivable 0.00 pending 0.00 available 0.00 fees 0.00" {
		t.Fatal(got)
	}
	if _, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN); code(err) != models.ECONFLICT {
		t.Fatalf("refunded twice: %v", err)
	}
	e.refunds(t)
	if c := e.chargeOf(t, p); c.State != models.ChargeCancelled || !c.Credited.Equal(c.Amount) {
		t.Fatalf("after the refund: %+v", c)
	}
	if n := e.Count(`SELECT count(*) FROM telecom_refunds WHERE method = 'cancel' AND state = 'done'`); n != 1 {
		t.Fatalf("%d cancels", n)
	}
	if got := e.simCharges(); got != "cancelled 38.50" {
		t.Fatalf("at the phone company: %s", got)
	}
	st, _ = e.Telecom.Standing(e.Ctx, e.Buyer.Actor())
	if !st.Credit.Used.IsZero() {
		t.Fatalf("credit used after the refund: %s", st.Credit.Used)
	}
}

// simCharges are the buyer's line's work orders at the phone company.
func (e *lineEnv) simCharges() string {
	out := ""
	for _, l := range e.sim.Lines() {
		if l.Phone != telecomsim.LineBuyer {
			continue
		}
		for _, c := range l.Charges {
			if out != "" {
				out += ", "
			}
			out += c.Status + " " + c.Amount.String()
		}
	}
	return out
}

// Concurrent landline payments keep the line's credit (3000.00, class A):
// of eight payments of 400.00 seven are charged; the same key pressed four
// times at once charges once; concurrent refunds, each twice, give every
// yuan back to where it came from, once.
func TestLandlineConcurrentPaymentsAndRefunds(t *testing.T) {
	t.Parallel()
	e := setupLine(t, "")
	const n = 8
	var wg sync.WaitGroup
	pays := make([]*instore.Payment, n)
	errs := make([]error, n)
	// At most four at once: more payment password checks of one person at
	// once are refused (auth's guard against parallel guessing).
	slots := make(chan struct{}, 4)
	for i := range n {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			pays[i], errs[i] = e.pay("400.00", fmt.Sprint("c", i))
		})
	}
	wg.Wait()
	var paid []*instore.Payment
	for i, err := range errs {
		switch code(err) {
		case "":
			paid = append(paid, pays[i])
		case models.EINSUFFICIENT:
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if len(paid) != 7 {
		t.Fatalf("%d payments charged: %v", len(paid), errs)
	}
	// 0.38 % of 400.00 is 1.52.
	if got := e.every(); got != "wallet 0.00 receivable 2800.00 pending 2789.36 available 0.00 fees 10.64" {
		t.Fatal(got)
	}
	if c := e.Count(`SELECT count(*) FROM telecom_charges WHERE state = 'accepted'`); c != 7 {
		t.Fatalf("%d charges accepted", c)
	}

	if _, err := e.pay("200.01", "over"); code(err) != models.EINSUFFICIENT {
		t.Fatalf("past the credit: %v", err)
	}

	var wg2 sync.WaitGroup
	refundErrs := make([]error, 2*len(paid))
	for i, p := range paid {
		for j := range 2 {
			wg2.Go(func() {
				slots <- struct{}{}
				defer func() { <-slots }()
				_, refundErrs[2*i+j] = e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN)
			})
		}
	}
	wg2.Wait()
	ok := 0
	for _, err := range refundErrs {
		switch code(err) {
		case "":
			ok++
		case models.ECONFLICT:
		default:
			t.Fatalf("refund: %v", err)
		}
	}
	if ok != len(paid) {
		t.Fatalf("%d refunds of %d payments", ok, len(paid))
	}
	if got := e.every(); got != "wallet 0.00 receivable 0.00 pending 0.00 available 0.00 fees 0.00" {
		t.Fatal(got)
	}
	e.refunds(t)
	if c := e.Count(`SELECT count(*) FROM telecom_charges WHERE state = 'cancelled' AND credited = amount`); c != 7 {
		t.Fatalf("%d charges cancelled", c)
	}
}

// The same key pressed at once charges the line once.
func TestLandlineSameKeyAtOnce(t *testing.T) {
	t.Parallel()
	e := setupLine(t, "")
	var wg sync.WaitGroup
	ids := make([]string, 4)
	for i := range ids {
		wg.Go(func() {
			p, err := e.pay("25.00", "same")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = p.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("two payments: %v", ids)
		}
	}
	if c := e.Count(`SELECT count(*) FROM telecom_charges`); c != 1 {
		t.Fatalf("%d charges", c)
	}
	if got := e.simCharges(); got != "accepted 25.00" {
		t.Fatalf("at the phone company: %s", got)
	}
}

// When the phone company does not answer, the payment waits (charging:
// nothing is the seller's yet, nothing refundable); the charge's job asks
// again with the same charge id and the payment is paid, once.
func TestLandlineNoAnswerThenAccepted(t *testing.T) {
	t.Parallel()
	e := setupLine(t, "")
	e.loseCharge.Store(true)
	p, err := e.pay("38.50", "k")
	if err != nil {
		t.Fatal(err)
	}
	e.loseCharge.Store(false)
	if p.State != instore.StateCharging {
		t.Fatalf("%+v", p)
	}
	if got := e.every(); got != "wallet 0.00 receivable 0.00 pending 0.00 available 0.00 fees 0.00" {
		t.Fatal(got)
	}
	if _, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN); code(err) != models.ECONFLICT {
		t.Fatalf("refund before the charge was accepted: %v", err)
	}
	till, _ := e.Instore.TillOf(e.Ctx, e.Seller.Actor())
	if till.Count != 0 || len(till.Payments) != 1 || till.Payments[0].State != instore.StateCharging {
		t.Fatalf("till %+v", till)
	}
	// The job's repeat: the front-end answers its first acceptance again.
	c := e.chargeOf(t, p)
	w := &telecom.ChargeWorker{Telecom: e.Telecom}
	if err := w.Work(e.Ctx, &river.Job[telecom.ChargeArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 20}, Args: telecom.ChargeArgs{ChargeID: c.ID}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.Instore.Get(e.Ctx, e.Buyer.Actor(), p.ID)
	if err != nil || got.State != instore.StatePaid {
		t.Fatalf("%+v %v", got, err)
	}
	if got := e.every(); got != "wallet 0.00 receivable 38.50 pending 38.35 available 0.00 fees 0.15" {
		t.Fatal(got)
	}
	if got := e.simCharges(); got != "accepted 38.50" {
		t.Fatalf("at the phone company: %s", got)
	}
}

// After the bill was issued and paid (charge.collected: the seller's part
// is available), a refund takes it from the available money and becomes a
// bill credit at the phone company.
func TestLandlineRefundAfterCollection(t *testing.T) {
	t.Parallel()
	e := setupLine(t, "")
	p, err := e.pay("100.00", "k")
	if err != nil {
		t.Fatal(err)
	}
	c := e.chargeOf(t, p)
	if _, err := e.sim.CloseCycle(c.Cycle()); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush(e.Ctx)
	if err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush(e.Ctx)
	if got := e.every(); got != "wallet 0.00 receivable 100.00 pending 0.00 available 99.62 fees 0.38" {
		t.Fatal(got)
	}
	if n := e.Count(`SELECT count(*) FROM notifications WHERE user_id = ? AND kind = ?`, e.Seller.ID, string(models.NoticeInstoreProceeds)); n != 1 {
		t.Fatalf("%d notices of the proceeds", n)
	}
	if _, err := e.Instore.Refund(e.Ctx, e.Seller.Actor(), p.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	if got := e.every(); got != "wallet 0.00 receivable 0.00 pending 0.00 available 0.00 fees 0.00" {
		t.Fatal(got)
	}
	e.refunds(t)
	if n := e.Count(`SELECT count(*) FROM telecom_refunds WHERE method = 'bill_credit' AND state = 'done'`); n != 1 {
		t.Fatalf("%d bill credits", n)
	}
}
