package chama

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// Share-out at the end of a cycle (domain/chamas.md): the cycle's profit (income less
// expenses) is shared in proportion to savings, to the cent (rules.ShareOut), each
// member's debts are settled from what they get, and the rest is paid out. The welfare
// fund is not shared.

func init() {
	outcomes[SubjectShareOut] = outcome{quorum: func(q rules.Quorum) int { return q.Payout }, approved: (*txn).shareOut}
}

// ShareOutLine is one member's part.
type ShareOutLine struct {
	MemberID int64
	Phone    string
	Name     string
	Savings  decimal.Decimal // before the share-out
	Profit   decimal.Decimal // their part of the cycle's profit
	Owes     decimal.Decimal // fines, penalties, interest and principal still owed
	// WrittenOff is the part of Owes beyond the member's own savings: the group bears it
	// as a bad debt (an expense) before the profit is shared.
	WrittenOff decimal.Decimal
	Net        decimal.Decimal // paid out
}

// ShareOutPreview is the share-out as it would be done now.
type ShareOutPreview struct {
	Cycle  int
	Profit decimal.Decimal // income less expenses in the cycle
	Fund   decimal.Decimal // savings plus profit: what the members share
	Lines  []ShareOutLine
}

// PreviewShareOut computes the share-out without moving anything, for the officials and
// any member to check before it is approved.
func (s *Service) PreviewShareOut(ctx context.Context, a Actor, code string) (ShareOutPreview, error) {
	var pv ShareOutPreview
	err := s.tx(ctx, func(t *txn) error {
		g, _, _, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		pv, err = t.previewShareOut(g)
		return err
	})
	return pv, err
}

func (t *txn) previewShareOut(g Group) (ShareOutPreview, error) {
	pv := ShareOutPreview{Cycle: g.Cycle}
	for _, code := range []string{accountInterestIncome, accountFineIncome, accountFeeIncome} {
		acc, err := t.account(g, code)
		if err != nil {
			return pv, err
		}
		pv.Profit = pv.Profit.Add(acc.Balance)
	}
	for _, code := range []string{accountCharges, accountOtherExpenses} {
		acc, err := t.account(g, code)
		if err != nil {
			return pv, err
		}
		pv.Profit = pv.Profit.Sub(acc.Balance)
	}
	members, err := t.activeMembers(g)
	if err != nil {
		return pv, err
	}
	shares := make([]rules.Share, 0, len(members))
	byID := map[int64]*ShareOutLine{}
	for _, m := range members {
		savings, err := t.account(g, savingsAccount(m.ID))
		if err != nil {
			return pv, err
		}
		owes, err := t.owes(g, m)
		if err != nil {
			return pv, err
		}
		p, err := t.personByID(m.PersonID)
		if err != nil {
			return pv, err
		}
		// A member who owes more than their savings gets no share of the profit (it would
		// only be written off again) and the rest of their debt is written off.
		bad := decimal.Max(decimal.Zero, owes.Sub(savings.Balance))
		pv.Profit = pv.Profit.Sub(bad)
		pv.Lines = append(pv.Lines, ShareOutLine{MemberID: m.ID, Phone: p.Phone, Name: p.Name, Savings: savings.Balance,
			Owes: owes, WrittenOff: bad})
		share := savings.Balance
		if bad.IsPositive() {
			share = decimal.Zero
		}
		shares = append(shares, rules.Share{Member: m.ID, Shares: share})
		pv.Fund = pv.Fund.Add(savings.Balance)
	}
	for i := range pv.Lines {
		byID[pv.Lines[i].MemberID] = &pv.Lines[i]
	}
	profit := pv.Profit
	if profit.IsNegative() {
		return pv, fmt.Errorf("chama: the cycle made a loss of %s; the officials must decide how members bear it", profit.Neg().StringFixed(2))
	}
	parts, err := rules.ShareOut(profit, shares)
	if err != nil && profit.IsPositive() {
		return pv, err
	}
	for _, p := range parts {
		byID[p.Member].Profit = p.Gross
	}
	pv.Fund = pv.Fund.Add(profit)
	for i := range pv.Lines {
		l := &pv.Lines[i]
		l.Net = decimal.Max(decimal.Zero, l.Savings.Add(l.Profit).Sub(l.Owes).Add(l.WrittenOff))
	}
	return pv, nil
}

// owes is everything a member still owes the group: fines, and on their loans the
// penalty, interest due and principal.
func (t *txn) owes(g Group, m Member) (decimal.Decimal, error) {
	var total decimal.Decimal
	err := t.db.Raw(`SELECT coalesce(sum(a.balance), 0) FROM ledger_accounts a WHERE a.book_id = ? AND (a.code = ?
		OR a.code IN (SELECT unnest(ARRAY['loan:l', 'interest-due:l', 'penalty-due:l']) || l.id FROM chama_loans l WHERE l.borrower_id = ?))`,
		g.BookID, finesDueAccount(m.ID), m.ID).Scan(&total).Error
	return total, err
}

// RequestShareOut asks the officials to approve the share-out as previewed.
func (s *Service) RequestShareOut(ctx context.Context, a Actor, code string) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.official(a, code)
		if err != nil {
			return err
		}
		if err := t.noLoansInProgress(g); err != nil {
			return err
		}
		if _, err := t.previewShareOut(g); err != nil {
			return err
		}
		ap, err = t.requestApproval(g, m, SubjectShareOut, int64(g.Cycle), 0, map[string]int{"cycle": g.Cycle}, a.Channel)
		return err
	})
	return ap, err
}

// noLoansInProgress refuses a share-out while a loan is being disbursed or repaid: it is
// checked when the share-out is asked for and again when it is carried out, since a loan
// may be paid out in between.
func (t *txn) noLoansInProgress(g Group) error {
	var n int64
	if err := t.db.Table("chama_loans").Where("group_id = ? AND status IN ('disbursing', 'active')", g.ID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: every loan must be repaid (or defaulted) before the share-out", ErrActiveLoan)
	}
	// Savings credited from cash at meetings are paid out from the cash at Kikundi: until
	// the officials have paid that cash in, sharing out would pay them with other money
	// (the welfare fund's, say).
	var held decimal.Decimal
	if err := t.db.Raw(`SELECT coalesce(sum(balance), 0) FROM ledger_accounts WHERE book_id = ? AND code LIKE 'cash-in-hand:%'`,
		g.BookID).Scan(&held).Error; err != nil {
		return err
	}
	if held.IsPositive() {
		return fmt.Errorf("%w: KES %s", ErrCashInHand, held.StringFixed(2))
	}
	return nil
}

// shareOut carries out an approved share-out: one entry closes the cycle's income and
// expenses into members' savings, one per member settles their debts from their savings,
// each member's remaining savings are paid out, and the next cycle begins.
func (t *txn) shareOut(ap Approval) error {
	g, err := t.groupByID(ap.GroupID)
	if err != nil {
		return err
	}
	if int64(g.Cycle) != ap.subjectID() {
		return fmt.Errorf("chama: cycle %d was already shared out", ap.subjectID())
	}
	if err := t.noLoansInProgress(g); err != nil {
		return err
	}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return err
	}
	pv, err := t.previewShareOut(g)
	if err != nil {
		return err
	}
	for _, line := range pv.Lines {
		if err := t.writeOff(g, c, line); err != nil {
			return err
		}
	}
	if err := t.closeCycle(g, c, pv); err != nil {
		return err
	}
	for _, line := range pv.Lines {
		m, err := t.memberByID(line.MemberID)
		if err != nil {
			return err
		}
		if err := t.settleDebts(g, c, m, fmt.Sprintf("g%d:shareout:c%d:m%d", g.ID, g.Cycle, m.ID)); err != nil {
			return err
		}
		if err := t.syncFineDues(g, m, ap.ID); err != nil {
			return err
		}
		// What is left after the debts is paid out; savings held by a pledge for another
		// member's loan stay until that loan is repaid.
		savings, err := t.account(g, savingsAccount(m.ID))
		if err != nil {
			return err
		}
		if err := t.payoutInParts(g, m.ID, PurposeShareOut, int64(g.Cycle), savings.Available(), savingsAccount(m.ID)); err != nil {
			return err
		}
	}
	next := t.period(g, c, t.s.now()).End
	if err := t.db.Exec(`UPDATE chama_groups SET cycle = cycle + 1, cycle_start = ? WHERE id = ?`, next, g.ID).Error; err != nil {
		return err
	}
	return t.audit(g.ID, 0, System, "shareout.done", int64(g.Cycle), map[string]any{"profit": pv.Profit.StringFixed(2), "fund": pv.Fund.StringFixed(2)})
}

// closeCycle moves the cycle's income and expenses into members' savings by their shares.
func (t *txn) closeCycle(g Group, c rules.Constitution, pv ShareOutPreview) error {
	if !pv.Profit.IsPositive() {
		return nil
	}
	var dr, cr []ledger.Leg
	for _, code := range []string{accountInterestIncome, accountFineIncome, accountFeeIncome, accountCharges, accountOtherExpenses} {
		acc, err := t.account(g, code)
		if err != nil {
			return err
		}
		// Closing takes each account back to zero: an income's credit balance is debited,
		// an expense's debit balance credited (and the other way round for a balance on
		// the wrong side).
		side, amount := ledger.DebitSide, acc.Balance
		if acc.Type != ledger.Income {
			side = ledger.CreditSide
		}
		if amount.IsNegative() {
			side, amount = -side, amount.Neg()
		}
		switch {
		case amount.IsZero():
		case side == ledger.DebitSide:
			dr = append(dr, ledger.Debit(acc.ID, amount))
		default:
			cr = append(cr, ledger.Credit(acc.ID, amount))
		}
	}
	for _, line := range pv.Lines {
		if line.Profit.IsPositive() {
			acc, err := t.account(g, savingsAccount(line.MemberID))
			if err != nil {
				return err
			}
			cr = append(cr, ledger.Credit(acc.ID, line.Profit))
		}
	}
	_, err := t.l.Post(t.ctx, ledger.EntryRequest{
		Key: fmt.Sprintf("g%d:shareout:c%d:close", g.ID, g.Cycle), Book: g.BookID, Kind: "shareout.close", Currency: c.Currency,
		Memo: fmt.Sprintf("cycle %d profit shared by savings", g.Cycle), Legs: append(dr, cr...),
	})
	return err
}

// settleDebts repays what a member owes from their savings, as far as the savings go:
// fines, then each loan's penalty, interest and principal.
func (t *txn) settleDebts(g Group, c rules.Constitution, m Member, key string) error {
	var loans []int64
	if err := t.db.Raw(`SELECT id FROM chama_loans WHERE borrower_id = ? AND status IN ('active', 'defaulted') ORDER BY id`, m.ID).Scan(&loans).Error; err != nil {
		return err
	}
	// Loan rows first, as a repayment takes them, so the two never wait on each other.
	for _, id := range loans {
		if _, err := t.lockLoan(id); err != nil {
			return err
		}
	}
	savings, err := t.account(g, savingsAccount(m.ID))
	if err != nil {
		return err
	}
	dues, accounts, err := t.debts(g, m)
	if err != nil {
		return err
	}
	parts, _ := rules.Allocate(savings.Available(), dues)
	var credits legs
	for i, acc := range accounts {
		credits.add(acc.ID, parts[i])
	}
	if len(credits.order) > 0 {
		if _, err := t.l.Post(t.ctx, ledger.EntryRequest{
			Key: key, Book: g.BookID, Kind: "debts.settled", Currency: c.Currency,
			Refs: map[string]string{"member": fmt.Sprint(m.ID)}, Legs: credits.entry(savings.ID),
		}); err != nil {
			return err
		}
	}
	// A loan written off or settled in full closes, whether or not anything was taken now.
	for _, id := range loans {
		loan, err := t.lockLoan(id)
		if err != nil {
			return err
		}
		if err := t.closeIfRepaid(g, &loan); err != nil {
			return err
		}
	}
	return nil
}

// writeOff turns what a member owes beyond their savings into the group's expense: fines
// first, then each loan's penalty, interest and principal.
func (t *txn) writeOff(g Group, c rules.Constitution, line ShareOutLine) error {
	if !line.WrittenOff.IsPositive() {
		return nil
	}
	m, err := t.memberByID(line.MemberID)
	if err != nil {
		return err
	}
	dues, accounts, err := t.debts(g, m)
	if err != nil {
		return err
	}
	parts, _ := rules.Allocate(line.WrittenOff, dues)
	var credits legs
	for i, acc := range accounts {
		credits.add(acc.ID, parts[i])
	}
	expense, err := t.account(g, accountOtherExpenses)
	if err != nil {
		return err
	}
	_, err = t.l.Post(t.ctx, ledger.EntryRequest{
		Key: fmt.Sprintf("g%d:shareout:c%d:writeoff:m%d", g.ID, g.Cycle, m.ID), Book: g.BookID, Kind: "debt.written_off",
		Currency: c.Currency, Memo: "owed beyond savings at share-out", Refs: map[string]string{"member": fmt.Sprint(m.ID)},
		Legs: credits.entry(expense.ID),
	})
	return err
}

// debts lists what a member owes, in the order it is settled: fines, then each loan's
// penalty, interest and principal.
func (t *txn) debts(g Group, m Member) ([]rules.Due, []ledger.Account, error) {
	fines, err := t.account(g, finesDueAccount(m.ID))
	if err != nil {
		return nil, nil, err
	}
	dues := []rules.Due{{Ref: fines.Code, Amount: fines.Balance}}
	accounts := []ledger.Account{fines}
	var loans []int64
	if err := t.db.Raw(`SELECT id FROM chama_loans WHERE borrower_id = ? AND status IN ('active', 'defaulted') ORDER BY id`, m.ID).Scan(&loans).Error; err != nil {
		return nil, nil, err
	}
	for _, id := range loans {
		lb, err := t.loanBooks(g, id)
		if err != nil {
			return nil, nil, err
		}
		dues = append(dues, lb.owed()...)
		accounts = append(accounts, lb.accounts()...)
	}
	return dues, accounts, nil
}
