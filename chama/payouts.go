package chama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// Payout purposes.
const (
	PurposeLoan       = "loan"
	PurposeRotation   = "rotation"
	PurposeWithdrawal = "withdrawal"
	PurposeWelfare    = "welfare"
	PurposeShareOut   = "shareout"
	PurposeExit       = "exit"
	PurposePeerLoan   = "peer_loan"
)

// M-Pesa's B2C limits per transaction.
var (
	minPayout = decimal.NewFromInt(10)
	maxPayout = decimal.NewFromInt(250000)
)

// Payout is money on its way from a group to a member.
type Payout struct {
	ID        int64           `gorm:"column:id"`
	GroupID   int64           `gorm:"column:group_id"`
	MemberID  int64           `gorm:"column:member_id"`
	Purpose   string          `gorm:"column:purpose"`
	SubjectID *int64          `gorm:"column:subject_id"`
	Amount    decimal.Decimal `gorm:"column:amount"`
	Part      int             `gorm:"column:part"`
	FromCode  string          `gorm:"column:from_code"`
	HoldID    int64           `gorm:"column:hold_id"`
	Status    string          `gorm:"column:status"`
	Receipt   *string         `gorm:"column:receipt"`
	EntryID   *int64          `gorm:"column:entry_id"`
	Reason    string          `gorm:"column:reason"`
	CreatedAt time.Time       `gorm:"column:created_at"`
}

// mpesaAmount reports whether M-Pesa can pay amount in one B2C: whole shillings, 10 to
// 250,000.
func mpesaAmount(d decimal.Decimal) bool {
	return d.Equal(d.Truncate(0)) && !d.LessThan(minPayout) && !d.GreaterThan(maxPayout)
}

// payout holds amount on the group's cash (and on the account it will be paid from, when
// paying reduces it) for the eventual Dr from / Cr cash, records the payout, and queues
// the B2C order for after the commit.
func (t *txn) payout(g Group, member int64, purpose string, subject int64, amount decimal.Decimal, from string) (Payout, error) {
	return t.payoutPart(g, member, purpose, subject, 1, amount, from)
}

// payoutInParts pays a sum that may exceed M-Pesa's 250,000 per transaction as several
// payouts of at most that much, in order. Cents, and less than M-Pesa's minimum of 10,
// are not sent: they stay where they are (the member's savings).
func (t *txn) payoutInParts(g Group, member int64, purpose string, subject int64, amount decimal.Decimal, from string) error {
	amount = amount.Truncate(0) // B2C pays whole shillings; cents stay in the account
	for part := 1; amount.GreaterThanOrEqual(minPayout); part++ {
		chunk := decimalMin(amount, maxPayout)
		if rest := amount.Sub(chunk); rest.IsPositive() && rest.LessThan(minPayout) {
			chunk = chunk.Sub(minPayout) // keep the last part sendable
		}
		if _, err := t.payoutPart(g, member, purpose, subject, part, chunk, from); err != nil {
			return err
		}
		amount = amount.Sub(chunk)
	}
	return nil
}

func (t *txn) payoutPart(g Group, member int64, purpose string, subject int64, part int, amount decimal.Decimal, from string) (Payout, error) {
	if !mpesaAmount(amount) {
		return Payout{}, ErrMpesaLimit
	}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return Payout{}, err
	}
	var id int64
	if err := t.db.Raw(`SELECT nextval(pg_get_serial_sequence('chama_payouts', 'id'))`).Scan(&id).Error; err != nil {
		return Payout{}, err
	}
	cash, err := t.account(g, accountCash)
	if err != nil {
		return Payout{}, err
	}
	debit, err := t.account(g, from)
	if err != nil {
		return Payout{}, err
	}
	h, err := t.l.Hold(t.ctx, ledger.HoldRequest{
		Key: fmt.Sprintf("g%d:payout:%d", g.ID, id), Book: g.BookID, Kind: "payout." + purpose, Currency: c.Currency,
		Debit: debit.ID, Credit: cash.ID, Amount: amount,
		Refs: map[string]string{"payout": fmt.Sprint(id), "member": fmt.Sprint(member)},
	})
	if err != nil {
		return Payout{}, err
	}
	var po Payout
	if err := t.db.Raw(`INSERT INTO chama_payouts (id, group_id, member_id, purpose, subject_id, part, amount, from_code, hold_id, created_at)
		VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?) RETURNING *`, id, g.ID, member, purpose, subject, part, amount, from, h.ID, t.s.now()).Scan(&po).Error; err != nil {
		return Payout{}, err
	}
	m, err := t.memberByID(member)
	if err != nil {
		return Payout{}, err
	}
	p, err := t.personByID(m.PersonID)
	if err != nil {
		return Payout{}, err
	}
	t.orders = append(t.orders, PayoutOrder{ID: po.ID, Group: g.Code, Phone: p.Phone, Amount: amount, Purpose: purpose})
	return po, t.audit(g.ID, 0, System, "payout.created", po.ID, map[string]any{"purpose": purpose, "amount": amount.StringFixed(2)})
}

// dispatch hands a committed payout to the payer. A failure to reach it leaves the payout
// pending; DispatchPending asks again, and the payer is idempotent on the payout id.
func (s *Service) dispatch(ctx context.Context, o PayoutOrder) {
	if s.payer == nil {
		return
	}
	// A payout to a number whose SIM just changed stays pending; DispatchPending sends it
	// once the hold has passed (simswap.go).
	if err := s.simHold(ctx, o.Group, o.Phone); err != nil {
		s.log.WarnContext(ctx, "payout held", "payout", o.ID, "err", err)
		return
	}
	if err := s.payer.Pay(ctx, o); err != nil {
		s.log.WarnContext(ctx, "payout not sent yet", "payout", o.ID, "err", err)
	}
}

// DispatchPending asks the payer again for every payout still pending after olderThan,
// and returns how many it asked for.
func (s *Service) DispatchPending(ctx context.Context, olderThan time.Duration) (int, error) {
	var orders []PayoutOrder
	err := s.db.WithContext(ctx).Raw(`SELECT po.id, g.code AS "group", p.phone, po.amount, po.purpose
		FROM chama_payouts po JOIN chama_groups g ON g.id = po.group_id JOIN chama_members m ON m.id = po.member_id
		JOIN chama_people p ON p.id = m.person_id
		WHERE po.status = 'pending' AND po.created_at < ? ORDER BY po.id`, s.now().Add(-olderThan)).Scan(&orders).Error
	if err != nil {
		return 0, err
	}
	for _, o := range orders {
		s.dispatch(ctx, o)
	}
	return len(orders), nil
}

// PayoutPaid is M-Pesa confirming a payout: the hold is posted (Dr from / Cr cash), the
// platform's debt to the group and its B2C float go down together, and whatever the
// payout was for moves on (a loan becomes active). A second confirmation with the same
// receipt changes nothing.
func (s *Service) PayoutPaid(ctx context.Context, id int64, receipt string) error {
	if !receiptPattern.MatchString(receipt) {
		return ErrUnknownReceipt
	}
	return s.tx(ctx, func(t *txn) error {
		po, err := t.lockPayout(id)
		if err != nil {
			return err
		}
		switch {
		case po.Status == "paid" && po.Receipt != nil && *po.Receipt == receipt:
			return nil
		case po.Status != "pending":
			return fmt.Errorf("chama: payout %d is %s", po.ID, po.Status)
		}
		g, err := t.groupByID(po.GroupID)
		if err != nil {
			return err
		}
		c, _, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		e, err := t.l.PostHold(t.ctx, po.HoldID, po.Amount, fmt.Sprintf("g%d:payout:%d:paid", g.ID, po.ID))
		if err != nil {
			return err
		}
		owed, err := t.platformAccount(owedAccount(g.Code))
		if err != nil {
			return err
		}
		float, err := t.platformAccount(accountDisburse)
		if err != nil {
			return err
		}
		if _, err := t.l.Post(t.ctx, ledger.EntryRequest{
			Key: "mpesa:" + receipt + ":platform", Book: owed.BookID, Kind: "mpesa.paid", Currency: c.Currency,
			Refs: map[string]string{"mpesa_receipt": receipt, "group": g.Code, "payout": fmt.Sprint(po.ID)},
			Legs: []ledger.Leg{ledger.Debit(owed.ID, po.Amount), ledger.Credit(float.ID, po.Amount)},
		}); err != nil {
			return err
		}
		if err := t.db.Exec(`UPDATE chama_payouts SET status = 'paid', receipt = ?, entry_id = ?, settled_at = ? WHERE id = ?`,
			receipt, e.ID, t.s.now(), po.ID).Error; err != nil {
			return err
		}
		if (po.Purpose == PurposeLoan || po.Purpose == PurposePeerLoan) && po.SubjectID != nil {
			if err := t.loanDisbursed(g, *po.SubjectID); err != nil {
				return err
			}
		}
		m, err := t.memberByID(po.MemberID)
		if err != nil {
			return err
		}
		p, err := t.personByID(m.PersonID)
		if err != nil {
			return err
		}
		t.notify(p, "payout.paid", map[string]string{"group": g.Code, "amount": po.Amount.StringFixed(2), "receipt": receipt, "purpose": po.Purpose})
		return t.audit(g.ID, 0, System, "payout.paid", po.ID, map[string]any{"receipt": receipt})
	})
}

// PayoutFailed is M-Pesa refusing a payout: the hold is voided and nothing else moves.
func (s *Service) PayoutFailed(ctx context.Context, id int64, reason string) error {
	return s.tx(ctx, func(t *txn) error {
		po, err := t.lockPayout(id)
		if err != nil {
			return err
		}
		if po.Status == "failed" {
			return nil
		}
		if po.Status != "pending" {
			return fmt.Errorf("chama: payout %d is already %s", po.ID, po.Status)
		}
		if err := t.l.VoidHold(t.ctx, po.HoldID); err != nil && !errors.Is(err, ledger.ErrHoldNotPending) {
			return err
		}
		if len(reason) > 200 {
			reason = reason[:200]
		}
		if err := t.db.Exec(`UPDATE chama_payouts SET status = 'failed', reason = ?, settled_at = ? WHERE id = ?`,
			reason, t.s.now(), po.ID).Error; err != nil {
			return err
		}
		if (po.Purpose == PurposeLoan || po.Purpose == PurposePeerLoan) && po.SubjectID != nil {
			if err := t.loanNotDisbursed(*po.SubjectID); err != nil {
				return err
			}
		}
		return t.audit(po.GroupID, 0, System, "payout.failed", po.ID, map[string]any{"reason": reason})
	})
}

// RetryPayout sends a failed payout again, as a new payout for the same purpose, after an
// official has fixed the cause (the member's M-Pesa was not registered, say).
func (s *Service) RetryPayout(ctx context.Context, a Actor, code string, id int64, pinCode string) (Payout, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Payout{}, err
	}
	if err := s.CheckPIN(ctx, a.Phone, pinCode); err != nil {
		return Payout{}, err
	}
	var po Payout
	err := s.tx(ctx, func(t *txn) error {
		g, p, _, err := t.official(a, code)
		if err != nil {
			return err
		}
		old, err := t.lockPayout(id)
		if err != nil || old.GroupID != g.ID {
			return ErrUnknownPayout
		}
		if old.Status != "failed" {
			return fmt.Errorf("chama: payout %d is %s, not failed", old.ID, old.Status)
		}
		var subject int64
		if old.SubjectID != nil {
			subject = *old.SubjectID
		}
		if po, err = t.payoutPart(g, old.MemberID, old.Purpose, subject, old.Part, old.Amount, old.FromCode); err != nil {
			return err
		}
		if old.Purpose == PurposeLoan || old.Purpose == PurposePeerLoan {
			if err := t.db.Exec(`UPDATE chama_loans SET status = 'disbursing' WHERE id = ? AND status = 'guaranteed'`, subject).Error; err != nil {
				return err
			}
		}
		return t.audit(g.ID, p.ID, a.Channel, "payout.retried", po.ID, map[string]any{"failed": old.ID})
	})
	return po, err
}

// FailedPayout is a payout M-Pesa refused and nobody has sent again, as an official
// sees it.
type FailedPayout struct {
	ID      int64           `gorm:"column:id"`
	Name    string          `gorm:"column:name"`
	Amount  decimal.Decimal `gorm:"column:amount"`
	Purpose string          `gorm:"column:purpose"`
	Reason  string          `gorm:"column:reason"`
}

// FailedPayouts lists, for an official, the group's payouts that failed and were not sent
// again, oldest first: each one is money a member is still owed.
func (s *Service) FailedPayouts(ctx context.Context, a Actor, code string) ([]FailedPayout, error) {
	var out []FailedPayout
	err := s.tx(ctx, func(t *txn) error {
		g, _, _, err := t.official(a, code)
		if err != nil {
			return err
		}
		return t.db.Raw(`SELECT po.id, pe.name, po.amount, po.purpose, po.reason FROM chama_payouts po
			JOIN chama_members m ON m.id = po.member_id JOIN chama_people pe ON pe.id = m.person_id
			WHERE po.group_id = ? AND po.status = 'failed' AND NOT EXISTS (SELECT 1 FROM chama_payouts again
				WHERE again.group_id = po.group_id AND again.purpose = po.purpose AND again.member_id = po.member_id
				AND again.part = po.part AND again.subject_id IS NOT DISTINCT FROM po.subject_id AND again.id > po.id)
			ORDER BY po.id`, g.ID).Scan(&out).Error
	})
	return out, err
}

func (t *txn) lockPayout(id int64) (Payout, error) {
	var po Payout
	err := t.db.Raw(`SELECT * FROM chama_payouts WHERE id = ? FOR UPDATE`, id).Scan(&po).Error
	if err == nil && po.ID == 0 {
		err = ErrUnknownPayout
	}
	return po, err
}

// Payouts lists a group's payouts, newest first.
func (s *Service) Payouts(ctx context.Context, code string) ([]Payout, error) {
	var out []Payout
	err := s.db.WithContext(ctx).Raw(`SELECT po.* FROM chama_payouts po JOIN chama_groups g ON g.id = po.group_id
		WHERE g.code = ? ORDER BY po.id DESC`, code).Scan(&out).Error
	return out, err
}

// Withdraw asks the officials to pay a member part of their savings. What the savings
// must keep covering (pledges for others' loans) is held already, so the hold placed on
// approval fails if the free savings no longer cover the amount. A member has at most one
// request open (ErrPending).
func (s *Service) Withdraw(ctx context.Context, a Actor, code string, amount decimal.Decimal) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	if !amount.IsPositive() || !amount.Equal(amount.Round(2)) {
		return Approval{}, ErrInvalidAmount
	}
	if !mpesaAmount(amount) {
		return Approval{}, ErrMpesaLimit
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, p, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		savings, err := t.account(g, savingsAccount(m.ID))
		if err != nil {
			return err
		}
		if savings.Available().LessThan(amount) {
			return fmt.Errorf("%w: %s free", ErrInsufficientSavings, savings.Available().StringFixed(2))
		}
		// The subject is the member, so one request waits at a time: a second, while the
		// first is open, could not both be paid from the same free savings, and the
		// officials would be asked to vote on one that fails.
		ap, err = t.requestApproval(g, m, SubjectWithdrawal, m.ID, 0, map[string]string{"amount": amount.StringFixed(2)}, a.Channel)
		if err != nil {
			return err
		}
		return t.audit(g.ID, p.ID, a.Channel, "withdrawal.requested", ap.ID, map[string]any{"amount": amount.StringFixed(2)})
	})
	return ap, err
}

func init() {
	outcomes[SubjectWithdrawal] = outcome{
		quorum: func(q rules.Quorum) int { return q.Withdrawal },
		approved: func(t *txn, ap Approval) error {
			amount, err := payloadAmount(ap)
			if err != nil {
				return err
			}
			g, err := t.groupByID(ap.GroupID)
			if err != nil {
				return err
			}
			_, err = t.payout(g, ap.RequestedBy, PurposeWithdrawal, ap.ID, amount, savingsAccount(ap.RequestedBy))
			return err
		},
	}
}

// payloadAmount reads the "amount" an approval request carries.
func payloadAmount(ap Approval) (decimal.Decimal, error) {
	var body struct {
		Amount decimal.Decimal `json:"amount"`
	}
	if err := json.Unmarshal(ap.Payload, &body); err != nil {
		return decimal.Zero, err
	}
	return body.Amount, nil
}
