package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"lineescrow/app/platform"
	"lineescrow/app/web"
)

// webDeps hands the web layer the platform's services. The simulators
// (demo mode) are added by serve.
func webDeps(p *platform.Platform) web.Deps {
	return web.Deps{Config: p.Config, Health: p.Health, Metrics: []prometheus.Collector{p.DBStats}, Log: p.Log,
		Auth: p.Auth, Orders: p.Orders, Funding: p.Funding, Settings: p.Settings, Sellers: p.Sellers, Risk: p.Risk, Addresses: p.Addresses,
		Audit: p.Audit, Books: p.Books, Idempotency: p.Idempotency, Clawbacks: p.Clawbacks, Recon: p.Recon, Payouts: p.Payouts,
		Telecom: p.Telecom, Gateway: p.Gateway, Notices: p.Notices, Bills: p.Bills}
}
