package ledger

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
)

// Refusals of a request before anything is written. Check them with errors.Is.
var (
	ErrMissingKey          = errors.New("ledger: idempotency key missing or longer than 200 characters")
	ErrMissingBook         = errors.New("ledger: book missing")
	ErrInvalidKind         = errors.New("ledger: kind must be 1-64 of a-z 0-9 _ . : - starting with a letter")
	ErrMemoTooLong         = errors.New("ledger: memo longer than 280 characters")
	ErrInvalidRefs         = errors.New("ledger: references must be valid UTF-8 text")
	ErrInvalidCurrency     = errors.New("ledger: currency must be three capital letters")
	ErrTooFewLegs          = errors.New("ledger: an entry needs at least two legs")
	ErrTooManyLegs         = errors.New("ledger: an entry has at most 100 legs")
	ErrInvalidSide         = errors.New("ledger: a leg is a debit or a credit")
	ErrInvalidAmount       = errors.New("ledger: amounts must be greater than zero")
	ErrTooPrecise          = errors.New("ledger: amounts have at most two decimals")
	ErrAmountTooLarge      = errors.New("ledger: amount too large")
	ErrUnbalanced          = errors.New("ledger: debits and credits differ")
	ErrUnknownAccount      = errors.New("ledger: unknown account")
	ErrWrongBook           = errors.New("ledger: account belongs to another book")
	ErrCurrencyMismatch    = errors.New("ledger: account is in another currency")
	ErrAccountClosed       = errors.New("ledger: account is closed")
	ErrInsufficientFunds   = errors.New("ledger: insufficient funds")
	ErrIdempotencyConflict = errors.New("ledger: idempotency key already used with different content")
	ErrAlreadyReversed     = errors.New("ledger: entry already reversed")
	ErrUnknownEntry        = errors.New("ledger: unknown entry")
	ErrInvalidAccount      = errors.New("ledger: invalid account definition")
	ErrAccountConflict     = errors.New("ledger: account code already used with another definition")
	ErrAccountNotEmpty     = errors.New("ledger: account still has a balance or holds")
	ErrUnknownBook         = errors.New("ledger: unknown book")
	ErrInvalidBook         = errors.New("ledger: invalid book definition")
	ErrUnknownHold         = errors.New("ledger: unknown hold")
	ErrHoldNotPending      = errors.New("ledger: hold already posted, voided or expired")
	ErrHoldExpired         = errors.New("ledger: hold expired")
	ErrExceedsHold         = errors.New("ledger: amount exceeds the hold")
	ErrHoldAlreadyPosted   = errors.New("ledger: hold already posted")
)

// InsufficientFundsError names the account that would have gone below zero and what was
// available on it. It matches ErrInsufficientFunds.
type InsufficientFundsError struct {
	Account   int64
	Available decimal.Decimal
}

var _ error = (*InsufficientFundsError)(nil)

func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("ledger: insufficient funds on account %d (available %s)", e.Account, e.Available.StringFixed(2))
}

// Is makes errors.Is(err, ErrInsufficientFunds) true.
func (e *InsufficientFundsError) Is(target error) bool { return target == ErrInsufficientFunds }

// refusalCode is the SQLSTATE the ledger's SQL functions raise with the reason as message.
const refusalCode = "KL001"

// statusErrors maps the statuses and refusal reasons of the SQL functions to errors.
var statusErrors = map[string]error{
	"unknown_account":     ErrUnknownAccount,
	"wrong_book":          ErrWrongBook,
	"currency_mismatch":   ErrCurrencyMismatch,
	"account_closed":      ErrAccountClosed,
	"too_precise":         ErrTooPrecise,
	"insufficient_funds":  ErrInsufficientFunds,
	"conflict":            ErrIdempotencyConflict,
	"already_reversed":    ErrAlreadyReversed,
	"hold_already_posted": ErrHoldAlreadyPosted,
	"unknown_hold":        ErrUnknownHold,
	"hold_not_pending":    ErrHoldNotPending,
	"hold_expired":        ErrHoldExpired,
	"exceeds_hold":        ErrExceedsHold,
}

// statusError turns a refusal reason and its detail ("account available" for insufficient
// funds) into the matching error.
func statusError(status, detail string) error {
	if status == "insufficient_funds" {
		var e InsufficientFundsError
		parts := strings.Fields(detail)
		if len(parts) == 2 {
			fmt.Sscan(parts[0], &e.Account) //nolint:errcheck // best effort: the sentinel still matches
			e.Available, _ = decimal.NewFromString(parts[1])
		}
		return &e
	}
	if err, ok := statusErrors[status]; ok {
		return err
	}
	return fmt.Errorf("ledger: unexpected status %q", status)
}

// refusal extracts a refusal raised by the SQL functions (SQLSTATE KL001), if err is one.
func refusal(err error) (error, bool) {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return nil, false
	}
	switch pg.Code {
	case refusalCode:
		return statusError(pg.Message, pg.Detail), true
	case "22003": // numeric_value_out_of_range: a balance would leave NUMERIC(18,2)
		return ErrAmountTooLarge, true
	}
	return nil, false
}

// isRefusal reports whether err, as send returns it, is the database refusing one entry
// (its refusal already turned into the matching error) rather than failing as a whole.
func isRefusal(err error) bool {
	if errors.Is(err, ErrAmountTooLarge) {
		return true
	}
	for _, e := range statusErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// retryable reports whether a transaction failed only because of concurrency
// (a deadlock or a serialization failure) and may simply be run again.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}
