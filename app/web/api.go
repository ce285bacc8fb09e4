package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/auth"
	"lineescrow/models"
)

// decodeJSON reads a JSON request body strictly: application/json only, no
// unknown fields, one value.
//
// Errors: EINVALID describing what is wrong.
func decodeJSON(c echo.Context, v any) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON {
		return models.Errorf(models.EINVALID, "Send the body as application/json.")
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if e := models.AsError(err); e != nil {
			return e
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return models.Errorf(models.EINVALID, "The JSON body is malformed: %s.", err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return models.Errorf(models.EINVALID, "The JSON body must hold a single object.")
	}
	return nil
}

type tokenRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type tokenResponse struct {
	Token     string    `json:"token"`
	TokenType string    `json:"token_type"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiToken issues an API token (Bearer) for a login name and password.
func (s *Server) apiToken(c echo.Context) error {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.Auth.Login(c.Request().Context(), req.Login, req.Password, c.RealIP())
	if err != nil {
		return err
	}
	tok, exp, err := s.Auth.Tokens.Issue(u, auth.AudienceAPI, time.Time{})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenResponse{Token: tok, TokenType: "Bearer", ExpiresAt: exp.UTC()})
}
