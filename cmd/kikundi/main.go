// Command kikundi is Kikundi's one binary and its only composition root: it reads the
// configuration, opens Postgres and Redis, builds the HTTP app and the Asynq workers,
// and owns the process's lifecycle and signals. `kikundi help` lists its commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the first signal shuts down gracefully; a second one kills at once
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(report(err, os.Stderr))
}

// env is what a command gets from its process, passed in so tests need not touch the
// process's own environment or output.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// commands lists every subcommand in the order `kikundi help` prints them.
func commands() []command {
	return []command{
		{"serve", "", "run the HTTP server: webhooks, health, metrics", runServe},
		{"work", "", "run the Asynq workers and the periodic scheduler", runWork},
		{"dev", "[--fresh]", "migrate, seed, then serve + work in one process on this machine", runDev},
		{"migrate", "up|down|status", "apply, roll back or list the embedded SQL migrations", runMigrate},
		{"ledger", "verify [--json]", "check every ledger invariant (exit 0 all hold, 1 broken, 2 could not run)", runLedger},
		{"dial", "[--phone +2547…] [--server URL] [CODE]", "a feature phone in the terminal, dialling the running server as Africa's Talking would", runDial},
		{"simulate", "daraja [--addr HOST:PORT]", "run the M-Pesa Daraja simulator alone", runSimulate},
		{"reconcile", "statement [--json] FILE", "match an M-Pesa organisation statement (CSV) against the books (exit 0 clean, 1 differences, 2 could not run)", runReconcile},
		{"payments", "stuck|repoll ID", "M-Pesa payments that need a person, and asking M-Pesa about one again", runPayments},
		{"sim-swap", "PHONE [TIME]", "record that a number's SIM changed (now, or at an RFC 3339 TIME): its payouts and approvals wait 72 hours", runSIMSwap},
		{"export-data", "PHONE", "everything kept about a person, as JSON (a data subject's request; works with consent withdrawn)", runExportData},
		{"tasks", "failed|retry ID|retry-all", "list background tasks that exhausted their retries, or run them again", runTasks},
		{"help", "", "show this list", nil},
	}
}

// run dispatches args to a subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		return &usageError{msg: "no command given", usage: printUsage}
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		printUsage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, e, args[1:])
		}
	}
	return &usageError{msg: fmt.Sprintf("unknown command %q", name), usage: printUsage}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: kikundi COMMAND [ARGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-26s %s\n", c.name+" "+c.args, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Configuration comes from KIKUNDI_* environment variables; every one has a default")
	fmt.Fprintln(w, "that works on a developer machine.")
}

// usageError is a command line that makes no sense. It exits 2 with the usage.
type usageError struct {
	msg   string
	usage func(io.Writer)
}

func (e *usageError) Error() string { return e.msg }

// exitError carries an exit code other than 1, for commands whose codes mean something
// to scripts (`ledger verify`: 1 broken, 2 could not run). A nil err exits silently,
// for a command that has already printed its report.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withExitCode makes err exit the process with code.
func withExitCode(code int, err error) error { return &exitError{code: code, err: err} }

// report prints err as one line and returns the exit code: 0 for success, 2 for a
// usage error, a command's own code, or 1.
func report(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	if ue, ok := errors.AsType[*usageError](err); ok {
		fmt.Fprintf(stderr, "kikundi: %s\n\n", ue.msg)
		ue.usage(stderr)
		return 2
	}
	code := 1
	if ee, ok := errors.AsType[*exitError](err); ok {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "kikundi: %s\n", oneLine(err.Error()))
	return code
}

// oneLine folds a multi-line error (pgx lists each address it tried; errors.Join puts
// one error per line) into the single line a terminal or a log collector expects.
func oneLine(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "; ")
}
