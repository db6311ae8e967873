package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/testkit"
)

var listeningRE = regexp.MustCompile(`msg="http server listening" addr=(\S+)`)

// TestServeLifecycle starts serve on a free port, checks it answers, then cancels its
// context as a signal would and expects a clean exit within the shutdown time-out.
func TestServeLifecycle(t *testing.T) {
	_, dbURL := dbtest.PostgresURL(t)
	vars := map[string]string{
		"KIKUNDI_DATABASE_URL":     dbURL,
		"KIKUNDI_REDIS_URL":        dbtest.RedisURL(),
		"KIKUNDI_HTTP_ADDR":        "127.0.0.1:0",
		"KIKUNDI_HOOK_TOKEN":       "test-token",
		"KIKUNDI_SHUTDOWN_TIMEOUT": "3s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testkit.SyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return vars[k] }, &stdout, &stderr)
	}()

	var addr string
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" {
		if m := listeningRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start listening:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
	}

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown\n%s", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve still running 5s after shutdown began (time-out is 3s)")
	}
	t.Logf("shut down in %s", time.Since(start))
	if stdout.String() != "" {
		t.Errorf("serve wrote to stdout: %q", stdout.String())
	}
}
