package rules

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// MaxLoanTermMonths is the longest loan term Schedule computes, the same bound
// Constitution.Validate puts on MaxTermMonths.
const MaxLoanTermMonths = 60

// ErrInvalidLoan is wrapped, with the reason, by every refusal of Schedule and Disclose to
// compute a loan that cannot exist.
var ErrInvalidLoan = errors.New("rules: invalid loan")

// ErrTermTooLong is returned by Disclose for a term longer than the group's constitution
// allows, so the caller can tell the member the longest term they may ask for.
var ErrTermTooLong = errors.New("rules: loan term longer than the constitution allows")

// Instalment is one monthly repayment of a loan: what the member pays on Due, split into
// the principal and the interest it repays so the books can post each part.
type Instalment struct {
	N         int       // 1 for the first instalment
	Due       time.Time // civil date
	Principal decimal.Decimal
	Interest  decimal.Decimal
}

// Total is what the member pays for the instalment.
func (i Instalment) Total() decimal.Decimal { return i.Principal.Add(i.Interest) }

// Schedule is the repayment schedule of a loan of principal at monthlyRate (0.01 = 1% a
// month) over termMonths monthly instalments, the first due one month after disbursed.
// Every amount is in cents; the principal parts add up to principal exactly.
//
// Instalment k is due k months after disbursed, counted from disbursed (never from the
// previous due date, so dates do not drift); when that day does not exist in the month (a
// loan disbursed on 31 January) it is the month's last day.
//
// Flat: the interest is I = P·r·n rounded half-up to cents. The principal and the interest
// are each split evenly in cents; the c cents an even split leaves over go one each to the
// last c instalments, so instalments differ by at most a cent in each part.
//
// Reducing: the level instalment is A = P·r / (1 − (1+r)^−n), rounded half-up to cents.
// Each month's interest is the outstanding principal times r rounded half-up to cents, and
// its principal is A minus that interest (never more than is still outstanding); the last
// instalment repays all the principal still outstanding, so it may differ from A by a few
// cents. At r = 0 there is no interest and the principal is split as for Flat.
//
// It refuses, wrapping ErrInvalidLoan, a principal that is not above zero in whole cents, a
// term outside 1 … 60 months, a negative rate and an unknown method.
func Schedule(principal, monthlyRate decimal.Decimal, method InterestMethod, termMonths int, disbursed time.Time) ([]Instalment, error) {
	bad := func(reason string) error { return fmt.Errorf("%w: %s", ErrInvalidLoan, reason) }
	switch {
	case !positiveCents(principal):
		return nil, bad("principal must be above zero, in whole cents")
	case termMonths < 1 || termMonths > MaxLoanTermMonths:
		return nil, bad(fmt.Sprintf("term must be 1 to %d months", MaxLoanTermMonths))
	case monthlyRate.IsNegative():
		return nil, bad("monthly rate must not be negative")
	case method != Flat && method != Reducing:
		return nil, bad(fmt.Sprintf("interest method %q is not flat or reducing", method))
	}
	disbursed = Day(disbursed)
	plan := make([]Instalment, termMonths)
	for k := range plan {
		plan[k].N = k + 1
		plan[k].Due = addMonths(disbursed, k+1)
	}
	if method == Flat || monthlyRate.IsZero() {
		n := decimal.NewFromInt(int64(termMonths))
		interest := principal.Mul(monthlyRate).Mul(n).Round(2)
		principals, interests := splitEven(principal, termMonths), splitEven(interest, termMonths)
		for k := range plan {
			plan[k].Principal, plan[k].Interest = principals[k], interests[k]
		}
		return plan, nil
	}
	level := levelInstalment(principal, monthlyRate, termMonths).Round(2)
	outstanding := principal
	for k := range plan {
		interest := outstanding.Mul(monthlyRate).Round(2)
		repaid := outstanding
		if k < termMonths-1 {
			repaid = decimal.Max(decimal.Zero, decimal.Min(level.Sub(interest), outstanding))
		}
		plan[k].Principal, plan[k].Interest = repaid, interest
		outstanding = outstanding.Sub(repaid)
	}
	return plan, nil
}

// powPlaces is the number of decimal places kept while raising 1+r to the term: enough
// that the level instalment is exact to far below a cent for any loan the product allows.
const powPlaces = 24

// levelInstalment is A = P·r / (1 − (1+r)^−n) = P·r·(1+r)^n / ((1+r)^n − 1) for r > 0,
// unrounded (to powPlaces places).
func levelInstalment(principal, rate decimal.Decimal, n int) decimal.Decimal {
	growth := decimal.NewFromInt(1).Add(rate)
	pow := decimal.NewFromInt(1)
	for range n {
		pow = pow.Mul(growth).Round(powPlaces)
	}
	return principal.Mul(rate).Mul(pow).DivRound(pow.Sub(decimal.NewFromInt(1)), powPlaces)
}

// splitEven splits total (in whole cents, not negative) into n parts of whole cents that
// add up to total exactly: each part is total/n rounded down to a cent, and the c cents left
// over (c < n) go one each to the last c parts.
func splitEven(total decimal.Decimal, n int) []decimal.Decimal {
	parts := make([]decimal.Decimal, n)
	base, rest := total.Shift(2).QuoRem(decimal.NewFromInt(int64(n)), 0)
	each := base.Shift(-2)
	extra := int(rest.IntPart()) // < n
	cent := decimal.New(1, -2)
	for i := range parts {
		parts[i] = each
		if i >= n-extra {
			parts[i] = each.Add(cent)
		}
	}
	return parts
}

// Disclosure is what a member must be shown before accepting a loan (CBK Digital Credit
// Providers Regulations 2022, good practice for a group too): the interest, the fees, the
// total cost of credit, the total to repay and every instalment with its due date.
type Disclosure struct {
	Principal      decimal.Decimal
	Interest       decimal.Decimal // the sum of the instalments' interest
	Fees           decimal.Decimal
	TotalCost      decimal.Decimal // Interest + Fees: the "total cost of credit"
	TotalRepayable decimal.Decimal // Principal + TotalCost
	Instalments    []Instalment
}

// Disclose is the disclosure of a loan of principal under constitution c (its MonthlyRate
// and Interest method) over termMonths from disbursed, with fees charged on top. It refuses
// a term longer than c.MaxTermMonths with ErrTermTooLong, fees that are negative or not in
// whole cents with ErrInvalidLoan, and whatever Schedule refuses.
func Disclose(principal decimal.Decimal, c Constitution, termMonths int, disbursed time.Time, fees decimal.Decimal) (Disclosure, error) {
	if termMonths > c.MaxTermMonths {
		return Disclosure{}, fmt.Errorf("%w: %d months asked, at most %d", ErrTermTooLong, termMonths, c.MaxTermMonths)
	}
	if !zeroOrCents(fees) {
		return Disclosure{}, fmt.Errorf("%w: fees must be zero or more, in whole cents", ErrInvalidLoan)
	}
	plan, err := Schedule(principal, c.MonthlyRate, c.Interest, termMonths, disbursed)
	if err != nil {
		return Disclosure{}, err
	}
	interest := decimal.Zero
	for _, in := range plan {
		interest = interest.Add(in.Interest)
	}
	cost := interest.Add(fees)
	return Disclosure{
		Principal:      principal,
		Interest:       interest,
		Fees:           fees,
		TotalCost:      cost,
		TotalRepayable: principal.Add(cost),
		Instalments:    plan,
	}, nil
}

// InDuplum is how much of a proposed interest or penalty charge on a loan may still be
// charged under Kenya's in duplum rule: interest and charges on a non-performing loan never
// exceed the principal outstanding. It is proposed cut down so that chargesSoFar plus the
// result does not exceed principalOutstanding, and never negative.
func InDuplum(principalOutstanding, chargesSoFar, proposed decimal.Decimal) decimal.Decimal {
	room := principalOutstanding.Sub(chargesSoFar)
	return decimal.Max(decimal.Zero, decimal.Min(proposed, room))
}

// LatePenalty is the penalty on a late instalment: overdue times rate (the constitution's
// LatePenalty, e.g. 0.05), rounded half-up to cents. It is never negative: a negative rate
// or overdue amount gives zero.
func LatePenalty(rate decimal.Decimal, overdue decimal.Decimal) decimal.Decimal {
	if !rate.IsPositive() || !overdue.IsPositive() {
		return decimal.Zero
	}
	return overdue.Mul(rate).Round(2)
}
