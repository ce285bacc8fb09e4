// Package models holds LineEscrow's domain: money, the chart of accounts, ledger
// postings and their rules, and the order state machine. It imports nothing of
// HTTP or SQL; the app packages persist what these rules decide.
package models

import (
	"errors"
	"fmt"
)

// Error codes. They are stable: the JSON API returns them to clients, and the
// web layer maps each to one HTTP status in exactly one place.
const (
	EINVALID      = "invalid"            // bad input; nothing changed
	ENOTFOUND     = "not_found"          // no such object, or not visible to the caller
	ECONFLICT     = "conflict"           // the object's state or an idempotency key forbids it
	EUNAUTHORIZED = "unauthorized"       // not logged in, or bad credentials
	EFORBIDDEN    = "forbidden"          // logged in, but not allowed
	EINSUFFICIENT = "insufficient_funds" // a constrained account would go negative
	ERATELIMIT    = "rate_limited"       // too many attempts; try later
	ELOCKED       = "locked"             // a lock (e.g. payment password) is in force
	EUNAVAILABLE  = "unavailable"        // a system we depend on (the operator's, the bank's) did not answer; try again
	EINTERNAL     = "internal"           // a bug or an outage; details are logged, not shown
)

// Error is a domain error: a stable Code, a Message safe to show to the user and,
// for input errors, the Field it concerns.
//
// Format and Args keep the message's parts so the portals can show it in the
// reader's language: Format (English, fmt verbs) is the key of its translation.
type Error struct {
	Code    string
	Message string
	Field   string
	Format  string
	Args    []any
	// Fields lists every problem of a form when there are several (Invalid).
	Fields []*Error
	// Reason is a stable name of the problem within Code, for programs
	// (such as password_common); empty when Code says enough.
	Reason string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// FieldError returns an EINVALID *Error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Invalid combines the problems found in one input into one EINVALID error
// (nil when there are none). Its message and field are the first problem's.
func Invalid(problems ...*Error) error {
	var ps []*Error
	for _, p := range problems {
		if p != nil {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return nil
	}
	e := *ps[0]
	e.Fields = ps
	return &e
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Collector returns a function that passes a (value, error) result through,
// appending the error (if any) to problems: validation collects every problem in
// one pass with v := keep(Parse(x)).
func Collector[T any](problems *[]*Error) func(T, error) T {
	return func(v T, err error) T {
		if e := AsError(err); e != nil {
			*problems = append(*problems, e)
		} else if err != nil {
			*problems = append(*problems, &Error{Code: EINTERNAL, Message: err.Error()})
		}
		return v
	}
}

// WithField returns a copy of err (an *Error) about another input field, for
// callers that parse a value meant for a differently named field.
func WithField(err error, field string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Field = field
	return &c
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of err: the *Error's message, or a
// generic sentence for internal errors, whose details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorField returns the field an input error concerns, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
