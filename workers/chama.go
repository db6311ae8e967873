package workers

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/chama"
)

// GroupUpkeep is the groups' periodic work; *chama.Service is one.
type GroupUpkeep interface {
	// Sweep raises dues, charges fines, accrues loans and recovers defaults in every group.
	Sweep(ctx context.Context) (chama.Swept, error)
	// ExpireApprovals closes requests whose time ran out.
	ExpireApprovals(ctx context.Context) (int, error)
	// DispatchPending asks M-Pesa again for payouts pending longer than olderThan.
	DispatchPending(ctx context.Context, olderThan time.Duration) (int, error)
}

// Task types of the groups' upkeep.
const (
	TypeChamaSweep           = "chama:sweep"
	TypeChamaExpireApprovals = "chama:expire-approvals"
	TypeChamaDispatchPayouts = "chama:dispatch-payouts"
)

// payoutGrace is how long a payout may wait for its first B2C request (made right after
// the approval commits) before the dispatcher asks again.
const payoutGrace = 2 * time.Minute

// NewChamaSweepTask runs every group's dues, fines, interest and recoveries.
func NewChamaSweepTask() *asynq.Task {
	return asynq.NewTask(TypeChamaSweep, nil,
		asynq.Queue(QueueDefault), asynq.Timeout(10*time.Minute), asynq.Unique(15*time.Minute), asynq.MaxRetry(0))
}

// NewChamaExpireApprovalsTask closes approvals whose time ran out.
func NewChamaExpireApprovalsTask() *asynq.Task {
	return asynq.NewTask(TypeChamaExpireApprovals, nil,
		asynq.Queue(QueueDefault), asynq.Timeout(time.Minute), asynq.Unique(2*time.Minute), asynq.MaxRetry(0))
}

// NewChamaDispatchPayoutsTask re-sends payouts that never reached M-Pesa.
func NewChamaDispatchPayoutsTask() *asynq.Task {
	return asynq.NewTask(TypeChamaDispatchPayouts, nil,
		asynq.Queue(QueueCritical), asynq.Timeout(time.Minute), asynq.Unique(2*time.Minute), asynq.MaxRetry(0))
}

type chamaHandlers struct {
	groups GroupUpkeep
	logger *slog.Logger
}

func (h chamaHandlers) sweep(ctx context.Context, _ *asynq.Task) error {
	s, err := h.groups.Sweep(ctx)
	if s.Dues+s.Fines+s.Accruals+s.Recoveries > 0 {
		h.logger.InfoContext(ctx, "groups swept", "groups", s.Groups, "dues", s.Dues, "fines", s.Fines,
			"accruals", s.Accruals, "recoveries", s.Recoveries)
	}
	if err != nil {
		return fmt.Errorf("sweep groups: %w", err)
	}
	return nil
}

func (h chamaHandlers) expireApprovals(ctx context.Context, _ *asynq.Task) error {
	n, err := h.groups.ExpireApprovals(ctx)
	if n > 0 {
		h.logger.InfoContext(ctx, "approvals expired", "count", n)
	}
	if err != nil {
		return fmt.Errorf("expire approvals: %w", err)
	}
	return nil
}

func (h chamaHandlers) dispatchPayouts(ctx context.Context, _ *asynq.Task) error {
	n, err := h.groups.DispatchPending(ctx, payoutGrace)
	if n > 0 {
		h.logger.WarnContext(ctx, "payouts sent again", "count", n)
	}
	if err != nil {
		return fmt.Errorf("dispatch payouts: %w", err)
	}
	return nil
}
