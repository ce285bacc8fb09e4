package gateway_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lineescrow/app/gateway"
)

// exampleParams are the worked example of the package documentation.
func exampleParams() map[string]string {
	return map[string]string{
		"app_id": "2014072300007148", "method": "trade.create", "timestamp": "2026-12-01 10:00:00", "nonce": "7f3c9a2b4e5d6f70",
		"sign_type": "RSA2", "charset": "utf-8", "out_trade_no": "20261201-0001", "subject": "牡丹花茶 Peony tea", "total_amount": "88.00",
		"notify_url": "https://shop.example/notify", "return_url": "https://shop.example/return", "body": "",
	}
}

const (
	exampleString = "app_id=2014072300007148&charset=utf-8&method=trade.create&nonce=7f3c9a2b4e5d6f70&notify_url=https://shop.example/notify&out_trade_no=20261201-0001&return_url=https://shop.example/return&sign_type=RSA2&subject=牡丹花茶 Peony tea&timestamp=2026-12-01 10:00:00&total_amount=88.00"
	exampleSign   = "UpMx8J4+6TW1E1Oo2o+ITaBnq3TG6wsfxoFjtFWJMi0Orz8pQ+Gl78k8aeJFTu8GsrWIEu/A/yCrAcAUOD75TuY949C/3pY814FNfLYBF+6/EqwcnhQHEGP+rFuyr+c9CdCd7ICjRu2XhlQFDsGfK2elqJAqbNvO8m1tPcX2ugOozXhFmyLIpDeQiYmjHIOAydYu9ny01mV17gnTxW4PRyVBeZLiVt8l0ILduyHc0ZfoGmZvDOuuVZj5xOes6rap6POQZqrxVuirFOGKY7SiHtFFHkwuCNNln8FgS10aQgS/MmrQ21bui+tRzPtFekDbI4i586om8OYGGd5WhmB49Q=="
)

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exampleKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := gateway.ParsePrivateKey(read(t, "example_merchant_private.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestStringToSign(t *testing.T) {
	for _, c := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"b": "2", "a": "1", "sign": "x"}, "a=1&b=2"},
		{map[string]string{"a": "", "b": "=&?", "sign_type": "RSA2"}, "b==&?&sign_type=RSA2"}, // empty left out, values raw
		{map[string]string{"B": "upper", "a": "lower", "_": "u"}, "B=upper&_=u&a=lower"},      // byte order
		{map[string]string{"subject": "牡丹 tea%20"}, "subject=牡丹 tea%20"},                      // not decoded, not encoded
		{map[string]string{"sign": "only"}, ""},
	} {
		if got := gateway.StringToSign(c.params); got != c.want {
			t.Errorf("StringToSign(%v) = %q, want %q", c.params, got, c.want)
		}
	}
}

// TestWorkedExample checks the package documentation's example: its string
// to sign, its signature with the example key (RSASSA-PKCS1-v1_5 is
// deterministic), and that doc.go shows exactly these.
func TestWorkedExample(t *testing.T) {
	p := exampleParams()
	if got := gateway.StringToSign(p); got != exampleString {
		t.Fatalf("string to sign:\n got %s\nwant %s", got, exampleString)
	}
	sig, err := gateway.Sign(exampleKey(t), p)
	if err != nil || sig != exampleSign {
		t.Fatalf("signature %s (%v), want %s", sig, err, exampleSign)
	}
	pub, err := gateway.ParsePublicKey(read(t, "example_merchant_public.pem"))
	if err != nil {
		t.Fatal(err)
	}
	p["sign"] = sig
	if !gateway.Verify([]*rsa.PublicKey{pub}, p) {
		t.Fatal("the example does not verify")
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"//\t" + exampleString + "\n", "//\t" + exampleSign + "\n"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("doc.go does not show %q", want)
		}
	}
}

func TestTamperedOrWrongKeyDoesNotVerify(t *testing.T) {
	p := exampleParams()
	p["sign"] = exampleSign
	pub := &exampleKey(t).PublicKey
	other := &demoKey(t).PublicKey
	if !gateway.Verify([]*rsa.PublicKey{other, pub}, p) {
		t.Fatal("any of the keys should do")
	}
	if gateway.Verify([]*rsa.PublicKey{other}, p) {
		t.Fatal("verified with the wrong key")
	}
	for k, v := range map[string]string{"total_amount": "8.80", "body": "x", "sign": "AAAA", "subject": "牡丹花茶 Peony tea "} {
		q := exampleParams()
		q["sign"] = exampleSign
		q[k] = v
		if gateway.Verify([]*rsa.PublicKey{pub}, q) {
			t.Errorf("verified with %s=%q", k, v)
		}
	}
	// An empty value is not signed: adding one changes nothing.
	q := exampleParams()
	q["sign"], q["extra"] = exampleSign, ""
	if !gateway.Verify([]*rsa.PublicKey{pub}, q) {
		t.Fatal("an empty parameter broke the signature")
	}
}

func demoKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := gateway.ParsePrivateKey(gateway.DemoPlatformKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// openssl runs Debian's openssl; it is part of the tests, so its absence
// fails them (it does not skip, with or without CI).
func openssl(t *testing.T, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is needed by this test (an independent signer): install it (apt-get install openssl): %v", err)
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestOpenSSLSignsGoVerifies: what `openssl dgst -sha256 -sign` makes of
// the string to sign verifies in Go, and is the worked example's signature.
func TestOpenSSLSignsGoVerifies(t *testing.T) {
	dir := t.TempDir()
	data, sigFile := filepath.Join(dir, "data"), filepath.Join(dir, "sig")
	p := exampleParams()
	p["subject"] = "牡丹花茶 ¥88 & more = 好"
	if err := os.WriteFile(data, []byte(gateway.StringToSign(p)), 0o600); err != nil {
		t.Fatal(err)
	}
	openssl(t, "dgst", "-sha256", "-sign", filepath.Join("testdata", "example_merchant_private.pem"), "-out", sigFile, data)
	sig, err := os.ReadFile(sigFile)
	if err != nil {
		t.Fatal(err)
	}
	p["sign"] = base64.StdEncoding.EncodeToString(sig)
	pub, _ := gateway.ParsePublicKey(read(t, "example_merchant_public.pem"))
	if !gateway.Verify([]*rsa.PublicKey{pub}, p) {
		t.Fatal("Go does not verify openssl's signature")
	}
	if err := os.WriteFile(data, []byte(exampleString), 0o600); err != nil {
		t.Fatal(err)
	}
	openssl(t, "dgst", "-sha256", "-sign", filepath.Join("testdata", "example_merchant_private.pem"), "-out", sigFile, data)
	sig, _ = os.ReadFile(sigFile)
	if got := base64.StdEncoding.EncodeToString(sig); got != exampleSign {
		t.Fatalf("openssl signs the worked example as %s", got)
	}
}

// TestGoSignsOpenSSLVerifies: a signature made by Go (as the platform signs
// its notifications) verifies with `openssl dgst -sha256 -verify`.
func TestGoSignsOpenSSLVerifies(t *testing.T) {
	dir := t.TempDir()
	key := demoKey(t)
	params := map[string]string{"notify_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "trade_status": "TRADE_SUCCESS", "subject": "牡丹花茶",
		"total_amount": "88.00", "notify_time": "2026-12-01 10:02:03", "empty": ""}
	signed, err := gateway.Signed(key, params)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(signed["sign"])
	if err != nil {
		t.Fatal(err)
	}
	pubFile, data, sigFile := filepath.Join(dir, "platform.pem"), filepath.Join(dir, "data"), filepath.Join(dir, "sig")
	for f, b := range map[string][]byte{pubFile: []byte(gateway.PublicKeyPEM(&key.PublicKey)), data: []byte(gateway.StringToSign(signed)), sigFile: sig} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if out := openssl(t, "dgst", "-sha256", "-verify", pubFile, "-signature", sigFile, data); !strings.Contains(out, "Verified OK") {
		t.Fatalf("openssl: %s", out)
	}
	// The fingerprint is what openssl's DER of the key hashes to.
	openssl(t, "pkey", "-pubin", "-in", pubFile, "-outform", "DER", "-out", filepath.Join(dir, "der"))
	b, _ := os.ReadFile(filepath.Join(dir, "der"))
	parsed, _ := x509.ParsePKIXPublicKey(b)
	if gateway.Fingerprint(parsed.(*rsa.PublicKey)) != gateway.Fingerprint(&key.PublicKey) {
		t.Fatal("fingerprints differ")
	}
}

func TestParsePublicKeyRefusesWhatIsNotAnRSAPublicKey(t *testing.T) {
	pub := read(t, "example_merchant_public.pem")
	if _, err := gateway.ParsePublicKey("\n  " + pub + "\n"); err != nil {
		t.Fatalf("a good key with blanks around: %v", err)
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	for name, text := range map[string]string{
		"private key": read(t, "example_merchant_private.pem"),
		"1024 bits":   gateway.PublicKeyPEM(&small.PublicKey),
		"EC key":      string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})),
		"garbage":     "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
		"two keys":    pub + pub,
		"empty":       "",
	} {
		if _, err := gateway.ParsePublicKey(text); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
