package chama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// Group is a chama: its code, its name, its book and its current cycle.
type Group struct {
	ID         int64     `gorm:"column:id"`
	Code       string    `gorm:"column:code"`
	Name       string    `gorm:"column:name"`
	BookID     int64     `gorm:"column:book_id"`
	Cycle      int       `gorm:"column:cycle"`
	CycleStart time.Time `gorm:"column:cycle_start"`
	CreatedBy  int64     `gorm:"column:created_by"`
	CreatedAt  time.Time `gorm:"column:created_at"`
}

// NewGroup is what a founder gives to start a group.
type NewGroup struct {
	Code       string // 3-12 letters and digits, e.g. UMOJA; case does not matter
	Name       string
	Rules      rules.Constitution
	CycleStart time.Time // the first day of the first period; zero: today
}

var groupCode = regexp.MustCompile(`^[A-Z][A-Z0-9]{2,11}$`)

// The platform book and its accounts (domain/books.md).
const (
	platformBook       = "platform"
	accountCollections = "mpesa:collections"
	accountDisburse    = "mpesa:disbursements"
	accountSuspense    = "suspense"
)

// A group's own accounts; members' and loans' accounts are named by id (see the
// functions below).
const (
	accountCash           = "cash"
	accountWelfare        = "welfare"
	accountInterestIncome = "interest-income"
	accountFineIncome     = "fine-income"
	accountFeeIncome      = "fee-income"
	accountCharges        = "mpesa-charges"
	accountOtherExpenses  = "other-expenses"
)

func savingsAccount(member int64) string  { return fmt.Sprintf("savings:m%d", member) }
func finesDueAccount(member int64) string { return fmt.Sprintf("fines-due:m%d", member) }
func loanAccount(loan int64) string       { return fmt.Sprintf("loan:l%d", loan) }
func interestDueAccount(loan int64) string {
	return fmt.Sprintf("interest-due:l%d", loan)
}
func penaltyDueAccount(loan int64) string { return fmt.Sprintf("penalty-due:l%d", loan) }
func escrowAccount(loan int64) string     { return fmt.Sprintf("escrow:l%d", loan) }
func rotationAccount(cycle, period int) string {
	return fmt.Sprintf("rotation:c%dp%d", cycle, period)
}
func owedAccount(code string) string { return "owed:group:" + strings.ToLower(code) }

// CreateGroup starts a group: its book with the chart of accounts, the platform's debt to
// it (the mirror of its cash), constitution version 1, and the founder as chair.
func (s *Service) CreateGroup(ctx context.Context, a Actor, ng NewGroup) (Group, error) {
	ng.Code = strings.ToUpper(strings.TrimSpace(ng.Code))
	ng.Name = strings.TrimSpace(ng.Name)
	if !groupCode.MatchString(ng.Code) || ng.Name == "" || len([]rune(ng.Name)) > 60 {
		return Group{}, ErrInvalidGroup
	}
	if err := ng.Rules.Validate(); err != nil {
		return Group{}, err
	}
	if ng.CycleStart.IsZero() {
		ng.CycleStart = s.now()
	}
	ng.CycleStart = rules.Day(ng.CycleStart)
	rulesJSON, err := json.Marshal(ng.Rules)
	if err != nil {
		return Group{}, err
	}
	var g Group
	err = s.tx(ctx, func(t *txn) error {
		founder, err := t.actor(a)
		if err != nil {
			return err
		}
		var taken int64
		if err := t.db.Table("chama_groups").Where("code = ?", ng.Code).Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return ErrGroupCodeTaken
		}
		book, err := t.l.CreateBook(ctx, "group:"+strings.ToLower(ng.Code), ng.Name)
		if err != nil {
			return err
		}
		if err := t.openGroupAccounts(book.ID, ng.Code, ng.Rules.Currency); err != nil {
			return err
		}
		if err := t.db.Raw(`INSERT INTO chama_groups (code, name, book_id, cycle_start, created_by)
			VALUES (?, ?, ?, ?, ?) RETURNING *`, ng.Code, ng.Name, book.ID, ng.CycleStart, founder.ID).Scan(&g).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrGroupCodeTaken
			}
			return err
		}
		if err := t.db.Exec(`INSERT INTO chama_constitutions (group_id, version, effective_from, rules)
			VALUES (?, 1, ?, ?::jsonb)`, g.ID, ng.CycleStart, string(rulesJSON)).Error; err != nil {
			return err
		}
		m, err := t.addMember(g, founder, RoleChair, 0)
		if err != nil {
			return err
		}
		return t.audit(g.ID, founder.ID, a.Channel, "group.created", m.ID, map[string]any{"code": g.Code, "name": g.Name})
	})
	return g, err
}

// openGroupAccounts opens the group's own accounts and pairs its cash with the platform's
// debt to it. Income and expense accounts may run either way (a reversal can take an
// income below zero in a cycle); everything a member or the group holds may not.
func (t *txn) openGroupAccounts(book int64, code, currency string) error {
	platform, err := t.l.CreateBook(t.ctx, platformBook, "Kikundi platform")
	if err != nil {
		return err
	}
	for _, spec := range []ledger.AccountSpec{
		{Book: platform.ID, Code: accountCollections, Type: ledger.Asset, AllowNegative: true},
		{Book: platform.ID, Code: accountDisburse, Type: ledger.Asset, AllowNegative: true},
		{Book: platform.ID, Code: accountSuspense, Type: ledger.Liability},
		{Book: platform.ID, Code: owedAccount(code), Type: ledger.Liability},
		{Book: book, Code: accountWelfare, Type: ledger.Liability},
		{Book: book, Code: accountInterestIncome, Type: ledger.Income, AllowNegative: true},
		{Book: book, Code: accountFineIncome, Type: ledger.Income, AllowNegative: true},
		{Book: book, Code: accountFeeIncome, Type: ledger.Income, AllowNegative: true},
		{Book: book, Code: accountCharges, Type: ledger.Expense, AllowNegative: true},
		{Book: book, Code: accountOtherExpenses, Type: ledger.Expense, AllowNegative: true},
	} {
		spec.Currency = currency
		if _, err := t.l.OpenAccount(t.ctx, spec); err != nil {
			return fmt.Errorf("open %s: %w", spec.Code, err)
		}
	}
	owed, err := t.l.AccountByCode(t.ctx, platform.ID, owedAccount(code))
	if err != nil {
		return err
	}
	_, err = t.l.OpenAccount(t.ctx, ledger.AccountSpec{Book: book, Code: accountCash, Type: ledger.Asset,
		Currency: currency, Mirror: owed.ID})
	return err
}

// GroupByCode finds a group by the code members type.
func (s *Service) GroupByCode(ctx context.Context, code string) (Group, error) {
	var g Group
	err := s.tx(ctx, func(t *txn) error {
		var err error
		g, err = t.groupByCode(code)
		return err
	})
	return g, err
}

func (t *txn) groupByCode(code string) (Group, error) {
	var g Group
	err := t.db.Table("chama_groups").Where("code = ?", strings.ToUpper(strings.TrimSpace(code))).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Group{}, ErrUnknownGroup
	}
	return g, err
}

func (t *txn) groupByID(id int64) (Group, error) {
	var g Group
	err := t.db.Table("chama_groups").Where("id = ?", id).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Group{}, ErrUnknownGroup
	}
	return g, err
}

// account finds one of a group's accounts by code.
func (t *txn) account(g Group, code string) (ledger.Account, error) {
	return t.l.AccountByCode(t.ctx, g.BookID, code)
}

// platformAccount finds one of the platform book's accounts by code.
func (t *txn) platformAccount(code string) (ledger.Account, error) {
	b, err := t.l.BookByCode(t.ctx, platformBook)
	if err != nil {
		return ledger.Account{}, err
	}
	return t.l.AccountByCode(t.ctx, b.ID, code)
}
