// Command ussd-bench measures USSD hops end to end on this machine: the Africa's Talking
// adapter, the Redis session, a menu that reads the database, and the renderer; and, in
// the same run with the same load generator, a bare Fiber endpoint that answers a
// constant CON screen. Its last line is the one scripts read (CONTRACT.md):
//
//	ussd-bench: bare_rps=N hop_rps=N ratio=X p99_ms=X rss_mb=N
//
// Each virtual phone dials (the group's menu: memberships and approvals read from
// Postgres) and asks for its balance (the member's position computed from the books), then
// dials again. It works in a database of its own (kikundi_bench_ussd) and a Redis key
// prefix of its own, both removed at the end. The server under test (the webhooks and
// the bare endpoint on one Fiber app) runs in a child process, this binary re-executed,
// so rss_mb is the server's own peak (VmHWM) and not the load generator's; the load
// generator is a fasthttp client with one keep-alive connection per session worker.
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
	concurrency int
	duration    time.Duration
	members     int
	keep        bool
	cpuprofile  string
	pgConns     int
	think       time.Duration
	serverEnv   string
}

func main() {
	var o options
	flag.IntVar(&o.concurrency, "c", 200, "concurrent sessions")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "how long each phase runs")
	flag.IntVar(&o.members, "members", 200, "members (in groups of 10) the phones dial as")
	flag.BoolVar(&o.keep, "keep", false, "keep the bench database afterwards")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the hop phase to this file")
	flag.DurationVar(&o.think, "think", 0, "pace each session like a person (0.5 to 1.5 times this between hops) and run only the hop phase; 0: as fast as the server answers")
	flag.IntVar(&o.pgConns, "pgconns", 16, "the server's Postgres pool size (a few per core: more only queue inside Postgres)")
	flag.StringVar(&o.serverEnv, "server-env", "", "extra environment for the server process, comma-separated KEY=VALUE (e.g. GOGC=200)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if os.Getenv(serverEnv) != "" {
		if err := serve(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "ussd-bench server:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "ussd-bench:", err)
		os.Exit(1)
	}
}
