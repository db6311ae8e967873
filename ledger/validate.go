package ledger

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

const (
	maxKeyLen  = 200
	maxMemoLen = 280
	maxLegs    = 100
)

var (
	kindPattern     = regexp.MustCompile(`^[a-z][a-z0-9_.:-]{0,63}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	// NUMERIC(18,2) holds up to 16 digits before the point.
	maxAmount = decimal.New(1, 16)
)

// validateAmount refuses zero, negative, over-precise and oversized amounts.
func validateAmount(a decimal.Decimal) error {
	switch {
	case !a.IsPositive():
		return ErrInvalidAmount
	case !a.Equal(a.Round(2)):
		return ErrTooPrecise
	case a.GreaterThanOrEqual(maxAmount):
		return ErrAmountTooLarge
	}
	return nil
}

// validKey is what Postgres can store as an idempotency key: 1-200 bytes of UTF-8, no NUL.
func validKey(key string) bool {
	return key != "" && len(key) <= maxKeyLen && utf8.ValidString(key) && !strings.ContainsRune(key, 0)
}

func validateHeader(key string, book int64, kind, memo, currency string) error {
	switch {
	case !validKey(key):
		return ErrMissingKey
	case book <= 0:
		return ErrMissingBook
	case !kindPattern.MatchString(kind):
		return ErrInvalidKind
	case !utf8.ValidString(memo) || utf8.RuneCountInString(memo) > maxMemoLen || strings.ContainsRune(memo, 0):
		return ErrMemoTooLong
	case !currencyPattern.MatchString(currency):
		return ErrInvalidCurrency
	}
	return nil
}

// validateRefs refuses references Postgres could not store as they are: invalid UTF-8
// (which JSON encoding would silently replace) and NUL characters.
func validateRefs(refs map[string]string) error {
	for k, v := range refs {
		if !utf8.ValidString(k) || !utf8.ValidString(v) || strings.ContainsRune(k+v, 0) {
			return ErrInvalidRefs
		}
	}
	return nil
}

// Validate checks everything about a request that can be known without the database.
// An invalid request is never sent.
func (r EntryRequest) Validate() error {
	if err := validateHeader(r.Key, r.Book, r.Kind, r.Memo, r.Currency); err != nil {
		return err
	}
	if err := validateRefs(r.Refs); err != nil {
		return err
	}
	if len(r.Legs) < 2 {
		return ErrTooFewLegs
	}
	if len(r.Legs) > maxLegs {
		return ErrTooManyLegs
	}
	sum := decimal.Zero
	for _, l := range r.Legs {
		if l.Side != DebitSide && l.Side != CreditSide {
			return ErrInvalidSide
		}
		if l.Account <= 0 {
			return ErrUnknownAccount
		}
		if err := validateAmount(l.Amount); err != nil {
			return err
		}
		sum = sum.Add(l.signed())
	}
	if !sum.IsZero() {
		return ErrUnbalanced
	}
	return nil
}

// contentHash fingerprints what the request asks for, so that a repeated key can be told
// apart from a key reused for something else. Leg order does not matter; a zero
// OccurredAt ("now") is part of the content as zero, so a retry without a time still
// matches.
func (r EntryRequest) contentHash() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "entry-v1\x00%d\x00%s\x00%s\x00%s\x00", r.Book, r.Kind, r.Memo, r.Currency)
	if !r.OccurredAt.IsZero() {
		fmt.Fprintf(h, "%s", pgTime(r.OccurredAt))
	}
	h.Write([]byte{0})
	refKeys := make([]string, 0, len(r.Refs))
	for k := range r.Refs {
		refKeys = append(refKeys, k)
	}
	slices.Sort(refKeys)
	for _, k := range refKeys {
		fmt.Fprintf(h, "%q=%q\x00", k, r.Refs[k])
	}
	legs := make([]string, len(r.Legs))
	for i, l := range r.Legs {
		legs[i] = fmt.Sprintf("%d:%s", l.Account, l.signed().StringFixed(2))
	}
	slices.Sort(legs)
	fmt.Fprintf(h, "%s\x00reverses=%d", strings.Join(legs, ","), r.reverses)
	return h.Sum(nil)
}

// pgTime renders a time as Postgres stores it: UTC, microseconds.
func pgTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z07:00")
}
