package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"lineescrow/app/bench"
	"lineescrow/app/devdb"
)

// benchCmd is `lineescrow bench` (`make bench`): the ledger's throughput
// beside pgbench's on the same durable server, in one run; see app/bench.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "a URL of a durable PostgreSQL server (default: the project's bench cluster in .devdb/bench)")
	clients := fs.String("clients", "1,8,32,64", "numbers of concurrent callers")
	dur := fs.Duration("duration", 10*time.Second, "length of each measurement")
	scale := fs.Int("scale", 32, "pgbench's scale factor")
	workloads := fs.String("workloads", strings.Join(bench.Workloads, ","), "ledger workloads (none: skip the ledger phases)")
	modes := fs.String("modes", strings.Join(bench.Modes, ","), "ledger modes: post (one transaction each), batch (ledger.Batcher)")
	out := fs.String("json", "bench.json", "file for the results (empty: none)")
	httpPhases := fs.Bool("http", true, "also run the HTTP phases against a server the bench starts (bank callbacks, the escrow lifecycle)")
	senders := fs.String("senders", "8,32", "numbers of concurrent bank callback senders")
	lifecycle := fs.Int("lifecycle", 8, "callers of the lifecycle's peak (then 80% of that rate, open loop)")
	profiles := fs.String("profiles", "", "folder for CPU profiles of the server taken during each HTTP phase (empty: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cs, err := counts("clients", *clients)
	if err != nil {
		return err
	}
	ss, err := counts("senders", *senders)
	if err != nil {
		return err
	}
	c := devdb.Bench
	c.Install = true
	o := bench.Options{Clients: cs, Duration: *dur, Scale: *scale, Workloads: strings.Split(*workloads, ","), Modes: strings.Split(*modes, ","),
		Out: stdout, JSON: *out, Senders: ss, LifecycleCallers: *lifecycle, Profiles: *profiles}
	if *httpPhases {
		if o.ServerBin, err = os.Executable(); err != nil {
			return err
		}
	}
	if o.Pgbench, err = c.Tool(ctx, "pgbench"); err != nil {
		return err
	}
	if *url == "" {
		if *url, err = c.Start(ctx, ""); err != nil {
			return err
		}
	}
	o.AdminURL = *url
	_, err = bench.Run(ctx, o)
	return err
}

func counts(flag, list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bench: -%s: %q is not a number of callers", flag, f)
		}
		out = append(out, n)
	}
	return out, nil
}
