package rules

import (
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
)

// dec is a decimal from its literal; a typo panics the test.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// date is a civil date as the rules carry it.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// seeded is the fixed-seed source every property test draws from, so failures replay.
func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6b696b756e6469)) }

// randCents is a random amount of at most max cents (max >= 0), in shillings.
func randCents(rng *rand.Rand, max int64) decimal.Decimal {
	return decimal.New(rng.Int64N(max+1), -2)
}

// randDay is a random civil date between 2000 and about 2080.
func randDay(rng *rand.Rand) time.Time { return date(2000, 1, 1).AddDate(0, 0, rng.IntN(29000)) }

// sum adds up amounts.
func sum(amounts ...decimal.Decimal) decimal.Decimal {
	total := decimal.Zero
	for _, a := range amounts {
		total = total.Add(a)
	}
	return total
}

// rat is d as an exact rational, for reference arithmetic independent of decimal's.
func rat(d decimal.Decimal) *big.Rat { return d.Rat() }

// isCents says whether d is a whole number of cents.
func isCents(d decimal.Decimal) bool { return d.Equal(d.Round(2)) }
