// Package tasks holds the Asynq task types and constructors that packages other than
// workers enqueue (the M-Pesa webhooks, the payout port). It imports nothing of ours, so
// any package may enqueue without an import cycle; package workers holds the handlers.
package tasks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Queues, by how soon their work matters (see workers.NewServer).
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// Task types enqueued from outside package workers.
const (
	TypeMpesaSettle = "mpesa:settle"   // apply one stored callback
	TypeMpesaSend   = "mpesa:send-b2c" // send one committed B2C intent
)

// Enqueuer is what enqueues a task; *asynq.Client is one.
type Enqueuer interface {
	Enqueue(task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// ID is the payload of a task about one row.
type ID struct {
	ID int64 `json:"id"`
}

// NewMpesaSettleTask settles one stored callback. It carries no Asynq task id: row ids
// start again in a restored or recreated database while Redis remembers old task ids,
// and a clash would silently drop the new task. The database is what keeps money from
// moving twice, so a task run twice is harmless.
func NewMpesaSettleTask(callback int64) *asynq.Task {
	return asynq.NewTask(TypeMpesaSettle, payload(callback), asynq.Queue(QueueCritical),
		asynq.MaxRetry(12), asynq.Timeout(time.Minute))
}

// NewMpesaSendTask sends one committed B2C intent (sent only while the intent is new, and
// under an OriginatorConversationID M-Pesa will not pay twice).
func NewMpesaSendTask(intent int64) *asynq.Task {
	return asynq.NewTask(TypeMpesaSend, payload(intent), asynq.Queue(QueueCritical),
		asynq.MaxRetry(5), asynq.Timeout(time.Minute))
}

func payload(id int64) []byte {
	b, _ := json.Marshal(ID{ID: id}) // cannot fail for an int
	return b
}

// ParseID reads the payload of a task about one row.
func ParseID(t *asynq.Task) (int64, error) {
	var p ID
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ID <= 0 {
		return 0, fmt.Errorf("task %s: bad payload %q: %w", t.Type(), t.Payload(), asynq.SkipRetry)
	}
	return p.ID, nil
}
