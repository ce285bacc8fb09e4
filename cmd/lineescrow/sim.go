package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"lineescrow/app/config"
	"lineescrow/bankbridge/banksim"
	"lineescrow/bankbridge/telecomsim"
)

const simUsage = "usage: lineescrow sim bank|telecom [-addr host:port] [-webhook URL] (bank on 127.0.0.1:8090, telecom on 127.0.0.1:8091; webhook BASE_URL/webhooks/bank or /webhooks/telecom)"

// simCmd runs the bank or the telecom simulator as a server of its own, for
// testing a platform that runs elsewhere. Secrets come from the same
// variables as the platform's (demo values when DEMO=true).
func simCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
