package chama

import (
	"context"
	"errors"
	"fmt"
)

// Swept counts what one sweep did.
type Swept struct {
	Groups, Dues, Fines, Accruals, Recoveries, Cancelled, Pots int
}

// Sweep is the groups' periodic work, for every group: raise the current period's dues,
// fine late contributions, make loan interest and penalties due, recover defaulted loans,
// cancel loan requests left unfinished, and pay merry-go-round pots whose contributions
// are all in. Every step is idempotent, so the worker may run it as often as it likes; a group
// that fails is logged and the others still run.
func (s *Service) Sweep(ctx context.Context) (Swept, error) {
	var codes []string
	if err := s.db.WithContext(ctx).Raw(`SELECT code FROM chama_groups ORDER BY id`).Scan(&codes).Error; err != nil {
		return Swept{}, fmt.Errorf("list groups: %w", err)
	}
	var out Swept
	var errs []error
	for _, code := range codes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		steps := []struct {
			name string
			run  func(context.Context, string) (int, error)
			n    *int
		}{
			{"dues", s.RaiseDues, &out.Dues},
			{"fines", s.ChargeFines, &out.Fines},
			{"accrue", s.AccrueLoans, &out.Accruals},
			{"recover", s.RecoverDefaults, &out.Recoveries},
			{"stale loans", s.CancelStaleLoans, &out.Cancelled},
			{"pots", s.PayPots, &out.Pots},
		}
		for _, st := range steps {
			n, err := st.run(ctx, code)
			*st.n += n
			if err != nil {
				errs = append(errs, fmt.Errorf("group %s %s: %w", code, st.name, err))
				break
			}
		}
		out.Groups++
	}
	return out, errors.Join(errs...)
}
