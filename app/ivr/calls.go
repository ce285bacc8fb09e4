package ivr

import (
	"context"
	"fmt"
	"time"

	"lineescrow/models"
)

// caller is the account on call id, and whether the call has ended.
func (s *Service) caller(ctx context.Context, call int64) (Caller, bool, error) {
	var row struct {
		Phone  string
		UserID *int64
		Ended  bool
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT phone, user_id, ended_at IS NOT NULL AS ended FROM ivr_calls WHERE id = ?`, call).
		Scan(&row).Error; err != nil {
		return Caller{}, false, fmt.Errorf("ivr call %d: %w", call, err)
	}
	if row.UserID == nil {
		return Caller{}, true, nil
	}
	u, err := s.Auth.Get(ctx, *row.UserID)
	if err != nil {
		return Caller{}, false, err
	}
	return Caller{Call: call, Phone: row.Phone, Actor: u.Actor()}, row.Ended, nil
}

// at records the menu the caller chose (the context an agent sees).
func (s *Service) at(ctx context.Context, call int64, key string) error {
	return s.DB.WithContext(ctx).Exec(`UPDATE ivr_calls SET last_menu = ? WHERE id = ?`, key, call).Error
}

// strike counts a wrong payment password in the call and returns the count.
func (s *Service) strike(ctx context.Context, call int64) (int, error) {
	var n int
	if err := s.DB.WithContext(ctx).Raw(`UPDATE ivr_calls SET pin_failures = pin_failures + 1 WHERE id = ? RETURNING pin_failures`, call).
		Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("ivr call %d: %w", call, err)
	}
	return n, nil
}

// end marks the call over: later requests of it only hang up.
func (s *Service) end(ctx context.Context, call int64, reason string) error {
	return s.DB.WithContext(ctx).Exec(`UPDATE ivr_calls SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`,
		s.now(), reason, call).Error
}

// IncomingCall is a hotline call handed to a person, with what the agent
// needs to know: who is calling, from where in the menu, and how the call
// went (wrong payment passwords typed in it).
type IncomingCall struct {
	ID          int64     `json:"id"`
	Phone       string    `json:"phone"`
	UserID      *int64    `json:"user_id"`
	UserName    string    `json:"user_name"`
	UserLogin   string    `json:"user_login"`
	LastMenu    string    `json:"last_menu"` // the menu key the caller chose last ("" none)
	PINFailures int       `json:"pin_failures"`
	StartedAt   time.Time `json:"started_at"`
	HandedAt    time.Time `json:"handed_at"`
}

// IncomingCalls are the latest 100 calls handed to agents, newest first.
//
// Errors: EFORBIDDEN unless an operator.
func (s *Service) IncomingCalls(ctx context.Context, actor models.Actor) ([]IncomingCall, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	var out []IncomingCall
	if err := s.DB.WithContext(ctx).Raw(`SELECT c.id, c.phone, c.user_id, coalesce(u.display_name, '') AS user_name,
			coalesce(u.login, '') AS user_login, c.last_menu, c.pin_failures, c.started_at, c.transferred_at AS handed_at
		FROM ivr_calls c LEFT JOIN users u ON u.id = c.user_id
		WHERE c.transferred_at IS NOT NULL ORDER BY c.transferred_at DESC, c.id DESC LIMIT 100`).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("incoming calls: %w", err)
	}
	return out, nil
}
