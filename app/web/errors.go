package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"lineescrow/models"
	"lineescrow/views"
)

// statusOf maps domain error codes to HTTP statuses: the one place where this
// mapping lives.
var statusOf = map[string]int{
	models.EINVALID:      http.StatusUnprocessableEntity,
	models.ENOTFOUND:     http.StatusNotFound,
	models.ECONFLICT:     http.StatusConflict,
	models.EUNAUTHORIZED: http.StatusUnauthorized,
	models.EFORBIDDEN:    http.StatusForbidden,
	models.EINSUFFICIENT: http.StatusUnprocessableEntity,
	models.ERATELIMIT:    http.StatusTooManyRequests,
	models.ELOCKED:       http.StatusLocked,
	models.EUNAVAILABLE:  http.StatusServiceUnavailable,
	models.EINTERNAL:     http.StatusInternalServerError,
}

// codeOfStatus names the errors echo raises itself (routing, CSRF, body limit).
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          models.EUNAUTHORIZED,
	http.StatusForbidden:             models.EFORBIDDEN,
	http.StatusNotFound:              models.ENOTFOUND,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusTooManyRequests:       models.ERATELIMIT,
	http.StatusConflict:              models.ECONFLICT,
	http.StatusUnprocessableEntity:   models.EINVALID,
}

var titleOf = map[int]string{
	http.StatusBadRequest:            "Bad request",
	http.StatusUnauthorized:          "Please sign in",
	http.StatusForbidden:             "Forbidden",
	http.StatusNotFound:              "Not found",
	http.StatusMethodNotAllowed:      "Method not allowed",
	http.StatusConflict:              "Conflict",
	http.StatusRequestEntityTooLarge: "Request too large",
	http.StatusUnprocessableEntity:   "Invalid input",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusLocked:                "Locked",
}

// defaultMessage is said when an error carries no message of its own.
var defaultMessage = map[int]string{
	http.StatusBadRequest:            "The request could not be understood.",
	http.StatusUnauthorized:          "Please sign in to continue.",
	http.StatusForbidden:             "You are not allowed to do that.",
	http.StatusNotFound:              "The page you asked for does not exist, or is not yours to see.",
	http.StatusMethodNotAllowed:      "That method is not allowed here.",
	http.StatusRequestEntityTooLarge: "The request is too large.",
	http.StatusTooManyRequests:       "Too many attempts. Please wait and try again.",
}

// APIError is the JSON body of every API error.
type APIError struct {
	Error APIErrorBody `json:"error"`
}

// APIErrorBody carries a stable code, a message for people and, for input
// errors, the field concerned.
type APIErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Reason names the problem within Code for programs, where one code
	// covers several: password_common (a new login password is on the list
	// of common passwords), password_mismatch (its confirmation differs),
	// confirm_required (an irreversible action without confirm: true).
	Reason    string `json:"reason,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// handleError is echo's error handler: every error of every handler ends here
// and becomes a page or a JSON error, by the request's Accept header and path.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ctx := c.Request().Context()
	status, code, message, field, reason := http.StatusInternalServerError, models.EINTERNAL, "", "", ""
	var de *models.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &de):
		code, field, reason = de.Code, de.Field, de.Reason
		status = statusOf[de.Code]
		if status == 0 {
			status = http.StatusInternalServerError
		}
		message = views.ErrorText(ctx, de)
	case errors.As(err, &he):
		status = he.Code
		code = codeOfStatus[status]
		if code == "" {
			code = strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
		}
		if status < 500 {
			if m, ok := he.Message.(string); ok && defaultMessage[status] == "" {
				message = views.T(ctx, m)
			}
		}
	}
	if message == "" {
		if m, ok := defaultMessage[status]; ok {
			message = views.T(ctx, m)
		} else {
			message = views.T(ctx, "An internal error occurred.")
		}
	}
	if status >= 500 {
		Log(ctx).ErrorContext(ctx, "request failed", "err", err.Error(), "status", status)
	}
	if wantsJSON(c) {
		body := APIError{Error: APIErrorBody{Code: code, Message: message, Field: field, Reason: reason,
			RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, body)
		return
	}
	title, ok := titleOf[status]
	if !ok {
		title = "Something went wrong"
	}
	_ = render(c, status, views.ErrorPage(status, views.T(ctx, title), message))
}

// wantsJSON says whether the client is a program: API and webhook paths, or an
// Accept header that prefers JSON to HTML.
func wantsJSON(c echo.Context) bool {
	p := c.Request().URL.Path
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/webhooks/") || strings.HasPrefix(p, "/sim/bank/v1/") || strings.HasPrefix(p, "/sim/telecom/v1/") {
		return true
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	j, h := strings.Index(accept, "application/json"), strings.Index(accept, "text/html")
	return j >= 0 && (h < 0 || j < h)
}

// render writes a templ component as the response.
func render(c echo.Context, status int, comp templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return comp.Render(c.Request().Context(), c.Response())
}
