package rules

import (
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// plan builds the expected instalments from principal/interest pairs, due monthly after
// disbursed.
func plan(disbursed time.Time, pairs ...string) []Instalment {
	var out []Instalment
	for k := 0; k < len(pairs); k += 2 {
		n := k/2 + 1
		out = append(out, Instalment{N: n, Due: addMonths(disbursed, n), Principal: dec(pairs[k]), Interest: dec(pairs[k+1])})
	}
	return out
}

func TestSchedule(t *testing.T) {
	jan15 := date(2026, 1, 15)
	tests := []struct {
		name      string
		principal string
		rate      string
		method    InterestMethod
		term      int
		disbursed time.Time
		want      []Instalment
	}{
		{"flat, even", "12000", "0.01", Flat, 3, jan15,
			plan(jan15, "4000", "120", "4000", "120", "4000", "120")},
		{"flat, a cent over goes last", "10000", "0.01", Flat, 3, jan15,
			plan(jan15, "3333.33", "100", "3333.33", "100", "3333.34", "100")},
		{"flat, cents over go one each to the last instalments", "1000", "0.015", Flat, 7, jan15,
			plan(jan15, "142.85", "15", "142.85", "15", "142.86", "15", "142.86", "15", "142.86", "15", "142.86", "15", "142.86", "15")},
		{"flat, interest rounded half-up then split", "1234.56", "0.0125", Flat, 4, jan15,
			// I = 1234.56 × 0.0125 × 4 = 61.728 → 61.73 = 15.43 × 4 + 0.01
			plan(jan15, "308.64", "15.43", "308.64", "15.43", "308.64", "15.43", "308.64", "15.44")},
		{"flat, one month", "500", "0.1", Flat, 1, jan15, plan(jan15, "500", "50")},
		{"reducing, 10,000 at 1% over 12", "10000", "0.01", Reducing, 12, jan15, plan(jan15,
			"788.49", "100.00", "796.37", "92.12", "804.34", "84.15", "812.38", "76.11",
			"820.51", "67.98", "828.71", "59.78", "837.00", "51.49", "845.37", "43.12",
			"853.82", "34.67", "862.36", "26.13", "870.98", "17.51", "879.67", "8.80")},
		{"reducing, 5,000 at 10% over 3", "5000", "0.1", Reducing, 3, jan15,
			plan(jan15, "1510.57", "500.00", "1661.63", "348.94", "1827.80", "182.78")},
		{"reducing, 100,000 at 1.5% over 6", "100000", "0.015", Reducing, 6, jan15, plan(jan15,
			"16052.52", "1500.00", "16293.31", "1259.21", "16537.71", "1014.81",
			"16785.77", "766.75", "17037.56", "514.96", "17293.13", "259.40")},
		{"reducing at 0% is the flat split", "1000", "0", Reducing, 6, jan15,
			plan(jan15, "166.66", "0", "166.66", "0", "166.67", "0", "166.67", "0", "166.67", "0", "166.67", "0")},
		{"reducing, one month", "500", "0.1", Reducing, 1, jan15, plan(jan15, "500", "50")},
		{"reducing, tiny loan: principal never overshoots", "0.05", "0.01", Reducing, 3, jan15,
			// A = 0.0170 → 0.02: 0.02, 0.02, then the last 0.01.
			plan(jan15, "0.02", "0", "0.02", "0", "0.01", "0")},
		{"disbursed on the 31st: month ends", "300", "0", Flat, 3, date(2026, 1, 31), []Instalment{
			{1, date(2026, 2, 28), dec("100"), dec("0")},
			{2, date(2026, 3, 31), dec("100"), dec("0")},
			{3, date(2026, 4, 30), dec("100"), dec("0")},
		}},
		{"leap February", "100", "0", Flat, 1, date(2024, 1, 31), []Instalment{
			{1, date(2024, 2, 29), dec("100"), dec("0")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Schedule(dec(tt.principal), dec(tt.rate), tt.method, tt.term, tt.disbursed)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Schedule (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScheduleRefuses(t *testing.T) {
	tests := []struct {
		name      string
		principal string
		rate      string
		method    InterestMethod
		term      int
	}{
		{"zero principal", "0", "0.01", Flat, 12},
		{"negative principal", "-100", "0.01", Flat, 12},
		{"fraction of a cent", "100.005", "0.01", Flat, 12},
		{"no term", "100", "0.01", Reducing, 0},
		{"negative term", "100", "0.01", Reducing, -3},
		{"term too long", "100", "0.01", Reducing, 61},
		{"negative rate", "100", "-0.01", Reducing, 12},
		{"unknown method", "100", "0.01", "balloon", 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Schedule(dec(tt.principal), dec(tt.rate), tt.method, tt.term, date(2026, 1, 1))
			if !errors.Is(err, ErrInvalidLoan) || got != nil {
				t.Errorf("Schedule = %v, %v; want nil, ErrInvalidLoan", got, err)
			}
		})
	}
}

func TestInstalmentTotal(t *testing.T) {
	in := Instalment{Principal: dec("788.49"), Interest: dec("100")}
	if got := in.Total(); !got.Equal(dec("888.49")) {
		t.Errorf("Total = %s, want 888.49", got)
	}
}

// referenceLevel is round(P·r / (1 − (1+r)^−n), 2) in exact rationals, half-up.
func referenceLevel(p, r decimal.Decimal, n int) decimal.Decimal {
	one := big.NewRat(1, 1)
	growth := new(big.Rat).Add(one, rat(r))
	pow := new(big.Rat).Set(one)
	for range n {
		pow.Mul(pow, growth)
	}
	a := new(big.Rat).Mul(rat(p), rat(r))
	a.Mul(a, pow)
	a.Quo(a, new(big.Rat).Sub(pow, one))
	// Half-up to cents: floor(a·100 + 1/2) / 100.
	a.Mul(a, big.NewRat(100, 1))
	a.Add(a, big.NewRat(1, 2))
	cents := new(big.Int).Quo(a.Num(), a.Denom())
	return decimal.NewFromBigInt(cents, -2)
}

// checkSchedule asserts every invariant a schedule must keep, whatever the loan.
func checkSchedule(t *testing.T, where string, p, r decimal.Decimal, method InterestMethod, term int, disbursed time.Time, got []Instalment) {
	t.Helper()
	if len(got) != term {
		t.Fatalf("%s: %d instalments, want %d", where, len(got), term)
	}
	principals, interests := decimal.Zero, decimal.Zero
	outstanding := p
	level := decimal.Zero
	if method == Reducing && r.IsPositive() {
		level = referenceLevel(p, r, term)
	}
	for k, in := range got {
		if in.N != k+1 || !in.Due.Equal(addMonths(Day(disbursed), k+1)) {
			t.Fatalf("%s: instalment %d is %+v", where, k+1, in)
		}
		if k > 0 && !in.Due.After(got[k-1].Due) {
			t.Fatalf("%s: instalment %d is due before the one it follows", where, k+1)
		}
		if in.Principal.IsNegative() || in.Interest.IsNegative() || !isCents(in.Principal) || !isCents(in.Interest) {
			t.Fatalf("%s: instalment %+v is not in cents above zero", where, in)
		}
		if method == Reducing && r.IsPositive() {
			if want := outstanding.Mul(r).Round(2); !in.Interest.Equal(want) {
				t.Fatalf("%s: instalment %d interest %s, want %s on %s outstanding", where, k+1, in.Interest, want, outstanding)
			}
			if k < term-1 && in.Principal.LessThan(outstanding) && !in.Total().Equal(level) {
				t.Fatalf("%s: instalment %d totals %s, want the level %s", where, k+1, in.Total(), level)
			}
		}
		if method == Flat || r.IsZero() {
			if d := in.Principal.Sub(got[0].Principal); d.IsNegative() || d.GreaterThan(dec("0.01")) {
				t.Fatalf("%s: principal %s is not within a cent above the first %s", where, in.Principal, got[0].Principal)
			}
			if d := in.Interest.Sub(got[0].Interest); d.IsNegative() || d.GreaterThan(dec("0.01")) {
				t.Fatalf("%s: interest %s is not within a cent above the first %s", where, in.Interest, got[0].Interest)
			}
		}
		outstanding = outstanding.Sub(in.Principal)
		principals, interests = principals.Add(in.Principal), interests.Add(in.Interest)
	}
	if !principals.Equal(p) {
		t.Fatalf("%s: principal repaid %s, want %s", where, principals, p)
	}
	if method == Flat {
		if want := p.Mul(r).Mul(decimal.NewFromInt(int64(term))).Round(2); !interests.Equal(want) {
			t.Fatalf("%s: flat interest %s, want %s", where, interests, want)
		}
	}
}

// TestScheduleProperties checks random loans against checkSchedule, including the level
// instalment computed independently in exact rationals.
func TestScheduleProperties(t *testing.T) {
	rng := seeded(3)
	for i := range 3000 {
		p := randCents(rng, 100_000_000_00).Add(dec("0.01"))
		if rng.IntN(4) == 0 {
			p = randCents(rng, 10_00).Add(dec("0.01")) // small loans stress the rounding
		}
		r := decimal.New(rng.Int64N(5001), -4) // 0 … 0.5, four places
		if rng.IntN(10) == 0 {
			r = decimal.Zero
		}
		method := Flat
		if rng.IntN(2) == 0 {
			method = Reducing
		}
		term := 1 + rng.IntN(MaxLoanTermMonths)
		disbursed := randDay(rng)
		got, err := Schedule(p, r, method, term, disbursed)
		where := fmt.Sprintf("case %d: %s at %s %s over %d", i, p, r, method, term)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		checkSchedule(t, where, p, r, method, term, disbursed, got)
	}
}

func TestSplitEvenProperties(t *testing.T) {
	rng := seeded(4)
	for i := range 20000 {
		total := randCents(rng, 1_000_000_00)
		n := 1 + rng.IntN(100)
		parts := splitEven(total, n)
		if len(parts) != n || !sum(parts...).Equal(total) {
			t.Fatalf("case %d: splitEven(%s, %d) = %v does not add up", i, total, n, parts)
		}
		for k, part := range parts {
			if !isCents(part) || part.LessThan(parts[0]) || part.Sub(parts[0]).GreaterThan(dec("0.01")) {
				t.Fatalf("case %d: splitEven(%s, %d) part %d = %s", i, total, n, k, part)
			}
			if k > 0 && part.LessThan(parts[k-1]) {
				t.Fatalf("case %d: splitEven(%s, %d): the extra cents are not at the end: %v", i, total, n, parts)
			}
		}
	}
}

func FuzzSchedule(f *testing.F) {
	f.Add(int64(1000000), uint32(10000), true, uint8(12), int32(0))
	f.Add(int64(1), uint32(500000), false, uint8(59), int32(30))
	f.Add(int64(5), uint32(1), true, uint8(60), int32(-400))
	f.Add(int64(9_999_999_999_99), uint32(0), true, uint8(7), int32(10000))
	f.Fuzz(func(t *testing.T, cents int64, rateMillionths uint32, reducing bool, term uint8, offset int32) {
		if cents < 0 {
			cents = -(cents + 1)
		}
		p := decimal.New(cents%1_000_000_000_000+1, -2)     // 0.01 … 10,000,000,000.00
		r := decimal.New(int64(rateMillionths%500_001), -6) // 0 … 0.5
		method := Flat
		if reducing {
			method = Reducing
		}
		n := 1 + int(term)%MaxLoanTermMonths
		disbursed := date(2000, 1, 1).AddDate(0, 0, int(offset%40000))
		got, err := Schedule(p, r, method, n, disbursed)
		if err != nil {
			t.Fatal(err)
		}
		checkSchedule(t, fmt.Sprintf("%s at %s %s over %d", p, r, method, n), p, r, method, n, disbursed, got)
	})
}

func TestDisclose(t *testing.T) {
	c := Default() // 1% a month, reducing, at most 12 months
	disbursed := date(2026, 1, 15)
	got, err := Disclose(dec("10000"), c, 12, disbursed, dec("100"))
	if err != nil {
		t.Fatal(err)
	}
	schedule, err := Schedule(dec("10000"), c.MonthlyRate, c.Interest, 12, disbursed)
	if err != nil {
		t.Fatal(err)
	}
	want := Disclosure{
		Principal:      dec("10000"),
		Interest:       dec("661.86"),
		Fees:           dec("100"),
		TotalCost:      dec("761.86"),
		TotalRepayable: dec("10761.86"),
		Instalments:    schedule,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Disclose (-want +got):\n%s", diff)
	}
	var repaid decimal.Decimal
	for _, in := range got.Instalments {
		repaid = repaid.Add(in.Total())
	}
	if !repaid.Add(got.Fees).Equal(got.TotalRepayable) {
		t.Errorf("instalments %s plus fees %s do not make the total repayable %s", repaid, got.Fees, got.TotalRepayable)
	}

	c.Interest = Flat
	flat, err := Disclose(dec("10000"), c, 6, disbursed, decimal.Zero)
	if err != nil {
		t.Fatal(err)
	}
	if !flat.Interest.Equal(dec("600")) || !flat.TotalCost.Equal(dec("600")) || !flat.TotalRepayable.Equal(dec("10600")) {
		t.Errorf("flat disclosure = %+v, want interest 600, cost 600, repayable 10600", flat)
	}
}

func TestDiscloseRefuses(t *testing.T) {
	c := Default()
	tests := []struct {
		name      string
		principal string
		term      int
		fees      string
		want      error
	}{
		{"longer than the constitution allows", "1000", 13, "0", ErrTermTooLong},
		{"negative fees", "1000", 12, "-1", ErrInvalidLoan},
		{"fees in fractions of a cent", "1000", 12, "0.001", ErrInvalidLoan},
		{"no principal", "0", 12, "0", ErrInvalidLoan},
		{"no term", "1000", 0, "0", ErrInvalidLoan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Disclose(dec(tt.principal), c, tt.term, date(2026, 1, 1), dec(tt.fees))
			if !errors.Is(err, tt.want) {
				t.Errorf("Disclose error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestInDuplum(t *testing.T) {
	tests := []struct {
		outstanding, soFar, proposed, want string
	}{
		{"1000", "0", "50", "50"},
		{"1000", "950", "50", "50"},
		{"1000", "980", "50", "20"},
		{"1000", "1000", "50", "0"},
		{"1000", "1200", "50", "0"},
		{"1000", "0", "-5", "0"},
		{"0", "0", "10", "0"},
		{"1000", "0", "0", "0"},
	}
	for _, tt := range tests {
		got := InDuplum(dec(tt.outstanding), dec(tt.soFar), dec(tt.proposed))
		if !got.Equal(dec(tt.want)) {
			t.Errorf("InDuplum(%s, %s, %s) = %s, want %s", tt.outstanding, tt.soFar, tt.proposed, got, tt.want)
		}
	}
}

// TestInDuplumProperties charges random interest and penalties month after month and
// checks that they never pass the principal outstanding, however long the loan is late.
func TestInDuplumProperties(t *testing.T) {
	rng := seeded(5)
	for i := range 2000 {
		outstanding := randCents(rng, 1_000_000_00)
		charged := decimal.Zero
		for range 200 {
			proposed := randCents(rng, 100_000_00)
			got := InDuplum(outstanding, charged, proposed)
			if got.IsNegative() || got.GreaterThan(proposed) {
				t.Fatalf("case %d: InDuplum(%s, %s, %s) = %s", i, outstanding, charged, proposed, got)
			}
			if charged.Add(got).LessThan(outstanding) && !got.Equal(proposed) {
				t.Fatalf("case %d: InDuplum(%s, %s, %s) = %s cut a charge with room left", i, outstanding, charged, proposed, got)
			}
			charged = charged.Add(got)
			if charged.GreaterThan(outstanding) {
				t.Fatalf("case %d: charges %s passed the principal outstanding %s", i, charged, outstanding)
			}
		}
	}
}

func TestLatePenalty(t *testing.T) {
	tests := []struct{ rate, overdue, want string }{
		{"0.05", "1000", "50"},
		{"0.05", "888.49", "44.42"}, // 44.4245
		{"0.05", "888.50", "44.43"}, // 44.425, half-up
		{"0.05", "0", "0"},
		{"0", "1000", "0"},
		{"0.05", "-100", "0"},
		{"-0.05", "100", "0"},
	}
	for _, tt := range tests {
		if got := LatePenalty(dec(tt.rate), dec(tt.overdue)); !got.Equal(dec(tt.want)) {
			t.Errorf("LatePenalty(%s, %s) = %s, want %s", tt.rate, tt.overdue, got, tt.want)
		}
	}
}
