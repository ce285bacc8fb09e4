package ivr_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"lineescrow/app/config"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/web"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/phonesim"
	"lineescrow/bankbridge/telecomsim"
	"lineescrow/models"
)

// env is the platform with its web server, the telecom front-end simulator
// and the IVR platform's simulator (phonesim) calling the hotline over HTTP.
type env struct {
	*ptest.Env
	tel   *telecomsim.Sim
	ts    *httptest.Server
	phone *phonesim.Sim
	page  *phonesim.Page
	logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{Env: ptest.New(t), logs: &syncBuffer{}}
	cfg := e.Config
	key, err := config.WebhookKey(cfg.TelecomWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id, err := bankbridge.Verify(key, r.Header, body, e.Clock.Now())
		if err == nil {
			_, err = e.Telecom.Receive(context.Background(), id, body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(hook.Close)
	e.tel, err = telecomsim.New(telecomsim.Config{WebhookURL: hook.URL, Secret: cfg.TelecomWebhookSecret, APIKey: cfg.TelecomAPIKey,
		Prefix: "/tel", Now: e.Clock.Now, Log: ptest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(e.tel.Handler())
	t.Cleanup(api.Close)
	e.Telecom.Front = bankbridge.NewTelecom(api.URL+"/tel", cfg.TelecomAPIKey, nil)

	// Everything the platform logs, at every level, is kept to be searched.
	deps := e.WebDeps()
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	deps.Log, e.IVR.Log = log, log
	ivrKey, err := config.WebhookKey(cfg.IVRWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	e.phone = &phonesim.Sim{Key: ivrKey, Now: e.Clock.Now}
	e.page = &phonesim.Page{Sim: e.phone, Prefix: "/sim/phone", Phones: []phonesim.Phone{{Number: telecomsim.LineBuyer, Label: "张伟"}}}
	deps.PhoneSim = e.page
	e.ts = httptest.NewServer(web.New(deps))
	t.Cleanup(e.ts.Close)
	e.phone.URL = e.ts.URL
	return e
}

// bind binds phone to buyer through the whole flow.
func (e *env) bind(t *testing.T, buyer *models.User, phone string) {
	t.Helper()
	var sub telecomsim.Subscriber
	for _, s := range telecomsim.DemoSubscribers() {
		if s.Phone == phone {
			sub = s
		}
	}
	if _, err := e.Telecom.StartBinding(e.Ctx, buyer.Actor(), models.FormatLandline(phone)); err != nil {
		t.Fatalf("lookup %s: %v", phone, err)
	}
	if _, err := e.Telecom.VerifyHolder(e.Ctx, buyer.Actor(), sub.Holder, sub.IDLast6()); err != nil {
		t.Fatalf("holder of %s: %v", phone, err)
	}
	if _, err := e.Telecom.ConfirmCode(e.Ctx, buyer.Actor(), e.tel.LastCode(phone)); err != nil {
		t.Fatalf("code of %s: %v", phone, err)
	}
}

// dial calls from the buyer's bound line and checks the call is answered.
func (e *env) dial(t *testing.T) *phonesim.Call {
	t.Helper()
	c := e.phone.Dial(telecomsim.LineBuyer)
	if c.Err != nil || c.Ended {
		t.Fatalf("call not answered: %v\n%s", c.Err, c.Heard())
	}
	if !strings.Contains(c.Heard(), "欢迎") {
		t.Fatalf("no welcome:\n%s", c.Heard())
	}
	return c
}

// press presses keys and returns what the hotline said in answer.
func press(t *testing.T, c *phonesim.Call, keys string) string {
	t.Helper()
	before := len(c.Transcript())
	c.Press(keys)
	if c.Err != nil {
		t.Fatalf("after %d keys: %v", len(keys), c.Err)
	}
	var b strings.Builder
	for _, l := range c.Transcript()[before:] {
		if l.Who == "ivr" {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

func (e *env) wallet(u *models.User) string { return e.Balance(models.WalletAccount(u.ID)) }

func setHeaders(r *http.Request, s *phonesim.Sim, body []byte) {
	bankbridge.SetHeaders(r.Header, s.Key, "ivr_test", s.Now(), body)
}
