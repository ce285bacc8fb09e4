// Package shopsim is a small shop outside LineEscrow, 牡丹小铺 (Peony Corner),
// that takes its payments through LineEscrow's merchant gateway exactly as
// any other shop would: with its own RSA key pair, signed POSTs to the
// platform's /gateway/v1, its customer sent to the hosted cashier, a return
// it does not trust (it asks trade.query), notifications it verifies and
// answers "success", and a list of what it learnt about each order.
//
// It imports nothing of the platform, on purpose: it is the integration
// example app/gateway's documentation points to, and everything it does a
// shop in PHP or Java does the same way. The parts to copy are sign and
// verify (the string to sign), call (a signed request and its signed reply),
// Checkout, the return handler and the notify handler.
package shopsim

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// DemoPrivateKey is the demo shop's own key pair. It is public (it is in the
// source): a real shop generates its own (openssl genpkey -algorithm RSA
// -pkeyopt rsa_keygen_bits:2048) and keeps it on its server.
const DemoPrivateKey = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCWRhFJetJXKvkm
gfpB3qMB2yUSvIImScWkzPX+IRFKjzIdOIPYGu8nZ8ozxTB8LoM0tvQhPsYuFHBG
usy8esnwsBVOmOcmnUTi0XIr0y1kym0ryexj5nAC2Ss39VLyWfkk1zZKeBYCUe9f
YYIgCxngnLUOvLfhjlcZeJ6jWoJw/ZGIZAOYWIFj3x9jY/dmLfNpgOOEsC0ryy8T
BkbkAxPaoEc9Z/znzHJD/+M9uRrD510IN9d8OukL1pVrohvGA3RSO4J9BZNTMLri
rEmlFAVUovtIxSGSw2eM8sn1EMGwhHdIpZ1pSNlRBuaxrLhQ1WM+GnrEv/S8gj7W
8yeuOSSRAgMBAAECggEARPbWAydbNcbSffIjpCwlGfp1CqK5hhHQIyAu+pg5Y8LQ
yGlB1KETxT1UJismY69C5qPZ6RHyiH43wrYCtLMTTyK4PJBecLG3RfLCF0u8pudh
b7mlA3njSONaer1a+j8BYH9l+ooe66SnmtnYipUdpJ+2VhOUve6BmX5qK2SjvW9l
BwWGugzw7b81jXAHY7iisJH17rsDz03YqoglBNtPPW8O5tugxLXXg0T8ToH02Lzu
In1vldFJ0atM6XqxLPaUOLSOWdMwWv4DSgiMmgxuote1U3PHqaIOkHo7Y49jrYVg
DVyxgBMlCPHsUh/w8ndlg7E4UL3z0NFfHZmQ4cyUYwKBgQDQk7eMXcU4YMwFzhMg
qaOJsyyCa+uPplks4KUmf9QwULZ+rFMHrWRIbyc/d3aJrfJtVolu/t+DnkKTy/lo
+LoI1eLEti+V7Uj/Rf5QpQJl5G/dOUninxMSX9C7FPz3UWshUfVf9dif+vmJD5hf
PqhcEZawcu6hPqEjKMkl58/TxwKBgQC4cMoww79P0MHG/DQig21sT48Vfq2e7V76
EbjN7BKhH+pVeAyFljVHa9EoSa1lvi65C7vUkoslMO6JC6mCjoHSEu+voaKvOLJi
QsSzqeja02mcl82Cg4IHHJI2dMXpTbJNScs8YE2RZHZ3D6sx1Uslho2WTiwj9eIY
lisTRq6U5wKBgHjvXTpe2E5DGai3/rEuiur5X3JTfqawzf3OVxOGhJJrChVSd2X5
LC8ve7M54hocKHcq+M7JqvFWnsWxO/CYXs1mrnBeLiMhDPUuMTGzKzvHAvFjGSr0
DwvVUGJY3f/MTnBoY/x6wFqqG2tUBoYa/2U6sYOncCM//BA1wsNesErbAoGAe3AZ
EZvgLPXEyny+E58sG4H/e95FKokouGol6cMmEKnAdiUbFEicLcmNuM3ee6pVsMiW
k8Tj1SczbYrdjp/7aHH98ehWbbifQj33UVrUmadGFmROSRvkaQgJHuL2FZdHToyl
tSmqoDTBSBu3cmmSmnG7zq1Qw1xrThMqjwMOEl8CgYEAwTvVKMlLa8tkSBUBRDEW
1VnBYiWThoJxdKymUQ6eLO9HAw34jT7MJeQIo9yelO2+5QmQcwjUr46Cdj/nL9JR
OLd+ecoH7VxmR+SMx2zKsPgqGKqXjx6w6Cj0XtmRKnb21/hb115j7PsJdaC7peho
lTDXKL6nLfY84h0viwMFfYc=
-----END PRIVATE KEY-----
`

// Config configures the shop.
type Config struct {
	// GatewayURL is the platform's gateway, http://…/gateway/v1.
	GatewayURL string
	// AppID is the shop's app id, given when an operator approved it.
	AppID string
	// PrivateKey is the shop's own RSA private key (PEM); its public half
	// is uploaded on the platform's seller portal (PublicKey).
	PrivateKey string
	// PlatformKey is the platform's public key (PEM), downloaded from the
	// seller portal: replies, notifications and returns are checked with it.
	PlatformKey string
	// BaseURL is the shop's own public URL, where the platform sends
	// notifications and the cashier sends customers back
	// (http://127.0.0.1:8092/sim/shop).
	BaseURL string
	// Prefix is the path the shop is mounted at ("/sim/shop", or "").
	Prefix string
	Client *http.Client
	Now    func() time.Time
	Log    *slog.Logger
}

// Product is something the shop sells.
type Product struct {
	ID    string
	Name  string
	Price string // yuan, "88.00"
}

// Products is the shop's catalogue.
var Products = []Product{
	{"tea", "牡丹花茶 Peony flower tea, 250 g", "88.00"},
	{"oil", "牡丹籽油 Peony seed oil, 500 ml", "168.00"},
	{"card", "菏泽牡丹明信片 Heze peony postcards ×10", "12.50"},
}

// Order is what the shop knows about one of its orders.
type Order struct {
	OutTradeNo  string
	Product     Product
	TradeNo     string
	CashierURL  string
	Status      string // the trade_status the shop believes, from trade.query or a notification
	EscrowState string
	Refunded    string
	Carrier     string
	TrackingNo  string
	// SampleTracking is the tracking number the ship form offers: an SF
	// Express number (SF and 13 digits) made of the order's own digits.
	SampleTracking string
	CreatedAt      time.Time
	// Log is how the shop learnt each thing.
	Log []Learnt
	// notified are the notify_ids already acted on.
	notified map[string]bool
}

// Paid reports whether the platform (not the browser) said the money is
// there: held in escrow or released.
func (o *Order) Paid() bool {
	switch o.Status {
	case "TRADE_SUCCESS", "WAIT_BUYER_CONFIRM_GOODS", "TRADE_FINISHED":
		return true
	}
	return false
}

// Learnt is one thing the shop learnt about an order.
type Learnt struct {
	At     time.Time
	Source string // created, return, query, notify, ship, refund
	Status string
	Note   string
}

// Shop is the demo shop.
type Shop struct {
	cfg      Config
	key      *rsa.PrivateKey
	platform *rsa.PublicKey

	mu       sync.Mutex
	seq      int
	orders   map[string]*Order
	failNext int // notifications to answer 500, to watch the platform retry
}

// New returns a shop.
func New(cfg Config) (*Shop, error) {
	key, err := parsePrivate(cfg.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("shopsim: private key: %w", err)
	}
	pub, err := parsePublic(cfg.PlatformKey)
	if err != nil {
		return nil, fmt.Errorf("shopsim: platform key: %w", err)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.Prefix = strings.TrimRight(cfg.Prefix, "/")
	return &Shop{cfg: cfg, key: key, platform: pub, orders: map[string]*Order{}}, nil
}

// PublicKey is the shop's public key, PEM, to upload on the seller portal.
func (s *Shop) PublicKey() string {
	der, _ := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// --- Signing: the string to sign, exactly as the gateway's documentation
// says. Everything else builds on these two functions.

// stringToSign: every parameter but sign and the empty ones, sorted by
// name, name=value joined with "&", values as they are.
func stringToSign(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k, v := range p {
		if k != "sign" && v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + p[k]
	}
	return strings.Join(parts, "&")
}

// sign adds sign_type and sign (SHA256withRSA, base64) to p.
func (s *Shop) sign(p map[string]string) error {
	p["sign_type"] = "RSA2"
	sum := sha256.Sum256([]byte(stringToSign(p)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return err
	}
	p["sign"] = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// verify checks that p was signed by the platform.
func (s *Shop) verify(p map[string]string) bool {
	sig, err := base64.StdEncoding.DecodeString(p["sign"])
	if err != nil || p["sign_type"] != "RSA2" {
		return false
	}
	sum := sha256.Sum256([]byte(stringToSign(p)))
	return rsa.VerifyPKCS1v15(s.platform, crypto.SHA256, sum[:], sig) == nil
}

// --- Calling the gateway.

// GatewayError is a refusal by the gateway: its code and message.
type GatewayError struct {
	Code, Msg, Field string
}

func (e *GatewayError) Error() string { return e.Code + ": " + e.Msg }

// call sends a signed request and returns the reply once its signature and
// nonce show it is the platform's answer to this very request.
func (s *Shop) call(ctx context.Context, method string, params map[string]string) (map[string]string, error) {
	p := map[string]string{"app_id": s.cfg.AppID, "method": method, "charset": "utf-8", "nonce": nonce(),
		"timestamp": s.cfg.Now().In(beijing).Format("2006-01-02 15:04:05")}
	for k, v := range params {
		p[k] = v
	}
	if err := s.sign(p); err != nil {
		return nil, err
	}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.GatewayURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	defer resp.Body.Close()
	var reply map[string]string
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&reply); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d, not a gateway reply: %w", method, resp.StatusCode, err)
	}
	if !s.verify(reply) || reply["nonce"] != p["nonce"] {
		return nil, fmt.Errorf("%s: the reply is not signed by the platform, or not for this request", method)
	}
	if reply["code"] != "SUCCESS" {
		return nil, &GatewayError{Code: reply["code"], Msg: reply["msg"], Field: reply["field"]}
	}
	return reply, nil
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var beijing = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// --- The shop's own work.

// Consignee is where the customer wants the goods (optional: without it the
// customer gives it at the cashier).
type Consignee struct{ Name, Phone, Address string }

// Checkout creates the order and its trade at the platform; the customer is
// then sent to the order's CashierURL.
func (s *Shop) Checkout(ctx context.Context, productID string, c Consignee) (*Order, error) {
	var prod *Product
	for i := range Products {
		if Products[i].ID == productID {
			prod = &Products[i]
		}
	}
	if prod == nil {
		return nil, errors.New("no such product")
	}
	s.mu.Lock()
	s.seq++
	out := fmt.Sprintf("PC%s%03d", s.cfg.Now().In(beijing).Format("20060102150405"), s.seq)
	s.mu.Unlock()
	reply, err := s.call(ctx, "trade.create", map[string]string{
		"out_trade_no": out, "subject": prod.Name, "total_amount": prod.Price, "timeout_express": "2h",
		"notify_url": s.cfg.BaseURL + "/notify", "return_url": s.cfg.BaseURL + "/return",
		"consignee_name": c.Name, "consignee_phone": c.Phone, "consignee_address": c.Address,
	})
	if err != nil {
		return nil, err
	}
	o := &Order{OutTradeNo: out, Product: *prod, TradeNo: reply["trade_no"], CashierURL: reply["cashier_url"], CreatedAt: s.cfg.Now(),
		SampleTracking: "SF" + out[len(out)-13:],
		notified:       map[string]bool{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[out] = o
	s.learn(o, "created", reply, "trade "+reply["trade_no"])
	return o.copy(), nil
}

// Query asks the platform where an order's trade is: the only proof of
// payment besides a notification.
func (s *Shop) Query(ctx context.Context, out string) (*Order, error) {
	reply, err := s.call(ctx, "trade.query", map[string]string{"out_trade_no": out})
	if err != nil {
		return nil, err
	}
	return s.update(out, "query", reply, "")
}

// Ship tells the platform the goods left.
func (s *Shop) Ship(ctx context.Context, out, carrier, tracking string) (*Order, error) {
	reply, err := s.call(ctx, "trade.ship", map[string]string{"out_trade_no": out, "carrier": carrier, "tracking_no": tracking})
	if err != nil {
		return nil, err
	}
	return s.update(out, "ship", reply, carrier+" "+tracking)
}

// Refund gives the customer amount back (the shop's own number for it makes
// a retry safe).
func (s *Shop) Refund(ctx context.Context, out, amount, reason string) (*Order, error) {
	s.mu.Lock()
	s.seq++
	req := fmt.Sprintf("RF%s%03d", s.cfg.Now().In(beijing).Format("20060102150405"), s.seq)
	s.mu.Unlock()
	reply, err := s.call(ctx, "trade.refund", map[string]string{"out_trade_no": out, "out_request_no": req, "refund_amount": amount,
		"refund_reason": reason})
	if err != nil {
		return nil, err
	}
	return s.update(out, "refund", reply, amount)
}

// rank orders trade statuses, so a notification that arrives late never
// takes an order back.
var rank = map[string]int{"WAIT_BUYER_PAY": 0, "TRADE_SUCCESS": 1, "WAIT_BUYER_CONFIRM_GOODS": 2, "TRADE_FINISHED": 3, "TRADE_CLOSED": 3}

// update applies what the platform said about an order.
func (s *Shop) update(out, source string, p map[string]string, note string) (*Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[out]
	if o == nil {
		return nil, fmt.Errorf("no order %s", out)
	}
	s.learn(o, source, p, note)
	return o.copy(), nil
}

func (s *Shop) learn(o *Order, source string, p map[string]string, note string) {
	st := p["trade_status"]
	if _, ok := rank[st]; ok && (o.Status == "" || rank[st] >= rank[o.Status]) && !(rank[o.Status] == 3 && st != o.Status) {
		o.Status, o.EscrowState = st, p["escrow_state"]
		if v := p["refunded_amount"]; v != "" {
			o.Refunded = v
		}
		if p["tracking_no"] != "" {
			o.Carrier, o.TrackingNo = p["carrier"], p["tracking_no"]
		}
	}
	o.Log = append(o.Log, Learnt{At: s.cfg.Now(), Source: source, Status: st, Note: note})
}

// Orders returns what the shop learnt, newest first.
func (s *Shop) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, *o.copy())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OutTradeNo > out[j].OutTradeNo })
	return out
}

// Order returns one order.
func (s *Shop) Order(out string) (*Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[out]
	if !ok {
		return nil, false
	}
	return o.copy(), true
}

func (o *Order) copy() *Order {
	c := *o
	c.Log = append([]Learnt(nil), o.Log...)
	c.notified = nil
	return &c
}

// FailNextNotifications makes the shop answer the next n notifications with
// HTTP 500, to watch the platform try again.
func (s *Shop) FailNextNotifications(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// Notify handles one notification (the notify handler's body): it answers
// "success" only for a notification signed by the platform, for this shop's
// app id and one of its orders at the right amount; one already handled
// (the same notify_id) is answered "success" again and not acted on twice.
func (s *Shop) Notify(p map[string]string) (status int, body string) {
	if !s.verify(p) {
		return http.StatusBadRequest, "bad signature"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return http.StatusInternalServerError, "the shop is down (simulated)"
	}
	o := s.orders[p["out_trade_no"]]
	switch {
	case p["app_id"] != s.cfg.AppID || o == nil:
		return http.StatusBadRequest, "not ours"
	case p["total_amount"] != o.Product.Price:
		return http.StatusBadRequest, "wrong amount"
	case o.notified[p["notify_id"]]:
		return http.StatusOK, "success"
	}
	o.notified[p["notify_id"]] = true
	s.learn(o, "notify", p, p["event"]+" "+p["notify_id"])
	return http.StatusOK, "success"
}

// Return handles the customer's return from the cashier: the parameters
// are checked, but even when they verify they are not proof of payment
// (the browser carried them): the shop asks trade.query.
func (s *Shop) Return(ctx context.Context, p map[string]string) (*Order, error) {
	out := p["out_trade_no"]
	if _, ok := s.Order(out); !ok {
		return nil, fmt.Errorf("no order %s", out)
	}
	note := "signature verified; asking trade.query anyway"
	if !s.verify(p) {
		note = "signature NOT valid; asking trade.query"
	}
	if _, err := s.update(out, "return", map[string]string{}, note); err != nil {
		return nil, err
	}
	return s.Query(ctx, out)
}

func parsePrivate(text string) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode([]byte(strings.TrimSpace(text)))
	if b == nil {
		return nil, errors.New("not PEM")
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}

func parsePublic(text string) (*rsa.PublicKey, error) {
	b, _ := pem.Decode([]byte(strings.TrimSpace(text)))
	if b == nil {
		return nil, errors.New("not PEM")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}
