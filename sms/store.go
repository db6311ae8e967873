package sms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/internal/tasks"
)

// A message's status: queued until a provider has it, then the words of Africa's
// Talking's delivery reports. Success, Failed and Rejected are final.
const (
	StatusQueued    = "queued"
	StatusSent      = "sent"
	StatusSubmitted = "submitted"
	StatusBuffered  = "buffered"
	StatusSuccess   = "success"
	StatusFailed    = "failed"
	StatusRejected  = "rejected"
)

// rank orders the statuses: a delivery report only ever moves a message to a higher rank,
// so reports arriving out of order, or repeated, never undo a later one.
var rank = map[string]int{
	StatusQueued: 0, StatusSent: 1, StatusSubmitted: 2, StatusBuffered: 3,
	StatusSuccess: 9, StatusFailed: 9, StatusRejected: 9,
}

// rankSQL is rank in SQL, over the column status.
const rankSQL = `CASE status WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'submitted' THEN 2 WHEN 'buffered' THEN 3 ELSE 9 END`

// statusOf maps a delivery report's status word (Success, Buffered, …) to ours.
func statusOf(word string) (string, bool) {
	switch word {
	case "Sent", "sent":
		return StatusSent, true
	case "Submitted", "submitted":
		return StatusSubmitted, true
	case "Buffered", "buffered":
		return StatusBuffered, true
	case "Success", "success":
		return StatusSuccess, true
	case "Failed", "failed":
		return StatusFailed, true
	case "Rejected", "rejected":
		return StatusRejected, true
	}
	return "", false
}

// Errors of the outbox.
var (
	ErrNotFound      = errors.New("sms: no such message")
	ErrUnknownStatus = errors.New("sms: unknown delivery status")
)

// Message is one row of sms_messages. Its JSON is the shape of GET /dev/sms
// (CONTRACT.md): id (a string), to, message, status, created_at.
type Message struct {
	ID            int64           `gorm:"column:id" json:"id,string"`
	To            string          `gorm:"column:to_phone" json:"to"`
	Lang          string          `gorm:"column:lang" json:"-"`
	Kind          string          `gorm:"column:kind" json:"-"`
	Text          string          `gorm:"column:message" json:"message"`
	Segments      int             `gorm:"column:segments" json:"-"`
	Cost          decimal.Decimal `gorm:"column:cost" json:"-"`
	Provider      string          `gorm:"column:provider" json:"-"`    // empty until sent
	ProviderID    string          `gorm:"column:provider_id" json:"-"` // empty until sent
	Status        string          `gorm:"column:status" json:"status"`
	FailureReason string          `gorm:"column:failure_reason" json:"-"`
	Attempts      int             `gorm:"column:attempts" json:"-"`
	CreatedAt     time.Time       `gorm:"column:created_at" json:"created_at"`
	UpdatedAt     time.Time       `gorm:"column:updated_at" json:"-"`
}

const columns = `id, to_phone, lang, kind, message, segments, cost, coalesce(provider, '') AS provider,
	coalesce(provider_id, '') AS provider_id, status, failure_reason, attempts, created_at, updated_at`

// Outbox is where every SMS is written before it goes out, and where its fate is kept. Its
// Notify is chama's Notifier.
type Outbox struct {
	db  *gorm.DB
	r   Renderer
	q   tasks.Enqueuer
	now func() time.Time
}

var _ chama.Notifier = (*Outbox)(nil)

// NewOutbox returns an outbox over db that renders with r and enqueues each new message's
// sms:send task on q. With q nil (an untyped nil, not a nil *asynq.Client) messages are
// stored and stay queued.
func NewOutbox(db *gorm.DB, r Renderer, q tasks.Enqueuer) *Outbox {
	return &Outbox{db: db, r: r, q: q, now: time.Now}
}

// nairobi is East Africa Time, the calendar a notice's dedupe day is counted in.
var nairobi = time.FixedZone("EAT", 3*60*60)

// Notify renders n, stores it as a queued message and enqueues its sending. The same
// notice (kind, phone and vars) given again the same day is stored once: an event that
// notifies twice sends one SMS. The day is part of the key because some notices carry
// nothing that tells two occurrences apart (pin.reset_allowed has no vars at all), and a
// second PIN reset next month must still be told. A message stored but not enqueued is
// reported as an error; it stays queued for Requeue.
func (o *Outbox) Notify(ctx context.Context, n chama.Notice) error {
	to, err := phone.Normalize(n.Phone)
	if err != nil {
		return fmt.Errorf("sms: notice %s: %w", n.Kind, err)
	}
	text, err := o.r.Render(n)
	if err != nil {
		return err
	}
	lang := n.Lang
	if lang == "" {
		lang = "sw"
	}
	if !evenIfOptedOut(n.Kind) {
		var out bool
		if err := o.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM sms_optouts WHERE phone = ?)`, to).
			Scan(&out).Error; err != nil {
			return fmt.Errorf("sms: notice %s: opt-out: %w", n.Kind, err)
		}
		if out {
			return nil // the phone sent STOP: only receipts and answers reach it
		}
	}
	parts, _ := Segments(text)
	var id int64
	if err := o.db.WithContext(ctx).Raw(`INSERT INTO sms_messages (to_phone, lang, kind, message, segments, cost, dedupe_key)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		to, lang, n.Kind, text, parts, Cost(parts), dedupeKey(n, to, o.now())).Scan(&id).Error; err != nil {
		return fmt.Errorf("sms: store %s: %w", n.Kind, err)
	}
	if id == 0 || o.q == nil {
		return nil // already stored for this event, or nobody to send it now
	}
	var opts []asynq.Option
	if !atOnce(n.Kind) {
		if at := NotBefore(o.now()); at.After(o.now()) {
			opts = append(opts, asynq.ProcessAt(at))
			// Requeue picks up messages idle since updated_at: not before they are due.
			if err := o.db.WithContext(ctx).Exec(`UPDATE sms_messages SET updated_at = ? WHERE id = ?`, at, id).Error; err != nil {
				return err
			}
		}
	}
	if _, err := o.q.Enqueue(tasks.NewSMSSendTask(id), opts...); err != nil &&
		!errors.Is(err, asynq.ErrDuplicateTask) && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("sms: message %d stored but not queued: %w", id, err)
	}
	return nil
}

// dedupeKey names one notice on one Nairobi day: its kind, then a hash of the phone, the
// day and the vars in key order (or n.Once in their place).
func dedupeKey(n chama.Notice, to string, now time.Time) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", n.Kind, to, now.In(nairobi).Format(time.DateOnly))
	if n.Once != "" {
		fmt.Fprintf(h, "once:%s", n.Once)
		return n.Kind + ":" + hex.EncodeToString(h.Sum(nil)[:16])
	}
	keys := make([]string, 0, len(n.Vars))
	for k := range n.Vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%d:%s=%d:%s\x00", len(k), k, len(n.Vars[k]), n.Vars[k])
	}
	return n.Kind + ":" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Messages returns every message to phone (any spelling phone.Normalize takes), oldest
// first; an empty slice, never nil, when there are none.
func (o *Outbox) Messages(ctx context.Context, phoneNumber string) ([]Message, error) {
	to, err := phone.Normalize(phoneNumber)
	if err != nil {
		return nil, err
	}
	out := []Message{}
	if err := o.db.WithContext(ctx).Raw(`SELECT `+columns+` FROM sms_messages WHERE to_phone = ? ORDER BY id`, to).
		Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("sms: messages: %w", err)
	}
	return out, nil
}

// Send hands message id to p, unless it has left the queue already, and records what p
// answered. It holds the row's lock while p works, so two tasks for one message never
// both send it; a second one finds the row locked or no longer queued and does nothing.
// A permanent refusal is recorded (rejected) and returns nil. Any other failure is
// recorded (attempts, reason) and returned, for Asynq to retry; on the task's last retry
// the message is marked failed instead. A message the provider took but whose answer
// could not be recorded may go out twice: aggregators have no idempotency key, so
// sending is at least once.
func (o *Outbox) Send(ctx context.Context, id int64, p Provider) error {
	var sendErr error
	err := o.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []Message
		if err := tx.Raw(`SELECT `+columns+` FROM sms_messages WHERE id = ? FOR UPDATE SKIP LOCKED`, id).
			Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			var n int64
			if err := tx.Raw(`SELECT count(*) FROM sms_messages WHERE id = ?`, id).Scan(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("sms: message %d: %w: %w", id, ErrNotFound, asynq.SkipRetry)
			}
			return nil // another worker is sending it
		}
		m := rows[0]
		if m.Status != StatusQueued {
			return nil
		}
		providerID, word, err := p.Send(ctx, m.To, m.Text)
		name := providerName(p)
		var perm *PermanentError
		switch {
		case errors.As(err, &perm):
			return tx.Exec(`UPDATE sms_messages SET status = ?, failure_reason = ?, attempts = attempts + 1, provider = ?,
				updated_at = now() WHERE id = ?`, StatusRejected, reason(perm.Status), name, id).Error
		case err != nil:
			status := StatusQueued
			if lastTry(ctx) {
				status = StatusFailed
			} else {
				sendErr = fmt.Errorf("sms: message %d: %w", id, err)
			}
			return tx.Exec(`UPDATE sms_messages SET status = ?, failure_reason = ?, attempts = attempts + 1, provider = ?,
				updated_at = now() WHERE id = ?`, status, reason(err.Error()), name, id).Error
		}
		status, ok := statusOf(word)
		if !ok || status == StatusQueued {
			status = StatusSent // it left us; what became of it, a delivery report will say
		}
		return tx.Exec(`UPDATE sms_messages SET status = ?, provider_id = NULLIF(?, ''), failure_reason = '',
			attempts = attempts + 1, provider = ?, updated_at = now() WHERE id = ?`, status, providerID, name, id).Error
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return err
		}
		return fmt.Errorf("sms: send message %d: %w", id, err)
	}
	return sendErr
}

// providerName is what sms_messages.provider records for p: its Name when it is one of
// the providers the table knows, NULL otherwise.
func providerName(p Provider) *string {
	if n, ok := p.(interface{ Name() string }); ok {
		if name := n.Name(); name == ProviderSandbox || name == ProviderAfricasTalking {
			return &name
		}
	}
	return nil
}

// lastTry reports whether ctx is an Asynq task's last try, after which a failure is final.
func lastTry(ctx context.Context) bool {
	retried, ok := asynq.GetRetryCount(ctx)
	most, ok2 := asynq.GetMaxRetry(ctx)
	return ok && ok2 && retried >= most
}

// reason cuts a failure's text to what the row keeps.
func reason(s string) string { return truncate(clean(s), 200) }

// DeliveryReport records an aggregator's delivery report about the message it knows as
// providerID. A status only moves forward (sent, submitted, buffered, then a final one)
// and a final status never changes, so a late or repeated report is ignored. It returns
// ErrNotFound when no message has that id (yet: a report can overtake the recording of
// the send, so the handler should let the aggregator retry), and ErrUnknownStatus for a
// status word it does not know.
func (o *Outbox) DeliveryReport(ctx context.Context, providerID, status, failureReason string) error {
	st, ok := statusOf(status)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownStatus, status)
	}
	if providerID == "" {
		return ErrNotFound
	}
	db := o.db.WithContext(ctx)
	res := db.Exec(`UPDATE sms_messages SET status = ?, failure_reason = ?, updated_at = now()
		WHERE provider_id = ? AND `+rankSQL+` < ?`, st, reason(failureReason), providerID, rank[st])
	if res.Error != nil {
		return fmt.Errorf("sms: delivery report: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := db.Raw(`SELECT count(*) FROM sms_messages WHERE provider_id = ?`, providerID).Scan(&n).Error; err != nil {
		return fmt.Errorf("sms: delivery report: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: provider id %q", ErrNotFound, providerID)
	}
	return nil
}

// Requeue enqueues the sms:send task again for every message still queued and untouched
// for idle, and returns how many. It is for a periodic sweep: a message whose enqueue
// failed, or whose task Redis lost, is otherwise never sent. idle should be longer than
// the send task's longest retry back-off (about 45 minutes), or a message between retries
// gets a second task; harmless, since a message queued twice is still sent once.
func (o *Outbox) Requeue(ctx context.Context, idle time.Duration) (int, error) {
	if o.q == nil {
		return 0, nil
	}
	var ids []int64
	if err := o.db.WithContext(ctx).Raw(`SELECT id FROM sms_messages WHERE status = 'queued' AND updated_at < ?
		ORDER BY id LIMIT 1000`, o.now().Add(-idle)).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("sms: requeue: %w", err)
	}
	n := 0
	for _, id := range ids {
		if _, err := o.q.Enqueue(tasks.NewSMSSendTask(id)); err != nil &&
			!errors.Is(err, asynq.ErrDuplicateTask) && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return n, fmt.Errorf("sms: requeue message %d: %w", id, err)
		}
		n++
	}
	return n, nil
}
