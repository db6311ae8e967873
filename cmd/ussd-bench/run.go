package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/benchdb"
	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/ussd"
	"github.com/kikundi/kikundi/ussd/aggregator"
)

func run(ctx context.Context, o options) error {
	db, done, err := benchdb.Open(ctx, "kikundi_bench_ussd", 40, o.keep)
	if err != nil {
		return err
	}
	defer done()
	rdb, err := database.OpenRedis(ctx, benchdb.Env("KIKUNDI_REDIS_URL", "redis://127.0.0.1:6379/0"))
	if err != nil {
		return err
	}
	defer rdb.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "bench-ussd:" + hex.EncodeToString(b) + ":"
	defer func() {
		iter := rdb.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			rdb.Del(context.Background(), iter.Val())
		}
	}()

	groups := chama.New(chama.Options{DB: db})
	phones, err := seed(ctx, groups, o.members)
	if err != nil {
		return err
	}
	engine := ussd.New(ussd.Options{Store: ussd.NewRedisStore(rdb, prefix), Groups: groups})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	aggregator.Mount(app.Group("/hooks"), engine, nil, slog.New(slog.DiscardHandler))
	app.Post("/bare", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/plain")
		return c.SendString("CON Karibu Kikundi\n1. Changia\n2. Salio langu\n3. Taarifa fupi")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = app.Listener(ln) }()
	defer func() { _ = app.ShutdownWithTimeout(5 * time.Second) }()
	addr := "http://" + ln.Addr().String()

	fmt.Fprintf(os.Stderr, "ussd-bench: %d concurrent sessions, %s a phase, %d members\n", o.concurrency, o.duration, len(phones))
	bare := load(ctx, o, addr+"/bare", phones)
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	hops := load(ctx, o, addr+"/hooks/at/ussd", phones)
	if o.cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if hops.errors > 0 || bare.errors > 0 {
		return fmt.Errorf("%d hop errors, %d bare errors (first: %s)", hops.errors, bare.errors, hops.firstErr)
	}
	rss := peakRSSMB()
	fmt.Fprintf(os.Stderr, "bare: %.0f rps p50 %.2f ms p99 %.2f ms; hops: %.0f rps p50 %.2f ms p99 %.2f ms; peak RSS %d MB (load generator included)\n",
		bare.rps, bare.p(0.5), bare.p(0.99), hops.rps, hops.p(0.5), hops.p(0.99), rss)
	fmt.Printf("ussd-bench: bare_rps=%.0f hop_rps=%.0f ratio=%.2f p99_ms=%.2f rss_mb=%d\n",
		bare.rps, hops.rps, hops.rps/bare.rps, hops.p(0.99), rss)
	return nil
}

// seed registers members, ten to a group, each with consent and a PIN.
func seed(ctx context.Context, groups *chama.Service, n int) ([]string, error) {
	var phones []string
	for i := range n {
		ph := fmt.Sprintf("07%08d", 30000000+i)
		a := chama.Actor{Phone: ph, Channel: chama.System}
		if _, err := groups.Register(ctx, ph, "Member", "sw"); err != nil {
			return nil, err
		}
		if err := groups.GiveConsent(ctx, a); err != nil {
			return nil, err
		}
		if err := groups.SetPIN(ctx, a, "", "2580"); err != nil {
			return nil, err
		}
		code := fmt.Sprintf("USSD%d", i/10)
		if i%10 == 0 {
			if _, err := groups.CreateGroup(ctx, a, chama.NewGroup{Code: code, Name: code, Rules: rules.Default()}); err != nil {
				return nil, err
			}
		} else {
			chair := chama.Actor{Phone: fmt.Sprintf("07%08d", 30000000+i/10*10), Channel: chama.System}
			if _, err := groups.Invite(ctx, chair, code, ph, "", chama.RoleMember); err != nil {
				return nil, err
			}
			if _, err := groups.Accept(ctx, a, code); err != nil {
				return nil, err
			}
		}
		phones = append(phones, "+254"+ph[1:])
	}
	return phones, nil
}

type result struct {
	rps      float64
	lat      []float64 // ms, sorted
	errors   int64
	firstErr string
}

func (r result) p(q float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(q*float64(len(r.lat))))]
}

// load runs o.concurrency phones against url for o.duration: each session dials, then
// asks for the balance (2), then dials again with a new session.
func load(ctx context.Context, o options, target string, phones []string) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: o.concurrency * 2, MaxIdleConnsPerHost: o.concurrency * 2}, Timeout: 10 * time.Second}
	deadline := time.Now().Add(o.duration)
	var mu sync.Mutex
	var lat []float64
	var n, errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := range o.concurrency {
		wg.Go(func() {
			mine := make([]float64, 0, 4096)
			for s := 0; time.Now().Before(deadline) && ctx.Err() == nil; s++ {
				session := "b" + strconv.Itoa(w) + "-" + strconv.Itoa(s)
				phone := phones[(w+s)%len(phones)]
				for _, text := range []string{"", "2"} {
					t0 := time.Now()
					body, err := post(client, target, session, phone, text)
					mine = append(mine, float64(time.Since(t0).Microseconds())/1000)
					n.Add(1)
					if err != nil || !(strings.HasPrefix(body, "CON ") || strings.HasPrefix(body, "END ")) {
						if errs.Add(1) == 1 {
							firstErr.Store(fmt.Sprint(err, " ", body))
						}
					}
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Float64s(lat)
	r := result{rps: float64(n.Load()) / elapsed.Seconds(), lat: lat, errors: errs.Load()}
	if v, ok := firstErr.Load().(string); ok {
		r.firstErr = v
	}
	return r
}

func post(client *http.Client, target, session, phone, text string) (string, error) {
	form := url.Values{"sessionId": {session}, "serviceCode": {"*384*12#"}, "phoneNumber": {phone}, "networkCode": {"99999"}, "text": {text}}
	resp, err := client.Post(target, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// peakRSSMB is the process's peak resident memory (VmHWM), in MB.
func peakRSSMB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb / 1024
		}
	}
	return 0
}
