package chama

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// RecoverDefaults treats every loan with an instalment unpaid DefaultAfter past its due
// date as non-performing and recovers it: from the borrower's own free savings first,
// then from each guarantor's pledge, in the order they pledged, never more than they
// pledged. A loan recovered in full closes; otherwise it stays defaulted, still owed. It
// returns how many loans it acted on; a second run finds nothing new to take.
func (s *Service) RecoverDefaults(ctx context.Context, code string) (int, error) {
	var loans []int64
	if err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT l.id FROM chama_loans l JOIN chama_groups g ON g.id = l.group_id
		JOIN chama_instalments i ON i.loan_id = l.id
		WHERE g.code = ? AND l.status = 'active' AND l.lender_id IS NULL AND i.due_on <= ? ORDER BY l.id`,
		code, rules.Day(s.now().Add(-DefaultAfter))).Scan(&loans).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, id := range loans {
		err := s.tx(ctx, func(t *txn) error {
			acted, err := t.recover(id)
			if acted {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (t *txn) recover(loanID int64) (bool, error) {
	loan, err := t.lockLoan(loanID)
	if err != nil || loan.Status != LoanActive {
		return false, err
	}
	g, err := t.groupByID(loan.GroupID)
	if err != nil {
		return false, err
	}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return false, err
	}
	// Non-performing only if what fell due by the cut-off is still not paid.
	var due decimal.Decimal
	if err := t.db.Raw(`SELECT coalesce(sum(principal + interest), 0) FROM chama_instalments WHERE loan_id = ? AND due_on <= ?`,
		loan.ID, rules.Day(t.s.now().Add(-DefaultAfter))).Scan(&due).Error; err != nil {
		return false, err
	}
	paid, err := t.repaidSoFar(g, loan)
	if err != nil {
		return false, err
	}
	if paid.GreaterThanOrEqual(due) {
		return false, nil
	}
	borrower, err := t.memberByID(loan.BorrowerID)
	if err != nil {
		return false, err
	}
	if err := t.takeFromSavings(g, c, loan, borrower, "borrower", nil); err != nil {
		return false, err
	}
	var pledges []struct {
		MemberID int64
		HoldID   int64
	}
	if err := t.db.Raw(`SELECT member_id, hold_id FROM chama_guarantees WHERE loan_id = ? AND status = 'pledged' ORDER BY updated_at, member_id`,
		loan.ID).Scan(&pledges).Error; err != nil {
		return false, err
	}
	for _, p := range pledges {
		lb, err := t.loanBooks(g, loan.ID)
		if err != nil {
			return false, err
		}
		if lb.principal.Balance.Add(lb.interest.Balance).Add(lb.penalty.Balance).IsZero() {
			break // recovered in full: the remaining pledges are released by closing
		}
		h, err := t.l.HoldByID(t.ctx, p.HoldID)
		if err != nil {
			return false, err
		}
		if err := t.l.VoidHold(t.ctx, p.HoldID); err != nil && !errors.Is(err, ledger.ErrHoldNotPending) {
			return false, err
		}
		gm, err := t.memberByID(p.MemberID)
		if err != nil {
			return false, err
		}
		if err := t.takeFromSavings(g, c, loan, gm, "guarantor", &h.Amount); err != nil {
			return false, err
		}
		if err := t.db.Exec(`UPDATE chama_guarantees SET status = 'called', updated_at = now() WHERE loan_id = ? AND member_id = ?`,
			loan.ID, p.MemberID).Error; err != nil {
			return false, err
		}
		gp, err := t.personByID(gm.PersonID)
		if err != nil {
			return false, err
		}
		t.notify(gp, "guarantee.called", map[string]string{"group": g.Code, "loan": fmt.Sprint(loan.ID)})
	}
	if err := t.closeIfRepaid(g, &loan); err != nil {
		return false, err
	}
	if loan.Status == LoanActive {
		if err := t.db.Raw(`UPDATE chama_loans SET status = 'defaulted' WHERE id = ? RETURNING *`, loan.ID).Scan(&loan).Error; err != nil {
			return false, err
		}
	}
	return true, t.audit(g.ID, 0, System, "loan.recovered", loan.ID, map[string]any{"status": loan.Status})
}

// takeFromSavings repays a loan from a member's free savings, at most limit (a pledge)
// when given: penalty, then interest due, then principal.
func (t *txn) takeFromSavings(g Group, c rules.Constitution, loan Loan, m Member, role string, limit *decimal.Decimal) error {
	savings, err := t.account(g, savingsAccount(m.ID))
	if err != nil {
		return err
	}
	take := savings.Available()
	if limit != nil {
		take = decimalMin(take, *limit)
	}
	lb, err := t.loanBooks(g, loan.ID)
	if err != nil {
		return err
	}
	parts, _ := rules.Allocate(take, lb.owed())
	var credits legs
	for i, acc := range lb.accounts() {
		credits.add(acc.ID, parts[i])
	}
	if len(credits.order) == 0 {
		return nil
	}
	_, err = t.l.Post(t.ctx, ledger.EntryRequest{
		Key: fmt.Sprintf("g%d:recover:l%d:m%d", g.ID, loan.ID, m.ID), Book: g.BookID, Kind: "loan.recovery", Currency: c.Currency,
		Memo: "recovered from the " + role + "'s savings", Refs: map[string]string{"loan": fmt.Sprint(loan.ID), "member": fmt.Sprint(m.ID)},
		Legs: credits.entry(savings.ID),
	})
	return err
}
