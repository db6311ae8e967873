package chama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// Peer loans, member to member, through the group's books (domain/books.md): the lender's
// offer holds the amount on their savings; when the borrower accepts the disclosed terms
// the amount moves into escrow:l<id> and is paid out to the borrower from there; every
// repayment goes straight to the lender's savings. The group's pool is never lent, so
// there are no group interest accounts, no officials' quorum and no recovery from
// guarantors: the lender chose the borrower and bears the risk, and the group sees every
// shilling of it in its books. The lender's rate may not exceed the group's own.

// OfferPeerLoan is a member offering to lend amount to another member over termMonths at
// a monthly rate no higher than the group's, confirmed with the lender's PIN. It returns
// the loan and the disclosure the borrower will be shown.
func (s *Service) OfferPeerLoan(ctx context.Context, a Actor, code, borrowerPhone string, amount decimal.Decimal, termMonths int, monthlyRate decimal.Decimal, pinCode string) (Loan, rules.Disclosure, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Loan{}, rules.Disclosure{}, err
	}
	if !amount.IsPositive() || !amount.Equal(amount.Round(2)) {
		return Loan{}, rules.Disclosure{}, ErrInvalidAmount
	}
	if !mpesaAmount(amount) {
		return Loan{}, rules.Disclosure{}, ErrMpesaLimit
	}
	if err := s.CheckPIN(ctx, a.Phone, pinCode); err != nil {
		return Loan{}, rules.Disclosure{}, err
	}
	var loan Loan
	var disc rules.Disclosure
	err := s.tx(ctx, func(t *txn) error {
		g, p, lender, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		borrower, err := t.memberByPhone(g, borrowerPhone)
		if err != nil {
			return err
		}
		if borrower.ID == lender.ID {
			return ErrSelfGuarantee
		}
		c, version, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		if monthlyRate.IsNegative() || monthlyRate.GreaterThan(c.MonthlyRate) {
			return fmt.Errorf("%w: a member's rate is at most the group's %s a month", ErrInvalidAmount, c.MonthlyRate.Mul(decimal.NewFromInt(100)).String()+"%")
		}
		terms := c
		terms.MonthlyRate = monthlyRate
		if disc, err = rules.Disclose(amount, terms, termMonths, rules.Day(t.s.now()), decimal.Zero); err != nil {
			return err
		}
		raw, err := json.Marshal(disc)
		if err != nil {
			return err
		}
		if err := t.db.Raw(`INSERT INTO chama_loans (group_id, borrower_id, lender_id, principal, term_months, monthly_rate, method,
			status, constitution, disclosure, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?::jsonb, ?) RETURNING *`,
			g.ID, borrower.ID, lender.ID, amount, termMonths, monthlyRate, string(c.Interest), version, string(raw), t.s.now()).Scan(&loan).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrActiveLoan // the borrower already has a loan in progress
			}
			return err
		}
		escrow, err := t.l.OpenAccount(t.ctx, ledger.AccountSpec{Book: g.BookID, Code: escrowAccount(loan.ID), Type: ledger.Liability, Currency: c.Currency})
		if err != nil {
			return err
		}
		savings, err := t.account(g, savingsAccount(lender.ID))
		if err != nil {
			return err
		}
		h, err := t.l.Hold(t.ctx, ledger.HoldRequest{
			Key: fmt.Sprintf("g%d:peer:l%d:escrow", g.ID, loan.ID), Book: g.BookID, Kind: "peer.escrow", Currency: c.Currency,
			Debit: savings.ID, Credit: escrow.ID, Amount: amount,
			Refs: map[string]string{"loan": fmt.Sprint(loan.ID), "lender": fmt.Sprint(lender.ID)},
		})
		if err != nil {
			if errors.Is(err, ledger.ErrInsufficientFunds) {
				return fmt.Errorf("%w: %s free", ErrInsufficientSavings, savings.Available().StringFixed(2))
			}
			return err
		}
		if err := t.db.Raw(`UPDATE chama_loans SET hold_id = ? WHERE id = ? RETURNING *`, h.ID, loan.ID).Scan(&loan).Error; err != nil {
			return err
		}
		if bp, err := t.personByID(borrower.PersonID); err == nil {
			t.notify(bp, "peer.offer", map[string]string{"group": g.Code, "loan": fmt.Sprint(loan.ID), "lender": p.Name,
				"amount": amount.StringFixed(2), "total": disc.TotalRepayable.StringFixed(2)})
		}
		return t.audit(g.ID, p.ID, a.Channel, "peer.offered", loan.ID, map[string]any{"amount": amount.StringFixed(2), "borrower": borrower.ID})
	})
	return loan, disc, err
}

// AcceptPeerLoan is the borrower accepting a peer offer after seeing its disclosure,
// with their PIN: the lender's money moves into escrow and is paid out to the borrower.
func (s *Service) AcceptPeerLoan(ctx context.Context, a Actor, loanID int64, pinCode string) (Loan, error) {
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
		var m Member
		var err error
		loan, g, p, m, err = t.loanFor(a, loanID)
		if errors.Is(err, ErrNotMember) || (err == nil && (m.ID != loan.BorrowerID || loan.LenderID == nil)) {
			return ErrUnknownLoan
		}
		if err != nil {
			return err
		}
		if loan.Status != LoanRequested || loan.HoldID == nil {
			return ErrLoanState
		}
		if _, err := t.l.PostHold(t.ctx, *loan.HoldID, loan.Principal, fmt.Sprintf("g%d:peer:l%d:escrowed", g.ID, loan.ID)); err != nil {
			return err
		}
		if _, err := t.payout(g, m.ID, PurposePeerLoan, loan.ID, loan.Principal, escrowAccount(loan.ID)); err != nil {
			return err
		}
		if err := t.db.Raw(`UPDATE chama_loans SET status = 'disbursing', accepted_at = ? WHERE id = ? RETURNING *`,
			t.s.now(), loan.ID).Scan(&loan).Error; err != nil {
			return err
		}
		return t.audit(g.ID, p.ID, a.Channel, "peer.accepted", loan.ID, nil)
	})
	return loan, err
}

// releaseEscrow gives a cancelled peer loan's money back to the lender: the pending hold
// is voided, or money already in escrow returns to their savings.
func (t *txn) releaseEscrow(g Group, loan Loan) error {
	if loan.HoldID == nil || loan.LenderID == nil {
		return nil
	}
	h, err := t.l.HoldByID(t.ctx, *loan.HoldID)
	if err != nil {
		return err
	}
	if h.Status == "pending" {
		return t.l.VoidHold(t.ctx, h.ID)
	}
	escrow, err := t.account(g, escrowAccount(loan.ID))
	if err != nil || !escrow.Available().IsPositive() {
		return err
	}
	savings, err := t.account(g, savingsAccount(*loan.LenderID))
	if err != nil {
		return err
	}
	_, err = t.l.Post(t.ctx, ledger.EntryRequest{
		Key: fmt.Sprintf("g%d:peer:l%d:refund", g.ID, loan.ID), Book: g.BookID, Kind: "peer.refund", Currency: escrow.Currency,
		Refs: map[string]string{"loan": fmt.Sprint(loan.ID)},
		Legs: []ledger.Leg{ledger.Debit(escrow.ID, escrow.Available()), ledger.Credit(savings.ID, escrow.Available())},
	})
	return err
}

// applyPeerRepayment sends a peer loan's repayment to the lender's savings, up to what the
// disclosed schedule still asks for; anything beyond goes to the borrower's own savings.
func (t *txn) applyPeerRepayment(g Group, c rules.Constitution, p Person, m Member, loan Loan, pay Payment) (Applied, error) {
	var left decimal.Decimal
	if err := t.db.Raw(`SELECT (SELECT coalesce(sum(principal + interest), 0) FROM chama_instalments WHERE loan_id = ?)
		- (SELECT coalesce(sum(amount), 0) FROM chama_payments WHERE purpose = 'repayment' AND subject_id = ?)`,
		loan.ID, loan.ID).Scan(&left).Error; err != nil {
		return Applied{}, err
	}
	toLender := decimalMin(pay.Amount, decimal.Max(left, decimal.Zero))
	lender, err := t.account(g, savingsAccount(*loan.LenderID))
	if err != nil {
		return Applied{}, err
	}
	own, err := t.account(g, savingsAccount(m.ID))
	if err != nil {
		return Applied{}, err
	}
	cash, err := t.account(g, accountCash)
	if err != nil {
		return Applied{}, err
	}
	var credits legs
	credits.add(lender.ID, toLender)
	credits.add(own.ID, pay.Amount.Sub(toLender))
	e, err := t.l.Post(t.ctx, ledger.EntryRequest{
		Key: "mpesa:" + pay.Receipt + ":group", Book: g.BookID, Kind: "peer.repayment", Currency: c.Currency,
		Refs: map[string]string{"mpesa_receipt": pay.Receipt, "loan": fmt.Sprint(loan.ID)}, OccurredAt: pay.ReceivedAt,
		Legs: credits.entry(cash.ID),
	})
	if err != nil {
		return Applied{}, err
	}
	out := Applied{EntryID: e.ID, Loan: toLender, Savings: pay.Amount.Sub(toLender)}
	if out.PaymentID, err = t.recordPayment(g, m, pay, loan.ID, e.ID); err != nil {
		return Applied{}, err
	}
	remaining := left.Sub(toLender)
	t.notify(p, "loan.repaid", map[string]string{"group": g.Code, "loan": fmt.Sprint(loan.ID), "amount": pay.Amount.StringFixed(2),
		"receipt": pay.Receipt, "remaining": remaining.StringFixed(2)})
	if lm, err := t.memberByID(*loan.LenderID); err == nil {
		if lp, err := t.personByID(lm.PersonID); err == nil {
			t.notify(lp, "peer.repaid", map[string]string{"group": g.Code, "loan": fmt.Sprint(loan.ID), "amount": toLender.StringFixed(2),
				"remaining": remaining.StringFixed(2)})
		}
	}
	if err := t.audit(g.ID, p.ID, System, "payment.peer_repayment", out.PaymentID, map[string]any{"receipt": pay.Receipt, "loan": loan.ID}); err != nil {
		return Applied{}, err
	}
	if !remaining.IsPositive() {
		return out, t.endLoan(g, &loan, LoanClosed, "repaid")
	}
	return out, nil
}
