// Package rules is a group's constitution and the arithmetic it implies: contribution
// periods, late fines, loan schedules and their disclosure, the in duplum cap, share-out
// and the member score. It is pure: no database, no clock (every function is given the
// dates it needs), so every figure a member is shown can be tested to the cent.
//
// Money is decimal.Decimal rounded to cents (two decimals) with one documented rule per
// split: what rounding leaves over is allocated, never lost. Dates are civil dates in
// Nairobi, carried as time.Time at midnight UTC (see Day).
package rules
