package chama

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ledger"
)

// Decisions about the group itself: its rules, who holds which office, who leaves, PIN
// resets and waivers. Each is a request that the officials approve (approvals.go); what
// happens on approval is registered here.

func init() {
	outcomes[SubjectRules] = outcome{quorum: func(q rules.Quorum) int { return q.RuleChange }, approved: (*txn).adoptRules}
	outcomes[SubjectRole] = outcome{quorum: func(q rules.Quorum) int { return q.Membership }, approved: (*txn).changeRole}
	outcomes[SubjectExit] = outcome{quorum: func(q rules.Quorum) int { return q.Membership }, approved: (*txn).settleExit}
	outcomes[SubjectRemoval] = outcome{quorum: func(q rules.Quorum) int { return q.Membership }, approved: (*txn).settleExit}
	outcomes[SubjectPINReset] = outcome{quorum: func(q rules.Quorum) int { return q.Membership }, approved: (*txn).allowPINReset}
	outcomes[SubjectWaiver] = outcome{quorum: func(q rules.Quorum) int { return q.Membership }, approved: (*txn).waive}
}

// ProposeRules asks the officials to adopt a new constitution. Once approved it takes
// effect from the start of the next period, never within the current one.
func (s *Service) ProposeRules(ctx context.Context, a Actor, code string, c rules.Constitution) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	if err := c.Validate(); err != nil {
		return Approval{}, err
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.official(a, code)
		if err != nil {
			return err
		}
		current, _, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		if c.Currency != current.Currency {
			return fmt.Errorf("%w: a group's currency cannot change", rules.ErrInvalidConstitution)
		}
		ap, err = t.requestApproval(g, m, SubjectRules, g.ID, 0, map[string]any{"rules": c}, a.Channel)
		return err
	})
	return ap, err
}

func (t *txn) adoptRules(ap Approval) error {
	var body struct {
		Rules rules.Constitution `json:"rules"`
	}
	if err := json.Unmarshal(ap.Payload, &body); err != nil {
		return err
	}
	g, err := t.groupByID(ap.GroupID)
	if err != nil {
		return err
	}
	current, version, err := t.rulesNow(g)
	if err != nil {
		return err
	}
	from := t.period(g, current, t.s.now()).End
	raw, err := json.Marshal(body.Rules)
	if err != nil {
		return err
	}
	if err := t.db.Exec(`INSERT INTO chama_constitutions (group_id, version, effective_from, rules, approval_id)
		VALUES (?, (SELECT max(version) + 1 FROM chama_constitutions WHERE group_id = ?), ?, ?::jsonb, ?)`,
		g.ID, g.ID, from, string(raw), ap.ID).Error; err != nil {
		return err
	}
	return t.audit(g.ID, 0, System, "rules.adopted", ap.ID, map[string]any{"from": from.Format("2006-01-02"), "after_version": version})
}

// Rules is the constitution in force today and its version.
func (s *Service) Rules(ctx context.Context, code string) (rules.Constitution, int, error) {
	var c rules.Constitution
	var v int
	err := s.tx(ctx, func(t *txn) error {
		g, err := t.groupByCode(code)
		if err != nil {
			return err
		}
		c, v, err = t.rulesNow(g)
		return err
	})
	return c, v, err
}

// ChangeRole asks the officials to give a member a role. Giving an office that someone
// holds moves its holder back to member.
func (s *Service) ChangeRole(ctx context.Context, a Actor, code, rawPhone string, role Role) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	if !role.valid() {
		return Approval{}, ErrInvalidRole
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, by, err := t.official(a, code)
		if err != nil {
			return err
		}
		target, err := t.memberByPhone(g, rawPhone)
		if err != nil {
			return err
		}
		ap, err = t.requestApproval(g, by, SubjectRole, target.ID, target.ID, map[string]string{"role": string(role)}, a.Channel)
		return err
	})
	return ap, err
}

func (t *txn) memberByPhone(g Group, rawPhone string) (Member, error) {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return Member{}, err
	}
	p, err := t.personByPhone(e164)
	if err != nil {
		return Member{}, err
	}
	m, err := t.member(g, p.ID)
	if err != nil || m.Status != "active" {
		return Member{}, ErrNotMember
	}
	return m, nil
}

func (t *txn) changeRole(ap Approval) error {
	var body struct {
		Role Role `json:"role"`
	}
	if err := json.Unmarshal(ap.Payload, &body); err != nil {
		return err
	}
	if body.Role.Official() {
		if err := t.db.Exec(`UPDATE chama_members SET role = 'member' WHERE group_id = ? AND role = ? AND status = 'active'`,
			ap.GroupID, body.Role).Error; err != nil {
			return err
		}
	}
	if err := t.db.Exec(`UPDATE chama_members SET role = ? WHERE id = ?`, body.Role, ap.subjectID()).Error; err != nil {
		return err
	}
	return t.audit(ap.GroupID, 0, System, "member.role", ap.subjectID(), map[string]any{"role": body.Role})
}

// RequestExit asks to leave the group. On approval the member's fines are settled from
// their savings (any they cannot cover are written off), their unpaid contributions are
// waived, and the rest of their savings is paid out. A member with a loan or a pledge in force repays or is released
// first.
func (s *Service) RequestExit(ctx context.Context, a Actor, code string) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		if err := t.canLeave(m); err != nil {
			return err
		}
		ap, err = t.requestApproval(g, m, SubjectExit, m.ID, 0, map[string]string{}, a.Channel)
		return err
	})
	return ap, err
}

// Remove asks the officials to remove a member, settled as an exit.
func (s *Service) Remove(ctx context.Context, a Actor, code, rawPhone, reason string) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, by, err := t.official(a, code)
		if err != nil {
			return err
		}
		target, err := t.memberByPhone(g, rawPhone)
		if err != nil {
			return err
		}
		if err := t.canLeave(target); err != nil {
			return err
		}
		ap, err = t.requestApproval(g, by, SubjectRemoval, target.ID, target.ID, map[string]string{"reason": reason}, a.Channel)
		return err
	})
	return ap, err
}

func (t *txn) canLeave(m Member) error {
	var n int64
	if err := t.db.Raw(`SELECT (SELECT count(*) FROM chama_loans WHERE borrower_id = ? AND status NOT IN ('closed', 'rejected', 'cancelled'))
		+ (SELECT count(*) FROM chama_guarantees WHERE member_id = ? AND status IN ('asked', 'pledged'))`, m.ID, m.ID).Scan(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return ErrActiveLoan
	}
	// Cash from meetings ties a member to the group too: an official who holds some pays
	// it in first, and a member whose envelope is waiting for confirmation waits for it.
	var cash struct {
		Held decimal.Decimal
		Open int64
	}
	if err := t.db.Raw(`SELECT coalesce((SELECT balance FROM ledger_accounts la JOIN chama_groups g ON la.book_id = g.book_id
			WHERE g.id = ? AND la.code = ?), 0) AS held,
		(SELECT count(*) FROM chama_approvals WHERE subject = ? AND status = 'open' AND (beneficiary = ? OR requested_by = ?)) AS open`,
		m.GroupID, cashInHandAccount(m.ID), SubjectCash, m.ID, m.ID).Scan(&cash).Error; err != nil {
		return err
	}
	if cash.Held.IsPositive() || cash.Open > 0 {
		return ErrCashInHand
	}
	return nil
}

func (t *txn) settleExit(ap Approval) error {
	m, err := t.memberByID(ap.subjectID())
	if err != nil {
		return err
	}
	if m.Status != "active" {
		return fmt.Errorf("%w: already %s", ErrNotMember, m.Status)
	}
	if err := t.canLeave(m); err != nil {
		return err
	}
	g, err := t.groupByID(ap.GroupID)
	if err != nil {
		return err
	}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return err
	}
	savings, err := t.account(g, savingsAccount(m.ID))
	if err != nil {
		return err
	}
	fines, err := t.account(g, finesDueAccount(m.ID))
	if err != nil {
		return err
	}
	// Fines come out of the savings; what the savings cannot cover is written off (the
	// group cannot collect from someone who has left). Unpaid contributions are waived.
	settle := decimalMin(fines.Balance, savings.Available())
	rest := fines.Balance.Sub(settle)
	var legs []ledger.Leg
	if settle.IsPositive() {
		legs = append(legs, ledger.Debit(savings.ID, settle))
	}
	if rest.IsPositive() {
		income, err := t.account(g, accountFineIncome)
		if err != nil {
			return err
		}
		legs = append(legs, ledger.Debit(income.ID, rest))
	}
	if len(legs) > 0 {
		if _, err := t.l.Post(t.ctx, ledger.EntryRequest{
			Key: fmt.Sprintf("g%d:exit:m%d:fines", g.ID, m.ID), Book: g.BookID, Kind: "exit.fines", Currency: c.Currency,
			Refs: map[string]string{"member": fmt.Sprint(m.ID)},
			Legs: append(legs, ledger.Credit(fines.ID, fines.Balance)),
		}); err != nil {
			return err
		}
	}
	if err := t.syncFineDues(g, m, ap.ID); err != nil {
		return err
	}
	if err := t.waiveOpenDues(m, ap.ID); err != nil {
		return err
	}
	// Below M-Pesa's minimum of 10 nothing can be sent: it stays in the member's savings,
	// on the books, until they collect it in person through an official.
	refund := savings.Available().Sub(settle)
	if err := t.payoutInParts(g, m.ID, PurposeExit, ap.ID, refund, savingsAccount(m.ID)); err != nil {
		return err
	}
	status := "exited"
	if ap.Subject == SubjectRemoval {
		status = "removed"
	}
	if err := t.db.Exec(`UPDATE chama_members SET status = ?, left_at = ?, role = 'member' WHERE id = ?`, status, t.s.now(), m.ID).Error; err != nil {
		return err
	}
	return t.audit(g.ID, 0, System, "member."+status, m.ID, map[string]any{"refund": refund.StringFixed(2), "fines_written_off": rest.StringFixed(2)})
}

// RequestPINReset asks the officials to let a member who forgot their PIN set a new one
// without it. It needs no PIN, only the member's own phone.
func (s *Service) RequestPINReset(ctx context.Context, a Actor, code string) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, p, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		ap, err = t.requestApproval(g, m, SubjectPINReset, p.ID, 0, map[string]string{}, a.Channel)
		return err
	})
	return ap, err
}

func (t *txn) allowPINReset(ap Approval) error {
	if err := t.db.Exec(`UPDATE chama_people SET pin_reset_allowed = true, pin_failures = 0, pin_locked_until = NULL WHERE id = ?`,
		ap.subjectID()).Error; err != nil {
		return err
	}
	if p, err := t.personByID(ap.subjectID()); err == nil {
		t.notify(p, "pin.reset_allowed", map[string]string{})
	}
	return t.audit(ap.GroupID, 0, System, "pin.reset_allowed", ap.subjectID(), nil)
}

// Waive asks the officials to forgive what is unpaid on a due (a fine, or a period's
// contribution in hardship).
func (s *Service) Waive(ctx context.Context, a Actor, code string, due int64, reason string) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, by, err := t.official(a, code)
		if err != nil {
			return err
		}
		var owner int64
		if err := t.db.Raw(`SELECT member_id FROM chama_dues WHERE id = ? AND group_id = ?`, due, g.ID).Scan(&owner).Error; err != nil || owner == 0 {
			if err == nil {
				err = fmt.Errorf("chama: no due %d in this group", due)
			}
			return err
		}
		ap, err = t.requestApproval(g, by, SubjectWaiver, due, owner, map[string]string{"reason": reason}, a.Channel)
		return err
	})
	return ap, err
}

func (t *txn) waive(ap Approval) error {
	var d Due
	if err := t.db.Raw(duesWithOutstanding+`WHERE d.id = ?`, ap.subjectID()).Scan(&d).Error; err != nil {
		return err
	}
	if !d.Outstanding.IsPositive() {
		return nil
	}
	g, err := t.groupByID(d.GroupID)
	if err != nil {
		return err
	}
	if d.Kind == "fine" { // the receivable goes: Dr fine-income / Cr fines-due
		c, _, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		income, err := t.account(g, accountFineIncome)
		if err != nil {
			return err
		}
		due, err := t.account(g, finesDueAccount(d.MemberID))
		if err != nil {
			return err
		}
		if _, err := t.l.Post(t.ctx, ledger.EntryRequest{
			Key: fmt.Sprintf("g%d:waiver:%d", g.ID, ap.ID), Book: g.BookID, Kind: "fine.waived", Currency: c.Currency,
			Refs: map[string]string{"due": fmt.Sprint(d.ID), "approval": fmt.Sprint(ap.ID)},
			Legs: []ledger.Leg{ledger.Debit(income.ID, d.Outstanding), ledger.Credit(due.ID, d.Outstanding)},
		}); err != nil {
			return err
		}
	}
	if err := t.db.Exec(`INSERT INTO chama_due_payments (due_id, approval_id, amount) VALUES (?, ?, ?)`,
		d.ID, ap.ID, d.Outstanding).Error; err != nil {
		return err
	}
	return t.audit(g.ID, 0, System, "due.waived", d.ID, map[string]any{"amount": d.Outstanding.StringFixed(2)})
}
