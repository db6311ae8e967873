package workers

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// chainBatch is how many entries one ChainPending call may chain, so one transaction
// stays short however far the chain has fallen behind.
const chainBatch = 500

type ledgerHandlers struct {
	ledger LedgerMaintenance
	logger *slog.Logger
}

// chain drains the backlog in batches until a batch comes back short.
func (h ledgerHandlers) chain(ctx context.Context, _ *asynq.Task) error {
	total := 0
	for {
		n, err := h.ledger.ChainPending(ctx, chainBatch)
		total += n
		if err != nil {
			return fmt.Errorf("chain ledger entries after %d: %w", total, err)
		}
		if n < chainBatch {
			break
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("chain ledger entries after %d: %w", total, err)
		}
	}
	if total > 0 {
		h.logger.DebugContext(ctx, "ledger entries chained", "count", total)
	}
	return nil
}

func (h ledgerHandlers) expireHolds(ctx context.Context, _ *asynq.Task) error {
	n, err := h.ledger.ExpireHolds(ctx, time.Now())
	if err != nil {
		return fmt.Errorf("expire holds: %w", err)
	}
	if n > 0 {
		h.logger.InfoContext(ctx, "ledger holds expired", "count", n)
	}
	return nil
}

// verify reports; a broken invariant is logged as an error for a human, not retried:
// running the checks again would find the same books.
func (h ledgerHandlers) verify(ctx context.Context, _ *asynq.Task) error {
	ok, summary, err := h.ledger.VerifyAll(ctx)
	if err != nil {
		return fmt.Errorf("verify ledger: %w", err)
	}
	if !ok {
		h.logger.ErrorContext(ctx, "ledger verification found broken invariants", "summary", summary)
		return nil
	}
	h.logger.InfoContext(ctx, "ledger verified", "summary", summary)
	return nil
}
