package payouts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lineescrow/models"
)

// The operators' queue of payouts: those waiting for the bank's result
// first, oldest first, each with how long it has waited; then the latest
// settled ones, with the bank's reason when one failed.

// Line is a payout as the operators' queue shows it.
type Line struct {
	Payout
	// Owner is the person paid; nil for the return of a transfer in
	// suspense to its payer (BankTxnID names that transfer).
	Owner *Owner
	// Waited is how long it has waited for its result (waiting ones only).
	Waited time.Duration
	// Stuck says it has waited longer than StuckAfter.
	Stuck bool
}

// Owner is who a payout pays.
type Owner struct {
	ID   int64
	Name string
	Role models.Role
}

// Waits reports whether the payout still waits for the bank's result.
func (p *Payout) Waits() bool { return p.State == Requested || p.State == Sending || p.State == Sent }

// QueueQuery selects the operators' queue.
type QueueQuery struct {
	OpenOnly bool   // only the payouts waiting for a result
	ID       string // only this payout (the ledger explorer's link)
}

// Queue is the operators' payouts page.
type Queue struct {
	Waiting []Line // requested, sending or sent, oldest first (at most MaxWaiting)
	Recent  []Line // succeeded or failed, latest settled first (at most MaxRecent); none with OpenOnly
	// At is when the queue was read: Waited runs to it.
	At time.Time
}

// How many lines the queue shows.
const (
	MaxWaiting = 200
	MaxRecent  = 50
)

// QueueOf returns the operators' payouts queue, or with q.ID that one
// payout in its place.
//
// Errors: EFORBIDDEN unless actor is an operator; ENOTFOUND for an unknown
// q.ID.
func (s *Service) QueueOf(ctx context.Context, actor models.Actor, q QueueQuery) (*Queue, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	out := &Queue{At: s.now(), Waiting: []Line{}, Recent: []Line{}}
	db := s.DB.WithContext(ctx).Table("payouts")
	var waiting, recent []Payout
	if id := strings.TrimSpace(q.ID); id != "" {
		p, err := s.Get(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		if p.Waits() {
			waiting = []Payout{*p}
		} else if !q.OpenOnly {
			recent = []Payout{*p}
		}
	} else {
		if err := db.Where("state IN ('requested', 'sending', 'sent')").Order("created_at").Limit(MaxWaiting).
			Find(&waiting).Error; err != nil {
			return nil, fmt.Errorf("payouts queue: %w", err)
		}
		if !q.OpenOnly {
			if err := s.DB.WithContext(ctx).Table("payouts").Where("state IN ('succeeded', 'failed')").Order("settled_at DESC").
				Limit(MaxRecent).Find(&recent).Error; err != nil {
				return nil, fmt.Errorf("payouts queue: %w", err)
			}
		}
	}
	owners, err := s.owners(ctx, append(append([]Payout{}, waiting...), recent...))
	if err != nil {
		return nil, err
	}
	line := func(p Payout) Line {
		l := Line{Payout: p}
		if p.UserID != nil {
			l.Owner = owners[*p.UserID]
		}
		if p.Waits() {
			// The database's clock and ours may differ by a little.
			l.Waited = max(out.At.Sub(p.CreatedAt), 0)
			l.Stuck = l.Waited > StuckAfter
		}
		return l
	}
	for _, p := range waiting {
		out.Waiting = append(out.Waiting, line(p))
	}
	for _, p := range recent {
		out.Recent = append(out.Recent, line(p))
	}
	return out, nil
}

// owners looks up the people the payouts pay, by id.
func (s *Service) owners(ctx context.Context, list []Payout) (map[int64]*Owner, error) {
	var ids []int64
	for _, p := range list {
		if p.UserID != nil {
			ids = append(ids, *p.UserID)
		}
	}
	out := map[int64]*Owner{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID          int64
		DisplayName string
		Role        models.Role
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT id, display_name, role FROM users WHERE id IN ?`, ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("owners of payouts: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = &Owner{ID: r.ID, Name: r.DisplayName, Role: r.Role}
	}
	return out, nil
}

// Waiting counts the payouts waiting for the bank's result, and of them
// those waiting longer than StuckAfter (for the operators' overview). It
// reads the index of waiting payouts only.
func (s *Service) Waiting(ctx context.Context) (waiting, stuck int, err error) {
	var n struct{ Waiting, Stuck int }
	if err := s.DB.WithContext(ctx).Raw(`SELECT count(*) AS waiting, count(*) FILTER (WHERE created_at < ?) AS stuck
		FROM payouts WHERE state IN ('requested', 'sending', 'sent')`, s.now().Add(-StuckAfter)).Scan(&n).Error; err != nil {
		return 0, 0, fmt.Errorf("payouts waiting: %w", err)
	}
	return n.Waiting, n.Stuck, nil
}
