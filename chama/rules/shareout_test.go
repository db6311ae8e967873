package rules

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestShareOut(t *testing.T) {
	share := func(member int64, shares, owes string) Share {
		return Share{Member: member, Shares: dec(shares), Owes: dec(owes)}
	}
	pay := func(member int64, gross, deducted, net string) Payout {
		return Payout{Member: member, Gross: dec(gross), Deducted: dec(deducted), Net: dec(net)}
	}
	tests := []struct {
		name    string
		fund    string
		members []Share
		want    []Payout
	}{
		{"equal shares, the cent goes to the smaller id", "100", []Share{share(3, "1", "0"), share(1, "1", "0"), share(2, "1", "0")},
			[]Payout{pay(1, "33.34", "0", "33.34"), pay(2, "33.33", "0", "33.33"), pay(3, "33.33", "0", "33.33")}},
		{"largest remainders", "10", []Share{share(1, "1", "0"), share(2, "2", "0"), share(3, "4", "0")},
			// exact 1.4285…, 2.8571…, 5.7142…: remainders 6/7, 5/7, 3/7 of a cent; 2 cents over.
			[]Payout{pay(1, "1.43", "0", "1.43"), pay(2, "2.86", "0", "2.86"), pay(3, "5.71", "0", "5.71")}},
		{"debts are deducted up to the gross", "100", []Share{share(1, "1", "50"), share(2, "1", "10"), share(3, "1", "0")},
			[]Payout{pay(1, "33.34", "33.34", "0"), pay(2, "33.33", "10", "23.33"), pay(3, "33.33", "0", "33.33")}},
		{"savings in shillings", "15750.00", []Share{share(7, "6000", "0"), share(8, "4000", "1200"), share(9, "2000", "0")},
			// value per shilling saved 1.3125
			[]Payout{pay(7, "7875", "0", "7875"), pay(8, "5250", "1200", "4050"), pay(9, "2625", "0", "2625")}},
		{"a member with no shares gets nothing", "99.99", []Share{share(1, "0", "20"), share(2, "3", "0")},
			[]Payout{pay(1, "0", "0", "0"), pay(2, "99.99", "0", "99.99")}},
		{"fractional shares", "1", []Share{share(1, "0.5", "0"), share(2, "0.25", "0"), share(3, "0.25", "0")},
			[]Payout{pay(1, "0.5", "0", "0.5"), pay(2, "0.25", "0", "0.25"), pay(3, "0.25", "0", "0.25")}},
		{"one cent among three", "0.01", []Share{share(5, "1", "0"), share(4, "1", "0"), share(6, "1", "0")},
			[]Payout{pay(4, "0.01", "0", "0.01"), pay(5, "0", "0", "0"), pay(6, "0", "0", "0")}},
		{"nothing to share", "0", []Share{share(1, "5", "3"), share(2, "0", "0")},
			[]Payout{pay(1, "0", "0", "0"), pay(2, "0", "0", "0")}},
		{"no fund and no shares", "0", []Share{share(1, "0", "0")}, []Payout{pay(1, "0", "0", "0")}},
		{"no members and no fund", "0", nil, []Payout{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ShareOut(dec(tt.fund), tt.members)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ShareOut (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShareOutRefuses(t *testing.T) {
	one := func(member int64, shares, owes string) []Share {
		return []Share{{Member: member, Shares: dec(shares), Owes: dec(owes)}}
	}
	tests := []struct {
		name    string
		fund    string
		members []Share
		want    error
	}{
		{"negative fund", "-1", one(1, "1", "0"), ErrInvalidShareOut},
		{"fund in fractions of a cent", "10.005", one(1, "1", "0"), ErrInvalidShareOut},
		{"negative shares", "10", one(1, "-1", "0"), ErrInvalidShareOut},
		{"negative debt", "10", one(1, "1", "-1"), ErrInvalidShareOut},
		{"member twice", "10", append(one(1, "1", "0"), one(1, "2", "0")...), ErrInvalidShareOut},
		{"a fund and no shares", "10", one(1, "0", "0"), ErrNoShares},
		{"a fund and no members", "10", nil, ErrNoShares},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ShareOut(dec(tt.fund), tt.members)
			if !errors.Is(err, tt.want) || got != nil {
				t.Errorf("ShareOut = %v, %v; want nil, %v", got, err, tt.want)
			}
		})
	}
}

// checkShareOut asserts what every share-out must keep: the payouts add up to the fund to
// the cent, each gross is less than a cent from the exact share (computed in exact
// rationals), the extra cents went by largest remainder then smaller id, and nobody is
// paid a negative amount or has more deducted than they owe.
func checkShareOut(t *testing.T, where string, fund decimal.Decimal, members []Share, got []Payout) {
	t.Helper()
	if len(got) != len(members) {
		t.Fatalf("%s: %d payouts for %d members", where, len(got), len(members))
	}
	total := decimal.Zero
	for _, m := range members {
		total = total.Add(m.Shares)
	}
	byMember := map[int64]Share{}
	for _, m := range members {
		byMember[m.Member] = m
	}
	type rounded struct {
		member int64
		rem    *big.Rat // exact − floor, in cents
		up     bool     // given the extra cent
	}
	var rs []rounded
	gross := decimal.Zero
	for i, p := range got {
		m := byMember[p.Member]
		if i > 0 && got[i-1].Member >= p.Member {
			t.Fatalf("%s: payouts not sorted by member", where)
		}
		if !isCents(p.Gross) || p.Net.IsNegative() || p.Deducted.IsNegative() || p.Deducted.GreaterThan(m.Owes) ||
			!p.Deducted.Equal(decimal.Min(m.Owes, p.Gross)) || !p.Net.Equal(p.Gross.Sub(p.Deducted)) {
			t.Fatalf("%s: payout %+v for %+v", where, p, m)
		}
		gross = gross.Add(p.Gross)
		if total.IsZero() {
			if !p.Gross.IsZero() {
				t.Fatalf("%s: %+v paid with no shares", where, p)
			}
			continue
		}
		exact := new(big.Rat).Mul(rat(fund.Shift(2)), rat(m.Shares))
		exact.Quo(exact, rat(total)) // cents
		diff := new(big.Rat).Sub(rat(p.Gross.Shift(2)), exact)
		if diff.Cmp(big.NewRat(1, 1)) >= 0 || diff.Cmp(big.NewRat(-1, 1)) <= 0 {
			t.Fatalf("%s: member %d gross %s is a cent or more from the exact %s cents", where, p.Member, p.Gross, exact.FloatString(6))
		}
		floor := new(big.Int).Quo(exact.Num(), exact.Denom())
		rem := new(big.Rat).Sub(exact, new(big.Rat).SetInt(floor))
		up := p.Gross.Shift(2).BigInt().Cmp(floor) > 0
		if up && m.Shares.IsZero() {
			t.Fatalf("%s: member %d with no shares got a cent", where, p.Member)
		}
		rs = append(rs, rounded{p.Member, rem, up})
	}
	if !gross.Equal(fund) {
		t.Fatalf("%s: gross payouts add up to %s, not the fund %s", where, gross, fund)
	}
	for _, a := range rs {
		for _, b := range rs {
			// a got the cent and b did not: a must come first by remainder, then id.
			if a.up && !b.up && (a.rem.Cmp(b.rem) < 0 || (a.rem.Cmp(b.rem) == 0 && a.member > b.member)) {
				t.Fatalf("%s: member %d got the extra cent before member %d", where, a.member, b.member)
			}
		}
	}
}

func randShares(rng *rand.Rand) []Share {
	n := rng.IntN(30)
	members := make([]Share, n)
	ids := rng.Perm(1000)
	for i := range members {
		members[i] = Share{Member: int64(ids[i]) - 100, Owes: randCents(rng, 5000_00)}
		switch rng.IntN(5) {
		case 0: // no shares
			members[i].Shares = decimal.Zero
		case 1: // whole VSLA shares
			members[i].Shares = decimal.NewFromInt(rng.Int64N(200))
		case 2: // equal stakes make ties
			members[i].Shares = decimal.NewFromInt(50)
		default: // savings in shillings and cents
			members[i].Shares = randCents(rng, 1_000_000_00)
		}
	}
	return members
}

// TestShareOutProperties checks random share-outs against checkShareOut and that the
// order members are listed in does not matter.
func TestShareOutProperties(t *testing.T) {
	rng := seeded(7)
	for i := range 5000 {
		members := randShares(rng)
		fund := randCents(rng, 10_000_000_00)
		if rng.IntN(10) == 0 {
			fund = randCents(rng, 100) // fewer cents than members
		}
		got, err := ShareOut(fund, members)
		where := fmt.Sprintf("case %d: %s among %v", i, fund, members)
		total := decimal.Zero
		for _, m := range members {
			total = total.Add(m.Shares)
		}
		if total.IsZero() && fund.IsPositive() {
			if !errors.Is(err, ErrNoShares) {
				t.Fatalf("%s: error %v, want ErrNoShares", where, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		checkShareOut(t, where, fund, members, got)
		shuffled := slices.Clone(members)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		again, err := ShareOut(fund, shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("%s: the order of members changed the share-out:\n%s", where, diff)
		}
	}
}

func FuzzShareOut(f *testing.F) {
	f.Add(uint64(10000), []byte{1, 1, 1}, []byte{0, 50})
	f.Add(uint64(1000), []byte{1, 2, 4}, []byte{})
	f.Add(uint64(1), []byte{0, 0, 9, 9, 9}, []byte{255})
	f.Add(uint64(0), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, fundCents uint64, shares, owes []byte) {
		fund := decimal.New(int64(fundCents%1_000_000_000_000_00), -2)
		members := make([]Share, len(shares))
		for i, s := range shares {
			// Members 0, 3, 6 … so ids are distinct; shares in tenths make odd remainders.
			members[i] = Share{Member: int64(3 * i), Shares: decimal.New(int64(s), -1), Owes: decimal.Zero}
			if i < len(owes) {
				members[i].Owes = decimal.NewFromInt(int64(owes[i]))
			}
		}
		got, err := ShareOut(fund, members)
		if err != nil {
			if errors.Is(err, ErrNoShares) {
				total := decimal.Zero
				for _, m := range members {
					total = total.Add(m.Shares)
				}
				if total.IsZero() && fund.IsPositive() {
					return
				}
			}
			t.Fatalf("ShareOut(%s, %v): %v", fund, members, err)
		}
		checkShareOut(t, fmt.Sprintf("%s among %v", fund, members), fund, members, got)
	})
}
