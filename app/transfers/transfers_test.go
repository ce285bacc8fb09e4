package transfers_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/app/ledger"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/transfers"
	"lineescrow/models"
)

// setup returns a platform whose buyer (张伟) has topUp on the wallet;
// Buyer2 (Li Na, 13900139000) receives.
func setup(t *testing.T, topUp string) *ptest.Env {
	t.Helper()
	e := ptest.New(t)
	if topUp != "" {
		fund(t, e, e.Buyer, topUp)
	}
	return e
}

func fund(t *testing.T, e *ptest.Env, u *models.User, amount string) {
	t.Helper()
	ref, err := e.Funding.TopUpReference(e.Ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.Credit(amount, ref)
}

// where is both wallets.
func where(e *ptest.Env) string {
	return fmt.Sprintf("sender %s recipient %s", e.Balance(models.WalletAccount(e.Buyer.ID)), e.Balance(models.WalletAccount(e.Buyer2.ID)))
}

func code(err error) string { return models.ErrorCode(err) }

func send(e *ptest.Env, number, amount, pin, key string) (*transfers.Transfer, error) {
	return e.Transfers.Send(e.Ctx, e.Buyer.Actor(), transfers.Request{Number: number, Amount: models.MustParseMoney(amount), PayPassword: pin, IdemKey: key})
}

// sendBusy is send as a client at a busy moment does it: auth refuses
// password checks beyond the attempts left while others are being checked
// (ELOCKED "at once", nothing counted); the client tries again.
func sendBusy(e *ptest.Env, number, amount, key string) (*transfers.Transfer, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		tr, err := send(e, number, amount, ptest.PIN, key)
		if me := models.AsError(err); me == nil || me.Code != models.ELOCKED || !strings.Contains(me.Format, "at once") || time.Now().After(deadline) {
			return tr, err
		}
	}
}

// failures is how many wrong payment passwords the sender has on record.
func failures(t *testing.T, e *ptest.Env) int {
	t.Helper()
	u, err := e.Auth.Get(e.Ctx, e.Buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u.PayFailures
}

func TestSendMovesWalletToWalletInOneTransfer(t *testing.T) {
	t.Parallel()
	e := setup(t, "100.00")
	tr, err := send(e, "139 0013 9000", "30.50", ptest.PIN, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if got := where(e); got != "sender 69.50 recipient 30.50" {
		t.Fatal(got)
	}
	if tr.Amount.String() != "30.50" || tr.Number != "13900139000" || tr.Channel != transfers.ChannelWeb || tr.Replayed {
		t.Fatalf("%+v", tr)
	}
	// One ledger transfer, wallet → wallet, under the transfer's key.
	var postings []struct {
		Code      string
		Direction string
		Amount    models.Money
	}
	if err := e.DB.Raw(`SELECT a.code, p.direction, p.amount FROM ledger_transfers t JOIN ledger_postings p ON p.transfer_id = t.id
		JOIN ledger_accounts a ON a.id = p.account_id WHERE t.idempotency_key = ? AND t.kind = ? ORDER BY p.direction`, transfers.Ref(tr.ID), transfers.Kind).
		Scan(&postings).Error; err != nil {
		t.Fatal(err)
	}
	if len(postings) != 2 || postings[0].Code != models.WalletAccount(e.Buyer2.ID) || postings[1].Code != models.WalletAccount(e.Buyer.ID) ||
		postings[0].Amount.String() != "30.50" || postings[1].Amount.String() != "30.50" {
		t.Fatalf("postings %+v", postings)
	}
	// Both sides read it in their balance's history, in words.
	for _, side := range []struct {
		u    *models.User
		want string
	}{{e.Buyer, models.WalletTransferToPerson}, {e.Buyer2, models.WalletTransferFromPerson}} {
		moves, err := ledger.Movements(e.Ctx, e.DB.DB, ledger.MovementQuery{Account: models.WalletAccount(side.u.ID), Limit: 1})
		if err != nil || len(moves) != 1 {
			t.Fatalf("%v %v", moves, err)
		}
		if got, _ := models.WalletWhere(moves[0].Kind, moves[0].Ref, !moves[0].Delta().IsNegative()); got != side.want {
			t.Errorf("user %d reads %s, want %s", side.u.ID, got, side.want)
		}
	}
	// Each side sees the other masked; nobody else sees it.
	got, err := e.Transfers.Get(e.Ctx, e.Buyer.Actor(), tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s := transfers.SideOf(got, e.Buyer.Actor()); !s.Sent || s.CounterpartyName != "L***" || s.CounterpartyNumber != "139****9000" {
		t.Fatalf("sender's side %+v", s)
	}
	got, err = e.Transfers.Get(e.Ctx, e.Buyer2.Actor(), tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s := transfers.SideOf(got, e.Buyer2.Actor()); s.Sent || s.CounterpartyName != "张*" || s.CounterpartyNumber != "138****8000" {
		t.Fatalf("recipient's side %+v", s)
	}
	if _, err := e.Transfers.Get(e.Ctx, e.Seller.Actor(), tr.ID); code(err) != models.ENOTFOUND {
		t.Fatalf("the seller sees it: %v", err)
	}
	if _, err := e.Transfers.Get(e.Ctx, e.Operator.Actor(), tr.ID); err != nil {
		t.Fatalf("operator: %v", err)
	}
	for _, u := range []*models.User{e.Buyer, e.Buyer2} {
		if list, err := e.Transfers.Mine(e.Ctx, u.Actor()); err != nil || len(list) != 1 || list[0].ID != tr.ID {
			t.Fatalf("mine of %d: %v %v", u.ID, list, err)
		}
	}
}

func TestRecipientByBoundLandline(t *testing.T) {
	t.Parallel()
	e := setup(t, "50.00")
	// Li Na's bound landline (the binding's own flow is app/telecom's).
	if err := e.DB.Exec(`INSERT INTO landlines (user_id, phone, state, credit_class, tenure_months, bound_at) VALUES (?, '05305552002', 'bound', 'A', 24, now())`,
		e.Buyer2.ID).Error; err != nil {
		t.Fatal(err)
	}
	r, err := e.Transfers.Check(e.Ctx, e.Buyer.Actor(), "0530-5552002", models.MustParseMoney("20.00"))
	if err != nil || r.UserID != e.Buyer2.ID || r.NameMasked != "L***" || r.NumberMasked != "0530-***2002" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := send(e, "05305552002", "20.00", ptest.PIN, "line"); err != nil {
		t.Fatal(err)
	}
	if got := where(e); got != "sender 30.00 recipient 20.00" {
		t.Fatal(got)
	}
	// An unbound line finds nobody.
	if err := e.DB.Exec(`UPDATE landlines SET state = 'unbound' WHERE user_id = ?`, e.Buyer2.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.Transfers.Check(e.Ctx, e.Buyer.Actor(), "05305552002", models.MustParseMoney("1.00")); models.AsError(err) == nil ||
		models.AsError(err).Reason != transfers.ReasonUnknown {
		t.Fatalf("unbound: %v", err)
	}
}

// Whatever could never succeed is refused before the payment password: a
// wrong password given with it is not even counted.
func TestRefusalsBeforeThePassword(t *testing.T) {
	t.Parallel()
	e := setup(t, "100.00")
	frozen := e.User("13700137000", models.RoleBuyer, "赵六")
	if err := e.Auth.SetFrozen(e.Ctx, e.Operator.Actor(), frozen.ID, true, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Settings.Update(e.Ctx, e.Operator.Actor(), map[string]string{"transfer.max_amount": "200.00"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, number, amount string
		code, field, reason  string
	}{
		{"own number", "13800138000", "10.00", models.EINVALID, "number", transfers.ReasonSelf},
		{"nobody's number", "13500135000", "10.00", models.EINVALID, "number", transfers.ReasonUnknown},
		{"malformed number", "12345", "10.00", models.EINVALID, "number", ""},
		{"a seller", "05305551234", "10.00", models.EINVALID, "number", transfers.ReasonCannotReceive},
		{"an operator", "13600136000", "10.00", models.EINVALID, "number", transfers.ReasonCannotReceive},
		{"frozen recipient", "13700137000", "10.00", models.EINVALID, "number", transfers.ReasonCannotReceive},
		{"zero", "13900139000", "0.00", models.EINVALID, "amount", ""},
		{"over the maximum", "13900139000", "200.01", models.EINVALID, "amount", ""},
		{"short balance", "13900139000", "100.01", models.EINSUFFICIENT, "amount", ""},
	}
	for i, c := range cases {
		_, err := send(e, c.number, c.amount, "000000", fmt.Sprint("r", i))
		e2 := models.AsError(err)
		if code(err) != c.code || models.ErrorField(err) != c.field || e2.Reason != c.reason {
			t.Errorf("%s: %v (%+v)", c.name, err, e2)
		}
	}
	if n := failures(t, e); n != 0 {
		t.Fatalf("%d wrong passwords counted: the password was checked before a refusal", n)
	}
	// A frozen sender, a seller, nobody.
	for _, a := range []models.Actor{{UserID: e.Buyer.ID, Role: models.RoleBuyer, Frozen: true}, e.Seller.Actor(), models.Anonymous} {
		if _, err := e.Transfers.Send(e.Ctx, a, transfers.Request{Number: "13900139000", Amount: models.MustParseMoney("1.00"),
			PayPassword: ptest.PIN, IdemKey: "x"}); code(err) != models.EFORBIDDEN {
			t.Errorf("%+v: %v", a, err)
		}
	}
	// A wrong password is refused and counted; nothing moves.
	if _, err := send(e, "13900139000", "10.00", "000000", "wrong"); code(err) != models.EINVALID || models.ErrorField(err) != "pay_password" {
		t.Fatalf("wrong password: %v", err)
	}
	if n := failures(t, e); n != 1 {
		t.Fatalf("%d wrong passwords counted", n)
	}
	if _, err := send(e, "13900139000", "10.00", ptest.PIN, ""); code(err) != models.EINVALID {
		t.Fatalf("no key: %v", err)
	}
	if got := where(e); got != "sender 100.00 recipient 0.00" {
		t.Fatal(got)
	}
	if c := e.Count(`SELECT count(*) FROM wallet_transfers`); c != 0 {
		t.Fatalf("%d transfers recorded", c)
	}
}

func TestTheSameKeyReturnsTheFirstTransfer(t *testing.T) {
	t.Parallel()
	e := setup(t, "100.00")
	first, err := send(e, "13900139000", "40.00", ptest.PIN, "same")
	if err != nil {
		t.Fatal(err)
	}
	again, err := send(e, "139-0013-9000", "40.00", ptest.PIN, "same")
	if err != nil || again.ID != first.ID || !again.Replayed {
		t.Fatalf("again: %+v %v", again, err)
	}
	if _, err := send(e, "13900139000", "41.00", ptest.PIN, "same"); code(err) != models.ECONFLICT {
		t.Fatalf("another amount under the key: %v", err)
	}
	if got := where(e); got != "sender 60.00 recipient 40.00" {
		t.Fatal(got)
	}
	// Many at once with one key: one transfer.
	const n = 8
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr, err := sendBusy(e, "13900139000", "10.00", "burst")
			errs[i] = err
			if tr != nil {
				ids[i] = tr.ID
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("try %d: %s %v (first %s)", i, ids[i], errs[i], ids[0])
		}
	}
	if got := where(e); got != "sender 50.00 recipient 50.00" {
		t.Fatal(got)
	}
	if c := e.Count(`SELECT count(*) FROM wallet_transfers`); c != 2 {
		t.Fatalf("%d transfers recorded", c)
	}
}

// Many transfers at once from one wallet never take it below zero, and
// exactly those the balance covers go through.
func TestConcurrentTransfersNeverOverspend(t *testing.T) {
	t.Parallel()
	e := setup(t, "100.00")
	third := e.User("13700137000", models.RoleBuyer, "赵六")
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := "13900139000"
			if i%2 == 1 {
				to = third.Login
			}
			_, errs[i] = sendBusy(e, to, "30.00", fmt.Sprint("c", i))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch code(err) {
		case "":
			ok++
		case models.EINSUFFICIENT:
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if ok != 3 {
		t.Fatalf("%d transfers went through: %v", ok, errs)
	}
	sent := models.MustParseMoney(e.Balance(models.WalletAccount(e.Buyer2.ID))).Add(models.MustParseMoney(e.Balance(models.WalletAccount(third.ID))))
	if got := e.Balance(models.WalletAccount(e.Buyer.ID)); got != "10.00" || sent.String() != "90.00" {
		t.Fatalf("sender %s, recipients %s", got, sent)
	}
	if c := e.Count(`SELECT count(*) FROM wallet_transfers`); c != 3 {
		t.Fatalf("%d transfers recorded", c)
	}
}

func TestLimitsPerTransferAndPerDay(t *testing.T) {
	t.Parallel()
	e := setup(t, "2000.00")
	l, err := e.Transfers.LimitsFor(e.Ctx, e.Buyer.Actor())
	if err != nil || l.MaxAmount.String() != "5000.00" || l.DailyLimit.String() != "10000.00" || l.Balance.String() != "2000.00" {
		t.Fatalf("defaults %+v %v", l, err)
	}
	if _, err := e.Settings.Update(e.Ctx, e.Operator.Actor(), map[string]string{"transfer.max_amount": "300.00", "transfer.daily_limit": "500.00"}); err != nil {
		t.Fatal(err)
	}
	if _, err := send(e, "13900139000", "300.01", ptest.PIN, "a"); code(err) != models.EINVALID || models.ErrorField(err) != "amount" {
		t.Fatalf("over one: %v", err)
	}
	if _, err := send(e, "13900139000", "300.00", ptest.PIN, "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := send(e, "13900139000", "200.00", ptest.PIN, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := send(e, "13900139000", "0.01", ptest.PIN, "d"); code(err) != models.EINVALID || models.ErrorField(err) != "amount" {
		t.Fatalf("over the day: %v", err)
	}
	if l, _ := e.Transfers.LimitsFor(e.Ctx, e.Buyer.Actor()); l.SentToday.String() != "500.00" || l.Left.String() != "0.00" {
		t.Fatalf("%+v", l)
	}
	// Concurrent ones under the day's limit: together they may not pass it.
	e.Clock.Advance(24 * time.Hour)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = sendBusy(e, "13900139000", "200.00", fmt.Sprint("day2-", i))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if code(err) != models.EINVALID {
			t.Fatalf("unexpected: %v", err)
		}
	}
	if ok != 2 {
		t.Fatalf("%d of 4 transfers of 200.00 passed a day's limit of 500.00", ok)
	}
	if got := where(e); got != "sender 1100.00 recipient 900.00" {
		t.Fatal(got)
	}
}

func TestWrongPasswordsLockTransfers(t *testing.T) {
	t.Parallel()
	e := setup(t, "100.00")
	var err error
	for i := range 6 {
		if _, err = send(e, "13900139000", "1.00", "000000", fmt.Sprint("w", i)); code(err) == models.ELOCKED {
			break
		}
	}
	if code(err) != models.ELOCKED {
		t.Fatalf("not locked: %v", err)
	}
	if _, err := send(e, "13900139000", "1.00", ptest.PIN, "right"); code(err) != models.ELOCKED {
		t.Fatalf("right PIN while locked: %v", err)
	}
	if got := where(e); got != "sender 100.00 recipient 0.00" {
		t.Fatal(got)
	}
}
