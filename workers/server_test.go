package workers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/testkit"
)

// testQueue returns a Redis connection option and a queue name no other test uses.
// Asynq keeps every key of a queue under asynq:{name}:, which is removed afterwards.
func testQueue(t *testing.T) (asynq.RedisConnOpt, string) {
	t.Helper()
	opt, err := asynq.ParseRedisURI(dbtest.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	q := "test-" + hex.EncodeToString(b)
	rdb, _ := dbtest.Redis(t) // cleaned up after this function's cleanup, which uses it
	t.Cleanup(func() {
		insp := asynq.NewInspector(opt)
		defer insp.Close()
		if err := insp.DeleteQueue(q, true); err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
			t.Errorf("delete test queue %s: %v", q, err)
		}
		// DeleteQueue leaves the queue's statistics and uniqueness locks.
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, "asynq:{"+q+"}:*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean test queue %s: %v", q, err)
		}
	})
	return opt, q
}

func TestServerRunsTasksFromRedis(t *testing.T) {
	opt, q := testQueue(t)
	logs := &testkit.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))

	f := &fakeLedger{verifyOK: true, summary: "all good", verified: make(chan struct{}), chainErr: errors.New("chain is stuck")}
	mux, err := NewMux(Deps{Ledger: f, Groups: &fakeGroups{}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ServerConfig(logger, 5*time.Second)
	cfg.Queues = map[string]int{q: 1}
	srv := asynq.NewServer(opt, cfg)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()

	client := asynq.NewClient(opt)
	defer client.Close()
	if _, err := client.Enqueue(NewLedgerVerifyTask(), asynq.Queue(q)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enqueue(NewLedgerChainTask(), asynq.Queue(q)); err != nil {
		t.Fatal(err)
	}

	select {
	case <-f.verified:
	case <-time.After(15 * time.Second):
		t.Fatal("verify task not processed within 15s")
	}
	// The chain task fails and, with no retries, its failure is final: one ERROR line
	// naming the task.
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(logs.String(), "task_type=ledger:chain") {
		if time.Now().After(deadline) {
			t.Fatalf("failed chain task not logged:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	line := lineWith(logs.String(), "task_type=ledger:chain")
	for _, want := range []string{"level=ERROR", "task_id=", "retried=0", "max_retry=0", "chain is stuck"} {
		if !strings.Contains(line, want) {
			t.Errorf("failure line lacks %q: %s", want, line)
		}
	}
}

func TestPeriodicTaskDoesNotPileUp(t *testing.T) {
	opt, q := testQueue(t)
	client := asynq.NewClient(opt)
	defer client.Close()
	if _, err := client.Enqueue(NewLedgerChainTask(), asynq.Queue(q)); err != nil {
		t.Fatal(err)
	}
	_, err := client.Enqueue(NewLedgerChainTask(), asynq.Queue(q))
	if !errors.Is(err, asynq.ErrDuplicateTask) {
		t.Fatalf("second enqueue while the first is pending: err = %v, want ErrDuplicateTask", err)
	}
}

func TestRetryDelay(t *testing.T) {
	for n := range 40 {
		d := retryDelay(n, nil, nil)
		ceiling := retryCap
		if n < 16 {
			ceiling = min(retryBase<<n, retryCap)
		}
		if d < ceiling/2 || d > ceiling {
			t.Errorf("retry %d waits %s, want within [%s, %s]", n, d, ceiling/2, ceiling)
		}
	}
	if d := retryDelay(0, nil, nil); d > retryBase {
		t.Errorf("first retry waits %s, more than %s", d, retryBase)
	}
	if d := retryDelay(1000, nil, nil); d > retryCap {
		t.Errorf("retry 1000 waits %s, past the %s cap", d, retryCap)
	}
}

func lineWith(s, sub string) string {
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
