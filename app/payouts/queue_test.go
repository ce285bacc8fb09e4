package payouts_test

import (
	"testing"
	"time"

	"lineescrow/app/payouts"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// TestOperatorsQueue: the payouts waiting for the bank first, oldest first,
// with how long they have waited and which are stuck; then the settled ones,
// latest first, with the bank's reason; each with its owner, a return of a
// transfer in suspense with none.
func TestOperatorsQueue(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	op := e.Operator.Actor()
	earn(t, e, "100.00")
	withdraw := func(amount string) *payouts.Payout {
		t.Helper()
		p, err := e.Payouts.Withdraw(e.Ctx, e.Seller.Actor(), payouts.Withdrawal{Amount: models.MustParseMoney(amount), PayPassword: ptest.PIN})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	old, sent, paid, bounced := withdraw("10.00"), withdraw("11.00"), withdraw("12.00"), withdraw("13.00")
	// old has waited 25 hours for its result: stuck.
	if err := e.DB.Exec("UPDATE payouts SET created_at = created_at - interval '25 hours' WHERE id = ?", old.ID).Error; err != nil {
		t.Fatal(err)
	}
	for _, p := range []*payouts.Payout{sent, paid, bounced} {
		if err := e.Payouts.Send(e.Ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	callback(e, "evt_paid", paid, true, "")
	callback(e, "evt_bounced", bounced, false, "account closed")
	txn := e.Credit("7.00", "")
	if err := e.Funding.MarkForReturn(e.Ctx, op, txn, "unknown payer"); err != nil {
		t.Fatal(err)
	}

	q, err := e.Payouts.QueueOf(e.Ctx, op, payouts.QueueQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Waiting) != 3 || q.Waiting[0].ID != old.ID || q.Waiting[1].ID != sent.ID || q.Waiting[2].BankTxnID == nil {
		t.Fatalf("waiting %+v", q.Waiting)
	}
	first := q.Waiting[0]
	if !first.Stuck || first.Waited < 24*time.Hour+59*time.Minute || first.Owner == nil || first.Owner.Name != "王建国" || first.Owner.Role != models.RoleSeller {
		t.Fatalf("the oldest: %+v (owner %+v)", first, first.Owner)
	}
	if ret := q.Waiting[2]; ret.Stuck || ret.Waited > time.Minute || ret.Owner != nil || *ret.BankTxnID != txn || ret.State != payouts.Requested {
		t.Fatalf("the return: %+v", ret)
	}
	if len(q.Recent) != 2 || q.Recent[0].ID != bounced.ID || q.Recent[0].Reason != "account closed" || q.Recent[1].ID != paid.ID ||
		q.Recent[1].Waited != 0 || q.Recent[1].Stuck {
		t.Fatalf("recent %+v", q.Recent)
	}
	if n, stuck, err := e.Payouts.Waiting(e.Ctx); err != nil || n != 3 || stuck != 1 {
		t.Fatalf("waiting counts %d %d %v", n, stuck, err)
	}

	if q, err := e.Payouts.QueueOf(e.Ctx, op, payouts.QueueQuery{OpenOnly: true}); err != nil || len(q.Waiting) != 3 || len(q.Recent) != 0 {
		t.Fatalf("open only: %+v %v", q, err)
	}
	if q, err := e.Payouts.QueueOf(e.Ctx, op, payouts.QueueQuery{ID: bounced.ID}); err != nil || len(q.Waiting) != 0 ||
		len(q.Recent) != 1 || q.Recent[0].ID != bounced.ID {
		t.Fatalf("one payout: %+v %v", q, err)
	}
	if q, err := e.Payouts.QueueOf(e.Ctx, op, payouts.QueueQuery{ID: old.ID}); err != nil || len(q.Waiting) != 1 || !q.Waiting[0].Stuck {
		t.Fatalf("one waiting payout: %+v %v", q, err)
	}
	if _, err := e.Payouts.QueueOf(e.Ctx, op, payouts.QueueQuery{ID: "PO0000000000000000"}); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("an unknown payout: %v", err)
	}
	for _, who := range []models.Actor{e.Seller.Actor(), e.Buyer.Actor(), models.Anonymous, {}} {
		if _, err := e.Payouts.QueueOf(e.Ctx, who, payouts.QueueQuery{ID: old.ID}); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads the queue: %v", who, err)
		}
	}
}
