package gateway

import (
	"errors"

	"lineescrow/models"
)

// Code is the stable code of a gateway answer: "code" in every reply,
// SUCCESS or one of the error codes below. Each error code has one
// models.Error code (Codes), which gives the HTTP status in the web layer's
// one mapping.
type Code string

// Codes of the gateway's answers.
const (
	Success Code = "SUCCESS"
	// The request itself: refused before anything is looked at.
	MissingParameter Code = "MISSING_PARAMETER" // a required parameter is absent or empty
	InvalidParameter Code = "INVALID_PARAMETER" // a parameter is malformed; "field" names it
	UnknownMethod    Code = "UNKNOWN_METHOD"
	InvalidSignType  Code = "INVALID_SIGN_TYPE" // sign_type is not RSA2
	// Who sent it: nothing is done.
	InvalidAppID     Code = "INVALID_APP_ID"    // no merchant has this app_id
	InvalidSignature Code = "INVALID_SIGNATURE" // sign does not verify with a valid key of the merchant
	InvalidTimestamp Code = "INVALID_TIMESTAMP" // malformed, or more than 5 minutes from the platform's clock
	NonceReplayed    Code = "NONCE_REPLAYED"    // this merchant sent this nonce before
	MerchantFrozen   Code = "MERCHANT_FROZEN"   // an operator froze the merchant (or its seller account)
	// What it asked for.
	TradeNotExist    Code = "TRADE_NOT_EXIST"     // no trade of this merchant by that trade_no / out_trade_no
	TradeStatusError Code = "TRADE_STATUS_ERROR"  // the trade's state forbids it (closing a paid trade…)
	OutTradeNoUsed   Code = "OUT_TRADE_NO_USED"   // the out_trade_no names a trade with other content
	OutRequestNoUsed Code = "OUT_REQUEST_NO_USED" // the out_request_no names a refund with other content
	Forbidden        Code = "FORBIDDEN"
	SystemBusy       Code = "SYSTEM_BUSY"  // try again later, with a new nonce
	SystemError      Code = "SYSTEM_ERROR" // a bug or an outage, logged
)

// Codes maps every error code to its models.Error code.
var Codes = map[Code]string{
	MissingParameter: models.EINVALID,
	InvalidParameter: models.EINVALID,
	UnknownMethod:    models.EINVALID,
	InvalidSignType:  models.EINVALID,
	InvalidAppID:     models.EUNAUTHORIZED,
	InvalidSignature: models.EUNAUTHORIZED,
	InvalidTimestamp: models.EUNAUTHORIZED,
	NonceReplayed:    models.ECONFLICT,
	MerchantFrozen:   models.EFORBIDDEN,
	TradeNotExist:    models.ENOTFOUND,
	TradeStatusError: models.ECONFLICT,
	OutTradeNoUsed:   models.ECONFLICT,
	OutRequestNoUsed: models.ECONFLICT,
	Forbidden:        models.EFORBIDDEN,
	SystemBusy:       models.EUNAVAILABLE,
	SystemError:      models.EINTERNAL,
}

// Error is a gateway error: its Code, and the models.Error (code, message,
// field) it is. errors.As finds either; models.ErrorCode gives the latter's
// code.
type Error struct {
	Code Code
	Err  *models.Error
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Err.Error() }

// Unwrap gives the models.Error.
func (e *Error) Unwrap() error { return e.Err }

// fail returns a gateway error with its models code and message.
func fail(code Code, format string, args ...any) error {
	return &Error{Code: code, Err: models.Errorf(Codes[code], format, args...)}
}

// tag gives a models.Error (from orders, models) the gateway code it is,
// keeping its message and field; field renames the field when the
// gateway's parameter is named otherwise ("" keeps it).
func tag(err error, field string) error {
	if err == nil {
		return nil
	}
	var ge *Error
	if errors.As(err, &ge) {
		return err
	}
	e := models.AsError(err)
	if e == nil {
		return err
	}
	if field != "" && e.Field != "" {
		e = models.AsError(models.WithField(e, field))
	}
	return &Error{Code: codeOfModels(e.Code), Err: e}
}

func codeOfModels(c string) Code {
	switch c {
	case models.EINVALID:
		return InvalidParameter
	case models.ENOTFOUND:
		return TradeNotExist
	case models.ECONFLICT, models.EINSUFFICIENT:
		return TradeStatusError
	case models.EFORBIDDEN, models.ELOCKED:
		return Forbidden
	case models.EUNAVAILABLE, models.ERATELIMIT:
		return SystemBusy
	case models.EUNAUTHORIZED:
		return InvalidSignature
	}
	return SystemError
}

// CodeOf returns the gateway code of err: Success for nil, the code of a
// gateway Error, the code a models.Error's code stands for, or SystemError.
func CodeOf(err error) Code {
	if err == nil {
		return Success
	}
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	if e := models.AsError(err); e != nil {
		return codeOfModels(e.Code)
	}
	return SystemError
}
