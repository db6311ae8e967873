package sms

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/phone"
)

// The lists officials ask for by SMS (WANACHAMA, MADENI) that chama does not offer: each
// one read-only query over chama's tables, outside any transaction, like chama's own
// reads for the phone menus. The handler has already checked the sender is an official
// of the group.

// person is a member as a list names them.
type person struct {
	Name  string          `gorm:"column:name"`
	Phone string          `gorm:"column:phone"`
	Owed  decimal.Decimal `gorm:"column:owed"`
}

// label is how a list shows a member: their name, or their number when they gave none.
func (p person) label() string {
	if name := strings.TrimSpace(p.Name); name != "" {
		return name
	}
	return phone.Local(p.Phone)
}

// activeMembers lists a group's active members in joining order.
func (in *Inbox) activeMembers(ctx context.Context, code string) ([]person, error) {
	var out []person
	if err := in.db.WithContext(ctx).Raw(`SELECT p.name, p.phone FROM chama_members m
		JOIN chama_groups g ON g.id = m.group_id AND g.code = ?
		JOIN chama_people p ON p.id = m.person_id
		WHERE m.status = 'active' ORDER BY m.joined_at, m.id`, code).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("sms: members of %s: %w", code, err)
	}
	return out, nil
}

// arrears lists the active members of a group who owe overdue contributions, welfare or
// fees (due before today, Nairobi time) or unpaid fines (owed from the day charged), most
// owed first, with what each owes. It counts dues as chama.MemberBalances does: a due's
// amount less what payments and approved waivers settled of it.
// unpaidCTE is "unpaid": what each member of a group (code, the first parameter) owes on
// each due overdue on a day (the second, yyyy-mm-dd), fines from the day charged.
const unpaidCTE = `WITH unpaid AS (
		SELECT d.member_id, d.amount - coalesce((SELECT sum(dp.amount) FROM chama_due_payments dp WHERE dp.due_id = d.id), 0) AS owed
		FROM chama_dues d JOIN chama_groups g ON g.id = d.group_id AND g.code = ?
		WHERE d.kind = 'fine' OR d.due_on < ?::date)`

func (in *Inbox) arrears(ctx context.Context, code string, now time.Time) ([]person, error) {
	var out []person
	if err := in.db.WithContext(ctx).Raw(unpaidCTE+`
		SELECT p.name, p.phone, sum(u.owed) AS owed FROM unpaid u
		JOIN chama_members m ON m.id = u.member_id AND m.status = 'active'
		JOIN chama_people p ON p.id = m.person_id
		GROUP BY m.id, p.name, p.phone HAVING sum(u.owed) > 0
		ORDER BY owed DESC, m.id`, code, rules.Day(now).Format(time.DateOnly)).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("sms: arrears of %s: %w", code, err)
	}
	return out, nil
}
