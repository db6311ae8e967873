package mpesa

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Intent statuses. An intent is committed as new before its request leaves; sent once
// M-Pesa accepted the request; succeeded or failed when M-Pesa says; unknown when a B2C
// queue timed out (only Transaction Status may then decide); settled once the money is in
// the books; suspense when confirmed money matched no group or member.
const (
	StatusNew       = "new"
	StatusSent      = "sent"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusUnknown   = "unknown"
	StatusSettled   = "settled"
	StatusSuspense  = "suspense"
)

// Intent kinds.
const (
	KindSTK = "stk"
	KindC2B = "c2b"
	KindB2C = "b2c"
)

// Intent is one collection or payout, from before its request left to its settlement.
type Intent struct {
	ID                       int64           `gorm:"column:id"`
	Kind                     string          `gorm:"column:kind"`
	Status                   string          `gorm:"column:status"`
	GroupCode                *string         `gorm:"column:group_code"`
	Phone                    *string         `gorm:"column:phone"`
	Amount                   decimal.Decimal `gorm:"column:amount"`
	Purpose                  string          `gorm:"column:purpose"`
	SubjectID                *int64          `gorm:"column:subject_id"`
	AccountRef               *string         `gorm:"column:account_ref"`
	CheckoutRequestID        *string         `gorm:"column:checkout_request_id"`
	MerchantRequestID        *string         `gorm:"column:merchant_request_id"`
	OriginatorConversationID *string         `gorm:"column:originator_conversation_id"`
	ConversationID           *string         `gorm:"column:conversation_id"`
	StatusConversationID     *string         `gorm:"column:status_conversation_id"` // of the last Transaction Status asked
	TransactedAt             *time.Time      `gorm:"column:transacted_at"`          // M-Pesa's time of the transaction
	Receipt                  *string         `gorm:"column:receipt"`
	ResultCode               *string         `gorm:"column:result_code"`
	ResultDesc               string          `gorm:"column:result_desc"`
	Polls                    int             `gorm:"column:polls"`
	NextPollAt               *time.Time      `gorm:"column:next_poll_at"`
	CreatedAt                time.Time       `gorm:"column:created_at"`
	UpdatedAt                time.Time       `gorm:"column:updated_at"`
}

// Text returns a nullable column's value, or "".
func Text(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ErrUnknownIntent is an M-Pesa id that names no intent (yet: a callback can arrive
// before the reply to its own request has been recorded).
var ErrUnknownIntent = errors.New("mpesa: no payment intent with this id")

// insertIntent commits a new intent.
func insertIntent(ctx context.Context, db *gorm.DB, in Intent, source, detail string) (Intent, error) {
	// One statement, so one commit: the intent and its first event.
	err := db.WithContext(ctx).Raw(`WITH ins AS (INSERT INTO mpesa_intents (kind, status, group_code, phone, amount, purpose,
			subject_id, account_ref, originator_conversation_id, receipt, next_poll_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *),
		ev AS (INSERT INTO mpesa_intent_events (intent_id, to_status, source, detail) SELECT id, status, ?, ? FROM ins)
		SELECT * FROM ins`,
		in.Kind, in.Status, in.GroupCode, in.Phone, in.Amount, in.Purpose, in.SubjectID, in.AccountRef,
		in.OriginatorConversationID, in.Receipt, in.NextPollAt, source, detail).Scan(&in).Error
	return in, err
}

func event(tx *gorm.DB, intent int64, from, to, source, detail string) error {
	if len(detail) > 500 {
		detail = detail[:500]
	}
	return tx.Exec(`INSERT INTO mpesa_intent_events (intent_id, from_status, to_status, source, detail) VALUES (?, NULLIF(?, ''), ?, ?, ?)`,
		intent, from, to, source, detail).Error
}

// transition moves an intent from one of the statuses in from to to, setting the given
// columns, and records the change. It reports false, changing nothing, when the intent is
// no longer in one of from: a second callback or a late poll finds the work done.
func transition(ctx context.Context, db *gorm.DB, id int64, from []string, to, source, detail string, set map[string]any) (Intent, bool, error) {
	cols := make([]string, 0, len(set))
	for c := range set {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	assign := []string{"status = ?", "updated_at = now()"}
	args := []any{id, to}
	for _, c := range cols {
		assign = append(assign, c+" = ?")
		args = append(args, set[c])
	}
	if len(detail) > 500 {
		detail = detail[:500]
	}
	args = append(args, pqArray(from), source, detail)
	// One statement: lock the row, move it only from an expected status, record the event.
	var row struct {
		Intent
		Prev *string `gorm:"column:prev"`
	}
	err := db.WithContext(ctx).Raw(`WITH old AS (SELECT id, status FROM mpesa_intents WHERE id = ? FOR UPDATE),
		upd AS (UPDATE mpesa_intents i SET `+strings.Join(assign, ", ")+` FROM old
			WHERE i.id = old.id AND old.status = ANY(?::text[]) RETURNING i.*, old.status AS prev),
		ev AS (INSERT INTO mpesa_intent_events (intent_id, from_status, to_status, source, detail)
			SELECT id, prev, status, ?, ? FROM upd)
		SELECT * FROM upd`, args...).Scan(&row).Error
	if err != nil {
		return Intent{}, false, fmt.Errorf("intent %d → %s: %w", id, to, err)
	}
	if row.ID != 0 {
		return row.Intent, true, nil
	}
	var in Intent
	if err := db.WithContext(ctx).Raw(`SELECT * FROM mpesa_intents WHERE id = ?`, id).Scan(&in).Error; err != nil {
		return Intent{}, false, err
	}
	if in.ID == 0 {
		return Intent{}, false, ErrUnknownIntent
	}
	return in, false, nil
}

// pqArray writes a text array literal for ANY(?).
func pqArray(xs []string) string {
	return "{" + strings.Join(xs, ",") + "}"
}

// intentBy finds an intent by one of its unique ids.
func intentBy(ctx context.Context, db *gorm.DB, column, value string) (Intent, error) {
	var in Intent
	switch column {
	case "checkout_request_id", "originator_conversation_id", "receipt", "conversation_id", "status_conversation_id":
	default:
		return Intent{}, fmt.Errorf("mpesa: no lookup by %s", column)
	}
	err := db.WithContext(ctx).Raw(`SELECT * FROM mpesa_intents WHERE `+column+` = ? ORDER BY id LIMIT 1`, value).Scan(&in).Error
	if err == nil && in.ID == 0 {
		err = ErrUnknownIntent
	}
	return in, err
}

// IntentByID returns an intent.
func (s *Service) IntentByID(ctx context.Context, id int64) (Intent, error) {
	var in Intent
	err := s.db.WithContext(ctx).Raw(`SELECT * FROM mpesa_intents WHERE id = ?`, id).Scan(&in).Error
	if err == nil && in.ID == 0 {
		err = ErrUnknownIntent
	}
	return in, err
}

// IntentEvent is one recorded transition.
type IntentEvent struct {
	At         time.Time `gorm:"column:at"`
	FromStatus *string   `gorm:"column:from_status"`
	ToStatus   string    `gorm:"column:to_status"`
	Source     string    `gorm:"column:source"`
	Detail     string    `gorm:"column:detail"`
}

// History lists an intent's transitions, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]IntentEvent, error) {
	var ev []IntentEvent
	err := s.db.WithContext(ctx).Raw(`SELECT at, from_status, to_status, source, detail FROM mpesa_intent_events
		WHERE intent_id = ? ORDER BY id`, id).Scan(&ev).Error
	return ev, err
}
