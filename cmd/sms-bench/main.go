// Command sms-bench measures reminders at scale: 100,000 members in 1,000 groups, each
// with a contribution due in two days, are reminded by one sms.Reminders run (timed:
// stored and enqueued into Asynq), then an Asynq server sends every message through
// sms.Outbox.Send to the sandbox provider (timed: messages a second, from the server's
// start to the last message sent). Its last line is the one scripts read (CONTRACT.md):
//
//	sms-bench: reminders=N enqueue_s=X send_per_s=N
//
// It works in a database of its own (kikundi_bench_sms) and an Asynq queue of its own,
// both removed at the end. The targets: enqueue_s at most 20, send_per_s at least 1,000.
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
	members int
	groups  int
	workers int
	keep    bool
}

func main() {
	var o options
	flag.IntVar(&o.members, "members", 100000, "members to remind")
	flag.IntVar(&o.groups, "groups", 1000, "groups they belong to (members divided evenly)")
	flag.IntVar(&o.workers, "workers", 64, "Asynq worker concurrency for sending")
	flag.BoolVar(&o.keep, "keep", false, "keep the bench database afterwards")
	flag.Parse()
	if o.groups < 1 || o.members < o.groups {
		fmt.Fprintln(os.Stderr, "sms-bench: need at least one member per group")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "sms-bench:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "(whole run %s)\n", time.Since(start).Round(time.Second))
}
