package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"lineescrow/models"
)

// Token audiences: a portal cookie is not an API token and vice versa.
const (
	AudienceWeb = "lineescrow-web"
	AudienceAPI = "lineescrow-api"
	issuer      = "lineescrow"
)

// MaxSessionAge bounds how long renewals can keep one login alive.
const MaxSessionAge = 12 * time.Hour

// Claims are a session token's claims.
type Claims struct {
	jwt.RegisteredClaims
	Role    models.Role `json:"role"`
	Version int         `json:"ver"`
	// AuthTime is when the user logged in; renewals keep it.
	AuthTime int64 `json:"auth_time"`
}

// UserID returns the subject as a user id.
func (c *Claims) UserID() int64 {
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	return id
}

// Tokens issues and checks HS256 session tokens.
type Tokens struct {
	key []byte
	TTL time.Duration
	// Now is the clock tokens are issued and checked by.
	Now func() time.Time
}

// NewTokens returns a token service signing with secret.
func NewTokens(secret string, ttl time.Duration) *Tokens {
	return &Tokens{key: []byte(secret), TTL: ttl, Now: time.Now}
}

// Issue returns a signed token for u, for audience aud, and its expiry.
// authTime is the original login time (zero for a fresh login).
func (t *Tokens) Issue(u *models.User, aud string, authTime time.Time) (string, time.Time, error) {
	now := t.Now()
	if authTime.IsZero() {
		authTime = now
	}
	exp := now.Add(t.TTL)
	if limit := authTime.Add(MaxSessionAge); exp.After(limit) {
		exp = limit
	}
	jti := make([]byte, 12)
	_, _ = rand.Read(jti)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   strconv.FormatInt(u.ID, 10),
			Audience:  jwt.ClaimStrings{aud},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
			ID:        hex.EncodeToString(jti),
		},
		Role:     u.Role,
		Version:  u.TokenVersion,
		AuthTime: authTime.Unix(),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.key)
	return s, exp, err
}

// ErrBadToken is returned for any token that is not valid; the reason is not
// told to the client.
var ErrBadToken = models.Errorf(models.EUNAUTHORIZED, "Please sign in to continue.")

// Parse verifies a token for audience aud: HS256 only (no "none", no other
// algorithm), right issuer and audience, not expired. It does not check the
// token version against the user; Service.Authenticate does.
func (t *Tokens) Parse(token, aud string) (*Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(aud),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(t.Now),
	)
	if err != nil || c.UserID() <= 0 {
		return nil, errors.Join(ErrBadToken, err)
	}
	return &c, nil
}
