package audit_test

import (
	"context"
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
