package main

import (
	"context"
	"net/http"

	"lineescrow/app/bills"
	"lineescrow/app/config"
	"lineescrow/app/platform"
	"lineescrow/bankbridge/billsim"
	"lineescrow/bankbridge/telecomsim"
)

// demoBillers records the demo's billers and serves their simulator at
// /sim/bills/: the operator's phone and broadband bills (from the telecom
// simulator's lines, so paying one lowers the line's arrears there), an
// electricity company and a water company. Each shares its secret
// (bills.Service.SecretOf) with the platform.
func demoBillers(ctx context.Context, cfg *config.Config, p *platform.Platform, tel *telecomsim.Sim) (http.Handler, error) {
	sim := billsim.New(billsim.Config{Prefix: "/sim/bills"})
	if err := bills.AddDemo(ctx, p.Bills, sim, cfg.BaseURL, tel.Bills()); err != nil {
		return nil, err
	}
	return sim.Handler(), nil
}
