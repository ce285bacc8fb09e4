// Package bench is `lineescrow bench` (`make bench`): the platform's
// throughput measured side by side with pgbench's TPC-B-like transactions on
// the same PostgreSQL server, in the same run, at the same numbers of
// concurrent callers, so every figure is a ratio to what plain PostgreSQL
// transactions reach on this machine.
//
// It runs against its own database (created afresh, the project's migrations
// applied) on a durable server: fsync and synchronous_commit on, so each
// acknowledged transfer is on disk, as in production. After every phase the
// whole ledger is verified (books.Verify); a violation fails the run.
//
// Workloads, each at every caller count:
//
//   - spread: wallet to wallet among many funded wallets (constrained
//     accounts, rarely the same two at once);
//   - hot: bank:collection → a wallet less a fee to revenue:fees, the shape of
//     every bank payment (two of the platform's hot, sharded accounts);
//   - shared: one funded wallet pays out to every caller's own wallet (one
//     constrained row that every transfer must lock and check).
//
// Each runs in two modes: post, one store.InTx with ledger.Post per transfer
// (what a service does inside its own transaction), and batch, through
// ledger.Batcher (concurrent transfers committed together).
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"lineescrow/app/books"
	"lineescrow/app/config"
	"lineescrow/app/devdb"
	"lineescrow/app/ledger"
	"lineescrow/app/platform"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Options say what to run.
type Options struct {
	// AdminURL is a URL of the server (any database on it); the bench's
	// databases are created beside it.
	AdminURL string
	// Pgbench is the path of the pgbench program.
	Pgbench string
	// Clients are the numbers of concurrent callers.
	Clients []int
	// Duration is the length of each measurement.
	Duration time.Duration
	// Scale is pgbench's scale factor.
	Scale int
	// Workloads and Modes restrict what runs (empty: all).
	Workloads []string
	Modes     []string
	// Out receives progress and the table; JSON, when set, the results.
	Out  io.Writer
	JSON string
	// ServerBin, when set, is the lineescrow program: the HTTP phases
	// (bank callbacks, the escrow lifecycle) run against `ServerBin serve`.
	ServerBin string
	// Senders are the numbers of concurrent bank callback senders;
	// LifecycleCallers the callers of the lifecycle's peak.
	Senders          []int
	LifecycleCallers int
	// Profiles, when set, is a folder for CPU profiles of the server taken
	// during each HTTP phase.
	Profiles string
	// LogDir receives the server's log.
	LogDir string
}

// Result is one measurement.
type Result struct {
	Phase    string  `json:"phase"` // "pgbench", "ledger/spread/post", …
	Clients  int     `json:"clients"`
	Ops      int64   `json:"ops"`
	Errors   int64   `json:"errors"`
	PerSec   float64 `json:"per_sec"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	Ratio    float64 `json:"ratio_to_pgbench"`
	Verified bool    `json:"ledger_verified"`
	// The HTTP phases: the lifecycle's steps, the rate offered (open
	// loop), the server's peak RSS so far (MiB).
	Steps       map[string]StepLatency `json:"steps,omitempty"`
	Offered     float64                `json:"offered_per_sec,omitempty"`
	ServerRSSMB float64                `json:"server_peak_rss_mib,omitempty"`
}

// Report is the whole run.
type Report struct {
	Started  time.Time         `json:"started"`
	Server   map[string]string `json:"server"`
	Duration string            `json:"duration_each"`
	Results  []Result          `json:"results"`
	// ServerPeakRSSMB is the server's VmHWM at the end (MiB); Queue is
	// River's queue once the load stopped.
	ServerPeakRSSMB float64      `json:"server_peak_rss_mib,omitempty"`
	Queue           *QueueReport `json:"river_queue,omitempty"`
}

// Workloads and Modes of the ledger phases.
var (
	Workloads = []string{"spread", "hot", "shared"}
	Modes     = []string{"post", "batch"}
)

const (
	dbName      = "lineescrow_bench"
	pgbenchName = "lineescrow_pgbench"
	wallets     = 2000 // funded wallets of the spread workload
)

// Run runs the benchmark and writes the table.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if len(o.Workloads) == 0 {
		o.Workloads = Workloads
	}
	if len(o.Modes) == 0 {
		o.Modes = Modes
	}
	rep := &Report{Started: time.Now().UTC(), Server: map[string]string{}, Duration: o.Duration.String()}
	maxC := 0
	counts := append([]int{}, o.Clients...)
	if o.ServerBin != "" {
		counts = append(counts, o.Senders...)
		counts = append(counts, o.LifecycleCallers)
	}
	counts = uniqueSorted(counts)
	for _, c := range counts {
		maxC = max(maxC, c)
	}
	if err := recreate(ctx, o.AdminURL, dbName); err != nil {
		return nil, err
	}
	dbURL := devdb.WithDatabase(o.AdminURL, dbName)
	// The server's configuration: the ledger's digests are keyed by its
	// pepper, so the bench's own transfers use the same key.
	env, err := serverEnv(dbURL, gatewayKeyFile())
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	platform.UseJournalKey(cfg)
	db, err := store.Open(ctx, dbURL, maxC+4)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := store.MigrateUp(ctx, db.SQL); err != nil {
		return nil, err
	}
	for _, s := range []string{"fsync", "synchronous_commit", "full_page_writes", "shared_buffers", "server_version"} {
		var v string
		if err := db.SQL.QueryRowContext(ctx, "SHOW "+s).Scan(&v); err != nil {
			return nil, err
		}
		rep.Server[s] = v
	}
	fmt.Fprintf(o.Out, "server: %v\n", rep.Server)
	if rep.Server["fsync"] != "on" || rep.Server["synchronous_commit"] != "on" {
		return nil, errors.New("bench: the server is not durable (fsync and synchronous_commit must be on)")
	}

	// pgbench, at every caller count.
	fmt.Fprintf(o.Out, "pgbench: initialising scale %d\n", o.Scale)
	if err := recreate(ctx, o.AdminURL, pgbenchName); err != nil {
		return nil, err
	}
	pgURL := devdb.WithDatabase(o.AdminURL, pgbenchName)
	if out, err := exec.CommandContext(ctx, o.Pgbench, "-i", "-q", "-s", strconv.Itoa(o.Scale), pgURL).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgbench -i: %v\n%s", err, out)
	}
	base := map[int]float64{}
	for _, c := range counts {
		r, err := pgbench(ctx, o.Pgbench, pgURL, c, o.Duration)
		if err != nil {
			return nil, err
		}
		base[c] = r.PerSec
		rep.Results = append(rep.Results, r)
		fmt.Fprintf(o.Out, "%-24s %3d callers %9.0f/s  p50 %6.1f ms  p99 %6.1f ms\n", r.Phase, c, r.PerSec, r.P50ms, r.P99ms)
	}

	if err := setup(ctx, db.DB); err != nil {
		return nil, err
	}
	batcher := ledger.NewBatcher(db.DB, ledger.BatcherOptions{})
	defer batcher.Close()
	for _, w := range o.Workloads {
		if w == "none" {
			break
		}
		for _, m := range o.Modes {
			for _, c := range o.Clients {
				r := runLedger(ctx, db.DB, batcher, w, m, c, o.Duration)
				r.Ratio = ratio(r.PerSec, base[c])
				findings, err := books.Verify(ctx, db.DB)
				if err != nil {
					return nil, err
				}
				if findings != "" {
					return nil, fmt.Errorf("bench: the ledger is broken after %s at %d callers: %s", r.Phase, c, findings)
				}
				r.Verified = true
				rep.Results = append(rep.Results, r)
				fmt.Fprintf(o.Out, "%-24s %3d callers %9.0f/s  p50 %6.1f ms  p99 %6.1f ms  %5.2f× pgbench  errors %d  ledger verified\n",
					r.Phase, c, r.PerSec, r.P50ms, r.P99ms, r.Ratio, r.Errors)
				if r.Errors > 0 {
					return rep, fmt.Errorf("bench: %d transfers failed in %s at %d callers", r.Errors, r.Phase, c)
				}
			}
		}
	}
	if o.ServerBin != "" {
		if err := runHTTP(ctx, o, rep, env, cfg, db, base); err != nil {
			return rep, err
		}
	}
	fmt.Fprintln(o.Out)
	WriteTable(o.Out, rep, counts)
	if o.JSON != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.JSON, append(b, '\n'), 0o644); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// WriteTable writes the results as a Markdown table: a row per phase, a
// column per caller count (per second, ratio to pgbench, p99).
func WriteTable(w io.Writer, rep *Report, clients []int) {
	var phases []string
	byPhase := map[string]map[int]Result{}
	for _, r := range rep.Results {
		if byPhase[r.Phase] == nil {
			byPhase[r.Phase] = map[int]Result{}
			phases = append(phases, r.Phase)
		}
		byPhase[r.Phase][r.Clients] = r
	}
	fmt.Fprint(w, "| workload |")
	for _, c := range clients {
		fmt.Fprintf(w, " %d callers |", c)
	}
	fmt.Fprint(w, "\n|---|")
	for range clients {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, p := range phases {
		fmt.Fprintf(w, "| %s |", p)
		for _, c := range clients {
			r, ok := byPhase[p][c]
			switch {
			case !ok:
				fmt.Fprint(w, " |")
			case p == "pgbench":
				fmt.Fprintf(w, " %.0f TPS (p99 %.0f ms) |", r.PerSec, r.P99ms)
			default:
				fmt.Fprintf(w, " %.0f/s **%.2f×** (p99 %.0f ms) |", r.PerSec, r.Ratio, r.P99ms)
			}
		}
		fmt.Fprintln(w)
	}
	// The lifecycle's steps.
	first := true
	for _, r := range rep.Results {
		if len(r.Steps) == 0 {
			continue
		}
		if first {
			fmt.Fprint(w, "\n| lifecycle | lifecycles/s |")
			for _, s := range steps {
				fmt.Fprintf(w, " %s p50 / p99 |", s)
			}
			fmt.Fprint(w, "\n|---|---|")
			for range steps {
				fmt.Fprint(w, "---|")
			}
			fmt.Fprintln(w)
			first = false
		}
		what := fmt.Sprintf("%s, %d callers", r.Phase, r.Clients)
		if r.Offered > 0 {
			what = fmt.Sprintf("%s, %.1f/s offered", r.Phase, r.Offered)
		}
		fmt.Fprintf(w, "| %s | %.1f (**%.3f×**) |", what, r.PerSec, r.Ratio)
		for _, s := range steps {
			fmt.Fprintf(w, " %.0f / %.0f ms |", r.Steps[s].P50ms, r.Steps[s].P99ms)
		}
		fmt.Fprintln(w)
	}
	if rep.ServerPeakRSSMB > 0 {
		fmt.Fprintf(w, "\nServer peak RSS %.0f MiB.", rep.ServerPeakRSSMB)
	}
	if q := rep.Queue; q != nil {
		fmt.Fprintf(w, " River: %d jobs due when the load stopped (%d of them bank event jobs), %d after %.0f s.", q.AtStop, q.BackstopsAtStop, q.After, q.DrainedSeconds)
	}
	fmt.Fprintln(w)
}

func uniqueSorted(xs []int) []int {
	sort.Ints(xs)
	out := xs[:0]
	for i, x := range xs {
		if x > 0 && (i == 0 || x != xs[i-1]) {
			out = append(out, x)
		}
	}
	return out
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

var (
	tpsRe = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	latRe = regexp.MustCompile(`latency average = ([0-9.]+) ms`)
)

func pgbench(ctx context.Context, bin, url string, clients int, d time.Duration) (Result, error) {
	jobs := min(clients, 2)
	// -l logs every transaction's latency, for p50 and p99.
	dir, err := os.MkdirTemp("", "pgbench")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, bin, "-c", strconv.Itoa(clients), "-j", strconv.Itoa(jobs), "-T", strconv.Itoa(int(d.Seconds())),
		"-l", "--log-prefix", dir+"/log", url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return Result{}, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return Result{}, fmt.Errorf("pgbench: no tps in\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	r := Result{Phase: "pgbench", Clients: clients, PerSec: tps, Ratio: 1}
	// Per-transaction log lines: client_id transaction_no time(µs) script_no time_epoch time_us.
	var lat []time.Duration
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		b, err := os.ReadFile(dir + "/" + f.Name())
		if err != nil {
			return Result{}, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			if len(fs) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fs[2], 10, 64)
			if err == nil {
				lat = append(lat, time.Duration(us)*time.Microsecond)
			}
		}
	}
	r.Ops = int64(len(lat))
	if len(lat) == 0 {
		if m := latRe.FindSubmatch(out); m != nil {
			r.P50ms, _ = strconv.ParseFloat(string(m[1]), 64)
		}
		return r, nil
	}
	r.P50ms, r.P99ms = percentiles(lat)
	return r, nil
}

func percentiles(lat []time.Duration) (p50, p99 float64) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	at := func(q float64) float64 {
		i := int(q * float64(len(lat)-1))
		return float64(lat[i]) / float64(time.Millisecond)
	}
	return at(0.50), at(0.99)
}

// setup funds the wallets the workloads spend from.
func setup(ctx context.Context, db *gorm.DB) error {
	return store.InTx(ctx, db, func(tx *gorm.DB) error {
		for i := int64(1); i <= wallets; i++ {
			if _, err := ledger.Post(ctx, tx, models.Transfer{Key: fmt.Sprintf("bench-fund-%d", i), Kind: "bench.fund",
				Postings: models.Move(models.AccBankCollection, spreadWallet(i), models.FromFen(100_000_000))}); err != nil {
				return err
			}
		}
		_, err := ledger.Post(ctx, tx, models.Transfer{Key: "bench-fund-shared", Kind: "bench.fund",
			Postings: models.Move(models.AccBankCollection, sharedWallet, models.FromFen(1_000_000_000_000))})
		return err
	})
}

func spreadWallet(i int64) string { return models.WalletAccount(1_000_000 + i) }

var sharedWallet = models.WalletAccount(999_999)

var runSeq atomic.Int64

// transfer returns the n-th transfer of workload w by caller.
func transfer(w string, run, caller, n int64, rng *rand.Rand) models.Transfer {
	key := fmt.Sprintf("bench-%d-%d-%d", run, caller, n)
	switch w {
	case "spread":
		a := rng.Int64N(wallets) + 1
		b := rng.Int64N(wallets-1) + 1
		if b >= a {
			b++
		}
		return models.Transfer{Key: key, Kind: "bench.spread", Postings: models.Move(spreadWallet(a), spreadWallet(b), models.FromFen(1))}
	case "hot":
		return models.Transfer{Key: key, Kind: "bench.hot", Postings: []models.Posting{
			{Account: models.AccBankCollection, Direction: models.Debit, Amount: models.FromFen(100)},
			{Account: models.WalletAccount(2_000_000 + caller), Direction: models.Credit, Amount: models.FromFen(99)},
			{Account: models.AccRevenueFees, Direction: models.Credit, Amount: models.FromFen(1)},
		}}
	default: // shared
		return models.Transfer{Key: key, Kind: "bench.shared",
			Postings: models.Move(sharedWallet, models.WalletAccount(3_000_000+caller), models.FromFen(1))}
	}
}

func runLedger(ctx context.Context, db *gorm.DB, b *ledger.Batcher, w, mode string, clients int, d time.Duration) Result {
	run := runSeq.Add(1)
	r := Result{Phase: "ledger/" + w + "/" + mode, Clients: clients}
	var (
		mu   sync.Mutex
		all  []time.Duration
		errs atomic.Int64
		wg   sync.WaitGroup
	)
	// Accounts a workload creates on first use are created before timing.
	for c := int64(0); c < int64(clients); c++ {
		t := transfer(w, run, c, -1, rand.New(rand.NewPCG(uint64(c), 0)))
		_ = store.InTx(ctx, db, func(tx *gorm.DB) error { _, err := ledger.Post(ctx, tx, t); return err })
	}
	start := time.Now()
	deadline := start.Add(d)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(caller int64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(caller), uint64(run)))
			var lat []time.Duration
			for n := int64(0); time.Now().Before(deadline); n++ {
				t := transfer(w, run, caller, n, rng)
				t0 := time.Now()
				var err error
				if mode == "batch" {
					_, err = b.Submit(ctx, t)
				} else {
					err = store.InTx(ctx, db, func(tx *gorm.DB) error { _, err := ledger.Post(ctx, tx, t); return err })
				}
				if err != nil {
					if errs.Add(1) == 1 {
						fmt.Fprintf(os.Stderr, "bench: %s: %v\n", r.Phase, err)
					}
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}(int64(c))
	}
	wg.Wait()
	elapsed := time.Since(start)
	r.Ops, r.Errors = int64(len(all)), errs.Load()
	r.PerSec = float64(r.Ops) / elapsed.Seconds()
	if len(all) > 0 {
		r.P50ms, r.P99ms = percentiles(all)
	}
	return r
}

// recreate drops database name when it exists and creates it empty.
func recreate(ctx context.Context, adminURL, name string) error {
	c, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("bench: connect: %w", err)
	}
	defer c.Close(ctx)
	id := pgx.Identifier{name}.Sanitize()
	if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("bench: drop %s: %w", name, err)
	}
	if _, err := c.Exec(ctx, "CREATE DATABASE "+id+devdb.CreateOptions); err != nil {
		return fmt.Errorf("bench: create %s: %w", name, err)
	}
	return nil
}
