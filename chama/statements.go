package chama

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// MemberPosition is what a member has and owes in a group, every figure a balance in the
// books or a sum of unpaid dues: nothing here is kept on the side.
type MemberPosition struct {
	Group     string
	Savings   decimal.Decimal // what the group owes the member
	Free      decimal.Decimal // savings not held by pledges or pending withdrawals
	Arrears   decimal.Decimal // contributions, welfare and fees past due and unpaid
	Fines     decimal.Decimal // fines charged and unpaid
	Loan      decimal.Decimal // principal outstanding on their loans
	LoanDue   decimal.Decimal // interest and penalties due on their loans
	LoanLimit decimal.Decimal
	Score     rules.Score
}

// Position is a member's balances in a group.
func (s *Service) Position(ctx context.Context, a Actor, code string) (MemberPosition, error) {
	var pos MemberPosition
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		pos, err = t.position(g, m)
		return err
	})
	return pos, err
}

func (t *txn) position(g Group, m Member) (MemberPosition, error) {
	pos := MemberPosition{Group: g.Code}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return pos, err
	}
	savings, err := t.account(g, savingsAccount(m.ID))
	if err != nil {
		return pos, err
	}
	pos.Savings, pos.Free = savings.Balance, savings.Available()
	fines, err := t.account(g, finesDueAccount(m.ID))
	if err != nil {
		return pos, err
	}
	pos.Fines = fines.Balance
	dues, err := t.openDues(m.ID)
	if err != nil {
		return pos, err
	}
	today := rules.Day(t.s.now())
	for _, d := range dues {
		if d.Kind != "fine" && d.DueOn.Before(today) {
			pos.Arrears = pos.Arrears.Add(d.Outstanding)
		}
	}
	var loans []int64
	if err := t.db.Raw(`SELECT id FROM chama_loans WHERE borrower_id = ? AND status IN ('active', 'defaulted')`, m.ID).Scan(&loans).Error; err != nil {
		return pos, err
	}
	for _, id := range loans {
		lb, err := t.loanBooks(g, id)
		if err != nil {
			return pos, err
		}
		pos.Loan = pos.Loan.Add(lb.principal.Balance)
		pos.LoanDue = pos.LoanDue.Add(lb.interest.Balance).Add(lb.penalty.Balance)
	}
	pos.LoanLimit, pos.Score, err = t.loanLimit(g, c, m)
	return pos, err
}

// Statement is a page of a member's savings history, newest first; pass the last line's
// PostingID as before for the next page. Lines are short enough for one SMS each.
func (s *Service) Statement(ctx context.Context, a Actor, code string, before int64, limit int) ([]ledger.StatementLine, error) {
	var lines []ledger.StatementLine
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		savings, err := t.account(g, savingsAccount(m.ID))
		if err != nil {
			return err
		}
		lines, err = t.l.Statement(t.ctx, savings.ID, before, limit)
		return err
	})
	return lines, err
}

// The full statement by SMS: at most statementSMS messages of statementLinesPerSMS lines
// (two SMS parts each), the newest movements first. A cycle of monthly contributions,
// loans and fines fits; older history is in the data export.
const (
	statementLinesPerSMS = 4
	statementSMS         = 10
)

// SendStatement sends a member their savings statement by SMS, newest first, in as many
// messages as it takes (up to statementSMS), and returns how many. The same statement
// asked for again the same day is not sent again (the outbox stores a notice once a day).
func (s *Service) SendStatement(ctx context.Context, a Actor, code string) (int, error) {
	parts := 0
	err := s.tx(ctx, func(t *txn) error {
		g, p, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		savings, err := t.account(g, savingsAccount(m.ID))
		if err != nil {
			return err
		}
		lines, err := t.l.Statement(t.ctx, savings.ID, 0, statementLinesPerSMS*statementSMS)
		if err != nil {
			return err
		}
		parts = (len(lines) + statementLinesPerSMS - 1) / statementLinesPerSMS
		for i := range parts {
			chunk := lines[i*statementLinesPerSMS : min((i+1)*statementLinesPerSMS, len(lines))]
			text := make([]string, len(chunk))
			for j, l := range chunk {
				text[j] = LineText(l, p.Lang)
			}
			t.notices = append(t.notices, Notice{Phone: p.Phone, Lang: p.Lang, Kind: "statement.part",
				Vars: map[string]string{"group": g.Code, "part": fmt.Sprint(i + 1), "parts": fmt.Sprint(parts),
					"lines": strings.Join(text, "\n")},
				Once: fmt.Sprintf("%s:%d", g.Code, i+1)}) // asked again the same day, not sent again
		}
		return t.audit(g.ID, p.ID, a.Channel, "statement.sent", m.ID, map[string]any{"messages": parts})
	})
	return parts, err
}

// GroupPosition is the group's net position, which every member may ask for: no
// treasurer's word needed (domain/books.md).
type GroupPosition struct {
	Cash        decimal.Decimal // held by Kikundi for the group
	Held        decimal.Decimal // of which reserved for payouts on their way
	CashInHand  decimal.Decimal // cash recorded at meetings that officials still hold
	LoansOut    decimal.Decimal // principal members owe
	Receivable  decimal.Decimal // interest, penalties and fines due
	Savings     decimal.Decimal // owed to members
	Welfare     decimal.Decimal
	Pots        decimal.Decimal // merry-go-round pots not yet paid out
	Profit      decimal.Decimal // income less expenses this cycle
	Members     int
	Fingerprint string // the book's hash-chain head, to compare with other members
}

// GroupStatement is the group's position, summed from its book in one query.
func (s *Service) GroupStatement(ctx context.Context, a Actor, code string) (GroupPosition, error) {
	var gp GroupPosition
	err := s.tx(ctx, func(t *txn) error {
		g, _, _, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		var sums struct {
			Cash, Held, CashInHand, LoansOut, Receivable, Savings, Welfare, Pots, Income, Expenses decimal.Decimal
		}
		if err := t.db.Raw(`SELECT
				coalesce(sum(balance) FILTER (WHERE code = 'cash'), 0) AS cash,
				coalesce(sum(held) FILTER (WHERE code = 'cash'), 0) AS held,
				coalesce(sum(balance) FILTER (WHERE code LIKE 'cash-in-hand:%'), 0) AS cash_in_hand,
				coalesce(sum(balance) FILTER (WHERE code LIKE 'loan:%'), 0) AS loans_out,
				coalesce(sum(balance) FILTER (WHERE code LIKE 'interest-due:%' OR code LIKE 'penalty-due:%' OR code LIKE 'fines-due:%'), 0) AS receivable,
				coalesce(sum(balance) FILTER (WHERE code LIKE 'savings:%'), 0) AS savings,
				coalesce(sum(balance) FILTER (WHERE code = 'welfare'), 0) AS welfare,
				coalesce(sum(balance) FILTER (WHERE code LIKE 'rotation:%'), 0) AS pots,
				coalesce(sum(balance) FILTER (WHERE type = 'income'), 0) AS income,
				coalesce(sum(balance) FILTER (WHERE type = 'expense'), 0) AS expenses
			FROM ledger_accounts WHERE book_id = ?`, g.BookID).Scan(&sums).Error; err != nil {
			return err
		}
		members, err := t.activeMembers(g)
		if err != nil {
			return err
		}
		fp, err := t.l.Fingerprint(t.ctx, g.BookID)
		if err != nil {
			return err
		}
		gp = GroupPosition{Cash: sums.Cash, Held: sums.Held, CashInHand: sums.CashInHand, LoansOut: sums.LoansOut, Receivable: sums.Receivable,
			Savings: sums.Savings, Welfare: sums.Welfare, Pots: sums.Pots, Profit: sums.Income.Sub(sums.Expenses),
			Members: len(members), Fingerprint: fp.String()}
		return nil
	})
	return gp, err
}

// Due is what a member should pay now: every contribution, welfare, fee and fine raised
// and not yet paid. The USSD contribute screen offers it as the default amount.
func (s *Service) Due(ctx context.Context, a Actor, code string) (decimal.Decimal, error) {
	total := decimal.Zero
	err := s.tx(ctx, func(t *txn) error {
		_, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		dues, err := t.openDues(m.ID)
		for _, d := range dues {
			total = total.Add(d.Outstanding)
		}
		return err
	})
	return total, err
}
