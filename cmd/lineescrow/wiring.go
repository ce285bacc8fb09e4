package main

import (
	"net/http"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"lineescrow/app/config"
	"lineescrow/app/platform"
	"lineescrow/app/web"
	"lineescrow/bankbridge/phonesim"
	"lineescrow/bankbridge/telecomsim"
)

// webDeps hands the web layer the platform's services. The simulators
// (demo mode) are added by serve.
func webDeps(p *platform.Platform) web.Deps {
	return web.Deps{Config: p.Config, Health: p.Health, Metrics: []prometheus.Collector{p.DBStats}, Log: p.Log,
		Auth: p.Auth, Orders: p.Orders, Funding: p.Funding, Settings: p.Settings, Sellers: p.Sellers, Risk: p.Risk, Addresses: p.Addresses,
		Audit: p.Audit, Books: p.Books, Idempotency: p.Idempotency, Clawbacks: p.Clawbacks, Recon: p.Recon, Payouts: p.Payouts,
		Telecom: p.Telecom, Gateway: p.Gateway, Notices: p.Notices, IVR: p.IVR, Instore: p.Instore, Bills: p.Bills,
		Transfers: p.Transfers}
}

// demoPhone is the hotline simulator's page (/sim/phone/): the IVR platform
// calling from the demo subscribers' lines.
func demoPhone(cfg *config.Config) (http.Handler, error) {
	key, err := config.WebhookKey(cfg.IVRWebhookSecret)
	if err != nil {
		return nil, err
	}
	p := &phonesim.Page{Sim: &phonesim.Sim{URL: cfg.BaseURL, Key: key}, Prefix: "/sim/phone"}
	// The prompts as audio when espeak-ng is installed, cached across runs.
	if dir, err := os.UserCacheDir(); err == nil {
		p.Voice = phonesim.NewVoice(filepath.Join(dir, "lineescrow", "phonesim"))
	}
	for _, s := range telecomsim.DemoSubscribers() {
		p.Phones = append(p.Phones, phonesim.Phone{Number: s.Phone, Label: s.Holder + " · " + s.Label})
	}
	return p, nil
}
