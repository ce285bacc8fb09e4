package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/bankbridge"
	"lineescrow/models"
)

// bankWebhook receives the bank's callbacks (contracts/bank-bridge.md): the
// signature is checked on the raw body before anything is parsed; the event is
// stored durably before the 2xx; duplicates are answered 2xx and change nothing.
func (s *Server) bankWebhook(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return models.Errorf(models.EINVALID, "The body could not be read.")
	}
	id, err := bankbridge.Verify(s.bankKey, c.Request().Header, body, s.now())
	if err != nil {
		Log(c.Request().Context()).Warn("bank webhook refused", "reason", err.Error(), "webhook_id", c.Request().Header.Get("webhook-id"))
		return c.JSON(http.StatusUnauthorized, APIError{Error: APIErrorBody{Code: models.EUNAUTHORIZED, Message: err.Error()}})
	}
	ev, err := bankbridge.Parse(body)
	if err == nil && ev.ID != id {
		err = errors.New("malformed event: the body's id differs from webhook-id")
	}
	if err != nil {
		return c.JSON(http.StatusBadRequest, APIError{Error: APIErrorBody{Code: "bad_request", Message: err.Error()}})
	}
	if err := s.Funding.Receive(c.Request().Context(), ev, body); err != nil {
		return err // 500: the bank retries
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "received", "id": ev.ID})
}
