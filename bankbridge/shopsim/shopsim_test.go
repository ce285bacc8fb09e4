package shopsim

import (
	"crypto/x509"
	"encoding/pem"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The gateway documentation's worked example (app/gateway/doc.go): the
// shop's own signer, written apart from the platform's, makes the same
// string and signature.
const (
	exampleString = "app_id=2014072300007148&charset=utf-8&method=trade.create&nonce=7f3c9a2b4e5d6f70&notify_url=https://shop.example/notify&out_trade_no=20261201-0001&return_url=https://shop.example/return&sign_type=RSA2&subject=牡丹花茶 Peony tea&timestamp=2026-12-01 10:00:00&total_amount=88.00"
	exampleSign   = "UpMx8J4+6TW1E1Oo2o+ITaBnq3TG6wsfxoFjtFWJMi0Orz8pQ+Gl78k8aeJFTu8GsrWIEu/A/yCrAcAUOD75TuY949C/3pY814FNfLYBF+6/EqwcnhQHEGP+rFuyr+c9CdCd7ICjRu2XhlQFDsGfK2elqJAqbNvO8m1tPcX2ugOozXhFmyLIpDeQiYmjHIOAydYu9ny01mV17gnTxW4PRyVBeZLiVt8l0ILduyHc0ZfoGmZvDOuuVZj5xOes6rap6POQZqrxVuirFOGKY7SiHtFFHkwuCNNln8FgS10aQgS/MmrQ21bui+tRzPtFekDbI4i586om8OYGGd5WhmB49Q=="
)

func pubPEM(t *testing.T, privPEM string) string {
	t.Helper()
	k, err := parsePrivate(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestTheShopSignsAsTheDocumentationSays(t *testing.T) {
	priv, err := os.ReadFile("../../app/gateway/testdata/example_merchant_private.pem")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{PrivateKey: string(priv), PlatformKey: pubPEM(t, string(priv))})
	if err != nil {
		t.Fatal(err)
	}
	p := map[string]string{"app_id": "2014072300007148", "method": "trade.create", "timestamp": "2026-12-01 10:00:00", "nonce": "7f3c9a2b4e5d6f70",
		"charset": "utf-8", "out_trade_no": "20261201-0001", "subject": "牡丹花茶 Peony tea", "total_amount": "88.00",
		"notify_url": "https://shop.example/notify", "return_url": "https://shop.example/return", "body": ""}
	if err := s.sign(p); err != nil {
		t.Fatal(err)
	}
	if got := stringToSign(p); got != exampleString {
		t.Fatalf("string to sign %s", got)
	}
	if p["sign"] != exampleSign {
		t.Fatalf("signature %s", p["sign"])
	}
	if !s.verify(p) {
		t.Fatal("its own signature does not verify")
	}
}

// TestTheShopTrustsOnlySignedNotifications: a notification not signed by
// the platform, for another app, another amount, or an unknown order is
// not answered "success"; one handled twice is acted on once.
func TestTheShopTrustsOnlySignedNotifications(t *testing.T) {
	platform, err := New(Config{PrivateKey: DemoPrivateKey, PlatformKey: pubPEM(t, DemoPrivateKey)}) // stands in for the platform's key
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := os.ReadFile("../../app/gateway/testdata/example_merchant_private.pem")
	s, err := New(Config{AppID: "2000000000000001", PrivateKey: string(priv), PlatformKey: pubPEM(t, DemoPrivateKey)})
	if err != nil {
		t.Fatal(err)
	}
	s.orders["PC1"] = &Order{OutTradeNo: "PC1", Product: Products[0], Status: "WAIT_BUYER_PAY", notified: map[string]bool{}}
	note := func(kv ...string) map[string]string {
		p := map[string]string{"app_id": "2000000000000001", "out_trade_no": "PC1", "total_amount": Products[0].Price,
			"trade_status": "TRADE_SUCCESS", "notify_id": "n1", "event": "paid"}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		if err := platform.sign(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	forged := note()
	if err := s.sign(forged); err != nil { // signed by the shop's own key, not the platform's
		t.Fatal(err)
	}
	tampered := note()
	tampered["total_amount"] = "0.01"
	for name, p := range map[string]map[string]string{"forged": forged, "tampered": tampered, "other app": note("app_id", "2999"),
		"other amount": note("total_amount", "1.00"), "unknown order": note("out_trade_no", "PC9")} {
		if status, body := s.Notify(p); status == http.StatusOK || body == "success" {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	if o, _ := s.Order("PC1"); o.Status != "WAIT_BUYER_PAY" {
		t.Fatalf("a refused notification changed the order: %s", o.Status)
	}
	s.FailNextNotifications(1)
	if status, _ := s.Notify(note()); status != http.StatusInternalServerError {
		t.Fatalf("the simulated failure answered %d", status)
	}
	for range 2 {
		if status, body := s.Notify(note()); status != http.StatusOK || body != "success" {
			t.Fatalf("a good notification: %d %s", status, body)
		}
	}
	o, _ := s.Order("PC1")
	if o.Status != "TRADE_SUCCESS" || !o.Paid() || len(o.Log) != 1 {
		t.Fatalf("after the notification: %+v", o)
	}
	// A late notification never takes the order back.
	if _, body := s.Notify(note("notify_id", "n0", "trade_status", "WAIT_BUYER_PAY")); body != "success" {
		t.Fatal(body)
	}
	if o, _ := s.Order("PC1"); o.Status != "TRADE_SUCCESS" {
		t.Fatalf("a late notification took the order back to %s", o.Status)
	}
}

// TestTheShopImportsNothingOfThePlatform: it integrates as a third party
// would, through the public HTTP interface only.
func TestTheShopImportsNothingOfThePlatform(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); strings.Contains(p, ".") || strings.HasPrefix(p, "lineescrow") {
				t.Errorf("%s imports %s: the shop may use the standard library only", f, p)
			}
		}
	}
}
