package mpesa

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/internal/phone"
)

// nairobi is Kenya's time, UTC+3 all year; a fixed zone needs no tzdata on the host.
var nairobi = time.FixedZone("EAT", 3*3600)

// Daraja's time layouts.
const (
	timestampLayout = "20060102150405"      // Timestamp, TransactionDate, TransTime
	completedLayout = "02.01.2006 15:04:05" // TransactionCompletedDateTime
)

// M-Pesa's limits per transaction, in whole shillings.
const (
	MinSTKAmount = 1
	MaxSTKAmount = 250000
	MinB2CAmount = 10
	MaxB2CAmount = 250000
)

// msisdn turns a Kenyan mobile number in any spelling internal/phone accepts into the
// 2547XXXXXXXX form Daraja wants.
func msisdn(field, s string) (string, error) {
	e164, err := phone.Normalize(s)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrInvalidRequest, field, err)
	}
	return strings.TrimPrefix(e164, "+"), nil
}

// shillings checks that amount is whole shillings within [lo, hi] and writes it as
// Daraja wants it, digits in a string.
func shillings(amount decimal.Decimal, lo, hi int64) (string, error) {
	if !amount.IsInteger() {
		return "", fmt.Errorf("%w: %s is not whole shillings", ErrInvalidAmount, amount)
	}
	if amount.LessThan(decimal.NewFromInt(lo)) || amount.GreaterThan(decimal.NewFromInt(hi)) {
		return "", fmt.Errorf("%w: %s is outside %d to %d", ErrInvalidAmount, amount, lo, hi)
	}
	return amount.StringFixed(0), nil
}

// text checks that s has between lo and hi characters.
func text(field, s string, lo, hi int) error {
	switch n := utf8.RuneCountInString(s); {
	case n == 0 && lo > 0:
		return invalid("%s is required", field)
	case n < lo:
		return invalid("%s must have at least %d characters, has %d", field, lo, n)
	case n > hi:
		return invalid("%s must have at most %d characters, has %d", field, hi, n)
	}
	return nil
}

// callbackURL checks that s is an absolute http(s) URL Daraja can post to.
func callbackURL(field, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("%s %q is not an absolute http(s) URL", field, s)
	}
	return nil
}

func (c *Client) timestamp() string {
	return c.now().In(nairobi).Format(timestampLayout)
}
