// Package clawback keeps what people owe the platform after the bank recalled
// a payment whose money had already been spent or paid out (a chargeback in
// card terms). The amount is booked on the person's clawback:<user> account
// (an asset: a receivable) by the reversal that found it missing, and a case
// is opened. An operator then decides: recover it from the next money that
// reaches the person's wallet or seller balance, or write it off as the
// platform's bad debt. Both are audited.
//
// Recovery happens in the transaction that credits the person (Sweep), so the
// money never becomes spendable first; clawback:<user> is constrained, so no
// more can ever be recovered than is owed.
package clawback

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/ledger"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Status is where a claw-back is.
type Status string

// Claw-back statuses.
const (
	Open       Status = "open"       // waiting for an operator's decision
	Recovering Status = "recovering" // taken from the person's next credits
	Recovered  Status = "recovered"  // nothing left to recover
	WrittenOff Status = "written_off"
)

// Clawback is one debt of one person, from one reversal.
type Clawback struct {
	ID            int64        `json:"id"`
	ReversalTxnID string       `json:"reversal_txn_id"`
	UserID        int64        `json:"user_id"`
	Source        string       `json:"source"`
	OrderID       *int64       `json:"order_id"`
	Amount        models.Money `json:"amount"`
	Recovered     models.Money `json:"recovered"`
	WrittenOff    models.Money `json:"written_off"`
	Status        Status       `json:"status"`
	CreatedAt     time.Time    `json:"created_at"`
	DecidedAt     *time.Time   `json:"decided_at,omitempty"`
	Note          string       `json:"note"`
	UserName      string       `json:"user_name" gorm:"->"`
}

// Outstanding is what is still owed.
func (c Clawback) Outstanding() models.Money { return c.Amount.Sub(c.Recovered).Sub(c.WrittenOff) }

// Record records, within tx, that userID owes amount after reversal, to be
// recovered from source (wallet:<user> or seller:<user>:available). The
// reversal's own transfer books the amount on clawback:<user>. It returns the
// claw-back's id.
func Record(ctx context.Context, tx *gorm.DB, reversalID string, userID int64, source string, orderID *int64, amount models.Money) (int64, error) {
	var id int64
	err := tx.WithContext(ctx).Raw(`INSERT INTO clawbacks (reversal_txn_id, user_id, source, order_id, amount) VALUES (?, ?, ?, ?, ?)
		RETURNING id`, reversalID, userID, source, orderID, amount).Scan(&id).Error
	if err != nil {
		return 0, fmt.Errorf("open claw-back of user %d: %w", userID, err)
	}
	return id, nil
}

// SweepCredited recovers, within tx, from every wallet or seller balance the
// postings credit whose owner has a claw-back being recovered. Orders and
// funding call it after each transfer that pays a person.
func SweepCredited(ctx context.Context, tx *gorm.DB, postings []models.Posting) error {
	var users []int64
	for _, p := range postings {
		if p.Direction != models.Credit {
			continue
		}
		if id, ok := ownerOf(p.Account); ok {
			users = append(users, id)
		}
	}
	if len(users) == 0 {
		return nil
	}
	return Sweep(ctx, tx, users...)
}

// ownerOf returns the person whose spendable money an account holds.
func ownerOf(code string) (int64, bool) {
	var rest string
	switch {
	case strings.HasPrefix(code, "wallet:"):
		rest = strings.TrimPrefix(code, "wallet:")
	case strings.HasPrefix(code, "seller:") && strings.HasSuffix(code, ":available"):
		rest = strings.TrimSuffix(strings.TrimPrefix(code, "seller:"), ":available")
	default:
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// Sweep recovers what it can, now, for the claw-backs being recovered of the
// given users: from each one's source account, as much as it holds, oldest
// debt first. Each recovery is its own ledger transfer.
func Sweep(ctx context.Context, tx *gorm.DB, userIDs ...int64) error {
	tx = tx.WithContext(ctx)
	var open []Clawback
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Table("clawbacks").
		Where("user_id IN ? AND status = ?", userIDs, Recovering).Order("id").Find(&open).Error; err != nil {
		return fmt.Errorf("sweep claw-backs: %w", err)
	}
	for _, c := range open {
		have, err := ledger.Balance(ctx, tx, c.Source)
		if err != nil {
			return err
		}
		n := have.Min(c.Outstanding())
		if !n.IsPositive() {
			continue
		}
		// In a savepoint: if the money left meanwhile (a concurrent payment),
		// this recovery waits for the next credit; the caller's work goes on.
		err = tx.Transaction(func(sp *gorm.DB) error {
			if _, err := ledger.Post(ctx, sp, models.Transfer{
				Key:  fmt.Sprintf("clawback:%d:%s", c.ID, c.Recovered.Add(c.WrittenOff)),
				Kind: "clawback.recover", Ref: ref(c), Memo: "recovered for reversal " + c.ReversalTxnID,
				Postings: models.Move(c.Source, models.ClawbackAccount(c.UserID), n)}); err != nil {
				return err
			}
			return sp.Exec(`UPDATE clawbacks SET recovered = recovered + ?,
				status = CASE WHEN recovered + ? + written_off >= amount THEN 'recovered' ELSE status END WHERE id = ?`,
				n, n, c.ID).Error
		})
		if err != nil && models.ErrorCode(err) != models.EINSUFFICIENT {
			return fmt.Errorf("recover claw-back %d: %w", c.ID, err)
		}
	}
	return nil
}

func ref(c Clawback) string {
	if c.OrderID != nil {
		return "order:" + strconv.FormatInt(*c.OrderID, 10)
	}
	return "user:" + strconv.FormatInt(c.UserID, 10)
}

// Service gives operators the claw-back queue.
type Service struct{ DB *gorm.DB }

// List returns claw-backs, the unresolved ones (open or recovering) unless all
// is set, newest first.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) List(ctx context.Context, actor models.Actor, all bool) ([]Clawback, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	q := s.DB.WithContext(ctx).Table("clawbacks c").Select("c.*, u.display_name AS user_name").Joins("JOIN users u ON u.id = c.user_id")
	if !all {
		q = q.Where("c.status IN ?", []Status{Open, Recovering})
	}
	var out []Clawback
	if err := q.Order("c.id DESC").Limit(200).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list claw-backs: %w", err)
	}
	return out, nil
}

// Get returns one claw-back. Errors: EFORBIDDEN unless operator; ENOTFOUND.
func (s *Service) Get(ctx context.Context, actor models.Actor, id int64) (*Clawback, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	var c Clawback
	res := s.DB.WithContext(ctx).Table("clawbacks c").Select("c.*, u.display_name AS user_name").
		Joins("JOIN users u ON u.id = c.user_id").Where("c.id = ?", id).Limit(1).Find(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("claw-back %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No claw-back %d.", id)
	}
	return &c, nil
}

// decide locks an undecided claw-back, runs do and audits the decision.
func (s *Service) decide(ctx context.Context, actor models.Actor, id int64, action, note string, do func(tx *gorm.DB, c *Clawback) error) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	note, err := models.CheckName("note", note, 500)
	if err != nil {
		return models.FieldError("note", "Say why (at most 500 characters).")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var c Clawback
		res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Table("clawbacks").Where("id = ?", id).Limit(1).Find(&c)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No claw-back %d.", id)
		}
		if c.Status == Recovered || c.Status == WrittenOff {
			return models.Errorf(models.ECONFLICT, "This claw-back is already settled.")
		}
		if err := do(tx, &c); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE clawbacks SET decided_at = now(), decided_by = ?, note = ? WHERE id = ?`, actor.UserID, note, id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, action, fmt.Sprintf("clawback:%d", id), map[string]any{
			"user_id": c.UserID, "amount": c.Amount.String(), "outstanding": c.Outstanding().String(), "note": note})
	})
}

// Recover starts recovering a claw-back: what the person's source account
// holds now is taken at once, the rest from their next credits.
//
// Errors: EFORBIDDEN; ENOTFOUND; ECONFLICT once settled; EINVALID (field note).
func (s *Service) Recover(ctx context.Context, actor models.Actor, id int64, note string) error {
	return s.decide(ctx, actor, id, "clawback.recover", note, func(tx *gorm.DB, c *Clawback) error {
		if err := tx.Exec(`UPDATE clawbacks SET status = 'recovering' WHERE id = ?`, c.ID).Error; err != nil {
			return err
		}
		return Sweep(ctx, tx, c.UserID)
	})
}

// WriteOff gives up what is still owed: it becomes the platform's bad debt.
//
// Errors: as Recover.
func (s *Service) WriteOff(ctx context.Context, actor models.Actor, id int64, note string) error {
	return s.decide(ctx, actor, id, "clawback.write_off", note, func(tx *gorm.DB, c *Clawback) error {
		left := c.Outstanding()
		if left.IsPositive() {
			if _, err := ledger.Post(ctx, tx, models.Transfer{Key: fmt.Sprintf("clawback:%d:write_off", c.ID), Kind: "clawback.write_off",
				Ref: ref(*c), Memo: "written off", Postings: models.Move(models.AccExpenseBadDebt, models.ClawbackAccount(c.UserID), left)}); err != nil {
				return err
			}
		}
		return tx.Exec(`UPDATE clawbacks SET status = 'written_off', written_off = written_off + ? WHERE id = ?`, left, c.ID).Error
	})
}
