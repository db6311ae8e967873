// Package simswap answers when a phone number's SIM card last changed. Aggregators sell
// this lookup (a number swapped in the last days is the usual route to emptying a mobile
// wallet); until one is wired in, the sandbox here answers from the sim_swaps table,
// which development fills through POST /dev/sim-swap.
package simswap

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/phone"
)

// Sandbox answers SIM-swap lookups from the sim_swaps table.
type Sandbox struct{ DB *gorm.DB }

// LastSwap returns when rawPhone's SIM last changed; the zero time when never (as far as
// the table knows).
func (s Sandbox) LastSwap(ctx context.Context, rawPhone string) (time.Time, error) {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return time.Time{}, err
	}
	var at []time.Time
	if err := s.DB.WithContext(ctx).Raw(`SELECT swapped_at FROM sim_swaps WHERE phone = ?`, e164).Scan(&at).Error; err != nil {
		return time.Time{}, err
	}
	if len(at) == 0 {
		return time.Time{}, nil
	}
	return at[0], nil
}

// Record notes that rawPhone's SIM changed at at (a later change replaces an earlier one;
// an earlier one is ignored).
func (s Sandbox) Record(ctx context.Context, rawPhone string, at time.Time) error {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return err
	}
	if at.IsZero() {
		return errors.New("simswap: no time given")
	}
	return s.DB.WithContext(ctx).Exec(`INSERT INTO sim_swaps (phone, swapped_at) VALUES (?, ?)
		ON CONFLICT (phone) DO UPDATE SET swapped_at = greatest(sim_swaps.swapped_at, EXCLUDED.swapped_at), recorded_at = now()`,
		e164, at).Error
}
