package telecomsim

import (
	"lineescrow/bankbridge/billsim"
	"lineescrow/models"
)

// The operator's own bills (phone and broadband) of the demo lines: what
// each line owes the operator for its service, apart from the platform's
// charges. A line flagged in arrears owes its unpaid bills; paying them
// (through the billers' protocol, billsim, which Bills serves) lowers what
// it owes, and once nothing is left the line is no longer in arrears.
var demoBills = map[string]models.Money{
	LineBuyer:     models.MustParseMoney("59.00"),
	LineClassB:    models.MustParseMoney("45.00"),
	LineClassC:    models.MustParseMoney("39.90"),
	LineInArrears: models.MustParseMoney("128.60"),
}

// Bills is the operator's book of phone and broadband bills, the accounts
// being the landline numbers (billsim.Book).
type Bills struct{ s *Sim }

// Bills returns the operator's book of phone and broadband bills.
func (s *Sim) Bills() *Bills { return &Bills{s: s} }

// period is the bill's month: the last one (Asia/Shanghai).
func (s *Sim) period() string {
	t := s.cfg.Now().In(models.Shanghai)
	return t.AddDate(0, 0, -t.Day()).Format("2006-01")
}

// Bill says what a line owes for its service.
func (b *Bills) Bill(account string) (holder string, owed models.Money, period string, ok bool) {
	p, ok := normalize(account)
	if !ok {
		return "", models.Zero, "", false
	}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	l := b.s.byPhone[p]
	if l == nil || l.Status == "closed" {
		return "", models.Zero, "", false
	}
	return l.Holder, l.owed, b.s.period(), true
}

// Pay applies a payment to a line's bill; paid in full, the line is out of
// arrears.
func (b *Bills) Pay(account string, amount models.Money) (models.Money, bool) {
	p, ok := normalize(account)
	if !ok {
		return models.Zero, false
	}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	l := b.s.byPhone[p]
	if l == nil {
		return models.Zero, false
	}
	l.owed = l.owed.Sub(amount)
	if !l.owed.IsPositive() {
		l.owed = models.Zero
		l.InArrears = false
	}
	return l.owed, true
}

// List lists the lines that owe something or once did (billsim.Book).
func (b *Bills) List() []billsim.Account {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	var out []billsim.Account
	for _, l := range b.s.lines {
		if _, ok := demoBills[l.Phone]; ok || l.owed.IsPositive() {
			out = append(out, billsim.Account{Number: l.Phone, Holder: l.Holder, Owed: l.owed, Period: b.s.period()})
		}
	}
	return out
}

var _ billsim.Book = (*Bills)(nil)

// Owed is what a line owes the operator for its service now.
func (s *Sim) Owed(phone string) models.Money {
	_, owed, _, _ := s.Bills().Bill(phone)
	return owed
}
