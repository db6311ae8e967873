package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/benchdb"
	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/internal/procstat"
)

func run(ctx context.Context, o options) error {
	const dbName = "kikundi_bench_ussd"
	db, done, err := benchdb.Open(ctx, dbName, 4, o.keep)
	if err != nil {
		return err
	}
	defer done()
	redisURL := benchdb.Env("KIKUNDI_REDIS_URL", "redis://127.0.0.1:6379/0")
	rdb, err := database.OpenRedis(ctx, redisURL)
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

	phones, err := seed(ctx, chama.New(chama.Options{DB: db}), o.members)
	if err != nil {
		return err
	}
	// The server under test runs in a process of its own (this binary, re-executed), so
	// its memory is measured alone and the load generator's garbage is not its GC's work.
	dsn := database.WithName(benchdb.Env("KIKUNDI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kikundi?sslmode=disable"), dbName)
	srv, err := startServer(dsn, redisURL, prefix, o.pgConns, o.serverEnv)
	if err != nil {
		return err
	}
	defer srv.stop()

	fmt.Fprintf(os.Stderr, "ussd-bench: %d concurrent sessions, %s a phase, %d members, server pid %d\n", o.concurrency, o.duration, len(phones), srv.cmd.Process.Pid)
	if o.think > 0 {
		hops := phase(ctx, o, srv, "/hooks/at/ussd", phones)
		if hops.errors > 0 {
			return fmt.Errorf("%d hop errors (first: %s)", hops.errors, hops.firstErr)
		}
		fmt.Printf("ussd-bench: paced sessions=%d think_s=%.1f hop_rps=%.0f p50_ms=%.2f p99_ms=%.2f rss_mb=%d\n",
			o.concurrency, o.think.Seconds(), hops.rps, hops.p(0.5), hops.p(0.99), srv.peakRSSMB())
		return nil
	}
	bare := phase(ctx, o, srv, "/bare", phones)
	sessionOnly := phase(ctx, o, srv, "/session-only", phones)
	floor := phase(ctx, o, srv, "/floor", phones)
	if o.cpuprofile != "" {
		abs, err := filepath.Abs(o.cpuprofile)
		if err != nil {
			return err
		}
		if err := srv.do("profile " + abs); err != nil {
			return err
		}
	}
	hops := phase(ctx, o, srv, "/hooks/at/ussd", phones)
	if o.cpuprofile != "" {
		if err := srv.do("stop"); err != nil {
			return err
		}
	}
	if hops.errors > 0 || bare.errors > 0 || floor.errors > 0 {
		return fmt.Errorf("%d hop errors, %d bare errors, %d floor errors (first: %s%s%s)", hops.errors, bare.errors, floor.errors, hops.firstErr, bare.firstErr, floor.firstErr)
	}
	rss := srv.peakRSSMB()
	for _, ph := range []struct {
		name string
		r    result
	}{{"bare (constant CON screen)", bare}, {"session only (Redis GET, Redis SET, constant screen)", sessionOnly}, {"floor (Redis GET, a prepared primary-key SELECT, Redis SET, constant screen)", floor}, {"hops (AT adapter, Redis session, menus reading Postgres)", hops}} {
		fmt.Fprintf(os.Stderr, "%s: %.0f rps (%.2f of bare), p50 %.2f ms, p99 %.2f ms; CPU a request: %s\n",
			ph.name, ph.r.rps, ph.r.rps/bare.rps, ph.r.p(0.5), ph.r.p(0.99), ph.r.cpu)
	}
	fmt.Fprintf(os.Stderr, "server peak RSS %d MB (load generator %d MB)\n", rss, procstat.StatusMB(os.Getpid(), "VmHWM:"))
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
	cpu      string // where the phase's CPU went, per request
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

// phase runs load against path and says where the machine's CPU went meanwhile, per
// request: the server, the load generator, Postgres, Redis and everything else.
func phase(ctx context.Context, o options, srv *server, path string, phones []string) result {
	srvCPU, genCPU := procstat.CPUSeconds(srv.cmd.Process.Pid), procstat.CPUSeconds(os.Getpid())
	others, busy := procstat.CPUByName("postgres", "redis-server")
	r := load(ctx, o, srv.addr, path, phones)
	srvCPU, genCPU = procstat.CPUSeconds(srv.cmd.Process.Pid)-srvCPU, procstat.CPUSeconds(os.Getpid())-genCPU
	othersAfter, busyAfter := procstat.CPUByName("postgres", "redis-server")
	if n := float64(len(r.lat)); n > 0 {
		pg, rd := othersAfter["postgres"]-others["postgres"], othersAfter["redis-server"]-others["redis-server"]
		rest := busyAfter - busy - srvCPU - genCPU - pg - rd
		r.cpu = fmt.Sprintf("server %.0f µs, load generator %.0f µs, postgres %.0f µs, redis %.0f µs, rest of the machine %.0f µs",
			srvCPU/n*1e6, genCPU/n*1e6, pg/n*1e6, rd/n*1e6, rest/n*1e6)
	}
	return r
}

// load runs o.concurrency phones against path for o.duration, each on a keep-alive
// connection of its own: each session dials, then asks for the balance (2), then dials
// again with a new session. The bare phase and the hop phase use it alike.
func load(ctx context.Context, o options, addr, path string, phones []string) result {
	client := &fasthttp.HostClient{Addr: addr, MaxConns: o.concurrency, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	uri := "http://" + addr + path
	deadline := time.Now().Add(o.duration)
	var mu sync.Mutex
	var lat []float64
	var n, errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := range o.concurrency {
		wg.Go(func() {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			mine := make([]float64, 0, 4096)
			if o.think > 0 { // people do not all dial in the same millisecond
				time.Sleep(time.Duration(mrand.Int64N(int64(o.think))))
			}
			var body []byte
			for s := 0; time.Now().Before(deadline) && ctx.Err() == nil; s++ {
				session := "b" + strconv.Itoa(w) + "-" + strconv.Itoa(s)
				phone := phones[(w+s)%len(phones)]
				for _, text := range []string{"", "2"} {
					req.Reset()
					req.SetRequestURI(uri)
					req.Header.SetMethod(fasthttp.MethodPost)
					req.Header.SetContentType("application/x-www-form-urlencoded")
					body = form(body[:0], session, phone, text)
					req.SetBody(body)
					t0 := time.Now()
					err := client.Do(req, resp)
					mine = append(mine, float64(time.Since(t0).Microseconds())/1000)
					n.Add(1)
					if o.think > 0 { // a person reading the screen and pressing keys
						time.Sleep(o.think/2 + time.Duration(mrand.Int64N(int64(o.think))))
					}
					got := resp.Body()
					if err != nil || resp.StatusCode() != fasthttp.StatusOK || !(bytes.HasPrefix(got, []byte("CON ")) || bytes.HasPrefix(got, []byte("END "))) {
						if errs.Add(1) == 1 {
							firstErr.Store(fmt.Sprint(err, " ", resp.StatusCode(), " ", string(got)))
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

// form appends an Africa's Talking hop, form-encoded, to b.
func form(b []byte, session, phone, text string) []byte {
	b = append(b, "sessionId="...)
	b = append(b, url.QueryEscape(session)...)
	b = append(b, "&serviceCode=%2A384%2A12%23&phoneNumber="...)
	b = append(b, url.QueryEscape(phone)...)
	b = append(b, "&networkCode=99999&text="...)
	b = append(b, url.QueryEscape(text)...)
	return b
}
