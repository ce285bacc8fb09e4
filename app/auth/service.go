// Package auth is who is who on the platform: registration, login, session
// tokens, login and payment passwords, freezing. Passwords are argon2id;
// payment passwords are argon2id over an HMAC under a server-side pepper (see
// password.go); every change to a user's security settings is audited.
package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
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
	// Login attempts are limited per login name and per client address.
	ByAccount *Limiter
	ByIP      *Limiter
	Now       func() time.Time
	// DefaultCommission gives the commission rate of a new seller (the
	// operators' setting); nil leaves the database default.
	DefaultCommission func(ctx context.Context, tx *gorm.DB) (decimal.Decimal, error)
	// pepper keys every payment password hash (PAY_PASSWORD_PEPPER).
	pepper []byte
}

// NewService returns the service with the default login limits: per account 5
// attempts then one a minute; per address 20 then one every 3 seconds.
// payPepper is the secret that keys payment password hashes (at least
// MinPepperLen bytes); without it every payment password operation fails,
// and nothing else does (the command line creates operators without one).
func NewService(db *gorm.DB, tokens *Tokens, payPepper []byte) *Service {
	return &Service{DB: db, Tokens: tokens, pepper: payPepper,
		ByAccount: NewLimiter(time.Minute, 5), ByIP: NewLimiter(3*time.Second, 20), Now: time.Now}
}

var errBadLogin = models.Errorf(models.EUNAUTHORIZED, "The number or the password is not right.")

// Register creates a buyer or seller account.
//
// Errors: EINVALID with every field problem (a taken login name included).
func (s *Service) Register(ctx context.Context, r models.Registration) (*models.User, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	u := &models.User{Role: r.Role, Login: r.Login, DisplayName: r.DisplayName, PasswordHash: hash, TokenVersion: 1}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Omit("id", "created_at", "updated_at").Create(u).Error; err != nil {
			if store.IsUniqueViolation(err, "users_login_key") {
				return models.Invalid(models.FieldError("login", "An account with this number already exists. Sign in instead."))
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

// CreateOperator creates an operator account; only the command line calls it.
func (s *Service) CreateOperator(ctx context.Context, login, name, password string) (*models.User, error) {
	var ps []*models.Error
	keep := models.Collector[string](&ps)
	login = keep(models.ParseLogin(login))
	name = keep(models.CheckName("display_name", name, 50))
	if e := models.AsError(models.CheckPassword("password", password)); e != nil {
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
				return models.FieldError("login", "An account with this number already exists. Sign in instead.")
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
	if !s.ByIP.Allow(AddressKey(ip)) {
		return nil, models.Errorf(models.ERATELIMIT, "Too many attempts. Please wait and try again.")
	}
	norm, perr := models.ParseLogin(login)
	key := norm
	if perr != nil {
		key = strings.ToLower(strings.TrimSpace(login))
		if len(key) > 64 {
			key = key[:64]
		}
	}
	if !s.ByAccount.Allow("acct:" + key) {
		return nil, models.Errorf(models.ERATELIMIT, "Too many attempts. Please wait and try again.")
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

// ChangePassword replaces the login password after checking the current one,
// and revokes every session.
//
// Errors: EINVALID (field current_password or new_password).
func (s *Service) ChangePassword(ctx context.Context, actor models.Actor, current, next string) error {
	u, err := s.Get(ctx, actor.UserID)
	if err != nil {
		return err
	}
	if ok, _, _ := VerifyPassword(u.PasswordHash, current); !ok {
		return models.FieldError("current_password", "The current password is not right.")
	}
	if err := models.CheckPassword("new_password", next); err != nil {
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
// the lockout.
//
// Errors: EINVALID (fields pay_password, current_password, old_pay_password);
// ELOCKED while payments are locked.
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
		if ok, _, _ := VerifyPassword(u.PasswordHash, loginPassword); !ok {
			return models.FieldError("current_password", "The current password is not right.")
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

// VerifyPayPassword checks a payment password before money moves. The check
// and the failure count are serialised on the user's row and committed on
// their own, so a wrong guess counts even though the payment it guarded fails;
// the fifth wrong guess locks payments for PayLockFor.
//
// Errors: EINVALID (field pay_password) for a wrong or missing password; ELOCKED
// while locked; ECONFLICT when no payment password is set.
func (s *Service) VerifyPayPassword(ctx context.Context, userID int64, pin string) error {
	var outcome error
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		outcome = nil
		var u models.User
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", userID).Take(&u).Error; err != nil {
			return err
		}
		now := s.Now()
		if u.PayLockedUntil != nil && u.PayLockedUntil.After(now) {
			outcome = models.Errorf(models.ELOCKED, "Payments are locked until %s after too many wrong payment passwords.",
				u.PayLockedUntil.In(models.Shanghai).Format("2006-01-02 15:04"))
			return nil
		}
		if !u.HasPayPassword() {
			outcome = models.Errorf(models.ECONFLICT, "Set a payment password on your account page first.")
			return nil
		}
		if pin == "" {
			outcome = models.FieldError("pay_password", "Enter your payment password.")
			return nil
		}
		ok, rehash, err := s.verifyPIN(*u.PayPasswordHash, pin)
		if err != nil {
			return err
		}
		if ok {
			if rehash {
				h, err := s.hashPIN(pin)
				if err != nil {
					return err
				}
				if err := tx.Exec("UPDATE users SET pay_password_hash = ? WHERE id = ?", h, u.ID).Error; err != nil {
					return err
				}
			}
			if u.PayFailures > 0 {
				return tx.Exec("UPDATE users SET pay_failures = 0 WHERE id = ?", u.ID).Error
			}
			return nil
		}
		failures := u.PayFailures + 1
		if failures >= MaxPayFailures {
			until := now.Add(PayLockFor)
			outcome = models.Errorf(models.ELOCKED, "Payments are locked until %s after too many wrong payment passwords.",
				until.In(models.Shanghai).Format("2006-01-02 15:04"))
			if err := tx.Exec("UPDATE users SET pay_failures = 0, pay_locked_until = ? WHERE id = ?", until, u.ID).Error; err != nil {
				return err
			}
			a := u.Actor()
			return audit.Record(ctx, tx, &a, "user.pay_locked", userTarget(u.ID), map[string]any{"until": until})
		}
		outcome = models.FieldError("pay_password", "Wrong payment password: %d tries left before payments lock for 3 hours.", MaxPayFailures-failures)
		return tx.Exec("UPDATE users SET pay_failures = ? WHERE id = ?", failures, u.ID).Error
	})
	if err != nil {
		return fmt.Errorf("verify payment password: %w", err)
	}
	return outcome
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

// SetCommission sets a seller's commission rate (a fraction, 0.006 = 0.6%),
// which applies to releases from then on.
//
// Errors: EFORBIDDEN unless actor is an operator; ENOTFOUND; EINVALID (field rate).
func (s *Service) SetCommission(ctx context.Context, actor models.Actor, sellerID int64, rate decimal.Decimal) error {
	if !actor.IsOperator() {
		return models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	if rate.IsNegative() || rate.GreaterThanOrEqual(decimal.RequireFromString("0.2")) || !rate.Equal(rate.Round(4)) {
		return models.FieldError("rate", "Enter a rate in percent from 0 to 20, such as 0.6.")
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var old string
		res := tx.Raw("SELECT commission_rate::text FROM sellers WHERE user_id = ? FOR UPDATE", sellerID).Scan(&old)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No such seller.")
		}
		if err := tx.Exec("UPDATE sellers SET commission_rate = ? WHERE user_id = ?", rate, sellerID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, &actor, "seller.commission", userTarget(sellerID), map[string]any{"from": old, "to": rate.String()})
	})
}

// Commissions returns the commission rates of the given sellers.
func (s *Service) Commissions(ctx context.Context, ids []int64) (map[int64]decimal.Decimal, error) {
	var rows []struct {
		UserID         int64
		CommissionRate decimal.Decimal
	}
	if err := s.DB.WithContext(ctx).Raw("SELECT user_id, commission_rate FROM sellers WHERE user_id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]decimal.Decimal, len(rows))
	for _, r := range rows {
		out[r.UserID] = r.CommissionRate
	}
	return out, nil
}

// UserQuery filters the operators' user list.
type UserQuery struct {
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
	if q.Role != "" {
		db = db.Where("role = ?", q.Role)
	}
	if term := strings.TrimSpace(q.Search); term != "" {
		like := "%" + strings.NewReplacer("%", `\%`, "_", `\_`).Replace(term) + "%"
		db = db.Where("login LIKE ? OR display_name ILIKE ?", like, like)
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
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ENOTFOUND, "No such seller.")
	}
	return &sel, nil
}

func userTarget(id int64) string { return fmt.Sprintf("user:%d", id) }
