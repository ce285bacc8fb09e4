package web

import (
	"bytes"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/app/idempotency"
	"lineescrow/models"
)

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

// idempotent makes an API POST safe to retry (package idempotency): the first
// request with an Idempotency-Key runs and a successful answer is kept; the
// same key with the same request gets that answer again (Idempotent-Replayed:
// true) without running twice; the same key with another request is refused.
// A request that fails leaves nothing behind, so a retry runs again, unless
// it failed after committing work (its key is then carried out: a retry gets
// a conflict, never a second execution; package idempotency). With
// required set, a request without a key is refused.
func (s *Server) idempotent(required bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key := c.Request().Header.Get("Idempotency-Key")
			if key == "" {
				if required {
					return models.Errorf(models.EINVALID, "Send an Idempotency-Key header with this request.")
				}
				return next(c)
			}
			if len(key) > 200 {
				return models.Errorf(models.EINVALID, "The Idempotency-Key may have at most 200 characters.")
			}
			body, err := io.ReadAll(c.Request().Body)
			if err != nil {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
			}
			c.Request().Body = io.NopCloser(bytes.NewReader(body))
			ctx, req := c.Request().Context(), c.Request()
			user := currentUser(c).ID
			outcome, prior, err := s.Idempotency.Begin(ctx, user, key, req.Method, req.URL.Path, body)
			if err != nil {
				return err
			}
			if outcome == idempotency.Replay {
				c.Response().Header().Set("Idempotent-Replayed", "true")
				return c.Blob(prior.Status, echo.MIMEApplicationJSON, prior.Response)
			}
			// The work's transactions mark the key carried out as they commit.
			c.SetRequest(req.WithContext(s.Idempotency.Guard(ctx, user, key)))
			rec := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			defer func() {
				// A panic is a failure too: free the key so a retry can run.
				if r := recover(); r != nil {
					_ = s.Idempotency.Release(ctx, user, key, false)
					panic(r)
				}
			}()
			if err := next(c); err != nil {
				c.Error(err)
			}
			if status := c.Response().Status; status >= 200 && status < 300 {
				err = s.Idempotency.Finish(ctx, user, key, status, rec.buf.Bytes())
			} else {
				err = s.Idempotency.Release(ctx, user, key, status < 500)
			}
			if err != nil {
				Log(ctx).ErrorContext(ctx, "idempotency bookkeeping failed", "err", err)
			}
			return nil
		}
	}
}
