// Package auth is who is who on the platform: registration, login, session
// tokens, login and payment passwords, freezing. Passwords are argon2id;
// payment passwords are argon2id over an HMAC under a server-side pepper (see
// password.go); every change to a user's security settings is audited.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Payment password lockout.
const (
	MaxPayFailures = 5
	PayLockFor     = 3 * time.Hour
)

// Service manages users and their credentials.
type Service struct {
	DB     *gorm.DB
	Tokens *Tokens
	// Login attempts are limited per login name and per client address. The
	// login password checks of the account forms (ChangePassword,
	// SetPayPassword) draw on the same per-account bucket, but a right password
	// there gives its attempt back.
	ByAccount *Limiter
	ByIP      *Limiter
	// Registrations are limited per client address and per number, before any
	// hashing: each costs 19 MiB of argon2id, and its answer tells whether the
	// number has an account.
	RegisterByIP    *Limiter
	RegisterByLogin *Limiter
	Now             func() time.Time
	// DefaultCommission gives the commission rate of a new seller (the
	// operators' setting); nil leaves the database default.
	DefaultCommission func(ctx context.Context, tx *gorm.DB) (models.Rate, error)
	// TopUps gives a buyer's wallet top-up reference for the account page
	// (funding); nil leaves it out.
	TopUps TopUps
	// pepper keys every payment password hash (PAY_PASSWORD_PEPPER).
	pepper []byte
	// beforePINCheck, when set (tests), runs after an attempt is reserved and
	// before its PIN is hashed.
	beforePINCheck func(pin string)
}

// NewService returns the service with the default limits (kept in the
// database, shared by every node): login per account 5 attempts then one a
// minute, per address 20 then one every 3 seconds; registration per address
// 10 then one a minute, per number 3 then one every 10 minutes.
// payPepper is the secret that keys payment password hashes (at least
// MinPepperLen bytes); without it every payment password operation fails,
// and nothing else does (the command line creates operators without one).
func NewService(db *gorm.DB, tokens *Tokens, payPepper []byte) *Service {
	k := limiterSecret(payPepper)
	return &Service{DB: db, Tokens: tokens, pepper: payPepper,
		ByAccount: NewLimiter(db, "login.account", k, time.Minute, 5), ByIP: NewLimiter(db, "login.address", k, 3*time.Second, 20),
		RegisterByIP:    NewLimiter(db, "register.address", k, time.Minute, 10),
		RegisterByLogin: NewLimiter(db, "register.number", k, 10*time.Minute, 3), Now: time.Now}
}

var (
	errBadLogin    = models.Errorf(models.EUNAUTHORIZED, "The number or the password is not right.")
	errTooMany     = models.Errorf(models.ERATELIMIT, "Too many attempts. Please wait and try again.")
	errNumberTaken = models.FieldError("login", "An account with this number already exists. Sign in instead.")
)

// Register creates a buyer or seller account for a person at client address
// ip. A complete registration counts towards the limits of its address and
// its number (an incomplete form costs nothing and reveals nothing); past
// them it is refused before the password is hashed or the number looked up,
// so the clear "already exists" answer cannot enumerate accounts at scale.
//
// Errors: EINVALID with every field problem (a taken login name included);
// ERATELIMIT when the address or the number made too many attempts.
func (s *Service) Register(ctx context.Context, r models.Registration, ip string) (*models.User, error) {
	err := r.Validate()
	if models.AsError(models.CheckPassword("password", r.Password)) == nil {
		if e := models.AsError(CheckNewPassword("password", r.Password)); e != nil {
			err = withProblem(err, e)
		}
	}
	if err != nil {
		return nil, err
	}
	if ok, err := s.RegisterByIP.Allow(ctx, AddressKey(ip)); err != nil || !ok {
		return nil, tooMany(err)
	}
	if ok, err := s.RegisterByLogin.Allow(ctx, "login:"+r.Login); err != nil || !ok {
		return nil, tooMany(err)
	}
	var taken int64
	if err := s.DB.WithContext(ctx).Raw("SELECT count(*) FROM users WHERE login = ?", r.Login).Scan(&taken).Error; err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	if taken > 0 {
		return nil, models.Invalid(errNumberTaken) // no hash spent on it
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	u := &models.User{Role: r.Role, Login: r.Login, DisplayName: r.DisplayName, PasswordHash: hash, TokenVersion: 1}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Omit("id", "created_at", "updated_at").Create(u).Error; err != nil {
			if store.IsUniqueViolation(err, "users_login_key") {
				return models.Invalid(errNumberTaken)
			}
			return err
		}
		if r.Role == models.RoleSeller {
			sel := map[string]any{"user_id": u.ID, "shop_name": r.ShopName, "legal_name": r.LegalName,
				"bank_account": r.BankAccount, "bank_holder": r.BankHolder}
			if s.DefaultCommission != nil {
				rate, err := s.DefaultCommission(ctx, tx)
				if err != nil {
					return err
				}
				sel["commission_rate"] = rate
			}
			if err := tx.Table("sellers").Create(sel).Error; err != nil {
				return err
			}
		}
		a := u.Actor()
		return audit.Record(ctx, tx, &a, "user.register", userTarget(u.ID), map[string]any{"role": u.Role})
	})
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	return u, nil
}

// withProblem adds problem p to the EINVALID error err (nil: none yet).
func withProblem(err error, p *models.Error) error {
	e := models.AsError(err)
	if e == nil {
		return models.Invalid(p)
	}
	ps := e.Fields
	if len(ps) == 0 {
		ps = []*models.Error{e}
	}
	return models.Invalid(append(append([]*models.Error{}, ps...), p)...)
}

// CreateOperator creates an operator account; only the command line calls it.
func (s *Service) CreateOperator(ctx context.Context, login, name, password string) (*models.User, error) {
	var ps []*models.Error
	keep := models.Collector[string](&ps)
	login = keep(models.ParseLogin(login))
	name = keep(models.CheckName("display_name", name, 50))
	if e := models.AsError(CheckNewPassword("password", password)); e != nil {
		ps = append(ps, e)
	}
	if err := models.Invalid(ps...); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &models.User{Role: models.RoleOperator, Login: login, DisplayName: name, PasswordHash: hash, TokenVersion: 1}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Omit("id", "created_at", "updated_at").Create(u).Error; err != nil {
			if store.IsUniqueViolation(err, "users_login_key") {
				return errNumberTaken
			}
			return err
		}
		return audit.Record(ctx, tx, nil, "operator.create", userTarget(u.ID), map[string]any{"by": "command line"})
	})
	if err != nil {
		return nil, fmt.Errorf("create operator: %w", err)
	}
	return u, nil
}

// Login checks a login name and password, within the rate limits.
//
// Errors: ERATELIMIT when the account or the address made too many attempts;
// EUNAUTHORIZED, with the same message whether the name is unknown or the
// password wrong.
func (s *Service) Login(ctx context.Context, login, password, ip string) (*models.User, error) {
	if ok, err := s.ByIP.Allow(ctx, AddressKey(ip)); err != nil || !ok {
		return nil, tooMany(err)
	}
	norm, perr := models.ParseLogin(login)
	key := norm
	if perr != nil {
		key = strings.ToLower(strings.TrimSpace(login))
		if len(key) > 64 {
			key = key[:64]
		}
	}
	if ok, err := s.ByAccount.Allow(ctx, accountKey(key)); err != nil || !ok {
		return nil, tooMany(err)
	}
	var u models.User
	found := false
	if perr == nil {
		res := s.DB.WithContext(ctx).Where("login = ?", norm).Limit(1).Find(&u)
		if res.Error != nil {
			return nil, fmt.Errorf("login: %w", res.Error)
		}
		found = res.RowsAffected == 1
	}
	if !found {
		_, _, _ = VerifyPassword(dummyHash, password) // same time as a wrong password
		return nil, errBadLogin
	}
	ok, rehash, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	if !ok {
		return nil, errBadLogin
	}
	if rehash {
		if h, err := HashPassword(password); err == nil {
			s.DB.WithContext(ctx).Model(&models.User{}).Where("id = ?", u.ID).Update("password_hash", h)
		}
	}
	return &u, nil
}

// Get returns a user by id. Errors: ENOTFOUND.
func (s *Service) Get(ctx context.Context, id int64) (*models.User, error) {
	var u models.User
	res := s.DB.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&u)
	if res.Error != nil {
		return nil, fmt.Errorf("get user %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such user.")
	}
	return &u, nil
}

// Authenticate checks a session token for audience aud and returns its user.
// Tokens issued before the user's last logout or password change are refused.
//
// Errors: EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, token, aud string) (*models.User, *Claims, error) {
	c, err := s.Tokens.Parse(token, aud)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.Get(ctx, c.UserID())
	if models.ErrorCode(err) == models.ENOTFOUND {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, err
	}
	if u.TokenVersion != c.Version || u.Role != c.Role {
		return nil, nil, ErrBadToken
	}
	return u, c, nil
}

// Logout revokes every session token of the user.
func (s *Service) Logout(ctx context.Context, userID int64) error {
	return s.DB.WithContext(ctx).Exec("UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE id = ?", userID).Error
}

func accountKey(login string) string { return "acct:" + login }

// tooMany is the answer to a refused attempt: err when the limit could not
// be checked, else ERATELIMIT.
func tooMany(err error) error {
	if err != nil {
		return err
	}
	return errTooMany
}

// limiterSecret keys the limiters' stored keys, derived from the pepper so
// that every node has the same.
func limiterSecret(pepper []byte) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte("lineescrow rate limits"))
	return m.Sum(nil)
}

// checkLoginPassword checks the login password of a signed-in user on an
// account form. A stolen session must not make it a guessing oracle: each
// check takes an attempt from the account's login bucket (so guesses here and
// at the login page share one limit), and a right password gives it back.
//
// Errors: ERATELIMIT; EINVALID (field current_password).
func (s *Service) checkLoginPassword(ctx context.Context, u *models.User, pw string) error {
	giveBack, ok, err := s.ByAccount.Reserve(ctx, accountKey(u.Login))
	if err != nil || !ok {
		return tooMany(err)
	}
	if ok, _, _ := VerifyPassword(u.PasswordHash, pw); !ok {
		return models.FieldError("current_password", "The current password is not right.")
	}
	giveBack()
	return nil
}

// ChangePassword replaces the login password after checking the current one,
// and revokes every session.
//
// Errors: EINVALID (field current_password or new_password); ERATELIMIT after
// too many wrong passwords for the account (here or at login).
func (s *Service) ChangePassword(ctx context.Context, actor models.Actor, current, next string) error {
	u, err := s.Get(ctx, actor.UserID)
	if err != nil {
		return err
	}
	if err := s.checkLoginPassword(ctx, u, current); err != nil {
		return err
	}
	if err := CheckNewPassword("new_password", next); err != nil {
		return err
	}
	if next == current {
		return models.FieldError("new_password", "Choose a password different from the current one.")
	}
	if u.HasPayPassword() {
		if same, _, _ := s.verifyPIN(*u.PayPasswordHash, next); same {
			return models.FieldError("new_password", "The login password must differ from the payment password.")
		}
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE users SET password_hash = ?, token_version = token_version + 1, updated_at = now()
			WHERE id = ?`, hash, u.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, "user.password_change", userTarget(u.ID), nil)
	})
}

// SetPayPassword sets or changes the six-digit payment password. Setting it the
// first time needs the login password; changing it needs the old payment
// password or the login password. A wrong old payment password counts towards
// the lockout, a wrong login password towards the account's login limit. A new
// payment password does not lift a lock in force.
//
// Errors: EINVALID (fields pay_password, current_password, old_pay_password);
// ELOCKED while payments are locked; ERATELIMIT after too many wrong login
// passwords for the account.
func (s *Service) SetPayPassword(ctx context.Context, actor models.Actor, loginPassword, oldPin, newPin string) error {
	u, err := s.Get(ctx, actor.UserID)
	if err != nil {
		return err
	}
	if err := models.CheckPayPassword("pay_password", newPin); err != nil {
		return err
	}
	switch {
	case loginPassword != "":
		if err := s.checkLoginPassword(ctx, u, loginPassword); err != nil {
			return err
		}
	case oldPin != "" && u.HasPayPassword():
		if err := s.VerifyPayPassword(ctx, u.ID, oldPin); err != nil {
			return models.WithField(err, "old_pay_password")
		}
	case u.HasPayPassword():
		return models.FieldError("old_pay_password", "Enter your current payment password or your login password.")
	default:
		return models.FieldError("current_password", "Enter your login password to set a payment password.")
	}
	if same, _, _ := VerifyPassword(u.PasswordHash, newPin); same {
		return models.FieldError("pay_password", "The payment password must differ from the login password.")
	}
	hash, err := s.hashPIN(newPin)
	if err != nil {
		return fmt.Errorf("set payment password: %w", err)
	}
	action := "user.pay_password_set"
	if u.HasPayPassword() {
		action = "user.pay_password_change"
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE users SET pay_password_hash = ?, pay_failures = 0, updated_at = now() WHERE id = ?`,
			hash, u.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, action, userTarget(u.ID), nil)
	})
}

// VerifyPayPassword checks a payment password before money moves.
//
// No row lock is held while argon2id runs. Each check first reserves its
// attempt with one guarded UPDATE (not locked, fewer than MaxPayFailures
// attempts counted), committed on its own, so a wrong guess counts even though
// the payment it guarded fails, and concurrent guesses cannot hash more than
// MaxPayFailures between two right answers. The attempt that takes the last
// place locks payments for PayLockFor in the same statement; a right PIN
// (this one or one still in flight) resets the count and lifts that lock. A
// crash after reserving leaves the attempt counted, never a lock that does
// not expire.
//
// Errors: EINVALID (field pay_password) for a wrong or missing password, with
// the tries left; ELOCKED while locked, or while the last attempts are being
// checked; ECONFLICT when no payment password is set; ENOTFOUND for no such
// user.
func (s *Service) VerifyPayPassword(ctx context.Context, userID int64, pin string) error {
	now := s.Now()
	if pin == "" {
		return s.payRefusal(ctx, userID, now, models.FieldError("pay_password", "Enter your payment password."))
	}
	var a payAttempt
	for try := 0; ; try++ {
		res := s.DB.WithContext(ctx).Raw(`UPDATE users SET
				pay_failures = CASE WHEN pay_locked_until <= @now THEN 1 ELSE pay_failures + 1 END,
				pay_locked_until = CASE
					WHEN (CASE WHEN pay_locked_until <= @now THEN 1 ELSE pay_failures + 1 END) >= @max THEN @until
					WHEN pay_locked_until <= @now THEN NULL
					ELSE pay_locked_until END
			WHERE id = @id AND coalesce(pay_password_hash, '') <> ''
				AND (pay_locked_until IS NULL OR pay_locked_until <= @now)
				AND (pay_failures < @max OR pay_locked_until <= @now)
			RETURNING pay_password_hash, pay_failures, pay_locked_until`,
			map[string]any{"id": userID, "now": now, "until": now.Add(PayLockFor), "max": MaxPayFailures}).Scan(&a)
		if res.Error != nil {
			return fmt.Errorf("verify payment password: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			break
		}
		// Not reserved: say why. The refusal is nil only when the row changed in
		// between (a right PIN reset it); then try again, a few times at most.
		if err := s.payRefusal(ctx, userID, now, nil); err != nil || try == 2 {
			if err == nil {
				err = errPayBusy
			}
			return err
		}
	}
	if s.beforePINCheck != nil {
		s.beforePINCheck(pin)
	}
	ok, rehash, err := s.verifyPIN(a.PayPasswordHash, pin)
	if err != nil {
		return fmt.Errorf("verify payment password: %w", err) // the attempt stays counted
	}
	if ok {
		// Reset the count and lift a lock this or a concurrent attempt took.
		set := map[string]any{"pay_failures": 0, "pay_locked_until": nil}
		q := s.DB.WithContext(ctx).Model(&models.User{}).Where("id = ?", userID)
		if rehash {
			h, err := s.hashPIN(pin)
			if err != nil {
				return fmt.Errorf("verify payment password: %w", err)
			}
			// Only if nobody set another PIN meanwhile.
			set["pay_password_hash"] = gorm.Expr("CASE WHEN pay_password_hash = ? THEN ? ELSE pay_password_hash END", a.PayPasswordHash, h)
		}
		if err := q.UpdateColumns(set).Error; err != nil {
			return fmt.Errorf("verify payment password: %w", err)
		}
		return nil
	}
	if a.PayFailures < MaxPayFailures || a.PayLockedUntil == nil {
		return wrongPIN(a.PayFailures)
	}
	// This was the last try: the lock taken with it stays. A count of zero marks
	// it as decided (not an attempt still being checked), unless a right PIN or
	// a new payment password changed the row meanwhile: then say how it is now.
	var locked []struct{ Role models.Role }
	if err := s.DB.WithContext(ctx).Raw(`UPDATE users SET pay_failures = 0
		WHERE id = ? AND pay_locked_until IS NOT NULL AND pay_failures >= ? RETURNING role`, userID, MaxPayFailures).Scan(&locked).Error; err != nil {
		return fmt.Errorf("verify payment password: %w", err)
	}
	if len(locked) == 0 {
		return s.payRefusal(ctx, userID, now, wrongPIN(0))
	}
	actor := models.Actor{UserID: userID, Role: locked[0].Role}
	if err := audit.Record(ctx, s.DB, &actor, "user.pay_locked", userTarget(userID), map[string]any{"until": a.PayLockedUntil}); err != nil {
		return fmt.Errorf("verify payment password: %w", err)
	}
	return lockedUntil(*a.PayLockedUntil)
}

// wrongPIN answers a wrong payment password, failures wrong ones counted.
func wrongPIN(failures int) error {
	return models.FieldError("pay_password", "Wrong payment password: %d tries left before payments lock for 3 hours.", MaxPayFailures-failures)
}

// payAttempt is what reserving a payment password attempt returns.
type payAttempt struct {
	PayPasswordHash string
	PayFailures     int // counting this attempt
	PayLockedUntil  *time.Time
}

// errPayBusy answers a check that arrives while the last allowed attempts are
// still being checked: they decide whether payments lock.
var errPayBusy = models.Errorf(models.ELOCKED, "Too many payment password attempts at once. Please wait a moment and try again.")

func lockedUntil(t time.Time) error {
	return models.Errorf(models.ELOCKED, "Payments are locked until %s after too many wrong payment passwords.",
		t.In(models.Shanghai).Format("2006-01-02 15:04"))
}

// payRefusal says why no payment password attempt can be made for userID now:
// ENOTFOUND, ELOCKED, ECONFLICT (none set); else it returns otherwise.
func (s *Service) payRefusal(ctx context.Context, userID int64, now time.Time, otherwise error) error {
	var u models.User
	res := s.DB.WithContext(ctx).Where("id = ?", userID).Limit(1).Find(&u)
	switch {
	case res.Error != nil:
		return fmt.Errorf("verify payment password: %w", res.Error)
	case res.RowsAffected == 0:
		return models.Errorf(models.ENOTFOUND, "No such user.")
	case u.PayLockedUntil != nil && u.PayLockedUntil.After(now) && u.PayFailures >= MaxPayFailures:
		return errPayBusy
	case u.PayLockedUntil != nil && u.PayLockedUntil.After(now):
		return lockedUntil(*u.PayLockedUntil)
	case !u.HasPayPassword():
		return models.Errorf(models.ECONFLICT, "Set a payment password on your account page first.")
	}
	return otherwise
}

// SetFrozen freezes or unfreezes a buyer or seller. A frozen user can sign in
// and read, but moves no money.
//
// Errors: EFORBIDDEN unless actor is an operator; ENOTFOUND; EINVALID for an
// operator target or a freeze without a reason.
func (s *Service) SetFrozen(ctx context.Context, actor models.Actor, userID int64, frozen bool, reason string) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	reason = strings.TrimSpace(reason)
	if frozen && reason == "" {
		return models.FieldError("reason", "Give the reason for freezing.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var u models.User
		res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", userID).Limit(1).Find(&u)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No such user.")
		}
		if u.Role == models.RoleOperator {
			return models.Errorf(models.EINVALID, "Operators cannot be frozen here.")
		}
		if err := tx.Exec("UPDATE users SET frozen = ?, frozen_reason = ?, updated_at = now() WHERE id = ?",
			frozen, reason, userID).Error; err != nil {
			return err
		}
		action := "user.unfreeze"
		if frozen {
			action = "user.freeze"
		}
		return audit.Record(ctx, tx, &actor, action, userTarget(userID), map[string]any{"reason": reason})
	})
}

// UserQuery filters the operators' user list.
type UserQuery struct {
	ID     int64  // only this user
	Search string // login digits or part of a name
	Role   models.Role
	Limit  int
}

// ListUsers lists users for operators. Errors: EFORBIDDEN.
func (s *Service) ListUsers(ctx context.Context, actor models.Actor, q UserQuery) ([]models.User, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	db := s.DB.WithContext(ctx).Model(&models.User{})
	if q.ID != 0 {
		db = db.Where("id = ?", q.ID)
	}
	if q.Role != "" {
		db = db.Where("role = ?", q.Role)
	}
	if term := strings.TrimSpace(q.Search); term != "" {
		// A number is looked up by its digits, a name by its letters: each
		// on its own trigram index.
		digits := strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(term)
		if strings.Trim(digits, "0123456789") == "" {
			db = db.Where("login LIKE ?", "%"+digits+"%")
		} else {
			db = db.Where("display_name ILIKE ?", "%"+strings.NewReplacer("%", `\%`, "_", `\_`).Replace(term)+"%")
		}
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 100
	}
	var out []models.User
	if err := db.Order("id DESC").Limit(q.Limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// Seller returns a seller's shop and payout details. Errors: ENOTFOUND.
func (s *Service) Seller(ctx context.Context, userID int64) (*models.Seller, error) {
	var sel models.Seller
	res := s.DB.WithContext(ctx).Table("sellers").Where("user_id = ?", userID).Limit(1).Find(&sel)
	if res.Error != nil {
		return nil, fmt.Errorf("seller %d: %w", userID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such seller.")
	}
	return &sel, nil
}

// TopUps gives a buyer's personal wallet top-up reference, creating it on
// first use.
type TopUps interface {
	TopUpReference(ctx context.Context, userID int64) (string, error)
}

// Account is what a person's account page shows.
type Account struct {
	User *models.User
	// Seller is a seller's shop and payout details.
	Seller *models.Seller
	// TopUpReference is a buyer's personal wallet top-up reference.
	TopUpReference string
}

// Account returns the signed-in person's own account.
//
// Errors: EFORBIDDEN unless actor is a signed-in buyer, seller or operator
// (and that user); ENOTFOUND when the user is gone.
func (s *Service) Account(ctx context.Context, actor models.Actor) (*Account, error) {
	forbidden := models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	if !actor.IsBuyer() && !actor.IsSeller() && !actor.IsOperator() {
		return nil, forbidden
	}
	u, err := s.Get(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	if u.Role != actor.Role {
		return nil, forbidden
	}
	a := &Account{User: u}
	if u.Role == models.RoleSeller {
		if a.Seller, err = s.Seller(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	if u.Role == models.RoleBuyer && s.TopUps != nil {
		if a.TopUpReference, err = s.TopUps.TopUpReference(ctx, u.ID); err != nil {
			return nil, fmt.Errorf("account of user %d: %w", u.ID, err)
		}
	}
	return a, nil
}

// ShopName returns the name of a seller's shop. Errors: ENOTFOUND.
func (s *Service) ShopName(ctx context.Context, sellerID int64) (string, error) {
	sel, err := s.Seller(ctx, sellerID)
	if err != nil {
		return "", err
	}
	return sel.ShopName, nil
}

// DisplayName returns the name a user goes by. Errors: ENOTFOUND.
func (s *Service) DisplayName(ctx context.Context, userID int64) (string, error) {
	var names []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT display_name FROM users WHERE id = ?`, userID).Scan(&names).Error; err != nil {
		return "", fmt.Errorf("name of user %d: %w", userID, err)
	}
	if len(names) == 0 {
		return "", models.Errorf(models.ENOTFOUND, "No such user.")
	}
	return names[0], nil
}

func userTarget(id int64) string { return fmt.Sprintf("user:%d", id) }
