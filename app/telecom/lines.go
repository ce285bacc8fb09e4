package telecom

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// The binding's own limits (the front-end has its 5 holder checks a day).
const (
	// HolderTries is how many holder checks one binding gets.
	HolderTries = 5
	// CodeTries is how many codes a buyer may type for one call.
	CodeTries = 5
	// MaxCalls is how many verification calls one binding may ask for.
	MaxCalls = 3
	// CodeLife is how long the code read to the line can be typed.
	CodeLife = 10 * time.Minute
	// CallGap is the wait between two verification calls.
	CallGap = time.Minute
	// BindingLife is how long a binding may take from lookup to code.
	BindingLife = time.Hour
	// LookupsPerDay bounds the bindings one account starts in a day.
	LookupsPerDay = 10
)

// unavailable is what people are told when the front-end did not answer.
func unavailable(err error) error {
	if errors.Is(err, bankbridge.ErrUnavailable) {
		return models.Errorf(models.EUNAVAILABLE, "The phone company's system is not answering. Try again in a few minutes.")
	}
	return err
}

func buyerOnly(actor models.Actor) error {
	if !actor.IsBuyer() {
		return models.Errorf(models.EFORBIDDEN, "Only buyers bind a landline.")
	}
	return nil
}

// bound returns the actor's bound landline, or nil.
func (s *Service) bound(ctx context.Context, db *gorm.DB, userID int64) (*models.Landline, error) {
	var l models.Landline
	res := db.WithContext(ctx).Where("user_id = ? AND state = ?", userID, models.LineBound).Limit(1).Find(&l)
	if res.Error != nil {
		return nil, fmt.Errorf("landline of user %d: %w", userID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return &l, nil
}

// binding returns the actor's binding in progress (locked when tx is a
// transaction and lock is set), or nil. A binding older than BindingLife is
// abandoned.
func (s *Service) binding(ctx context.Context, db *gorm.DB, userID int64, lock bool) (*models.Landline, error) {
	var l models.Landline
	q := db.WithContext(ctx).Where("user_id = ? AND state IN ?", userID, []models.LandlineState{models.LineLookedUp, models.LineHolderVerified})
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	res := q.Limit(1).Find(&l)
	if res.Error != nil {
		return nil, fmt.Errorf("binding of user %d: %w", userID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	if s.now().Sub(l.CreatedAt) > BindingLife {
		if err := db.WithContext(ctx).Model(&models.Landline{}).Where("id = ?", l.ID).Update("state", models.LineAbandoned).Error; err != nil {
			return nil, err
		}
		return nil, nil
	}
	return &l, nil
}

func (s *Service) needBinding(ctx context.Context, db *gorm.DB, userID int64, lock bool, want models.LandlineState) (*models.Landline, error) {
	l, err := s.binding(ctx, db, userID, lock)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, models.Errorf(models.ECONFLICT, "Start again: look up your landline number first.")
	}
	if l.State != want {
		if want == models.LineHolderVerified {
			return nil, models.Errorf(models.ECONFLICT, "Confirm the holder's name and ID digits first.")
		}
		return nil, models.Errorf(models.ECONFLICT, "The holder is already confirmed: type the code the call read to you.")
	}
	return l, nil
}

// checkLine refuses a line the operator says cannot be bound or charged.
func checkLine(sub *bankbridge.Subscriber) error {
	switch {
	case sub.Status == bankbridge.SubscriberSuspended:
		return models.FieldError("phone", "This line is suspended by the phone company, so it cannot be used for payments.")
	case sub.Status != bankbridge.SubscriberActive:
		return models.FieldError("phone", "This line is closed, so it cannot be used for payments.")
	case sub.InArrears:
		return models.FieldError("phone", "This line has an unpaid phone bill. Pay the bill first, then try again.")
	}
	return nil
}

// StartBinding looks a landline up at the operator and starts binding it to
// the buyer's account: the line must be active and not in arrears, and not
// bound to another account; the buyer may have no landline bound already.
// A binding in progress is replaced.
//
// Errors: EFORBIDDEN unless a buyer; ECONFLICT when a landline is bound
// already; EINVALID (field phone) for a number that is malformed, unknown,
// suspended, closed, in arrears or bound elsewhere; EUNAVAILABLE when the
// front-end does not answer.
func (s *Service) StartBinding(ctx context.Context, actor models.Actor, phone string) (*models.Landline, error) {
	if err := buyerOnly(actor); err != nil {
		return nil, err
	}
	p, err := models.ParseLandline(phone)
	if err != nil {
		return nil, err
	}
	if l, err := s.bound(ctx, s.DB, actor.UserID); err != nil {
		return nil, err
	} else if l != nil {
		return nil, models.Errorf(models.ECONFLICT, "Your account already has landline %s. Unbind it first.", models.FormatLandline(l.Phone))
	}
	if err := s.boundElsewhere(ctx, s.DB, p, actor.UserID); err != nil {
		return nil, err
	}
	var today int64
	if err := s.DB.WithContext(ctx).Model(&models.Landline{}).Where("user_id = ? AND created_at >= ?", actor.UserID, dayStart(s.now())).
		Count(&today).Error; err != nil {
		return nil, err
	}
	if today >= LookupsPerDay {
		return nil, models.Errorf(models.ERATELIMIT, "You have looked up %d landlines today. Try again tomorrow.", LookupsPerDay)
	}
	sub, err := s.Front.Lookup(ctx, p)
	if errors.Is(err, bankbridge.ErrUnknownSubscriber) {
		return nil, models.FieldError("phone", "The phone company has no landline %s. Check the number and its area code.", models.FormatLandline(p))
	}
	if err != nil {
		return nil, unavailable(err)
	}
	if err := checkLine(sub); err != nil {
		return nil, err
	}
	l := &models.Landline{UserID: actor.UserID, Phone: sub.Phone, State: models.LineLookedUp, HolderMasked: sub.HolderName,
		CreditClass: sub.CreditClass, TenureMonths: sub.TenureMonths, BillingDay: sub.BillingDay, LineStatus: sub.Status,
		InArrears: sub.InArrears, LookedUpAt: s.now(), CreatedAt: s.now()}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT 1 FROM users WHERE id = ? FOR UPDATE", actor.UserID).Error; err != nil {
			return err
		}
		if err := tx.Model(&models.Landline{}).Where("user_id = ? AND state IN ?", actor.UserID,
			[]models.LandlineState{models.LineLookedUp, models.LineHolderVerified}).Update("state", models.LineAbandoned).Error; err != nil {
			return err
		}
		return tx.Omit("id").Create(l).Error
	})
	if err != nil {
		return nil, fmt.Errorf("start binding: %w", err)
	}
	return l, nil
}

func (s *Service) boundElsewhere(ctx context.Context, db *gorm.DB, phone string, userID int64) error {
	var n int64
	if err := db.WithContext(ctx).Model(&models.Landline{}).Where("phone = ? AND state = ? AND user_id <> ?", phone, models.LineBound, userID).
		Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return models.FieldError("phone", "This landline is already bound to another account. A landline can pay for one account only.")
	}
	return nil
}

// VerifyHolder checks the holder's full name and the last six characters of
// their ID number with the operator; on a match the verification call rings
// the line at once with a new code. A binding gets HolderTries checks (and
// the operator allows 5 a day per number).
//
// Errors: EINVALID (fields holder_name, id_last6) for malformed input or no
// match; ERATELIMIT when the tries are used up; ECONFLICT with no binding at
// this step; EUNAVAILABLE.
func (s *Service) VerifyHolder(ctx context.Context, actor models.Actor, holderName, idLast6 string) (*models.Landline, error) {
	if err := buyerOnly(actor); err != nil {
		return nil, err
	}
	name := holder(holderName)
	var ps []*models.Error
	if n := len([]rune(name)); n < 2 || n > 40 {
		ps = append(ps, models.FieldError("holder_name", "Enter the holder's full name as the phone company has it."))
	}
	id, err := models.ParseIDLast6(idLast6)
	if err != nil {
		ps = append(ps, models.AsError(err))
	}
	if err := models.Invalid(ps...); err != nil {
		return nil, err
	}
	l, err := s.needBinding(ctx, s.DB, actor.UserID, false, models.LineLookedUp)
	if err != nil {
		return nil, err
	}
	// The try is taken before the question is asked: two at once are two.
	res := s.DB.WithContext(ctx).Exec(`UPDATE landlines SET holder_tries = holder_tries + 1 WHERE id = ? AND state = 'looked_up' AND holder_tries < ?`,
		l.ID, HolderTries)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.ERATELIMIT, "Too many tries for this landline. Try again tomorrow.")
	}
	left := HolderTries - l.HolderTries - 1
	match, err := s.Front.VerifyHolder(ctx, l.Phone, name, id)
	switch {
	case errors.Is(err, bankbridge.ErrTooManyTries):
		return nil, models.Errorf(models.ERATELIMIT, "Too many tries for this landline today. Try again tomorrow.")
	case errors.Is(err, bankbridge.ErrUnknownSubscriber):
		return nil, models.FieldError("holder_name", "The phone company no longer knows this landline.")
	case err != nil:
		// No answer: the try is given back (the operator's key makes a repeat one try there too).
		s.DB.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE landlines SET holder_tries = holder_tries - 1 WHERE id = ? AND holder_tries > 0`, l.ID)
		return nil, unavailable(err)
	case !match:
		if left <= 0 {
			return nil, models.Errorf(models.ERATELIMIT, "The name or ID digits do not match the phone company's records, and no tries are left. Try again tomorrow.")
		}
		return nil, models.FieldError("holder_name", "The name or ID digits do not match the phone company's records. %d tries left.", left)
	}
	if err := s.DB.WithContext(ctx).Exec(`UPDATE landlines SET state = 'holder_verified', holder_name = ?, id_mac = ? WHERE id = ? AND state = 'looked_up'`,
		name, s.mac("id", id), l.ID).Error; err != nil {
		return nil, err
	}
	return s.call(ctx, actor)
}

// CallAgain rings the line again with a new code (the buyer missed the
// call): at most MaxCalls per binding, CallGap apart.
//
// Errors: ECONFLICT with no binding at this step; ERATELIMIT; EUNAVAILABLE.
func (s *Service) CallAgain(ctx context.Context, actor models.Actor) (*models.Landline, error) {
	if err := buyerOnly(actor); err != nil {
		return nil, err
	}
	return s.call(ctx, actor)
}

// call makes a verification call with a fresh code.
func (s *Service) call(ctx context.Context, actor models.Actor) (*models.Landline, error) {
	code := newCode()
	var l *models.Landline
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var err error
		if l, err = s.needBinding(ctx, tx, actor.UserID, true, models.LineHolderVerified); err != nil {
			return err
		}
		if l.Calls >= MaxCalls {
			return models.Errorf(models.ERATELIMIT, "The line has been called %d times. Start again later.", MaxCalls)
		}
		if l.CodeSentAt != nil && s.now().Sub(*l.CodeSentAt) < CallGap {
			return models.Errorf(models.ERATELIMIT, "The line was called a moment ago. Wait a minute before asking for another call.")
		}
		now := s.now()
		l.Calls++
		l.CodeSentAt, l.CodeMac, l.CodeTries = &now, s.mac("code", code), 0
		return tx.Model(&models.Landline{}).Where("id = ?", l.ID).
			Updates(map[string]any{"calls": l.Calls, "code_sent_at": now, "code_mac": l.CodeMac, "code_tries": 0}).Error
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.Front.VerificationCall(ctx, l.Phone, code); err != nil {
		// The call may not have rung: a new one may be asked for at once.
		s.DB.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE landlines SET code_sent_at = NULL, code_mac = '' WHERE id = ?`, l.ID)
		if errors.Is(err, bankbridge.ErrUnknownSubscriber) {
			return nil, models.Errorf(models.ECONFLICT, "The phone company no longer knows this landline.")
		}
		return nil, unavailable(err)
	}
	return l, nil
}

// holder writes a name as the operator keeps it: a Chinese name without
// spaces (张 伟 is 张伟), others with single spaces.
func holder(s string) string {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return strings.Join(strings.Fields(s), "")
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

// newCode is a six-digit code for the verification call.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand never fails
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// ConfirmCode binds the landline when code is the one the call read to it
// (within CodeLife, CodeTries tries per call).
//
// Errors: EINVALID (field code) for a wrong code; ERATELIMIT when the tries
// are used up; ECONFLICT with no binding at this step, an expired code, or
// a line bound to another account meanwhile.
func (s *Service) ConfirmCode(ctx context.Context, actor models.Actor, code string) (*models.Landline, error) {
	if err := buyerOnly(actor); err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return nil, models.FieldError("code", "Enter the six digits the call read to you.")
	}
	var out *models.Landline
	wrong := false
	err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		l, err := s.needBinding(ctx, tx, actor.UserID, true, models.LineHolderVerified)
		if err != nil {
			return err
		}
		switch {
		case l.CodeMac == "" || l.CodeSentAt == nil:
			return models.Errorf(models.ECONFLICT, "Ask for the verification call first.")
		case s.now().Sub(*l.CodeSentAt) > CodeLife:
			return models.Errorf(models.ECONFLICT, "The code has expired. Ask for another call.")
		case l.CodeTries >= CodeTries:
			return models.Errorf(models.ERATELIMIT, "Too many wrong codes. Ask for another call.")
		}
		if !sameMAC(l.CodeMac, s.mac("code", code)) {
			wrong = true
			return tx.Exec("UPDATE landlines SET code_tries = code_tries + 1 WHERE id = ?", l.ID).Error
		}
		if err := s.boundElsewhere(ctx, tx, l.Phone, actor.UserID); err != nil {
			return err
		}
		now := s.now()
		// The row's own savepoint: a unique violation (bound elsewhere at
		// this very moment) is an answer, not a broken transaction.
		err = tx.Transaction(func(sp *gorm.DB) error {
			return sp.Model(&models.Landline{}).Where("id = ?", l.ID).
				Updates(map[string]any{"state": models.LineBound, "bound_at": now, "code_mac": ""}).Error
		})
		if store.IsUniqueViolation(err, "landlines_bound_phone") {
			return models.FieldError("code", "This landline was just bound to another account.")
		}
		if store.IsUniqueViolation(err, "landlines_bound_user") {
			return models.Errorf(models.ECONFLICT, "Your account already has a landline.")
		}
		if err != nil {
			return err
		}
		l.State, l.BoundAt, l.CodeMac = models.LineBound, &now, ""
		out = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	if wrong {
		return nil, models.FieldError("code", "That is not the code the call read. Check it and try again.")
	}
	return out, nil
}

// CancelBinding gives up a binding in progress.
func (s *Service) CancelBinding(ctx context.Context, actor models.Actor) error {
	if err := buyerOnly(actor); err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Model(&models.Landline{}).Where("user_id = ? AND state IN ?", actor.UserID,
		[]models.LandlineState{models.LineLookedUp, models.LineHolderVerified}).Update("state", models.LineAbandoned).Error
}

// Unbind removes the buyer's landline from the account. A line with a
// charge the operator has not collected stays bound until it is.
//
// Errors: ENOTFOUND with no landline bound; ECONFLICT while a charge is
// uncollected.
func (s *Service) Unbind(ctx context.Context, actor models.Actor) error {
	if err := buyerOnly(actor); err != nil {
		return err
	}
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		var l models.Landline
		res := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("user_id = ? AND state = ?", actor.UserID, models.LineBound).Limit(1).Find(&l)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.ENOTFOUND, "No landline is bound to your account.")
		}
		var open int64
		if err := tx.Model(&models.Charge{}).Where("landline_id = ? AND state IN ?", l.ID, uncollectedStates).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return models.Errorf(models.ECONFLICT, "This landline still has %d charge(s) the phone company has not collected. You can unbind it once they are paid.", open)
		}
		return tx.Model(&models.Landline{}).Where("id = ?", l.ID).Updates(map[string]any{"state": models.LineUnbound, "unbound_at": s.now()}).Error
	})
}

var uncollectedStates = []models.ChargeState{models.ChargeRequested, models.ChargeAccepted, models.ChargeBilled, models.ChargeOverdue}
