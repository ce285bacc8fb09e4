package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"lineescrow/app/audit"
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

func (s *Server) apiMe(c echo.Context) error {
	return c.JSON(http.StatusOK, currentUser(c))
}

func (s *Server) apiAudit(c echo.Context) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	entries, err := s.Audit.List(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": entries})
}

func (s *Server) apiCommission(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		RatePercent string `json:"rate_percent"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	rate, err := parsePercent(req.RatePercent)
	if err != nil {
		return err
	}
	if err := s.Auth.SetCommission(c.Request().Context(), actor(c), id, rate); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"seller_id": itoa64(id), "rate_percent": rate.Mul(decimal.NewFromInt(100)).String()})
}

func (s *Server) apiFreeze(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Frozen bool   `json:"frozen"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.Auth.SetFrozen(c.Request().Context(), actor(c), id, req.Frozen, req.Reason); err != nil {
		return err
	}
	u, err := s.Auth.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}
