package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/mpesa/reconcile"
)

// runReconcile is `kikundi reconcile statement [--json] FILE`: load an M-Pesa organisation
// statement, compare it with the platform book, print the report. Exit 0 when the two
// agree, 1 when they differ (the report lists how), 2 when the comparison could not run.
func runReconcile(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "statement" {
		return &usageError{msg: "reconcile needs a subcommand: statement [--json] FILE", usage: printUsage}
	}
	f := newFlags("reconcile statement", "[--json] FILE",
		"Loads an M-Pesa organisation statement (CSV, as downloaded from the M-Pesa portal) and\n"+
			"compares every completed receipt with the platform book: matched, missing from the\n"+
			"books, missing from M-Pesa, amounts that differ, and money held in suspense.\n"+
			"Exit 0 when they agree, 1 when they differ, 2 when the comparison could not run.")
	asJSON := f.Bool("json", false, "print the report as JSON")
	if err := f.parse(args[1:], e.stdout); err != nil {
		return err
	}
	if f.NArg() == 0 {
		return &usageError{msg: "reconcile statement needs a FILE", usage: f.usage}
	}
	path := f.Arg(0)
	if err := f.parse(f.Args()[1:], e.stdout); err != nil { // flags after FILE too
		return err
	}
	if f.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("reconcile statement takes one FILE, got also %q", f.Arg(0)), usage: f.usage}
	}

	file, err := os.Open(path)
	if err != nil {
		return withExitCode(2, fmt.Errorf("open statement: %w", err))
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return withExitCode(2, fmt.Errorf("open statement: %w", err))
	}
	cfg, err := loadConfig(e.getenv, "reconcile")
	if err != nil {
		return withExitCode(2, err)
	}
	db, err := openPostgres(ctx, cfg)
	if err != nil {
		return withExitCode(2, err)
	}
	defer func() { _ = database.ClosePostgres(db) }()

	bar := newLoadProgress(e.stderr, filepath.Base(path), info.Size())
	runID, err := reconcile.Load(ctx, db, &countingReader{r: file, n: &bar.read}, path, bar.update)
	bar.finish(err == nil)
	if err != nil {
		return withExitCode(2, err)
	}
	// The lines are only working material: dropped whatever the outcome, the report kept.
	defer func() {
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := reconcile.DropLines(cleanup, db, runID); err != nil {
			fmt.Fprintf(e.stderr, "kikundi: warning: %v\n", err)
		}
	}()

	fmt.Fprintf(e.stderr, "matching run %d against the platform book...\n", runID)
	rep, err := reconcile.Match(ctx, db, runID)
	if err != nil {
		return withExitCode(2, err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return withExitCode(2, fmt.Errorf("write report: %w", err))
		}
	} else {
		rep.WriteText(e.stdout)
	}
	if !rep.Clean() {
		return withExitCode(1, nil)
	}
	return nil
}

// countingReader counts the bytes read through it, for the progress bar.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// loadProgress shows a load's progress on w: one line redrawn in place on a terminal,
// a plain line every few seconds otherwise (a log file or a CI job).
type loadProgress struct {
	w        io.Writer
	name     string
	size     int64
	terminal bool
	started  time.Time
	read     atomic.Int64 // bytes of the file read so far

	lines atomic.Int64
	shown time.Time
}

func newLoadProgress(w io.Writer, name string, size int64) *loadProgress {
	return &loadProgress{w: w, name: name, size: size, terminal: isTerminal(w), started: time.Now()}
}

// update is Load's progress function.
func (p *loadProgress) update(lines int64) {
	p.lines.Store(lines)
	every := 2 * time.Second
	if p.terminal {
		every = 100 * time.Millisecond
	}
	if now := time.Now(); now.Sub(p.shown) >= every {
		p.shown = now
		p.draw("")
	}
}

// finish draws the final state and ends the line.
func (p *loadProgress) finish(ok bool) {
	verdict := "failed"
	if ok {
		verdict = "loaded"
	}
	p.draw(verdict)
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}

func (p *loadProgress) draw(verdict string) {
	elapsed := time.Since(p.started)
	lines := p.lines.Load()
	rate := float64(lines) / max(elapsed.Seconds(), 1e-3)
	pct := 100.0
	if p.size > 0 {
		pct = min(100, 100*float64(p.read.Load())/float64(p.size))
	}
	msg := fmt.Sprintf("%s: %5.1f%%  %d lines  %.0f lines/s", p.name, pct, lines, rate)
	if verdict != "" {
		msg += fmt.Sprintf("  %s in %.1fs", verdict, elapsed.Seconds())
	}
	if p.terminal {
		fmt.Fprintf(p.w, "\r%-79s", msg) // padded to clear a longer line drawn before
		return
	}
	fmt.Fprintln(p.w, msg)
}

// isTerminal reports whether w is a character device: a person is watching.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
