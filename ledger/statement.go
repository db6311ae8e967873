package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Balance reads an account's balance, what holds reserve and what is available.
func (l *Ledger) Balance(ctx context.Context, account int64) (Balance, error) {
	a, err := l.Account(ctx, account)
	if err != nil {
		return Balance{}, err
	}
	return Balance{Balance: a.Balance, Held: a.Held, Available: a.Available()}, nil
}

// BalanceAt is the account's balance as recorded at instant t: one indexed read of the
// running balance on the last posting recorded by then.
func (l *Ledger) BalanceAt(ctx context.Context, account int64, t time.Time) (decimal.Decimal, error) {
	var b []decimal.Decimal
	err := l.db.WithContext(ctx).Raw(`SELECT balance_after FROM ledger_postings
		WHERE account_id = ? AND recorded_at <= ? ORDER BY id DESC LIMIT 1`, account, t).Scan(&b).Error
	if err != nil {
		return decimal.Zero, fmt.Errorf("balance of %d at %s: %w", account, t, err)
	}
	if len(b) == 0 {
		return decimal.Zero, nil
	}
	return b[0], nil
}

// StatementLine is one posting as a member reads it: what happened and the balance after.
type StatementLine struct {
	PostingID    int64           `gorm:"column:id"`
	EntryID      int64           `gorm:"column:entry_id"`
	Kind         string          `gorm:"column:kind"`
	Memo         string          `gorm:"column:memo"`
	OccurredAt   time.Time       `gorm:"column:occurred_at"`
	RecordedAt   time.Time       `gorm:"column:recorded_at"`
	Amount       decimal.Decimal `gorm:"column:amount"` // on the account's normal side: + grows it
	BalanceAfter decimal.Decimal `gorm:"column:balance_after"`
}

// Statement returns up to limit postings of an account, newest first, older than the
// posting id before (0: from the newest). The next page starts at the last line's
// PostingID. One indexed query per page, however long the history.
func (l *Ledger) Statement(ctx context.Context, account int64, before int64, limit int) ([]StatementLine, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	var lines []StatementLine
	err := l.db.WithContext(ctx).Raw(`
		SELECT p.id, p.entry_id, e.kind, e.memo, e.occurred_at, p.recorded_at,
		       p.amount * a.normal_sign AS amount, p.balance_after
		FROM ledger_postings p
		JOIN ledger_accounts a ON a.id = p.account_id
		JOIN ledger_entries e ON e.id = p.entry_id
		WHERE p.account_id = ? AND p.id < ?
		ORDER BY p.id DESC LIMIT ?`, account, before, limit).Scan(&lines).Error
	if err != nil {
		return nil, fmt.Errorf("statement of %d: %w", account, err)
	}
	return lines, nil
}
