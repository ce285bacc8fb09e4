package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"lineescrow/app/audit"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

func TestOnlyOperatorsReadTheLog(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	ctx := audit.WithIP(e.Ctx, "203.0.113.9")
	op := e.Operator.Actor()
	for _, r := range []struct{ action, target string }{
		{"user.freeze", "user:999"}, {"user.unfreeze", "user:999"}, {"user_x.freeze", "user:999"}, {"settings.update", "settings"},
	} {
		if err := audit.Record(ctx, e.DB.DB, &op, r.action, r.target, map[string]any{"why": "test"}); err != nil {
			t.Fatal(err)
		}
	}

	for _, who := range []models.Actor{e.Buyer.Actor(), e.Seller.Actor(), models.Anonymous, {}} {
		if _, err := e.Audit.List(e.Ctx, who, audit.Filter{}); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads the audit log: %v", who, err)
		}
	}

	got, err := e.Audit.List(e.Ctx, op, audit.Filter{Action: "user.", Target: "user:999"})
	if err != nil {
		t.Fatal(err)
	}
	// The prefix is literal: "user_x." does not match "user." as a LIKE pattern would.
	if len(got) != 2 || got[0].Action != "user.unfreeze" || got[1].Action != "user.freeze" {
		t.Fatalf("entries = %+v, want the unfreeze then the freeze of user 999", got)
	}
	if got[0].ActorName != e.Operator.DisplayName || got[0].IP != "203.0.113.9" || *got[0].ActorID != op.UserID {
		t.Fatalf("entry = %+v", got[0])
	}
	older, err := e.Audit.List(context.Background(), op, audit.Filter{BeforeID: got[0].ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(older) != 1 || older[0].ID >= got[0].ID {
		t.Fatalf("page before %d = %+v", got[0].ID, older)
	}
}

// TestTheLogCarriesNoSecrets: the actions that take passwords and payment
// passwords (registering, changing either, wrong payment passwords until
// payments lock, an operator's freeze) leave entries that say what was done
// and never the secret itself, nor a field named like one.
func TestTheLogCarriesNoSecrets(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	const newPassword, newPIN, wrongPIN = "another horse battery staple", "731902", "111333"
	u := e.User("13700137001", models.RoleBuyer, "赵六") // registers and sets ptest.PIN
	if err := e.Auth.ChangePassword(e.Ctx, u.Actor(), ptest.Password, newPassword); err != nil {
		t.Fatal(err)
	}
	if err := e.Auth.SetPayPassword(e.Ctx, u.Actor(), newPassword, ptest.PIN, newPIN); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		_ = e.Auth.VerifyPayPassword(e.Ctx, u.ID, wrongPIN)
	}
	if err := e.Auth.SetFrozen(e.Ctx, e.Operator.Actor(), u.ID, true, "asked for it"); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Action string
		Detail string
	}
	if err := e.DB.Raw(`SELECT action, detail::text AS detail FROM audit_log WHERE target = ? ORDER BY id`, fmt.Sprintf("user:%d", u.ID)).
		Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Action] = true
		low := strings.ToLower(r.Detail)
		for _, secret := range []string{ptest.Password, newPassword, ptest.PIN, newPIN, wrongPIN, "password", "pin\"", "hash", "argon"} {
			if strings.Contains(low, strings.ToLower(secret)) {
				t.Errorf("%s carries %q: %s", r.Action, secret, r.Detail)
			}
		}
	}
	for _, a := range []string{"user.register", "user.pay_password_set", "user.password_change", "user.pay_password_change", "user.pay_locked", "user.freeze"} {
		if !seen[a] {
			t.Errorf("no %s entry among %+v", a, rows)
		}
	}
}
