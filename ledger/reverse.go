package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"
)

// EntryRecord is an entry as stored, with its postings.
type EntryRecord struct {
	ID              int64     `gorm:"column:id"`
	BookID          int64     `gorm:"column:book_id"`
	IdempotencyKey  string    `gorm:"column:idempotency_key"`
	Kind            string    `gorm:"column:kind"`
	Memo            string    `gorm:"column:memo"`
	ReversesEntryID *int64    `gorm:"column:reverses_entry_id"`
	HoldID          *int64    `gorm:"column:hold_id"`
	Postings        []Posting `gorm:"-"`
}

// EntryByID reads an entry and its postings.
func (l *Ledger) EntryByID(ctx context.Context, id int64) (EntryRecord, error) {
	var e EntryRecord
	err := l.db.WithContext(ctx).Table("ledger_entries").Where("id = ?", id).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return e, ErrUnknownEntry
	}
	if err != nil {
		return e, fmt.Errorf("read entry %d: %w", id, err)
	}
	err = l.db.WithContext(ctx).Table("ledger_postings").Where("entry_id = ?", id).Order("id").Find(&e.Postings).Error
	return e, err
}

// Reverse writes the entry that undoes entry id: the same legs on the opposite sides,
// linked to the original. An entry is reversed at most once; a second reversal with
// another key is ErrAlreadyReversed, with the same key it returns the first.
func (l *Ledger) Reverse(ctx context.Context, id int64, key, memo string) (Entry, error) {
	orig, err := l.EntryByID(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	req := EntryRequest{
		Key: key, Book: orig.BookID, Kind: "reversal", Memo: memo,
		Refs:     map[string]string{"reverses": strconv.FormatInt(id, 10)},
		reverses: id,
	}
	for _, p := range orig.Postings {
		req.Currency = p.Currency
		if p.Amount.IsPositive() {
			req.Legs = append(req.Legs, Credit(p.AccountID, p.Amount))
		} else {
			req.Legs = append(req.Legs, Debit(p.AccountID, p.Amount.Neg()))
		}
	}
	return l.Post(ctx, req)
}
