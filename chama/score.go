package chama

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
)

// record gathers a member's history in the group for the score: every figure comes from
// dues, payments, instalments and guarantees already recorded, so a member can be told
// exactly why their score is what it is.
func (t *txn) record(g Group, m Member) (rules.Record, error) {
	var r rules.Record
	var contributions struct{ PeriodsDue, PeriodsOnTime int }
	var instalments struct{ InstalmentsDue, InstalmentsOnTime int }
	var guarantees struct{ GuaranteesCalled, GuaranteesHonoured int }
	var marks struct{ Fines, Defaults int }
	c, _, err := t.rulesNow(g)
	if err != nil {
		return r, err
	}
	today := rules.Day(t.s.now())
	// A contribution is on time when what was paid before its late day covers it.
	if err := t.db.Raw(`SELECT count(*) AS periods_due,
			count(*) FILTER (WHERE d.amount <= coalesce((SELECT sum(dp.amount) FROM chama_due_payments dp
				JOIN chama_payments p ON p.id = dp.payment_id
				WHERE dp.due_id = d.id AND p.received_at < d.due_on + make_interval(days => ? + 1)), 0)) AS periods_on_time
		FROM chama_dues d WHERE d.member_id = ? AND d.kind = 'contribution' AND d.due_on + make_interval(days => ? + 1) <= ?`,
		c.GraceDays, m.ID, c.GraceDays, today).Scan(&contributions).Error; err != nil {
		return r, err
	}
	if instalments.InstalmentsDue, instalments.InstalmentsOnTime, err = t.instalmentRecord(m, c.GraceDays, today); err != nil {
		return r, err
	}
	// A called pledge is taken from savings the pledge held, so every guarantee called
	// is honoured; the two counts differ only for a guarantor who left before the call.
	if err := t.db.Raw(`SELECT count(*) FILTER (WHERE status = 'called') AS guarantees_called,
			count(*) FILTER (WHERE status = 'called') AS guarantees_honoured
		FROM chama_guarantees WHERE member_id = ?`, m.ID).Scan(&guarantees).Error; err != nil {
		return r, err
	}
	if err := t.db.Raw(`SELECT (SELECT count(*) FROM chama_dues WHERE member_id = ? AND kind = 'fine') AS fines,
			(SELECT count(*) FROM chama_loans WHERE borrower_id = ? AND (status = 'defaulted'
				OR id IN (SELECT loan_id FROM chama_guarantees WHERE status = 'called'))) AS defaults`,
		m.ID, m.ID).Scan(&marks).Error; err != nil {
		return r, err
	}
	r = rules.Record{
		PeriodsDue: contributions.PeriodsDue, PeriodsOnTime: contributions.PeriodsOnTime,
		InstalmentsDue: instalments.InstalmentsDue, InstalmentsOnTime: instalments.InstalmentsOnTime,
		GuaranteesCalled: guarantees.GuaranteesCalled, GuaranteesHonoured: guarantees.GuaranteesHonoured,
		Fines: marks.Fines, Defaults: marks.Defaults,
	}
	if m.JoinedAt != nil {
		y, mo, _ := today.Date()
		jy, jm, _ := m.JoinedAt.In(nairobi).Date()
		r.TenureMonths = max(0, (y-jy)*12+int(mo-jm))
	}
	return r, nil
}

// ScoreOf is a member's score in a group with its top reasons, and the loan limit it
// gives them today.
func (s *Service) ScoreOf(ctx context.Context, a Actor, code string) (rules.Score, rules.Record, error) {
	var score rules.Score
	var rec rules.Record
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		if rec, err = t.record(g, m); err != nil {
			return err
		}
		score = rules.ScoreOf(rec)
		return nil
	})
	return score, rec, err
}

// instalmentRecord counts a borrower's instalments whose late day has passed, and those
// paid in full by then: what was repaid on the loan before the late day covers everything
// scheduled up to and including that instalment.
func (t *txn) instalmentRecord(m Member, graceDays int, today time.Time) (due, onTime int, err error) {
	var rows []struct {
		LoanID    int64
		DueOn     time.Time
		Scheduled decimal.Decimal // principal and interest up to and including this instalment
		Paid      decimal.Decimal // repaid on the loan before its late day
	}
	err = t.db.Raw(`SELECT i.loan_id, i.due_on,
			sum(i.principal + i.interest) OVER (PARTITION BY i.loan_id ORDER BY i.n) AS scheduled,
			coalesce((SELECT sum(p.amount) FROM chama_payments p WHERE p.purpose = 'repayment' AND p.subject_id = i.loan_id
				AND p.received_at < i.due_on + make_interval(days => ? + 1)), 0) AS paid
		FROM chama_instalments i JOIN chama_loans l ON l.id = i.loan_id
		WHERE l.borrower_id = ? ORDER BY i.loan_id, i.n`, graceDays, m.ID).Scan(&rows).Error
	for _, r := range rows {
		if !r.DueOn.AddDate(0, 0, graceDays+1).After(today) {
			due++
			if r.Paid.GreaterThanOrEqual(r.Scheduled) {
				onTime++
			}
		}
	}
	return due, onTime, err
}
