package web

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

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

// idempotent makes an API POST safe to retry: the first request with an
// Idempotency-Key runs and its answer is kept; the same key with the same body
// gets that answer again (Idempotent-Replayed: true) without running twice; the
// same key with another body is refused. Failures (5xx) are not kept, so a
// retry runs again. With required set, a request without a key is refused.
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
			h := sha256.New()
			h.Write([]byte(c.Request().Method + " " + c.Request().URL.Path + "\n"))
			h.Write(body)
			hash := h.Sum(nil)
			user := currentUser(c).ID
			db := s.DB.WithContext(c.Request().Context())
			res := db.Exec(`INSERT INTO api_idempotency (user_id, key, method, path, body_hash) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (user_id, key) DO NOTHING`, user, key, c.Request().Method, c.Request().URL.Path, hash)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				var prior struct {
					BodyHash []byte
					Status   *int
					Response []byte
				}
				if err := db.Raw(`SELECT body_hash, status, response FROM api_idempotency WHERE user_id = ? AND key = ?`, user, key).
					Scan(&prior).Error; err != nil {
					return err
				}
				switch {
				case !bytes.Equal(prior.BodyHash, hash):
					return models.Errorf(models.ECONFLICT, "This Idempotency-Key was already used for a different request.")
				case prior.Status == nil:
					return models.Errorf(models.ECONFLICT, "A request with this Idempotency-Key is still being processed; retry shortly.")
				}
				c.Response().Header().Set("Idempotent-Replayed", "true")
				return c.Blob(*prior.Status, echo.MIMEApplicationJSON, prior.Response)
			}
			rec := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			defer func() {
				// A panic is a failure too: free the key so a retry can run.
				if r := recover(); r != nil {
					db.Exec(`DELETE FROM api_idempotency WHERE user_id = ? AND key = ?`, user, key)
					panic(r)
				}
			}()
			if err := next(c); err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			if status >= 500 {
				db.Exec(`DELETE FROM api_idempotency WHERE user_id = ? AND key = ?`, user, key)
			} else {
				db.Exec(`UPDATE api_idempotency SET status = ?, response = ? WHERE user_id = ? AND key = ?`, status, rec.buf.Bytes(), user, key)
			}
			return nil
		}
	}
}
