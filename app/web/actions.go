package web

import (
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/settings"
	"lineescrow/models"
	"lineescrow/views"
)

// An action is one thing a person does, declared once: its name, its portal
// path and its API path, who may take it, whether it moves money (then the
// API requires an Idempotency-Key), its typed request (decoded from a form or
// from JSON by decodeRequest), the one service call, the answer, and what the
// person is told. The portal's form posts, the /api/v1 routes and the OpenAPI
// document's operations are all produced from the table (Server.actions).
// The order's own actions come from models.Lifecycle (orderActions).
type action struct {
	name    string // stable id, also the OpenAPI operationId
	summary string
	tag     string
	method  string // API method: POST unless set (the portal always posts)
	page    string // portal path; "" when only the API serves it
	api     string // path under /api/v1; "" when only the portal serves it
	roles   []models.Role
	keyed   bool // the API requires an Idempotency-Key
	idem    bool // the API accepts an optional Idempotency-Key
	// multipart: the API takes the request as multipart/form-data, as the
	// portal's form sends it (an upload), instead of JSON.
	multipart bool
	// fields limits the request's JSON fields and form fields to these (nil: all).
	fields []string
	status int // API status on success; 200 unless set
	errs   []int
	newReq func() any
	resp   any // a value of the API answer's type, for its schema
	run    func(c echo.Context, req any) (any, error)
	// answer turns the run's result into the API's answer (nil: the result).
	answer func(c echo.Context, res any) (any, error)
	// done is what the portal tells the person; next where it goes then.
	done func(c echo.Context, res any) string
	next func(c echo.Context, res any) string
	// again re-renders the portal's form with the error beside its field; nil
	// shows the error on the next page as a message.
	again func(c echo.Context, req any, err error) error
}

// typed builds an action's request and run from a typed function.
func typed[R any](a action, run func(c echo.Context, r *R) (any, error)) action {
	a.newReq = func() any { return new(R) }
	a.run = func(c echo.Context, r any) (any, error) { return run(c, r.(*R)) }
	return a
}

// message is a fixed success text.
func message(text string) func(echo.Context, any) string {
	return func(c echo.Context, _ any) string { return views.T(c.Request().Context(), text) }
}

// to is a fixed place to go next.
func to(path string) func(echo.Context, any) string {
	return func(echo.Context, any) string { return path }
}

func (a *action) apiMethod() string {
	if a.method == "" {
		return http.MethodPost
	}
	return a.method
}

// serve adds the action's portal and API routes.
func (s *Server) serve(a action, api *echo.Group) {
	a2 := &a
	s.table = append(s.table, a2)
	var mw []echo.MiddlewareFunc
	if len(a.roles) > 0 {
		mw = append(mw, s.requireRole(a.roles...))
	}
	if a.page != "" {
		s.Echo.POST(a.page, s.servePortal(a2), mw...)
	}
	if a.api != "" {
		apiMW := mw
		switch {
		case a.keyed:
			apiMW = append(apiMW, s.idempotent(true))
		case a.idem:
			apiMW = append(apiMW, s.idempotent(false))
		}
		api.Add(a.apiMethod(), a.api, s.serveAPI(a2), apiMW...)
	}
}

// servePortal runs the action from a form: on success a message and a
// redirect; on a refusal the form again with the reason beside its field.
func (s *Server) servePortal(a *action) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := a.newReq()
		err := decodeRequest(c, req, false)
		if err == nil {
			err = a.allowFields(c, nil)
		}
		var res any
		if err == nil {
			res, err = a.run(c, req)
		}
		if err != nil {
			code := models.ErrorCode(err)
			if code == models.EINTERNAL || code == models.ENOTFOUND || code == models.EFORBIDDEN || code == models.EUNAUTHORIZED {
				return err
			}
			if a.again != nil {
				return a.again(c, req, err)
			}
			s.flash(c, "error", views.ErrorText(c.Request().Context(), err))
			return c.Redirect(http.StatusSeeOther, a.next(c, nil))
		}
		if a.done != nil {
			if text := a.done(c, res); text != "" {
				s.flash(c, "success", text)
			}
		}
		return c.Redirect(http.StatusSeeOther, a.next(c, res))
	}
}

// serveAPI runs the action from a JSON body and answers with JSON.
func (s *Server) serveAPI(a *action) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := a.newReq()
		if err := a.decodeAPI(c, req); err != nil {
			return err
		}
		res, err := a.run(c, req)
		if err != nil {
			return err
		}
		if a.answer != nil {
			if res, err = a.answer(c, res); err != nil {
				return err
			}
		}
		status := a.status
		if status == 0 {
			status = http.StatusOK
		}
		return c.JSON(status, res)
	}
}

// decodeAPI reads the API's request: strict JSON, or the form of a
// multipart action.
func (a *action) decodeAPI(c echo.Context, req any) error {
	if a.multipart {
		mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
		if mt != echo.MIMEMultipartForm {
			return models.Errorf(models.EINVALID, "Send the body as multipart/form-data.")
		}
		return decodeRequest(c, req, false)
	}
	if err := a.allowFields(c, req); err != nil {
		return err
	}
	return decodeRequest(c, req, true)
}

// allowFields refuses, on the API, a JSON body with fields the action does
// not take (a shared request type serves several actions).
func (a *action) allowFields(c echo.Context, req any) error {
	if a.fields == nil || req == nil {
		return nil
	}
	names, err := peekFields(c)
	if err != nil {
		return err
	}
	allowed := map[string]bool{}
	for _, f := range a.fields {
		allowed[f] = true
	}
	for _, n := range names {
		if !allowed[n] {
			return models.Errorf(models.EINVALID, "The JSON body is malformed: json: unknown field %q.", n)
		}
	}
	return nil
}

// peekFields returns the top-level field names of a JSON body, leaving the
// body to be read again.
func peekFields(c echo.Context) ([]string, error) {
	body, err := readBody(c)
	if err != nil || len(strings.TrimSpace(string(body))) == 0 {
		return nil, err
	}
	var m map[string]any
	if jsonUnmarshal(body, &m) != nil {
		return nil, nil // decodeRequest says what is wrong
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out, nil
}

// fieldsOf lists the json names of a request type (for fields and the docs).
func fieldsOf(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if n := jsonName(t.Field(i)); n != "" && n != "-" {
			out = append(out, n)
		}
	}
	return out
}

// settingsText fills {name} in an action's message with the operator's
// setting of that name, in the reader's words ("5 days", "5 天").
func settingsText(c echo.Context, v settings.Values, text string) string {
	ctx := c.Request().Context()
	text = views.T(ctx, text)
	for key, d := range map[string]string{
		"{refund_answer}":  views.Duration(ctx, v.Timers.RefundAnswer),
		"{confirm_extend}": views.Duration(ctx, v.Timers.ConfirmExtend),
		"{auto_confirm}":   views.Duration(ctx, v.Timers.AutoConfirm),
		"{ship_by}":        views.Duration(ctx, v.Timers.ShipBy),
		"{unpaid_close}":   views.Duration(ctx, v.Timers.UnpaidClose),
	} {
		text = strings.ReplaceAll(text, key, d)
	}
	return text
}
