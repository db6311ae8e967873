package workers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/chama"
)

// fakeGroups answers the groups' upkeep with fixed figures and records the calls.
type fakeGroups struct {
	swept     chama.Swept
	sweepErr  error
	olderThan time.Duration
	calls     []string
}

func (f *fakeGroups) Sweep(context.Context) (chama.Swept, error) {
	f.calls = append(f.calls, "sweep")
	return f.swept, f.sweepErr
}

func (f *fakeGroups) ExpireApprovals(context.Context) (int, error) {
	f.calls = append(f.calls, "expire")
	return 1, nil
}

func (f *fakeGroups) DispatchPending(_ context.Context, olderThan time.Duration) (int, error) {
	f.calls = append(f.calls, "dispatch")
	f.olderThan = olderThan
	return 0, nil
}

func TestChamaTasksReachTheGroups(t *testing.T) {
	var logs bytes.Buffer
	g := &fakeGroups{swept: chama.Swept{Groups: 2, Fines: 3}}
	mux, err := NewMux(Deps{Ledger: &fakeLedger{}, Groups: g, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, task := range []func() *asynq.Task{NewChamaSweepTask, NewChamaExpireApprovalsTask, NewChamaDispatchPayoutsTask} {
		if err := mux.ProcessTask(ctx, task()); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(g.calls, ","); got != "sweep,expire,dispatch" {
		t.Errorf("calls = %s", got)
	}
	if g.olderThan != payoutGrace {
		t.Errorf("dispatch asked for payouts older than %s, want %s", g.olderThan, payoutGrace)
	}
	if !strings.Contains(logs.String(), "fines=3") {
		t.Errorf("sweep figures not logged:\n%s", logs.String())
	}
	// A group that fails is reported, and the task fails so the operator sees it.
	g.sweepErr = errors.New("group UMOJA fines: boom")
	if err := mux.ProcessTask(ctx, NewChamaSweepTask()); err == nil || !strings.Contains(err.Error(), "UMOJA") {
		t.Errorf("sweep error = %v", err)
	}
	if _, err := NewMux(Deps{Ledger: &fakeLedger{}}); !errors.Is(err, ErrMissingDependency) {
		t.Errorf("no groups: err = %v, want ErrMissingDependency", err)
	}
}
