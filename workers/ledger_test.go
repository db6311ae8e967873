package workers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// fakeLedger answers ChainPending from a script of batch sizes and records calls.
type fakeLedger struct {
	mu         sync.Mutex
	batches    []int
	chainErr   error
	chainCalls []int // the limit of each call
	expiredAt  []time.Time
	verifyOK   bool
	summary    string
	verifyErr  error
	verified   chan struct{}
}

func (f *fakeLedger) ChainPending(_ context.Context, limit int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chainCalls = append(f.chainCalls, limit)
	if len(f.batches) == 0 {
		return 0, f.chainErr
	}
	n := f.batches[0]
	f.batches = f.batches[1:]
	return n, nil
}

func (f *fakeLedger) ExpireHolds(_ context.Context, now time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expiredAt = append(f.expiredAt, now)
	return 2, nil
}

func (f *fakeLedger) VerifyAll(context.Context) (bool, string, error) {
	if f.verified != nil {
		defer close(f.verified)
	}
	return f.verifyOK, f.summary, f.verifyErr
}

func newTestMux(t *testing.T, f *fakeLedger) (*asynq.ServeMux, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	mux, err := NewMux(Deps{Ledger: f, Groups: &fakeGroups{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return mux, &logs
}

func TestChainDrainsInBatches(t *testing.T) {
	f := &fakeLedger{batches: []int{500, 500, 120}}
	mux, _ := newTestMux(t, f)
	if err := mux.ProcessTask(context.Background(), NewLedgerChainTask()); err != nil {
		t.Fatal(err)
	}
	if len(f.chainCalls) != 3 {
		t.Fatalf("ChainPending called %d times, want 3 (stop after the short batch)", len(f.chainCalls))
	}
	for _, limit := range f.chainCalls {
		if limit != 500 {
			t.Errorf("batch limit %d, want 500", limit)
		}
	}
}

func TestChainStopsOnEmptyBacklog(t *testing.T) {
	f := &fakeLedger{}
	mux, _ := newTestMux(t, f)
	if err := mux.ProcessTask(context.Background(), NewLedgerChainTask()); err != nil {
		t.Fatal(err)
	}
	if len(f.chainCalls) != 1 {
		t.Errorf("ChainPending called %d times, want 1", len(f.chainCalls))
	}
}

func TestChainReturnsErrors(t *testing.T) {
	boom := errors.New("serialization failure")
	f := &fakeLedger{batches: []int{500}, chainErr: boom}
	mux, _ := newTestMux(t, f)
	err := mux.ProcessTask(context.Background(), NewLedgerChainTask())
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
	if !strings.Contains(err.Error(), "after 500") {
		t.Errorf("error %q should say how far it got", err)
	}
}

func TestExpireHoldsUsesNow(t *testing.T) {
	f := &fakeLedger{}
	mux, logs := newTestMux(t, f)
	before := time.Now()
	if err := mux.ProcessTask(context.Background(), NewLedgerExpireHoldsTask()); err != nil {
		t.Fatal(err)
	}
	if len(f.expiredAt) != 1 || f.expiredAt[0].Before(before) || time.Since(f.expiredAt[0]) > time.Minute {
		t.Fatalf("ExpireHolds called with %v", f.expiredAt)
	}
	if !strings.Contains(logs.String(), "count=2") {
		t.Errorf("expiry not logged:\n%s", logs)
	}
}

func TestVerify(t *testing.T) {
	t.Run("broken invariant is reported, not retried", func(t *testing.T) {
		f := &fakeLedger{verifyOK: false, summary: "book 7: postings sum to 1.00"}
		mux, logs := newTestMux(t, f)
		if err := mux.ProcessTask(context.Background(), NewLedgerVerifyTask()); err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "book 7: postings sum to 1.00") {
			t.Errorf("no ERROR line with the summary:\n%s", logs)
		}
	})
	t.Run("all hold", func(t *testing.T) {
		f := &fakeLedger{verifyOK: true, summary: "9 checks passed"}
		mux, logs := newTestMux(t, f)
		if err := mux.ProcessTask(context.Background(), NewLedgerVerifyTask()); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("ERROR logged for a clean ledger:\n%s", logs)
		}
	})
	t.Run("could not run", func(t *testing.T) {
		boom := errors.New("connection reset")
		mux, _ := newTestMux(t, &fakeLedger{verifyErr: boom})
		if err := mux.ProcessTask(context.Background(), NewLedgerVerifyTask()); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want it to wrap %v", err, boom)
		}
	})
}

func TestNewMuxNeedsLedger(t *testing.T) {
	if _, err := NewMux(Deps{}); !errors.Is(err, ErrMissingDependency) {
		t.Fatalf("err = %v, want ErrMissingDependency", err)
	}
}
