// Command ledger-bench measures the ledger against pgbench's built-in TPC-B on the same
// Postgres, with the same number of clients, in one run, and prints the figures README.md
// quotes. Its last line is the one scripts read (CONTRACT.md):
//
//	ledger-bench: tpcb_tps=N uniform_tps=N hot_tps=N uniform_ratio=X hot_ratio=X p99_ms=X
//
// It works in two databases of its own (kikundi_bench and kikundi_bench_pgbench) on the
// server of KIKUNDI_DATABASE_URL, created fresh and dropped at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/internal/procstat"
	"github.com/kikundi/kikundi/ledger"
	"github.com/kikundi/kikundi/migrations"
)

type options struct {
	clients  int
	duration time.Duration
	accounts int
	scale    int
	batch    int
	keep     bool
	phases   string
	flushers int
	profile  string
}

func main() {
	var o options
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients, for pgbench and the ledger alike")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long each measured phase runs")
	flag.IntVar(&o.accounts, "accounts", 10000, "accounts the uniform transfers spread over")
	flag.IntVar(&o.scale, "scale", 10, "pgbench scale factor (10 = 10 branches, 1M accounts)")
	flag.IntVar(&o.batch, "batch", 50, "transfers per commit on the hot-account batch path")
	flag.BoolVar(&o.keep, "keep", false, "keep the bench databases afterwards")
	flag.IntVar(&o.flushers, "flushers", 2, "Batcher flusher goroutines")
	flag.StringVar(&o.phases, "phases", "tpcb,direct,batcher,hot,floor",
		"which phases to run (the CONTRACT line needs the first four; floor measures Postgres alone, without the ledger's Go side)")
	flag.StringVar(&o.profile, "cpuprofile", "", "write the bench process's CPU profile of the ledger phases to this file")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "ledger-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	base := os.Getenv("KIKUNDI_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/kikundi?sslmode=disable"
	}
	benchURL, pgbURL := database.WithName(base, "kikundi_bench"), database.WithName(base, "kikundi_bench_pgbench")
	for _, name := range []string{"kikundi_bench", "kikundi_bench_pgbench"} {
		if err := database.Recreate(ctx, base, name); err != nil {
			return err
		}
		if !o.keep {
			defer database.Drop(base, name)
		}
	}

	want := func(phase string) bool { return slices.Contains(strings.Split(o.phases, ","), phase) }
	var tpcb float64
	if want("tpcb") {
		fmt.Printf("pgbench TPC-B: scale %d, %d clients, %s\n", o.scale, o.clients, o.duration)
		var err error
		if tpcb, err = pgbenchTPCB(ctx, pgbURL, o); err != nil {
			return err
		}
		fmt.Printf("  tps %.0f\n", tpcb)
	}

	db, err := database.OpenPostgres(ctx, benchURL, database.PostgresOptions{MaxOpenConns: o.clients + 4})
	if err != nil {
		return err
	}
	defer database.ClosePostgres(db) //nolint:errcheck
	sqlDB, _ := db.DB()
	if err := migrations.Up(ctx, sqlDB, nil); err != nil {
		return err
	}
	l := ledger.New(db)
	fx, err := setup(ctx, l, db, o.accounts)
	if err != nil {
		return err
	}

	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var direct, grouped, hot result
	if want("direct") {
		fmt.Printf("ledger, uniform two-leg transfers over %d accounts, one Post (one round trip, one commit) each\n", o.accounts)
		direct = measure(ctx, o.clients, o.duration, func(ctx context.Context, c, i int, r *rng) (int, error) {
			_, err := l.Post(ctx, fx.transfer(fmt.Sprintf("u:%d:%d", c, i), r))
			return 1, err
		})
		direct.print()
	}
	if want("batcher") {
		fmt.Printf("ledger, the same through a Batcher (group commit of concurrent Posts; %d flushers, up to %d a commit)\n", o.flushers, o.clients)
		b := ledger.NewBatcher(l, o.flushers, o.clients)
		grouped = measure(ctx, o.clients, o.duration, func(ctx context.Context, c, i int, r *rng) (int, error) {
			_, err := b.Post(ctx, fx.transfer(fmt.Sprintf("g:%d:%d", c, i), r))
			return 1, err
		})
		b.Close()
		grouped.print()
		if st := b.Stats(); st.Batches > 0 {
			fmt.Printf("  %d batches, %.1f entries a commit on average\n", st.Batches, float64(st.Entries)/float64(st.Batches))
		}
	}
	if want("hot") {
		fmt.Printf("ledger, every transfer crediting one hot account, PostBatch of %d a commit\n", o.batch)
		hot = measure(ctx, o.clients, o.duration, func(ctx context.Context, c, i int, r *rng) (int, error) {
			reqs := make([]ledger.EntryRequest, o.batch)
			for j := range reqs {
				reqs[j] = fx.toHot(fmt.Sprintf("h:%d:%d:%d", c, i, j), r)
			}
			for _, res := range l.PostBatch(ctx, reqs) {
				if res.Err != nil {
					return 0, res.Err
				}
			}
			return o.batch, nil
		})
		hot.print()
	}

	if want("floor") {
		bare, floor, err := floors(ctx, db, benchURL, fx, o)
		if err != nil {
			return err
		}
		if tpcb > 0 {
			fmt.Printf("  against TPC-B: bare transfer %.2fx, ledger_post without Go %.2fx\n", bare/tpcb, floor/tpcb)
		}
	}

	if err := chainAndVerify(ctx, l); err != nil {
		return err
	}

	// The uniform figure is the better of the two ways a caller posts single transfers.
	uniform := direct
	if grouped.tps > uniform.tps {
		uniform = grouped
	}
	fmt.Printf("ledger-bench: tpcb_tps=%.0f uniform_tps=%.0f hot_tps=%.0f uniform_ratio=%.2f hot_ratio=%.2f p99_ms=%.2f\n",
		tpcb, uniform.tps, hot.tps, ratio(uniform.tps, tpcb), ratio(hot.tps, tpcb), ms(uniform.p99))
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// chainAndVerify proves the books the benchmark wrote are intact, and times the chainer
// on the backlog the run left.
func chainAndVerify(ctx context.Context, l *ledger.Ledger) error {
	start, total := time.Now(), 0
	for {
		n, err := l.ChainPending(ctx, 2000)
		if err != nil {
			return err
		}
		total += n
		if n == 0 {
			break
		}
	}
	chainTime := time.Since(start)
	fmt.Printf("hash chain: %d entries chained in %s (%.0f entries/s)\n", total, chainTime.Round(time.Millisecond),
		float64(total)/chainTime.Seconds())
	rep, err := l.Verify(ctx)
	if err != nil {
		return err
	}
	if !rep.OK {
		rep.WriteText(os.Stdout)
		return fmt.Errorf("the benchmark's books do not verify")
	}
	fmt.Printf("ledger verify: every invariant holds (%d ms)\n", rep.DurationMS)
	return nil
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

func pgbenchTPCB(ctx context.Context, dbURL string, o options) (float64, error) {
	if _, err := exec.LookPath("pgbench"); err != nil {
		return 0, fmt.Errorf("pgbench not found on PATH (make bench-ledger sets it up): %w", err)
	}
	init := exec.CommandContext(ctx, "pgbench", "-i", "-q", "-s", strconv.Itoa(o.scale), dbURL)
	if out, err := init.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("pgbench -i: %w\n%s", err, out)
	}
	r, err := runPgbench(ctx, "-c", strconv.Itoa(o.clients), "-j", "2", "-T", strconv.Itoa(int(o.duration.Seconds())), dbURL)
	if err != nil {
		return 0, err
	}
	// pgbench's backends exit with it, taking their CPU counters: Postgres's share is
	// the machine's busy time less pgbench's own.
	if n := r.tps * r.seconds; n > 0 {
		fmt.Printf("  CPU per transaction: pgbench %.0f µs, its postgres backends and the rest of the machine %.0f µs\n",
			r.client/n*1e6, (r.busy-r.client)/n*1e6)
	}
	return r.tps, nil
}

// pgbenchRun is what one pgbench run measured: its transactions a second, how long it
// ran, and the CPU seconds the machine and pgbench itself used meanwhile.
type pgbenchRun struct {
	tps, seconds, busy, client float64
}

// runPgbench runs pgbench with args and reads its tps line.
func runPgbench(ctx context.Context, args ...string) (pgbenchRun, error) {
	cmd := exec.CommandContext(ctx, "pgbench", args...)
	busy, start := procstat.BusySeconds(), time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return pgbenchRun{}, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	r := pgbenchRun{seconds: time.Since(start).Seconds(), busy: procstat.BusySeconds() - busy,
		client: (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return pgbenchRun{}, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	if r.tps, err = strconv.ParseFloat(string(m[1]), 64); err != nil {
		return pgbenchRun{}, err
	}
	return r, nil
}
