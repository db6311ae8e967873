package chama

import (
	"encoding/json"
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
	ID        int64
	At        string
	GroupID   *int64
	ActorID   *int64
	Channel   string
	Action    string
	SubjectID *int64
	Details   string
}
