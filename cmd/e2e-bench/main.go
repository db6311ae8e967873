// Command e2e-bench measures contributions end to end, the way they happen in production
// but all on this machine: an STK push to the Daraja simulator, the simulator's callback
// to our webhook, the Asynq worker settling it into the chama and the ledger. Its last
// line is the one scripts read (CONTRACT.md):
//
//	e2e-bench: contributions_per_s=N p99_callback_to_posted_ms=X lost=0 duplicated=0
//
// It works in a database of its own (kikundi_bench_e2e) and an Asynq queue of its own,
// both removed at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

type options struct {
	contributions int
	concurrency   int
	groups        int
	members       int
	workers       int
	rate          int
	keep          bool
}

func main() {
	var o options
	flag.IntVar(&o.contributions, "n", 3000, "contributions to make")
	flag.IntVar(&o.concurrency, "c", 32, "STK pushes in flight at once")
	flag.IntVar(&o.groups, "groups", 20, "groups the members belong to")
	flag.IntVar(&o.members, "members", 10, "members per group")
	flag.IntVar(&o.workers, "workers", 32, "Asynq worker concurrency")
	flag.IntVar(&o.rate, "rate", 0, "pushes started per second (0: as fast as they go); at a rate the system sustains, the latency is the service time, not a backlog")
	flag.BoolVar(&o.keep, "keep", false, "keep the bench database afterwards")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "e2e-bench:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "(whole run %s)\n", time.Since(start).Round(time.Second))
}
