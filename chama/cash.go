package chama

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// SubjectCash is a cash contribution an official recorded, waiting for a second
// official to confirm it.
const SubjectCash = "cash_contribution"

// maxCash is the most one cash record may carry: more than a meeting's envelope is a
// typo, and big money should travel by M-Pesa where it leaves a receipt.
var maxCash = decimal.NewFromInt(100_000)

func init() {
	// A second official confirms: the quorum is one vote, and the official who recorded
	// the cash (the requester) and the member it credits (the beneficiary) never vote.
	outcomes[SubjectCash] = outcome{quorum: func(rules.Quorum) int { return 1 }, approved: (*txn).receiveCash,
		closed: (*txn).cashNotConfirmed}
}

// cashInHandAccount is the group's money an official holds in cash: an asset of the
// group, but not money Kikundi holds, so it has no mirror in the platform book and the
// group's cash (what Kikundi owes it) does not move until it is paid in.
func cashInHandAccount(official int64) string { return fmt.Sprintf("cash-in-hand:m%d", official) }

type cashBody struct {
	Member     int64           `json:"member"`
	Amount     decimal.Decimal `json:"amount"`
	HeldBy     int64           `json:"held_by"`
	ReceivedAt time.Time       `json:"received_at"`
}

// RecordCash is an official recording, with their PIN, cash a member handed them at a
// meeting. Nothing is credited until a second official confirms it (Vote): one person's
// word never moves a member's savings. Once confirmed it is applied exactly like an
// M-Pesa contribution (fines, arrears, the current period, then savings), dated when it
// was recorded, and the group's books show which official holds the cash.
func (s *Service) RecordCash(ctx context.Context, a Actor, pinCode, code, rawPhone string, amount decimal.Decimal) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	if !amount.IsPositive() || !amount.Equal(amount.Truncate(0)) || amount.GreaterThan(maxCash) {
		return Approval{}, ErrCashAmount
	}
	if err := s.CheckPIN(ctx, a.Phone, pinCode); err != nil {
		return Approval{}, err
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, by, err := t.official(a, code)
		if err != nil {
			return err
		}
		from, err := t.memberByPhone(g, rawPhone)
		if err != nil {
			return err
		}
		if from.Status != "active" {
			return ErrNotMember
		}
		if from.ID == by.ID { // one official's word for their own savings is no word at all
			return ErrOwnCash
		}
		// The subject is the member: one record of theirs waits at a time, so a session
		// retried by hand, or a shortcut dialled twice, cannot credit the same envelope twice.
		ap, err = t.requestApproval(g, by, SubjectCash, from.ID, from.ID,
			cashBody{Member: from.ID, Amount: amount, HeldBy: by.ID, ReceivedAt: t.s.now()}, a.Channel)
		if err != nil {
			return err
		}
		// The member hears at once what was written down, so an envelope recorded short is
		// caught by the one who handed it over.
		p, err := t.personByID(from.PersonID)
		if err != nil {
			return err
		}
		holder, err := t.memberName(by.ID)
		if err != nil {
			return err
		}
		t.notify(p, "cash.recorded", map[string]string{"group": g.Code, "amount": amount.StringFixed(2),
			"holder": holder, "id": fmt.Sprint(ap.ID)})
		return nil
	})
	return ap, err
}

// cashNotConfirmed tells the member that a cash record of theirs was rejected, expired or
// could not be applied: their savings did not change.
func (t *txn) cashNotConfirmed(ap Approval) error {
	var body cashBody
	if err := json.Unmarshal(ap.Payload, &body); err != nil {
		return err
	}
	m, err := t.memberByID(body.Member)
	if err != nil {
		return err
	}
	p, err := t.personByID(m.PersonID)
	if err != nil {
		return err
	}
	g, err := t.groupByID(ap.GroupID)
	if err != nil {
		return err
	}
	holder, err := t.memberName(body.HeldBy)
	if err != nil {
		return err
	}
	t.notify(p, "cash.not_confirmed", map[string]string{"group": g.Code, "amount": body.Amount.StringFixed(2),
		"holder": holder, "id": fmt.Sprint(ap.ID)})
	return nil
}

// receiveCash applies a confirmed cash contribution: Dr cash-in-hand of the official who
// holds it / Cr what the member owed and their savings. The platform book does not move.
func (t *txn) receiveCash(ap Approval) error {
	var body cashBody
	if err := json.Unmarshal(ap.Payload, &body); err != nil {
		return err
	}
	g, err := t.groupByID(ap.GroupID)
	if err != nil {
		return err
	}
	m, err := t.memberByID(body.Member)
	if err != nil {
		return err
	}
	if m.Status != "active" {
		return ErrNotMember
	}
	// The cash must still be with an official of the group, who will pay it in.
	if holder, err := t.memberByID(body.HeldBy); err != nil || holder.Status != "active" || !holder.Role.Official() {
		if err == nil {
			err = fmt.Errorf("%w: the official who holds the cash is no longer in office", ErrNotOfficial)
		}
		return err
	}
	p, err := t.personByID(m.PersonID)
	if err != nil {
		return err
	}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return err
	}
	if _, err := t.l.OpenAccount(t.ctx, ledger.AccountSpec{Book: g.BookID, Code: cashInHandAccount(body.HeldBy),
		Type: ledger.Asset, Currency: c.Currency}); err != nil {
		return err
	}
	pay := Payment{Group: g.Code, Phone: p.Phone, Receipt: cashReceipt(ap.ID), Amount: body.Amount,
		Purpose: ForContribution, ReceivedAt: body.ReceivedAt, HeldBy: body.HeldBy}
	_, err = t.applyContribution(g, c, p, m, pay)
	return err
}

// cashReceipt is the receipt a cash contribution is known by: CASH and its approval's
// number, unique like an M-Pesa receipt and never mistaken for one (those have no
// run of zeros after four letters).
func cashReceipt(approval int64) string { return fmt.Sprintf("CASH%08d", approval) }

// isCashReceipt tells a cash record's receipt from an M-Pesa one (ten characters), so a
// forged or mistaken M-Pesa callback can never take a cash record's number first.
func isCashReceipt(r string) bool { return cashReceiptPattern.MatchString(r) }

var cashReceiptPattern = regexp.MustCompile(`^CASH[0-9]{8}$`)

// memberName is the name a member registered with, as a receipt names them.
func (t *txn) memberName(member int64) (string, error) {
	var name string
	err := t.db.Raw(`SELECT p.name FROM chama_members m JOIN chama_people p ON p.id = m.person_id WHERE m.id = ?`,
		member).Scan(&name).Error
	return name, err
}

// CashInHand is what the calling official holds of the group's cash from meetings.
func (s *Service) CashInHand(ctx context.Context, a Actor, code string) (decimal.Decimal, error) {
	held := decimal.Zero
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		held, err = t.heldBy(g, m.ID)
		return err
	})
	return held, err
}

// heldBy is the balance of an official's cash-in-hand (zero when they never held any).
func (t *txn) heldBy(g Group, member int64) (decimal.Decimal, error) {
	var held decimal.Decimal
	err := t.db.Raw(`SELECT coalesce((SELECT balance FROM ledger_accounts WHERE book_id = ? AND code = ?), 0)`,
		g.BookID, cashInHandAccount(member)).Scan(&held).Error
	return held, err
}

// applyCashDeposit is an official paying in, by M-Pesa, cash they hold: Dr cash / Cr
// their cash-in-hand. Paying in more than they hold (two deposits crossing) saves the rest
// for them rather than refusing money M-Pesa has already taken. The platform's entry is
// the usual one for money in (receive).
func (t *txn) applyCashDeposit(g Group, c rules.Constitution, p Person, m Member, pay Payment) (Applied, error) {
	held, err := t.heldBy(g, m.ID)
	if err != nil {
		return Applied{}, err
	}
	cash, err := t.accountID(g.BookID, accountCash)
	if err != nil {
		return Applied{}, err
	}
	var credits legs
	toHand := decimal.Min(held, pay.Amount)
	if toHand.IsPositive() {
		hand, err := t.accountID(g.BookID, cashInHandAccount(m.ID))
		if err != nil {
			return Applied{}, err
		}
		credits.add(hand, toHand)
	}
	extra := pay.Amount.Sub(toHand)
	savings, err := t.accountID(g.BookID, savingsAccount(m.ID))
	if err != nil {
		return Applied{}, err
	}
	credits.add(savings, extra)
	e, err := t.l.Post(t.ctx, ledger.EntryRequest{
		Key: "mpesa:" + pay.Receipt + ":group", Book: g.BookID, Kind: "cash.deposit", Currency: c.Currency,
		Refs: map[string]string{"mpesa_receipt": pay.Receipt, "member": fmt.Sprint(m.ID)}, OccurredAt: pay.ReceivedAt,
		Legs: credits.entry(cash),
	})
	if err != nil {
		return Applied{}, err
	}
	out := Applied{EntryID: e.ID, Savings: extra}
	if out.PaymentID, err = t.recordPayment(g, m, pay, 0, e.ID); err != nil {
		return Applied{}, err
	}
	saved := "" // the receipt mentions savings only when some of the money went there
	if extra.IsPositive() {
		saved = extra.StringFixed(2)
	}
	t.notify(p, "cash.deposited", map[string]string{"group": g.Code, "amount": pay.Amount.StringFixed(2),
		"receipt": pay.Receipt, "held": held.Sub(toHand).StringFixed(2), "saved": saved})
	return out, t.audit(g.ID, p.ID, System, "payment.cash_deposit", out.PaymentID,
		map[string]any{"receipt": pay.Receipt, "amount": pay.Amount.StringFixed(2), "saved": extra.StringFixed(2)})
}

// cashAwaitingConfirmation is, for each member of g with a cash record waiting for a
// second official, the Nairobi day they handed the cash over.
func (t *txn) cashAwaitingConfirmation(g Group) (map[int64]time.Time, error) {
	var rows []struct {
		Payload json.RawMessage `gorm:"column:payload"`
	}
	if err := t.db.Raw(`SELECT payload FROM chama_approvals WHERE group_id = ? AND subject = ? AND status = 'open'`,
		g.ID, SubjectCash).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64]time.Time{}
	for _, r := range rows {
		var body cashBody
		if err := json.Unmarshal(r.Payload, &body); err != nil {
			return nil, err
		}
		out[body.Member] = rules.Day(body.ReceivedAt)
	}
	return out, nil
}
