package rules

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// FineCharge is one late fine that has fallen due. Slot is its stable key within one
// period's contribution, so that a job charging fines can record each slot once (a unique
// key on member, period and slot) and be run any number of times without fining twice.
type FineCharge struct {
	// Slot is "once" for a fine charged once; "d1", "d2", … for a daily fine (d1 on the
	// first late day); "w1", "w2", … for a weekly fine (w1 on the first late day, w2 seven
	// days later).
	Slot   string
	On     time.Time       // the day the fine fell due
	Amount decimal.Decimal // in cents, above zero
}

// FineCharges is every late fine that has fallen due for one contribution, from lateFrom
// (see LateFrom) up to and including asOf, while unpaid is still owed on it.
//
// Each charge is f.Amount shillings (fixed) or f.Amount percent of unpaid rounded half-up
// to cents (percent). A positive f.Cap bounds the sum of all the charges for the period:
// the charge that would cross the cap is reduced to what is left under it and later slots
// are not charged. There are no charges when unpaid is not above zero, asOf is before
// lateFrom, the charge rounds to nothing or the basis or recurrence is not one the
// constitution knows.
//
// The result for a later asOf extends the result for an earlier one, slot for slot and
// amount for amount, as long as unpaid is the same; so charging by slot key is idempotent.
func FineCharges(f Fine, unpaid decimal.Decimal, lateFrom, asOf time.Time) []FineCharge {
	lateFrom, asOf = Day(lateFrom), Day(asOf)
	if !unpaid.IsPositive() || asOf.Before(lateFrom) {
		return nil
	}
	var each decimal.Decimal
	switch f.Basis {
	case FineFixed:
		each = f.Amount.Round(2)
	case FinePercent:
		each = unpaid.Mul(f.Amount).Div(decimal.NewFromInt(100)).Round(2)
	default:
		return nil
	}
	if !each.IsPositive() {
		return nil
	}
	var prefix string
	var step int
	switch f.Recurrence {
	case FineOnce:
		prefix, step = "once", 0
	case FineDaily:
		prefix, step = "d", 1
	case FineEveryWeek:
		prefix, step = "w", 7
	default:
		return nil
	}
	count := int64(1)
	if step > 0 {
		count = daysBetween(lateFrom, asOf)/int64(step) + 1
	}
	capped := f.Cap.IsPositive()
	var charges []FineCharge
	total := decimal.Zero
	for k := int64(1); k <= count; k++ {
		amount := each
		if capped {
			amount = decimal.Min(amount, f.Cap.Sub(total))
			if !amount.IsPositive() {
				break
			}
		}
		slot := prefix
		if step > 0 {
			slot += strconv.FormatInt(k, 10)
		}
		charges = append(charges, FineCharge{
			Slot:   slot,
			On:     lateFrom.AddDate(0, 0, int(k-1)*step),
			Amount: amount,
		})
		total = total.Add(amount)
	}
	return charges
}
