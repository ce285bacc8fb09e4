package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lineescrow/app/funding"
	"lineescrow/app/telecom"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// telecomWebhook receives the telecom front-end's callbacks
// (contracts/telecom-frontend.md section 2), exactly as the bank's: signed
// with the telecom secret, stored before the 2xx, duplicates answered 2xx.
func (s *Server) telecomWebhook(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	id, err := bankbridge.Verify(s.telKey, c.Request().Header, body, s.now())
	if err != nil {
		Log(c.Request().Context()).Warn("telecom webhook refused", "reason", err.Error(), "webhook_id", c.Request().Header.Get("webhook-id"))
		return c.JSON(http.StatusUnauthorized, APIError{Error: APIErrorBody{Code: models.EUNAUTHORIZED, Message: err.Error()}})
	}
	status, err := s.Telecom.Receive(c.Request().Context(), id, body)
	if err != nil {
		return err
	}
	answer := "received"
	if status == telecom.EventReview {
		answer = "stored for review"
	}
	return c.JSON(http.StatusOK, map[string]string{"status": answer, "id": id})
}

// bankWebhook receives the bank's callbacks (contracts/bank-bridge.md): the
// signature is checked on the raw body before anything is parsed; the event is
// stored durably before the 2xx; duplicates are answered 2xx and change nothing.
func (s *Server) bankWebhook(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	id, err := bankbridge.Verify(s.bankKey, c.Request().Header, body, s.now())
	if err != nil {
		Log(c.Request().Context()).Warn("bank webhook refused", "reason", err.Error(), "webhook_id", c.Request().Header.Get("webhook-id"))
		return c.JSON(http.StatusUnauthorized, APIError{Error: APIErrorBody{Code: models.EUNAUTHORIZED, Message: err.Error()}})
	}
	// Correctly signed: kept whatever it holds. One that does not parse is
	// stored for an operator to review, and answered 2xx like the rest, so the
	// bank does not retry for a day and then drop it.
	status, err := s.Funding.Receive(c.Request().Context(), id, body)
	if err != nil {
		return err // 500: the bank retries
	}
	answer := "received"
	if status == funding.EventReview {
		answer = "stored for review"
	}
	return c.JSON(http.StatusOK, map[string]string{"status": answer, "id": id})
}
