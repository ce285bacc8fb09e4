// Package platform wires LineEscrow's services together: the one place that
// knows them all, used by the command and by the integration tests.
package platform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

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
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/notices"
	"lineescrow/app/orders"
	"lineescrow/app/payouts"
	"lineescrow/app/recon"
	"lineescrow/app/risk"
	"lineescrow/app/sellers"
	"lineescrow/app/settings"
	"lineescrow/app/store"
	"lineescrow/app/telecom"
	"lineescrow/app/transfers"
	"lineescrow/bankbridge"
	"lineescrow/models"
	"lineescrow/views"
)

// Platform is the running set of services.
type Platform struct {
	Config   *config.Config
	DB       *store.DB
	Log      *slog.Logger
	Auth     *auth.Service
	Settings *settings.Service
	Orders   *orders.Service
	Funding  *funding.Service
	Payouts  *payouts.Service
	Recon    *recon.Service
	// Bank is the bank bridge's client.
	Bank *bankbridge.Bank
	// Telecom is fixed-line charging; TelecomFront the front-end's client.
	Telecom      *telecom.Service
	TelecomFront *bankbridge.Telecom
	Sellers      *sellers.Service
	Addresses    *addresses.Service
	Risk         *risk.Service
	// Audit reads the audit log.
	Audit *audit.Service
	// Books is the operators' view of the ledger.
	Books *books.Service
	// Clawbacks are recalled payments people owe the platform.
	Clawbacks   *clawback.Service
	Idempotency *idempotency.Store
	// Notices is the notification centre: what people are told, and its SMS.
	Notices *notices.Service
	// Gateway is the merchant gateway: other shops' trades, signed
	// requests and notifications.
	Gateway *gateway.Service
	// Instore is in-store payments: shop numbers, payments from the
	// wallet straight to a seller, their refunds.
	Instore *instore.Service
	// Bills pays billers (phone and broadband, electricity, water) from
	// the balance.
	Bills *bills.Service
	// Transfers sends money from one buyer's balance to another's.
	Transfers *transfers.Service
	// IVR is the payment hotline (VoiceXML for the IVR platform).
	IVR *ivr.Service
	// Health is the readiness probe: the database answers, no migration pending.
	Health *store.Readiness
	// DBStats shows the database pool on /metrics.
	DBStats prometheus.Collector
	Queue   *jobs.Queue
	River   *jobs.Client
	// stopJobs ends the workers' liveness lock and rescuer (jobs.Start).
	stopJobs func()
	work     bool
}

// SealEvery is how often the journal's sealer runs (ledger.Seal): the
// longest a committed transfer waits for its seal.
const SealEvery = 10 * time.Second

// Options tune New.
type Options struct {
	// Work starts River workers (timers, webhook retries). Tests that drive
	// jobs by hand leave it false.
	Work         bool
	PollInterval time.Duration
	Now          func() time.Time
}

// New builds the services on db.
func New(cfg *config.Config, db *store.DB, log *slog.Logger, o Options) (*Platform, error) {
	if log == nil {
		log = slog.Default()
	}
	UseJournalKey(cfg)
	p := &Platform{Config: cfg, DB: db, Log: log, Queue: &jobs.Queue{}, work: o.Work}
	p.Notices = &notices.Service{DB: db.DB, Queue: p.Queue, Log: log, Chinese: views.NoticeChinese, Now: o.Now}
	p.Auth = auth.NewService(db.DB, auth.NewTokens(cfg.JWTSecret, cfg.SessionTTL), []byte(cfg.PayPasswordPepper))
	p.Settings = &settings.Service{DB: db.DB}
	p.Auth.DefaultCommission = func(ctx context.Context, tx *gorm.DB) (models.Rate, error) {
		v, err := p.Settings.Get(ctx, tx)
		return v.DefaultCommission, err
	}
	p.Sellers = &sellers.Service{DB: db.DB, Now: o.Now, Names: p.Auth}
	p.Orders = &orders.Service{DB: db.DB, Queue: p.Queue, Settings: p.Settings, PayPasswords: p.Auth, Rates: p.Sellers,
		MaxAmount: cfg.MaxAmount, Now: o.Now}
	p.Sellers.Orders = p.Orders
	p.Addresses = &addresses.Service{DB: db.DB}
	p.Orders.Addresses = p.Addresses
	p.Bank = bankbridge.NewBank(cfg.BankAPIURL, cfg.BankAPIKey, nil)
	p.Payouts = &payouts.Service{DB: db.DB, Queue: p.Queue, Bank: p.Bank,
		Settings: p.Settings, Passwords: p.Auth, MaxAmount: cfg.MaxAmount, Now: o.Now}
	p.Funding = &funding.Service{DB: db.DB, Orders: p.Orders, Payouts: p.Payouts, Queue: p.Queue, Log: log}
	p.Payouts.Returns = p.Funding
	p.Sellers.Payouts = p.Payouts
	p.Recon = &recon.Service{DB: db.DB, Bank: p.Bank, Events: p.Funding, Now: o.Now}
	p.Orders.Wallets = p.Funding
	p.Auth.TopUps = p.Funding
	p.Orders.Credits, p.Orders.Names = p.Funding, p.Auth
	p.TelecomFront = bankbridge.NewTelecom(cfg.TelecomAPIURL, cfg.TelecomAPIKey, nil)
	p.Telecom = &telecom.Service{DB: db.DB, Orders: p.Orders, Front: p.TelecomFront, Queue: p.Queue, Settings: p.Settings,
		PayPasswords: p.Auth, Key: macKey(cfg.PayPasswordPepper), SettlementAccount: cfg.TelecomSettlementAccount,
		MaxAmount: cfg.MaxAmount, Log: log, Now: o.Now}
	p.Orders.FixedLine = p.Telecom
	key, err := gateway.LoadPlatformKey(cfg.GatewayPrivateKey, cfg.GatewayKeyFile, cfg.Demo)
	if err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	p.Gateway = &gateway.Service{DB: db.DB, Orders: p.Orders, Queue: p.Queue, Settings: p.Settings, Names: p.Auth, Key: key,
		BaseURL: cfg.BaseURL, MaxAmount: cfg.MaxAmount, Demo: cfg.Demo, Client: gateway.NotifyClient(cfg.Demo), Log: log, Now: o.Now}
	p.Orders.Gateway = p.Gateway
	p.Instore = &instore.Service{DB: db.DB, Settings: p.Settings, PayPasswords: p.Auth, Telecom: p.Telecom, MaxAmount: cfg.MaxAmount, Now: o.Now}
	p.Telecom.Purchases = p.Instore
	p.IVR = &ivr.Service{DB: db.DB, Auth: p.Auth, Orders: p.Orders, Telecom: p.Telecom, Key: ivrKey(cfg.JWTSecret),
		Platforms: cfg.IVRPlatforms, AgentNumber: cfg.IVRAgentNumber, Log: log, Now: o.Now}
	if cfg.IVRWebhookSecret != "" {
		if p.IVR.WebhookKey, err = config.WebhookKey(cfg.IVRWebhookSecret); err != nil {
			return nil, fmt.Errorf("platform: IVR_WEBHOOK_SECRET: %w", err)
		}
	}
	if p.IVR.Flows == nil {
		p.IVR.Flows = map[string]ivr.Flow{}
	}
	p.IVR.Flows["3"] = instore.HotlineFlow{Instore: p.Instore}
	p.Orders.Notices, p.Payouts.Notices, p.Funding.Notices, p.Telecom.Notices = p.Notices, p.Notices, p.Notices, p.Notices
	p.Funding.Settlements = p.Telecom
	p.Bills = &bills.Service{DB: db.DB, Queue: p.Queue, Passwords: p.Auth, Payouts: p.Payouts, Secret: billerKey(cfg.PayPasswordPepper),
		MaxAmount: cfg.MaxAmount, Log: log, Now: o.Now}
	p.Transfers = &transfers.Service{DB: db.DB, Settings: p.Settings, PayPasswords: p.Auth, MaxAmount: cfg.MaxAmount, Now: o.Now}
	p.IVR.Flows["6"] = transfers.HotlineFlow{Transfers: p.Transfers}
	p.IVR.Flows["8"] = bills.HotlineFlow{Bills: p.Bills}
	p.Risk = &risk.Service{DB: db.DB}
	p.Orders.Cases = orderCases{p.Risk}
	p.Audit = &audit.Service{DB: db.DB}
	p.Books = &books.Service{DB: db.DB, Queues: p.Funding, Payouts: p.Payouts, Breaks: p.Recon}
	p.Clawbacks = &clawback.Service{DB: db.DB}
	p.Idempotency = idempotency.NewStore(db.DB, cfg.JWTSecret)
	p.Health = store.NewReadiness(db.SQL)
	p.DBStats = collectors.NewDBStatsCollector(db.SQL, "lineescrow")

	workers := river.NewWorkers()
	river.AddWorker(workers, &orders.TimerWorker{Orders: p.Orders})
	river.AddWorker(workers, &funding.Worker{Funding: p.Funding})
	river.AddWorker(workers, &funding.SweepWorker{Funding: p.Funding})
	river.AddWorker(workers, &funding.BackstopWorker{Funding: p.Funding})
	river.AddWorker(workers, &funding.PurgeWorker{Funding: p.Funding})
	river.AddWorker(workers, &idempotency.PurgeWorker{Store: p.Idempotency})
	river.AddWorker(workers, &sellers.SnapshotWorker{Sellers: p.Sellers})
	river.AddWorker(workers, &ledger.TotalsWorker{DB: db.DB})
	river.AddWorker(workers, &ledger.SealWorker{DB: db.DB})
	river.AddWorker(workers, &payouts.SendWorker{Payouts: p.Payouts})
	river.AddWorker(workers, &payouts.StuckWorker{Payouts: p.Payouts})
	river.AddWorker(workers, &recon.DailyWorker{Recon: p.Recon})
	river.AddWorker(workers, &telecom.ChargeWorker{Telecom: p.Telecom})
	river.AddWorker(workers, &telecom.RefundWorker{Telecom: p.Telecom})
	river.AddWorker(workers, &telecom.EventWorker{Telecom: p.Telecom})
	river.AddWorker(workers, &telecom.ReconWorker{Telecom: p.Telecom})
	river.AddWorker(workers, &telecom.AdvanceWorker{Telecom: p.Telecom})
	river.AddWorker(workers, &gateway.NotifyWorker{Gateway: p.Gateway})
	river.AddWorker(workers, &gateway.PurgeWorker{Gateway: p.Gateway})
	river.AddWorker(workers, &telecom.PurgeWorker{Telecom: p.Telecom})
	river.AddWorker(workers, &telecom.RedeemWorker{Telecom: p.Telecom})
	river.AddWorker(workers, &notices.SMSWorker{Notices: p.Notices})
	river.AddWorker(workers, &notices.RemindWorker{Notices: p.Notices})
	river.AddWorker(workers, &bills.NoticeWorker{Bills: p.Bills})
	river.AddWorker(workers, &bills.SettleWorker{Bills: p.Bills})
	periodic := []*river.PeriodicJob{
		jobs.Every(5*time.Minute, funding.SweepArgs{}),
		jobs.Every(funding.BackstopAfter, funding.BackstopArgs{}),
		jobs.Every(24*time.Hour, funding.PurgeArgs{}),
		jobs.Every(time.Hour, idempotency.PurgeArgs{}),
		jobs.Every(time.Hour, sellers.SnapshotArgs{}),
		jobs.Every(time.Minute, ledger.TotalsArgs{}),
		jobs.Every(SealEvery, ledger.SealArgs{}),
		jobs.Every(time.Hour, payouts.StuckArgs{}),
		jobs.Every(24*time.Hour, recon.DailyArgs{}),
		jobs.Every(24*time.Hour, telecom.AdvanceArgs{}),
		jobs.Every(time.Hour, gateway.PurgeArgs{}),
		jobs.Every(24*time.Hour, telecom.PurgeArgs{}),
		jobs.Every(10*time.Minute, notices.RemindArgs{}),
		jobs.Every(24*time.Hour, bills.SettleArgs{}),
	}
	client, err := jobs.NewClient(db.SQL, jobs.Options{Workers: workers, Logger: log, PollInterval: o.PollInterval, Work: o.Work,
		Periodic: periodic})
	if err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	p.River = client
	p.Queue.Bind(client)
	return p, nil
}

// Start checks that this node signs with the gateway key merchants were
// given (recording it the first time), then starts the River workers (when
// the platform was built with Work).
func (p *Platform) Start(ctx context.Context) error {
	if err := p.Gateway.CheckPlatformKey(ctx); err != nil {
		return err
	}
	if !p.work {
		return nil
	}
	stop, err := jobs.Start(ctx, p.River, p.DB.SQL, p.Log)
	p.stopJobs = stop
	return err
}

// Stop lets running jobs finish (up to the context's deadline).
func (p *Platform) Stop(ctx context.Context) error {
	if !p.work {
		return nil
	}
	err := p.River.Stop(ctx)
	if p.stopJobs != nil {
		p.stopJobs()
	}
	return err
}

// UseReplica sends reports to a read replica while it is fresh (see
// store.Replica); everything else keeps reading the primary.
func (p *Platform) UseReplica(r *store.Replica) {
	p.Sellers.Read, p.Books.Read = r, r
}

// UseJournalKey keys the ledger's transfer digests (ledger.SetJournalKey)
// with a key derived from PAY_PASSWORD_PEPPER, a secret kept out of the
// database; with the public demo pepper they keep the public demo key.
func UseJournalKey(cfg *config.Config) {
	if cfg.PayPasswordPepper != "" && cfg.PayPasswordPepper != config.DemoPayPasswordPepper {
		ledger.SetJournalKey(ledger.JournalKeyFrom(cfg.PayPasswordPepper))
	}
}

// ivrKey signs the hotline's call state.
func ivrKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("lineescrow ivr call state"))
	return m.Sum(nil)
}

// macKey derives the key of the MACs of ID digits, verification codes and
// card numbers from the payment password pepper: a secret kept out of the
// database, as these MACs must be.
func macKey(pepper string) []byte {
	m := hmac.New(sha256.New, []byte(pepper))
	m.Write([]byte("lineescrow telecom MACs"))
	return m.Sum(nil)
}

// billerKey derives the key of the billers' shared secrets from the
// payment password pepper, a secret kept out of the database.
func billerKey(pepper string) []byte {
	m := hmac.New(sha256.New, []byte(pepper))
	m.Write([]byte("lineescrow biller secrets"))
	return m.Sum(nil)
}

// orderCases gives the order page an order's risk cases. risk cannot
// implement orders.Cases itself: orders raises flags, so risk may not import
// orders.
type orderCases struct{ risk *risk.Service }

func (c orderCases) OfOrder(ctx context.Context, actor models.Actor, orderID int64) ([]orders.CaseLine, error) {
	flags, err := c.risk.List(ctx, actor, risk.Query{OrderID: orderID})
	if err != nil {
		return nil, err
	}
	out := make([]orders.CaseLine, 0, len(flags))
	for _, f := range flags {
		out = append(out, orders.CaseLine{ID: f.ID, Kind: string(f.Kind), Open: f.Status == risk.Open, At: f.CreatedAt})
	}
	return out, nil
}
