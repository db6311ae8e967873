package rules

import "github.com/shopspring/decimal"

// Due is one amount a member owes, named by Ref (a fine, a period's contribution, an
// instalment) so that the part of a payment that settles it can be posted against it.
type Due struct {
	Ref    string
	Amount decimal.Decimal
}

// Allocate applies a payment of amount to dues in the order given, paying each in full
// before the next, so that the oldest debt is always settled first. The caller decides the
// order (for a contribution: fines, then arrears oldest first, then the current period).
//
// parts[i] is what goes to dues[i] and left is what remains after every due is paid (the
// member's advance savings); parts always has one entry per due and parts plus left add up
// to amount exactly. A due that is zero or negative gets nothing. Nothing is rounded: the
// parts are as precise as amount and the dues. A negative amount pays nothing and is all
// left.
func Allocate(amount decimal.Decimal, dues []Due) (parts []decimal.Decimal, left decimal.Decimal) {
	parts = make([]decimal.Decimal, len(dues))
	left = amount
	for i, d := range dues {
		part := decimal.Zero
		if left.IsPositive() && d.Amount.IsPositive() {
			part = decimal.Min(left, d.Amount)
		}
		parts[i] = part
		left = left.Sub(part)
	}
	return parts, left
}
