package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/workers"
)

// runTasks is `kikundi tasks failed|retry ID|retry-all`: background work that exhausted its
// retries stays in Asynq's archive; this is how an operator sees it and runs it again
// (every handler is idempotent, so running a task again never does its work twice).
func runTasks(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "tasks needs a subcommand: failed, retry ID or retry-all", usage: printUsage}
	}
	cfg, err := loadConfig(e.getenv, "tasks")
	if err != nil {
		return err
	}
	opt, err := asynqRedis(cfg)
	if err != nil {
		return err
	}
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	queues := []string{workers.QueueCritical, workers.QueueDefault, workers.QueueLow}
	switch {
	case args[0] == "failed" && len(args) == 1:
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "queue\tid\ttype\ttries\tfailed at\tlast error")
		n := 0
		for _, q := range queues {
			tasks, err := insp.ListArchivedTasks(q, asynq.PageSize(200))
			if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
				return err
			}
			for _, t := range tasks {
				n++
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", q, t.ID, t.Type, t.Retried, t.LastFailedAt.Format("2006-01-02 15:04:05"), t.LastErr)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d failed task(s); `kikundi tasks retry ID` or `retry-all` runs them again\n", n)
		return nil
	case args[0] == "retry" && len(args) == 2:
		for _, q := range queues {
			err := insp.RunTask(q, args[1])
			if err == nil {
				fmt.Fprintf(e.stdout, "task %s queued again on %s\n", args[1], q)
				return nil
			}
			if !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
				return err
			}
		}
		return fmt.Errorf("no archived task %s", args[1])
	case args[0] == "retry-all" && len(args) == 1:
		total := 0
		for _, q := range queues {
			n, err := insp.RunAllArchivedTasks(q)
			if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
				return err
			}
			total += n
		}
		fmt.Fprintf(e.stdout, "%d task(s) queued again\n", total)
		return nil
	}
	return &usageError{msg: "tasks: failed, retry ID or retry-all", usage: printUsage}
}
