package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lineescrow/app/auth"
	"lineescrow/app/books"
	"lineescrow/app/config"
	"lineescrow/app/platform"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// The HTTP phases run against `lineescrow serve` started by the bench as a
// process of its own (outside demo mode, with secrets of the run), so its
// peak RSS is the server's alone and its CPU profile can be taken
// (PPROF_ADDR) while the load runs.

// server is the platform under test.
type server struct {
	cmd   *exec.Cmd
	url   string
	pprof string
	env   map[string]string
	log   *os.File
	done  chan error
}

func secretHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func whsec() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// serverEnv is the configuration of the server under test: fresh secrets,
// the bench's database, the bank and telecom APIs unused (nothing calls them
// in these phases).
func serverEnv(dbURL, keyFile string) (map[string]string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	pp, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"DATABASE_URL": dbURL, "HTTP_ADDR": addr, "PPROF_ADDR": pp, "LOG_LEVEL": "warn", "SESSION_TTL": "6h",
		"JWT_SECRET": secretHex(32), "PAY_PASSWORD_PEPPER": secretHex(32), "BANK_WEBHOOK_SECRET": whsec(),
		"TELECOM_WEBHOOK_SECRET": whsec(), "BANK_API_KEY": secretHex(16), "TELECOM_API_KEY": secretHex(16),
		"BANK_API_URL": "http://127.0.0.1:9/bank", "TELECOM_API_URL": "http://127.0.0.1:9/telecom", "GATEWAY_KEY_FILE": keyFile,
	}, nil
}

// startServer starts `bin serve` with env and waits until it is ready.
func startServer(ctx context.Context, bin string, env map[string]string, logPath string) (*server, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("bench: start the server: %w", err)
	}
	s := &server{cmd: cmd, url: "http://" + env["HTTP_ADDR"], pprof: "http://" + env["PPROF_ADDR"], env: env, log: lf, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("bench: the server stopped at start (%v); its log: %s", err, logPath)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("bench: the server was not ready within 2 minutes; its log: %s", logPath)
		}
	}
}

// stop stops the server gracefully (SIGINT), killing it after a while.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.log.Close()
}

// peakRSS is the server's peak resident set so far (VmHWM), in MiB.
func (s *server) peakRSS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// profile takes a CPU profile of the server for d into path.
func (s *server) profile(ctx context.Context, d time.Duration, path string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.pprof, int(d.Seconds())), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// party is a user of the HTTP phases with its API token.
type party struct {
	user    *models.User
	token   string
	listing int64
}

// world is what the HTTP phases work with: buyers, sellers with a listing
// each, the bank's signing key.
type world struct {
	p       *platform.Platform
	buyers  []party
	sellers []party
	bankKey []byte
	client  *http.Client
	base    string
	seq     atomic.Int64
}

const (
	benchPassword = "bench login password 7"
	benchPIN      = "284913"
	benchPrice    = "10.00"
)

// newWorld creates n buyers and n sellers (a listing each) through the
// services, on the database the server uses, and their API tokens.
func newWorld(ctx context.Context, cfg *config.Config, db *store.DB, n int, base string) (*world, error) {
	p, err := platform.New(cfg, db, slog.New(slog.DiscardHandler), platform.Options{})
	if err != nil {
		return nil, err
	}
	free := func(name string) *auth.Limiter { return auth.NewLimiter(db.DB, name, nil, time.Millisecond, 1_000_000) }
	p.Auth.ByAccount, p.Auth.ByIP = free("login.account"), free("login.address")
	p.Auth.RegisterByIP, p.Auth.RegisterByLogin = free("register.address"), free("register.number")
	key, err := config.WebhookKey(cfg.BankWebhookSecret)
	if err != nil {
		return nil, err
	}
	w := &world{p: p, bankKey: key, base: base,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}}}
	mk := func(role models.Role, i int) (party, error) {
		login := fmt.Sprintf("139%08d", i)
		r := models.Registration{Role: role, Login: login, Password: benchPassword, DisplayName: fmt.Sprintf("买家%d", i)}
		if role == models.RoleSeller {
			login = fmt.Sprintf("137%08d", i)
			r.Login, r.DisplayName = login, fmt.Sprintf("商家%d", i)
			r.ShopName, r.LegalName, r.BankAccount, r.BankHolder = r.DisplayName+"的店", r.DisplayName, "6217000011112222", r.DisplayName
		}
		u, err := p.Auth.Register(ctx, r, "127.0.0.1")
		if err != nil {
			return party{}, fmt.Errorf("bench: register %s: %w", login, err)
		}
		if err := p.Auth.SetPayPassword(ctx, u.Actor(), benchPassword, "", benchPIN); err != nil {
			return party{}, err
		}
		if u, err = p.Auth.Get(ctx, u.ID); err != nil {
			return party{}, err
		}
		tok, _, err := p.Auth.Tokens.Issue(u, auth.AudienceAPI, time.Time{})
		if err != nil {
			return party{}, err
		}
		pt := party{user: u, token: tok}
		if role == models.RoleSeller {
			l, err := p.Orders.CreateListing(ctx, u.Actor(), models.ListingInput{Title: "Peony tea", Description: "bench", Price: benchPrice, Stock: "100000"})
			if err != nil {
				return party{}, err
			}
			pt.listing = l.ID
		}
		return pt, nil
	}
	for i := range n {
		b, err := mk(models.RoleBuyer, i)
		if err != nil {
			return nil, err
		}
		s, err := mk(models.RoleSeller, i)
		if err != nil {
			return nil, err
		}
		w.buyers, w.sellers = append(w.buyers, b), append(w.sellers, s)
	}
	return w, nil
}

// call sends one API request and decodes the answer into out.
func (w *world) call(ctx context.Context, method, path, token, idemKey string, body, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, method, w.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	return w.do(req, out)
}

func (w *world) do(req *http.Request, out any) error {
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %.300s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// apiOrder is what the bench reads of the API's order.
type apiOrder struct {
	ID           int64        `json:"id"`
	State        string       `json:"state"`
	Amount       models.Money `json:"amount"`
	PayReference string       `json:"pay_reference"`
}

// transferReceived sends the bank's signed callback of a transfer paying
// amount with reference as memo.
func (w *world) transferReceived(ctx context.Context, amount models.Money, reference string) error {
	n := w.seq.Add(1)
	id := fmt.Sprintf("evt_bench_%d_%d", time.Now().UnixNano(), n)
	data, _ := json.Marshal(bankbridge.Received{BankTxnID: fmt.Sprintf("BB%d%06d", time.Now().UnixNano(), n), Amount: amount, Currency: "CNY",
		Reference: reference, PayerAccount: "6222020200112233", PayerName: "张伟", Channel: "phone_banking",
		ValueDate: time.Now().UTC().Format("2006-01-02")})
	body, _ := json.Marshal(bankbridge.Event{ID: id, Type: bankbridge.TransferReceived, CreatedAt: time.Now().UTC(), Data: data})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.base+"/webhooks/bank", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	bankbridge.SetHeaders(req.Header, w.bankKey, id, time.Now(), body)
	return w.do(req, nil)
}

func (w *world) checkout(ctx context.Context, buyer, seller party) (apiOrder, error) {
	var o apiOrder
	err := w.call(ctx, http.MethodPost, "/api/v1/orders", buyer.token, fmt.Sprintf("co-%d-%d", time.Now().UnixNano(), w.seq.Add(1)),
		map[string]any{"listing_id": seller.listing, "quantity": 1,
			"consignee": map[string]string{"name": "张伟", "phone": "13800138000", "address": "山东省菏泽市牡丹区中华路 1 号"}}, &o)
	return o, err
}

// orderPool checks out n orders through the services (before the timing):
// the orders the callbacks phase pays.
func (w *world) orderPool(ctx context.Context, n int) ([]*models.Order, error) {
	out := make([]*models.Order, n)
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				b, s := w.buyers[(i+g)%len(w.buyers)], w.sellers[i%len(w.sellers)]
				o, err := w.p.Orders.Checkout(ctx, b.user.Actor(), models.Checkout{ListingID: s.listing, Quantity: 1,
					ConsigneeName: "张伟", ConsigneePhone: "13800138000", ConsigneeAddress: "山东省菏泽市牡丹区中华路 1 号"})
				if err != nil {
					mu.Lock()
					first = errors.Join(first, err)
					mu.Unlock()
					return
				}
				out[i] = o
			}
		}()
	}
	wg.Wait()
	return out, first
}

// runCallbacks sends signed transfer.received events for the orders of
// pool from senders callers, each paying one order exactly, until d has
// passed or the pool is used up; every one answered 2xx must have paid its
// order.
func (w *world) runCallbacks(ctx context.Context, pool []*models.Order, senders int, d time.Duration) (Result, error) {
	r := Result{Phase: "http/bank-callbacks", Clients: senders}
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var paid []int64
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var ids []int64
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= len(pool) {
					break
				}
				t0 := time.Now()
				if err := w.transferReceived(ctx, pool[i].Amount, pool[i].PayReference); err != nil {
					if errs.Add(1) == 1 {
						fmt.Fprintf(os.Stderr, "bench: callbacks: %v\n", err)
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				ids = append(ids, pool[i].ID)
			}
			mu.Lock()
			all, paid = append(all, lat...), append(paid, ids...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r.Ops, r.Errors = int64(len(all)), errs.Load()
	r.PerSec = float64(r.Ops) / elapsed.Seconds()
	if len(all) > 0 {
		r.P50ms, r.P99ms = percentiles(all)
	}
	if int(next.Load()) >= len(pool) {
		fmt.Fprintf(os.Stderr, "bench: callbacks at %d senders used up all %d orders before the end\n", senders, len(pool))
	}
	var n int64
	if err := w.p.DB.DB.WithContext(ctx).Raw(`SELECT count(*) FROM orders WHERE id IN ? AND state = ?`, paid, string(models.Paid)).
		Scan(&n).Error; err != nil {
		return r, err
	}
	if n != int64(len(paid)) {
		return r, fmt.Errorf("bench: %d callbacks answered 2xx but only %d of their orders are paid", len(paid), n)
	}
	return r, nil
}

// Steps of a lifecycle.
var steps = []string{"checkout", "callback", "ship", "confirm"}

// lifecycle runs one order through checkout, the bank's callback, shipping
// and confirmation over the API, and returns each step's latency.
func (w *world) lifecycle(ctx context.Context, buyer, seller party) ([4]time.Duration, error) {
	var lat [4]time.Duration
	t0 := time.Now()
	o, err := w.checkout(ctx, buyer, seller)
	if err != nil {
		return lat, err
	}
	lat[0] = time.Since(t0)
	t0 = time.Now()
	if err := w.transferReceived(ctx, o.Amount, o.PayReference); err != nil {
		return lat, err
	}
	lat[1] = time.Since(t0)
	t0 = time.Now()
	var shipped apiOrder
	if err := w.call(ctx, http.MethodPost, fmt.Sprintf("/api/v1/orders/%d/ship", o.ID), seller.token, "",
		map[string]string{"carrier": "SF", "tracking_no": fmt.Sprintf("SF%013d", o.ID)}, &shipped); err != nil {
		return lat, err
	}
	if shipped.State != string(models.Shipped) {
		return lat, fmt.Errorf("order %d is %s after ship (the callback did not pay it?)", o.ID, shipped.State)
	}
	lat[2] = time.Since(t0)
	t0 = time.Now()
	var done apiOrder
	if err := w.call(ctx, http.MethodPost, fmt.Sprintf("/api/v1/orders/%d/confirm", o.ID), buyer.token, fmt.Sprintf("cf-%d", o.ID),
		map[string]string{"pay_password": benchPIN}, &done); err != nil {
		return lat, err
	}
	if done.State != string(models.Completed) {
		return lat, fmt.Errorf("order %d is %s after confirm", o.ID, done.State)
	}
	lat[3] = time.Since(t0)
	return lat, nil
}

// lifecycles collects the latencies of a lifecycle phase.
type lifecycles struct {
	mu    sync.Mutex
	steps [4][]time.Duration
	total []time.Duration
	errs  atomic.Int64
}

func (l *lifecycles) add(lat [4]time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var sum time.Duration
	for i, d := range lat {
		l.steps[i] = append(l.steps[i], d)
		sum += d
	}
	l.total = append(l.total, sum)
}

func (l *lifecycles) fail(err error) {
	if l.errs.Add(1) == 1 {
		fmt.Fprintf(os.Stderr, "bench: lifecycle: %v\n", err)
	}
}

func (l *lifecycles) result(phase string, clients int, elapsed time.Duration) Result {
	r := Result{Phase: phase, Clients: clients, Ops: int64(len(l.total)), Errors: l.errs.Load(), Steps: map[string]StepLatency{}}
	r.PerSec = float64(r.Ops) / elapsed.Seconds()
	if len(l.total) > 0 {
		r.P50ms, r.P99ms = percentiles(l.total)
	}
	for i, name := range steps {
		if len(l.steps[i]) > 0 {
			p50, p99 := percentiles(l.steps[i])
			r.Steps[name] = StepLatency{P50ms: p50, P99ms: p99}
		}
	}
	return r
}

// runLifecyclePeak runs lifecycles back to back from callers callers, each
// its own buyer and seller, for d: the peak rate.
func (w *world) runLifecyclePeak(ctx context.Context, callers int, d time.Duration) Result {
	var l lifecycles
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				lat, err := w.lifecycle(ctx, w.buyers[c%len(w.buyers)], w.sellers[c%len(w.sellers)])
				if err != nil {
					l.fail(err)
					continue
				}
				l.add(lat)
			}
		}()
	}
	wg.Wait()
	return l.result("http/lifecycle/peak", callers, time.Since(start))
}

// runLifecycleRate starts lifecycles at a steady rate for d (open loop:
// each starts on schedule whatever the others do, so a slow server cannot
// hide its latency by slowing the load), on buyers and sellers in turn.
func (w *world) runLifecycleRate(ctx context.Context, rate float64, d time.Duration) Result {
	var l lifecycles
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	n := 0
	for at := start; at.Before(start.Add(d)); at = at.Add(interval) {
		time.Sleep(time.Until(at))
		i := n
		n++
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat, err := w.lifecycle(ctx, w.buyers[i%len(w.buyers)], w.sellers[(i/len(w.buyers)+i)%len(w.sellers)])
			if err != nil {
				l.fail(err)
				return
			}
			l.add(lat)
		}()
	}
	wg.Wait()
	r := l.result("http/lifecycle/80%", 0, d)
	r.Offered = rate
	return r
}

// queueDepth counts River's jobs due or running (not the timers scheduled
// for later, nor finished ones), and the bank events' backstops among them.
// The periodic housekeeping jobs are left out: they come back on schedule
// (and the daily reconciliation retries here, with no bank to ask).
func queueDepth(ctx context.Context, db *store.DB) (due, backstops int64, err error) {
	err = db.DB.WithContext(ctx).Raw(`SELECT count(*), count(*) FILTER (WHERE kind = 'bank_event') FROM river_job
		WHERE state IN ('available', 'pending', 'running', 'retryable') AND queue <> 'housekeeping'`).Row().Scan(&due, &backstops)
	return due, backstops, err
}

// drain waits up to limit for the queue to empty; it returns the depth when
// the load stopped and how long it took to empty (limit when it did not).
func drain(ctx context.Context, db *store.DB, limit time.Duration) (QueueReport, error) {
	var q QueueReport
	start := time.Now()
	due, bs, err := queueDepth(ctx, db)
	if err != nil {
		return q, err
	}
	q.AtStop, q.BackstopsAtStop = due, bs
	for due > 0 && time.Since(start) < limit {
		time.Sleep(500 * time.Millisecond)
		if due, _, err = queueDepth(ctx, db); err != nil {
			return q, err
		}
	}
	q.After, q.DrainedSeconds = due, time.Since(start).Seconds()
	if err := db.DB.WithContext(ctx).Raw(`SELECT count(*) FROM river_job WHERE state = 'scheduled'`).Scan(&q.Scheduled).Error; err != nil {
		return q, err
	}
	return q, nil
}

// QueueReport is River's queue after the load stopped.
type QueueReport struct {
	AtStop          int64   `json:"due_at_stop"`
	BackstopsAtStop int64   `json:"bank_event_jobs_at_stop"`
	After           int64   `json:"due_after_drain"`
	DrainedSeconds  float64 `json:"drained_after_s"`
	Scheduled       int64   `json:"timers_scheduled"`
}

// StepLatency is one lifecycle step's latency.
type StepLatency struct {
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
}

func gatewayKeyFile() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "lineescrow")
	_ = os.MkdirAll(dir, 0o700)
	return filepath.Join(dir, "bench-gateway-key.pem")
}

// verified checks the whole ledger after a phase; a violation fails the run.
func verified(ctx context.Context, db *store.DB, phase string, clients int) error {
	findings, err := books.Verify(ctx, db.DB)
	if err != nil {
		return err
	}
	if findings != "" {
		return fmt.Errorf("bench: THE LEDGER IS BROKEN after %s at %d callers: %s", phase, clients, findings)
	}
	return nil
}

// runHTTP runs the phases against the server: bank callbacks at each number
// of senders, then the lifecycle at its peak and at 80% of it; then it
// watches River's queue empty.
func runHTTP(ctx context.Context, o Options, rep *Report, env map[string]string, cfg *config.Config, db *store.DB, base map[int]float64) error {
	logDir := o.LogDir
	if logDir == "" {
		logDir = os.TempDir()
	}
	logPath := filepath.Join(logDir, "bench-server.log")
	srv, err := startServer(ctx, o.ServerBin, env, logPath)
	if err != nil {
		return err
	}
	defer srv.stop()
	n := o.LifecycleCallers
	for _, s := range o.Senders {
		n = max(n, s)
	}
	fmt.Fprintf(o.Out, "server: pid %d at %s, profiles at %s/debug/pprof/, log %s; creating %d buyers and %d sellers\n",
		srv.cmd.Process.Pid, srv.url, srv.pprof, logPath, n, n)
	w, err := newWorld(ctx, cfg, db, n, srv.url)
	if err != nil {
		return err
	}
	profile := func(name string) func() {
		if o.Profiles == "" || o.Duration < 2*time.Second {
			return func() {}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			path := filepath.Join(o.Profiles, name+".pprof")
			if err := srv.profile(ctx, o.Duration-time.Second, path); err != nil {
				fmt.Fprintf(os.Stderr, "bench: profile %s: %v\n", name, err)
			}
		}()
		return func() { <-done }
	}
	finish := func(r Result) error {
		r.Ratio = ratio(r.PerSec, base[r.Clients])
		if err := verified(ctx, db, r.Phase, r.Clients); err != nil {
			return err
		}
		r.Verified, r.ServerRSSMB = true, srv.peakRSS()
		rep.Results = append(rep.Results, r)
		fmt.Fprintf(o.Out, "%-24s %3d callers %9.1f/s  p50 %6.1f ms  p99 %6.1f ms  %5.2f× pgbench  errors %d  server RSS peak %.0f MiB  ledger verified\n",
			r.Phase, r.Clients, r.PerSec, r.P50ms, r.P99ms, r.Ratio, r.Errors, r.ServerRSSMB)
		for _, s := range steps {
			if st, ok := r.Steps[s]; ok {
				fmt.Fprintf(o.Out, "%28s p50 %6.1f ms  p99 %6.1f ms\n", s, st.P50ms, st.P99ms)
			}
		}
		if r.Errors > 0 {
			return fmt.Errorf("bench: %d requests failed in %s", r.Errors, r.Phase)
		}
		return nil
	}
	for _, s := range o.Senders {
		size := int(600*o.Duration.Seconds()) + 100
		fmt.Fprintf(o.Out, "callbacks: checking out %d orders to pay\n", size)
		pool, err := w.orderPool(ctx, size)
		if err != nil {
			return err
		}
		wait := profile(fmt.Sprintf("callbacks-%d", s))
		r, err := w.runCallbacks(ctx, pool, s, o.Duration)
		wait()
		if err != nil {
			return err
		}
		if err := finish(r); err != nil {
			return err
		}
	}
	if o.LifecycleCallers > 0 {
		wait := profile(fmt.Sprintf("lifecycle-%d", o.LifecycleCallers))
		peak := w.runLifecyclePeak(ctx, o.LifecycleCallers, o.Duration)
		wait()
		if err := finish(peak); err != nil {
			return err
		}
		if peak.PerSec > 0 {
			wait := profile("lifecycle-80")
			r := w.runLifecycleRate(ctx, 0.8*peak.PerSec, o.Duration)
			wait()
			r.Clients = o.LifecycleCallers // compared with pgbench at the peak's callers
			if err := finish(r); err != nil {
				return err
			}
		}
	}
	q, err := drain(ctx, db, time.Minute)
	if err != nil {
		return err
	}
	rep.Queue, rep.ServerPeakRSSMB = &q, srv.peakRSS()
	fmt.Fprintf(o.Out, "river queue: %d jobs due when the load stopped (%d bank event jobs), %d after %.1f s; %d timers scheduled for later\n",
		q.AtStop, q.BackstopsAtStop, q.After, q.DrainedSeconds, q.Scheduled)
	if q.After > 0 {
		fmt.Fprintf(o.Out, "RIVER QUEUE NOT EMPTY a minute after the load stopped: %d jobs\n", q.After)
	}
	fmt.Fprintf(o.Out, "server peak RSS: %.0f MiB\n", rep.ServerPeakRSSMB)
	return nil
}
