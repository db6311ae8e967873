package rules

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func TestFineCharges(t *testing.T) {
	late := date(2026, 1, 9)
	fixed := func(amount string, rec FineRecurrence, limit string) Fine {
		return Fine{Basis: FineFixed, Amount: dec(amount), Recurrence: rec, Cap: dec(limit)}
	}
	percent := func(amount string, rec FineRecurrence, limit string) Fine {
		return Fine{Basis: FinePercent, Amount: dec(amount), Recurrence: rec, Cap: dec(limit)}
	}
	charge := func(slot string, on time.Time, amount string) FineCharge {
		return FineCharge{Slot: slot, On: on, Amount: dec(amount)}
	}
	tests := []struct {
		name   string
		fine   Fine
		unpaid string
		asOf   time.Time
		want   []FineCharge
	}{
		{"not late yet", fixed("50", FineOnce, "0"), "500", date(2026, 1, 8), nil},
		{"once, on the first late day", fixed("50", FineOnce, "0"), "500", late,
			[]FineCharge{charge("once", late, "50")}},
		{"once stays once", fixed("50", FineOnce, "0"), "500", date(2026, 6, 1),
			[]FineCharge{charge("once", late, "50")}},
		{"nothing unpaid", fixed("50", FineOnce, "0"), "0", date(2026, 6, 1), nil},
		{"overpaid", fixed("50", FineOnce, "0"), "-10", date(2026, 6, 1), nil},
		{"no fine", fixed("0", FineDaily, "0"), "500", date(2026, 6, 1), nil},
		{"daily", fixed("20", FineDaily, "0"), "500", date(2026, 1, 11), []FineCharge{
			charge("d1", late, "20"), charge("d2", date(2026, 1, 10), "20"), charge("d3", date(2026, 1, 11), "20")}},
		{"daily, cap crossed on the third day", fixed("20", FineDaily, "50"), "500", date(2026, 1, 20), []FineCharge{
			charge("d1", late, "20"), charge("d2", date(2026, 1, 10), "20"), charge("d3", date(2026, 1, 11), "10")}},
		{"daily, cap reached exactly", fixed("25", FineDaily, "50"), "500", date(2026, 1, 20), []FineCharge{
			charge("d1", late, "25"), charge("d2", date(2026, 1, 10), "25")}},
		{"cap below one charge", fixed("50", FineOnce, "30"), "500", late,
			[]FineCharge{charge("once", late, "30")}},
		{"weekly", fixed("100", FineEveryWeek, "0"), "500", date(2026, 1, 22), []FineCharge{
			charge("w1", late, "100"), charge("w2", date(2026, 1, 16), "100")}},
		{"weekly, third week's first day", fixed("100", FineEveryWeek, "0"), "500", date(2026, 1, 23), []FineCharge{
			charge("w1", late, "100"), charge("w2", date(2026, 1, 16), "100"), charge("w3", date(2026, 1, 23), "100")}},
		{"percent rounds half-up", percent("10", FineOnce, "0"), "333.35", late,
			[]FineCharge{charge("once", late, "33.34")}},
		{"percent rounds down below a half", percent("10", FineDaily, "0"), "333.34", date(2026, 1, 10), []FineCharge{
			charge("d1", late, "33.33"), charge("d2", date(2026, 1, 10), "33.33")}},
		{"percent of what is still unpaid", percent("5", FineOnce, "0"), "120", late,
			[]FineCharge{charge("once", late, "6")}},
		{"percent rounding to nothing", percent("1", FineDaily, "0"), "0.40", date(2026, 2, 1), nil},
		{"percent capped", percent("10", FineEveryWeek, "120"), "500", date(2026, 3, 1), []FineCharge{
			charge("w1", late, "50"), charge("w2", date(2026, 1, 16), "50"), charge("w3", date(2026, 1, 23), "20")}},
		{"unknown recurrence", fixed("50", "monthly", "0"), "500", date(2026, 3, 1), nil},
		{"unknown basis", Fine{Basis: "share", Amount: dec("50"), Recurrence: FineOnce}, "500", date(2026, 3, 1), nil},
		{"zero fine (no rule set)", Fine{}, "500", date(2026, 3, 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FineCharges(tt.fine, dec(tt.unpaid), late, tt.asOf)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FineCharges (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFineChargesProperties checks on random fines that a later asOf only adds slots (so
// charging by slot key is idempotent), that the cap holds and that slots are well formed.
func TestFineChargesProperties(t *testing.T) {
	rng := seeded(2)
	recurrences := []FineRecurrence{FineOnce, FineDaily, FineEveryWeek}
	for i := range 5000 {
		f := Fine{Basis: FineFixed, Amount: randCents(rng, 20000), Recurrence: recurrences[rng.IntN(3)]}
		if rng.IntN(2) == 0 {
			f.Basis, f.Amount = FinePercent, randCents(rng, 10000) // 0 … 100 percent
		}
		if rng.IntN(2) == 0 {
			f.Cap = randCents(rng, 100000)
		}
		unpaid := randCents(rng, 1000000)
		lateFrom := randDay(rng)
		asOf1 := lateFrom.AddDate(0, 0, rng.IntN(120)-5)
		asOf2 := asOf1.AddDate(0, 0, rng.IntN(120))
		early, later := FineCharges(f, unpaid, lateFrom, asOf1), FineCharges(f, unpaid, lateFrom, asOf2)
		where := fmt.Sprintf("case %d: %+v unpaid %s from %s as of %s and %s", i, f, unpaid, lateFrom.Format(time.DateOnly), asOf1.Format(time.DateOnly), asOf2.Format(time.DateOnly))
		if len(early) > len(later) {
			t.Fatalf("%s: a later asOf has fewer charges", where)
		}
		if diff := cmp.Diff(early, later[:len(early)], cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%s: a later asOf changed earlier charges:\n%s", where, diff)
		}
		total, slots := decimal.Zero, map[string]bool{}
		for k, c := range later {
			if !c.Amount.IsPositive() || !isCents(c.Amount) {
				t.Fatalf("%s: charge %+v is not positive cents", where, c)
			}
			if c.On.Before(lateFrom) || c.On.After(asOf2) {
				t.Fatalf("%s: charge %+v falls outside [lateFrom, asOf]", where, c)
			}
			if slots[c.Slot] {
				t.Fatalf("%s: slot %s charged twice", where, c.Slot)
			}
			slots[c.Slot] = true
			want := map[FineRecurrence]string{FineOnce: "once", FineDaily: fmt.Sprintf("d%d", k+1), FineEveryWeek: fmt.Sprintf("w%d", k+1)}[f.Recurrence]
			step := map[FineRecurrence]int{FineDaily: 1, FineEveryWeek: 7}[f.Recurrence]
			if c.Slot != want || !c.On.Equal(lateFrom.AddDate(0, 0, k*step)) {
				t.Fatalf("%s: charge %d is %+v, want slot %s", where, k, c, want)
			}
			total = total.Add(c.Amount)
		}
		if f.Cap.IsPositive() && total.GreaterThan(f.Cap) {
			t.Fatalf("%s: charges add up to %s, above the cap", where, total)
		}
		if len(later) > 0 && !unpaid.IsPositive() {
			t.Fatalf("%s: charged with nothing unpaid", where)
		}
	}
}
