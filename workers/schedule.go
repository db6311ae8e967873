package workers

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
	_ "time/tzdata" // Africa/Nairobi must load on a machine without tzdata

	"github.com/hibiken/asynq"
)

// Nairobi is the time zone members, treasurers and operators live in. Schedules that
// name a time of day mean Kenyan time.
var Nairobi = mustLoad("Africa/Nairobi")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // unreachable: time/tzdata is linked in
	}
	return loc
}

// Registrar is what Schedule needs of a scheduler; *asynq.Scheduler is one.
type Registrar interface {
	Register(cronspec string, task *asynq.Task, opts ...asynq.Option) (entryID string, err error)
}

// periodic is every piece of periodic work, in one place. A cron spec that names a time
// of day carries its zone (CRON_TZ), so it means the same on any scheduler.
var periodic = []struct {
	spec string
	task func() *asynq.Task
}{
	{"@every 5s", NewLedgerChainTask},
	{"@every 1m", NewLedgerExpireHoldsTask},
	{"CRON_TZ=Africa/Nairobi 30 2 * * *", NewLedgerVerifyTask}, // nightly, after the day's business
	{"@every 15m", NewChamaSweepTask},                          // dues, fines, interest, recoveries: all idempotent
	{"@every 1m", NewChamaExpireApprovalsTask},
	{"@every 1m", NewChamaDispatchPayoutsTask},
	{"@every 15s", NewMpesaSweepTask},                           // poll overdue intents, settle callbacks whose task was lost
	{"CRON_TZ=Africa/Nairobi 0 3 * * *", NewMpesaReconcileTask}, // yesterday's statement, after the ledger check
	{"@every 5m", NewSMSRequeueTask},                            // messages whose send task was lost
	{"@every 15m", NewSMSRemindersTask},                         // reminders due; at night they wait for 07:00
}

// Schedule registers all periodic work with s.
func Schedule(s Registrar) error {
	for _, p := range periodic {
		t := p.task()
		if _, err := s.Register(p.spec, t); err != nil {
			return fmt.Errorf("schedule %s at %q: %w", t.Type(), p.spec, err)
		}
	}
	return nil
}

// NewScheduler builds the scheduler that enqueues the periodic work, in Kenyan time. A
// tick refused because the previous run is still queued or running is expected, and
// only logged at debug.
func NewScheduler(redisOpt asynq.RedisConnOpt, logger *slog.Logger) *asynq.Scheduler {
	return asynq.NewScheduler(redisOpt, &asynq.SchedulerOpts{
		Location: Nairobi,
		Logger:   asynqLogger{logger.With("component", "asynq-scheduler")},
		LogLevel: asynq.WarnLevel,
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			switch {
			case err == nil:
			case errors.Is(err, asynq.ErrDuplicateTask):
				logger.Debug("periodic task still pending, tick skipped", "error", err)
			default:
				logger.Error("enqueue periodic task", "error", err)
			}
		},
	})
}
