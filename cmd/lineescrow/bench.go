package main

import (
	"context"
	"flag"
	"fmt"
	"io"
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
	workloads := fs.String("workloads", strings.Join(bench.Workloads, ","), "ledger workloads")
	modes := fs.String("modes", strings.Join(bench.Modes, ","), "ledger modes: post (one transaction each), batch (ledger.Batcher)")
	out := fs.String("json", "bench.json", "file for the results (empty: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cs []int
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bench: -clients: %q is not a number of callers", f)
		}
		cs = append(cs, n)
	}
	c := devdb.Bench
	c.Install = true
	pgbench, err := c.Tool(ctx, "pgbench")
	if err != nil {
		return err
	}
	if *url == "" {
		if *url, err = c.Start(ctx, ""); err != nil {
			return err
		}
	}
	_, err = bench.Run(ctx, bench.Options{AdminURL: *url, Pgbench: pgbench, Clients: cs, Duration: *dur, Scale: *scale,
		Workloads: strings.Split(*workloads, ","), Modes: strings.Split(*modes, ","), Out: stdout, JSON: *out})
	return err
}
