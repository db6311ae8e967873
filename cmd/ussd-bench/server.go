package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/internal/procstat"
	"github.com/kikundi/kikundi/ussd"
	"github.com/kikundi/kikundi/ussd/aggregator"
)

// serverEnv marks the process the bench starts as the server under test: the same binary,
// re-executed, so the server has a process (heap, GC, RSS) of its own and the load
// generator's memory and garbage are not counted against it.
const serverEnv = "KIKUNDI_USSD_BENCH_SERVER"

// bareScreen is what the bare endpoint answers.
const bareScreen = "CON Karibu Kikundi\n1. Changia\n2. Salio langu\n3. Taarifa fupi"

// serve is the server process: it opens the bench database and Redis, mounts the real
// USSD webhooks and the bare endpoint on one Fiber app, says where it listens on stdout,
// and then obeys the bench on stdin ("profile FILE", "stop") until stdin closes.
func serve(ctx context.Context) error {
	dsn, rurl, prefix := os.Getenv("BENCH_DSN"), os.Getenv("BENCH_REDIS"), os.Getenv("BENCH_PREFIX")
	conns, _ := strconv.Atoi(os.Getenv("BENCH_PG_CONNS"))
	db, err := database.OpenPostgres(ctx, dsn, database.PostgresOptions{MaxOpenConns: conns})
	if err != nil {
		return err
	}
	defer func() { _ = database.ClosePostgres(db) }()
	rdb, err := database.OpenRedis(ctx, rurl)
	if err != nil {
		return err
	}
	defer rdb.Close()

	engine := ussd.New(ussd.Options{Store: ussd.NewRedisStore(rdb, prefix), Groups: chama.New(chama.Options{DB: db})})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	aggregator.Mount(app.Group("/hooks"), engine, nil, slog.New(slog.DiscardHandler))
	app.Post("/bare", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/plain")
		return c.SendString(bareScreen)
	})
	floor, err := newFloor(ctx, db, rdb, prefix)
	if err != nil {
		return err
	}
	defer floor.close()
	app.Post("/floor", floor.hop)
	app.Post("/session-only", floor.sessionOnly)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = app.Listener(ln) }()
	defer func() { _ = app.ShutdownWithTimeout(5 * time.Second) }()
	fmt.Printf("listening %s\n", ln.Addr())

	var prof *os.File
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(sc.Text(), " ")
		switch cmd {
		case "profile":
			if prof, err = os.Create(arg); err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(prof); err != nil {
				return err
			}
		case "stop":
			if prof != nil {
				pprof.StopCPUProfile()
				_ = prof.Close()
				prof = nil
			}
		}
		fmt.Println("ok")
	}
	return nil
}

// server is the running server process, as the bench sees it.
type server struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	addr string
}

// startServer re-executes this binary as the server under test.
func startServer(dsn, redisURL, prefix string, pgConns int, extraEnv string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), serverEnv+"=1", "BENCH_DSN="+dsn, "BENCH_REDIS="+redisURL,
		"BENCH_PREFIX="+prefix, "BENCH_PG_CONNS="+strconv.Itoa(pgConns))
	if extraEnv != "" {
		cmd.Env = append(cmd.Env, strings.Split(extraEnv, ",")...)
	}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, in: in, out: bufio.NewReader(out)}
	line, err := s.out.ReadString('\n')
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("server did not start: %w", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		s.stop()
		return nil, fmt.Errorf("server said %q", line)
	}
	s.addr = addr
	return s, nil
}

// do sends the server one command and waits for its ok.
func (s *server) do(cmd string) error {
	if _, err := fmt.Fprintln(s.in, cmd); err != nil {
		return err
	}
	line, err := s.out.ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "ok" {
		return fmt.Errorf("server answered %q to %q", line, cmd)
	}
	return nil
}

// peakRSSMB is the server's peak resident memory (VmHWM), in MB.
func (s *server) peakRSSMB() int { return procstat.StatusMB(s.cmd.Process.Pid, "VmHWM:") }

// stop closes the server's stdin (it shuts down) and waits for it.
func (s *server) stop() {
	_ = s.in.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
