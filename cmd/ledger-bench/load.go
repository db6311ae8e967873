package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/procstat"
	"github.com/kikundi/kikundi/ledger"
)

type rng = rand.Rand

// fixture is the bench's chart: accounts that may not go negative, each funded from an
// equity account, and one hot account (a group's cash in a busy hour).
type fixture struct {
	book     int64
	accounts []int64
	hot      int64
	one      decimal.Decimal
}

func setup(ctx context.Context, l *ledger.Ledger, db *gorm.DB, n int) (*fixture, error) {
	book, err := l.CreateBook(ctx, "bench", "benchmark")
	if err != nil {
		return nil, err
	}
	funding, err := l.OpenAccount(ctx, ledger.AccountSpec{Book: book.ID, Code: "funding", Type: ledger.Equity, Currency: ledger.KES, AllowNegative: true})
	if err != nil {
		return nil, err
	}
	hot, err := l.OpenAccount(ctx, ledger.AccountSpec{Book: book.ID, Code: "hot", Type: ledger.Liability, Currency: ledger.KES})
	if err != nil {
		return nil, err
	}
	// Opening 10,000 accounts one transaction each is not what is measured: one INSERT.
	if err := db.WithContext(ctx).Exec(`INSERT INTO ledger_accounts (book_id, code, type, currency, allow_negative)
		SELECT ?, 'm' || g, 'liability', 'KES', false FROM generate_series(1, ?) g`, book.ID, n).Error; err != nil {
		return nil, fmt.Errorf("open accounts: %w", err)
	}
	fx := &fixture{book: book.ID, hot: hot.ID, one: decimal.NewFromInt(1)}
	if err := db.WithContext(ctx).Raw(`SELECT id FROM ledger_accounts WHERE book_id = ? AND code LIKE 'm%' ORDER BY id`, book.ID).
		Scan(&fx.accounts).Error; err != nil {
		return nil, err
	}
	float := decimal.NewFromInt(1_000_000)
	for start := 0; start < len(fx.accounts); start += 500 {
		var reqs []ledger.EntryRequest
		for _, a := range fx.accounts[start:min(start+500, len(fx.accounts))] {
			reqs = append(reqs, ledger.EntryRequest{Key: fmt.Sprintf("fund:%d", a), Book: book.ID, Kind: "funding", Currency: ledger.KES,
				Legs: []ledger.Leg{ledger.Debit(funding.ID, float), ledger.Credit(a, float)}})
		}
		for _, r := range l.PostBatch(ctx, reqs) {
			if r.Err != nil {
				return nil, fmt.Errorf("fund accounts: %w", r.Err)
			}
		}
	}
	return fx, nil
}

// transfer moves 1.00 between two different random accounts (a member paying another).
func (f *fixture) transfer(key string, r *rng) ledger.EntryRequest {
	a := f.accounts[r.IntN(len(f.accounts))]
	b := f.accounts[r.IntN(len(f.accounts))]
	for b == a {
		b = f.accounts[r.IntN(len(f.accounts))]
	}
	return ledger.EntryRequest{Key: key, Book: f.book, Kind: "transfer", Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(a, f.one), ledger.Credit(b, f.one)}}
}

// toHot moves 1.00 from a random account into the hot one.
func (f *fixture) toHot(key string, r *rng) ledger.EntryRequest {
	return ledger.EntryRequest{Key: key, Book: f.book, Kind: "contribution", Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(f.accounts[r.IntN(len(f.accounts))], f.one), ledger.Credit(f.hot, f.one)}}
}

// result is one measured phase.
type result struct {
	ops      int
	errors   int
	elapsed  time.Duration
	tps      float64
	p50, p99 time.Duration
	firstErr error
	cpu      string // where the machine's CPU went, per transfer
}

func (r result) print() {
	fmt.Printf("  transfers %d in %s: %.0f/s, latency per call p50 %.2f ms p99 %.2f ms, errors %d\n",
		r.ops, r.elapsed.Round(time.Millisecond), r.tps, ms(r.p50), ms(r.p99), r.errors)
	if r.cpu != "" {
		fmt.Printf("  CPU per transfer: %s\n", r.cpu)
	}
	if r.firstErr != nil {
		fmt.Printf("  first error: %v\n", r.firstErr)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measure runs op from clients goroutines for d and reports throughput (op returns how
// many transfers it made) and the latency of each call.
func measure(ctx context.Context, clients int, d time.Duration, op func(ctx context.Context, client, i int, r *rng) (int, error)) result {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		res       result
		wg        sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	bench := procstat.CPUSeconds(os.Getpid())
	pg, busy := procstat.CPUByName("postgres")
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c)+1, 42))
			var lat []time.Duration
			ops, errs := 0, 0
			var first error
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				n, err := op(ctx, c, i, r)
				if ctx.Err() != nil {
					break // the deadline cut this call short: not a result
				}
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				ops += n
			}
			mu.Lock()
			latencies = append(latencies, lat...)
			res.ops += ops
			res.errors += errs
			if res.firstErr == nil {
				res.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.tps = float64(res.ops) / res.elapsed.Seconds()
	res.cpu = cpuSplit(res.ops, res.elapsed, bench, pg["postgres"], busy)
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		res.p50 = latencies[n/2]
		res.p99 = latencies[min(n-1, n*99/100)]
	}
	return res
}

// cpuSplit says where the machine's CPU went since the samples taken before a phase, per
// transfer: this process (the callers and the ledger's Go side), Postgres's processes,
// anything else running; and how much of the machine stood idle. On a shared machine it
// tells a cheaper transfer from quieter neighbours.
func cpuSplit(ops int, elapsed time.Duration, bench, pg, busy float64) string {
	if ops == 0 {
		return ""
	}
	pgNow, busyNow := procstat.CPUByName("postgres")
	bench = procstat.CPUSeconds(os.Getpid()) - bench
	pg = pgNow["postgres"] - pg
	busy = busyNow - busy
	n := float64(ops)
	idle := 1 - busy/(elapsed.Seconds()*float64(runtime.NumCPU()))
	return fmt.Sprintf("bench %.0f µs, postgres %.0f µs, rest of the machine %.0f µs; machine idle or stolen %.0f%%",
		bench/n*1e6, pg/n*1e6, (busy-bench-pg)/n*1e6, max(idle, 0)*100)
}
