// Package reconciletest builds what reconciliation reads, for tests: a platform book with
// M-Pesa entries keyed as settlement keys them, and organisation statements written the
// way the simulator and Safaricom write them.
package reconciletest

import (
	"context"
	"encoding/csv"
	"io"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/ledger"
	"github.com/kikundi/kikundi/mpesa/reconcile"
)

// Nairobi is the statement's clock.
var Nairobi = time.FixedZone("EAT", 3*60*60)

// Books is a platform book with the accounts M-Pesa money touches and one group.
type Books struct {
	Ledger                     *ledger.Ledger
	Book                       ledger.Book
	Collections, Disbursements int64 // mpesa:collections, mpesa:disbursements
	Owed, Suspense             int64 // owed:group:1, suspense
}

// NewBooks opens the platform book and its accounts in db.
func NewBooks(t testing.TB, db *gorm.DB) *Books {
	t.Helper()
	ctx := context.Background()
	l := ledger.New(db)
	book, err := l.CreateBook(ctx, "platform", "Kikundi platform")
	if err != nil {
		t.Fatal(err)
	}
	open := func(code string, typ ledger.AccountType, allowNegative bool) int64 {
		a, err := l.OpenAccount(ctx, ledger.AccountSpec{Book: book.ID, Code: code, Type: typ,
			Currency: ledger.KES, AllowNegative: allowNegative})
		if err != nil {
			t.Fatalf("open %s: %v", code, err)
		}
		return a.ID
	}
	return &Books{
		Ledger:        l,
		Book:          book,
		Collections:   open("mpesa:collections", ledger.Asset, true),
		Disbursements: open("mpesa:disbursements", ledger.Asset, true),
		Owed:          open("owed:group:1", ledger.Liability, true),
		Suspense:      open("suspense", ledger.Liability, false),
	}
}

// PaidIn posts money in for the group: mpesa:R:platform, Dr collections / Cr owed.
func (b *Books) PaidIn(t testing.TB, receipt, amount string, at time.Time) {
	t.Helper()
	b.post(t, "mpesa:"+receipt+":platform", "mpesa.collection", b.Collections, b.Owed, amount, at)
}

// PaidOut posts a B2C payment: mpesa:R:platform, Dr owed / Cr disbursements.
func (b *Books) PaidOut(t testing.TB, receipt, amount string, at time.Time) {
	t.Helper()
	b.post(t, "mpesa:"+receipt+":platform", "mpesa.disbursement", b.Owed, b.Disbursements, amount, at)
}

// InSuspense posts money in that matched no group: mpesa:R:suspense, Dr collections /
// Cr suspense.
func (b *Books) InSuspense(t testing.TB, receipt, amount string, at time.Time) {
	t.Helper()
	b.post(t, "mpesa:"+receipt+":suspense", "mpesa.suspense", b.Collections, b.Suspense, amount, at)
}

func (b *Books) post(t testing.TB, key, kind string, debit, credit int64, amount string, at time.Time) {
	t.Helper()
	amt := decimal.RequireFromString(amount)
	_, err := b.Ledger.Post(context.Background(), ledger.EntryRequest{
		Key: key, Book: b.Book.ID, Kind: kind, OccurredAt: at, Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(debit, amt), ledger.Credit(credit, amt)},
	})
	if err != nil {
		t.Fatalf("post %s: %v", key, err)
	}
}

// Line is one statement line. PaidIn and Withdrawn are written as given ("" for none);
// Status defaults to Completed.
type Line struct {
	Receipt   string
	At        time.Time
	Details   string
	Status    string
	PaidIn    string
	Withdrawn string
}

// Statement writes an organisation statement with a running balance, starting from
// opening.
type Statement struct {
	w       *csv.Writer
	balance decimal.Decimal
}

// NewStatement writes the header to w.
func NewStatement(w io.Writer, opening decimal.Decimal) (*Statement, error) {
	s := &Statement{w: csv.NewWriter(w), balance: opening}
	return s, s.w.Write(reconcile.Header)
}

// Write adds one line.
func (s *Statement) Write(l Line) error {
	if l.Status == "" {
		l.Status = reconcile.StatusCompleted
	}
	if l.Status == reconcile.StatusCompleted {
		if l.PaidIn != "" {
			s.balance = s.balance.Add(decimal.RequireFromString(l.PaidIn))
		}
		if l.Withdrawn != "" {
			s.balance = s.balance.Sub(decimal.RequireFromString(l.Withdrawn))
		}
	}
	return s.w.Write([]string{l.Receipt, l.At.In(Nairobi).Format(reconcile.TimeLayout), l.Details, l.Status,
		l.PaidIn, l.Withdrawn, s.balance.StringFixed(2)})
}

// Flush writes out what is buffered and reports any error of the writes so far.
func (s *Statement) Flush() error {
	s.w.Flush()
	return s.w.Error()
}

// WriteStatement writes a whole statement from lines.
func WriteStatement(w io.Writer, lines ...Line) error {
	s, err := NewStatement(w, decimal.NewFromInt(10_000_000))
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := s.Write(l); err != nil {
			return err
		}
	}
	return s.Flush()
}
