package gateway

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"sort"
	"strings"
)

// SignType is the one signature type the gateway speaks: SHA256withRSA
// (RSASSA-PKCS1-v1_5 over SHA-256), Alipay's "RSA2".
const SignType = "RSA2"

// MinKeyBits is the smallest RSA key the gateway accepts.
const MinKeyBits = 2048

// StringToSign is what a signature covers: every parameter but sign and
// those with an empty value, sorted by name (byte order), as name=value
// joined with "&", values exactly as sent (not URL-encoded), in UTF-8.
func StringToSign(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k == "sign" || v == "" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k])
	}
	return b.String()
}

// Sign returns the base64 (standard, padded) SHA256withRSA signature of
// params' string to sign.
func Sign(key *rsa.PrivateKey, params map[string]string) (string, error) {
	sum := sha256.Sum256([]byte(StringToSign(params)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Verify reports whether params' sign is a valid signature of its string to
// sign by any of keys.
func Verify(keys []*rsa.PublicKey, params map[string]string) bool {
	sig, err := base64.StdEncoding.DecodeString(params["sign"])
	if err != nil || len(sig) == 0 {
		return false
	}
	sum := sha256.Sum256([]byte(StringToSign(params)))
	for _, k := range keys {
		if k != nil && rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig) == nil {
			return true
		}
	}
	return false
}

// Signed returns a copy of params with sign_type and sign added.
func Signed(key *rsa.PrivateKey, params map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(params)+2)
	for k, v := range params {
		if k != "sign" {
			out[k] = v
		}
	}
	out["sign_type"] = SignType
	sig, err := Sign(key, out)
	if err != nil {
		return nil, err
	}
	out["sign"] = sig
	return out, nil
}

// Errors of the key parsers; callers turn them into field errors.
var (
	errNotPEM     = errors.New("not a PEM block")
	errPrivate    = errors.New("a private key")
	errNotRSA     = errors.New("not an RSA key")
	errWeakKey    = errors.New("an RSA key under 2048 bits")
	errTrailing   = errors.New("more than one PEM block")
	errBadPEMType = errors.New("not a public key")
)

// ParsePublicKey reads an RSA public key in PEM: "PUBLIC KEY"
// (SubjectPublicKeyInfo, what `openssl pkey -pubout` writes) or "RSA PUBLIC
// KEY" (PKCS #1). It refuses private keys, other algorithms, keys under
// MinKeyBits and anything after the key.
func ParsePublicKey(text string) (*rsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil {
		return nil, errNotPEM
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errTrailing
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		if strings.Contains(block.Type, "PRIVATE") {
			return nil, errPrivate
		}
		return nil, errBadPEMType
	}
	if err != nil {
		return nil, errNotRSA
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, errNotRSA
	}
	if k.N.BitLen() < MinKeyBits {
		return nil, errWeakKey
	}
	return k, nil
}

// ParsePrivateKey reads an RSA private key in PEM: "PRIVATE KEY" (PKCS #8,
// what `openssl genpkey` writes) or "RSA PRIVATE KEY" (PKCS #1).
func ParsePrivateKey(text string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil {
		return nil, errNotPEM
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, errNotRSA
	}
	if err != nil {
		return nil, errNotRSA
	}
	k, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errNotRSA
	}
	if k.N.BitLen() < MinKeyBits {
		return nil, errWeakKey
	}
	return k, nil
}

// PublicKeyPEM writes an RSA public key as a "PUBLIC KEY" PEM block.
func PublicKeyPEM(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "" // an *rsa.PublicKey always marshals
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PrivateKeyPEM writes an RSA private key as a PKCS #8 "PRIVATE KEY" block.
func PrivateKeyPEM(k *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// Fingerprint names a public key: the SHA-256 of its DER encoding
// (SubjectPublicKeyInfo), in hex, as `openssl pkey -pubin -outform DER |
// sha256sum` prints it.
func Fingerprint(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
