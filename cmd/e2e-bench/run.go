package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/benchdb"
	"github.com/kikundi/kikundi/internal/httpserver"
	"github.com/kikundi/kikundi/ledger"
	"github.com/kikundi/kikundi/mpesa"
	"github.com/kikundi/kikundi/mpesa/sim"
	"github.com/kikundi/kikundi/workers"
)

const token = "bench"

// queueOnto enqueues every task onto the bench's own queue.
type queueOnto struct {
	c *asynq.Client
	q string
}

func (o queueOnto) Enqueue(t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	return o.c.Enqueue(t, append(opts, asynq.Queue(o.q))...)
}

// noLedgerUpkeep: chaining and verification are not part of what is measured.
type noLedgerUpkeep struct{}

func (noLedgerUpkeep) ChainPending(context.Context, int) (int, error)      { return 0, nil }
func (noLedgerUpkeep) ExpireHolds(context.Context, time.Time) (int, error) { return 0, nil }
func (noLedgerUpkeep) VerifyAll(context.Context) (bool, string, error)     { return true, "", nil }

func run(ctx context.Context, o options) error {
	db, done, err := benchdb.Open(ctx, "kikundi_bench_e2e", 64, o.keep)
	if err != nil {
		return err
	}
	defer done()
	logger := slog.New(slog.DiscardHandler)

	// The simulator answers at once: what is measured is our side.
	creds := sim.Options{Shortcode: "174379", ConsumerKey: "key", ConsumerSecret: "secret", Passkey: "passkey",
		Initiator: "initiator", InitiatorPassword: "pw", Seed: 1, CallbackDelay: time.Millisecond}
	simulator, err := sim.New(creds)
	if err != nil {
		return err
	}
	defer simulator.Close()
	simURL, stopSim, err := serve(simulator.App())
	if err != nil {
		return err
	}
	defer stopSim()

	redisOpt, err := asynq.ParseRedisURI(benchdb.Env("KIKUNDI_REDIS_URL", "redis://127.0.0.1:6379/0"))
	if err != nil {
		return err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	queue := "bench-" + hex.EncodeToString(b)
	aq := asynq.NewClient(redisOpt)
	defer aq.Close()
	defer func() {
		insp := asynq.NewInspector(redisOpt)
		_ = insp.DeleteQueue(queue, true)
		_ = insp.Close()
	}()

	// Our side listens only once its routes are mounted: Fiber builds its routing tree when
	// it starts serving.
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	appURL := "http://" + appLn.Addr().String()
	client, err := mpesa.NewClient(mpesa.Config{BaseURL: simURL, ConsumerKey: creds.ConsumerKey, ConsumerSecret: creds.ConsumerSecret,
		Shortcode: creds.Shortcode, Passkey: creds.Passkey, Initiator: creds.Initiator, InitiatorPassword: creds.InitiatorPassword,
		CertPEM: simulator.CertificatePEM()})
	if err != nil {
		return err
	}
	payments, err := mpesa.NewService(mpesa.Options{DB: db, Client: client, Queue: queueOnto{aq, queue}, Logger: logger,
		Callbacks: mpesa.CallbacksAt(appURL, token)})
	if err != nil {
		return err
	}
	groups := chama.New(chama.Options{DB: db, Logger: logger})
	payments.Mount(app.Group("/hooks/daraja", httpserver.RequireHookToken(token)), func(context.Context, string) (bool, error) { return true, nil })
	go func() { _ = app.Listener(appLn) }()
	defer func() { _ = app.ShutdownWithTimeout(5 * time.Second) }()

	phones, err := seed(ctx, groups, o)
	if err != nil {
		return err
	}
	mux, err := workers.NewMux(workers.Deps{Ledger: noLedgerUpkeep{}, Groups: groups, Payments: payments, Books: groups, Logger: logger})
	if err != nil {
		return err
	}
	cfg := workers.ServerConfig(logger, 10*time.Second)
	cfg.Concurrency, cfg.Queues = o.workers, map[string]int{queue: 1}
	srv := asynq.NewServer(redisOpt, cfg)
	if err := srv.Start(mux); err != nil {
		return err
	}
	defer srv.Shutdown()

	fmt.Fprintf(os.Stderr, "e2e-bench: %d contributions, %d in flight, %d/s (0: unpaced), %d groups × %d members, %d workers\n",
		o.contributions, o.concurrency, o.rate, o.groups, o.members, o.workers)
	start := time.Now()
	var tick <-chan time.Time
	if o.rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(o.rate))
		defer t.Stop()
		tick = t.C
	}
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range o.concurrency {
		wg.Go(func() {
			for {
				if tick != nil {
					<-tick
				}
				i := int(next.Add(1)) - 1
				if i >= o.contributions || ctx.Err() != nil {
					return
				}
				p := phones[i%len(phones)]
				if _, err := payments.Collect(ctx, mpesa.Collection{Group: p.group, Phone: p.phone, Amount: decimal.NewFromInt(100)}); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	pushed := time.Since(start)
	settled, err := waitSettled(ctx, db, o.contributions-int(failed.Load()), 2*time.Minute)
	elapsed := time.Since(start)
	if err != nil {
		return err
	}
	return report(ctx, db, o, settled, failed.Load(), pushed, elapsed)
}

type member struct{ group, phone string }

// seed makes the groups and their consenting members.
func seed(ctx context.Context, groups *chama.Service, o options) ([]member, error) {
	var out []member
	for g := range o.groups {
		code := fmt.Sprintf("BENCH%d", g+1)
		for m := range o.members {
			ph := fmt.Sprintf("07%08d", 20000000+g*1000+m)
			a := chama.Actor{Phone: ph, Channel: chama.System}
			if _, err := groups.Register(ctx, ph, fmt.Sprintf("Member %d-%d", g+1, m+1), "sw"); err != nil {
				return nil, err
			}
			if err := groups.GiveConsent(ctx, a); err != nil {
				return nil, err
			}
			if m == 0 {
				if _, err := groups.CreateGroup(ctx, a, chama.NewGroup{Code: code, Name: code, Rules: rules.Default()}); err != nil {
					return nil, err
				}
			} else {
				chair := chama.Actor{Phone: fmt.Sprintf("07%08d", 20000000+g*1000), Channel: chama.System}
				if _, err := groups.Invite(ctx, chair, code, ph, "", chama.RoleMember); err != nil {
					return nil, err
				}
				if _, err := groups.Accept(ctx, a, code); err != nil {
					return nil, err
				}
			}
			out = append(out, member{code, ph})
		}
	}
	return out, nil
}

// waitSettled waits until want intents are settled, or nothing has moved for a while.
func waitSettled(ctx context.Context, db *gorm.DB, want int, patience time.Duration) (int, error) {
	last, lastChange := -1, time.Now()
	for {
		var n int
		if err := db.WithContext(ctx).Raw(`SELECT count(*) FROM mpesa_intents WHERE status = 'settled'`).Scan(&n).Error; err != nil {
			return n, err
		}
		if n >= want {
			return n, nil
		}
		if n != last {
			last, lastChange = n, time.Now()
		} else if time.Since(lastChange) > patience {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func report(ctx context.Context, db *gorm.DB, o options, settled int, failed int64, pushed, elapsed time.Duration) error {
	var lat []float64
	if err := db.WithContext(ctx).Raw(`SELECT extract(epoch FROM (e.at - c.received_at)) * 1000
		FROM mpesa_callbacks c JOIN mpesa_intent_events e ON e.intent_id = c.intent_id AND e.to_status = 'settled'
		WHERE c.kind = 'stk'`).Scan(&lat).Error; err != nil {
		return err
	}
	sort.Float64s(lat)
	p := func(q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(q*float64(len(lat))))]
	}
	var entries, receipts int
	if err := db.WithContext(ctx).Raw(`SELECT count(*), count(DISTINCT refs->>'mpesa_receipt') FROM ledger_entries WHERE kind = 'contribution'`).
		Row().Scan(&entries, &receipts); err != nil {
		return err
	}
	rep, err := ledger.New(db).Verify(ctx)
	if err != nil {
		return err
	}
	lost := o.contributions - int(failed) - settled
	fmt.Fprintf(os.Stderr, "pushes sent in %s; all settled after %s; %d refused by M-Pesa; callback→posted p50 %.1f ms p99 %.1f ms max %.1f ms; ledger verify ok=%v\n",
		pushed.Round(time.Millisecond), elapsed.Round(time.Millisecond), failed, p(0.5), p(0.99), p(1), rep.OK)
	fmt.Printf("e2e-bench: contributions_per_s=%.0f p99_callback_to_posted_ms=%.1f lost=%d duplicated=%d\n",
		float64(settled)/elapsed.Seconds(), p(0.99), lost, entries-receipts)
	if !rep.OK {
		return fmt.Errorf("ledger verify failed after the run")
	}
	return nil
}

func serve(app *fiber.App) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() { _ = app.Listener(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = app.ShutdownWithTimeout(5 * time.Second) }, nil
}
