package rules

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPeriodAtMonthly(t *testing.T) {
	tests := []struct {
		name       string
		dueDay     int
		cycleStart time.Time
		n          int
		want       Period
	}{
		{"first of the month, due on the 5th", 5, date(2026, 1, 1), 1,
			Period{1, date(2026, 1, 1), date(2026, 1, 5), date(2026, 2, 1)}},
		{"third period", 5, date(2026, 1, 1), 3,
			Period{3, date(2026, 3, 1), date(2026, 3, 5), date(2026, 4, 1)}},
		{"due day before the start day falls in the next month", 5, date(2026, 1, 15), 1,
			Period{1, date(2026, 1, 15), date(2026, 2, 5), date(2026, 2, 15)}},
		{"due day on the start day", 15, date(2026, 1, 15), 2,
			Period{2, date(2026, 2, 15), date(2026, 2, 15), date(2026, 3, 15)}},
		{"due the day before the period ends", 14, date(2026, 1, 15), 1,
			Period{1, date(2026, 1, 15), date(2026, 2, 14), date(2026, 2, 15)}},
		{"across the year end", 10, date(2026, 12, 20), 1,
			Period{1, date(2026, 12, 20), date(2027, 1, 10), date(2027, 1, 20)}},
		{"twelfth period", 10, date(2026, 12, 20), 12,
			Period{12, date(2027, 11, 20), date(2027, 12, 10), date(2027, 12, 20)}},
		{"28th anchor through February", 28, date(2026, 1, 28), 2,
			Period{2, date(2026, 2, 28), date(2026, 2, 28), date(2026, 3, 28)}},
		{"start on the 31st: long first period", 28, date(2026, 1, 31), 1,
			Period{1, date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 1)}},
		{"start on the 31st: then calendar months", 28, date(2026, 1, 31), 2,
			Period{2, date(2026, 3, 1), date(2026, 3, 28), date(2026, 4, 1)}},
		{"start on the 29th of a leap February", 1, date(2024, 2, 29), 1,
			Period{1, date(2024, 2, 29), date(2024, 3, 1), date(2024, 4, 1)}},
		{"start on the 30th of December", 5, date(2026, 12, 30), 2,
			Period{2, date(2027, 2, 1), date(2027, 2, 5), date(2027, 3, 1)}},
		{"n below 1 is period 1", 5, date(2026, 1, 1), 0,
			Period{1, date(2026, 1, 1), date(2026, 1, 5), date(2026, 2, 1)}},
		{"due day above 28 is clamped", 31, date(2026, 1, 1), 2,
			Period{2, date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 1)}},
		{"an instant is taken as its Nairobi date", 5,
			time.Date(2026, 1, 31, 22, 0, 0, 0, time.UTC), 1, // 1 February in Nairobi
			Period{1, date(2026, 2, 1), date(2026, 2, 5), date(2026, 3, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PeriodAt(Monthly, tt.dueDay, tt.cycleStart, tt.n)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PeriodAt(monthly, %d, %s, %d) (-want +got):\n%s", tt.dueDay, tt.cycleStart.Format(time.DateOnly), tt.n, diff)
			}
		})
	}
}

func TestPeriodAtWeekly(t *testing.T) {
	monday, thursday := date(2026, 1, 5), date(2026, 1, 1)
	tests := []struct {
		name       string
		dueDay     int
		cycleStart time.Time
		n          int
		want       Period
	}{
		{"due on the starting weekday", 1, monday, 1,
			Period{1, monday, monday, date(2026, 1, 12)}},
		{"due on Friday", 5, monday, 1,
			Period{1, monday, date(2026, 1, 9), date(2026, 1, 12)}},
		{"second week", 5, monday, 2,
			Period{2, date(2026, 1, 12), date(2026, 1, 16), date(2026, 1, 19)}},
		{"Sunday is 7", 7, monday, 1,
			Period{1, monday, date(2026, 1, 11), date(2026, 1, 12)}},
		{"cycle starts Thursday, due Monday", 1, thursday, 1,
			Period{1, thursday, date(2026, 1, 5), date(2026, 1, 8)}},
		{"cycle starts Thursday, due Wednesday", 3, thursday, 1,
			Period{1, thursday, date(2026, 1, 7), date(2026, 1, 8)}},
		{"cycle starts Thursday, due Thursday", 4, thursday, 52,
			Period{52, date(2026, 12, 24), date(2026, 12, 24), date(2026, 12, 31)}},
		{"due day out of range is clamped", 9, monday, 1,
			Period{1, monday, date(2026, 1, 11), date(2026, 1, 12)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PeriodAt(Weekly, tt.dueDay, tt.cycleStart, tt.n)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PeriodAt(weekly, %d, %s, %d) (-want +got):\n%s", tt.dueDay, tt.cycleStart.Format(time.DateOnly), tt.n, diff)
			}
		})
	}
}

func TestPeriodOn(t *testing.T) {
	tests := []struct {
		name       string
		f          Frequency
		dueDay     int
		cycleStart time.Time
		day        time.Time
		wantN      int
	}{
		{"first day", Monthly, 5, date(2026, 1, 15), date(2026, 1, 15), 1},
		{"last day of the first period", Monthly, 5, date(2026, 1, 15), date(2026, 2, 14), 1},
		{"first day of the second period", Monthly, 5, date(2026, 1, 15), date(2026, 2, 15), 2},
		{"a year on", Monthly, 5, date(2026, 1, 15), date(2027, 1, 15), 13},
		{"before the cycle is period 1", Monthly, 5, date(2026, 1, 15), date(2025, 6, 1), 1},
		{"long first period, its last day", Monthly, 5, date(2026, 1, 30), date(2026, 2, 28), 1},
		{"long first period, then March", Monthly, 5, date(2026, 1, 30), date(2026, 3, 1), 2},
		{"weekly, day 6", Weekly, 1, date(2026, 1, 5), date(2026, 1, 11), 1},
		{"weekly, day 7", Weekly, 1, date(2026, 1, 5), date(2026, 1, 12), 2},
		{"weekly, before the cycle", Weekly, 1, date(2026, 1, 5), date(2026, 1, 4), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PeriodOn(tt.f, tt.dueDay, tt.cycleStart, tt.day)
			want := PeriodAt(tt.f, tt.dueDay, tt.cycleStart, tt.wantN)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("PeriodOn (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPeriodsProperties checks on random calendars that periods tile the cycle, that
// PeriodOn finds the period holding a day and that each period has exactly one due day.
func TestPeriodsProperties(t *testing.T) {
	rng := seeded(1)
	for i := range 20000 {
		f := Monthly
		dueDay := 1 + rng.IntN(28)
		if rng.IntN(2) == 0 {
			f, dueDay = Weekly, 1+rng.IntN(7)
		}
		cycleStart := randDay(rng)
		day := cycleStart.AddDate(0, 0, rng.IntN(3000))
		p := PeriodOn(f, dueDay, cycleStart, day)
		if p.N < 1 || day.Before(p.Start) || !day.Before(p.End) {
			t.Fatalf("case %d: PeriodOn(%s, %d, %s, %s) = %+v does not hold the day", i, f, dueDay, cycleStart, day, p)
		}
		if diff := cmp.Diff(PeriodAt(f, dueDay, cycleStart, p.N), p); diff != "" {
			t.Fatalf("case %d: PeriodAt disagrees with PeriodOn:\n%s", i, diff)
		}
		if next := PeriodAt(f, dueDay, cycleStart, p.N+1); !next.Start.Equal(p.End) {
			t.Fatalf("case %d: period %d ends %s but the next starts %s", i, p.N, p.End, next.Start)
		}
		if p.N == 1 && !p.Start.Equal(cycleStart) {
			t.Fatalf("case %d: the first period starts %s, not on the cycle start %s", i, p.Start, cycleStart)
		}
		if p.N > 1 && !PeriodAt(f, dueDay, cycleStart, p.N-1).End.Equal(p.Start) {
			t.Fatalf("case %d: period %d does not follow on from period %d", i, p.N, p.N-1)
		}
		matches := 0
		for d := p.Start; d.Before(p.End); d = d.AddDate(0, 0, 1) {
			if (f == Weekly && isoWeekday(d) == dueDay) || (f == Monthly && d.Day() == dueDay) {
				matches++
				if !d.Equal(p.Due) {
					t.Fatalf("case %d: %+v: due day %d falls on %s, not Due", i, p, dueDay, d)
				}
			}
		}
		if matches != 1 {
			t.Fatalf("case %d: %+v holds due day %d %d times", i, p, dueDay, matches)
		}
		length := daysBetween(p.Start, p.End)
		if (f == Weekly && length != 7) || (f == Monthly && (length < 28 || length > 34 || (p.N > 1 && length > 31))) {
			t.Fatalf("case %d: %+v lasts %d days", i, p, length)
		}
	}
}

func TestLateFrom(t *testing.T) {
	p := PeriodAt(Monthly, 5, date(2026, 1, 1), 1)
	tests := []struct {
		grace int
		want  time.Time
	}{
		{0, date(2026, 1, 6)},
		{3, date(2026, 1, 9)},
		{27, date(2026, 2, 2)},
		{-1, date(2026, 1, 6)},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, LateFrom(p, tt.grace)); diff != "" {
			t.Errorf("LateFrom(due %s, %d) (-want +got):\n%s", p.Due.Format(time.DateOnly), tt.grace, diff)
		}
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from time.Time
		k    int
		want time.Time
	}{
		{date(2026, 1, 31), 1, date(2026, 2, 28)},
		{date(2024, 1, 31), 1, date(2024, 2, 29)},
		{date(2026, 1, 31), 2, date(2026, 3, 31)},
		{date(2026, 1, 31), 3, date(2026, 4, 30)},
		{date(2026, 11, 30), 3, date(2027, 2, 28)},
		{date(2026, 1, 15), 60, date(2031, 1, 15)},
		{date(2026, 5, 10), 0, date(2026, 5, 10)},
	}
	for _, tt := range tests {
		if got := addMonths(tt.from, tt.k); !got.Equal(tt.want) {
			t.Errorf("addMonths(%s, %d) = %s, want %s", tt.from.Format(time.DateOnly), tt.k, got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}
