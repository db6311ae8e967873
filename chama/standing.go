package chama

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
)

// Standing is one member as the others see them: what they owe that is overdue (dues and
// fines) and the principal of their loan. A group's members see each other's standing:
// that is the visibility the group exists for (domain/chamas.md).
type Standing struct {
	Name string          `gorm:"column:name"`
	Role Role            `gorm:"column:role"`
	Owed decimal.Decimal `gorm:"column:owed"`
	Loan decimal.Decimal `gorm:"column:loan"`
	Held decimal.Decimal `gorm:"column:held"` // cash from meetings this official has not paid in
}

// NextPayout is whose merry-go-round pot comes next, and when its contributions are due.
type NextPayout struct {
	Name   string
	Period int
	Due    time.Time
}

// Standings lists the group's active members in joining order with their standing, for
// any member of it, and the next merry-go-round payout when the rules make the group one
// and the round's order is already fixed (nil otherwise: nothing is drawn by looking).
func (s *Service) Standings(ctx context.Context, a Actor, code string) ([]Standing, *NextPayout, error) {
	var out []Standing
	var next *NextPayout
	err := s.tx(ctx, func(t *txn) error {
		g, _, _, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		if err := t.db.Raw(`SELECT p.name, m.role,
				coalesce((SELECT sum(d.amount - coalesce((SELECT sum(dp.amount) FROM chama_due_payments dp WHERE dp.due_id = d.id), 0))
					FROM chama_dues d WHERE d.member_id = m.id AND (d.kind = 'fine' OR d.due_on < ?::date)), 0) AS owed,
				coalesce((SELECT sum(la.balance) FROM chama_loans l JOIN ledger_accounts la
					ON la.book_id = ? AND la.code = 'loan:l' || l.id
					WHERE l.borrower_id = m.id AND l.status IN ('active', 'defaulted')), 0) AS loan,
				coalesce((SELECT balance FROM ledger_accounts WHERE book_id = ? AND code = 'cash-in-hand:m' || m.id), 0) AS held
			FROM chama_members m JOIN chama_people p ON p.id = m.person_id
			WHERE m.group_id = ? AND m.status = 'active' ORDER BY m.joined_at, m.id`,
			rules.Day(t.s.now()).Format(time.DateOnly), g.BookID, g.BookID, g.ID).Scan(&out).Error; err != nil {
			return err
		}
		c, _, err := t.rulesNow(g)
		if err != nil || !c.Rotation {
			return err
		}
		next, err = t.nextPayout(g, c)
		return err
	})
	return out, next, err
}

// nextPayout reads whose pot is next from the round already drawn: the oldest period of
// the cycle so far whose pot has not been paid (a short week waits for its contributions
// or the officials), else the next period's.
func (t *txn) nextPayout(g Group, c rules.Constitution) (*NextPayout, error) {
	n, err := t.nextPot(g, c)
	if err != nil {
		return nil, err
	}
	p := rules.PeriodAt(c.Frequency, c.DueDay, g.CycleStart, n)
	var size int
	if err := t.db.Raw(`SELECT count(*) FROM chama_rotation WHERE group_id = ? AND round = 1`, g.ID).Scan(&size).Error; err != nil || size == 0 {
		return nil, err
	}
	var name string
	if err := t.db.Raw(`SELECT pe.name FROM chama_rotation r JOIN chama_members m ON m.id = r.member_id
		JOIN chama_people pe ON pe.id = m.person_id WHERE r.group_id = ? AND r.round = ? AND r.position = ?`,
		g.ID, (p.N-1)/size+1, (p.N-1)%size+1).Scan(&name).Error; err != nil || name == "" {
		return nil, err
	}
	return &NextPayout{Name: name, Period: p.N, Due: p.Due}, nil
}

// nextPot is the oldest period of the cycle so far whose pot has not been paid, else the
// next period.
func (t *txn) nextPot(g Group, c rules.Constitution) (int, error) {
	current := t.period(g, c, t.s.now()).N
	var n int
	err := t.db.Raw(`SELECT coalesce(min(n), ? + 1) FROM generate_series(1, ?) n WHERE NOT EXISTS (
		SELECT 1 FROM chama_payouts WHERE group_id = ? AND purpose = 'rotation' AND subject_id = ? * 10000 + n -- rotationSubject
		AND status <> 'failed')`, current, current, g.ID, g.Cycle).Scan(&n).Error
	return n, err
}

// PotDue is, for an official of a merry-go-round group, the oldest pot of the cycle so far
// not yet paid and whose turn it is (drawing the round when its rules draw it and it has
// not been): what asking for a short pot would pay. ErrNotYourTurn when there is no such
// pot yet, or the officials have still to set the round's order.
func (s *Service) PotDue(ctx context.Context, a Actor, code string) (period int, name string, err error) {
	err = s.tx(ctx, func(t *txn) error {
		g, _, _, err := t.official(a, code)
		if err != nil {
			return err
		}
		c, _, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		if !c.Rotation {
			return ErrNotYourTurn
		}
		if period, err = t.nextPot(g, c); err != nil {
			return err
		}
		if period > t.period(g, c, t.s.now()).N {
			return ErrNotYourTurn // every pot so far is paid
		}
		turn, err := t.rotationTurn(g, c, period)
		if err != nil {
			return err
		}
		m, err := t.memberByID(turn.MemberID)
		if err != nil {
			return err
		}
		p, err := t.personByID(m.PersonID)
		name = p.Name
		return err
	})
	return period, name, err
}
