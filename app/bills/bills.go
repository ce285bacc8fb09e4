// Package bills lets buyers pay bills from their balance: the telecom
// operator's own (phone and broadband: the landline's bill at the front-end),
// an electricity company's and a water company's. Each biller has a ledger
// account biller:<code> (a liability: what payers paid it and the platform
// has not settled yet) and speaks the billers' protocol of bankbridge
// (biller.go): the platform asks what an account owes and sends a signed
// payment notice.
//
// Paying (Pay): the biller is asked what the account owes (no transaction
// is open during the call); what could never be paid (more than is owed, more
// than the balance) is refused before the payment password is checked; the
// password is checked with its lockout, holding no lock; then one
// transaction records the payment with its receipt number, moves the money
// wallet:<payer> → biller:<code> (one ledger transfer, key bill:<id>) and
// inserts the River job that sends the notice. The payer's key (the API's
// Idempotency-Key, the form's request id) makes a retry return the first
// payment. The notice job (NoticeWorker) retries on its own schedule until
// the biller acknowledges; a biller applies a payment once per payment id.
//
// Settling (Settle, and the daily SettleWorker): what is on biller:<code>
// is paid out to the biller's bank account through app/payouts.
//
// Secrets: each biller's Standard Webhooks secret is derived from the
// platform's secret key (platform wires Secret: HMAC-SHA256 of
// PAY_PASSWORD_PEPPER), never stored: SecretOf(code) gives it to hand to the
// biller (the demo's simulators get it this way).
package bills

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"lineescrow/app/audit"
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/payouts"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Categories of billers.
const (
	Telecom     = "telecom" // the operator: phone and broadband
	Electricity = "electricity"
	Water       = "water"
)

// Notice states.
const (
	NoticePending   = "pending"
	NoticeRetrying  = "retrying"
	NoticeDelivered = "delivered"
	NoticeFailed    = "failed"
)

// Biller is a company whose bills buyers pay.
type Biller struct {
	Code        string    `json:"code"`
	Name        string    `json:"name"`
	Category    string    `json:"category" enum:"telecom,electricity,water"`
	APIURL      string    `json:"-"`
	BankAccount string    `json:"-"`
	BankHolder  string    `json:"-"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"-"`
}

// Bill is what an account owes, as its biller says now.
type Bill struct {
	Biller  Biller       `json:"biller"`
	Account string       `json:"account"`
	Holder  string       `json:"holder" doc:"as the biller shows it, masked"`
	Owed    models.Money `json:"owed" doc:"what the biller says, less what was paid here and the biller has not acknowledged yet"`
	Period  string       `json:"period,omitempty"`
	// said is what the biller answered at asked.
	said  models.Money
	asked time.Time
}

// Payment is a bill paid: its receipt.
type Payment struct {
	ID          string        `json:"id"`
	ReceiptNo   string        `json:"receipt_no"`
	UserID      int64         `json:"user_id"`
	PayerName   string        `json:"payer_name" gorm:"->"`
	BillerCode  string        `json:"biller_code"`
	BillerName  string        `json:"biller_name" gorm:"->"`
	Category    string        `json:"category" gorm:"->"`
	Account     string        `json:"account"`
	Holder      string        `json:"holder"`
	Amount      models.Money  `json:"amount"`
	OwedBefore  models.Money  `json:"owed_before"`
	OwedAfter   *models.Money `json:"owed_after,omitempty" doc:"what the biller says is left, once it acknowledged the payment"`
	NoticeState string        `json:"notice_state" enum:"pending,retrying,delivered,failed"`
	NoticeTries int           `json:"notice_tries"`
	CreatedAt   time.Time     `json:"created_at"`
	DeliveredAt *time.Time    `json:"delivered_at,omitempty"`
}

// PayPasswords checks a payment password (auth, with its lockout).
type PayPasswords interface {
	VerifyPayPassword(ctx context.Context, userID int64, pin string) error
}

// Service pays bills.
type Service struct {
	DB        *gorm.DB
	Queue     *jobs.Queue
	Passwords PayPasswords
	Payouts   *payouts.Service
	// Secret is the key the billers' secrets are derived from.
	Secret    []byte
	MaxAmount models.Money
	Client    *http.Client // nil: 10 s per call
	Log       *slog.Logger
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SecretOf is the Standard Webhooks secret (whsec_…) shared with a biller.
func (s *Service) SecretOf(code string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("lineescrow biller secret\x00" + code))
	return "whsec_" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) client(b *Biller) *bankbridge.Biller {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("lineescrow biller secret\x00" + b.Code))
	return &bankbridge.Biller{URL: b.APIURL, Key: m.Sum(nil), Client: s.Client, Now: s.Now}
}

var errForbidden = models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")

// AddBiller records a biller, or updates one with the same code (the demo
// seed and operators' set-up on the command line).
func (s *Service) AddBiller(ctx context.Context, b Biller) error {
	if !models.ValidBillerCode(b.Code) {
		return models.FieldError("code", "A biller's code is 2 to 31 lower-case letters, digits or underscores.")
	}
	return s.DB.WithContext(ctx).Exec(`INSERT INTO billers (code, name, category, api_url, bank_account, bank_holder)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category,
		api_url = EXCLUDED.api_url, bank_account = EXCLUDED.bank_account, bank_holder = EXCLUDED.bank_holder`,
		b.Code, b.Name, b.Category, b.APIURL, b.BankAccount, b.BankHolder).Error
}

// Billers lists the active billers, by category and name.
//
// Errors: EFORBIDDEN for nobody.
func (s *Service) Billers(ctx context.Context, actor models.Actor) ([]Biller, error) {
	if actor.IsNobody() {
		return nil, errForbidden
	}
	var out []Biller
	err := store.Reader(ctx, s.DB).Table("billers").Where("active").Order("category, name").Find(&out).Error
	return out, err
}

func (s *Service) biller(ctx context.Context, code string) (*Biller, error) {
	var b Biller
	res := s.DB.WithContext(ctx).Table("billers").Where("code = ? AND active", code).Limit(1).Find(&b)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.FieldError("biller", "Choose a company from the list.")
	}
	return &b, nil
}

// NormalizeAccount reads an account number as people type it (spaces and
// hyphens dropped); ok is false unless 4 to 32 letters and digits remain.
func NormalizeAccount(account string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(account) {
		switch {
		case r == ' ' || r == '-':
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	d := b.String()
	return d, len(d) >= 4 && len(d) <= 32
}

// Owed asks the biller what account owes now (the IVR's "how much do I
// owe", and the web's first step).
//
// Errors: EFORBIDDEN unless payer is a buyer; EINVALID (fields biller,
// account) for an unknown biller, a malformed account or one the biller does
// not know; EUNAVAILABLE when the biller does not answer.
func (s *Service) Owed(ctx context.Context, payer models.Actor, biller, account string) (*Bill, error) {
	if !payer.IsBuyer() {
		return nil, errForbidden
	}
	b, err := s.biller(ctx, strings.TrimSpace(biller))
	if err != nil {
		return nil, err
	}
	acc, ok := NormalizeAccount(account)
	if !ok {
		return nil, models.FieldError("account", "Enter the account number printed on the bill (4 to 32 letters and digits).")
	}
	asked := s.now()
	q, err := s.client(b).Query(ctx, acc)
	switch {
	case errors.Is(err, bankbridge.ErrUnknownAccount):
		return nil, models.FieldError("account", "%s has no account %s. Check the number on your bill.", b.Name, acc)
	case err != nil:
		if s.Log != nil {
			s.Log.WarnContext(ctx, "biller query failed", "biller", b.Code, "err", err)
		}
		return nil, models.Errorf(models.EUNAVAILABLE, "%s did not answer. Please try again in a moment.", b.Name)
	}
	bill := &Bill{Biller: *b, Account: acc, Holder: q.Holder, Period: q.Period, said: q.Owed, asked: asked}
	unseen, err := unacknowledged(ctx, s.DB, b.Code, acc, asked)
	if err != nil {
		return nil, err
	}
	if bill.Owed = q.Owed.Sub(unseen); bill.Owed.IsNegative() {
		bill.Owed = models.Zero
	}
	return bill, nil
}

// unacknowledged sums the payments of an account the biller could not have
// counted in an answer given at asked: those it has not acknowledged, and
// those it acknowledged after.
func unacknowledged(ctx context.Context, db *gorm.DB, code, account string, asked time.Time) (models.Money, error) {
	var sum models.Money
	err := db.WithContext(ctx).Raw(`SELECT coalesce(sum(amount), 0) FROM bill_payments WHERE biller_code = ? AND account = ?
		AND (notice_state <> 'delivered' OR delivered_at > ?)`, code, account, asked).Row().Scan(&sum)
	return sum, err
}

// Check says, before the payment password is asked for, whether payer
// could pay amount of the bill of account at biller now, and returns the
// bill (its company and what is owed are what the payer confirms). Pay
// checks it again.
//
// Errors: EFORBIDDEN unless payer is a buyer; EINVALID (fields biller,
// account, amount) as Owed's, for an amount that is not positive, over the
// platform's maximum or over what is owed, or when nothing is owed;
// EINSUFFICIENT (field amount) beyond the balance; EUNAVAILABLE when the
// biller does not answer.
func (s *Service) Check(ctx context.Context, payer models.Actor, biller, account string, amount models.Money) (*Bill, error) {
	switch {
	case !amount.IsPositive():
		return nil, models.FieldError("amount", "Enter an amount such as 86.40.")
	case !s.MaxAmount.IsZero() && amount.GreaterThan(s.MaxAmount):
		return nil, models.FieldError("amount", "One payment may be at most %s.", s.MaxAmount.Display())
	}
	bill, err := s.Owed(ctx, payer, biller, account)
	if err != nil {
		return nil, err
	}
	switch {
	case !bill.Owed.IsPositive():
		return nil, models.FieldError("amount", "Nothing is owed on this account now.")
	case amount.GreaterThan(bill.Owed):
		return nil, models.FieldError("amount", "The bill is %s: pay at most that.", bill.Owed.Display())
	}
	// Before the password is spent: a balance that could never pay.
	if have, err := ledger.Balance(ctx, s.DB, models.WalletAccount(payer.UserID)); err != nil {
		return nil, err
	} else if amount.GreaterThan(have) {
		return nil, insufficient(have)
	}
	return bill, nil
}

// errReplay ends the payment's transaction when its key was used meanwhile.
var errReplay = errors.New("bills: key already used")

// Pay pays amount of the bill of account at biller from payer's balance,
// with the payment password; idemKey (the API's Idempotency-Key, the form's
// request id) makes a retry return the first payment.
//
// Errors: EFORBIDDEN unless payer is a buyer who may move money; EINVALID
// (fields biller, account, amount, pay_password); EINSUFFICIENT (field
// amount) beyond the balance; ECONFLICT for a key used for another payment;
// ELOCKED while payments are locked; EUNAVAILABLE when the biller does not
// answer.
func (s *Service) Pay(ctx context.Context, payer models.Actor, biller, account string, amount models.Money, payPassword, idemKey string) (*Payment, error) {
	if !payer.IsBuyer() {
		return nil, errForbidden
	}
	if err := payer.CanMoveMoney(); err != nil {
		return nil, err
	}
	idemKey = strings.TrimSpace(idemKey)
	if idemKey == "" || len(idemKey) > 200 {
		return nil, models.Errorf(models.EINVALID, "This payment has no request key; open the page again.")
	}
	acc, _ := NormalizeAccount(account)
	if p, err := s.byKey(ctx, payer.UserID, idemKey); err != nil || p != nil {
		if p != nil && (p.BillerCode != strings.TrimSpace(biller) || p.Account != acc || !p.Amount.Equal(amount)) {
			return nil, models.Errorf(models.ECONFLICT, "This request key was used for another payment.")
		}
		return p, err
	}
	bill, err := s.Check(ctx, payer, biller, account, amount)
	if err != nil {
		return nil, err
	}
	wallet := models.WalletAccount(payer.UserID)
	if err := s.Passwords.VerifyPayPassword(ctx, payer.UserID, payPassword); err != nil {
		return nil, err
	}
	p := &Payment{ID: newID("BP"), UserID: payer.UserID, BillerCode: bill.Biller.Code, Account: bill.Account, Holder: bill.Holder,
		Amount: amount, OwedBefore: bill.Owed, NoticeState: NoticePending}
	p.ReceiptNo = receiptNo(s.now())
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		// One payment of an account at a time, so two at once cannot pay
		// the bill twice over.
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "bill:"+p.BillerCode+":"+p.Account).Error; err != nil {
			return err
		}
		unseen, err := unacknowledged(ctx, tx, p.BillerCode, p.Account, bill.asked)
		if err != nil {
			return err
		}
		if left := bill.said.Sub(unseen); amount.GreaterThan(left) {
			if left.IsNegative() {
				left = models.Zero
			}
			return models.FieldError("amount", "The bill is %s: pay at most that.", left.Display())
		}
		res := tx.Exec(`INSERT INTO bill_payments (id, receipt_no, user_id, idem_key, biller_code, account, holder, amount, owed_before, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, idem_key) DO NOTHING`,
			p.ID, p.ReceiptNo, p.UserID, idemKey, p.BillerCode, p.Account, p.Holder, p.Amount, p.OwedBefore, s.now())
		if res.Error != nil {
			return fmt.Errorf("record bill payment: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return errReplay // the same key committed meanwhile
		}
		if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "bill:" + p.ID, Kind: "bill.pay", Ref: "bill:" + p.ID,
			Memo: bill.Biller.Name + " " + p.Account, Postings: models.Move(wallet, models.BillerAccount(p.BillerCode), amount)}); err != nil {
			if models.ErrorCode(err) == models.EINSUFFICIENT {
				have, _ := ledger.Balance(ctx, tx, wallet)
				return insufficient(have)
			}
			return err
		}
		_, err = s.Queue.InsertTx(ctx, tx, NoticeArgs{PaymentID: p.ID}, nil)
		return err
	})
	if errors.Is(err, errReplay) {
		return s.Pay(ctx, payer, biller, account, amount, payPassword, idemKey)
	}
	if err != nil {
		return nil, err
	}
	return s.Payment(ctx, payer, p.ID)
}

func insufficient(have models.Money) error {
	e := models.Errorf(models.EINSUFFICIENT, "Your balance is %s, not enough for this payment. Top up first.", have.Display())
	e.Field = "amount"
	return e
}

func (s *Service) byKey(ctx context.Context, userID int64, key string) (*Payment, error) {
	var id string
	res := s.DB.WithContext(ctx).Raw("SELECT id FROM bill_payments WHERE user_id = ? AND idem_key = ?", userID, key).Scan(&id)
	if res.Error != nil || res.RowsAffected == 0 {
		return nil, res.Error
	}
	return s.payment(ctx, s.DB, id)
}

func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// receiptNo is a receipt number: the Shanghai date and time, and six random
// digits (unique in the table; a clash fails the payment, which can be
// retried with the same key).
func receiptNo(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	n := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) % 1000000
	return fmt.Sprintf("R%s%06d", now.In(models.Shanghai).Format("20060102150405"), n)
}

const paymentSelect = `SELECT p.*, u.display_name AS payer_name, b.name AS biller_name, b.category
	FROM bill_payments p JOIN users u ON u.id = p.user_id JOIN billers b ON b.code = p.biller_code`

func (s *Service) payment(ctx context.Context, db *gorm.DB, id string) (*Payment, error) {
	var p Payment
	res := db.WithContext(ctx).Raw(paymentSelect+" WHERE p.id = ?", id).Scan(&p)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such payment.")
	}
	return &p, nil
}

// Payment is one payment's receipt, for its payer or an operator.
//
// Errors: ENOTFOUND (also for someone else's).
func (s *Service) Payment(ctx context.Context, actor models.Actor, id string) (*Payment, error) {
	p, err := s.payment(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !actor.IsOperator() && (!actor.IsBuyer() || p.UserID != actor.UserID) {
		return nil, models.Errorf(models.ENOTFOUND, "No such payment.")
	}
	return p, nil
}

// Payments lists bill payments, newest first: a buyer's own, everyone's for
// operators (at most 100).
//
// Errors: EFORBIDDEN for anyone else.
func (s *Service) Payments(ctx context.Context, actor models.Actor) ([]Payment, error) {
	q := paymentSelect
	var args []any
	switch {
	case actor.IsOperator():
	case actor.IsBuyer():
		q += " WHERE p.user_id = ?"
		args = append(args, actor.UserID)
	default:
		return nil, errForbidden
	}
	var out []Payment
	err := store.Reader(ctx, s.DB).Raw(q+" ORDER BY p.created_at DESC, p.id LIMIT 100", args...).Scan(&out).Error
	return out, err
}

// BillerLine is a biller as operators see it.
type BillerLine struct {
	Biller
	BankAccount string       `json:"bank_account"`
	BankHolder  string       `json:"bank_holder"`
	Balance     models.Money `json:"balance" doc:"paid by payers, not settled yet (biller:<code>)"`
	InTransit   models.Money `json:"in_transit" doc:"settlements sent to the bank, not confirmed yet"`
	Settled     models.Money `json:"settled" doc:"settled to the biller's bank account"`
	Payments    int64        `json:"payments"`
	Undelivered int64        `json:"undelivered" doc:"payments whose notice the biller has not acknowledged"`
}

// Overview lists every biller with its balance, settlements and payments.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) Overview(ctx context.Context, actor models.Actor) ([]BillerLine, error) {
	if !actor.IsOperator() {
		return nil, errForbidden
	}
	var list []Biller
	if err := s.DB.WithContext(ctx).Table("billers").Order("category, name").Find(&list).Error; err != nil {
		return nil, err
	}
	out := make([]BillerLine, 0, len(list))
	for _, b := range list {
		l := BillerLine{Biller: b, BankAccount: b.BankAccount, BankHolder: b.BankHolder}
		var err error
		if l.Balance, err = ledger.Balance(ctx, s.DB, models.BillerAccount(b.Code)); err != nil {
			return nil, err
		}
		if err := s.DB.WithContext(ctx).Raw(`SELECT
			coalesce(sum(amount) FILTER (WHERE state IN ('requested', 'sending', 'sent')), 0) AS in_transit,
			coalesce(sum(amount) FILTER (WHERE state = 'succeeded'), 0) AS settled
			FROM payouts WHERE source = ?`, models.BillerAccount(b.Code)).Row().Scan(&l.InTransit, &l.Settled); err != nil {
			return nil, err
		}
		if err := s.DB.WithContext(ctx).Raw(`SELECT count(*), count(*) FILTER (WHERE notice_state <> 'delivered')
			FROM bill_payments WHERE biller_code = ?`, b.Code).Row().Scan(&l.Payments, &l.Undelivered); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Settle pays everything on biller:<code> to the biller's bank account
// through the payouts path (an operator's action, audited; the daily job's
// with models.System).
//
// Errors: EFORBIDDEN unless actor is an operator or the system; ENOTFOUND
// for no such biller; EINVALID (field amount) when less than the payouts'
// minimum is there.
func (s *Service) Settle(ctx context.Context, actor models.Actor, code string) (*payouts.Payout, error) {
	if !actor.IsOperator() && !actor.IsSystem() {
		return nil, errForbidden
	}
	var out *payouts.Payout
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var b Biller
		res := tx.WithContext(ctx).Raw("SELECT * FROM billers WHERE code = ? FOR UPDATE", code).Scan(&b)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No such biller.")
		}
		bal, err := ledger.Balance(ctx, tx, models.BillerAccount(code))
		if err != nil {
			return err
		}
		if bal.LessThan(payouts.Minimum) {
			return models.FieldError("amount", "Nothing to settle: %s holds %s.", b.Name, bal.Display())
		}
		if out, err = s.Payouts.SettleBiller(ctx, tx, code, bal, b.BankAccount, b.BankHolder); err != nil {
			return err
		}
		var who *models.Actor
		if actor.IsOperator() {
			who = &actor
		}
		return audit.Record(ctx, tx, who, "biller.settle", "biller:"+code, map[string]any{"payout_id": out.ID, "amount": bal.String()})
	})
	return out, err
}

// SettleAll settles every biller holding at least the payouts' minimum
// (the daily job); it returns how many it settled.
func (s *Service) SettleAll(ctx context.Context) (int, error) {
	var codes []string
	if err := s.DB.WithContext(ctx).Raw("SELECT code FROM billers ORDER BY code").Scan(&codes).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, code := range codes {
		if _, err := s.Settle(ctx, models.System, code); err != nil {
			if models.ErrorCode(err) == models.EINVALID {
				continue // nothing to settle
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// SettleArgs is the daily job that settles the billers.
type SettleArgs struct{}

// Kind names the job.
func (SettleArgs) Kind() string { return "bills_settle" }

// SettleWorker runs SettleArgs.
type SettleWorker struct {
	river.WorkerDefaults[SettleArgs]
	Bills *Service
}

// Work settles.
func (w *SettleWorker) Work(ctx context.Context, _ *river.Job[SettleArgs]) error {
	_, err := w.Bills.SettleAll(ctx)
	return err
}

// Schedule is the wait after each failed try of a payment notice.
var Schedule = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour}

// NoticeArgs is the job that sends a payment notice.
type NoticeArgs struct {
	PaymentID string `json:"payment_id"`
}

// Kind names the job.
func (NoticeArgs) Kind() string { return "bill_notice" }

// InsertOpts: the gateway's queue of outbound notifications, one try more
// than the schedule; one job per payment while it waits or runs.
func (NoticeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueGateway, MaxAttempts: len(Schedule) + 1,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// NoticeWorker runs NoticeArgs.
type NoticeWorker struct {
	river.WorkerDefaults[NoticeArgs]
	Bills *Service
}

// Work makes one try.
func (w *NoticeWorker) Work(ctx context.Context, job *river.Job[NoticeArgs]) error {
	return w.Bills.Deliver(ctx, job.Args.PaymentID, job.Attempt >= job.MaxAttempts)
}

// NextRetry follows Schedule.
func (w *NoticeWorker) NextRetry(job *river.Job[NoticeArgs]) time.Time {
	i := min(max(job.Attempt-1, 0), len(Schedule)-1)
	return time.Now().Add(Schedule[i])
}

// Timeout bounds one try.
func (w *NoticeWorker) Timeout(*river.Job[NoticeArgs]) time.Duration { return 30 * time.Second }

// Deliver makes one try of a payment's notice (the job's body): nothing
// when it was delivered; else it signs and sends it, records the try, and
// returns an error unless the biller acknowledged it (River then tries again
// by the schedule; last says this was the last try, which leaves the notice
// failed). No transaction is open during the call.
func (s *Service) Deliver(ctx context.Context, paymentID string, last bool) error {
	p, err := s.payment(ctx, s.DB, paymentID)
	if err != nil {
		if models.ErrorCode(err) == models.ENOTFOUND {
			return nil
		}
		return err
	}
	if p.NoticeState == NoticeDelivered {
		return nil
	}
	var b Biller
	if err := s.DB.WithContext(ctx).Table("billers").Where("code = ?", p.BillerCode).Take(&b).Error; err != nil {
		return err
	}
	ack, err := s.client(&b).Notify(ctx, bankbridge.BillPaymentNotice{PaymentID: p.ID, ReceiptNo: p.ReceiptNo, Account: p.Account,
		Amount: p.Amount, PaidAt: p.CreatedAt})
	dctx := context.WithoutCancel(ctx)
	if err == nil {
		return s.DB.WithContext(dctx).Exec(`UPDATE bill_payments SET notice_state = 'delivered', notice_tries = notice_tries + 1,
			notice_error = '', owed_after = ?, delivered_at = ? WHERE id = ?`, ack.Owed, s.now(), p.ID).Error
	}
	state := NoticeRetrying
	if last {
		state = NoticeFailed
	}
	msg := err.Error()
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300])
	}
	if uerr := s.DB.WithContext(dctx).Exec(`UPDATE bill_payments SET notice_state = ?, notice_tries = notice_tries + 1, notice_error = ?
		WHERE id = ? AND notice_state <> 'delivered'`, state, msg, p.ID).Error; uerr != nil {
		return errors.Join(err, uerr)
	}
	return fmt.Errorf("bill notice %s: %w", p.ID, err)
}

// Resend queues a failed notice once more with a fresh schedule (operators).
//
// Errors: EFORBIDDEN unless actor is an operator; ENOTFOUND; ECONFLICT when
// it was delivered.
func (s *Service) Resend(ctx context.Context, actor models.Actor, paymentID string) error {
	if !actor.IsOperator() {
		return errForbidden
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		p, err := s.payment(ctx, tx, paymentID)
		if err != nil {
			return err
		}
		if p.NoticeState == NoticeDelivered {
			return models.Errorf(models.ECONFLICT, "The biller has acknowledged this payment already.")
		}
		if _, err := s.Queue.InsertTx(ctx, tx, NoticeArgs{PaymentID: p.ID}, nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, "bill.resend_notice", "bill:"+p.ID, nil)
	})
}
