package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gorm.io/gorm"

	"lineescrow/app/store"
)

// PlatformKeyBits is the size of a platform key generated at first start.
const PlatformKeyBits = 3072

// DemoPlatformKey is the platform's key pair in demo mode. It is public (it
// is in the source), so LoadPlatformKey refuses it outside demo mode.
const DemoPlatformKey = `
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDWmzS1GuxSBqt7
4zTprIFLdW9G8mzmGP4VQE06v4Okef6zGhPLHAfM4m64tKhZYqLlxVkuYoUDkavM
SLbbpKpIDRRhLeERQuunMNcDfIwv7hNts4yQGSc34t/doGQP6Hf1EwmhgD5sYWrF
OUpgjacMGPNMczoChukr4LumCBJdZsPjwEGeGsKUaXDv/8DJZ4nPvg8Tj7EEp0re
pcmtNUfBZw2+Uq6rXkgeSye0bTxMfEdjV5Da+d9aHod671LRAgQ5hS0ge+55r2dx
nosxXSYIr75+8TiVUKLOOwqmYyJWm8S9p2UYCeEt53ExRpWH9VdZu72Jq0K+hh+r
xSI1fUmlAgMBAAECggEAOFiByzcpaxPzPFDYWK4BOIW51L/b1cIkHAJJBK656ppZ
RD8JiV9vsNyWw4ozVVyvdnKNSr91Ow2pNLa2xA6E4uwEOMup9zVB2CDboz+1MvRo
R3pH4qGoCWVY78Cn5QFdVYxNEAky2pPtS6ESJS2r+WInpx/t0DIJ0Ipt2lbuM3VH
uJfpfJUMcZLOCyh9aBo1gEMhTy2tefep+wclhjpI+TakNnOYZFWZppTY1zeAxywK
eJpuI4RzDhE242Qqkre9ct6LGSPhz42kQBKcodj9+pPyDb0bP1jv0EfuyqjiN28e
atoeJC9NPc51IdWSbqvdzWNIMKgcEKGrtCDYhGlb1QKBgQDzQE+50V6h3t1+hMhP
t2KifL2Y5P3WVF0q33ALTs7M2P79mdZIDEZpg/YQ4zOFicQi3wjPFweYsyVZZTON
tKAeTLJbRUVyxmN+9bCXEyp7PDvFfUuh+N1v9fFDkk0AYMzzKzYoso5+Dh4IhKcr
VCWCOAtwxsU9ZgwfLnvdWcQoewKBgQDh2pEYs2uFKzXe1yGXxfSS5r4VePVRC7Xx
t5Jz+Y/0v54fRY/VW2KV3P3mVHxpGqJWWPDSugtDDxzuhLwkdquZgRv9FKQSpIf4
4i+NuRhKqmJgvPvoo8v8cuphh5Jc7jcdAJLf2lMXlrGLyACEdTWpwmktDtRlHfOm
z1BAev2MXwKBgDeNbWe7aAhBtIXrXy/Naso/ALHFQi9Ljwd2hckfU103BWz3UBee
Lgp056JNsPuDTfbExuc8lDCMYTA8S3zGTnb8/xKXDFg89IYPKCgoaWBBjkj452fz
ROcH3PSYmdtHQCccrD65II+rO7KoUOE1U2ec0wgLbQornwMUA5e2o3S3AoGBAMLm
ZW4GbxO1TUCnL7MUvdEDVCedgT1WOMWF39k7FJJlxWNBGTVKLlIbKfPZFp9wv4R6
Lh/7MnrFEPd4Dg/9ZGoMc4W7iTcZSslpDxZjE2ZjkI/gphaFOyP4WvCdGJ4fZ+oc
M6L/edMSVNbGWkP0DcIYJcEfWgSEi114680pFaJLAoGAL73L3EfgLDjO5018bK4L
4xC6CKEKGm5jU0gEUaYZ25YrmuSDkPrlL4z48vahKtoDFMqmwr17vdSwP0vYEUbE
sDB2uIGy+eLttvJy2O/XDEKuGrXMgzfJUHimSfD56vEvZxRS3TMpGF1i/6pkMDqA
FCgTcoryaMTmNosa2zw7/34=
-----END PRIVATE KEY-----
`

// LoadPlatformKey returns the platform's private key, which signs its
// replies, notifications and returns. It never lives in the database (only
// its public half is recorded, CheckPlatformKey):
//
//   - pemText (GATEWAY_PRIVATE_KEY), a PEM private key, for deployments that
//     hand secrets over as environment variables; else
//   - the file at file (GATEWAY_KEY_FILE): read when it exists; when it does
//     not (the first start), a new PlatformKeyBits key is generated and
//     written there (mode 0600, its directory created 0700), and kept; else
//   - in demo mode only, DemoPlatformKey.
//
// Several platform nodes must share one key: give them the same
// GATEWAY_PRIVATE_KEY, or copy the file the first node generated.
func LoadPlatformKey(pemText, file string, demo bool) (*rsa.PrivateKey, error) {
	var key *rsa.PrivateKey
	var err error
	switch {
	case pemText != "":
		if key, err = ParsePrivateKey(pemText); err != nil {
			return nil, fmt.Errorf("GATEWAY_PRIVATE_KEY: %v (a PEM RSA private key of at least %d bits)", err, MinKeyBits)
		}
	case file != "":
		if key, err = keyFile(file); err != nil {
			return nil, fmt.Errorf("GATEWAY_KEY_FILE %s: %w", file, err)
		}
	case demo:
		if key, err = ParsePrivateKey(DemoPlatformKey); err != nil {
			return nil, fmt.Errorf("the demo gateway key: %w", err)
		}
		return key, nil
	default:
		return nil, errors.New("GATEWAY_KEY_FILE or GATEWAY_PRIVATE_KEY must be set (the gateway's signing key)")
	}
	if !demo && IsDemoKey(&key.PublicKey) {
		return nil, errors.New("the gateway key is the public demo key; generate one of your own (or leave GATEWAY_KEY_FILE's file absent to have one generated)")
	}
	return key, nil
}

// IsDemoKey reports whether k is the public half of DemoPlatformKey.
func IsDemoKey(k *rsa.PublicKey) bool {
	demo, err := ParsePrivateKey(DemoPlatformKey)
	return err == nil && demo.PublicKey.Equal(k)
}

// keyFile reads the key at path, or generates it there when there is none.
func keyFile(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParsePrivateKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("%v (a PEM RSA private key of at least %d bits)", err, MinKeyBits)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	k, err := rsa.GenerateKey(rand.Reader, PlatformKeyBits)
	if err != nil {
		return nil, err
	}
	text, err := PrivateKeyPEM(k)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// Written aside and renamed, so a crash never leaves half a key; a
	// second node racing this one keeps whichever came first (Link fails
	// when path exists) and reads it.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gateway-key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return keyFile(path)
		}
		return nil, err
	}
	return k, nil
}

// CheckPlatformKey records the public half of the platform's key the first
// time, and refuses (an error naming both fingerprints) a node whose key is
// not the one recorded as current: merchants verify with the key they
// downloaded, so a node that generated a key of its own, or lost its key
// file, must not sign anything.
func (s *Service) CheckPlatformKey(ctx context.Context) error {
	fp := Fingerprint(&s.Key.PublicKey)
	return store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO gateway_platform_keys (fingerprint, public_key) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, fp, PublicKeyPEM(&s.Key.PublicKey)).Error; err != nil {
			return fmt.Errorf("record the gateway key: %w", err)
		}
		var current string
		if err := tx.Raw(`SELECT fingerprint FROM gateway_platform_keys WHERE current`).Scan(&current).Error; err != nil {
			return err
		}
		if current != fp {
			return fmt.Errorf("the gateway key of this node (SHA-256 %s) is not the platform's (%s), which merchants verify with: "+
				"give every node the same GATEWAY_PRIVATE_KEY or GATEWAY_KEY_FILE (to change the platform's key on purpose, see app/gateway's documentation)", fp, current)
		}
		return nil
	})
}
