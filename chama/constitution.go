package chama

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kikundi/kikundi/chama/rules"
)

// rulesOn is the constitution in force for a group on a day, with its version.
func (t *txn) rulesOn(g Group, day time.Time) (rules.Constitution, int, error) {
	var row struct {
		Version int
		Rules   []byte
	}
	if err := t.db.Raw(`SELECT version, rules FROM chama_constitutions
		WHERE group_id = ? AND effective_from <= ? ORDER BY version DESC LIMIT 1`,
		g.ID, rules.Day(day)).Scan(&row).Error; err != nil {
		return rules.Constitution{}, 0, err
	}
	if row.Version == 0 { // before the group's first day: its founding rules
		if err := t.db.Raw(`SELECT version, rules FROM chama_constitutions WHERE group_id = ? AND version = 1`,
			g.ID).Scan(&row).Error; err != nil {
			return rules.Constitution{}, 0, err
		}
	}
	var c rules.Constitution
	if err := json.Unmarshal(row.Rules, &c); err != nil {
		return rules.Constitution{}, 0, fmt.Errorf("constitution %d of group %d: %w", row.Version, g.ID, err)
	}
	return c, row.Version, nil
}

// rulesNow is the constitution in force today.
func (t *txn) rulesNow(g Group) (rules.Constitution, int, error) { return t.rulesOn(g, t.s.now()) }
