package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's Password Storage Cheat Sheet recommends at least
// m=19 MiB, t=2, p=1. Hashes record their parameters, so raising them later
// re-hashes each password at its owner's next successful login.
var (
	argonMemory  uint32 = 19 * 1024 // KiB
	argonTime    uint32 = 2
	argonThreads uint8  = 1
)

const (
	argonKeyLen  = 32
	argonSaltLen = 16
)

// PHC identifiers: login passwords are plain argon2id; payment passwords are
// argon2id over HMAC-SHA256(pepper, PIN). A six-digit PIN has only 10^6
// values, so a salted hash alone is a PIN in clear to whoever reads the users
// table; with the pepper, which lives only in the server's configuration, the
// table alone gives nothing to guess against.
const (
	idPassword = "argon2id"
	idPIN      = "argon2id-hmac-sha256"
)

// HashPassword returns the PHC-format argon2id hash of pw with a random salt.
func HashPassword(pw string) (string, error) {
	return hash(idPassword, []byte(pw))
}

// VerifyPassword reports whether pw matches hash (in constant time), and
// whether the hash uses weaker parameters than today's and should be replaced.
// It knows only login-password hashes: a payment password's hash never
// matches.
func VerifyPassword(hash, pw string) (ok, rehash bool, err error) {
	_, ok, weak, err := verify(hash, func(id string) ([]byte, error) {
		if id != idPassword {
			return nil, errors.New("unknown password hash format")
		}
		return []byte(pw), nil
	})
	return ok, ok && weak, err
}

func hash(id string, secret []byte) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey(secret, salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s", id, argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify checks a PHC hash against the secret that input derives from the
// hash's identifier; weak says its parameters are below today's.
func verify(hash string, input func(id string) ([]byte, error)) (id string, ok, weak bool, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" {
		return "", false, false, errors.New("unknown password hash format")
	}
	id = parts[1]
	secret, err := input(id)
	if err != nil {
		return id, false, false, err
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return id, false, false, errors.New("unsupported argon2 version")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return id, false, false, errors.New("bad argon2 parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return id, false, false, errors.New("bad salt")
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return id, false, false, errors.New("bad key")
	}
	got := argon2.IDKey(secret, salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return id, ok, m < argonMemory || t < argonTime, nil
}

// errNoPepper refuses to hash or check a PIN without the server's key, rather
// than store one that a copy of the database would give away.
var errNoPepper = errors.New("payment passwords: no pepper configured (PAY_PASSWORD_PEPPER)")

// MinPepperLen is the shortest pepper accepted, in bytes.
const MinPepperLen = 32

// pinSecret is what argon2id hashes for a PIN: HMAC-SHA256(pepper, pin).
func (s *Service) pinSecret(pin string) ([]byte, error) {
	if len(s.pepper) < MinPepperLen {
		return nil, errNoPepper
	}
	m := hmac.New(sha256.New, s.pepper)
	m.Write([]byte(pin))
	return m.Sum(nil), nil
}

// hashPIN returns the peppered hash of a payment password.
func (s *Service) hashPIN(pin string) (string, error) {
	secret, err := s.pinSecret(pin)
	if err != nil {
		return "", err
	}
	return hash(idPIN, secret)
}

// verifyPIN reports whether pin matches a payment password's hash, and
// whether the hash should be replaced: hashes from before the pepper (plain
// argon2id) still verify, and are replaced at their next successful check.
func (s *Service) verifyPIN(hash, pin string) (ok, rehash bool, err error) {
	id, ok, weak, err := verify(hash, func(id string) ([]byte, error) {
		switch id {
		case idPIN:
			return s.pinSecret(pin)
		case idPassword:
			if len(s.pepper) < MinPepperLen {
				return nil, errNoPepper // it could not be re-hashed
			}
			return []byte(pin), nil
		}
		return nil, errors.New("unknown payment password hash format")
	})
	return ok, ok && (weak || id != idPIN), err
}

// dummyHash is verified against when a login name is unknown, so that an
// unknown name takes as long as a wrong password.
var dummyHash, _ = HashPassword("dummy password for timing")
