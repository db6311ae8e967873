package chama

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// loanBooks is a loan's three receivable accounts with their balances now.
type loanBooks struct {
	principal, interest, penalty ledger.Account
}

func (t *txn) loanBooks(g Group, loan int64) (loanBooks, error) {
	var lb loanBooks
	var err error
	if lb.principal, err = t.account(g, loanAccount(loan)); err != nil {
		return lb, err
	}
	if lb.interest, err = t.account(g, interestDueAccount(loan)); err != nil {
		return lb, err
	}
	lb.penalty, err = t.account(g, penaltyDueAccount(loan))
	return lb, err
}

// owed is what must be paid to clear the loan today, in the order it is repaid.
func (lb loanBooks) owed() []rules.Due {
	return []rules.Due{
		{Ref: "penalty", Amount: lb.penalty.Balance},
		{Ref: "interest", Amount: lb.interest.Balance},
		{Ref: "principal", Amount: lb.principal.Balance},
	}
}

func (lb loanBooks) accounts() []ledger.Account {
	return []ledger.Account{lb.penalty, lb.interest, lb.principal}
}

// applyRepayment pays a loan: penalty, then interest due, then principal; anything beyond
// what the loan owes goes to the member's savings rather than being refused, because the
// money has already arrived.
func (t *txn) applyRepayment(g Group, c rules.Constitution, p Person, m Member, pay Payment) (Applied, error) {
	loanID := pay.Loan
	if loanID == 0 {
		if err := t.db.Raw(`SELECT id FROM chama_loans WHERE borrower_id = ? AND status IN ('active', 'defaulted')
			ORDER BY id LIMIT 1`, m.ID).Scan(&loanID).Error; err != nil {
			return Applied{}, err
		}
		if loanID == 0 { // nothing to repay: it is a contribution after all
			pay.Purpose = ForContribution
			return t.applyContribution(g, c, p, m, pay)
		}
	}
	loan, err := t.lockLoan(loanID)
	if err != nil || loan.BorrowerID != m.ID || loan.GroupID != g.ID {
		return Applied{}, ErrUnknownLoan
	}
	if loan.LenderID != nil && loan.Status == LoanActive {
		return t.applyPeerRepayment(g, c, p, m, loan, pay)
	}
	if loan.Status != LoanActive && loan.Status != LoanDefaulted {
		// Money has arrived for a loan already closed (a second payment crossing the
		// first): it is saved, not refused.
		pay.Purpose = ForContribution
		return t.applyContribution(g, c, p, m, pay)
	}
	if loan.Status == LoanActive {
		// Whatever fell due while the daily job was behind is due before this payment is
		// split, then the instalment it pays into.
		if _, err := t.accrue(loan.ID); err != nil {
			return Applied{}, err
		}
		if err := t.accrueNext(g, c, loan, pay.Amount); err != nil {
			return Applied{}, err
		}
	}
	lb, err := t.loanBooks(g, loan.ID)
	if err != nil {
		return Applied{}, err
	}
	parts, left := rules.Allocate(pay.Amount, lb.owed())
	var credits legs
	out := Applied{}
	for i, acc := range lb.accounts() {
		credits.add(acc.ID, parts[i])
		out.Loan = out.Loan.Add(parts[i])
	}
	savings, err := t.account(g, savingsAccount(m.ID))
	if err != nil {
		return Applied{}, err
	}
	credits.add(savings.ID, left)
	out.Savings = left
	cash, err := t.account(g, accountCash)
	if err != nil {
		return Applied{}, err
	}
	e, err := t.l.Post(t.ctx, ledger.EntryRequest{
		Key: "mpesa:" + pay.Receipt + ":group", Book: g.BookID, Kind: "loan.repayment", Currency: c.Currency,
		Refs: map[string]string{"mpesa_receipt": pay.Receipt, "loan": fmt.Sprint(loan.ID)}, OccurredAt: pay.ReceivedAt,
		Legs: credits.entry(cash.ID),
	})
	if err != nil {
		return Applied{}, err
	}
	out.EntryID = e.ID
	if out.PaymentID, err = t.recordPayment(g, m, pay, loan.ID, e.ID); err != nil {
		return Applied{}, err
	}
	remaining := lb.principal.Balance.Sub(parts[2])
	t.notify(p, "loan.repaid", map[string]string{"group": g.Code, "loan": fmt.Sprint(loan.ID), "amount": pay.Amount.StringFixed(2),
		"receipt": pay.Receipt, "remaining": remaining.StringFixed(2)})
	if err := t.audit(g.ID, p.ID, System, "payment.repayment", out.PaymentID, map[string]any{"receipt": pay.Receipt, "loan": loan.ID}); err != nil {
		return Applied{}, err
	}
	return out, t.closeIfRepaid(g, &loan)
}

// closeIfRepaid closes a loan once principal, interest and penalties are all paid. The
// interest of instalments not yet due is not charged: repaying early saves it.
func (t *txn) closeIfRepaid(g Group, loan *Loan) error {
	lb, err := t.loanBooks(g, loan.ID)
	if err != nil {
		return err
	}
	for _, a := range lb.accounts() {
		if !a.Balance.IsZero() {
			return nil
		}
	}
	return t.endLoan(g, loan, LoanClosed, "repaid")
}

// AccrueLoans makes each instalment's interest due on its due date (Dr interest-due / Cr
// interest-income) and charges the late penalty once per instalment left unpaid past the
// grace days, never letting interest and charges exceed the principal outstanding (in
// duplum). Keys per loan, instalment and kind make a second run charge nothing. It
// returns how many entries it posted.
func (s *Service) AccrueLoans(ctx context.Context, code string) (int, error) {
	var loans []int64
	if err := s.db.WithContext(ctx).Raw(`SELECT l.id FROM chama_loans l JOIN chama_groups g ON g.id = l.group_id
		WHERE g.code = ? AND l.status IN ('active', 'defaulted') ORDER BY l.id`, code).Scan(&loans).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, id := range loans {
		err := s.tx(ctx, func(t *txn) error {
			k, err := t.accrue(id)
			n += k
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

type instalment struct {
	N               int             `gorm:"column:n"`
	DueOn           time.Time       `gorm:"column:due_on"`
	Principal       decimal.Decimal `gorm:"column:principal"`
	Interest        decimal.Decimal `gorm:"column:interest"`
	InterestEntryID *int64          `gorm:"column:interest_entry_id"`
	PenaltyEntryID  *int64          `gorm:"column:penalty_entry_id"`
}

func (t *txn) accrue(loanID int64) (int, error) {
	loan, err := t.lockLoan(loanID)
	if err != nil || (loan.Status != LoanActive && loan.Status != LoanDefaulted) || loan.LenderID != nil {
		return 0, err // peer loans carry no group interest accounts: see peerloans.go
	}
	g, err := t.groupByID(loan.GroupID)
	if err != nil {
		return 0, err
	}
	c, _, err := t.rulesOn(g, *loan.DisbursedOn)
	if err != nil {
		return 0, err
	}
	var ins []instalment
	if err := t.db.Raw(`SELECT * FROM chama_instalments WHERE loan_id = ? ORDER BY n`, loan.ID).Scan(&ins).Error; err != nil {
		return 0, err
	}
	today := rules.Day(t.s.now())
	n := 0
	scheduled := decimal.Zero // principal + interest due up to and including instalment i
	for _, in := range ins {
		scheduled = scheduled.Add(in.Principal).Add(in.Interest)
		if in.DueOn.After(today) {
			break
		}
		if in.InterestEntryID == nil {
			charged, err := t.accrueInterest(g, c, loan, in)
			if err != nil {
				return n, err
			}
			if charged {
				n++
			}
		}
		if in.PenaltyEntryID != nil || !c.LatePenalty.IsPositive() || today.Before(in.DueOn.AddDate(0, 0, c.GraceDays+1)) {
			continue
		}
		paid, err := t.repaidSoFar(g, loan)
		if err != nil {
			return n, err
		}
		// The penalty is on what is unpaid of this instalment: arrears of earlier ones
		// were penalised with their own instalment.
		overdue := decimalMin(in.Principal.Add(in.Interest), scheduled.Sub(paid))
		if !overdue.IsPositive() {
			continue
		}
		id, err := t.charge(g, c, loan, in, "penalty", rules.LatePenalty(c.LatePenalty, overdue), penaltyDueAccount(loan.ID))
		if err != nil {
			return n, err
		}
		if id != 0 {
			n++
			if err := t.db.Exec(`UPDATE chama_instalments SET penalty_entry_id = ? WHERE loan_id = ? AND n = ?`,
				id, loan.ID, in.N).Error; err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// accrueInterest makes one instalment's interest due, once: the key is the same whether
// the daily job or a repayment gets there first.
func (t *txn) accrueInterest(g Group, c rules.Constitution, loan Loan, in instalment) (bool, error) {
	if !in.Interest.IsPositive() {
		return false, nil
	}
	id, err := t.charge(g, c, loan, in, "interest", in.Interest, interestDueAccount(loan.ID))
	if err != nil || id == 0 {
		return false, err
	}
	return true, t.db.Exec(`UPDATE chama_instalments SET interest_entry_id = ? WHERE loan_id = ? AND n = ?`, id, loan.ID, in.N).Error
}

// accrueNext makes the interest of the next instalment not yet due fall due now when a
// repayment of amount reaches into that instalment's principal: paying an instalment a
// few days early pays it as scheduled (interest, then principal), and settling the whole
// loan early pays the interest of the instalment in progress but not of those not begun.
func (t *txn) accrueNext(g Group, c rules.Constitution, loan Loan, amount decimal.Decimal) error {
	var in instalment
	if err := t.db.Raw(`SELECT * FROM chama_instalments WHERE loan_id = ? AND interest_entry_id IS NULL ORDER BY n LIMIT 1`,
		loan.ID).Scan(&in).Error; err != nil || in.N == 0 {
		return err
	}
	var before decimal.Decimal // principal scheduled before instalment n
	if err := t.db.Raw(`SELECT coalesce(sum(principal), 0) FROM chama_instalments WHERE loan_id = ? AND n < ?`,
		loan.ID, in.N).Scan(&before).Error; err != nil {
		return err
	}
	lb, err := t.loanBooks(g, loan.ID)
	if err != nil {
		return err
	}
	toPrincipal := amount.Sub(lb.penalty.Balance).Sub(lb.interest.Balance)
	if loan.Principal.Sub(lb.principal.Balance).Add(toPrincipal).LessThanOrEqual(before) {
		return nil
	}
	_, err = t.accrueInterest(g, c, loan, in)
	return err
}

// repaidSoFar is what the borrower has paid towards principal and interest: the principal
// lent less what is still owed, plus the interest charged (the debits to interest-due)
// less what is still due.
func (t *txn) repaidSoFar(g Group, loan Loan) (decimal.Decimal, error) {
	lb, err := t.loanBooks(g, loan.ID)
	if err != nil {
		return decimal.Zero, err
	}
	var charged decimal.Decimal
	if err := t.db.Raw(`SELECT coalesce(sum(amount), 0) FROM ledger_postings WHERE account_id = ? AND amount > 0`,
		lb.interest.ID).Scan(&charged).Error; err != nil {
		return decimal.Zero, err
	}
	return loan.Principal.Sub(lb.principal.Balance).Add(charged.Sub(lb.interest.Balance)), nil
}

// charge posts interest or a penalty due on an instalment, cut to what in duplum still
// allows; it returns the entry id, or 0 when nothing may be charged.
func (t *txn) charge(g Group, c rules.Constitution, loan Loan, in instalment, kind string, amount decimal.Decimal, dueAccount string) (int64, error) {
	lb, err := t.loanBooks(g, loan.ID)
	if err != nil {
		return 0, err
	}
	// In duplum as Kenyan courts apply it: unpaid interest and charges may not exceed the
	// principal outstanding. Only a loan whose charges pile up unpaid ever meets the cap.
	unpaid := lb.interest.Balance.Add(lb.penalty.Balance)
	amount = rules.InDuplum(lb.principal.Balance, unpaid, amount)
	if !amount.IsPositive() {
		return 0, nil
	}
	due, err := t.account(g, dueAccount)
	if err != nil {
		return 0, err
	}
	income, err := t.account(g, accountInterestIncome)
	if err != nil {
		return 0, err
	}
	e, err := t.l.Post(t.ctx, ledger.EntryRequest{
		Key: fmt.Sprintf("g%d:loan:l%d:%s:%d", g.ID, loan.ID, kind, in.N), Book: g.BookID, Kind: "loan." + kind,
		Currency: c.Currency, OccurredAt: in.DueOn, Memo: fmt.Sprintf("instalment %d", in.N),
		Refs: map[string]string{"loan": fmt.Sprint(loan.ID), "instalment": fmt.Sprint(in.N)},
		Legs: []ledger.Leg{ledger.Debit(due.ID, amount), ledger.Credit(income.ID, amount)},
	})
	return e.ID, err
}
