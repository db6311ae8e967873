package ledger

import (
	"time"

	"github.com/shopspring/decimal"
)

// AccountType is the accounting class of an account; it fixes the normal side.
type AccountType string

// The five account types.
const (
	Asset     AccountType = "asset"
	Liability AccountType = "liability"
	Equity    AccountType = "equity"
	Income    AccountType = "income"
	Expense   AccountType = "expense"
)

func (t AccountType) valid() bool {
	switch t {
	case Asset, Liability, Equity, Income, Expense:
		return true
	}
	return false
}

// DebitNormal reports whether debits increase the balance (assets and expenses).
func (t AccountType) DebitNormal() bool { return t == Asset || t == Expense }

// KES is the Kenyan shilling; the currency columns are ready for UGX and TZS.
const KES = "KES"

// Book is a separate set of books: one per group, and one for the platform.
type Book struct {
	ID        int64     `gorm:"column:id;primaryKey"`
	Code      string    `gorm:"column:code"`
	Name      string    `gorm:"column:name"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

// TableName tells GORM where books live.
func (Book) TableName() string { return "ledger_books" }

// Account is one account of a book, with its balance kept on its normal side.
type Account struct {
	ID            int64           `gorm:"column:id;primaryKey"`
	BookID        int64           `gorm:"column:book_id"`
	Code          string          `gorm:"column:code"`
	Type          AccountType     `gorm:"column:type"`
	Currency      string          `gorm:"column:currency"`
	AllowNegative bool            `gorm:"column:allow_negative"`
	MirrorID      *int64          `gorm:"column:mirror_id"`
	Balance       decimal.Decimal `gorm:"column:balance"`
	Held          decimal.Decimal `gorm:"column:held"`
	PostingsCount int64           `gorm:"column:postings_count"`
	CreatedAt     time.Time       `gorm:"column:created_at"`
	ClosedAt      *time.Time      `gorm:"column:closed_at"`
}

// TableName tells GORM where accounts live.
func (Account) TableName() string { return "ledger_accounts" }

// Available is what may still be spent: the balance less what holds reserve.
func (a Account) Available() decimal.Decimal { return a.Balance.Sub(a.Held) }

// Side says whether a leg debits or credits its account.
type Side int8

// The two sides of a leg.
const (
	DebitSide  Side = 1
	CreditSide Side = -1
)

// Leg is one line of an entry: a positive amount debited or credited to an account.
type Leg struct {
	Account int64
	Side    Side
	Amount  decimal.Decimal
}

// Debit is a leg debiting amount to account.
func Debit(account int64, amount decimal.Decimal) Leg {
	return Leg{Account: account, Side: DebitSide, Amount: amount}
}

// Credit is a leg crediting amount to account.
func Credit(account int64, amount decimal.Decimal) Leg {
	return Leg{Account: account, Side: CreditSide, Amount: amount}
}

// signed is the amount as stored: positive for a debit, negative for a credit.
func (l Leg) signed() decimal.Decimal {
	if l.Side == CreditSide {
		return l.Amount.Neg()
	}
	return l.Amount
}

// EntryRequest asks for one balanced entry in one book.
type EntryRequest struct {
	// Key makes the request idempotent: the same key with the same content returns the
	// first entry; with other content it is refused with ErrIdempotencyConflict.
	Key        string
	Book       int64
	Kind       string            // what happened, e.g. "contribution", "loan.disbursement"
	Memo       string            // at most 280 characters
	Refs       map[string]string // e.g. {"mpesa_receipt": "NLJ7RT61SV", "loan": "12"}
	OccurredAt time.Time         // when it happened (zero: now); recorded_at is set by the database
	Currency   string            // every leg is in this currency
	Legs       []Leg

	reverses int64 // set by Reverse
}

// Entry is a written entry as the caller needs it back.
type Entry struct {
	ID       int64
	Key      string
	Replayed bool // the key had been posted before with the same content
}

// Posting is one stored leg, with the account's normal-side balance after it.
type Posting struct {
	ID           int64           `gorm:"column:id"`
	EntryID      int64           `gorm:"column:entry_id"`
	AccountID    int64           `gorm:"column:account_id"`
	Currency     string          `gorm:"column:currency"`
	Amount       decimal.Decimal `gorm:"column:amount"` // positive debit, negative credit
	BalanceAfter decimal.Decimal `gorm:"column:balance_after"`
	RecordedAt   time.Time       `gorm:"column:recorded_at"`
}

// Balance is an account's position now.
type Balance struct {
	Balance   decimal.Decimal
	Held      decimal.Decimal
	Available decimal.Decimal
}
