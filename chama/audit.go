package chama

import (
	"context"
	"encoding/json"
	"time"
)

// audit writes one line of the trail in the same transaction as the act it records, so
// the trail can never claim something that did not happen, nor miss something that did.
func (t *txn) audit(group, actor int64, ch Channel, action string, subject int64, details map[string]any) error {
	raw, err := json.Marshal(details)
	if err != nil || details == nil {
		raw = []byte("{}")
	}
	return t.db.Exec(`INSERT INTO chama_audit (group_id, actor_id, channel, action, subject_id, details)
		VALUES (NULLIF(?, 0), NULLIF(?, 0), ?, ?, NULLIF(?, 0), ?::jsonb)`,
		group, actor, string(ch), action, subject, string(raw)).Error
}

// AuditLine is one line of the trail.
type AuditLine struct {
	ID        int64     `gorm:"column:id" json:"id"`
	At        time.Time `gorm:"column:at" json:"at"`
	GroupID   *int64    `gorm:"column:group_id" json:"group_id,omitempty"`
	ActorID   *int64    `gorm:"column:actor_id" json:"actor_id,omitempty"`
	Channel   string    `gorm:"column:channel" json:"channel"`
	Action    string    `gorm:"column:action" json:"action"`
	SubjectID *int64    `gorm:"column:subject_id" json:"subject_id,omitempty"`
	Details   string    `gorm:"column:details" json:"details"`
}

// AuditTrail is a page of a group's trail, newest first, for any of its members: who did
// what and when is the group's business, not the treasurer's alone. Pass the last line's
// ID as before for the next page.
func (s *Service) AuditTrail(ctx context.Context, a Actor, code string, before int64, limit int) ([]AuditLine, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	var out []AuditLine
	err := s.tx(ctx, func(t *txn) error {
		g, _, _, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		return t.db.Raw(`SELECT id, at, group_id, actor_id, channel, action, subject_id, details::text AS details
			FROM chama_audit WHERE group_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, g.ID, before, limit).Scan(&out).Error
	})
	return out, err
}
