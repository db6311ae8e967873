package rules

import "time"

// Period is one contribution period of a cycle: the stretch of days in which a member owes
// one contribution. Periods tile the cycle with no gap and no overlap (End is the next
// period's Start), so every day belongs to exactly one period and a payment can always be
// matched to the period it was made in.
type Period struct {
	N     int       // 1 for the first period of the cycle
	Start time.Time // first day of the period (inclusive)
	Due   time.Time // the day the contribution is due, Start <= Due < End
	End   time.Time // first day of the next period (exclusive)
}

// PeriodAt is period n (counting from 1) of a cycle that started on cycleStart, for a group
// contributing with frequency f on dueDay (see Constitution.DueDay). It is pure calendar
// arithmetic so that every reminder, fine and statement agrees on the same dates.
//
// Weekly: periods are 7 days long from cycleStart; Due is the day of the period whose ISO
// weekday (1 Monday … 7 Sunday) is dueDay.
//
// Monthly: periods run from a day of the month to the same day of the next month, anchored
// on cycleStart's day of the month. Every such period contains each day of the month 1 … 28
// exactly once, so Due is the one day of the period whose day of the month is dueDay (the
// dueDay of the month the period starts in when that is not before Start, otherwise the
// dueDay of the next month). A cycle that starts on the 29th, 30th or 31st, days some
// months lack, is anchored on the 1st of the following month instead: its first period
// runs from cycleStart to the 1st of the month after next (a month and a few days) and
// later periods are calendar months. Periods never drift: period n is computed from the
// anchor, never from period n−1.
//
// Dates are taken as civil dates (see Day). Values outside the documented ranges are
// clamped rather than refused, because this is arithmetic on a constitution that
// Constitution.Validate has already checked: n below 1 is 1, dueDay is clamped to 1 … 7
// (weekly) or 1 … 28 (monthly). Any frequency other than Weekly is taken as Monthly.
func PeriodAt(f Frequency, dueDay int, cycleStart time.Time, n int) Period {
	cycleStart = Day(cycleStart)
	n = max(n, 1)
	if f == Weekly {
		start := cycleStart.AddDate(0, 0, 7*(n-1))
		end := start.AddDate(0, 0, 7)
		shift := (clamp(dueDay, 1, 7) - isoWeekday(start) + 7) % 7
		return Period{N: n, Start: start, Due: start.AddDate(0, 0, shift), End: end}
	}
	anchor := monthlyAnchor(cycleStart)
	start := anchor.AddDate(0, n-1, 0) // the anchor's day is at most 28: never normalised
	if n == 1 {
		start = cycleStart
	}
	end := anchor.AddDate(0, n, 0)
	dueDay = clamp(dueDay, 1, 28)
	due := time.Date(start.Year(), start.Month(), dueDay, 0, 0, 0, 0, time.UTC)
	if due.Before(start) {
		due = time.Date(start.Year(), start.Month()+1, dueDay, 0, 0, 0, 0, time.UTC)
	}
	return Period{N: n, Start: start, Due: due, End: end}
}

// PeriodOn is the period of the cycle that contains day, so that a payment or a reminder
// made on any day is matched to one period. A day before cycleStart belongs to no period;
// it is given period 1, the earliest there is.
func PeriodOn(f Frequency, dueDay int, cycleStart, day time.Time) Period {
	cycleStart, day = Day(cycleStart), Day(day)
	if !day.After(cycleStart) {
		return PeriodAt(f, dueDay, cycleStart, 1)
	}
	if f == Weekly {
		return PeriodAt(f, dueDay, cycleStart, int(daysBetween(cycleStart, day)/7)+1)
	}
	anchor := monthlyAnchor(cycleStart)
	months := (day.Year()-anchor.Year())*12 + int(day.Month()) - int(anchor.Month())
	if day.Day() < anchor.Day() {
		months--
	}
	return PeriodAt(f, dueDay, cycleStart, months+1)
}

// LateFrom is the first day on which a contribution for period p is late: the day after the
// grace days that follow the due day (Due + graceDays + 1). A payment made on Due or in the
// grace days is on time. Negative grace days count as none.
func LateFrom(p Period, graceDays int) time.Time {
	return p.Due.AddDate(0, 0, max(graceDays, 0)+1)
}

// monthlyAnchor is the day monthly periods are counted from: cycleStart itself when its day
// of the month exists in every month (1 … 28), otherwise the 1st of the following month.
func monthlyAnchor(cycleStart time.Time) time.Time {
	if cycleStart.Day() <= 28 {
		return cycleStart
	}
	return time.Date(cycleStart.Year(), cycleStart.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}

// isoWeekday numbers the days of the week as ISO 8601 and Constitution.DueDay do:
// 1 Monday … 7 Sunday.
func isoWeekday(t time.Time) int {
	return (int(t.Weekday())+6)%7 + 1
}

// daysBetween is the number of whole days from a to b, both civil dates (midnight UTC).
// It counts in seconds rather than time.Duration so that it cannot overflow.
func daysBetween(a, b time.Time) int64 {
	return (b.Unix() - a.Unix()) / (24 * 60 * 60)
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// addMonths is t moved k calendar months on, kept in the target month: when t's day does
// not exist there (31 January + 1 month) it is the month's last day (28 or 29 February),
// where time.AddDate would spill into the next month.
func addMonths(t time.Time, k int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(t.Day(), last), 0, 0, 0, 0, time.UTC)
}
