package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScoreOf(t *testing.T) {
	tests := []struct {
		name   string
		record Record
		want   Score
	}{
		{"new member", Record{}, Score{50, []Reason{{ReasonNewMember, 0}}}},
		{"new member with tenure", Record{TenureMonths: 7}, Score{52, []Reason{{ReasonTenure, 2}, {ReasonNewMember, 0}}}},
		{"always on time", Record{PeriodsDue: 12, PeriodsOnTime: 12, InstalmentsDue: 6, InstalmentsOnTime: 6, TenureMonths: 24},
			Score{98, []Reason{{ReasonContributionsOnTime, 25}, {ReasonRepaidOnTime, 15}, {ReasonTenure, 8}}}},
		{"capped at 100, top three reasons", Record{PeriodsDue: 24, PeriodsOnTime: 24, InstalmentsDue: 12, InstalmentsOnTime: 12,
			GuaranteesCalled: 2, GuaranteesHonoured: 2, TenureMonths: 60},
			Score{100, []Reason{{ReasonContributionsOnTime, 25}, {ReasonRepaidOnTime, 15}, {ReasonTenure, 10}}}},
		{"half on time and a default", Record{PeriodsDue: 12, PeriodsOnTime: 6, Defaults: 1},
			// floor(40·6/12) − 15 = 5
			Score{25, []Reason{{ReasonDefault, -30}, {ReasonContributionsOnTime, 5}}}},
		{"often late and fined", Record{PeriodsDue: 10, PeriodsOnTime: 3, Fines: 7},
			// floor(40·3/10) − 15 = −3; fines −14 capped at −10
			Score{37, []Reason{{ReasonFines, -10}, {ReasonLateContributions, -3}}}},
		{"late repayments", Record{PeriodsDue: 6, PeriodsOnTime: 6, InstalmentsDue: 4, InstalmentsOnTime: 1, Fines: 1},
			// contributions +25; repayments floor(25/4) − 10 = −4; fines −2
			Score{69, []Reason{{ReasonContributionsOnTime, 25}, {ReasonLateRepayments, -4}, {ReasonFines, -2}}}},
		{"a guarantee not honoured", Record{PeriodsDue: 4, PeriodsOnTime: 4, GuaranteesCalled: 2},
			Score{65, []Reason{{ReasonContributionsOnTime, 25}, {ReasonGuaranteesNotHonoured, -10}}}},
		{"a guarantee honoured", Record{GuaranteesCalled: 1, GuaranteesHonoured: 1},
			Score{55, []Reason{{ReasonGuaranteesHonoured, 5}}}},
		{"ties by code", Record{PeriodsDue: 8, PeriodsOnTime: 3, Fines: 5, TenureMonths: 30},
			// contributions floor(15) − 15 = 0, not a reason
			Score{50, []Reason{{ReasonFines, -10}, {ReasonTenure, 10}}}},
		{"floored at 0", Record{PeriodsDue: 12, Defaults: 3}, Score{0, []Reason{{ReasonDefault, -90}, {ReasonLateContributions, -15}}}},
		{"counts sanitised", Record{PeriodsDue: 4, PeriodsOnTime: 9, InstalmentsDue: -2, InstalmentsOnTime: 5, Fines: -3, TenureMonths: -1},
			Score{75, []Reason{{ReasonContributionsOnTime, 25}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ScoreOf(tt.record)); diff != "" {
				t.Errorf("ScoreOf(%+v) (-want +got):\n%s", tt.record, diff)
			}
		})
	}
}

func randRecord(rng *rand.Rand) Record {
	r := Record{
		PeriodsDue: rng.IntN(60), InstalmentsDue: rng.IntN(40), GuaranteesCalled: rng.IntN(4),
		Fines: rng.IntN(8), TenureMonths: rng.IntN(48), Defaults: rng.IntN(3) / 2,
	}
	if rng.IntN(5) == 0 {
		r = Record{TenureMonths: rng.IntN(6)} // new members
	}
	r.PeriodsOnTime = rng.IntN(r.PeriodsDue + 1)
	r.InstalmentsOnTime = rng.IntN(r.InstalmentsDue + 1)
	r.GuaranteesHonoured = rng.IntN(r.GuaranteesCalled + 1)
	return r
}

// TestScoreMonotone checks on random records that every way of doing better (one more
// period or instalment on time, a late one turned on time, a guarantee honoured, longer
// tenure, a fine or default fewer) never lowers the score, and that scores are well formed.
func TestScoreMonotone(t *testing.T) {
	better := map[string]func(Record) Record{
		"period on time":          func(r Record) Record { r.PeriodsDue++; r.PeriodsOnTime++; return r },
		"late period on time":     func(r Record) Record { r.PeriodsOnTime = min(r.PeriodsOnTime+1, r.PeriodsDue); return r },
		"instalment on time":      func(r Record) Record { r.InstalmentsDue++; r.InstalmentsOnTime++; return r },
		"late instalment on time": func(r Record) Record { r.InstalmentsOnTime = min(r.InstalmentsOnTime+1, r.InstalmentsDue); return r },
		"guarantee honoured":      func(r Record) Record { r.GuaranteesCalled++; r.GuaranteesHonoured++; return r },
		"unpaid guarantee paid": func(r Record) Record {
			r.GuaranteesHonoured = min(r.GuaranteesHonoured+1, r.GuaranteesCalled)
			return r
		},
		"longer tenure":   func(r Record) Record { r.TenureMonths++; return r },
		"a fine fewer":    func(r Record) Record { r.Fines = max(r.Fines-1, 0); return r },
		"a default fewer": func(r Record) Record { r.Defaults = max(r.Defaults-1, 0); return r },
	}
	rng := seeded(8)
	for i := range 20000 {
		r := randRecord(rng)
		s := ScoreOf(r)
		if s.Value < 0 || s.Value > 100 || len(s.Reasons) == 0 && r == (Record{}) || len(s.Reasons) > MaxReasons {
			t.Fatalf("case %d: ScoreOf(%+v) = %+v", i, r, s)
		}
		for k := 1; k < len(s.Reasons); k++ {
			a, b := s.Reasons[k-1], s.Reasons[k]
			if abs(a.Points) < abs(b.Points) || abs(a.Points) == abs(b.Points) && a.Code > b.Code {
				t.Fatalf("case %d: reasons out of order: %+v", i, s.Reasons)
			}
		}
		for name, improve := range better {
			r2 := improve(r)
			if s2 := ScoreOf(r2); s2.Value < s.Value {
				t.Fatalf("case %d: %s lowered the score from %d to %d (%+v → %+v)", i, name, s.Value, s2.Value, r, r2)
			}
		}
	}
}

func TestLoanLimit(t *testing.T) {
	tests := []struct {
		savings, multiple string
		value             int
		want              string
	}{
		{"10000", "3", 100, "30000"},
		{"10000", "3", 60, "30000"},
		{"10000", "3", 59, "29250"},
		{"10000", "3", 40, "15000"},
		{"10000", "3", 21, "750"},
		{"10000", "3", 20, "0"},
		{"10000", "3", 0, "0"},
		{"333.33", "3", 60, "999"},  // 999.99 rounded down
		{"333.33", "3", 50, "749"},  // 999.99 × 30/40 = 749.9925
		{"1000", "2.5", 61, "2500"}, // multiples need not be whole
		{"0", "3", 100, "0"},
		{"-500", "3", 100, "0"},
		{"10000", "0", 100, "0"},
		{"10000", "-1", 100, "0"},
	}
	for _, tt := range tests {
		got := LoanLimit(dec(tt.savings), dec(tt.multiple), Score{Value: tt.value})
		if !got.Equal(dec(tt.want)) {
			t.Errorf("LoanLimit(%s, %s, %d) = %s, want %s", tt.savings, tt.multiple, tt.value, got, tt.want)
		}
	}
}

// TestLoanLimitProperties checks that the limit is whole shillings, never above savings ×
// multiple, and never falls as the score rises.
func TestLoanLimitProperties(t *testing.T) {
	rng := seeded(9)
	for i := range 5000 {
		savings, multiple := randCents(rng, 10_000_000_00), randCents(rng, 1000)
		prev := dec("0")
		for v := 0; v <= 100; v++ {
			got := LoanLimit(savings, multiple, Score{Value: v})
			where := fmt.Sprintf("case %d: LoanLimit(%s, %s, %d) = %s", i, savings, multiple, v, got)
			if !got.IsInteger() || got.IsNegative() || got.GreaterThan(savings.Mul(multiple)) || got.LessThan(prev) {
				t.Fatalf("%s (previous %s)", where, prev)
			}
			prev = got
		}
	}
}
