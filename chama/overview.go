package chama

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/phone"
)

// Reads for the phone menus. A USSD hop must answer in milliseconds with hundreds of
// sessions open, so each of these is one query, outside any transaction: the menus only
// show what they return, and every action goes through the checked paths above.

// Overview is who a phone is, and their groups.
type Overview struct {
	PersonID  int64
	Name      string
	Lang      string
	HasPIN    bool
	Consented bool
	Groups    []GroupRef // active and invited memberships, oldest first
}

// GroupRef is one membership as a menu lists it.
type GroupRef struct {
	Code   string `gorm:"column:code"`
	Name   string `gorm:"column:name"`
	Role   Role   `gorm:"column:role"`
	Status string `gorm:"column:status"`
}

// PersonOverview returns ErrUnknownPerson for a phone never registered.
func (s *Service) PersonOverview(ctx context.Context, rawPhone string) (Overview, error) {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return Overview{}, err
	}
	var rows []struct {
		PersonID  int64   `gorm:"column:person_id"`
		Name      string  `gorm:"column:pname"`
		Lang      string  `gorm:"column:lang"`
		HasPIN    bool    `gorm:"column:has_pin"`
		Consented bool    `gorm:"column:consented"`
		Code      *string `gorm:"column:code"`
		GName     *string `gorm:"column:gname"`
		Role      *string `gorm:"column:role"`
		Status    *string `gorm:"column:status"`
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT p.id AS person_id, p.name AS pname, p.lang, p.pin_hash IS NOT NULL AS has_pin,
			EXISTS (SELECT 1 FROM chama_consents c WHERE c.person_id = p.id AND c.withdrawn_at IS NULL) AS consented,
			g.code, g.name AS gname, m.role, m.status
		FROM chama_people p
		LEFT JOIN chama_members m ON m.person_id = p.id AND m.status IN ('active', 'invited')
		LEFT JOIN chama_groups g ON g.id = m.group_id
		WHERE p.phone = ? ORDER BY m.id`, e164).Scan(&rows).Error; err != nil {
		return Overview{}, err
	}
	if len(rows) == 0 {
		return Overview{}, ErrUnknownPerson
	}
	o := Overview{PersonID: rows[0].PersonID, Name: rows[0].Name, Lang: rows[0].Lang, HasPIN: rows[0].HasPIN, Consented: rows[0].Consented}
	for _, r := range rows {
		if r.Code != nil {
			o.Groups = append(o.Groups, GroupRef{Code: *r.Code, Name: *r.GName, Role: Role(*r.Role), Status: *r.Status})
		}
	}
	return o, nil
}

// PendingCount is how many requests wait for an official's vote in a group.
func (s *Service) PendingCount(ctx context.Context, rawPhone, code string) (int, error) {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.WithContext(ctx).Raw(`SELECT count(*) FROM chama_approvals ap
		JOIN chama_groups g ON g.id = ap.group_id AND g.code = ?
		JOIN chama_members m ON m.group_id = g.id AND m.status = 'active' AND m.role <> 'member'
		JOIN chama_people p ON p.id = m.person_id AND p.phone = ?
		WHERE ap.status = 'open' AND ap.expires_at > ? AND ap.requested_by <> m.id AND ap.beneficiary IS DISTINCT FROM m.id
		AND NOT EXISTS (SELECT 1 FROM chama_votes v WHERE v.approval_id = ap.id AND v.member_id = m.id)`,
		code, e164, s.now()).Scan(&n).Error
	return n, err
}

// Balances is a member's money in a group, read in one query from their accounts and dues.
type Balances struct {
	Savings, Free, Fines, Loan, Arrears decimal.Decimal
}

// MemberBalances returns ErrNotMember when the phone is not an active member of the group.
func (s *Service) MemberBalances(ctx context.Context, rawPhone, code string) (Balances, error) {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return Balances{}, err
	}
	var r struct {
		Found                               bool
		Savings, Held, Fines, Loan, Arrears decimal.Decimal
	}
	err = s.db.WithContext(ctx).Raw(`WITH m AS (
			SELECT m.id, g.book_id FROM chama_members m JOIN chama_groups g ON g.id = m.group_id AND g.code = ?
			JOIN chama_people p ON p.id = m.person_id AND p.phone = ? WHERE m.status = 'active')
		SELECT true AS found,
			coalesce((SELECT balance FROM ledger_accounts a WHERE a.book_id = m.book_id AND a.code = 'savings:m' || m.id), 0) AS savings,
			coalesce((SELECT held FROM ledger_accounts a WHERE a.book_id = m.book_id AND a.code = 'savings:m' || m.id), 0) AS held,
			coalesce((SELECT balance FROM ledger_accounts a WHERE a.book_id = m.book_id AND a.code = 'fines-due:m' || m.id), 0) AS fines,
			coalesce((SELECT sum(a.balance) FROM chama_loans l JOIN ledger_accounts a ON a.book_id = m.book_id
				AND a.code IN ('loan:l' || l.id, 'interest-due:l' || l.id, 'penalty-due:l' || l.id)
				WHERE l.borrower_id = m.id AND l.status IN ('active', 'defaulted')), 0) AS loan,
			coalesce((SELECT sum(d.amount - coalesce((SELECT sum(dp.amount) FROM chama_due_payments dp WHERE dp.due_id = d.id), 0))
				FROM chama_dues d WHERE d.member_id = m.id AND d.kind <> 'fine' AND d.due_on < ?), 0) AS arrears
		FROM m`, code, e164, rules.Day(s.now())).Scan(&r).Error
	if err != nil {
		return Balances{}, err
	}
	if !r.Found {
		return Balances{}, ErrNotMember
	}
	return Balances{Savings: r.Savings, Free: r.Savings.Sub(r.Held), Fines: r.Fines, Loan: r.Loan, Arrears: r.Arrears}, nil
}
