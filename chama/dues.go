package chama

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// Due is one obligation and what is still unpaid on it.
type Due struct {
	ID          int64           `gorm:"column:id"`
	GroupID     int64           `gorm:"column:group_id"`
	MemberID    int64           `gorm:"column:member_id"`
	Kind        string          `gorm:"column:kind"`
	Cycle       int             `gorm:"column:cycle"`
	Period      int             `gorm:"column:period"`
	Slot        string          `gorm:"column:slot"`
	Amount      decimal.Decimal `gorm:"column:amount"`
	DueOn       time.Time       `gorm:"column:due_on"`
	Outstanding decimal.Decimal `gorm:"column:outstanding"`
}

// dueOrder is the documented order a payment settles dues in: fines first, then
// everything else oldest first (registration fee, then each period's contribution and
// welfare), so arrears are cleared before the current period; what is left is advance
// savings.
const dueOrder = `CASE d.kind WHEN 'fine' THEN 0 ELSE 1 END, d.due_on, CASE d.kind
	WHEN 'registration' THEN 0 WHEN 'contribution' THEN 1 ELSE 2 END, d.id`

// duesWithOutstanding selects dues (as d) with what is unpaid on each (outstanding, and
// p.paid): the one place that sums how dues were settled.
const duesWithOutstanding = `SELECT d.*, d.amount - coalesce(p.paid, 0) AS outstanding
	FROM chama_dues d
	LEFT JOIN LATERAL (SELECT sum(amount) AS paid FROM chama_due_payments WHERE due_id = d.id) p ON true `

// openDues lists a member's dues with something unpaid, in dueOrder.
func (t *txn) openDues(member int64) ([]Due, error) {
	var ds []Due
	err := t.db.Raw(duesWithOutstanding+`WHERE d.member_id = ? AND d.amount > coalesce(p.paid, 0)
		ORDER BY `+dueOrder, member).Scan(&ds).Error
	return ds, err
}

// period is the contribution period containing day in the group's current cycle.
func (t *txn) period(g Group, c rules.Constitution, day time.Time) rules.Period {
	return rules.PeriodOn(c.Frequency, c.DueDay, g.CycleStart, rules.Day(day))
}

// registrationDue makes the registration fee due on joining, if the rules set one.
func (t *txn) registrationDue(g Group, m Member) error {
	c, _, err := t.rulesNow(g)
	if err != nil || !c.RegistrationFee.IsPositive() {
		return err
	}
	return t.db.Exec(`INSERT INTO chama_dues (group_id, member_id, kind, cycle, period, amount, due_on)
		VALUES (?, ?, 'registration', ?, 0, ?, ?) ON CONFLICT DO NOTHING`,
		g.ID, m.ID, g.Cycle, c.RegistrationFee, rules.Day(t.s.now())).Error
}

// RaiseDues makes the current period's contribution (and welfare) due for every active
// member of a group who had joined by its due date, under the rules in force at the
// period's start. Running it again changes nothing: a unique key per member, period and
// kind decides. It returns how many dues it created.
func (s *Service) RaiseDues(ctx context.Context, code string) (int, error) {
	n := 0
	err := s.tx(ctx, func(t *txn) error {
		n = 0
		g, err := t.groupByCode(code)
		if err != nil {
			return err
		}
		today := rules.Day(s.now())
		if today.Before(g.CycleStart) {
			return nil
		}
		cNow, _, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		p := t.period(g, cNow, today)
		c, _, err := t.rulesOn(g, p.Start)
		if err != nil {
			return err
		}
		members, err := t.activeMembers(g)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.JoinedAt != nil && rules.Day(*m.JoinedAt).After(p.Due) {
				continue
			}
			for _, d := range []struct {
				kind   string
				amount decimal.Decimal
			}{{"contribution", c.Contribution}, {"welfare", c.Welfare}} {
				if !d.amount.IsPositive() {
					continue
				}
				res := t.db.Exec(`INSERT INTO chama_dues (group_id, member_id, kind, cycle, period, amount, due_on)
					VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, g.ID, m.ID, d.kind, g.Cycle, p.N, d.amount, p.Due)
				if res.Error != nil {
					return res.Error
				}
				n += int(res.RowsAffected)
			}
		}
		return nil
	})
	return n, err
}

// ChargeFines fines every member whose contribution is late, by the group's rule, once
// per slot (once, per day or per week): the ledger entry's key and the due's unique slot
// make a second run, or two at once, charge nothing more. It returns how many fines it
// charged.
func (s *Service) ChargeFines(ctx context.Context, code string) (int, error) {
	n := 0
	err := s.tx(ctx, func(t *txn) error {
		n = 0
		g, err := t.groupByCode(code)
		if err != nil {
			return err
		}
		today := rules.Day(s.now())
		var late []Due
		if err := t.db.Raw(duesWithOutstanding+`JOIN chama_members m ON m.id = d.member_id AND m.status = 'active'
			WHERE d.group_id = ? AND d.kind = 'contribution' AND d.due_on < ? AND d.amount > coalesce(p.paid, 0)
			ORDER BY d.id`, g.ID, today).Scan(&late).Error; err != nil {
			return err
		}
		handed, err := t.cashAwaitingConfirmation(g)
		if err != nil {
			return err
		}
		for _, d := range late {
			c, _, err := t.rulesOn(g, d.DueOn)
			if err != nil {
				return err
			}
			lateFrom := rules.LateFrom(rules.Period{Due: d.DueOn}, c.GraceDays)
			// The cap bounds what was actually charged on this due: a percent fine on
			// what is unpaid today must not be recomputed over slots charged before a
			// part-payment.
			var already decimal.Decimal
			if err := t.db.Raw(`SELECT coalesce(sum(amount), 0) FROM chama_dues WHERE member_id = ? AND kind = 'fine' AND slot LIKE ?`,
				d.MemberID, fmt.Sprintf("d%d:%%", d.ID)).Scan(&already).Error; err != nil {
				return err
			}
			for _, ch := range rules.FineCharges(c.Fine, d.Outstanding, lateFrom, today) {
				// Cash handed to an official and waiting for a second one to confirm it is
				// not lateness: from the day it was handed over, nothing more is charged
				// (and if it is rejected, the next run charges the days it held back).
				if on, ok := handed[d.MemberID]; ok && !ch.On.Before(on) {
					continue
				}
				if c.Fine.Cap.IsPositive() {
					ch.Amount = decimalMin(ch.Amount, c.Fine.Cap.Sub(already))
					if !ch.Amount.IsPositive() {
						break
					}
				}
				charged, err := t.chargeFine(g, c, d, ch)
				if err != nil {
					return err
				}
				if charged {
					n++
					already = already.Add(ch.Amount)
				}
			}
		}
		return nil
	})
	return n, err
}

// chargeFine posts one fine (Dr fines-due / Cr fine-income) and records it as a due.
func (t *txn) chargeFine(g Group, c rules.Constitution, d Due, ch rules.FineCharge) (bool, error) {
	slot := fmt.Sprintf("d%d:%s", d.ID, ch.Slot)
	var exists int64
	if err := t.db.Table("chama_dues").Where("member_id = ? AND cycle = ? AND period = ? AND kind = 'fine' AND slot = ?",
		d.MemberID, d.Cycle, d.Period, slot).Count(&exists).Error; err != nil || exists > 0 {
		return false, err
	}
	finesDue, err := t.account(g, finesDueAccount(d.MemberID))
	if err != nil {
		return false, err
	}
	income, err := t.account(g, accountFineIncome)
	if err != nil {
		return false, err
	}
	e, err := t.l.Post(t.ctx, ledger.EntryRequest{
		Key: fmt.Sprintf("g%d:fine:%s", g.ID, slot), Book: g.BookID, Kind: "fine.charged", Currency: c.Currency,
		Memo:       fmt.Sprintf("late contribution, period %d", d.Period),
		Refs:       map[string]string{"member": fmt.Sprint(d.MemberID), "due": fmt.Sprint(d.ID), "slot": ch.Slot},
		OccurredAt: ch.On,
		Legs:       []ledger.Leg{ledger.Debit(finesDue.ID, ch.Amount), ledger.Credit(income.ID, ch.Amount)},
	})
	if err != nil {
		return false, err
	}
	res := t.db.Exec(`INSERT INTO chama_dues (group_id, member_id, kind, cycle, period, slot, amount, due_on, entry_id, created_at)
		VALUES (?, ?, 'fine', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		g.ID, d.MemberID, d.Cycle, d.Period, slot, ch.Amount, ch.On, e.ID, t.s.now())
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	m, err := t.memberByID(d.MemberID)
	if err != nil {
		return false, err
	}
	p, err := t.personByID(m.PersonID)
	if err != nil {
		return false, err
	}
	// The slot is not shown; it keeps two fines charged on one day two messages.
	t.notify(p, "fine.charged", map[string]string{"group": g.Code, "amount": ch.Amount.StringFixed(2), "period": fmt.Sprint(d.Period), "slot": slot})
	return true, t.audit(g.ID, 0, System, "fine.charged", m.ID, map[string]any{"amount": ch.Amount.StringFixed(2), "slot": slot})
}

// inArrears reports whether a member has a due past its grace days still unpaid, or any
// unpaid fine.
func (t *txn) inArrears(g Group, c rules.Constitution, member int64) (bool, error) {
	dues, err := t.openDues(member)
	if err != nil {
		return false, err
	}
	today := rules.Day(t.s.now())
	for _, d := range dues {
		if d.Kind == "fine" || !today.Before(rules.LateFrom(rules.Period{Due: d.DueOn}, c.GraceDays)) {
			return true, nil
		}
	}
	return false, nil
}

// syncFineDues records against a member's open fines, oldest first, whatever part of
// them the books show settled other than by a payment (from savings at a share-out or an
// exit, or written off), so that the dues and the fines-due account agree again and the
// next payment is not applied to fines already gone.
func (t *txn) syncFineDues(g Group, m Member, approval int64) error {
	fines, err := t.account(g, finesDueAccount(m.ID))
	if err != nil {
		return err
	}
	dues, err := t.openDues(m.ID)
	if err != nil {
		return err
	}
	open := decimal.Zero
	for _, d := range dues {
		if d.Kind == "fine" {
			open = open.Add(d.Outstanding)
		}
	}
	settled := open.Sub(fines.Balance)
	for _, d := range dues {
		if d.Kind != "fine" || !settled.IsPositive() {
			continue
		}
		part := decimalMin(d.Outstanding, settled)
		if err := t.db.Exec(`INSERT INTO chama_due_payments (due_id, approval_id, amount) VALUES (?, ?, ?)`,
			d.ID, approval, part).Error; err != nil {
			return err
		}
		settled = settled.Sub(part)
	}
	return nil
}

// waiveOpenDues records every unpaid contribution, welfare and fee of a member as waived
// by an approval (an exit: what a leaving member did not pay is not owed).
func (t *txn) waiveOpenDues(m Member, approval int64) error {
	return t.db.Exec(`INSERT INTO chama_due_payments (due_id, approval_id, amount)
		SELECT id, ?, outstanding FROM (`+duesWithOutstanding+`WHERE d.member_id = ? AND d.kind <> 'fine') open
		WHERE outstanding > 0`, approval, m.ID).Error
}
