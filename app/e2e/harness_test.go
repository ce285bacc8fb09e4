package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lineescrow/app/bills"
	"lineescrow/app/config"
	"lineescrow/app/dbtest"
	"lineescrow/app/gateway"
	"lineescrow/app/platform"
	"lineescrow/app/platform/ptest"
	"lineescrow/app/web"
	"lineescrow/bankbridge"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/billsim"
	"lineescrow/bankbridge/phonesim"
	"lineescrow/bankbridge/shopsim"
	"lineescrow/bankbridge/telecomsim"
)

// chromePath finds the browser: CHROME_PATH, then Debian's chromium.
func chromePath() string {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// app is the running platform under test.
type app struct {
	*ptest.Env
	URL string
	Sim *banksim.Sim
	// Tel is the telecom front-end simulator, mounted at /sim/telecom.
	Tel *telecomsim.Sim
	// Shop is the demo shop paying through the gateway, at /sim/shop.
	Shop *shopsim.Shop
	// BillSim is the billers' simulator, at /sim/bills (the demo's billers).
	BillSim *billsim.Sim
	// Phone is the hotline's IVR platform (its page at /sim/phone).
	Phone *phonesim.Sim
}

func startApp(t *testing.T) *app {
	t.Helper()
	db, url := dbtest.NewWithURL(t)
	env := ptest.NewOn(t, db, url, platform.Options{Work: true, PollInterval: 100 * time.Millisecond, Now: time.Now})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := env.Config
	cfg.BaseURL = base
	ctx, cancel := context.WithCancel(context.Background())
	sim, err := banksim.New(banksim.Config{WebhookURL: base + "/webhooks/bank", Secret: cfg.BankWebhookSecret, APIKey: cfg.BankAPIKey,
		Prefix: "/sim/bank", Log: ptest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	go sim.Run(ctx)
	tel, err := telecomsim.New(telecomsim.Config{WebhookURL: base + "/webhooks/telecom", Secret: cfg.TelecomWebhookSecret,
		APIKey: cfg.TelecomAPIKey, Prefix: "/sim/telecom", Log: ptest.Quiet, Bank: sim})
	if err != nil {
		t.Fatal(err)
	}
	go tel.Run(ctx)
	// The platform calls these simulators, mounted on its own server.
	bank := bankbridge.NewBank(base+"/sim/bank", cfg.BankAPIKey, nil)
	env.Payouts.Bank, env.Recon.Bank = bank, bank
	env.Telecom.Front = bankbridge.NewTelecom(base+"/sim/telecom", cfg.TelecomAPIKey, nil)
	// The demo shop outside the platform, a merchant of its gateway (the
	// seller's), mounted at /sim/shop and reaching the platform over HTTP.
	env.Gateway.BaseURL = base
	shop := demoShop(t, env, base)
	billers := billsim.New(billsim.Config{Prefix: "/sim/bills"})
	if err := bills.AddDemo(env.Ctx, env.Bills, billers, base, tel.Bills()); err != nil {
		t.Fatal(err)
	}
	deps := env.WebDeps()
	deps.Config, deps.BankSim, deps.TelecomSim, deps.ShopSim = cfg, sim.Handler(), tel.Handler(), shop.Handler()
	deps.BillSim = billers.Handler()
	ivrKey, err := config.WebhookKey(cfg.IVRWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	phone := &phonesim.Sim{URL: base, Key: ivrKey}
	deps.PhoneSim = &phonesim.Page{Sim: phone, Prefix: "/sim/phone", Phones: []phonesim.Phone{{Number: telecomsim.LineBuyer, Label: "张伟"}}}
	srv := web.New(deps)
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	if err := env.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		sctx, c2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer c2()
		_ = hs.Shutdown(sctx)
		_ = env.Stop(sctx)
	})
	return &app{Env: env, URL: base, Sim: sim, Tel: tel, Shop: shop, Phone: phone, BillSim: billers}
}

// demoShop approves the seller as a merchant with the demo shop's key, its
// notify URL and return host on base, and returns the shop.
func demoShop(t *testing.T, env *ptest.Env, base string) *shopsim.Shop {
	t.Helper()
	m, err := env.Gateway.Approve(env.Ctx, env.Operator.Actor(), env.Seller.ID)
	if err != nil {
		t.Fatal(err)
	}
	shop, err := shopsim.New(shopsim.Config{GatewayURL: base + "/gateway/v1", AppID: m.AppID, PrivateKey: shopsim.DemoPrivateKey,
		PlatformKey: env.Gateway.PlatformPublicKey(), BaseURL: base + "/sim/shop", Prefix: "/sim/shop", Log: ptest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Gateway.UploadKey(env.Ctx, env.Seller.Actor(), shop.PublicKey(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Gateway.SetEndpoints(env.Ctx, env.Seller.Actor(), gateway.Endpoints{NotifyURL: base + "/sim/shop/notify",
		ReturnHosts: strings.TrimPrefix(base, "http://")}); err != nil {
		t.Fatal(err)
	}
	return shop
}

// browser opens a fresh headless Chromium (its own profile) for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromePath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is not installed (CI is set, so this fails rather than skips): run `make test`, which installs Debian's chromium, or set CHROME_PATH")
		}
		t.Skip("Chromium not installed: apt-get install chromium, or set CHROME_PATH")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(375, 812), // a phone
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

type step = chromedp.Action[chromedp.Void]

// run executes browser steps, failing the test with the page's text when one fails.
func run(t *testing.T, ctx context.Context, what string, steps ...step) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("%s: %v\nat %s:\n%s", what, err, loc, body)
	}
}

// css is a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// fill types into form fields by name.
func fill(fields map[string]string) step {
	var acts []step
	for name, v := range fields {
		sel := css(fmt.Sprintf(`[name="%s"]`, name))
		clear := fmt.Sprintf(`(() => { document.querySelector(%q).value = ""; return true })()`, string(sel))
		acts = append(acts, chromedp.WaitVisible(sel), voidOf(chromedp.Evaluate[bool](clear)), chromedp.SendKeys(sel, v))
	}
	return chromedp.Steps(acts...)
}

// voidOf drops an action's value.
func voidOf[T any](a chromedp.Action[T]) step {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

func click(sel string) step   { return chromedp.Click(css(sel)) }
func visible(sel string) step { return chromedp.WaitVisible(css(sel)) }

func textOf(ctx context.Context, sel string) (string, error) {
	s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
	return strings.TrimSpace(s), err
}

// expectText waits until the selector's text contains want.
func expectText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		got, _ = textOf(ctx, sel)
		if strings.Contains(got, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	run(t, ctx, fmt.Sprintf("expect %q in %s (got %q)", want, sel, got), func(context.Context, *chromedp.Target) (chromedp.Void, error) {
		return chromedp.Void{}, fmt.Errorf("text not found")
	})
}

// login signs in through the login form.
func (a *app) login(t *testing.T, ctx context.Context, login, password string) {
	t.Helper()
	run(t, ctx, "login "+login,
		chromedp.Navigate(a.URL+"/login"),
		fill(map[string]string{"login": login, "password": password}),
		click(`[data-testid="login-submit"]`),
		visible(`[data-testid="who"]`),
	)
}

func (a *app) logout(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "logout", click(`[data-testid="logout"]`), visible(`[data-testid="login-link"]`))
}

// person opens another, isolated browser profile (its own cookies) in the
// test's browser, for a second user.
func person(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	pctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(pctx); err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	return pctx
}

// reopen opens url and waits for sel. An order page reloads itself when the
// order moves (its htmx poll): a reload that lands while the test opens the
// page aborts the test's navigation (net::ERR_ABORTED), which is not a
// failure: it opens the page again, until deadline.
func reopen(t *testing.T, ctx context.Context, url, sel string, deadline time.Time) {
	t.Helper()
	for {
		err := chromedp.Do(ctx, chromedp.Navigate(url), visible(sel))
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "net::ERR_ABORTED") || time.Now().After(deadline) {
			run(t, ctx, "open "+url, chromedp.Navigate(url), visible(sel))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitState reloads an order page until its state (and refund overlay) is as wanted.
func waitState(t *testing.T, ctx context.Context, url, state string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		reopen(t, ctx, url, `[data-testid="order-state"]`, deadline)
		got, _ := chromedp.Run(ctx, chromedp.AttributeValue(css(`[data-testid="order-state"]`), "data-state"))
		if got.Value == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order at %s stayed %q, want %q", url, got.Value, state)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
