package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"lineescrow/app/config"
	"lineescrow/app/gateway"
	"lineescrow/app/platform"
	"lineescrow/app/seed"
	"lineescrow/app/store"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/shopsim"
	"lineescrow/bankbridge/telecomsim"
)

const simUsage = "usage: lineescrow sim bank|telecom [-addr host:port] [-webhook URL] (bank on 127.0.0.1:8090, telecom on 127.0.0.1:8091; webhook BASE_URL/webhooks/bank or /webhooks/telecom)\n" +
	"       lineescrow sim shop -app APP_ID [-addr host:port] [-gateway URL] [-key FILE] [-platform-key FILE] (the demo shop on 127.0.0.1:8092/sim/shop/)\n" +
	"       lineescrow sim phone [-addr host:port] [-platform URL] (the hotline's IVR platform on 127.0.0.1:8093/sim/phone/, calling BASE_URL/ivr/ signed with IVR_WEBHOOK_SECRET)"

// simCmd runs the bank or the telecom simulator as a server of its own, for
// testing a platform that runs elsewhere. Secrets come from the same
// variables as the platform's (demo values when DEMO=true).
func simCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "shop" {
		return shopCmd(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "phone" {
		return phoneCmd(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "bank" && args[0] != "telecom") {
		return errors.New(simUsage)
	}
	which := args[0]
	defaults := map[string]struct{ addr, hook, prefix string }{
		"bank":    {"127.0.0.1:8090", "/webhooks/bank", "/sim/bank"},
		"telecom": {"127.0.0.1:8091", "/webhooks/telecom", "/sim/telecom"},
	}[which]
	fs := flag.NewFlagSet("sim "+which, flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", defaults.addr, "address to listen on")
	webhook := fs.String("webhook", "", "the platform's "+which+" webhook URL (default BASE_URL"+defaults.hook+")")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if *webhook == "" {
		*webhook = cfg.BaseURL + defaults.hook
	}
	var handler http.Handler
	switch which {
	case "bank":
		sim, err := banksim.New(banksim.Config{WebhookURL: *webhook, Secret: cfg.BankWebhookSecret, APIKey: cfg.BankAPIKey, Prefix: defaults.prefix})
		if err != nil {
			return err
		}
		go sim.Run(ctx)
		handler = sim.Handler()
	case "telecom":
		// On its own, no bank simulator is at hand: settlements send their
		// callback but no money (the page says so).
		sim, err := telecomsim.New(telecomsim.Config{WebhookURL: *webhook, Secret: cfg.TelecomWebhookSecret, APIKey: cfg.TelecomAPIKey, Prefix: defaults.prefix})
		if err != nil {
			return err
		}
		go sim.Run(ctx)
		handler = sim.Handler()
	}
	srv := &http.Server{Addr: *addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "%s simulator on http://%s%s/ delivering to %s\n", which, *addr, defaults.prefix, *webhook)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// shopCmd runs the demo shop (bankbridge/shopsim) on its own, against a
// platform's gateway: a merchant of it (its app id), with the shop's key
// pair and the platform's public key (in demo mode, without files, the
// public demo keys of both). Upload the shop's key (GET /sim/shop/key.pem)
// on the seller portal and register the shop's host for return URLs.
func shopCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim shop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8092", "address to listen on")
	app := fs.String("app", "", "the shop's app id (an operator approves the seller as a merchant)")
	gw := fs.String("gateway", "", "the platform's gateway (default BASE_URL/gateway/v1)")
	keyFile := fs.String("key", "", "PEM file of the shop's RSA private key (default in demo mode: the shop's public demo key)")
	platformFile := fs.String("platform-key", "", "PEM file of the platform's public key, from the seller portal (default in demo mode: the demo key's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if *app == "" {
		return errors.New(simUsage)
	}
	if *gw == "" {
		*gw = cfg.BaseURL + "/gateway/v1"
	}
	read := func(file, demo, name string) (string, error) {
		if file != "" {
			b, err := os.ReadFile(file)
			return string(b), err
		}
		if !cfg.Demo {
			return "", fmt.Errorf("sim shop: -%s is required outside demo mode", name)
		}
		return demo, nil
	}
	demoPlatform, err := gateway.ParsePrivateKey(gateway.DemoPlatformKey)
	if err != nil {
		return err
	}
	key, err := read(*keyFile, shopsim.DemoPrivateKey, "key")
	if err != nil {
		return err
	}
	platformKey, err := read(*platformFile, gateway.PublicKeyPEM(&demoPlatform.PublicKey), "platform-key")
	if err != nil {
		return err
	}
	shop, err := shopsim.New(shopsim.Config{GatewayURL: *gw, AppID: *app, PrivateKey: key, PlatformKey: platformKey,
		BaseURL: "http://" + *addr + "/sim/shop", Prefix: "/sim/shop"})
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: shop.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "demo shop on http://%s/sim/shop/ paying through %s as app %s\n", *addr, *gw, *app)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// demoShop is the demo shop mounted inside the demo (/sim/shop/): its seller
// approved as a merchant with the shop's demo key, paying through the
// platform's own gateway URL.
func demoShop(ctx context.Context, cfg *config.Config, db *store.DB, p *platform.Platform) (http.Handler, error) {
	shopURL := cfg.BaseURL + "/sim/shop"
	key, err := gateway.ParsePrivateKey(shopsim.DemoPrivateKey)
	if err != nil {
		return nil, err
	}
	m, err := seed.DemoMerchant(ctx, db, p.Gateway, gateway.PublicKeyPEM(&key.PublicKey), shopURL)
	if err != nil {
		return nil, err
	}
	shop, err := shopsim.New(shopsim.Config{GatewayURL: cfg.BaseURL + "/gateway/v1", AppID: m.AppID, PrivateKey: shopsim.DemoPrivateKey,
		PlatformKey: p.Gateway.PlatformPublicKey(), BaseURL: shopURL, Prefix: "/sim/shop", Log: p.Log})
	if err != nil {
		return nil, err
	}
	return shop.Handler(), nil
}

// phoneCmd runs the hotline simulator (bankbridge/phonesim) on its own: the
// IVR platform calling a platform's hotline from the demo subscribers' lines,
// its requests signed with IVR_WEBHOOK_SECRET.
func phoneCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim phone", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8093", "address to listen on")
	base := fs.String("platform", "", "the platform's base URL (default BASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if cfg.IVRWebhookSecret == "" {
		return errors.New("sim phone: IVR_WEBHOOK_SECRET is not set: the hotline would refuse every call")
	}
	if *base != "" {
		cfg.BaseURL = *base
	}
	handler, err := demoPhone(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "hotline simulator on http://%s/sim/phone/ calling %s/ivr/start\n", *addr, cfg.BaseURL)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
