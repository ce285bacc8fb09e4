// Package web is LineEscrow's HTTP layer: echo routes for the portals, the JSON
// API and the webhooks, the middleware every request passes, and the one error
// handler that turns errors into pages or JSON. Handlers parse, call one
// service method and render; the rules live in models and the app services.
//
// The web layer only translates. It runs no SQL and imports neither the
// database nor the ledger (imports_test.go fails if it does): each page's data
// is one call to the service that owns it, turned into the page's view model
// by a function that reads nothing else (orderPageVM, tested on its own). Its
// services are handed to it in Deps by cmd/lineescrow, or by ptest in tests.
//
// What people do is declared once, in the action table (actions.go: the
// portal's form post, the API route, the roles, the Idempotency-Key rule, the
// typed request decoded from a form or JSON by decodeRequest, the service
// call, the answer, the message); an order's own steps come from
// models.Lifecycle (actions_orders.go). The API's reads are a table too
// (reads.go), each the twin of portal pages. The OpenAPI document is
// generated from both tables (openapi.go).
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lineescrow/app/addresses"
	"lineescrow/app/audit"
	"lineescrow/app/auth"
	"lineescrow/app/bills"
	"lineescrow/app/books"
	"lineescrow/app/clawback"
	"lineescrow/app/config"
	"lineescrow/app/funding"
	"lineescrow/app/gateway"
	"lineescrow/app/idempotency"
	"lineescrow/app/instore"
	"lineescrow/app/ivr"
	"lineescrow/app/notices"
	"lineescrow/app/orders"
	"lineescrow/app/payouts"
	"lineescrow/app/recon"
	"lineescrow/app/risk"
	"lineescrow/app/sellers"
	"lineescrow/app/settings"
	"lineescrow/app/telecom"
	"lineescrow/app/transfers"
	"lineescrow/models"
	"lineescrow/static"
)

// Health says whether the platform can serve requests (store.Readiness).
type Health interface {
	// Ready returns nil when ready; otherwise an error whose text is the
	// short reason shown by /readyz ("database unreachable", "migrations
	// pending") and which unwraps to the cause, for the log.
	Ready(ctx context.Context) error
}

// Deps are the services the web layer calls.
type Deps struct {
	Config *config.Config
	// Health answers /readyz; nil means there is no database.
	Health Health
	// Metrics are collectors /metrics shows besides the HTTP, Go and process
	// ones (the database pool's).
	Metrics  []prometheus.Collector
	Log      *slog.Logger
	Auth     *auth.Service
	Orders   *orders.Service
	Funding  *funding.Service
	Settings *settings.Service
	Sellers  *sellers.Service
	Risk     *risk.Service
	// Addresses is the buyers' address books.
	Addresses *addresses.Service
	// Audit reads the audit log (operators).
	Audit *audit.Service
	// Books is the operators' view of the ledger.
	Books *books.Service
	// Idempotency keeps the API's Idempotency-Key records.
	Idempotency *idempotency.Store
	// Clawbacks is the operators' queue of recalled payments to recover.
	Clawbacks *clawback.Service
	// Recon is the reconciliation with the bank (operators).
	Recon *recon.Service
	// Payouts takes money out to bank accounts; operators see its queue.
	Payouts *payouts.Service
	// Telecom is fixed-line charging: landlines, charges, advances, cards.
	Telecom *telecom.Service
	// Gateway is the merchant gateway: POST /gateway/v1 and the hosted
	// cashier.
	Gateway *gateway.Service
	// Notices is the notification centre (every signed-in person's).
	Notices *notices.Service
	// Instore is in-store payments: shop numbers, the till, paying a shop.
	Instore *instore.Service
	// Bills pays billers from the balance; operators settle them.
	Bills *bills.Service
	// Transfers sends money from one buyer's balance to another's.
	Transfers *transfers.Service
	// IVR is the payment hotline, served at /ivr/ to the IVR platform.
	IVR *ivr.Service
	// PhoneSim is the hotline simulator's (bankbridge/phonesim), at /sim/phone.
	PhoneSim http.Handler
	// BankSim is the bank simulator's handler, mounted at /sim/bank in demo mode.
	BankSim http.Handler
	// TelecomSim is the telecom front-end simulator's, at /sim/telecom.
	TelecomSim http.Handler
	// BillSim is the billers' simulator's (bankbridge/billsim), at /sim/bills.
	BillSim http.Handler
	// ShopSim is the demo shop's (bankbridge/shopsim), at /sim/shop.
	ShopSim http.Handler
	// Now is the clock (tests set it).
	Now func() time.Time
}

// Server is the platform's HTTP server.
type Server struct {
	Deps
	Echo     *echo.Echo
	registry *prometheus.Registry
	// table is every action, as served (the OpenAPI document reads it).
	table []*action
	reads []*read
	openAPIState
	metrics  *httpMetrics
	csrfKey  []byte
	flashKey []byte
	bankKey  []byte
	telKey   []byte
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// BodyLimit caps request bodies; webhooks and forms are far smaller.
const BodyLimit = "1M"

// New builds the server and its routes.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{Deps: d, Echo: echo.New(), registry: prometheus.NewRegistry()}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.registry.MustRegister(d.Metrics...)
	s.metrics = newHTTPMetrics(s.registry)
	secret := "unset"
	if d.Config != nil {
		secret = d.Config.JWTSecret
	}
	s.csrfKey, s.flashKey = derive(secret, "csrf"), derive(secret, "flash")
	if d.Config != nil {
		s.bankKey, _ = config.WebhookKey(d.Config.BankWebhookSecret)
		s.telKey, _ = config.WebhookKey(d.Config.TelecomWebhookSecret)
	}

	e := s.Echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor, e.SchemeExtractor = clientExtractors(d.Config)
	e.Use(
		middleware.RequestIDWithConfig(middleware.RequestIDConfig{TargetHeader: echo.HeaderXRequestID}),
		s.logRequests,
		s.measure,
		s.recoverPanics,
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: BodyLimit, Skipper: isUpload}),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: PhotoBodyLimit, Skipper: notUpload}),
		s.securityHeaders,
		s.requestInfo,
		s.readFlashes,
		s.session,
		s.csrf,
	)
	s.routes()
	s.notFoundForEveryone()
	return s
}

// notFoundForEveryone makes an unknown URL 404 for everyone. Echo gives every
// group that has middleware catch-all routes running that middleware before
// its 404, so /ops/no-such would send a visitor to the login page and a buyer
// to 403, telling them the path is guarded rather than absent. The catch-alls
// are replaced by a plain 404.
func (s *Server) notFoundForEveryone() {
	for _, r := range s.Echo.Routes() {
		if r.Method == echo.RouteNotFound {
			s.Echo.RouteNotFound(r.Path, echo.NotFoundHandler)
		}
	}
}

// ServeHTTP serves the platform: HEAD is answered wherever GET is, by
// routing a GET copy of the request (guards, redirects and headers as for
// GET). net/http discards the body, since the response's own request still
// says HEAD.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		r = get
	}
	s.Echo.ServeHTTP(w, r)
}

func (s *Server) routes() {
	e := s.Echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))
	e.GET("/static/*", echo.WrapHandler(staticHandler()))
	e.GET("/", s.home)
	e.GET("/lang", s.switchLang)
	if s.Auth == nil {
		return
	}
	anyone := s.requireRole(models.RoleBuyer, models.RoleSeller, models.RoleOperator)
	e.GET("/login", s.loginPage)
	e.POST("/login", s.login)
	e.GET("/register", s.registerPage)
	e.POST("/logout", s.logout)
	e.GET("/account", s.accountPage, anyone)
	e.GET("/account/pay-password", s.payPasswordPage, anyone)

	ops := e.Group("/ops", s.requireRole(models.RoleOperator))
	ops.GET("", s.opsHome)
	ops.GET("/users", s.opsUsers)
	ops.GET("/audit", s.opsAudit)

	api := e.Group("/api/v1", s.bearer)
	api.POST("/auth/token", s.apiToken)
	for _, r := range append(append(s.accountReads(), s.onboardReads()...), s.decisionReads()...) {
		s.serveRead(r, api)
	}
	for _, a := range s.accountActions() {
		s.serve(a, api)
	}

	if s.Orders != nil {
		s.tradeRoutes(anyone, api)
	}
	if s.Notices != nil {
		s.noticeRoutes(anyone, api)
	}
	e.GET("/api/openapi.json", s.openAPI)
}

// tradeRoutes are the escrow trade's pages, API and webhooks.
func (s *Server) tradeRoutes(anyone echo.MiddlewareFunc, api *echo.Group) {
	e := s.Echo
	buyer, seller, operator := s.requireRole(models.RoleBuyer), s.requireRole(models.RoleSeller), s.requireRole(models.RoleOperator)
	e.POST("/webhooks/bank", s.bankWebhook)
	if s.BankSim != nil {
		e.Any("/sim/bank", echo.WrapHandler(s.BankSim))
		e.Any("/sim/bank/*", echo.WrapHandler(s.BankSim))
	}
	if s.TelecomSim != nil {
		e.Any("/sim/telecom", echo.WrapHandler(s.TelecomSim))
		e.Any("/sim/telecom/*", echo.WrapHandler(s.TelecomSim))
	}
	if s.BillSim != nil {
		e.Any("/sim/bills", echo.WrapHandler(s.BillSim))
		e.Any("/sim/bills/*", echo.WrapHandler(s.BillSim))
	}
	if s.PhoneSim != nil {
		e.Any("/sim/phone", echo.WrapHandler(s.PhoneSim))
		e.Any("/sim/phone/*", echo.WrapHandler(s.PhoneSim))
	}
	if s.ShopSim != nil {
		e.Any("/sim/shop", echo.WrapHandler(s.ShopSim))
		e.Any("/sim/shop/*", echo.WrapHandler(s.ShopSim))
	}

	e.GET("/listings", s.listingsPage)
	e.GET("/listings/:id", s.listingPage)
	e.GET("/photos/:hash/:size", s.photo)

	b := e.Group("", buyer)
	b.GET("/orders", s.buyerOrders)
	b.GET("/wallet", s.walletPage)
	b.GET("/orders/:id", s.orderPage)
	b.GET("/orders/:id/countdown", s.orderCountdown)
	b.GET("/orders/:id/state", s.orderState)

	sg := e.Group("/seller", seller)
	sg.GET("", s.sellerHome)
	sg.GET("/listings", s.sellerListings)
	sg.GET("/listings/new", s.listingNew)
	sg.GET("/listings/:id/edit", s.listingEdit)
	sg.GET("/orders", s.sellerOrders)
	sg.GET("/orders/:id", s.orderPage)
	sg.GET("/orders/:id/countdown", s.orderCountdown)
	sg.GET("/orders/:id/state", s.orderState)
	sg.GET("/money", s.sellerMoney)
	sg.GET("/statement.csv", s.statementCSV)

	og := e.Group("/ops", operator)
	og.GET("/disputes", s.opsDisputes)
	og.GET("/orders", s.opsOrders)
	og.GET("/orders/:id", s.orderPage)
	og.GET("/orders/:id/countdown", s.orderCountdown)
	og.GET("/suspense", s.opsSuspense)
	og.GET("/flags", s.opsFlags)
	og.GET("/settings", s.opsSettings)
	og.GET("/ledger", s.opsLedger)
	og.GET("/events", s.opsEvents)
	og.GET("/clawbacks", s.opsClawbacks)
	s.booksPages(og)
	if s.IVR != nil {
		s.hotlineRoutes(og, api)
	}

	for _, a := range append(append(append(s.orderActions(), s.tradeActions()...), s.payoutActions()...), s.photoActions()...) {
		s.serve(a, api)
	}
	if s.Addresses != nil {
		s.addressPages(b)
		for _, a := range s.addressActions() {
			s.serve(a, api)
		}
		for _, r := range s.addressReads() {
			s.serveRead(r, api)
		}
	}
	for _, r := range append(append(append(s.tradeReads(), s.sellerReads()...), s.opsReads()...), s.payoutReads()...) {
		s.serveRead(r, api)
	}
	for _, a := range s.booksActions() {
		s.serve(a, api)
	}
	for _, r := range s.booksReads() {
		s.serveRead(r, api)
	}
	if s.Gateway != nil {
		s.gatewayRoutes()
		s.cashierPages()
		s.merchantPages(sg, og)
		for _, a := range append(s.cashierActions(), s.merchantActions()...) {
			s.serve(a, api)
		}
		for _, r := range append(s.cashierReads(), s.merchantReads()...) {
			s.serveRead(r, api)
		}
	}
	if s.Instore != nil {
		s.instoreRoutes(b, sg, api)
	}
	if s.Bills != nil {
		s.billRoutes(api)
	}
	if s.Transfers != nil {
		s.transferRoutes(b, api)
	}
	if s.Telecom != nil {
		e.POST("/webhooks/telecom", s.telecomWebhook)
		s.landlinePages(b, sg)
		s.telecomOpsPages(og)
		for _, a := range append(s.landlineActions(), s.telecomOpsActions()...) {
			s.serve(a, api)
		}
		for _, r := range append(s.landlineReads(), s.telecomOpsReads()...) {
			s.serveRead(r, api)
		}
	}
}

func staticHandler() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// clientExtractors say who the client is and whether it came over HTTPS. With
// no TRUSTED_PROXIES that is the TCP connection alone, whatever the headers
// say. With them, X-Forwarded-For and X-Forwarded-Proto count only when the
// TCP peer is one of those proxies, and the client is the right-most address
// of X-Forwarded-For that is not a trusted proxy (the addresses to its left
// were written by the client or by proxies we do not know). Loopback, link-local
// and private addresses are not trusted unless listed: echo trusts them by
// default, which would let any host on the same network spoof its address.
func clientExtractors(cfg *config.Config) (echo.IPExtractor, echo.SchemeExtractor) {
	if cfg == nil || len(cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect(), echo.ExtractSchemeDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), echo.ExtractSchemeFromHeaders(opts...)
}

// https reports whether the browser talks to the platform over HTTPS: the
// public URL is https, or this request came over TLS or through a trusted
// proxy that says so. Cookies are then Secure and HSTS is sent.
func (s *Server) https(c echo.Context) bool {
	return s.Config != nil && s.Config.HTTPS() || c.Scheme() == "https"
}

// HTTPServer wraps the handler with the timeouts a public server needs.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
}

// ListenAndServe serves on ln until ctx ends, then shuts down gracefully:
// in-flight requests get up to grace to finish.
func (s *Server) ListenAndServe(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := s.HTTPServer(ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down: finishing in-flight requests", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if s.Health == nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "no database"})
	}
	if err := s.Health.Ready(ctx); err != nil {
		if cause := errors.Unwrap(err); cause != nil {
			s.Log.WarnContext(ctx, "readyz: "+err.Error(), "err", cause)
		}
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
