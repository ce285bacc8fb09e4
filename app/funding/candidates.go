package funding

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"lineescrow/models"
)

// Candidates are the buyers and orders an operator may assign a transfer in
// suspense to, found by a search (a name, a phone number, an order number or a
// payment reference) or, with no search, suggested from the transfer itself.
type Candidates struct {
	BankTxnID string       `json:"bank_txn_id"`
	Amount    models.Money `json:"amount" doc:"what is left in suspense of the transfer"`
	Query     string       `json:"query"`
	// Suggested: no search was given, so these are the buyers named as the
	// payer, the orders awaiting exactly this amount and those whose payment
	// reference is one typo away from a number in the memo.
	Suggested bool             `json:"suggested"`
	Buyers    []BuyerCandidate `json:"buyers"`
	Orders    []OrderCandidate `json:"orders"`
}

// BuyerCandidate is a buyer whose balance could take the transfer.
type BuyerCandidate struct {
	UserID      int64  `json:"user_id"`
	DisplayName string `json:"display_name"`
	// PhoneMasked is the login number with its middle hidden.
	PhoneMasked string `json:"phone_masked"`
	Frozen      bool   `json:"frozen"`
	Why         string `json:"why" enum:"name,phone,topup_reference" doc:"what matched"`
}

// OrderCandidate is an order the transfer could pay.
type OrderCandidate struct {
	OrderID      int64        `json:"order_id"`
	PayReference string       `json:"pay_reference"`
	Amount       models.Money `json:"amount"`
	State        string       `json:"state" doc:"the order's state: only an order awaiting payment is paid by it; otherwise the money goes to the buyer's balance"`
	BuyerID      int64        `json:"buyer_id"`
	BuyerName    string       `json:"buyer_name"`
	CreatedAt    time.Time    `json:"created_at"`
	Why          string       `json:"why" enum:"order_number,reference,near_reference,consignee_phone,buyer,amount" doc:"what matched"`
}

// candidateLimit bounds each list of candidates.
const candidateLimit = 20

// SuspenseCandidates searches the buyers and orders a transfer in suspense
// could be assigned to. q is a name (part of a buyer's name), a phone number
// (part of a buyer's login, or an order's consignee phone), an order number,
// or a payment reference (an order's, or a buyer's top-up reference; a
// reference with one mistyped digit or two swapped neighbours finds the
// orders it could have meant). An empty q suggests candidates from the
// transfer: buyers named as the payer, orders awaiting exactly its amount,
// orders one typo away from a number of its memo. Every search reads an
// index (users' trigram indexes, orders' keys and reference, the partial
// index of orders awaiting payment by amount).
//
// Errors: EFORBIDDEN unless operator; ENOTFOUND for an unknown bank
// transaction; ECONFLICT when it is no longer in suspense; EINVALID (field q)
// for a search of fewer than two characters.
func (s *Service) SuspenseCandidates(ctx context.Context, actor models.Actor, txnID, q string) (*Candidates, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	db := s.DB.WithContext(ctx)
	var c Credit
	res := db.Table("bank_credits").Where("bank_txn_id = ?", txnID).Limit(1).Find(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("candidates of %s: %w", txnID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such bank transaction.")
	}
	if !c.inSuspense() {
		return nil, models.Errorf(models.ECONFLICT, "This transfer is no longer in suspense.")
	}
	q = strings.TrimSpace(q)
	out := &Candidates{BankTxnID: txnID, Amount: c.ToSuspense.Sub(c.ReversedSuspense), Query: q,
		Buyers: []BuyerCandidate{}, Orders: []OrderCandidate{}}
	f := &finder{s: s, ctx: ctx, out: out, seenB: map[int64]bool{}, seenO: map[int64]bool{}}
	if q == "" {
		out.Suggested = true
		if err := f.suggest(&c); err != nil {
			return nil, fmt.Errorf("candidates of %s: %w", txnID, err)
		}
		return out, nil
	}
	if len([]rune(q)) < 2 {
		return nil, models.FieldError("q", "Enter at least two characters: a name, a phone number, an order number or a payment reference.")
	}
	if err := f.search(q); err != nil {
		return nil, fmt.Errorf("candidates of %s: %w", txnID, err)
	}
	return out, nil
}

// finder collects candidates once each, in the order found.
type finder struct {
	s            *Service
	ctx          context.Context
	out          *Candidates
	seenB, seenO map[int64]bool
}

// digitsOf is q without the spaces, dashes, brackets and '#' people write
// numbers with, and whether nothing else is left.
func digitsOf(q string) (string, bool) {
	d := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '#' || r == '　':
			return -1
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		}
		return r
	}, q)
	return d, d != "" && strings.Trim(d, "0123456789") == ""
}

const buyerCols = `id, display_name, login, frozen`

type buyerRow struct {
	ID          int64
	DisplayName string
	Login       string
	Frozen      bool
}

func (f *finder) buyers(why, where string, args ...any) error {
	var rows []buyerRow
	if err := f.s.DB.WithContext(f.ctx).Raw(`SELECT `+buyerCols+` FROM users WHERE role = 'buyer' AND `+where+
		` ORDER BY id DESC LIMIT ?`, append(args, candidateLimit)...).Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if f.seenB[r.ID] || len(f.out.Buyers) >= candidateLimit {
			continue
		}
		f.seenB[r.ID] = true
		f.out.Buyers = append(f.out.Buyers, BuyerCandidate{UserID: r.ID, DisplayName: r.DisplayName,
			PhoneMasked: models.MaskPhone(r.Login), Frozen: r.Frozen, Why: why})
	}
	return nil
}

type orderRow struct {
	ID           int64
	PayReference string
	Amount       models.Money
	State        string
	BuyerID      int64
	BuyerName    string
	CreatedAt    time.Time
}

// orders adds the orders matching where (on orders o), those awaiting
// payment first. Orders nobody has taken (a merchant's, before its customer
// signed in) have no buyer to credit and are left out.
func (f *finder) orders(why, where string, args ...any) error {
	var rows []orderRow
	if err := f.s.DB.WithContext(f.ctx).Raw(`SELECT o.id, o.pay_reference, o.amount, o.state, o.buyer_id, u.display_name AS buyer_name, o.created_at
		FROM orders o JOIN users u ON u.id = o.buyer_id
		WHERE `+where+` ORDER BY (o.state = 'awaiting_payment') DESC, o.id DESC LIMIT ?`, append(args, candidateLimit)...).
		Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if f.seenO[r.ID] || len(f.out.Orders) >= candidateLimit {
			continue
		}
		f.seenO[r.ID] = true
		f.out.Orders = append(f.out.Orders, OrderCandidate{OrderID: r.ID, PayReference: r.PayReference, Amount: r.Amount,
			State: r.State, BuyerID: r.BuyerID, BuyerName: r.BuyerName, CreatedAt: r.CreatedAt, Why: why})
	}
	return nil
}

// ordersOfBuyers adds the orders of the buyers found so far.
func (f *finder) ordersOfBuyers() error {
	if len(f.out.Buyers) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(f.out.Buyers))
	for _, b := range f.out.Buyers {
		ids = append(ids, b.UserID)
	}
	return f.orders("buyer", "o.buyer_id IN ?", ids)
}

// search finds candidates for what the operator typed.
func (f *finder) search(q string) error {
	if ref, kind := models.FindReference(q); kind == models.RefOrder {
		if err := f.orders("reference", "o.pay_reference = ?", ref); err != nil {
			return err
		}
	} else if kind == models.RefWallet {
		if err := f.buyers("topup_reference", "topup_reference = ?", ref); err != nil {
			return err
		}
	}
	d, digits := digitsOf(q)
	if !digits {
		name := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q)
		if err := f.buyers("name", "display_name ILIKE ?", "%"+name+"%"); err != nil {
			return err
		}
		return f.ordersOfBuyers()
	}
	if len(d) <= 18 {
		if n, err := strconv.ParseInt(d, 10, 64); err == nil && n > 0 {
			if err := f.orders("order_number", "o.id = ?", n); err != nil {
				return err
			}
		}
	}
	if len(d) == 9 && !models.ValidReference(d) {
		if err := f.nearReferences(d); err != nil {
			return err
		}
	}
	if len(d) >= 4 {
		if err := f.buyers("phone", "login LIKE ?", "%"+d+"%"); err != nil {
			return err
		}
		if err := f.orders("consignee_phone", "o.consignee_phone = ?", d); err != nil {
			return err
		}
		return f.ordersOfBuyers()
	}
	return nil
}

// nearReferences adds the orders whose reference is the nine digits d with
// one digit changed or two neighbours swapped (and so a valid reference).
func (f *finder) nearReferences(d string) error {
	near := models.NearReferences(d)
	if len(near) == 0 {
		return nil
	}
	return f.orders("near_reference", "o.pay_reference IN ?", near)
}

// suggest proposes candidates from the transfer itself.
func (f *finder) suggest(c *Credit) error {
	for _, word := range strings.FieldsFunc(c.Reference, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(word) == 9 && !models.ValidReference(word) {
			if err := f.nearReferences(word); err != nil {
				return err
			}
		}
	}
	if err := f.orders("amount", "o.state = 'awaiting_payment' AND o.amount = ?", f.out.Amount); err != nil {
		return err
	}
	if name := strings.TrimSpace(c.PayerName); name != "" {
		if err := f.buyers("name", "display_name = ?", name); err != nil {
			return err
		}
	}
	return nil
}
