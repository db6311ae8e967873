package chama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ledger"
)

// Loan is a loan from the group's pool to a member, from request to closing.
type Loan struct {
	ID           int64           `gorm:"column:id"`
	GroupID      int64           `gorm:"column:group_id"`
	BorrowerID   int64           `gorm:"column:borrower_id"`
	LenderID     *int64          `gorm:"column:lender_id"` // a peer loan's lender; nil for the group's pool
	HoldID       *int64          `gorm:"column:hold_id"`
	Principal    decimal.Decimal `gorm:"column:principal"`
	TermMonths   int             `gorm:"column:term_months"`
	MonthlyRate  decimal.Decimal `gorm:"column:monthly_rate"`
	Method       string          `gorm:"column:method"`
	Status       string          `gorm:"column:status"`
	Constitution int             `gorm:"column:constitution"`
	Disclosure   json.RawMessage `gorm:"column:disclosure"`
	AcceptedAt   *time.Time      `gorm:"column:accepted_at"`
	DisbursedOn  *time.Time      `gorm:"column:disbursed_on"`
	ClosedAt     *time.Time      `gorm:"column:closed_at"`
	CreatedAt    time.Time       `gorm:"column:created_at"`
}

// Loan statuses, in the order a loan moves through them.
const (
	LoanRequested  = "requested"  // disclosure shown, waiting for the borrower to accept
	LoanAccepted   = "accepted"   // accepted; waiting for guarantors to pledge
	LoanGuaranteed = "guaranteed" // pledged; waiting for the officials' quorum
	LoanDisbursing = "disbursing" // approved; cash held, B2C sent
	LoanActive     = "active"
	LoanClosed     = "closed"
	LoanDefaulted  = "defaulted" // recovered as far as savings and pledges allowed; the rest is still owed
	LoanRejected   = "rejected"
	LoanCancelled  = "cancelled"
)

// DefaultAfter is how long an instalment may stay unpaid before the loan is
// non-performing and recovered from the borrower's savings, then the guarantors': the
// 90 days past due of the CBK's definition.
const DefaultAfter = 90 * 24 * time.Hour

func init() {
	outcomes[SubjectLoan] = outcome{
		quorum:   func(q rules.Quorum) int { return q.Loan },
		approved: (*txn).approveLoan,
		closed:   (*txn).refuseLoan,
	}
}

// RequestLoan checks that a member may borrow amount over termMonths (no arrears, no
// other loan, within the limit their savings and score allow) and returns the loan with
// its disclosure: total cost of credit, interest, fees and every due date, which the
// member must see before AcceptLoan.
func (s *Service) RequestLoan(ctx context.Context, a Actor, code string, amount decimal.Decimal, termMonths int) (Loan, rules.Disclosure, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Loan{}, rules.Disclosure{}, err
	}
	if !amount.IsPositive() || !amount.Equal(amount.Round(2)) {
		return Loan{}, rules.Disclosure{}, ErrInvalidAmount
	}
	if !mpesaAmount(amount) {
		return Loan{}, rules.Disclosure{}, ErrMpesaLimit
	}
	var loan Loan
	var disc rules.Disclosure
	err := s.tx(ctx, func(t *txn) error {
		g, p, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		c, version, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		if arrears, err := t.inArrears(g, c, m.ID); err != nil || arrears {
			if err == nil {
				err = ErrInArrears
			}
			return err
		}
		var open int64
		if err := t.db.Table("chama_loans").Where("borrower_id = ? AND status NOT IN ('closed', 'rejected', 'cancelled')",
			m.ID).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return ErrActiveLoan
		}
		limit, _, err := t.loanLimit(g, c, m)
		if err != nil {
			return err
		}
		if amount.GreaterThan(limit) {
			return &OverLimitError{Limit: limit}
		}
		if disc, err = rules.Disclose(amount, c, termMonths, rules.Day(t.s.now()), decimal.Zero); err != nil {
			return err
		}
		raw, err := json.Marshal(disc)
		if err != nil {
			return err
		}
		if err := t.db.Raw(`INSERT INTO chama_loans (group_id, borrower_id, principal, term_months, monthly_rate, method,
			status, constitution, disclosure, created_at) VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?::jsonb, ?) RETURNING *`,
			g.ID, m.ID, amount, termMonths, c.MonthlyRate, string(c.Interest), version, string(raw), t.s.now()).Scan(&loan).Error; err != nil {
			return err
		}
		return t.audit(g.ID, p.ID, a.Channel, "loan.requested", loan.ID, map[string]any{"amount": amount.StringFixed(2), "term": termMonths})
	})
	return loan, disc, err
}

// loanLimit is what a member may borrow: savings × the rules' multiple, scaled by score.
func (t *txn) loanLimit(g Group, c rules.Constitution, m Member) (decimal.Decimal, rules.Score, error) {
	savings, err := t.account(g, savingsAccount(m.ID))
	if err != nil {
		return decimal.Zero, rules.Score{}, err
	}
	rec, err := t.record(g, m)
	if err != nil {
		return decimal.Zero, rules.Score{}, err
	}
	score := rules.ScoreOf(rec)
	return rules.LoanLimit(savings.Available(), c.LoanMultiple, score), score, nil
}

// AcceptLoan is the borrower accepting the disclosed terms with their PIN and naming
// guarantors (phones of fellow members) as the rules require. Each guarantor is asked to
// pledge an equal part of the share of the principal the rules say they must cover. With
// no guarantors required, the loan goes straight to the officials.
func (s *Service) AcceptLoan(ctx context.Context, a Actor, loanID int64, pinCode string, guarantors []string) (Loan, error) {
	if err := s.simHold(ctx, "", a.Phone); err != nil {
		return Loan{}, err
	}
	if err := s.CheckPIN(ctx, a.Phone, pinCode); err != nil {
		return Loan{}, err
	}
	var loan Loan
	err := s.tx(ctx, func(t *txn) error {
		var g Group
		var p Person
		var borrower Member
		var err error
		loan, g, p, borrower, err = t.loanFor(a, loanID)
		if errors.Is(err, ErrNotMember) || (err == nil && borrower.ID != loan.BorrowerID) {
			return ErrUnknownLoan
		}
		if err != nil {
			return err
		}
		if loan.Status != LoanRequested {
			return ErrLoanState
		}
		c, _, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		if len(guarantors) != c.Guarantors {
			return fmt.Errorf("%w: the rules need %d guarantors", ErrNotGuarantor, c.Guarantors)
		}
		if err := t.openLoanAccounts(g, c, loan.ID); err != nil {
			return err
		}
		cover := loan.Principal.Mul(c.GuaranteeShare).Round(2)
		seen := map[int64]bool{}
		for i, raw := range guarantors {
			e164, err := phone.Normalize(raw)
			if err != nil {
				return err
			}
			gp, err := t.personByPhone(e164)
			if err != nil {
				return err
			}
			gm, err := t.member(g, gp.ID)
			if err != nil || gm.Status != "active" {
				return fmt.Errorf("%w: %s", ErrNotMember, phone.Local(e164))
			}
			if gm.ID == borrower.ID {
				return ErrSelfGuarantee
			}
			if seen[gm.ID] {
				return fmt.Errorf("%w: %s named twice", ErrNotGuarantor, phone.Local(e164))
			}
			seen[gm.ID] = true
			// An equal part each; the first guarantor covers the cents that do not divide.
			part := cover.Div(decimal.NewFromInt(int64(len(guarantors)))).RoundDown(2)
			if i == 0 {
				part = cover.Sub(part.Mul(decimal.NewFromInt(int64(len(guarantors) - 1))))
			}
			if !part.IsPositive() {
				continue
			}
			if err := t.db.Exec(`INSERT INTO chama_guarantees (loan_id, member_id, amount, status) VALUES (?, ?, ?, 'asked')`,
				loan.ID, gm.ID, part).Error; err != nil {
				return err
			}
			t.notify(gp, "guarantee.asked", map[string]string{"group": g.Code, "loan": fmt.Sprint(loan.ID),
				"borrower": p.Name, "amount": part.StringFixed(2)})
		}
		if err := t.db.Raw(`UPDATE chama_loans SET status = 'accepted', accepted_at = ? WHERE id = ? RETURNING *`,
			t.s.now(), loan.ID).Scan(&loan).Error; err != nil {
			return err
		}
		if err := t.audit(g.ID, p.ID, a.Channel, "loan.accepted", loan.ID, nil); err != nil {
			return err
		}
		return t.maybeGuaranteed(g, &loan, borrower, a.Channel)
	})
	return loan, err
}

// openLoanAccounts opens the loan's accounts. guarantee:l<id> is the counter-account of
// the pledge holds: a hold reserves on every account its eventual entry would reduce, so
// pledging against loan:l<id> itself (still zero before disbursement) would be refused.
func (t *txn) openLoanAccounts(g Group, c rules.Constitution, loan int64) error {
	for _, spec := range []ledger.AccountSpec{
		{Book: g.BookID, Code: loanAccount(loan), Type: ledger.Asset},
		{Book: g.BookID, Code: interestDueAccount(loan), Type: ledger.Asset},
		{Book: g.BookID, Code: penaltyDueAccount(loan), Type: ledger.Asset},
		{Book: g.BookID, Code: guaranteeAccount(loan), Type: ledger.Liability},
	} {
		spec.Currency = c.Currency
		if _, err := t.l.OpenAccount(t.ctx, spec); err != nil {
			return err
		}
	}
	return nil
}

func guaranteeAccount(loan int64) string { return fmt.Sprintf("guarantee:l%d", loan) }

// maybeGuaranteed sends an accepted loan whose guarantors have all pledged to the
// officials.
func (t *txn) maybeGuaranteed(g Group, loan *Loan, borrower Member, ch Channel) error {
	var waiting int64
	if err := t.db.Table("chama_guarantees").Where("loan_id = ? AND status = 'asked'", loan.ID).Count(&waiting).Error; err != nil {
		return err
	}
	if loan.Status != LoanAccepted || waiting > 0 {
		return nil
	}
	if err := t.db.Raw(`UPDATE chama_loans SET status = 'guaranteed' WHERE id = ? RETURNING *`, loan.ID).Scan(loan).Error; err != nil {
		return err
	}
	_, err := t.requestApproval(g, borrower, SubjectLoan, loan.ID, 0, map[string]string{
		"amount": loan.Principal.StringFixed(2), "term": fmt.Sprint(loan.TermMonths)}, ch)
	return err
}

// Guarantee is a guarantor's answer, with their PIN. A pledge holds the pledged amount on
// their savings until the loan is repaid (or called on default); a refusal refuses the
// loan and releases every other pledge.
func (s *Service) Guarantee(ctx context.Context, a Actor, loanID int64, pledge bool, pinCode string) error {
	if err := s.CheckPIN(ctx, a.Phone, pinCode); err != nil {
		return err
	}
	if pledge { // a pledge puts savings at risk; declining never does
		if err := s.simHold(ctx, "", a.Phone); err != nil {
			return err
		}
	}
	return s.tx(ctx, func(t *txn) error {
		loan, g, p, m, err := t.loanFor(a, loanID)
		if errors.Is(err, ErrNotMember) {
			return ErrNotGuarantor
		}
		if err != nil {
			return err
		}
		var gu struct {
			Amount decimal.Decimal
			Status string
		}
		if err := t.db.Raw(`SELECT amount, status FROM chama_guarantees WHERE loan_id = ? AND member_id = ?`,
			loan.ID, m.ID).Scan(&gu).Error; err != nil {
			return err
		}
		if gu.Status != "asked" || loan.Status != LoanAccepted {
			return ErrNotGuarantor
		}
		if !pledge {
			if err := t.db.Exec(`UPDATE chama_guarantees SET status = 'declined', updated_at = now() WHERE loan_id = ? AND member_id = ?`,
				loan.ID, m.ID).Error; err != nil {
				return err
			}
			if err := t.audit(g.ID, p.ID, a.Channel, "guarantee.declined", loan.ID, nil); err != nil {
				return err
			}
			return t.endLoan(g, &loan, LoanRejected, "a guarantor declined")
		}
		c, _, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		savings, err := t.account(g, savingsAccount(m.ID))
		if err != nil {
			return err
		}
		counter, err := t.account(g, guaranteeAccount(loan.ID))
		if err != nil {
			return err
		}
		h, err := t.l.Hold(t.ctx, ledger.HoldRequest{
			Key: fmt.Sprintf("g%d:pledge:l%d:m%d", g.ID, loan.ID, m.ID), Book: g.BookID, Kind: "guarantee.pledge",
			Currency: c.Currency, Debit: savings.ID, Credit: counter.ID, Amount: gu.Amount,
			Refs: map[string]string{"loan": fmt.Sprint(loan.ID), "member": fmt.Sprint(m.ID)},
		})
		if errors.Is(err, ledger.ErrInsufficientFunds) {
			return fmt.Errorf("%w: %s free, %s to pledge", ErrInsufficientSavings, savings.Available().StringFixed(2), gu.Amount.StringFixed(2))
		}
		if err != nil {
			return err
		}
		if err := t.db.Exec(`UPDATE chama_guarantees SET status = 'pledged', hold_id = ?, updated_at = now() WHERE loan_id = ? AND member_id = ?`,
			h.ID, loan.ID, m.ID).Error; err != nil {
			return err
		}
		if err := t.audit(g.ID, p.ID, a.Channel, "guarantee.pledged", loan.ID, map[string]any{"amount": gu.Amount.StringFixed(2)}); err != nil {
			return err
		}
		borrower, err := t.memberByID(loan.BorrowerID)
		if err != nil {
			return err
		}
		return t.maybeGuaranteed(g, &loan, borrower, a.Channel)
	})
}

// approveLoan is the officials' quorum reached: hold the principal on the group's cash
// and send it by B2C.
func (t *txn) approveLoan(ap Approval) error {
	loan, err := t.lockLoan(ap.subjectID())
	if err != nil {
		return err
	}
	if loan.Status != LoanGuaranteed {
		return ErrLoanState
	}
	g, err := t.groupByID(loan.GroupID)
	if err != nil {
		return err
	}
	if _, err := t.payout(g, loan.BorrowerID, PurposeLoan, loan.ID, loan.Principal, loanAccount(loan.ID)); err != nil {
		return err
	}
	return t.db.Exec(`UPDATE chama_loans SET status = 'disbursing' WHERE id = ?`, loan.ID).Error
}

// refuseLoan is a loan request rejected, expired or failed at approval.
func (t *txn) refuseLoan(ap Approval) error {
	loan, err := t.lockLoan(ap.subjectID())
	if err != nil {
		return err
	}
	g, err := t.groupByID(loan.GroupID)
	if err != nil {
		return err
	}
	return t.endLoan(g, &loan, LoanRejected, ap.Status)
}

// endLoan closes a loan that will not (or no longer) be owed, releasing every pledge.
func (t *txn) endLoan(g Group, loan *Loan, status, reason string) error {
	var holds []int64
	if err := t.db.Raw(`SELECT hold_id FROM chama_guarantees WHERE loan_id = ? AND status = 'pledged'`, loan.ID).Scan(&holds).Error; err != nil {
		return err
	}
	for _, h := range holds {
		if err := t.l.VoidHold(t.ctx, h); err != nil && !errors.Is(err, ledger.ErrHoldNotPending) {
			return err
		}
	}
	if err := t.db.Exec(`UPDATE chama_guarantees SET status = CASE status WHEN 'pledged' THEN 'released' ELSE status END,
		updated_at = now() WHERE loan_id = ?`, loan.ID).Error; err != nil {
		return err
	}
	if err := t.db.Raw(`UPDATE chama_loans SET status = ?, closed_at = ? WHERE id = ? RETURNING *`,
		status, t.s.now(), loan.ID).Scan(loan).Error; err != nil {
		return err
	}
	borrower, err := t.memberByID(loan.BorrowerID)
	if err != nil {
		return err
	}
	p, err := t.personByID(borrower.PersonID)
	if err != nil {
		return err
	}
	t.notify(p, "loan."+status, map[string]string{"group": g.Code, "loan": fmt.Sprint(loan.ID), "reason": reason})
	return t.audit(g.ID, 0, System, "loan."+status, loan.ID, map[string]any{"reason": reason})
}

// loanFor locks a loan and finds the acting person's membership of its group (in any
// status; the caller decides what they may do).
func (t *txn) loanFor(a Actor, loanID int64) (Loan, Group, Person, Member, error) {
	loan, err := t.lockLoan(loanID)
	if err != nil {
		return Loan{}, Group{}, Person{}, Member{}, err
	}
	g, err := t.groupByID(loan.GroupID)
	if err != nil {
		return Loan{}, Group{}, Person{}, Member{}, err
	}
	p, err := t.actor(a)
	if err != nil {
		return Loan{}, Group{}, Person{}, Member{}, err
	}
	m, err := t.member(g, p.ID)
	return loan, g, p, m, err
}

func (t *txn) lockLoan(id int64) (Loan, error) {
	var l Loan
	err := t.db.Raw(`SELECT * FROM chama_loans WHERE id = ? FOR UPDATE`, id).Scan(&l).Error
	if err == nil && l.ID == 0 {
		err = ErrUnknownLoan
	}
	return l, err
}

// loanDisbursed is the B2C confirmed: the loan is active with its schedule fixed from
// today, every cent of principal in an instalment.
func (t *txn) loanDisbursed(g Group, loanID int64) error {
	loan, err := t.lockLoan(loanID)
	if err != nil {
		return err
	}
	today := rules.Day(t.s.now())
	sched, err := rules.Schedule(loan.Principal, loan.MonthlyRate, rules.InterestMethod(loan.Method), loan.TermMonths, today)
	if err != nil {
		return err
	}
	for _, in := range sched {
		if err := t.db.Exec(`INSERT INTO chama_instalments (loan_id, n, due_on, principal, interest) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, loan.ID, in.N, in.Due, in.Principal, in.Interest).Error; err != nil {
			return err
		}
	}
	return t.db.Exec(`UPDATE chama_loans SET status = 'active', disbursed_on = ? WHERE id = ?`, today, loan.ID).Error
}

// loanNotDisbursed is the B2C failed: the loan waits, approved, for the treasurer to
// send it again (RetryPayout) or the group to cancel it.
func (t *txn) loanNotDisbursed(loanID int64) error {
	return t.db.Exec(`UPDATE chama_loans SET status = 'guaranteed' WHERE id = ? AND status = 'disbursing'`, loanID).Error
}

// LoanByID returns a loan.
func (s *Service) LoanByID(ctx context.Context, id int64) (Loan, error) {
	var l Loan
	err := s.db.WithContext(ctx).Table("chama_loans").Where("id = ?", id).Take(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Loan{}, ErrUnknownLoan
	}
	return l, err
}

// StaleLoanAge is how long a loan request may wait for the borrower's acceptance or the
// guarantors' pledges before it is cancelled and the pledges released.
const StaleLoanAge = 7 * 24 * time.Hour

// CancelLoan withdraws a loan that has not been disbursed: the borrower (or a peer loan's
// lender) changed their mind, or M-Pesa could not pay it. Pledges and a peer lender's
// escrow are released and any open approval closed.
func (s *Service) CancelLoan(ctx context.Context, a Actor, loanID int64) error {
	return s.tx(ctx, func(t *txn) error {
		loan, g, p, m, err := t.loanFor(a, loanID)
		if errors.Is(err, ErrNotMember) {
			return ErrUnknownLoan
		}
		if err != nil {
			return err
		}
		lender := loan.LenderID != nil && *loan.LenderID == m.ID
		if m.ID != loan.BorrowerID && !lender && !m.Role.Official() {
			return ErrUnknownLoan
		}
		if err := t.audit(g.ID, p.ID, a.Channel, "loan.cancel", loan.ID, nil); err != nil {
			return err
		}
		return t.cancelLoan(g, &loan, "cancelled by "+string(m.Role))
	})
}

func (t *txn) cancelLoan(g Group, loan *Loan, reason string) error {
	switch loan.Status {
	case LoanRequested, LoanAccepted, LoanGuaranteed:
	default:
		return ErrLoanState
	}
	if err := t.db.Exec(`UPDATE chama_approvals SET status = 'rejected', decided_at = ?, outcome = ?
		WHERE subject = ? AND subject_id = ? AND status = 'open'`, t.s.now(), reason, SubjectLoan, loan.ID).Error; err != nil {
		return err
	}
	if err := t.releaseEscrow(g, *loan); err != nil {
		return err
	}
	return t.endLoan(g, loan, LoanCancelled, reason)
}

// CancelStaleLoans cancels loan requests left waiting for the borrower or the guarantors
// longer than StaleLoanAge, so nobody's savings stay pledged to a loan that never comes.
func (s *Service) CancelStaleLoans(ctx context.Context, code string) (int, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Raw(`SELECT l.id FROM chama_loans l JOIN chama_groups g ON g.id = l.group_id
		WHERE g.code = ? AND l.status IN ('requested', 'accepted') AND l.created_at < ? ORDER BY l.id`,
		code, s.now().Add(-StaleLoanAge)).Scan(&ids).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.tx(ctx, func(t *txn) error {
			loan, err := t.lockLoan(id)
			if err != nil {
				return err
			}
			if loan.Status != LoanRequested && loan.Status != LoanAccepted {
				return nil
			}
			g, err := t.groupByID(loan.GroupID)
			if err != nil {
				return err
			}
			n++
			return t.cancelLoan(g, &loan, "not completed within 7 days")
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// GuaranteeRequest is a loan a member has been asked to guarantee.
type GuaranteeRequest struct {
	LoanID    int64           `gorm:"column:loan_id"`
	Borrower  string          `gorm:"column:borrower"`
	Principal decimal.Decimal `gorm:"column:principal"`
	Amount    decimal.Decimal `gorm:"column:amount"` // the share of it this member would pledge
}

// GuaranteeRequests lists the loans waiting for this member's pledge, oldest first.
func (s *Service) GuaranteeRequests(ctx context.Context, a Actor, code string) ([]GuaranteeRequest, error) {
	var out []GuaranteeRequest
	err := s.tx(ctx, func(t *txn) error {
		_, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		return t.db.Raw(`SELECT l.id AS loan_id, coalesce(nullif(p.name, ''), p.phone) AS borrower, l.principal, gu.amount
			FROM chama_guarantees gu JOIN chama_loans l ON l.id = gu.loan_id
			JOIN chama_members bm ON bm.id = l.borrower_id JOIN chama_people p ON p.id = bm.person_id
			WHERE gu.member_id = ? AND gu.status = 'asked' AND l.status = 'accepted' ORDER BY l.id`, m.ID).Scan(&out).Error
	})
	return out, err
}

// LoanSummary is one of a member's loans as a phone screen shows it.
type LoanSummary struct {
	Loan
	Outstanding decimal.Decimal // principal, interest and penalties still owed
}

// MyLoans lists a member's loans in the group that are not finished, newest first.
func (s *Service) MyLoans(ctx context.Context, a Actor, code string) ([]LoanSummary, error) {
	var out []LoanSummary
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		var loans []Loan
		if err := t.db.Raw(`SELECT * FROM chama_loans WHERE borrower_id = ? AND status NOT IN ('closed', 'rejected', 'cancelled')
			ORDER BY id DESC`, m.ID).Scan(&loans).Error; err != nil {
			return err
		}
		for _, l := range loans {
			ls := LoanSummary{Loan: l}
			if lb, err := t.loanBooks(g, l.ID); err == nil {
				ls.Outstanding = lb.principal.Balance.Add(lb.interest.Balance).Add(lb.penalty.Balance)
			}
			out = append(out, ls)
		}
		return nil
	})
	return out, err
}
