// Package telecomsim simulates the telecom operator's front-end processor
// (前置机), the operator's side of contracts/telecom-frontend.md, for the demo
// and the tests: a directory of demo landlines of every kind, the API the
// platform calls, signed callbacks, and a page of controls that play the
// operator's billing month.
//
// The API (under Config.Prefix, e.g. /sim/telecom/v1/…) checks the Bearer key
// on every call and wants an Idempotency-Key on every POST: the same key with
// the same body answers the first answer again without acting, the same key
// with another body (or on another path) is 409. It enforces what the
// operator enforces: 5 holder checks per number per day (Asia/Shanghai; a
// right answer does not reset the count), and 3000.00 of charges per line per
// bill cycle.
//
// The billing rhythm: a charge accepted in month M is on the bill of cycle
// M+1 (Asia/Shanghai months), or of the first later cycle still open when
// cycle M+1 was already closed with the controls. The controls then play what
// the operator's month does, each sending the contract's callbacks:
//
//   - close a cycle: its bills are issued, charge.billed for each charge;
//   - mark a bill paid (charge.collected), overdue (charge.overdue, the
//     operator's late fee of 0.3 % a day), advance 10 days (charge.overdue
//     again for every overdue bill), write it off (charge.written_off);
//   - settle a cycle: bills still unpaid go overdue (the deadline has
//     passed), the settlement report is fixed, cycle.settled is sent and the
//     money goes to the platform's bank account through Config.Bank with
//     the settlement reference as memo.
//
// A settlement, as this simulator reads the contract: one line per charge of
// the cycle with its status then (collected, overdue, written_off,
// cancelled) and its late fee; a charge collected after its own cycle was
// settled is a collected line of the next settlement; a bill credit is a
// credited line (amount = the credit) of the first settlement at or after its
// own cycle in which its charge's collection has been paid over, and is
// deducted there; a credit on a charge never collected is never deducted.
// total_collected = collected amounts + their late fees − credited lines (a
// cycle never goes below zero: a credit that would take it there waits for
// the next one).
// The transfer is total_collected less the operator's commission of 1.5 %,
// rounded half-up to the fen.
//
// State lives in memory: a restarted simulator starts from the demo
// directory and cards again. Callbacks go through bankbridge/deliver (the
// contract's retry schedule, nothing sent between Flush calls), so tests
// decide when each attempt happens. Card PINs, ID numbers and the codes read
// to a line are shown on the page (it plays the subscriber) and never logged.
package telecomsim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"lineescrow/app/config"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/deliver"
	"lineescrow/models"
)

// The operator's rules.
var (
	// LineLimit is the operator's own limit of charges per line per bill cycle.
	LineLimit = models.MustParseMoney("3000.00")
	// HolderChecksPerDay is how many verify-holder tries a number gets a day.
	HolderChecksPerDay = 5
	// Commission is the operator's share of what it collects.
	Commission = models.RateOfFraction(decimal.New(15, -3))
	// LateFeePerDay is the operator's late fee on an overdue bill, per day.
	LateFeePerDay = decimal.New(3, -3)
)

// The operator's settlement account, the payer of the settlement transfers.
const (
	OperatorAccount = "3706010100000530"
	OperatorName    = "菏泽固话运营商结算中心"
)

// Charge statuses.
const (
	StatusAccepted   = "accepted"
	StatusBilled     = "billed"
	StatusCollected  = "collected"
	StatusOverdue    = "overdue"
	StatusWrittenOff = "written_off"
	StatusCancelled  = "cancelled"
)

// Bank receives the settlement money: the bank simulator's Transfer, which
// books a credit on the platform's collection account and sends the bank's
// transfer.received.
type Bank interface {
	Transfer(banksim.TransferInput) *banksim.Credit
}

// Config configures a simulator.
type Config struct {
	WebhookURL string // the platform's /webhooks/telecom
	Secret     string // whsec_… shared with the platform (the telecom one)
	APIKey     string // Bearer key the platform uses on the API
	Prefix     string // path the simulator is mounted at, e.g. /sim/telecom
	Client     *http.Client
	Now        func() time.Time
	Log        *slog.Logger
	Bank       Bank // nil: settlements send no money (the page says so)
}

// Sim is the simulated front-end.
type Sim struct {
	cfg Config
	q   *deliver.Queue

	mu       sync.Mutex
	seq      int
	lines    []*line
	byPhone  map[string]*line
	charges  []*Charge
	byCharge map[string]*Charge
	credits  []*Credit
	byCredit map[string]*Credit
	cards    []*Card
	byCard   map[string]*Card
	cycles   map[string]*cycle
	tries    map[string]int // phone and day → holder checks
	idem     map[string]idem
	stall    int
}

type line struct {
	Subscriber
	code   string
	codeAt time.Time
	owed   models.Money // the operator's own bill (bills.go)
}

type cycle struct {
	closedAt   time.Time
	settlement *Settlement
}

type idem struct {
	hash   [32]byte
	status int
	body   []byte
}

// Charge is a billing work order.
type Charge struct {
	ID, WorkOrderID, Phone string
	Amount                 models.Money
	Merchant, Description  string
	Cycle                  string // the bill that carries it
	Status                 string // accepted, billed, collected, overdue, written_off, cancelled
	AcceptedAt             time.Time
	BilledAt               time.Time
	CollectedAt            time.Time
	DaysOverdue            int
	LateFee                models.Money // accrued while overdue; paid with the bill
	Credited               models.Money // bill credits against it
	PaidOver               string       // the cycle whose settlement paid its collection to the platform
}

// Credit is a bill credit.
type Credit struct {
	ID, WorkOrderID, ChargeID, Phone string
	Amount                           models.Money
	Reason                           string
	Cycle                            string // the bill that carries it
	At                               time.Time
	Deducted                         string // the cycle whose settlement deducted it
}

// Settlement is a settled cycle: the report the API serves, and what the
// operator kept and sent.
type Settlement struct {
	bankbridge.Settlement
	Commission models.Money
	Amount     models.Money // sent to the platform: TotalCollected − Commission
	SettledAt  time.Time
	BankTxnID  string // the bank's credit that carried Amount; "" when none was sent
}

// New returns a simulator holding the demo directory and cards. Errors: a
// malformed secret, no API key.
func New(cfg Config) (*Sim, error) {
	key, err := config.WebhookKey(cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("telecom simulator: secret: %w", err)
	}
	if cfg.APIKey == "" {
		return nil, errors.New("telecom simulator: an API key is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Prefix = strings.TrimRight(cfg.Prefix, "/")
	s := &Sim{cfg: cfg, q: deliver.New(deliver.Config{URL: cfg.WebhookURL, Key: key, Client: cfg.Client, Now: cfg.Now}),
		byPhone: map[string]*line{}, byCharge: map[string]*Charge{}, byCredit: map[string]*Credit{}, byCard: map[string]*Card{},
		cycles: map[string]*cycle{}, tries: map[string]int{}, idem: map[string]idem{}}
	for _, sub := range DemoSubscribers() {
		l := &line{Subscriber: sub, owed: demoBills[sub.Phone]}
		s.lines = append(s.lines, l)
		s.byPhone[sub.Phone] = l
	}
	for _, c := range DemoCards() {
		s.cards = append(s.cards, &c)
		s.byCard[c.Number] = &c
	}
	return s, nil
}

// Run delivers callbacks until ctx ends.
func (s *Sim) Run(ctx context.Context) { s.q.Run(ctx) }

// Flush attempts every callback that is due and waits for the attempts.
func (s *Sim) Flush(ctx context.Context) { s.q.Flush(ctx) }

// Deliveries lists the callbacks, newest first.
func (s *Sim) Deliveries() []deliver.Delivery { return s.q.List() }

func (s *Sim) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

// nextID returns prefix + the Shanghai date + a sequence number; s.mu is held.
func (s *Sim) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%s%05d", prefix, s.cfg.Now().In(models.Shanghai).Format("20060102"), s.seq)
}

// send queues a callback; s.mu is held.
func (s *Sim) send(typ string, data any) {
	d, err := json.Marshal(data)
	if err != nil {
		panic(err) // our own structs always marshal
	}
	id := s.nextID("evt_tel_")
	body, err := json.Marshal(bankbridge.Event{ID: id, Type: typ, CreatedAt: s.now(), Data: d})
	if err != nil {
		panic(err)
	}
	s.q.Add(id, typ, body)
}

// cycle returns the state of cycle k, creating it; s.mu is held.
func (s *Sim) cycle(k string) *cycle {
	c := s.cycles[k]
	if c == nil {
		c = &cycle{}
		s.cycles[k] = c
	}
	return c
}

// billCycle is the bill that carries what is accepted at t: the month after
// t's month in Asia/Shanghai, or the first later cycle still open; s.mu is held.
func (s *Sim) billCycle(t time.Time) string {
	m := t.In(models.Shanghai)
	c := time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, models.Shanghai)
	for {
		k := c.Format("2006-01")
		if cy := s.cycles[k]; cy == nil || cy.closedAt.IsZero() {
			return k
		}
		c = c.AddDate(0, 1, 0)
	}
}

// inArrears: the directory's flag, or a bill of the line's overdue; s.mu is held.
func (s *Sim) inArrears(l *line) bool {
	if l.InArrears {
		return true
	}
	for _, c := range s.charges {
		if c.Phone == l.Phone && c.Status == StatusOverdue {
			return true
		}
	}
	return false
}

func lateFee(amount models.Money, days int) models.Money {
	return models.RoundFen(amount.Decimal().Mul(LateFeePerDay).Mul(decimal.NewFromInt(int64(days))))
}

func cycleError(k string) error {
	if !bankbridge.ValidCycle(k) {
		return models.Errorf(models.EINVALID, "Enter a cycle as YYYY-MM.")
	}
	return nil
}

// CloseCycle issues the bills of cycle k: each accepted charge of it is
// billed (charge.billed); later charges go to the next open cycle. It returns
// how many charges were billed. Errors: EINVALID (not YYYY-MM), ECONFLICT
// (already closed).
func (s *Sim) CloseCycle(k string) (int, error) {
	if err := cycleError(k); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cy := s.cycle(k)
	if !cy.closedAt.IsZero() {
		return 0, models.Errorf(models.ECONFLICT, "Cycle %s is already closed.", k)
	}
	now := s.now()
	cy.closedAt = now
	n := 0
	for _, c := range s.charges {
		if c.Cycle == k && c.Status == StatusAccepted {
			c.Status, c.BilledAt = StatusBilled, now
			s.send(bankbridge.ChargeBilled, bankbridge.Billed{ChargeID: c.ID, WorkOrderID: c.WorkOrderID, BillCycle: k, BilledAt: now})
			n++
		}
	}
	return n, nil
}

// charge finds a charge for a control; s.mu is held.
func (s *Sim) charge(id string, from ...string) (*Charge, error) {
	c := s.byCharge[id]
	if c == nil {
		return nil, models.Errorf(models.ENOTFOUND, "No charge %s.", id)
	}
	for _, st := range from {
		if c.Status == st {
			return c, nil
		}
	}
	return nil, models.Errorf(models.ECONFLICT, "Charge %s cannot do that now.", id)
}

// MarkPaid records that the subscriber paid the bill carrying the charge,
// late fee included when it was overdue (charge.collected). Errors:
// ENOTFOUND, ECONFLICT (not billed, or already ended).
func (s *Sim) MarkPaid(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.charge(id, StatusBilled, StatusOverdue)
	if err != nil {
		return err
	}
	c.Status, c.CollectedAt = StatusCollected, s.now()
	s.send(bankbridge.ChargeCollected, bankbridge.Collected{ChargeID: c.ID, WorkOrderID: c.WorkOrderID, CollectedAt: c.CollectedAt})
	return nil
}

// MarkOverdue records that the bill carrying the charge went unpaid past its
// due date: 1 day overdue, the line in arrears (charge.overdue). Errors:
// ENOTFOUND, ECONFLICT (not a billed, unpaid charge).
func (s *Sim) MarkOverdue(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.charge(id, StatusBilled)
	if err != nil {
		return err
	}
	s.overdue(c)
	return nil
}

// overdue puts a billed charge 1 day overdue; s.mu is held.
func (s *Sim) overdue(c *Charge) {
	c.Status, c.DaysOverdue, c.LateFee = StatusOverdue, 1, lateFee(c.Amount, 1)
	s.send(bankbridge.ChargeOverdue, bankbridge.Overdue{ChargeID: c.ID, WorkOrderID: c.WorkOrderID, DaysOverdue: 1, LateFeeAccrued: c.LateFee})
}

// AdvanceTenDays lets 10 days pass for the overdue bills: each accrues 10
// more days of late fee and is reported again (charge.overdue). It returns
// how many were.
func (s *Sim) AdvanceTenDays() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.charges {
		if c.Status == StatusOverdue {
			c.DaysOverdue += 10
			c.LateFee = lateFee(c.Amount, c.DaysOverdue)
			s.send(bankbridge.ChargeOverdue, bankbridge.Overdue{ChargeID: c.ID, WorkOrderID: c.WorkOrderID, DaysOverdue: c.DaysOverdue, LateFeeAccrued: c.LateFee})
			n++
		}
	}
	return n
}

// WriteOff gives up collecting a billed charge (charge.written_off). Errors:
// ENOTFOUND, ECONFLICT (not a billed, unpaid charge).
func (s *Sim) WriteOff(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.charge(id, StatusBilled, StatusOverdue)
	if err != nil {
		return err
	}
	c.Status = StatusWrittenOff
	s.send(bankbridge.ChargeWrittenOff, bankbridge.WrittenOff{ChargeID: c.ID, WorkOrderID: c.WorkOrderID})
	return nil
}

// SettleCycle settles closed cycle k (see the package documentation): bills
// still unpaid go overdue, the report is fixed, cycle.settled is sent, and
// the amount, when positive, is transferred to the platform through
// Config.Bank with the settlement reference as memo. Errors: EINVALID,
// ECONFLICT (not closed yet, or already settled).
func (s *Sim) SettleCycle(k string) (*Settlement, error) {
	if err := cycleError(k); err != nil {
		return nil, err
	}
	s.mu.Lock()
	cy := s.cycle(k)
	switch {
	case cy.settlement != nil:
		s.mu.Unlock()
		return nil, models.Errorf(models.ECONFLICT, "Cycle %s is already settled.", k)
	case cy.closedAt.IsZero():
		s.mu.Unlock()
		return nil, models.Errorf(models.ECONFLICT, "Cycle %s is not closed yet: close it (issue its bills) first.", k)
	}
	st := &Settlement{Settlement: bankbridge.Settlement{Cycle: k, SettlementReference: "TELSET" + strings.ReplaceAll(k, "-", ""),
		Lines: []bankbridge.SettlementLine{}}, SettledAt: s.now()}
	total := models.Zero
	collected := func(c *Charge) {
		total = total.Add(c.Amount).Add(c.LateFee)
		c.PaidOver = k
	}
	for _, c := range s.charges {
		if c.Cycle != k {
			continue
		}
		if c.Status == StatusBilled {
			s.overdue(c) // the collection deadline has passed
		}
		st.Lines = append(st.Lines, bankbridge.SettlementLine{WorkOrderID: c.WorkOrderID, ChargeID: c.ID, Amount: c.Amount, Status: c.Status, LateFee: c.LateFee})
		if c.Status == StatusCollected {
			collected(c)
		}
	}
	// Collected after their own cycle was settled: paid over now.
	for _, c := range s.charges {
		if c.Cycle != k && c.Status == StatusCollected && c.PaidOver == "" && s.cycles[c.Cycle] != nil && s.cycles[c.Cycle].settlement != nil {
			st.Lines = append(st.Lines, bankbridge.SettlementLine{WorkOrderID: c.WorkOrderID, ChargeID: c.ID, Amount: c.Amount, Status: bankbridge.SettlementCollected, LateFee: c.LateFee})
			collected(c)
		}
	}
	for _, cr := range s.credits {
		if cr.Deducted != "" || cr.Cycle > k || s.byCharge[cr.ChargeID].PaidOver == "" || cr.Amount.GreaterThan(total) {
			continue
		}
		st.Lines = append(st.Lines, bankbridge.SettlementLine{WorkOrderID: cr.WorkOrderID, ChargeID: cr.ChargeID, Amount: cr.Amount, Status: bankbridge.SettlementCredited, LateFee: models.Zero})
		total = total.Sub(cr.Amount)
		cr.Deducted = k
	}
	st.TotalCollected = total
	st.Commission = Commission.Of(total)
	st.Amount = total.Sub(st.Commission)
	cy.settlement = st
	s.send(bankbridge.CycleSettled, bankbridge.Settled{Cycle: k, SettlementReference: st.SettlementReference, Amount: st.Amount})
	s.mu.Unlock()

	// The bank has its own lock: called without ours.
	if st.Amount.IsPositive() {
		if s.cfg.Bank == nil {
			s.cfg.Log.Warn("telecom simulator: no bank connected, the settlement money is not sent", "cycle", k, "amount", st.Amount.String())
		} else if cr := s.cfg.Bank.Transfer(banksim.TransferInput{Account: OperatorAccount, Name: OperatorName, Memo: st.SettlementReference, Amount: st.Amount}); cr != nil {
			s.mu.Lock()
			st.BankTxnID = cr.TxnID
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *st
	return &cp, nil
}

// StallNext makes the next API POST act and then give no answer until the
// caller gives up (at most a minute): the timeout after acting the contract
// warns of.
func (s *Sim) StallNext() {
	s.mu.Lock()
	s.stall++
	s.mu.Unlock()
}

// IssueCard mints a recharge card of face value 50, 100 or 200, valid as the
// demo cards are. Errors: EINVALID (another face value).
func (s *Sim) IssueCard(face models.Money) (Card, error) {
	switch face.String() {
	case "50.00", "100.00", "200.00":
	default:
		return Card{}, models.Errorf(models.EINVALID, "A card is worth 50, 100 or 200.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	month := s.cfg.Now().In(models.Shanghai).Format("200601")
	n := len(s.cards)
	number := ""
	for number == "" || s.byCard[number] != nil {
		n++
		number = fmt.Sprintf("5301%s%06d", month, n)
	}
	// A PIN the page shows; derived from the number so tests can repeat it.
	h := sha256.Sum256([]byte("pin:" + number))
	c := &Card{Number: number, PIN: fmt.Sprintf("%08d", binary.BigEndian.Uint32(h[:4])%100000000), Face: face, Expires: demoCardsLast}
	s.cards = append(s.cards, c)
	s.byCard[c.Number] = c
	return *c, nil
}

// LineState is a line of the directory as it stands.
type LineState struct {
	Subscriber
	InArrearsNow bool         // the directory's flag or an overdue bill
	Bill         models.Money // the operator's own phone and broadband bill (bills.go)
	LastCode     string       // the last code a verification call read to the line
	CodeAt       time.Time    // when
	ChecksToday  int          // holder checks today
	Charges      []Charge
	Credits      []Credit
}

// Lines lists the directory with each line's last code and charges.
func (s *Sim) Lines() []LineState {
	s.mu.Lock()
	defer s.mu.Unlock()
	day := s.cfg.Now().In(models.Shanghai).Format("2006-01-02")
	out := make([]LineState, 0, len(s.lines))
	for _, l := range s.lines {
		ls := LineState{Subscriber: l.Subscriber, InArrearsNow: s.inArrears(l), Bill: l.owed, LastCode: l.code, CodeAt: l.codeAt, ChecksToday: s.tries[l.Phone+"|"+day]}
		for _, c := range s.charges {
			if c.Phone == l.Phone {
				ls.Charges = append(ls.Charges, *c)
			}
		}
		for _, c := range s.credits {
			if c.Phone == l.Phone {
				ls.Credits = append(ls.Credits, *c)
			}
		}
		out = append(out, ls)
	}
	return out
}

// LastCode returns the last code a verification call read to phone (digits or
// with separators), or "".
func (s *Sim) LastCode(phone string) string {
	p, _ := normalize(phone)
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.byPhone[p]; l != nil {
		return l.code
	}
	return ""
}

// CycleState is a bill cycle as it stands.
type CycleState struct {
	Cycle      string
	Charges    int
	Amount     models.Money // of the charges not cancelled
	Closed     bool
	Settlement *Settlement // a copy, once settled
}

// Cycles lists the cycles that carry charges or credits, or were closed,
// latest first.
func (s *Sim) Cycles() []CycleState {
	s.mu.Lock()
	defer s.mu.Unlock()
	by := map[string]*CycleState{}
	get := func(k string) *CycleState {
		if by[k] == nil {
			by[k] = &CycleState{Cycle: k}
			if cy := s.cycles[k]; cy != nil {
				by[k].Closed = !cy.closedAt.IsZero()
				if cy.settlement != nil {
					cp := *cy.settlement // SettleCycle still writes BankTxnID after the report is fixed
					by[k].Settlement = &cp
				}
			}
		}
		return by[k]
	}
	for k, cy := range s.cycles {
		if !cy.closedAt.IsZero() {
			get(k)
		}
	}
	for _, c := range s.charges {
		cs := get(c.Cycle)
		cs.Charges++
		if c.Status != StatusCancelled {
			cs.Amount = cs.Amount.Add(c.Amount)
		}
	}
	for _, c := range s.credits {
		get(c.Cycle)
	}
	out := make([]CycleState, 0, len(by))
	for _, cs := range by {
		out = append(out, *cs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cycle > out[j].Cycle })
	return out
}

// Cards lists the recharge cards.
func (s *Sim) Cards() []Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Card, 0, len(s.cards))
	for _, c := range s.cards {
		out = append(out, *c)
	}
	return out
}

// normalize reads a landline number as people write it ("0530-5551234",
// "0530 555 1234") into digits; ok is false for anything else.
func normalize(phone string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(phone) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ':
		default:
			return "", false
		}
	}
	d := b.String()
	return d, len(d) >= 7 && len(d) <= 12
}
