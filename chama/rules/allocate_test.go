package rules

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestAllocate(t *testing.T) {
	dues := func(amounts ...string) []Due {
		var out []Due
		for i, a := range amounts {
			out = append(out, Due{Ref: fmt.Sprintf("due-%d", i), Amount: dec(a)})
		}
		return out
	}
	decs := func(amounts ...string) []decimal.Decimal {
		out := []decimal.Decimal{}
		for _, a := range amounts {
			out = append(out, dec(a))
		}
		return out
	}
	tests := []struct {
		name      string
		amount    string
		dues      []Due
		wantParts []decimal.Decimal
		wantLeft  string
	}{
		{"fine, arrears, then part of the current period", "1000", dues("50", "500", "500"), decs("50", "500", "450"), "0"},
		{"everything paid, the rest is advance savings", "1200", dues("50", "500", "500"), decs("50", "500", "500"), "150"},
		{"only the fine", "30", dues("50", "500"), decs("30", "0"), "0"},
		{"exact", "550", dues("50", "500"), decs("50", "500"), "0"},
		{"zero and negative dues get nothing", "100", dues("0", "-20", "60"), decs("0", "0", "60"), "40"},
		{"nothing paid", "0", dues("50"), decs("0"), "0"},
		{"a negative amount pays nothing", "-10", dues("50"), decs("0"), "-10"},
		{"no dues", "75.50", nil, decs(), "75.50"},
		{"cents", "100.01", dues("33.33", "33.33", "33.34"), decs("33.33", "33.33", "33.34"), "0.01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, left := Allocate(dec(tt.amount), tt.dues)
			if diff := cmp.Diff(tt.wantParts, parts); diff != "" {
				t.Errorf("parts (-want +got):\n%s", diff)
			}
			if !left.Equal(dec(tt.wantLeft)) {
				t.Errorf("left = %s, want %s", left, tt.wantLeft)
			}
		})
	}
}

// TestAllocateProperties checks on random payments that nothing is lost, no due is
// overpaid and no due is paid while an earlier one is still owed.
func TestAllocateProperties(t *testing.T) {
	rng := seeded(6)
	for i := range 20000 {
		amount := randCents(rng, 500000).Sub(decimal.New(rng.Int64N(2)*1000, -2))
		dues := make([]Due, rng.IntN(8))
		for k := range dues {
			dues[k] = Due{Ref: fmt.Sprint(k), Amount: randCents(rng, 100000).Sub(decimal.New(int64(rng.IntN(3))*100, -2))}
		}
		parts, left := Allocate(amount, dues)
		where := fmt.Sprintf("case %d: %s over %v", i, amount, dues)
		if len(parts) != len(dues) || !sum(parts...).Add(left).Equal(amount) {
			t.Fatalf("%s: parts %v and left %s do not add up", where, parts, left)
		}
		owed := false // an earlier positive due is not fully paid
		for k, part := range parts {
			if part.IsNegative() || part.GreaterThan(decimal.Max(dues[k].Amount, decimal.Zero)) {
				t.Fatalf("%s: part %d = %s", where, k, part)
			}
			if owed && part.IsPositive() {
				t.Fatalf("%s: due %d paid while an earlier one is owed", where, k)
			}
			owed = owed || part.LessThan(dues[k].Amount)
		}
		if owed && left.IsPositive() {
			t.Fatalf("%s: %s left over while dues are owed", where, left)
		}
	}
}
