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
)

// simCmd runs the bank simulator as a server of its own, for testing a
// platform that runs elsewhere. Secrets come from the same variables as the
// platform's (demo values when DEMO=true).
func simCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "bank" {
		return errors.New("usage: lineescrow sim bank [-addr 127.0.0.1:8090] [-webhook http://127.0.0.1:8080/webhooks/bank]")
	}
	fs := flag.NewFlagSet("sim bank", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	webhook := fs.String("webhook", "", "the platform's bank webhook URL (default BASE_URL/webhooks/bank)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if *webhook == "" {
		*webhook = cfg.BaseURL + "/webhooks/bank"
	}
	sim, err := banksim.New(banksim.Config{WebhookURL: *webhook, Secret: cfg.BankWebhookSecret, APIKey: cfg.BankAPIKey, Prefix: "/sim/bank"})
	if err != nil {
		return err
	}
	go sim.Run(ctx)
	srv := &http.Server{Addr: *addr, Handler: sim.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "bank simulator on http://%s/sim/bank/ delivering to %s\n", *addr, *webhook)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
