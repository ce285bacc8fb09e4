package models

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Shanghai is the platform's time zone: every date people see is in it.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// Role is what a user is on the platform.
type Role string

// Roles.
const (
	RoleBuyer    Role = "buyer"
	RoleSeller   Role = "seller"
	RoleOperator Role = "operator"
)

// Actor is who asks for something: every service method that reads or changes a
// person's data takes one and checks it, so no handler can forget to. The zero
// Actor is nobody and is granted nothing; background work acts as System,
// visitors who have not signed in as Anonymous.
type Actor struct {
	UserID int64
	Role   Role
	Frozen bool
	// Gateway marks a seller acting through the merchant gateway's signed
	// requests (app/gateway) rather than the portal: only such an actor
	// takes the actions of the party ByMerchant.
	Gateway bool
}

// RoleAnonymous is the role of a visitor who has not signed in.
const RoleAnonymous Role = "anonymous"

// Anonymous is a visitor who has not signed in. Like the zero Actor it is
// nobody: it may read what is public (listings on sale) and nothing else. It
// is a value of its own so that code passing it says so on purpose.
var Anonymous = Actor{Role: RoleAnonymous}

// IsNobody reports whether no signed-in user and not the platform itself is
// behind the actor: Anonymous, the zero Actor, or any actor without a user.
func (a Actor) IsNobody() bool { return a.UserID <= 0 && !a.IsSystem() }

// IsOperator reports whether the actor is an operator (always a real user).
func (a Actor) IsOperator() bool { return a.Role == RoleOperator && a.UserID > 0 }

// IsBuyer reports whether the actor is a signed-in buyer.
func (a Actor) IsBuyer() bool { return a.Role == RoleBuyer && a.UserID > 0 }

// IsSeller reports whether the actor is a signed-in seller.
func (a Actor) IsSeller() bool { return a.Role == RoleSeller && a.UserID > 0 }

// CanMoveMoney returns EFORBIDDEN when the actor is frozen.
func (a Actor) CanMoveMoney() error {
	if a.Frozen {
		return Errorf(EFORBIDDEN, "Your account is frozen: money cannot be moved.")
	}
	return nil
}

// ParseLogin normalises a login name: a mainland mobile number (11 digits,
// starting 13–19) or a landline with its area code (0 + 9 to 11 digits).
// Spaces, dashes and brackets are ignored; a leading +86 or 0086 is dropped.
// It returns the digits, or EINVALID on field "login".
func ParseLogin(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '+' || r == '\u00a0':
		default:
			return "", FieldError("login", "Enter a mobile number (11 digits) or a landline number with its area code.")
		}
	}
	d := b.String()
	if strings.HasPrefix(strings.TrimSpace(s), "+86") || strings.HasPrefix(d, "0086") {
		d = strings.TrimPrefix(strings.TrimPrefix(d, "00"), "86")
	}
	switch {
	case len(d) == 11 && d[0] == '1' && d[1] >= '3':
		return d, nil
	case len(d) >= 10 && len(d) <= 12 && d[0] == '0' && d[1] != '0':
		return d, nil
	}
	return "", FieldError("login", "Enter a mobile number (11 digits) or a landline number with its area code.")
}

// FormatLogin shows a login name as people write it: 138 0013 8000, 0530-5551234.
func FormatLogin(d string) string {
	if len(d) == 11 && d[0] == '1' {
		return d[:3] + " " + d[3:7] + " " + d[7:]
	}
	if len(d) >= 10 && d[0] == '0' {
		// Three-digit area codes for the big cities (010, 02x), four elsewhere.
		if d[1] == '1' || d[1] == '2' {
			return d[:3] + "-" + d[3:]
		}
		return d[:4] + "-" + d[4:]
	}
	return d
}

// CheckName validates a name or a short text people will read (a person's,
// shop's or consignee's name, a title, an address, a reason) for field: 1 to
// max characters of valid UTF-8, no control characters, and none of the
// invisible characters that make a text read other than it is: Unicode format
// characters (category Cf: right-to-left override U+202E and the other bidi
// controls, zero-width space U+200B, joiners U+200C/U+200D, BOM U+FEFF, soft
// hyphen, tags), line and paragraph separators, non-characters, and the
// Hangul fillers that display as nothing. Private-use and not yet assigned
// code points are let through: rare characters of Chinese names live there
// in older fonts and newer Unicode versions.
func CheckName(field, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", errInvisible(field)
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return "", FieldError(field, "This field is required.")
	}
	if n > max {
		return "", FieldError(field, "At most %d characters.", max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", FieldError(field, "Remove the control characters.")
		}
		if invisible(r) {
			return "", errInvisible(field)
		}
	}
	return s, nil
}

func errInvisible(field string) error {
	return FieldError(field, "Remove the invisible or direction-changing characters (such as zero-width spaces or right-to-left marks).")
}

// invisible reports whether r changes how a text displays without showing
// itself, or shows nothing at all.
func invisible(r rune) bool {
	switch {
	case unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Noncharacter_Code_Point):
		return true
	case r == '\u115f' || r == '\u1160' || r == '\u3164' || r == '\uffa0': // Hangul fillers
		return true
	}
	return r == utf8.RuneError // also what invalid UTF-8 decodes to
}

// CheckPassword enforces the login password policy: 8 to 128 characters, not
// all one character, not only digits shorter than 12.
func CheckPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < 8:
		return FieldError(field, "Use at least 8 characters.")
	case n > 128:
		return FieldError(field, "Use at most 128 characters.")
	case strings.Count(pw, string([]rune(pw)[:1])) == n:
		return FieldError(field, "This password is too easy to guess.")
	}
	digits := true
	for _, r := range pw {
		if r < '0' || r > '9' {
			digits = false
			break
		}
	}
	if digits && n < 12 {
		return FieldError(field, "A password of digits only must have at least 12 of them; or mix in letters.")
	}
	return nil
}

// CheckPayPassword enforces the payment password rules: exactly six digits,
// not one digit repeated, not an ascending or descending run (123456, 987654),
// not a repeated pair or triple (121212, 123123).
func CheckPayPassword(field, pin string) error {
	if len(pin) != 6 {
		return FieldError(field, "The payment password is exactly six digits.")
	}
	for i := 0; i < 6; i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return FieldError(field, "The payment password is exactly six digits.")
		}
	}
	up, down := true, true
	for i := 1; i < 6; i++ {
		if pin[i] != pin[i-1]+1 {
			up = false
		}
		if pin[i] != pin[i-1]-1 {
			down = false
		}
	}
	same := strings.Count(pin, pin[:1]) == 6
	pairs := pin[0:2] == pin[2:4] && pin[2:4] == pin[4:6]
	triples := pin[0:3] == pin[3:6]
	if same || up || down || pairs || triples {
		return FieldError(field, "This payment password is too easy to guess: avoid repeated digits and runs such as 123456.")
	}
	return nil
}

// CheckBankAccount validates a payout bank account number: 12 to 19 digits
// (spaces allowed). It returns the digits.
func CheckBankAccount(field, s string) (string, error) {
	d := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(d) < 12 || len(d) > 19 || strings.Trim(d, "0123456789") != "" {
		return "", FieldError(field, "Enter the bank account number: 12 to 19 digits.")
	}
	return d, nil
}

// MaskAccount shows only the last four digits of an account number.
func MaskAccount(d string) string {
	if len(d) <= 4 {
		return d
	}
	return "•••• " + d[len(d)-4:]
}

// MaskPhone shows a login number with its middle hidden, as Alipay shows a
// counterpart's: 138****8000 for a mobile, 0530-***1234 for a landline.
func MaskPhone(d string) string {
	if len(d) == 11 && d[0] == '1' {
		return d[:3] + "****" + d[7:]
	}
	if len(d) >= 10 && d[0] == '0' {
		f := FormatLogin(d)
		i := strings.IndexByte(f, '-')
		if i > 0 && len(f)-i-1 > 4 {
			return f[:i+1] + strings.Repeat("*", len(f)-i-5) + f[len(f)-4:]
		}
	}
	if len(d) > 4 {
		return strings.Repeat("*", len(d)-4) + d[len(d)-4:]
	}
	return d
}

// User is a person on the platform. Hashes never leave the server.
type User struct {
	ID              int64      `json:"id"`
	Role            Role       `json:"role"`
	Login           string     `json:"login"`
	DisplayName     string     `json:"display_name"`
	PasswordHash    string     `json:"-"`
	TokenVersion    int        `json:"-"`
	Frozen          bool       `json:"frozen"`
	FrozenReason    string     `json:"frozen_reason,omitempty"`
	PayPasswordHash *string    `json:"-"`
	PayFailures     int        `json:"-"`
	PayLockedUntil  *time.Time `json:"pay_locked_until,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"-"`
}

// Actor returns the user as the actor of a request.
func (u *User) Actor() Actor { return Actor{UserID: u.ID, Role: u.Role, Frozen: u.Frozen} }

// HasPayPassword reports whether the user has set a payment password.
func (u *User) HasPayPassword() bool { return u.PayPasswordHash != nil && *u.PayPasswordHash != "" }

// Seller is a seller's shop and payout details.
type Seller struct {
	UserID         int64  `json:"user_id" gorm:"primaryKey"`
	ShopName       string `json:"shop_name"`
	LegalName      string `json:"legal_name"`
	BankAccount    string `json:"bank_account"`
	BankHolder     string `json:"bank_holder"`
	CommissionRate Rate   `json:"commission_rate_percent"`
}

// Registration is what a person submits to create an account.
type Registration struct {
	Role     Role
	Login    string
	Password string
	// Confirm is the password typed a second time; ConfirmGiven says it was
	// asked for (the portal's form) or given (the API, where it is
	// optional): then it must equal Password.
	Confirm      string
	ConfirmGiven bool
	DisplayName  string
	// Sellers only.
	ShopName    string
	LegalName   string
	BankAccount string
	BankHolder  string
}

// Validate normalises the registration and returns every problem at once
// (EINVALID with Fields).
func (r *Registration) Validate() error {
	var ps []*Error
	keep := Collector[string](&ps)
	if r.Role != RoleBuyer && r.Role != RoleSeller {
		ps = append(ps, FieldError("role", "Choose buyer or seller."))
	}
	r.Login = keep(ParseLogin(r.Login))
	if e := AsError(CheckPassword("password", r.Password)); e != nil {
		ps = append(ps, e)
	} else if r.ConfirmGiven && r.Confirm != r.Password {
		e := FieldError("password_confirm", "The two passwords differ: type the same password twice.")
		e.Reason = "password_mismatch"
		ps = append(ps, e)
	}
	r.DisplayName = keep(CheckName("display_name", r.DisplayName, 50))
	if r.Role == RoleSeller {
		r.ShopName = keep(CheckName("shop_name", r.ShopName, 60))
		r.LegalName = keep(CheckName("legal_name", r.LegalName, 100))
		r.BankAccount = keep(CheckBankAccount("bank_account", r.BankAccount))
		r.BankHolder = keep(CheckName("bank_holder", r.BankHolder, 100))
		if r.BankHolder != "" && r.LegalName != "" && r.BankHolder != r.LegalName {
			ps = append(ps, FieldError("bank_holder", "Payouts go only to an account in the seller's own legal name."))
		}
	}
	return Invalid(ps...)
}
