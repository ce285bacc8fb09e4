package web

import (
	"github.com/labstack/echo/v4"

	"lineescrow/models"
	"lineescrow/views"
)

// fillForm puts a service error into the form: each field problem beside its
// field, anything else at the top. It returns err unchanged when err is not a
// domain error (an outage), so the caller lets the error handler answer.
func fillForm(c echo.Context, f *views.Form, err error) error {
	e := models.AsError(err)
	if e == nil || e.Code == models.EINTERNAL {
		return err
	}
	ctx := c.Request().Context()
	problems := e.Fields
	if len(problems) == 0 {
		problems = []*models.Error{e}
	}
	for _, p := range problems {
		if p.Field != "" {
			if _, taken := f.Errors[p.Field]; !taken {
				f.Errors[p.Field] = views.ErrorText(ctx, p)
			}
		} else if f.Error == "" {
			f.Error = views.ErrorText(ctx, p)
		}
	}
	return nil
}

// statusFor is the status a re-rendered form answers with.
func statusFor(err error) int {
	if s, ok := statusOf[models.ErrorCode(err)]; ok {
		return s
	}
	return 500
}
