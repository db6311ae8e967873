package ledger

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"gorm.io/gorm"
)

// Ledger reads and writes the books through one GORM handle: a pool, or a transaction
// (see WithTx), so that a caller can write entries together with its own rows.
type Ledger struct {
	db   *gorm.DB
	inTx bool
}

// New returns a ledger over db.
func New(db *gorm.DB) *Ledger { return &Ledger{db: db} }

// WithTx returns a ledger that writes inside the caller's transaction tx. Everything it
// writes commits or rolls back with that transaction.
func (l *Ledger) WithTx(tx *gorm.DB) *Ledger { return &Ledger{db: tx, inTx: true} }

// Transaction runs fn with a ledger bound to one new database transaction: entries in
// several books (a group's and the platform's for one money event) commit together or
// not at all. If Postgres aborts the transaction to break a deadlock (or a serialization
// failure), the whole of fn runs again in a new transaction, a few times at most: fn must
// be safe to repeat, which every ledger write is, being idempotent on its key.
func (l *Ledger) Transaction(ctx context.Context, fn func(tx *Ledger) error) error {
	return l.retry(ctx, func() error {
		return l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(l.WithTx(tx)) })
	})
}

// TransactionWithDB is Transaction for a caller that writes its own rows beside the
// entries (the chama's loans, dues and approvals): fn also gets the transaction's GORM
// handle, and everything commits or rolls back together.
func (l *Ledger) TransactionWithDB(ctx context.Context, fn func(db *gorm.DB, tx *Ledger) error) error {
	return l.retry(ctx, func() error {
		return l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(tx, l.WithTx(tx)) })
	})
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9:._-]{0,99}$`)

// CreateBook returns the book with this code, creating it if needed.
func (l *Ledger) CreateBook(ctx context.Context, code, name string) (Book, error) {
	if !codePattern.MatchString(code) || len(code) > 64 || name == "" || len(name) > 120 {
		return Book{}, ErrInvalidBook
	}
	var b Book
	err := l.db.WithContext(ctx).Raw(`
		WITH ins AS (
			INSERT INTO ledger_books (code, name) VALUES (?, ?)
			ON CONFLICT (code) DO NOTHING RETURNING *)
		SELECT * FROM ins UNION ALL SELECT * FROM ledger_books WHERE code = ? LIMIT 1`,
		code, name, code).Scan(&b).Error
	if err != nil {
		return Book{}, fmt.Errorf("create book %s: %w", code, err)
	}
	if b.ID == 0 {
		// Created by a concurrent transaction that committed after this statement's
		// snapshot: a new statement sees it.
		return l.BookByCode(ctx, code)
	}
	return b, nil
}

// BookByCode finds a book.
func (l *Ledger) BookByCode(ctx context.Context, code string) (Book, error) {
	var b Book
	err := l.db.WithContext(ctx).Where("code = ?", code).Take(&b).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Book{}, ErrUnknownBook
	}
	return b, err
}

// AccountSpec describes an account to open.
type AccountSpec struct {
	Book          int64
	Code          string // unique in its book, e.g. "cash", "savings:m12"
	Type          AccountType
	Currency      string
	AllowNegative bool  // may the balance go below zero on its normal side?
	Mirror        int64 // optional: the account in another book this one mirrors
}

// OpenAccount returns the account with spec's book and code, creating it if needed. An
// existing account with another type, currency or policy is ErrAccountConflict. A mirror
// pair is linked both ways; both accounts must be empty when they are paired.
func (l *Ledger) OpenAccount(ctx context.Context, spec AccountSpec) (Account, error) {
	if spec.Book <= 0 || !codePattern.MatchString(spec.Code) || !spec.Type.valid() || !currencyPattern.MatchString(spec.Currency) {
		return Account{}, ErrInvalidAccount
	}
	var acc Account
	err := l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`
			INSERT INTO ledger_accounts (book_id, code, type, currency, allow_negative)
			SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM ledger_books WHERE id = ?)
			ON CONFLICT (book_id, code) DO NOTHING`,
			spec.Book, spec.Code, spec.Type, spec.Currency, spec.AllowNegative, spec.Book).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT * FROM ledger_accounts WHERE book_id = ? AND code = ? FOR UPDATE`,
			spec.Book, spec.Code).Scan(&acc).Error; err != nil {
			return err
		}
		if acc.ID == 0 {
			return ErrUnknownBook
		}
		if acc.Type != spec.Type || acc.Currency != spec.Currency || acc.AllowNegative != spec.AllowNegative {
			return ErrAccountConflict
		}
		if spec.Mirror == 0 || (acc.MirrorID != nil && *acc.MirrorID == spec.Mirror) {
			return nil
		}
		if acc.MirrorID != nil {
			return ErrAccountConflict
		}
		return pairMirror(tx, acc.ID, spec.Mirror)
	})
	if err != nil {
		if errors.Is(err, ErrAccountConflict) || errors.Is(err, ErrUnknownBook) || errors.Is(err, ErrInvalidAccount) {
			return Account{}, err
		}
		return Account{}, fmt.Errorf("open account %s: %w", spec.Code, err)
	}
	return l.Account(ctx, acc.ID)
}

// pairMirror links two empty accounts of the same currency in different books.
func pairMirror(tx *gorm.DB, id, other int64) error {
	var pair []Account
	if err := tx.Raw(`SELECT * FROM ledger_accounts WHERE id IN (?, ?) ORDER BY id FOR UPDATE`, id, other).Scan(&pair).Error; err != nil {
		return err
	}
	if len(pair) != 2 || pair[0].BookID == pair[1].BookID || pair[0].Currency != pair[1].Currency ||
		!pair[0].Balance.IsZero() || !pair[1].Balance.IsZero() ||
		(pair[0].MirrorID != nil) || (pair[1].MirrorID != nil) {
		return fmt.Errorf("%w: mirrors are two empty, unpaired accounts of one currency in different books", ErrInvalidAccount)
	}
	return tx.Exec(`UPDATE ledger_accounts SET mirror_id = CASE id WHEN ? THEN ?::bigint ELSE ?::bigint END
		WHERE id IN (?, ?)`, pair[0].ID, pair[1].ID, pair[0].ID, pair[0].ID, pair[1].ID).Error
}

// Account reads one account.
func (l *Ledger) Account(ctx context.Context, id int64) (Account, error) {
	var a Account
	err := l.db.WithContext(ctx).Where("id = ?", id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Account{}, ErrUnknownAccount
	}
	return a, err
}

// AccountByCode finds an account by its book and code.
func (l *Ledger) AccountByCode(ctx context.Context, book int64, code string) (Account, error) {
	var a Account
	err := l.db.WithContext(ctx).Where("book_id = ? AND code = ?", book, code).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Account{}, ErrUnknownAccount
	}
	return a, err
}

// CloseAccount refuses further postings to an empty account with no holds.
func (l *Ledger) CloseAccount(ctx context.Context, id int64) error {
	res := l.db.WithContext(ctx).Exec(`UPDATE ledger_accounts SET closed_at = clock_timestamp()
		WHERE id = ? AND closed_at IS NULL AND balance = 0 AND held = 0`, id)
	if res.Error != nil {
		return fmt.Errorf("close account %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		a, err := l.Account(ctx, id)
		if err != nil {
			return err
		}
		if a.ClosedAt != nil {
			return nil
		}
		return ErrAccountNotEmpty
	}
	return nil
}
