package chama

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ledger"
)

// Purposes of money coming in.
const (
	ForContribution = "contribution"
	ForRepayment    = "repayment"
	// ForCashDeposit is an official paying in cash they hold from meetings (cash.go).
	ForCashDeposit = "cash_deposit"
)

// Payment is money M-Pesa confirmed for a group, as the settlement worker hands it over.
type Payment struct {
	Group      string // the group's code (the paybill account reference)
	Phone      string // who paid
	Receipt    string // M-Pesa receipt, e.g. NLJ7RT61SV: the idempotency key
	Amount     decimal.Decimal
	Purpose    string    // ForContribution, ForRepayment or ForCashDeposit
	Loan       int64     // for a repayment; 0: the payer's active loan
	ReceivedAt time.Time // M-Pesa's transaction time
	// FromSuspense is money already booked in the platform's suspense (it matched
	// nothing when it came) that an official has now assigned: the platform's entry
	// moves it from suspense to the group instead of from M-Pesa collections.
	FromSuspense bool
	// HeldBy is, for cash handed to an official at a meeting (RecordCash), that
	// official's membership: the group's Dr is their cash-in-hand, not its cash at
	// Kikundi, and the platform book does not move.
	HeldBy int64
}

// Applied is what a payment paid for.
type Applied struct {
	PaymentID int64
	EntryID   int64
	Fines     decimal.Decimal // fines settled
	Dues      decimal.Decimal // contributions, welfare and fees settled
	Loan      decimal.Decimal // penalty, interest and principal repaid
	Savings   decimal.Decimal // what went to savings beyond what was due (advance)
	Replayed  bool            // the receipt had been applied before
}

var receiptPattern = regexp.MustCompile(`^[A-Z0-9]{6,20}$`)

// ReceivePayment applies money received into a group, once per M-Pesa receipt, writing
// the group's entry and the platform's in one transaction. A contribution settles dues in
// dueOrder (fines, arrears oldest first, the current period) and saves the rest; a
// repayment pays the loan's penalty, then interest, then principal, and saves any excess.
// The member's row is locked while the payment is split, so two payments at once are
// applied one after the other.
func (s *Service) ReceivePayment(ctx context.Context, pay Payment) (Applied, error) {
	if !receiptPattern.MatchString(pay.Receipt) || isCashReceipt(pay.Receipt) {
		return Applied{}, ErrUnknownReceipt
	}
	if !pay.Amount.IsPositive() || !pay.Amount.Equal(pay.Amount.Round(2)) {
		return Applied{}, ErrInvalidAmount
	}
	e164, err := phone.Normalize(pay.Phone)
	if err != nil {
		return Applied{}, err
	}
	var out Applied
	err = s.tx(ctx, func(t *txn) error {
		out, err = t.receive(pay, e164)
		return err
	})
	return out, err
}

// receive is ReceivePayment inside a transaction, for a phone already normalised.
func (t *txn) receive(pay Payment, e164 string) (Applied, error) {
	var out Applied
	// A receipt seen before is answered from what was recorded, before anything about the
	// payer is looked up: a member who has since left must not turn a retried settlement
	// into a refusal (and the money into suspense a second time).
	if prior, ok, err := t.priorPayment(pay.Receipt); err != nil || ok {
		if err == nil && (!strings.EqualFold(prior.Code, pay.Group) || prior.Phone != e164 || !prior.Amount.Equal(pay.Amount)) {
			err = ErrDuplicateReceipt
		}
		return Applied{PaymentID: prior.ID, EntryID: prior.EntryID, Replayed: true}, err
	}
	g, p, m, err := t.payer(pay.Group, e164)
	if err != nil {
		return out, err
	}
	var prior struct {
		ID, GroupID, MemberID, EntryID int64
		Amount                         decimal.Decimal
	}
	if err := t.db.Raw(`SELECT id, group_id, member_id, entry_id, amount FROM chama_payments WHERE receipt = ?`,
		pay.Receipt).Scan(&prior).Error; err != nil {
		return out, err
	}
	if prior.ID != 0 {
		if prior.GroupID != g.ID || prior.MemberID != m.ID || !prior.Amount.Equal(pay.Amount) {
			return out, ErrDuplicateReceipt
		}
		return Applied{PaymentID: prior.ID, EntryID: prior.EntryID, Replayed: true}, nil
	}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return out, err
	}
	if pay.ReceivedAt.IsZero() {
		pay.ReceivedAt = t.s.now()
	}
	switch pay.Purpose {
	case ForRepayment:
		out, err = t.applyRepayment(g, c, p, m, pay)
	case ForCashDeposit:
		out, err = t.applyCashDeposit(g, c, p, m, pay)
	default:
		pay.Purpose = ForContribution
		out, err = t.applyContribution(g, c, p, m, pay)
	}
	if err != nil {
		return out, err
	}
	return out, t.moneyIn(g, c, pay)
}

type priorPayment struct {
	ID, EntryID int64
	Amount      decimal.Decimal
	Code, Phone string
}

// priorPayment finds a payment already applied under a receipt.
func (t *txn) priorPayment(receipt string) (priorPayment, bool, error) {
	var p priorPayment
	err := t.db.Raw(`SELECT py.id, py.entry_id, py.amount, g.code, pe.phone FROM chama_payments py
		JOIN chama_groups g ON g.id = py.group_id JOIN chama_members m ON m.id = py.member_id
		JOIN chama_people pe ON pe.id = m.person_id WHERE py.receipt = ?`, receipt).Scan(&p).Error
	return p, p.ID != 0, err
}

// payer finds the group, the person and their active membership in one query, locking
// the membership: payments for one member are applied one after the other.
func (t *txn) payer(code, e164 string) (Group, Person, Member, error) {
	var row struct {
		G Group  `gorm:"embedded;embeddedPrefix:g_"`
		P Person `gorm:"embedded;embeddedPrefix:p_"`
		M Member `gorm:"embedded;embeddedPrefix:m_"`
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	err := t.db.Raw(`WITH locked AS (SELECT m.* FROM chama_members m
			JOIN chama_groups g ON g.id = m.group_id AND g.code = @code
			JOIN chama_people p ON p.id = m.person_id AND p.phone = @phone FOR UPDATE OF m)
		SELECT g.id AS g_id, g.code AS g_code, g.name AS g_name, g.book_id AS g_book_id, g.cycle AS g_cycle,
			g.cycle_start AS g_cycle_start, g.created_by AS g_created_by, g.created_at AS g_created_at,
			p.id AS p_id, p.phone AS p_phone, p.name AS p_name, p.lang AS p_lang, p.created_at AS p_created_at,
			m.id AS m_id, m.group_id AS m_group_id, m.person_id AS m_person_id, m.role AS m_role, m.status AS m_status,
			m.joined_at AS m_joined_at
		FROM chama_groups g
		LEFT JOIN chama_people p ON p.phone = @phone
		LEFT JOIN locked m ON m.group_id = g.id AND m.person_id = p.id
		WHERE g.code = @code`, sql.Named("code", code), sql.Named("phone", e164)).Scan(&row).Error
	switch {
	case err != nil:
		return Group{}, Person{}, Member{}, err
	case row.G.ID == 0:
		return Group{}, Person{}, Member{}, ErrUnknownGroup
	case row.P.ID == 0:
		return Group{}, Person{}, Member{}, ErrUnknownPerson
	case row.M.ID == 0 || row.M.Status != "active":
		return Group{}, Person{}, Member{}, ErrNotMember
	}
	return row.G, row.P, row.M, nil
}

// moneyIn is the platform's side of money received for a group: Dr collections (or Dr
// suspense, for money assigned after it matched nothing) / Cr owed to the group, the
// mirror of the group's Dr cash.
func (t *txn) moneyIn(g Group, c rules.Constitution, pay Payment) error {
	from, key, kind := accountCollections, "mpesa:"+pay.Receipt+":platform", "mpesa.received"
	if pay.FromSuspense {
		from, key, kind = accountSuspense, "mpesa:"+pay.Receipt+":assigned", "mpesa.assigned"
	}
	platform, err := t.platformBookID()
	if err != nil {
		return err
	}
	collections, err := t.accountID(platform, from)
	if err != nil {
		return err
	}
	owed, err := t.accountID(platform, owedAccount(g.Code))
	if err != nil {
		return err
	}
	_, err = t.l.Post(t.ctx, ledger.EntryRequest{
		Key: key, Book: platform, Kind: kind, Currency: c.Currency,
		Refs: map[string]string{"mpesa_receipt": pay.Receipt, "group": g.Code}, OccurredAt: pay.ReceivedAt,
		Legs: []ledger.Leg{ledger.Debit(collections, pay.Amount), ledger.Credit(owed, pay.Amount)},
	})
	return err
}

// legs collects an entry's credits by account, in first-seen order, dropping zeros.
type legs struct {
	order  []int64
	credit map[int64]decimal.Decimal
}

func (l *legs) add(account int64, amount decimal.Decimal) {
	if !amount.IsPositive() {
		return
	}
	if l.credit == nil {
		l.credit = map[int64]decimal.Decimal{}
	}
	if _, ok := l.credit[account]; !ok {
		l.order = append(l.order, account)
	}
	l.credit[account] = l.credit[account].Add(amount)
}

// entry is Dr debit for the total / Cr each account collected.
func (l *legs) entry(debit int64) []ledger.Leg {
	total := decimal.Zero
	out := []ledger.Leg{}
	for _, a := range l.order {
		total = total.Add(l.credit[a])
		out = append(out, ledger.Credit(a, l.credit[a]))
	}
	return append([]ledger.Leg{ledger.Debit(debit, total)}, out...)
}

func (t *txn) applyContribution(g Group, c rules.Constitution, p Person, m Member, pay Payment) (Applied, error) {
	dues, err := t.openDues(m.ID)
	if err != nil {
		return Applied{}, err
	}
	owed := make([]rules.Due, len(dues))
	for i, d := range dues {
		owed[i] = rules.Due{Ref: fmt.Sprint(d.ID), Amount: d.Outstanding}
	}
	parts, left := rules.Allocate(pay.Amount, owed)
	debit, key, kind, notice := accountCash, "mpesa:"+pay.Receipt+":group", "contribution", "contribution.received"
	if pay.HeldBy != 0 {
		debit, key, kind, notice = cashInHandAccount(pay.HeldBy), "cash:"+pay.Receipt+":group", "contribution.cash", "cash.received"
	}
	cash, err := t.accountID(g.BookID, debit)
	if err != nil {
		return Applied{}, err
	}
	var credits legs
	out := Applied{}
	for i, d := range dues {
		if !parts[i].IsPositive() {
			continue
		}
		code := savingsAccount(m.ID)
		switch {
		case d.Kind == "fine":
			code = finesDueAccount(m.ID)
			out.Fines = out.Fines.Add(parts[i])
		case d.Kind == "registration":
			code = accountFeeIncome
		case d.Kind == "welfare":
			code = accountWelfare
		case c.Rotation:
			code, err = t.potFor(g, c, d)
			if err != nil {
				return Applied{}, err
			}
		}
		if d.Kind != "fine" {
			out.Dues = out.Dues.Add(parts[i])
		}
		acc, err := t.accountID(g.BookID, code)
		if err != nil {
			return Applied{}, err
		}
		credits.add(acc, parts[i])
	}
	savings, err := t.accountID(g.BookID, savingsAccount(m.ID))
	if err != nil {
		return Applied{}, err
	}
	credits.add(savings, left)
	out.Savings = left
	e, err := t.l.Post(t.ctx, ledger.EntryRequest{
		Key: key, Book: g.BookID, Kind: kind, Currency: c.Currency,
		Refs: map[string]string{"mpesa_receipt": pay.Receipt, "member": fmt.Sprint(m.ID)}, OccurredAt: pay.ReceivedAt,
		Legs: credits.entry(cash),
	})
	if err != nil {
		return Applied{}, err
	}
	out.EntryID = e.ID
	if out.PaymentID, err = t.recordPayment(g, m, pay, 0, e.ID); err != nil {
		return Applied{}, err
	}
	for i, d := range dues {
		if parts[i].IsPositive() {
			if err := t.db.Exec(`INSERT INTO chama_due_payments (due_id, payment_id, amount) VALUES (?, ?, ?)`,
				d.ID, out.PaymentID, parts[i]).Error; err != nil {
				return Applied{}, err
			}
		}
	}
	bal, err := t.l.Balance(t.ctx, savings)
	if err != nil {
		return Applied{}, err
	}
	vars := map[string]string{"group": g.Code, "amount": pay.Amount.StringFixed(2),
		"receipt": pay.Receipt, "savings": bal.Balance.StringFixed(2)}
	if pay.HeldBy != 0 { // the member checks the cash is with whom they handed it to
		if vars["holder"], err = t.memberName(pay.HeldBy); err != nil {
			return Applied{}, err
		}
	}
	t.notify(p, notice, vars)
	return out, t.audit(g.ID, p.ID, System, "payment.contribution", out.PaymentID, map[string]any{"receipt": pay.Receipt, "amount": pay.Amount.StringFixed(2)})
}

// potFor is where a merry-go-round contribution goes: its period's pot, or, when the pot
// has already been paid out (a short week approved by the officials), straight to the
// savings of the member who received it, so a late payer still pays that member.
func (t *txn) potFor(g Group, c rules.Constitution, d Due) (string, error) {
	var recipient int64
	if err := t.db.Raw(`SELECT member_id FROM chama_payouts WHERE group_id = ? AND purpose = 'rotation' AND subject_id = ?
		AND status <> 'failed' LIMIT 1`, g.ID, rotationSubject(d.Cycle, d.Period)).Scan(&recipient).Error; err != nil {
		return "", err
	}
	if recipient != 0 {
		return savingsAccount(recipient), nil
	}
	code := rotationAccount(d.Cycle, d.Period)
	_, err := t.l.OpenAccount(t.ctx, ledger.AccountSpec{Book: g.BookID, Code: code, Type: ledger.Liability, Currency: c.Currency})
	return code, err
}

func (t *txn) recordPayment(g Group, m Member, pay Payment, subject, entry int64) (int64, error) {
	var id int64
	// created_at is when the books took it (chama's clock), received_at when M-Pesa did:
	// the treasurer's digest reports by the first, so a late settlement is not missed.
	err := t.db.Raw(`INSERT INTO chama_payments (group_id, member_id, receipt, amount, purpose, subject_id, received_at, entry_id, created_at)
		VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?) RETURNING id`,
		g.ID, m.ID, pay.Receipt, pay.Amount, pay.Purpose, subject, pay.ReceivedAt, entry, t.s.now()).Scan(&id).Error
	return id, err
}

// AssignPayment is an official placing money that matched nothing (it waits in the
// platform's suspense) with a member of their group, confirmed with their PIN. It is then
// applied exactly like a payment that had named the member.
func (s *Service) AssignPayment(ctx context.Context, a Actor, pinCode string, pay Payment) (Applied, error) {
	if err := s.simHold(ctx, pay.Group, a.Phone); err != nil {
		return Applied{}, err
	}
	if err := s.CheckPIN(ctx, a.Phone, pinCode); err != nil {
		return Applied{}, err
	}
	if !receiptPattern.MatchString(pay.Receipt) {
		return Applied{}, ErrUnknownReceipt
	}
	e164, err := phone.Normalize(pay.Phone)
	if err != nil {
		return Applied{}, err
	}
	pay.FromSuspense = true
	var out Applied
	err = s.tx(ctx, func(t *txn) error {
		g, p, _, err := t.official(a, pay.Group)
		if err != nil {
			return err
		}
		if out, err = t.receive(pay, e164); err != nil {
			return err
		}
		return t.audit(g.ID, p.ID, a.Channel, "payment.assigned", out.PaymentID, map[string]any{"receipt": pay.Receipt, "to": e164})
	})
	return out, err
}
