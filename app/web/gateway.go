package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/gateway"
	"lineescrow/models"
)

// gatewayRoutes are the merchant gateway's: POST /gateway/v1 (signed,
// server to server: no session, no CSRF).
func (s *Server) gatewayRoutes() {
	s.Echo.POST("/gateway/v1", s.gatewayCall)
}

// gatewayCall is POST /gateway/v1: a form or a JSON object of strings,
// handed to gateway.Service.Call. The reply is always the signed JSON
// object; its HTTP status follows its code through gateway.Codes and the
// web layer's one mapping (statusOf): 200 for SUCCESS.
func (s *Server) gatewayCall(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var params map[string]string
	ct := strings.ToLower(c.Request().Header.Get(echo.HeaderContentType))
	switch {
	case strings.HasPrefix(ct, echo.MIMEApplicationJSON):
		params, err = gateway.ParseJSON(body)
	case strings.HasPrefix(ct, echo.MIMEApplicationForm):
		var v url.Values
		if v, err = url.ParseQuery(string(body)); err != nil {
			err = &gateway.Error{Code: gateway.InvalidParameter, Err: models.Errorf(models.EINVALID, "The form could not be read.")}
		} else {
			params, err = gateway.ParseForm(v)
		}
	default:
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send application/x-www-form-urlencoded or application/json.")
	}
	if err != nil {
		// Unreadable parameters: answered like any refused call (signed,
		// with the code and the field), nothing looked at.
		return c.JSON(gatewayStatus(err), s.gatewayRefusal(err))
	}
	reply, err := s.Gateway.Call(c.Request().Context(), params)
	if reply == nil {
		return err
	}
	return c.JSON(gatewayStatus(err), reply)
}

// gatewayRefusal is the signed reply to a request whose parameters could
// not be read.
func (s *Server) gatewayRefusal(err error) map[string]string {
	out := map[string]string{"code": string(gateway.CodeOf(err)), "msg": models.ErrorMessage(err),
		"timestamp": s.now().In(models.Shanghai).Format(gateway.TimestampLayout)}
	if f := models.ErrorField(err); f != "" {
		out["field"] = f
	}
	if signed, serr := gateway.Signed(s.Gateway.Key, out); serr == nil {
		return signed
	}
	return out
}

// gatewayStatus is the HTTP status of a gateway answer.
func gatewayStatus(err error) int {
	if err == nil {
		return http.StatusOK
	}
	code := models.EINTERNAL
	var ge *gateway.Error
	if errors.As(err, &ge) {
		code = gateway.Codes[ge.Code]
	} else if c := models.ErrorCode(err); c != "" {
		code = c
	}
	if st := statusOf[code]; st != 0 {
		return st
	}
	return http.StatusInternalServerError
}
