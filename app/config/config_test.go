package config

import (
	"maps"
	"os"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDemoFillsSecrets(t *testing.T) {
	c, err := Load(env(map[string]string{"DEMO": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.JWTSecret != DemoJWTSecret || c.PayPasswordPepper != DemoPayPasswordPepper || c.BankWebhookSecret != DemoBankWebhookSecret || c.HTTPAddr != "127.0.0.1:8080" {
		t.Fatalf("demo config = %+v", c)
	}
	if c.BankAPIURL != "http://127.0.0.1:8080/sim/bank" || c.MaxAmount.String() != "50000.00" {
		t.Fatalf("demo defaults = %s %s", c.BankAPIURL, c.MaxAmount)
	}
}

func TestProductionRefusesMissingWeakAndDemoSecrets(t *testing.T) {
	_, err := Load(env(map[string]string{}))
	if err == nil {
		t.Fatal("started with no secrets")
	}
	for _, name := range []string{"JWT_SECRET is not set", "PAY_PASSWORD_PEPPER is not set", "BANK_WEBHOOK_SECRET is not set", "DATABASE_URL is not set", "BANK_API_URL is not set",
		"GATEWAY_KEY_FILE (or GATEWAY_PRIVATE_KEY) is not set"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not mention %q", err, name)
		}
	}
	_, err = Load(env(map[string]string{
		"JWT_SECRET":             "short",
		"PAY_PASSWORD_PEPPER":    DemoPayPasswordPepper,
		"BANK_WEBHOOK_SECRET":    DemoBankWebhookSecret,
		"TELECOM_WEBHOOK_SECRET": "not-a-whsec",
	}))
	for _, want := range []string{"JWT_SECRET: too short", "PAY_PASSWORD_PEPPER is the public demo value",
		"BANK_WEBHOOK_SECRET is the public demo value", `TELECOM_WEBHOOK_SECRET: must start with "whsec_"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
	good := map[string]string{
		"DATABASE_URL":           "postgres://x/y",
		"JWT_SECRET":             strings.Repeat("k", 40),
		"PAY_PASSWORD_PEPPER":    strings.Repeat("p", 32),
		"BANK_WEBHOOK_SECRET":    "whsec_MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
		"TELECOM_WEBHOOK_SECRET": "whsec_YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY=",
		"BANK_API_KEY":           "0123456789abcdef0123",
		"TELECOM_API_KEY":        "0123456789abcdef0123",
		"BANK_API_URL":           "https://bank.example",
		"TELECOM_API_URL":        "https://telecom.example",
		"GATEWAY_KEY_FILE":       "/var/lib/lineescrow/gateway-key.pem",
	}
	if _, err := Load(env(good)); err != nil {
		t.Fatalf("good production config refused: %v", err)
	}
	for v, want := range map[string]string{
		strings.Repeat("p", 31): "PAY_PASSWORD_PEPPER: too short (31 bytes; at least 32)",
		strings.Repeat("k", 40): "PAY_PASSWORD_PEPPER: must differ from JWT_SECRET",
	} {
		bad := maps.Clone(good)
		bad["PAY_PASSWORD_PEPPER"] = v
		if _, err := Load(env(bad)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("pepper %q: %v, want %q", v, err, want)
		}
	}
	good["MAX_AMOUNT"] = "1e9"
	if _, err := Load(env(good)); err == nil {
		t.Fatal("MAX_AMOUNT with exponent accepted")
	}
}

func TestREADMEListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars {
		if !strings.Contains(string(readme), "| `"+v.Name+"` |") {
			t.Errorf("README.md configuration table lacks %s", v.Name)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"DEMO": "true"}))
	if err != nil || len(c.TrustedProxies) != 0 || c.HTTPS() {
		t.Fatalf("default: %v %v https=%v", c.TrustedProxies, err, c.HTTPS())
	}
	c, err = Load(env(map[string]string{"DEMO": "true", "TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7 ,2001:db8::/64,2001:db8:1::5", "BASE_URL": "https://pay.example/"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.TrustedProxies {
		got = append(got, n.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.7/32 2001:db8::/64 2001:db8:1::5/128" {
		t.Fatalf("parsed %v", got)
	}
	if !c.HTTPS() || c.BaseURL != "https://pay.example" {
		t.Fatalf("BASE_URL %q https=%v", c.BaseURL, c.HTTPS())
	}
	for v, want := range map[string]string{
		"10.0.0.0/33":        "not a CIDR",
		"proxy.example":      "neither a CIDR",
		"10.0.0.0/8;1.2.3.4": "not a CIDR",
		"0.0.0.0/0":          "trusts every address",
		"::/0":               "trusts every address",
	} {
		_, err := Load(env(map[string]string{"DEMO": "true", "TRUSTED_PROXIES": v}))
		if err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES") || !strings.Contains(err.Error(), want) {
			t.Errorf("TRUSTED_PROXIES=%q: %v, want %q", v, err, want)
		}
	}
	for _, v := range []string{"pay.example", "ftp://pay.example", "https://"} {
		if _, err := Load(env(map[string]string{"DEMO": "true", "BASE_URL": v})); err == nil || !strings.Contains(err.Error(), "BASE_URL") {
			t.Errorf("BASE_URL=%q: %v", v, err)
		}
	}
}

func TestPprofOnlyOnAPrivateAddress(t *testing.T) {
	c, err := Load(env(map[string]string{"DEMO": "true"}))
	if err != nil || c.PprofAddr != "" {
		t.Fatalf("default: %q %v", c.PprofAddr, err)
	}
	for addr, ok := range map[string]bool{"127.0.0.1:6060": true, "localhost:6060": true, "[::1]:6060": true, "10.1.2.3:6060": true,
		":6060": false, "0.0.0.0:6060": false, "203.0.113.5:6060": false, "127.0.0.1": false} {
		c, err := Load(env(map[string]string{"DEMO": "true", "PPROF_ADDR": addr}))
		if ok && (err != nil || c.PprofAddr != addr) {
			t.Errorf("%s refused: %v", addr, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "PPROF_ADDR")) {
			t.Errorf("%s accepted", addr)
		}
	}
}
