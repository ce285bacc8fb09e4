package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"gorm.io/gorm"

	"lineescrow/app/auth"
	"lineescrow/app/dbtest"
	"lineescrow/models"
)

const (
	secret = "test-secret-test-secret-test-secret-42"
	pepper = "test-pepper-test-pepper-test-pepper-42"
)

func newService(t *testing.T) *auth.Service {
	t.Helper()
	db := dbtest.New(t)
	return auth.NewService(db.DB, auth.NewTokens(secret, 30*time.Minute), []byte(pepper))
}

func register(t *testing.T, s *auth.Service, login string, role models.Role) *models.User {
	t.Helper()
	r := models.Registration{Role: role, Login: login, Password: "correct horse battery", DisplayName: "Zhang Wei"}
	if role == models.RoleSeller {
		r.ShopName, r.LegalName, r.BankAccount, r.BankHolder = "Heze Goods", "菏泽某商贸有限公司", "6217000011112222", "菏泽某商贸有限公司"
	}
	u, err := s.Register(context.Background(), r, "192.0.2.1")
	if err != nil {
		t.Fatalf("register %s: %v", login, err)
	}
	return u
}

func TestRegisterAndLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := register(t, s, "138 0013 8000", models.RoleBuyer)
	if u.Login != "13800138000" || u.Role != models.RoleBuyer {
		t.Fatalf("registered %+v", u)
	}
	seller := register(t, s, "0530-5551234", models.RoleSeller)
	if sel, err := s.Seller(ctx, seller.ID); err != nil || sel.BankAccount != "6217000011112222" || sel.CommissionRate.String() != "0.006" {
		t.Fatalf("seller profile %+v %v", sel, err)
	}
	_, err := s.Register(ctx, models.Registration{Role: models.RoleBuyer, Login: "13800138000", Password: "another good one", DisplayName: "X"}, "192.0.2.1")
	if models.ErrorField(err) != "login" {
		t.Fatalf("duplicate login err = %v", err)
	}
	// Several problems at once, each on its field.
	_, err = s.Register(ctx, models.Registration{Role: models.RoleSeller, Login: "12", Password: "x", DisplayName: ""}, "192.0.2.1")
	e := models.AsError(err)
	if e == nil || len(e.Fields) < 6 {
		t.Fatalf("bad seller registration: %v", err)
	}

	got, err := s.Login(ctx, "13800138000", "correct horse battery", "10.0.0.1")
	if err != nil || got.ID != u.ID {
		t.Fatalf("login = %v, %v", got, err)
	}
	_, wrongPw := s.Login(ctx, "13800138000", "wrong password!", "10.0.0.1")
	_, unknown := s.Login(ctx, "13900139000", "correct horse battery", "10.0.0.1")
	_, malformed := s.Login(ctx, "' OR '1'='1", "correct horse battery", "10.0.0.1")
	for _, err := range []error{wrongPw, unknown, malformed} {
		if models.ErrorCode(err) != models.EUNAUTHORIZED || models.ErrorMessage(err) != models.ErrorMessage(wrongPw) {
			t.Fatalf("login failure messages differ: %v / %v / %v", wrongPw, unknown, err)
		}
	}
	var n int64
	s.DB.Raw("SELECT count(*) FROM users").Scan(&n)
	if n != 2 {
		t.Fatalf("%d users after SQL-looking login", n)
	}
}

func TestLoginRateLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	// Slow refills, so the test does not depend on how fast hashing runs here.
	s.ByAccount, s.ByIP = auth.NewLimiter(s.DB, "login.account", nil, time.Hour, 5), auth.NewLimiter(s.DB, "login.address", nil, time.Hour, 20)
	register(t, s, "13800138001", models.RoleBuyer)
	// Per account: five attempts, then refused even with the right password.
	for i := range 5 {
		if _, err := s.Login(ctx, "13800138001", "wrong", "10.0.0."+string(rune('1'+i))); models.ErrorCode(err) != models.EUNAUTHORIZED {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := s.Login(ctx, "13800138001", "correct horse battery", "10.0.0.9"); models.ErrorCode(err) != models.ERATELIMIT {
		t.Fatalf("6th attempt: %v, want rate limited", err)
	}
	// Per address: twenty attempts over many names, then refused.
	for i := range 20 {
		_, err := s.Login(ctx, "1390013"+strings.Repeat("0", 3)+string(rune('0'+i%10)), "x", "10.9.9.9")
		if models.ErrorCode(err) == models.ERATELIMIT {
			t.Fatalf("address limited after %d attempts", i)
		}
	}
	if _, err := s.Login(ctx, "13700137000", "x", "10.9.9.9"); models.ErrorCode(err) != models.ERATELIMIT {
		t.Fatalf("21st attempt from one address: %v", err)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := register(t, s, "13800138002", models.RoleBuyer)
	tok, exp, err := s.Tokens.Issue(u, auth.AudienceWeb, time.Time{})
	if err != nil || time.Until(exp) > 31*time.Minute {
		t.Fatal(err, exp)
	}
	if got, _, err := s.Authenticate(ctx, tok, auth.AudienceWeb); err != nil || got.ID != u.ID {
		t.Fatalf("valid token refused: %v", err)
	}
	if _, _, err := s.Authenticate(ctx, tok, auth.AudienceAPI); err == nil {
		t.Fatal("web token accepted as API token")
	}

	parts := strings.Split(tok, ".")
	b64 := base64.RawURLEncoding
	claims, _ := b64.DecodeString(parts[1])
	forge := func(header map[string]string, payload []byte, sign func(string) string) string {
		h, _ := json.Marshal(header)
		unsigned := b64.EncodeToString(h) + "." + b64.EncodeToString(payload)
		return unsigned + "." + sign(unsigned)
	}
	none := forge(map[string]string{"alg": "none", "typ": "JWT"}, claims, func(string) string { return "" })
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims(mustMap(claims))).SignedString([]byte(secret))
	wrongKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(mustMap(claims))).SignedString([]byte("another-secret-another-secret-xx"))
	tampered := parts[0] + "." + b64.EncodeToString([]byte(strings.Replace(string(claims), `"sub":"`+strconv.FormatInt(u.ID, 10), `"sub":"`+strconv.FormatInt(u.ID+1, 10), 1))) + "." + parts[2]
	expired := func() string {
		m := mustMap(claims)
		m["exp"] = time.Now().Add(-time.Minute).Unix()
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(m)).SignedString([]byte(secret))
		return s
	}()
	noExp := func() string {
		m := mustMap(claims)
		delete(m, "exp")
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(m)).SignedString([]byte(secret))
		return s
	}()
	otherIssuer := func() string {
		m := mustMap(claims)
		m["iss"] = "someone-else"
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(m)).SignedString([]byte(secret))
		return s
	}()
	for name, bad := range map[string]string{"alg none": none, "HS512": hs512, "wrong key": wrongKey,
		"tampered subject": tampered, "expired": expired, "no expiry": noExp, "other issuer": otherIssuer, "garbage": "a.b.c", "empty": ""} {
		if _, _, err := s.Authenticate(ctx, bad, auth.AudienceWeb); models.ErrorCode(err) != models.EUNAUTHORIZED {
			t.Errorf("%s token: err = %v, want unauthorized", name, err)
		}
	}
	// Logout revokes the token.
	if err := s.Logout(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, tok, auth.AudienceWeb); models.ErrorCode(err) != models.EUNAUTHORIZED {
		t.Fatalf("token after logout: %v", err)
	}
}

func mustMap(b []byte) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

func TestChangePasswordRevokesSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := register(t, s, "13800138003", models.RoleBuyer)
	tok, _, _ := s.Tokens.Issue(u, auth.AudienceWeb, time.Time{})
	if err := s.ChangePassword(ctx, u.Actor(), "not it at all", "a new long password"); models.ErrorField(err) != "current_password" {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := s.ChangePassword(ctx, u.Actor(), "correct horse battery", "a new long password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, tok, auth.AudienceWeb); err == nil {
		t.Fatal("old session survived a password change")
	}
	if _, err := s.Login(ctx, u.Login, "a new long password", "10.1.1.1"); err != nil {
		t.Fatal(err)
	}
}

func TestPayPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := register(t, s, "13800138004", models.RoleBuyer)
	a := u.Actor()
	if err := s.VerifyPayPassword(ctx, u.ID, "284913"); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("verify before setting: %v", err)
	}
	if err := s.SetPayPassword(ctx, a, "", "", "284913"); models.ErrorField(err) != "current_password" {
		t.Fatalf("set without login password: %v", err)
	}
	if err := s.SetPayPassword(ctx, a, "correct horse battery", "", "123456"); models.ErrorField(err) != "pay_password" {
		t.Fatalf("weak pin accepted: %v", err)
	}
	if err := s.SetPayPassword(ctx, a, "correct horse battery", "", "284913"); err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "284913"); err != nil {
		t.Fatalf("right pin refused: %v", err)
	}
	// Change with the old pin.
	if err := s.SetPayPassword(ctx, a, "", "284913", "902746"); err != nil {
		t.Fatal(err)
	}
	// Five wrong tries, even concurrent, lock payments; the right pin is then refused too.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.VerifyPayPassword(ctx, u.ID, "111222") }()
	}
	wg.Wait()
	if err := s.VerifyPayPassword(ctx, u.ID, "902746"); models.ErrorCode(err) != models.ELOCKED {
		t.Fatalf("after five wrong pins: %v, want locked", err)
	}
	// Three hours later it works again.
	s.Now = func() time.Time { return time.Now().Add(auth.PayLockFor + time.Minute) }
	if err := s.VerifyPayPassword(ctx, u.ID, "902746"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	var actions []string
	s.DB.Raw("SELECT action FROM audit_log WHERE target = ? ORDER BY id", "user:"+strconv.FormatInt(u.ID, 10)).Scan(&actions)
	want := "user.register user.pay_password_set user.pay_password_change user.pay_locked"
	if strings.Join(actions, " ") != want {
		t.Fatalf("audit = %v, want %s", actions, want)
	}
}

func TestFreeze(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	buyer := register(t, s, "13800138005", models.RoleBuyer)
	op, err := s.CreateOperator(ctx, "13900000001", "Ops", "operator password 1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetFrozen(ctx, buyer.Actor(), buyer.ID, true, "x"); models.ErrorCode(err) != models.EFORBIDDEN {
		t.Fatalf("buyer froze: %v", err)
	}
	if err := s.SetFrozen(ctx, op.Actor(), buyer.ID, true, ""); models.ErrorField(err) != "reason" {
		t.Fatalf("freeze without reason: %v", err)
	}
	if err := s.SetFrozen(ctx, op.Actor(), buyer.ID, true, "fraud report 42"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, buyer.ID)
	if !got.Frozen || got.Actor().CanMoveMoney() == nil {
		t.Fatal("not frozen")
	}
	// A frozen user can still log in.
	if _, err := s.Login(ctx, buyer.Login, "correct horse battery", "10.2.2.2"); err != nil {
		t.Fatal(err)
	}
}

func TestPaymentPasswordsArePeppered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := register(t, s, "13800138006", models.RoleBuyer)
	if err := s.SetPayPassword(ctx, u.Actor(), "correct horse battery", "", "284913"); err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		var h string
		if err := s.DB.Raw("SELECT pay_password_hash FROM users WHERE id = ?", u.ID).Scan(&h).Error; err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := stored()
	if !strings.HasPrefix(h, "$argon2id-hmac-sha256$v=19$m=2048,t=1,p=1$") {
		t.Fatalf("stored payment password hash %q", h)
	}
	// Whoever has the table but not the pepper cannot test PINs against it.
	if ok, _, _ := auth.VerifyPassword(strings.Replace(h, "$argon2id-hmac-sha256$", "$argon2id$", 1), "284913"); ok {
		t.Fatal("the hash is of the PIN alone")
	}
	if ok, _, err := auth.VerifyPassword(h, "284913"); ok || err == nil {
		t.Fatalf("a PIN hash passed as a login password hash: %v %v", ok, err)
	}
	other := auth.NewService(s.DB, s.Tokens, []byte("another-pepper-another-pepper-42"))
	if err := other.VerifyPayPassword(ctx, u.ID, "284913"); models.ErrorField(err) != "pay_password" {
		t.Fatalf("right PIN under another pepper: %v, want wrong", err)
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "284913"); err != nil {
		t.Fatalf("right PIN refused: %v", err)
	}

	// A hash from before the pepper still verifies, and is re-hashed with it
	// at the first right PIN (not at a wrong one).
	legacy, err := auth.HashPassword("902746")
	if err != nil {
		t.Fatal(err)
	}
	s.DB.Exec("UPDATE users SET pay_password_hash = ? WHERE id = ?", legacy, u.ID)
	if err := s.VerifyPayPassword(ctx, u.ID, "284913"); models.ErrorField(err) != "pay_password" || stored() != legacy {
		t.Fatalf("wrong PIN against an old hash: %v; hash %q", err, stored())
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "902746"); err != nil {
		t.Fatalf("old hash: right PIN refused: %v", err)
	}
	if h := stored(); !strings.HasPrefix(h, "$argon2id-hmac-sha256$") {
		t.Fatalf("old hash not re-hashed: %q", h)
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "902746"); err != nil {
		t.Fatalf("re-hashed PIN refused: %v", err)
	}

	// A peppered hash with the earlier, dearer parameters (those of login
	// passwords) verifies too, and is re-hashed with today's.
	dear, err := auth.HashPINAsBefore(s, "135790")
	if err != nil {
		t.Fatal(err)
	}
	s.DB.Exec("UPDATE users SET pay_password_hash = ? WHERE id = ?", dear, u.ID)
	if err := s.VerifyPayPassword(ctx, u.ID, "902746"); models.ErrorField(err) != "pay_password" || stored() != dear {
		t.Fatalf("wrong PIN against a dear hash: %v; hash %q", err, stored())
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "135790"); err != nil {
		t.Fatalf("dear hash: right PIN refused: %v", err)
	}
	if h := stored(); !strings.HasPrefix(h, "$argon2id-hmac-sha256$v=19$m=2048,t=1,p=1$") {
		t.Fatalf("dear hash not re-hashed: %q", h)
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "135790"); err != nil {
		t.Fatalf("re-hashed PIN refused: %v", err)
	}

	// Without a pepper nothing is hashed or checked: no PIN is ever stored bare.
	none := auth.NewService(s.DB, s.Tokens, nil)
	before := stored()
	if err := none.SetPayPassword(ctx, u.Actor(), "correct horse battery", "", "135790"); models.ErrorCode(err) != models.EINTERNAL || stored() != before {
		t.Fatalf("set without pepper: %v", err)
	}
	if err := none.VerifyPayPassword(ctx, u.ID, "902746"); models.ErrorCode(err) != models.EINTERNAL {
		t.Fatalf("verify without pepper: %v", err)
	}
	short := auth.NewService(s.DB, s.Tokens, []byte("too-short"))
	if err := short.VerifyPayPassword(ctx, u.ID, "902746"); models.ErrorCode(err) != models.EINTERNAL {
		t.Fatalf("verify with a short pepper: %v", err)
	}
}

// pinUser is a buyer whose payment password is 284913.
func pinUser(t *testing.T, s *auth.Service, login string) *models.User {
	t.Helper()
	u := register(t, s, login, models.RoleBuyer)
	if err := s.SetPayPassword(context.Background(), u.Actor(), "correct horse battery", "", "284913"); err != nil {
		t.Fatal(err)
	}
	return u
}

type payRow struct {
	PayFailures    int
	PayLockedUntil *time.Time
}

func payState(t *testing.T, s *auth.Service, id int64) payRow {
	t.Helper()
	var r payRow
	if err := s.DB.Raw("SELECT pay_failures, pay_locked_until FROM users WHERE id = ?", id).Scan(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r
}

func countAudit(t *testing.T, s *auth.Service, action string, id int64) int64 {
	t.Helper()
	var n int64
	s.DB.Raw("SELECT count(*) FROM audit_log WHERE action = ? AND target = ?", action, "user:"+strconv.FormatInt(id, 10)).Scan(&n)
	return n
}

// TestConcurrentWrongPINsHashAtMostTheLimit holds every check that gets to
// hash in flight until the others have been answered: twenty parallel wrong
// guesses hash exactly MaxPayFailures times, and payments lock once.
func TestConcurrentWrongPINsHashAtMostTheLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := pinUser(t, s, "13800138007")
	const n = 20
	entered, release := make(chan struct{}, n), make(chan struct{})
	auth.BeforePINCheck(s, func(string) { entered <- struct{}{}; <-release })
	results := make(chan error, n)
	for range n {
		go func() { results <- s.VerifyPayPassword(ctx, u.ID, "111222") }()
	}
	var early []error
	for len(early) < n-auth.MaxPayFailures {
		early = append(early, <-results)
	}
	// Every check that was answered without hashing says the last attempts are being checked.
	for _, err := range early {
		if models.ErrorCode(err) != models.ELOCKED || !strings.Contains(models.ErrorMessage(err), "at once") {
			t.Fatalf("check answered while the last attempts were in flight: %v", err)
		}
	}
	if st := payState(t, s, u.ID); st.PayFailures != auth.MaxPayFailures || st.PayLockedUntil == nil {
		t.Fatalf("while in flight: %+v", st)
	}
	close(release)
	var wrong, locked int
	for range auth.MaxPayFailures {
		switch err := <-results; {
		case models.ErrorField(err) == "pay_password":
			wrong++
		case models.ErrorCode(err) == models.ELOCKED && strings.Contains(models.ErrorMessage(err), "locked until"):
			locked++
		default:
			t.Fatalf("in-flight check: %v", err)
		}
	}
	if wrong != auth.MaxPayFailures-1 || locked != 1 || len(entered) != auth.MaxPayFailures {
		t.Fatalf("%d wrong, %d locked, %d hashed; want %d, 1 and %d", wrong, locked, len(entered), auth.MaxPayFailures-1, auth.MaxPayFailures)
	}
	auth.BeforePINCheck(s, func(string) { t.Error("a PIN was hashed while payments are locked") })
	st := payState(t, s, u.ID)
	if st.PayLockedUntil == nil || !st.PayLockedUntil.After(time.Now().Add(auth.PayLockFor-time.Minute)) || st.PayFailures != 0 {
		t.Fatalf("after the last try: %+v", st)
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "284913"); models.ErrorCode(err) != models.ELOCKED || !strings.Contains(models.ErrorMessage(err), "locked until") {
		t.Fatalf("right PIN while locked: %v", err)
	}
	if got := countAudit(t, s, "user.pay_locked", u.ID); got != 1 {
		t.Fatalf("%d lock entries in the audit log", got)
	}
	// After the lock, a fresh count.
	s.Now = func() time.Time { return time.Now().Add(auth.PayLockFor + time.Minute) }
	auth.BeforePINCheck(s, nil)
	if err := s.VerifyPayPassword(ctx, u.ID, "111222"); !strings.Contains(models.ErrorMessage(err), "4 tries left") {
		t.Fatalf("first wrong PIN after the lock: %v", err)
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "284913"); err != nil {
		t.Fatalf("right PIN after the lock: %v", err)
	}
	if st := payState(t, s, u.ID); st.PayFailures != 0 || st.PayLockedUntil != nil {
		t.Fatalf("after a right PIN: %+v", st)
	}
}

func TestRightPINResetsTheCount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := pinUser(t, s, "13800138008")
	if err := s.VerifyPayPassword(ctx, u.ID, ""); models.ErrorField(err) != "pay_password" || payState(t, s, u.ID).PayFailures != 0 {
		t.Fatalf("empty PIN: %v (must not count)", err)
	}
	for round := range 3 {
		for i := 1; i < auth.MaxPayFailures; i++ {
			err := s.VerifyPayPassword(ctx, u.ID, "111222")
			if want := strconv.FormatInt(int64(auth.MaxPayFailures-i), 10) + " tries left"; models.ErrorField(err) != "pay_password" || !strings.Contains(models.ErrorMessage(err), want) {
				t.Fatalf("round %d, wrong PIN %d: %v, want %q", round, i, err, want)
			}
		}
		if err := s.VerifyPayPassword(ctx, u.ID, "284913"); err != nil {
			t.Fatalf("round %d: right PIN after %d wrong: %v", round, auth.MaxPayFailures-1, err)
		}
		if st := payState(t, s, u.ID); st.PayFailures != 0 || st.PayLockedUntil != nil {
			t.Fatalf("round %d: not reset: %+v", round, st)
		}
	}
	for i := 1; i < auth.MaxPayFailures; i++ {
		_ = s.VerifyPayPassword(ctx, u.ID, "111222")
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "111222"); models.ErrorCode(err) != models.ELOCKED {
		t.Fatalf("fifth wrong PIN in a row: %v", err)
	}
	if err := s.VerifyPayPassword(ctx, 999999, "284913"); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("no such user: %v", err)
	}
}

// TestRightPINInFlightLiftsTheLock: the owner's right PIN, checked while four
// wrong guesses take the remaining places, resets the count and lifts the lock
// the last of them took; a check arriving meanwhile is told to wait.
func TestRightPINInFlightLiftsTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := pinUser(t, s, "13800138009")
	entered := make(chan string, 8)
	gates := map[string]chan struct{}{"284913": make(chan struct{}), "111222": make(chan struct{})}
	auth.BeforePINCheck(s, func(pin string) { entered <- pin; <-gates[pin] })
	right := make(chan error, 1)
	go func() { right <- s.VerifyPayPassword(ctx, u.ID, "284913") }()
	if pin := <-entered; pin != "284913" {
		t.Fatal(pin)
	}
	// No row lock is held while the PIN is being hashed.
	if err := s.DB.Transaction(func(tx *gorm.DB) error {
		return tx.Exec("SELECT id FROM users WHERE id = ? FOR UPDATE NOWAIT", u.ID).Error
	}); err != nil {
		t.Fatalf("the user's row is locked during the check: %v", err)
	}
	wrong := make(chan error, auth.MaxPayFailures-1)
	for range auth.MaxPayFailures - 1 {
		go func() { wrong <- s.VerifyPayPassword(ctx, u.ID, "111222") }()
		<-entered
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "135790"); models.ErrorCode(err) != models.ELOCKED || !strings.Contains(models.ErrorMessage(err), "at once") {
		t.Fatalf("a sixth check while five are in flight: %v", err)
	}
	close(gates["111222"])
	locked := 0
	for range auth.MaxPayFailures - 1 {
		if err := <-wrong; models.ErrorCode(err) == models.ELOCKED {
			locked++
		} else if models.ErrorField(err) != "pay_password" {
			t.Fatal(err)
		}
	}
	if locked != 1 || payState(t, s, u.ID).PayLockedUntil == nil {
		t.Fatalf("%d wrong guesses locked; state %+v", locked, payState(t, s, u.ID))
	}
	close(gates["284913"])
	if err := <-right; err != nil {
		t.Fatalf("right PIN in flight: %v", err)
	}
	if st := payState(t, s, u.ID); st.PayFailures != 0 || st.PayLockedUntil != nil {
		t.Fatalf("right PIN did not reset: %+v", st)
	}
	auth.BeforePINCheck(s, nil)
	if err := s.VerifyPayPassword(ctx, u.ID, "284913"); err != nil {
		t.Fatal(err)
	}
}

// limitClock is a settable clock for limiters.
type limitClock struct{ now time.Time }

func (c *limitClock) Now() time.Time { return c.now }

func TestAccountFormsShareTheLoginLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	clock := &limitClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	s.ByAccount, s.ByIP = auth.NewLimiter(s.DB, "login.account", nil, time.Minute, 5), auth.NewLimiter(s.DB, "login.address", nil, time.Hour, 1000)
	s.ByAccount.Now = clock.Now
	u := register(t, s, "13800138011", models.RoleBuyer)
	a := u.Actor()
	// Right passwords give their attempt back: ten in a row leave the bucket full.
	for i := range 10 {
		if err := s.SetPayPassword(ctx, a, "correct horse battery", "", []string{"284913", "902746"}[i%2]); err != nil {
			t.Fatalf("right password %d: %v", i+1, err)
		}
	}
	// Wrong ones count, on either form.
	for i := range 5 {
		var err error
		if i%2 == 0 {
			err = s.ChangePassword(ctx, a, "guess "+strconv.FormatInt(int64(i), 10), "a new long password")
		} else {
			err = s.SetPayPassword(ctx, a, "guess "+strconv.FormatInt(int64(i), 10), "", "135790")
		}
		if models.ErrorField(err) != "current_password" {
			t.Fatalf("wrong guess %d: %v", i+1, err)
		}
	}
	for name, err := range map[string]error{
		"change password, right password": s.ChangePassword(ctx, a, "correct horse battery", "a new long password"),
		"set payment password":            s.SetPayPassword(ctx, a, "correct horse battery", "", "135790"),
		"login":                           func() error { _, err := s.Login(ctx, u.Login, "correct horse battery", "10.3.3.3"); return err }(),
	} {
		if models.ErrorCode(err) != models.ERATELIMIT {
			t.Errorf("%s after five wrong guesses on the forms: %v, want rate limited", name, err)
		}
	}
	if got, _ := s.Get(ctx, u.ID); got.PasswordHash != u.PasswordHash {
		t.Fatal("the password changed while rate limited")
	}
	// One minute later, one more attempt.
	clock.now = clock.now.Add(time.Minute)
	if err := s.ChangePassword(ctx, a, "another guess", "a new long password"); models.ErrorField(err) != "current_password" {
		t.Fatalf("attempt after a minute: %v", err)
	}
	if err := s.ChangePassword(ctx, a, "correct horse battery", "a new long password"); models.ErrorCode(err) != models.ERATELIMIT {
		t.Fatalf("second attempt in that minute: %v", err)
	}

	// And the other way round: wrong logins use up the forms' attempts.
	v := register(t, s, "13800138012", models.RoleBuyer)
	for range 5 {
		_, _ = s.Login(ctx, v.Login, "wrong password", "10.4.4.4")
	}
	if err := s.SetPayPassword(ctx, v.Actor(), "correct horse battery", "", "284913"); models.ErrorCode(err) != models.ERATELIMIT {
		t.Fatalf("set payment password after five wrong logins: %v", err)
	}
	if got, _ := s.Get(ctx, v.ID); got.HasPayPassword() {
		t.Fatal("payment password set while rate limited")
	}
}

func TestNewPINDoesNotLiftTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	u := pinUser(t, s, "13800138013")
	for range auth.MaxPayFailures {
		_ = s.VerifyPayPassword(ctx, u.ID, "111222")
	}
	if err := s.SetPayPassword(ctx, u.Actor(), "correct horse battery", "", "135790"); err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyPayPassword(ctx, u.ID, "135790"); models.ErrorCode(err) != models.ELOCKED {
		t.Fatalf("new PIN while locked: %v, want locked", err)
	}
}

func TestRegistrationLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t)
	clock := &limitClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	s.RegisterByIP, s.RegisterByLogin = auth.NewLimiter(s.DB, "register.address", nil, time.Minute, 3), auth.NewLimiter(s.DB, "register.number", nil, 10*time.Minute, 3)
	s.RegisterByIP.Now, s.RegisterByLogin.Now = clock.Now, clock.Now
	reg := func(login, ip string) error {
		_, err := s.Register(ctx, models.Registration{Role: models.RoleBuyer, Login: login, Password: "correct horse battery", DisplayName: "Wang"}, ip)
		return err
	}
	users := func() (n int64) { s.DB.Raw("SELECT count(*) FROM users").Scan(&n); return }
	register(t, s, "13800138100", models.RoleBuyer) // from 192.0.2.1

	// Per address: an enumerator trying numbers from one address (or one IPv6 /64).
	if err := reg("13800138100", "2001:db8:5:6::1"); models.ErrorField(err) != "login" {
		t.Fatalf("taken number: %v", err)
	}
	if err := reg("13800138101", "2001:db8:5:6::2"); err != nil {
		t.Fatal(err)
	}
	if err := reg("13800138102", "2001:db8:5:6::3"); err != nil {
		t.Fatal(err)
	}
	// Incomplete forms cost nothing.
	for range 5 {
		if _, err := s.Register(ctx, models.Registration{Role: models.RoleBuyer, Login: "13800138109", Password: "x"}, "2001:db8:5:6::4"); models.ErrorCode(err) != models.EINVALID {
			t.Fatal(err)
		}
	}
	before := users()
	for _, login := range []string{"13800138100", "13800138103"} {
		if err := reg(login, "2001:db8:5:6:ffff::9"); models.ErrorCode(err) != models.ERATELIMIT {
			t.Fatalf("4th registration from one /64 (%s): %v, want rate limited", login, err)
		}
	}
	if users() != before {
		t.Fatal("a refused registration created a user")
	}
	if err := reg("13800138103", "2001:db8:5:7::1"); err != nil {
		t.Fatalf("the next /64: %v", err)
	}

	// Per number: many addresses asking about one number.
	if err := reg("13800138100", "198.51.100.1"); models.ErrorField(err) != "login" {
		t.Fatalf("third question about a number: %v", err)
	}
	if err := reg("13800138100", "198.51.100.2"); models.ErrorCode(err) != models.ERATELIMIT {
		t.Fatalf("fourth question about a number, from a fresh address: %v, want rate limited", err)
	}
	clock.now = clock.now.Add(10 * time.Minute)
	if err := reg("13800138100", "198.51.100.3"); models.ErrorField(err) != "login" {
		t.Fatalf("ten minutes later: %v", err)
	}
	var audits int64
	s.DB.Raw("SELECT count(*) FROM audit_log WHERE action = 'user.register'").Scan(&audits)
	if audits != users() {
		t.Fatalf("%d registrations audited for %d users", audits, users())
	}
}

type fixedTopUps map[int64]string

func (f fixedTopUps) TopUpReference(_ context.Context, userID int64) (string, error) {
	return f[userID], nil
}

func TestAccountIsTheReadersOwn(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	buyer := register(t, s, "13800138000", models.RoleBuyer)
	seller := register(t, s, "05305551234", models.RoleSeller)
	s.TopUps = fixedTopUps{buyer.ID: "812345678"}

	a, err := s.Account(ctx, buyer.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if a.User.ID != buyer.ID || a.TopUpReference != "812345678" || a.Seller != nil {
		t.Fatalf("buyer's account = %+v", a)
	}
	a, err = s.Account(ctx, seller.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if a.User.ID != seller.ID || a.Seller == nil || a.Seller.ShopName != "Heze Goods" || a.TopUpReference != "" {
		t.Fatalf("seller's account = %+v", a)
	}
	for _, who := range []models.Actor{models.Anonymous, {}, models.System, {Role: models.RoleBuyer},
		{UserID: buyer.ID, Role: models.RoleSystem}, {UserID: buyer.ID, Role: models.RoleOperator}} {
		if _, err := s.Account(ctx, who); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Errorf("%+v reads an account: %v", who, err)
		}
	}
}
