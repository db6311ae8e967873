package workers

import (
	"time"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/internal/tasks"
)

// Queues, by how soon their work matters. The server gives them 6:3:1 of its attention.
// They are named in internal/tasks, where packages other than this one enqueue.
const (
	QueueCritical = tasks.QueueCritical
	QueueDefault  = tasks.QueueDefault
	QueueLow      = tasks.QueueLow
)

// Task types, named domain:action.
const (
	TypeLedgerChain       = "ledger:chain"
	TypeLedgerExpireHolds = "ledger:expire-holds"
	TypeLedgerVerify      = "ledger:verify"
)

// The ledger upkeep tasks are periodic and carry no payload. Each is unique for a little
// longer than its time-out, so when a run is slow the scheduler's next ticks are refused
// as duplicates instead of piling up behind it. They are not retried: the next tick is
// the retry.

// NewLedgerChainTask extends the books' hash chains.
func NewLedgerChainTask() *asynq.Task {
	return asynq.NewTask(TypeLedgerChain, nil,
		asynq.Queue(QueueDefault), asynq.Timeout(time.Minute), asynq.Unique(2*time.Minute), asynq.MaxRetry(0))
}

// NewLedgerExpireHoldsTask expires the holds whose time has passed.
func NewLedgerExpireHoldsTask() *asynq.Task {
	return asynq.NewTask(TypeLedgerExpireHolds, nil,
		asynq.Queue(QueueDefault), asynq.Timeout(time.Minute), asynq.Unique(2*time.Minute), asynq.MaxRetry(0))
}

// NewLedgerVerifyTask checks every ledger invariant. It runs nightly, so a failure to
// run is retried a few times rather than waiting a day.
func NewLedgerVerifyTask() *asynq.Task {
	return asynq.NewTask(TypeLedgerVerify, nil,
		asynq.Queue(QueueLow), asynq.Timeout(time.Hour), asynq.Unique(2*time.Hour), asynq.MaxRetry(3))
}
