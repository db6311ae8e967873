package rules

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// ErrNoShares is returned by ShareOut when there is a fund to share but no member holds a
// share, so there is no proportion to share it in.
var ErrNoShares = errors.New("rules: no shares to share the fund out by")

// ErrInvalidShareOut is wrapped, with the reason, by ShareOut for inputs that cannot come
// from a group's books: a negative fund, shares or debt, a fund not in whole cents, or a
// member listed twice.
var ErrInvalidShareOut = errors.New("rules: invalid share-out")

// Share is one member's stake in a share-out: the shares (or savings) they put in during
// the cycle and what they still owe the group, which is deducted from their payout.
type Share struct {
	Member int64
	Shares decimal.Decimal
	Owes   decimal.Decimal
}

// Payout is one member's share of the fund: Gross is their proportional share, Deducted
// what they owed that is kept back from it, and Net = Gross − Deducted what they are paid.
type Payout struct {
	Member   int64
	Gross    decimal.Decimal
	Deducted decimal.Decimal
	Net      decimal.Decimal
}

// ShareOut shares fund out among members in proportion to their shares at the end of a
// cycle (VSLA practice: value per share = fund / Σ shares), leaving no cent unassigned.
//
// Each Gross is fund·S_i/ΣS rounded down to a cent; the cents that rounding down leaves
// over (fewer than the members with a share) go one each to the members with the largest
// remainders, ties going to the smaller Member id. So the Gross amounts add up to fund
// exactly and none is a cent or more away from the exact share. A member with no shares
// gets nothing. Deducted is what the member owes, up to their Gross (any debt beyond it is
// still owed, outside the share-out), and Net is the rest. Payouts are sorted by Member.
//
// It refuses, wrapping ErrInvalidShareOut, a negative fund, a fund not in whole cents,
// negative shares or debts and a member listed twice; and with ErrNoShares a positive fund
// when nobody holds a share.
func ShareOut(fund decimal.Decimal, members []Share) ([]Payout, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidShareOut, fmt.Sprintf(format, args...))
	}
	if !zeroOrCents(fund) {
		return nil, bad("fund must be zero or more, in whole cents")
	}
	sorted := slices.Clone(members)
	slices.SortFunc(sorted, func(a, b Share) int { return cmp.Compare(a.Member, b.Member) })
	total := decimal.Zero
	for i, m := range sorted {
		switch {
		case i > 0 && sorted[i-1].Member == m.Member:
			return nil, bad("member %d listed twice", m.Member)
		case m.Shares.IsNegative():
			return nil, bad("member %d has negative shares", m.Member)
		case m.Owes.IsNegative():
			return nil, bad("member %d owes a negative amount", m.Member)
		}
		total = total.Add(m.Shares)
	}
	if total.IsZero() && fund.IsPositive() {
		return nil, ErrNoShares
	}

	// Work in cents: member i's exact share is fundCents·S_i/ΣS cents, split into whole
	// cents q_i and a remainder r_i/ΣS of a cent. The remainders share the denominator ΣS,
	// so comparing r_i compares them exactly.
	fundCents := fund.Shift(2)
	cents := make([]decimal.Decimal, len(sorted))
	rems := make([]decimal.Decimal, len(sorted))
	left := fundCents
	for i, m := range sorted {
		if m.Shares.IsZero() {
			cents[i], rems[i] = decimal.Zero, decimal.Zero
			continue
		}
		cents[i], rems[i] = fundCents.Mul(m.Shares).QuoRem(total, 0)
		left = left.Sub(cents[i])
	}
	// Largest remainder first; sorted is by Member, so a stable sort breaks ties by the
	// smaller Member id.
	order := make([]int, len(sorted))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rems[b].Cmp(rems[a]) })
	one := decimal.NewFromInt(1)
	for _, i := range order {
		if !left.IsPositive() {
			break
		}
		if sorted[i].Shares.IsZero() {
			continue
		}
		cents[i] = cents[i].Add(one)
		left = left.Sub(one)
	}

	payouts := make([]Payout, len(sorted))
	for i, m := range sorted {
		gross := cents[i].Shift(-2)
		deducted := decimal.Min(m.Owes, gross)
		payouts[i] = Payout{Member: m.Member, Gross: gross, Deducted: deducted, Net: gross.Sub(deducted)}
	}
	return payouts, nil
}
