package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// HoldRequest reserves Amount for a transfer whose outcome is not known yet (a B2C payout
// waiting for M-Pesa, a guarantor's pledge). The reservation counts against the available
// balance of each account the transfer would reduce, until the hold is posted, voided or
// expires.
type HoldRequest struct {
	Key       string
	Book      int64
	Kind      string
	Memo      string
	Refs      map[string]string
	Currency  string
	Debit     int64 // the account the eventual entry debits
	Credit    int64 // the account the eventual entry credits
	Amount    decimal.Decimal
	ExpiresAt time.Time // zero: never
}

// Hold is a placed reservation.
type Hold struct {
	ID       int64
	Replayed bool
}

// HoldRecord is a hold as stored.
type HoldRecord struct {
	ID              int64            `gorm:"column:id"`
	BookID          int64            `gorm:"column:book_id"`
	IdempotencyKey  string           `gorm:"column:idempotency_key"`
	Kind            string           `gorm:"column:kind"`
	DebitAccountID  int64            `gorm:"column:debit_account_id"`
	CreditAccountID int64            `gorm:"column:credit_account_id"`
	Currency        string           `gorm:"column:currency"`
	Amount          decimal.Decimal  `gorm:"column:amount"`
	Status          string           `gorm:"column:status"`
	ExpiresAt       *time.Time       `gorm:"column:expires_at"`
	PostedAmount    *decimal.Decimal `gorm:"column:posted_amount"`
	PostedEntryID   *int64           `gorm:"column:posted_entry_id"`
}

// Validate checks a hold request without the database.
func (r HoldRequest) Validate() error {
	if err := validateHeader(r.Key, r.Book, r.Kind, r.Memo, r.Currency); err != nil {
		return err
	}
	if err := validateRefs(r.Refs); err != nil {
		return err
	}
	if r.Debit <= 0 || r.Credit <= 0 || r.Debit == r.Credit {
		return ErrUnknownAccount
	}
	return validateAmount(r.Amount)
}

func (r HoldRequest) contentHash() []byte {
	refs, _ := json.Marshal(r.Refs) // map keys are sorted by encoding/json
	h := sha256.Sum256(fmt.Appendf(nil, "hold-v1\x00%d\x00%s\x00%s\x00%s\x00%s\x00%d\x00%d\x00%s\x00%s",
		r.Book, r.Kind, r.Memo, refs, r.Currency, r.Debit, r.Credit, r.Amount.StringFixed(2), expiresText(r.ExpiresAt)))
	return h[:]
}

func expiresText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return pgTime(t)
}

// Hold places a hold, once per key.
func (l *Ledger) Hold(ctx context.Context, req HoldRequest) (Hold, error) {
	if err := req.Validate(); err != nil {
		return Hold{}, err
	}
	refs, err := json.Marshal(req.Refs)
	if err != nil || req.Refs == nil {
		refs = []byte("{}")
	}
	var expires any
	if !req.ExpiresAt.IsZero() {
		expires = req.ExpiresAt
	}
	var row struct {
		HoldID *int64
		Status string
		Detail *string
	}
	err = l.retry(ctx, func() error {
		return l.db.WithContext(ctx).Raw(`SELECT hold_id, status, detail FROM ledger_place_hold(?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::numeric, ?)`,
			req.Book, req.Key, req.contentHash(), req.Kind, req.Memo, string(refs), req.Currency,
			req.Debit, req.Credit, req.Amount.StringFixed(2), expires).Scan(&row).Error
	})
	if err != nil {
		return Hold{}, fmt.Errorf("place hold: %w", err)
	}
	switch row.Status {
	case "placed", "replayed":
		return Hold{ID: *row.HoldID, Replayed: row.Status == "replayed"}, nil
	}
	return Hold{}, statusError(row.Status, deref(row.Detail))
}

// PostHold turns a pending hold into an entry for amount (at most the held amount; the
// rest is released), once. key is the idempotency key of the entry it writes.
func (l *Ledger) PostHold(ctx context.Context, hold int64, amount decimal.Decimal, key string) (Entry, error) {
	if err := validateAmount(amount); err != nil {
		return Entry{}, err
	}
	if !validKey(key) {
		return Entry{}, ErrMissingKey
	}
	h := sha256.Sum256(fmt.Appendf(nil, "hold-post-v1\x00%d\x00%s", hold, amount.StringFixed(2)))
	entry, _ := json.Marshal(map[string]any{"k": key, "h": hex.EncodeToString(h[:]), "t": "hold.post", "m": "", "r": map[string]string{"hold": fmt.Sprint(hold)}})
	id, err := l.resolveHold(ctx, hold, "post", amount.StringFixed(2), string(entry))
	if err != nil {
		return Entry{}, err
	}
	return Entry{ID: id, Key: key}, nil
}

// VoidHold releases a pending hold without moving money. Voiding twice is not an error.
func (l *Ledger) VoidHold(ctx context.Context, hold int64) error {
	_, err := l.resolveHold(ctx, hold, "void", "0", "{}")
	return err
}

// ExpireHolds expires every pending hold whose time has come by now and returns how many.
func (l *Ledger) ExpireHolds(ctx context.Context, now time.Time) (int, error) {
	var due []int64
	if err := l.db.WithContext(ctx).Raw(`SELECT id FROM ledger_holds WHERE status = 'pending' AND expires_at <= ? ORDER BY id LIMIT 1000`, now).
		Scan(&due).Error; err != nil {
		return 0, fmt.Errorf("find expired holds: %w", err)
	}
	n := 0
	for _, id := range due {
		_, err := l.resolveHold(ctx, id, "expire", "0", "{}")
		switch {
		case errors.Is(err, ErrHoldNotPending):
			// Resolved by someone else since the query (another expiry worker, a post or
			// a void): not expired by this call.
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	return n, nil
}

// HoldByID reads a hold.
func (l *Ledger) HoldByID(ctx context.Context, id int64) (HoldRecord, error) {
	var h HoldRecord
	err := l.db.WithContext(ctx).Raw(`SELECT * FROM ledger_holds WHERE id = ?`, id).Scan(&h).Error
	if err == nil && h.ID == 0 {
		return h, ErrUnknownHold
	}
	return h, err
}

func (l *Ledger) resolveHold(ctx context.Context, hold int64, outcome, amount, entry string) (int64, error) {
	var row struct {
		EntryID *int64
		Status  string
		Detail  *string
	}
	err := l.retry(ctx, func() error {
		return l.db.WithContext(ctx).Raw(`SELECT entry_id, status, detail FROM ledger_resolve_hold(?, ?, ?::numeric, ?::jsonb)`,
			hold, outcome, amount, entry).Scan(&row).Error
	})
	if err != nil {
		if e, ok := refusal(err); ok {
			return 0, e
		}
		return 0, fmt.Errorf("%s hold %d: %w", outcome, hold, err)
	}
	switch row.Status {
	case "posted", "voided", "expired", "replayed":
		return derefID(row.EntryID), nil
	}
	return 0, statusError(row.Status, deref(row.Detail))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
