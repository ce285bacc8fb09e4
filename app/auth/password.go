package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/sync/semaphore"
)

// params are argon2id's cost parameters: memory in KiB, passes, lanes.
type params struct {
	memory  uint32
	time    uint32
	threads uint8
}

// Login passwords: OWASP's Password Storage Cheat Sheet recommends at least
// m=19 MiB, t=2, p=1 (about 25 ms of one core here). Hashes record their
// parameters, so raising these later re-hashes each password at its owner's
// next successful login.
var passwordParams = params{memory: 19 * 1024, time: 2, threads: 1}

// Payment passwords: six digits are only 10^6 values, so no affordable
// work factor protects them once the pepper is known (10^6 × 25 ms is seven
// hours of one core), and without the pepper HMAC-SHA256 alone makes the
// stored hashes useless to guess against. The pepper is what protects a PIN,
// as a bank's HSM key protects its PIN blocks; argon2id stays in front of it
// as a salted, memory-hard second line at a cost chosen for a check made on
// every payment (m=2 MiB, t=1: about 2 ms and 2 MiB, instead of 25 ms and
// 19 MiB). BenchmarkPINCheck measures both. A hash with other parameters
// (the login ones, which PINs used before) verifies and is re-hashed with
// these at its next right answer.
var pinParams = params{memory: 2 * 1024, time: 1, threads: 1}

// hashMemoryBudget bounds the memory of the argon2id computations running at
// once (KiB): each holds its whole memory parameter, so eight login hashes at
// once would take 152 MiB. Two login hashes, or a login hash and ten PIN
// checks, fit; the rest wait their turn (a hash takes milliseconds).
const hashMemoryBudget = 40 * 1024

var hashing = semaphore.NewWeighted(hashMemoryBudget)

// idKey is argon2.IDKey within the memory budget.
func idKey(secret, salt []byte, p params, keyLen uint32) []byte {
	w := min(int64(p.memory), hashMemoryBudget)
	_ = hashing.Acquire(context.Background(), w) // never fails without a deadline
	defer hashing.Release(w)
	return argon2.IDKey(secret, salt, p.time, p.memory, p.threads, keyLen)
}

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
	return hash(idPassword, []byte(pw), passwordParams)
}

// VerifyPassword reports whether pw matches hash (in constant time), and
// whether the hash uses weaker parameters than today's and should be replaced.
// It knows only login-password hashes: a payment password's hash never
// matches.
func VerifyPassword(hash, pw string) (ok, rehash bool, err error) {
	_, ok, p, err := verify(hash, func(id string) ([]byte, error) {
		if id != idPassword {
			return nil, errors.New("unknown password hash format")
		}
		return []byte(pw), nil
	})
	weak := p.memory < passwordParams.memory || p.time < passwordParams.time
	return ok, ok && weak, err
}

func hash(id string, secret []byte, p params) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := idKey(secret, salt, p, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s", id, argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify checks a PHC hash against the secret that input derives from the
// hash's identifier, and returns the hash's parameters.
func verify(hash string, input func(id string) ([]byte, error)) (id string, ok bool, p params, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" {
		return "", false, p, errors.New("unknown password hash format")
	}
	id = parts[1]
	secret, err := input(id)
	if err != nil {
		return id, false, p, err
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return id, false, p, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		p.memory == 0 || p.time == 0 || p.threads == 0 {
		return id, false, params{}, errors.New("bad argon2 parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return id, false, p, errors.New("bad salt")
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return id, false, p, errors.New("bad key")
	}
	got := idKey(secret, salt, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return id, ok, p, nil
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
	return hash(idPIN, secret, pinParams)
}

// verifyPIN reports whether pin matches a payment password's hash, and
// whether the hash should be replaced: hashes from before the pepper (plain
// argon2id) and peppered hashes with other parameters than pinParams still
// verify, and are replaced at their next successful check.
func (s *Service) verifyPIN(hash, pin string) (ok, rehash bool, err error) {
	id, ok, p, err := verify(hash, func(id string) ([]byte, error) {
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
	return ok, ok && (p != pinParams || id != idPIN), err
}

// dummyHash is verified against when a login name is unknown, so that an
// unknown name takes as long as a wrong password.
var dummyHash, _ = HashPassword("dummy password for timing")
