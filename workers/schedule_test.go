package workers

import (
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"

	"github.com/kikundi/kikundi/internal/dbtest"
)

type recordingRegistrar struct{ specs map[string]string } // task type → spec

func (r *recordingRegistrar) Register(spec string, task *asynq.Task, _ ...asynq.Option) (string, error) {
	r.specs[task.Type()] = spec
	return task.Type(), nil
}

func TestScheduleTimes(t *testing.T) {
	r := &recordingRegistrar{specs: map[string]string{}}
	if err := Schedule(r); err != nil {
		t.Fatal(err)
	}
	// 2026-03-10 12:00 UTC is 15:00 in Nairobi.
	from := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		taskType string
		want     time.Time
	}{
		{TypeLedgerChain, from.Add(5 * time.Second)},
		{TypeLedgerExpireHolds, from.Add(time.Minute)},
		// 02:30 the next morning in Nairobi is 23:30 UTC the same day.
		{TypeLedgerVerify, time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		spec, ok := r.specs[tt.taskType]
		if !ok {
			t.Errorf("%s not scheduled", tt.taskType)
			continue
		}
		sched, err := cron.ParseStandard(spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if got := sched.Next(from); !got.Equal(tt.want) {
			t.Errorf("%s (%q) next runs at %s, want %s", tt.taskType, spec, got.UTC(), tt.want)
		}
	}
	if len(r.specs) != len(periodic) {
		t.Errorf("registered %d entries, want %d", len(r.specs), len(periodic))
	}
}

// Asynq's own scheduler must accept every spec, time zone included.
func TestScheduleOnAsynqScheduler(t *testing.T) {
	opt, err := asynq.ParseRedisURI(dbtest.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	s := asynq.NewScheduler(opt, &asynq.SchedulerOpts{Location: Nairobi})
	if err := Schedule(s); err != nil {
		t.Fatal(err)
	}
}
