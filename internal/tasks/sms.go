package tasks

import (
	"time"

	"github.com/hibiken/asynq"
)

// TypeSMSSend sends one stored SMS (a row of sms_messages).
const TypeSMSSend = "sms:send"

// NewSMSSendTask sends one stored message. Like NewMpesaSettleTask it carries no task id
// (row ids start again in a recreated database while Redis remembers old task ids): the
// row's status and its lock while sending are what keep a message from going out twice.
// Eight retries with Asynq's default back-off (n^4 s plus jitter) ride out about an hour
// and a half of aggregator trouble; then the message is marked failed. The timeout is
// longer than the provider's own HTTP timeout, so a slow answer fails one try cleanly.
func NewSMSSendTask(message int64) *asynq.Task {
	return asynq.NewTask(TypeSMSSend, payload(message), asynq.Queue(QueueDefault),
		asynq.MaxRetry(8), asynq.Timeout(30*time.Second))
}
