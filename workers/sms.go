package workers

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/internal/tasks"
)

// Messages sends the SMS the outbox holds; cmd/kikundi binds sms.Outbox to a provider.
type Messages interface {
	// Send sends one stored message; an error means try again later.
	Send(ctx context.Context, id int64) error
	// Requeue queues again the messages left unsent for longer than idle.
	Requeue(ctx context.Context, idle time.Duration) (int, error)
}

// Periodic SMS tasks.
const (
	TypeSMSRequeue   = "sms:requeue"   // messages whose send task was lost
	TypeSMSReminders = "sms:reminders" // contributions, instalments, approvals, cycle end
)

// Reminders finds and queues the reminders that have fallen due; *sms.Reminders is one.
type Reminders interface {
	Run(ctx context.Context) (int, error)
}

// NewSMSRemindersTask queues the reminders due now. Each is sent once however often this
// runs (a unique key per member, obligation and rule); at night they wait for 07:00.
func NewSMSRemindersTask() *asynq.Task {
	return asynq.NewTask(TypeSMSReminders, nil,
		asynq.Queue(QueueLow), asynq.Timeout(10*time.Minute), asynq.Unique(15*time.Minute), asynq.MaxRetry(0))
}

func remindHandler(r Reminders, logger *slog.Logger) func(context.Context, *asynq.Task) error {
	return func(ctx context.Context, _ *asynq.Task) error {
		n, err := r.Run(ctx)
		if n > 0 {
			logger.InfoContext(ctx, "reminders queued", "count", n)
		}
		if err != nil {
			return fmt.Errorf("reminders: %w", err)
		}
		return nil
	}
}

// NewSMSRequeueTask is the periodic safety net under sms:send.
func NewSMSRequeueTask() *asynq.Task {
	return asynq.NewTask(TypeSMSRequeue, nil,
		asynq.Queue(QueueLow), asynq.Timeout(time.Minute), asynq.Unique(5*time.Minute), asynq.MaxRetry(0))
}

type smsHandlers struct {
	messages Messages
	logger   *slog.Logger
}

func (h smsHandlers) send(ctx context.Context, t *asynq.Task) error {
	id, err := tasks.ParseID(t)
	if err != nil {
		return err
	}
	if err := h.messages.Send(ctx, id); err != nil {
		return fmt.Errorf("sms %d: %w", id, err)
	}
	return nil
}

func (h smsHandlers) requeue(ctx context.Context, _ *asynq.Task) error {
	n, err := h.messages.Requeue(ctx, 45*time.Minute)
	if n > 0 {
		h.logger.WarnContext(ctx, "SMS queued again", "count", n)
	}
	return err
}
