package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lineescrow/app/gateway"
	"lineescrow/app/platform/ptest"
)

// TestPlatformKeyFile: at the first start the key is generated into the
// file (0600) and kept; later starts read it. Outside demo mode a key must
// be configured and may not be the public demo key.
func TestPlatformKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "gateway-key.pem")
	first, err := gateway.LoadPlatformKey("", path, false)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 || first.N.BitLen() != gateway.PlatformKeyBits {
		t.Fatalf("generated key file: %v %v, %d bits", info.Mode(), err, first.N.BitLen())
	}
	again, err := gateway.LoadPlatformKey("", path, false)
	if err != nil || !again.Equal(first) {
		t.Fatalf("the second start read another key: %v", err)
	}
	text, _ := os.ReadFile(path)
	if k, err := gateway.LoadPlatformKey(string(text), "", false); err != nil || !k.Equal(first) {
		t.Fatalf("GATEWAY_PRIVATE_KEY: %v", err)
	}
	if _, err := gateway.LoadPlatformKey("", "", false); err == nil || !strings.Contains(err.Error(), "GATEWAY_KEY_FILE") {
		t.Fatalf("no key outside demo mode: %v", err)
	}
	if _, err := gateway.LoadPlatformKey(gateway.DemoPlatformKey, "", false); err == nil || !strings.Contains(err.Error(), "demo") {
		t.Fatalf("the demo key outside demo mode: %v", err)
	}
	if k, err := gateway.LoadPlatformKey("", "", true); err != nil || !gateway.IsDemoKey(&k.PublicKey) {
		t.Fatalf("demo mode: %v", err)
	}
	if _, err := gateway.LoadPlatformKey("-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----", "", false); err == nil ||
		strings.Contains(err.Error(), "bm9wZQ") {
		t.Fatalf("a broken key: %v", err)
	}
}

// TestANodeWithAnotherKeyRefusesToStart: the first start records the key;
// a node with another key refuses (and says both fingerprints).
func TestANodeWithAnotherKeyRefusesToStart(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	for range 2 {
		if err := e.Gateway.CheckPlatformKey(e.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	demo := gateway.Fingerprint(&e.Gateway.Key.PublicKey)
	e.Gateway.Key = exampleKey(t)
	err := e.Gateway.CheckPlatformKey(e.Ctx)
	if err == nil || !strings.Contains(err.Error(), demo) || !strings.Contains(err.Error(), gateway.Fingerprint(&e.Gateway.Key.PublicKey)) {
		t.Fatalf("another key: %v", err)
	}
	if err := e.Start(e.Ctx); err == nil {
		t.Fatal("the platform started with another key")
	}
}
