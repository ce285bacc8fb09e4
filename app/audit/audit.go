// Package audit records who did what on the platform: every operator action and
// every change to a user's security settings, in an append-only table, written
// in the same transaction as the change it describes.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/models"
)

// Entry is one line of the audit log.
type Entry struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	ActorID   *int64          `json:"actor_id"`
	ActorRole string          `json:"actor_role"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Detail    json.RawMessage `json:"detail"`
	IP        string          `json:"ip"`
	ActorName string          `json:"actor_name,omitempty" gorm:"->"`
	// TargetName is the name of the user a user:N or seller:N target is.
	TargetName string `json:"target_name,omitempty" gorm:"->"`
}

// TableName is the entries' table.
func (Entry) TableName() string { return "audit_log" }

type ipKey struct{}

// WithIP returns ctx carrying the client address to record.
func WithIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// Record appends an entry within tx. actor may be nil for the system (timers,
// the command line). detail is marshalled to JSON.
func Record(ctx context.Context, tx *gorm.DB, actor *models.Actor, action, target string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil || detail == nil {
		b = []byte("{}")
	}
	e := Entry{Action: action, Target: target, Detail: b, ActorRole: "system"}
	if actor != nil {
		id := actor.UserID
		e.ActorID, e.ActorRole = &id, string(actor.Role)
	}
	if ip, ok := ctx.Value(ipKey{}).(string); ok {
		e.IP = ip
	}
	if err := tx.WithContext(ctx).Omit("id", "at", "actor_name", "target_name").Create(&e).Error; err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Filter selects audit entries.
type Filter struct {
	ActorID  int64
	Action   string // prefix, e.g. "user." or "user.freeze"
	Target   string
	From, To time.Time // To is exclusive
	BeforeID int64
	Limit    int
}

// Service reads the log. Writing stays with Record, which runs inside the
// transaction of the change it describes.
type Service struct{ DB *gorm.DB }

// List returns entries matching f, newest first (at most 200, 50 by default).
// Only operators may read the log.
//
// Errors: EFORBIDDEN for anyone but an operator.
func (s *Service) List(ctx context.Context, actor models.Actor, f Filter) ([]Entry, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	q := s.DB.WithContext(ctx).Table("audit_log a").
		Select("a.*, coalesce(u.display_name, '') AS actor_name, coalesce(t.display_name, '') AS target_name").
		Joins("LEFT JOIN users u ON u.id = a.actor_id").
		// A user's (or seller's) name by its primary key, for the page's
		// "to what".
		Joins(`LEFT JOIN users t ON t.id = CASE WHEN a.target ~ '^(user|seller):[0-9]{1,18}$'
			THEN split_part(a.target, ':', 2)::bigint END`)
	if f.ActorID > 0 {
		q = q.Where("a.actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("a.action LIKE ?", strings.NewReplacer("%", `\%`, "_", `\_`).Replace(f.Action)+"%")
	}
	if f.Target != "" {
		q = q.Where("a.target = ?", f.Target)
	}
	if !f.From.IsZero() {
		q = q.Where("a.at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("a.at < ?", f.To)
	}
	if f.BeforeID > 0 {
		q = q.Where("a.id < ?", f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []Entry
	if err := q.Order("a.id DESC").Limit(f.Limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}
