// Package config reads LineEscrow's configuration from environment variables.
//
// Demo mode (DEMO=true, what `make run` uses) fills missing secrets with the
// documented demo values below. Outside demo mode a missing or weak secret, or a
// demo value, stops start-up with a message naming the variable: a payment
// platform must never run on a default secret.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"lineescrow/models"
)

// Config is the platform's configuration.
type Config struct {
	DatabaseURL string
	// DatabaseReadURL is a read replica for reports (empty: none), used
	// while it is within DatabaseReadMaxLag of the primary.
	DatabaseReadURL    string
	DatabaseReadMaxLag time.Duration
	HTTPAddr           string
	BaseURL            string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed; empty: the TCP peer is the client.
	TrustedProxies []*net.IPNet
	JWTSecret      string
	// PayPasswordPepper keys the hashes of payment passwords.
	PayPasswordPepper    string
	BankWebhookSecret    string
	TelecomWebhookSecret string
	BankAPIURL           string
	BankAPIKey           string
	TelecomAPIURL        string
	TelecomAPIKey        string
	// TelecomSettlementAccount is the operator's account its cycle
	// settlements come from: only its transfers clear telecom:receivable.
	TelecomSettlementAccount string
	Demo                     bool
	MaxAmount                models.Money
	DBMaxConns               int
	LogLevel                 string
	SessionTTL               time.Duration
	// The platform's collection account, shown to payers.
	BankName    string
	BankAccount string
	BankHolder  string
	// Hotline is the payment hotline's number, printed on the shops'
	// counter cards (in-store payments).
	Hotline string
	// GatewayKeyFile and GatewayPrivateKey hold the merchant gateway's
	// signing key (gateway.LoadPlatformKey reads them): a PEM file,
	// generated at the first start when missing, or the PEM itself. Never
	// in the database.
	GatewayKeyFile    string
	GatewayPrivateKey string
	// The payment hotline (app/ivr): the IVR platform's addresses and its
	// Standard Webhooks secret (either proves a request is the platform's),
	// and the agents' number 0 transfers to.
	IVRPlatforms     []*net.IPNet
	IVRWebhookSecret string
	IVRAgentNumber   string
	// PprofAddr, when set, serves Go's profiles (/debug/pprof/) on a
	// listener of their own at this loopback or private address.
	PprofAddr string
}

// Var documents one environment variable; README.md lists them all (a test checks).
type Var struct {
	Name, Default, Help string
}

// Demo values, used only when DEMO=true. They are public, so they are refused
// outside demo mode.
const (
	DemoJWTSecret            = "demo-only-jwt-secret-do-not-use-in-production"
	DemoPayPasswordPepper    = "demo-only-pay-password-pepper-do-not-use-in-production"
	DemoBankWebhookSecret    = "whsec_ZGVtby1iYW5rLXdlYmhvb2stc2VjcmV0LTMyYnl0ZXM="
	DemoTelecomWebhookSecret = "whsec_ZGVtby10ZWxlY29tLXdlYmhvb2stc2VjcmV0LTMyYg=="
	DemoBankAPIKey           = "demo-bank-api-key"
	DemoTelecomAPIKey        = "demo-telecom-api-key"
	DemoIVRWebhookSecret     = "whsec_ZGVtby1pdnItcGxhdGZvcm0td2ViaG9vay1zZWNyZXQ="
)

// Vars lists every variable Load reads, in README order.
var Vars = []Var{
	{"DATABASE_URL", "(demo: the project's own cluster)", "PostgreSQL URL. In demo mode, when unset, `make run` starts a cluster in `.devdb/`."},
	{"DATABASE_READ_URL", "(empty)", "A read replica of DATABASE_URL (a streaming standby, or HAProxy's read port). Reports read from it (seller dashboards and statements, the operators' books and ledger explorer) while it is known to be within `DATABASE_READ_MAX_LAG` of the primary, else from the primary; nothing that decides about money ever does."},
	{"DATABASE_READ_MAX_LAG", "2s", "How far behind the primary the read replica may be for reports to read from it (measured by WAL position, not by the replica's clock)."},
	{"HTTP_ADDR", "127.0.0.1:8080", "Address the web server listens on."},
	{"BASE_URL", "http://HTTP_ADDR", "Public URL of the platform, used in links and by the simulators. With `https://` cookies are `Secure` and responses carry `Strict-Transport-Security`."},
	{"TRUSTED_PROXIES", "(empty)", "Comma-separated CIDRs of the reverse proxies in front of the platform (`10.0.0.0/8, 2001:db8::/64`; a bare address is one host). `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the TCP peer is in them; empty: the TCP peer is the client."},
	{"JWT_SECRET", "(demo value in demo mode)", "HMAC key for session tokens; at least 32 bytes."},
	{"PAY_PASSWORD_PEPPER", "(demo value in demo mode)", "Secret key (pepper) of the payment password hashes; at least 32 bytes, not the JWT secret. Keep it out of the database and its backups; changing it invalidates every payment password not yet re-set, and the ledger journal's digests (keep the old value to verify old books)."},
	{"BANK_WEBHOOK_SECRET", "(demo value in demo mode)", "Standard Webhooks secret (`whsec_` + base64, ≥ 24 bytes) shared with the bank bridge."},
	{"TELECOM_WEBHOOK_SECRET", "(demo value in demo mode)", "Standard Webhooks secret shared with the telecom front-end."},
	{"BANK_API_URL", "(demo: built-in simulator)", "Base URL of the bank bridge API."},
	{"BANK_API_KEY", "(demo value in demo mode)", "Bearer key for the bank bridge API."},
	{"TELECOM_API_URL", "(demo: built-in simulator)", "Base URL of the telecom front-end API."},
	{"TELECOM_API_KEY", "(demo value in demo mode)", "Bearer key for the telecom front-end API."},
	{"TELECOM_SETTLEMENT_ACCOUNT", "3706010100000530", "The telecom operator's bank account its cycle settlements come from (the simulator's in the demo). Only transfers from it carrying a settlement reference (`TELSET202612`) clear what the operator owes."},
	{"DEMO", "false", "`true` runs the demo: local database, demo secrets, seed data, simulators."},
	{"MAX_AMOUNT", "50000.00", "Largest amount accepted in one payment, top-up or payout."},
	{"DB_MAX_CONNS", "20", "Size of the database connection pool."},
	{"LOG_LEVEL", "info", "debug, info, warn or error."},
	{"SESSION_TTL", "30m", "Lifetime of a session token; renewed while the user is active."},
	{"COLLECTION_BANK", "中国工商银行菏泽分行", "Bank of the platform's collection account, shown to payers."},
	{"COLLECTION_ACCOUNT", "1612 0010 0920 0012 345", "The collection account number payers transfer to."},
	{"COLLECTION_HOLDER", "菏泽固话宝支付服务有限公司", "Holder of the collection account."},
	{"HOTLINE_NUMBER", "0530-96588", "The payment hotline's number, printed on the shops' counter cards for in-store payments."},
	{"GATEWAY_KEY_FILE", "(demo: the public demo key)", "File of the platform's RSA private key for the merchant gateway (PEM), which signs its replies, notifications and returns. When the file does not exist at start-up a 3072-bit key is generated there (mode 0600) and kept: back it up, and give every node the same file. Only its public half is in the database; a node whose key differs from the recorded one refuses to start."},
	{"IVR_PLATFORM_ADDRS", "(empty)", "Comma-separated CIDRs of the IVR platform that fetches the payment hotline's VoiceXML (`/ivr/`); its requests are believed (the calling number) only from these addresses or with a valid `IVR_WEBHOOK_SECRET` signature."},
	{"IVR_WEBHOOK_SECRET", "(demo value in demo mode; else empty)", "Standard Webhooks secret the IVR platform signs its requests with; empty: only `IVR_PLATFORM_ADDRS` are believed."},
	{"IVR_AGENT_NUMBER", "tel:+865305550000", "Where the hotline's 0 transfers the caller (a `tel:` URI)."},
	{"PPROF_ADDR", "(empty: off)", "Address of a separate listener serving Go's profiles at `/debug/pprof/` (for example `127.0.0.1:6060`; `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10`). Only a loopback or private address is accepted: it is never the public server's port."},
	{"GATEWAY_PRIVATE_KEY", "(empty)", "The same key as PEM text, for deployments that hand secrets over as environment variables; takes precedence over `GATEWAY_KEY_FILE`. Outside demo mode one of the two must be set."},
}

// Load reads the configuration from the environment through getenv.
func Load(getenv func(string) string) (*Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	demo, err := strconv.ParseBool(get("DEMO", "false"))
	if err != nil {
		return nil, fmt.Errorf("DEMO must be true or false, not %q", getenv("DEMO"))
	}
	c := &Config{
		Demo:        demo,
		DatabaseURL: get("DATABASE_URL", ""),
		HTTPAddr:    get("HTTP_ADDR", "127.0.0.1:8080"),
		LogLevel:    get("LOG_LEVEL", "info"),
	}
	c.BaseURL = strings.TrimRight(get("BASE_URL", "http://"+c.HTTPAddr), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("BASE_URL must be an http:// or https:// URL, not %q", c.BaseURL)
	}
	if c.TrustedProxies, err = parseProxies(get("TRUSTED_PROXIES", "")); err != nil {
		return nil, fmt.Errorf("TRUSTED_PROXIES: %v", err)
	}
	c.TelecomSettlementAccount = get("TELECOM_SETTLEMENT_ACCOUNT", "3706010100000530")
	c.BankName = get("COLLECTION_BANK", "中国工商银行菏泽分行")
	c.BankAccount = get("COLLECTION_ACCOUNT", "1612 0010 0920 0012 345")
	c.BankHolder = get("COLLECTION_HOLDER", "菏泽固话宝支付服务有限公司")
	c.Hotline = get("HOTLINE_NUMBER", "0530-96588")
	c.GatewayKeyFile = get("GATEWAY_KEY_FILE", "")
	// A PEM spans lines; only the surrounding blanks are trimmed.
	c.GatewayPrivateKey = strings.TrimSpace(getenv("GATEWAY_PRIVATE_KEY"))
	if c.MaxAmount, err = models.ParseAmount(get("MAX_AMOUNT", "50000.00"), models.Zero); err != nil {
		return nil, fmt.Errorf("MAX_AMOUNT: %v", models.ErrorMessage(err))
	}
	if c.DBMaxConns, err = strconv.Atoi(get("DB_MAX_CONNS", "20")); err != nil || c.DBMaxConns < 4 {
		return nil, fmt.Errorf("DB_MAX_CONNS must be an integer of at least 4")
	}
	c.DatabaseReadURL = get("DATABASE_READ_URL", "")
	if c.DatabaseReadMaxLag, err = time.ParseDuration(get("DATABASE_READ_MAX_LAG", "2s")); err != nil || c.DatabaseReadMaxLag < 100*time.Millisecond {
		return nil, fmt.Errorf("DATABASE_READ_MAX_LAG must be a duration of at least 100ms")
	}
	if c.SessionTTL, err = time.ParseDuration(get("SESSION_TTL", "30m")); err != nil || c.SessionTTL < time.Minute {
		return nil, fmt.Errorf("SESSION_TTL must be a duration of at least 1m, such as 30m")
	}

	var problems []string
	secret := func(name, demoValue string, check func(string) error) string {
		v := get(name, "")
		switch {
		case v == "" && demo:
			return demoValue
		case v == "":
			problems = append(problems, name+" is not set")
		case v == demoValue && !demo:
			problems = append(problems, name+" is the public demo value; set a secret of your own")
		default:
			if err := check(v); err != nil {
				problems = append(problems, name+": "+err.Error())
			}
		}
		return v
	}
	c.JWTSecret = secret("JWT_SECRET", DemoJWTSecret, minLen(32))
	c.PayPasswordPepper = secret("PAY_PASSWORD_PEPPER", DemoPayPasswordPepper, func(v string) error {
		if v == c.JWTSecret {
			return errors.New("must differ from JWT_SECRET")
		}
		return minLen(32)(v)
	})
	c.BankWebhookSecret = secret("BANK_WEBHOOK_SECRET", DemoBankWebhookSecret, webhookSecret)
	c.TelecomWebhookSecret = secret("TELECOM_WEBHOOK_SECRET", DemoTelecomWebhookSecret, webhookSecret)
	c.BankAPIKey = secret("BANK_API_KEY", DemoBankAPIKey, minLen(16))
	c.TelecomAPIKey = secret("TELECOM_API_KEY", DemoTelecomAPIKey, minLen(16))
	if c.IVRPlatforms, err = parseProxies(get("IVR_PLATFORM_ADDRS", "")); err != nil {
		problems = append(problems, "IVR_PLATFORM_ADDRS: "+err.Error())
	}
	c.IVRAgentNumber = get("IVR_AGENT_NUMBER", "tel:+865305550000")
	if c.PprofAddr = get("PPROF_ADDR", ""); c.PprofAddr != "" {
		if err := privateAddr(c.PprofAddr); err != nil {
			problems = append(problems, "PPROF_ADDR: "+err.Error())
		}
	}
	if v := get("IVR_WEBHOOK_SECRET", ""); v != "" || demo {
		c.IVRWebhookSecret = secret("IVR_WEBHOOK_SECRET", DemoIVRWebhookSecret, webhookSecret)
	}
	c.BankAPIURL = get("BANK_API_URL", "")
	c.TelecomAPIURL = get("TELECOM_API_URL", "")
	if demo {
		if c.BankAPIURL == "" {
			c.BankAPIURL = c.BaseURL + "/sim/bank"
		}
		if c.TelecomAPIURL == "" {
			c.TelecomAPIURL = c.BaseURL + "/sim/telecom"
		}
	} else {
		if c.BankAPIURL == "" {
			problems = append(problems, "BANK_API_URL is not set")
		}
		if c.TelecomAPIURL == "" {
			problems = append(problems, "TELECOM_API_URL is not set")
		}
		if c.DatabaseURL == "" {
			problems = append(problems, "DATABASE_URL is not set (or run the demo with DEMO=true)")
		}
		if c.GatewayKeyFile == "" && c.GatewayPrivateKey == "" {
			problems = append(problems, "GATEWAY_KEY_FILE (or GATEWAY_PRIVATE_KEY) is not set")
		}
	}
	if len(problems) > 0 {
		return nil, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return c, nil
}

// HTTPS reports whether the platform's public URL is https: its cookies are
// then Secure and its responses ask browsers for HTTPS only (HSTS).
func (c *Config) HTTPS() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// parseProxies reads a comma-separated list of CIDRs; a bare address is a
// single host. A range that holds every address would let any client choose
// its own address, so it is refused.
func parseProxies(v string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an address", f)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", f)
		}
		if ones, _ := n.Mask.Size(); ones == 0 {
			return nil, fmt.Errorf("%q trusts every address; list only your proxies' ranges", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// privateAddr checks that a listen address is host:port with a loopback or
// private host: profiles show the process's internals and cost CPU to take.
func privateAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		return nil
	}
	if ip == nil || !(ip.IsLoopback() || ip.IsPrivate()) {
		return fmt.Errorf("%q is not a loopback or private address (such as 127.0.0.1:6060)", addr)
	}
	return nil
}

func minLen(n int) func(string) error {
	return func(v string) error {
		if len(v) < n {
			return fmt.Errorf("too short (%d bytes; at least %d)", len(v), n)
		}
		return nil
	}
}

// webhookSecret checks a Standard Webhooks secret: "whsec_" and base64 of at
// least 24 random bytes.
func webhookSecret(v string) error {
	b, err := WebhookKey(v)
	if err != nil {
		return err
	}
	if len(b) < 24 {
		return fmt.Errorf("too short (%d bytes of key; at least 24)", len(b))
	}
	return nil
}

// WebhookKey decodes a "whsec_…" secret into the HMAC key.
func WebhookKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, errors.New(`must start with "whsec_"`)
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, errors.New(`must be "whsec_" followed by base64`)
	}
	return b, nil
}

// FromEnv loads the configuration from the process environment.
func FromEnv() (*Config, error) { return Load(os.Getenv) }
