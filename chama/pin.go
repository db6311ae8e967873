package chama

import (
	"context"
	"time"

	"github.com/kikundi/kikundi/internal/pin"
)

// PIN policy: three wrong tries lock the PIN for PINLockTime; a forgotten PIN is replaced
// only after the officials approve a reset (subject "pin_reset"). At three tries an hour,
// guessing one of 10,000 PINs takes months, long enough for the member to notice the SMS
// that every lock sends.
const (
	PINTries    = 3
	PINLockTime = time.Hour
)

// SetPIN sets a person's 4-digit PIN. The current PIN is needed to change it, unless none
// is set yet or the officials approved a reset.
func (s *Service) SetPIN(ctx context.Context, a Actor, current, next string) error {
	if err := pin.Valid(next); err != nil {
		return err
	}
	p, err := s.PersonByPhone(ctx, a.Phone)
	if err != nil {
		return err
	}
	if p.HasPIN() && !s.resetAllowed(ctx, p.ID) {
		if err := s.CheckPIN(ctx, a.Phone, current); err != nil {
			return err
		}
	} else if s.isMember(ctx, p.ID) {
		// A PIN set without the current one, by a member whose SIM just changed, is the
		// thief's way in: it waits out the hold (a newcomer's first PIN does not).
		if err := s.simHold(ctx, "", a.Phone); err != nil {
			return err
		}
	}
	hash, err := pin.Hash(next)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(t *txn) error {
		if err := t.db.Exec(`UPDATE chama_people SET pin_hash = ?, pin_failures = 0, pin_locked_until = NULL,
			pin_reset_allowed = false WHERE id = ?`, hash, p.ID).Error; err != nil {
			return err
		}
		return t.audit(0, p.ID, a.Channel, "pin.set", p.ID, nil)
	})
}

// PINResetAllowed reports whether the officials have approved a PIN reset for rawPhone
// that has not been used yet: the new PIN may then be set without the current one.
func (s *Service) PINResetAllowed(ctx context.Context, rawPhone string) (bool, error) {
	p, err := s.PersonByPhone(ctx, rawPhone)
	if err != nil {
		return false, err
	}
	return s.resetAllowed(ctx, p.ID), nil
}

// isMember reports whether a person is an active member of any group.
func (s *Service) isMember(ctx context.Context, person int64) bool {
	var n int
	s.db.WithContext(ctx).Raw(`SELECT count(*) FROM chama_members WHERE person_id = ? AND status = 'active'`, person).Scan(&n)
	return n > 0
}

func (s *Service) resetAllowed(ctx context.Context, person int64) bool {
	var allowed bool
	s.db.WithContext(ctx).Raw(`SELECT pin_reset_allowed FROM chama_people WHERE id = ?`, person).Scan(&allowed)
	return allowed
}

// CheckPIN verifies a person's PIN: nil, a *WrongPINError with the tries left, a
// *PINLockedError, or ErrNoPIN. The row is locked while the slow hash is compared, so
// concurrent guesses are counted one by one, and the count commits whatever the caller
// then does.
func (s *Service) CheckPIN(ctx context.Context, rawPhone, given string) error {
	var verdict error
	err := s.tx(ctx, func(t *txn) error {
		verdict = nil
		p, err := t.personFor(Actor{Phone: rawPhone})
		if err != nil {
			return err
		}
		if err := t.db.Raw(`SELECT * FROM chama_people WHERE id = ? FOR UPDATE`, p.ID).Scan(&p).Error; err != nil {
			return err
		}
		now := s.now()
		switch {
		case p.PINHash == nil:
			verdict = ErrNoPIN
			return nil
		case p.PINLockedUntil != nil && now.Before(*p.PINLockedUntil):
			verdict = &PINLockedError{Until: *p.PINLockedUntil}
			return nil
		}
		ok, err := pin.Verify(given, *p.PINHash)
		if err != nil {
			return err
		}
		if ok {
			return t.db.Exec(`UPDATE chama_people SET pin_failures = 0, pin_locked_until = NULL WHERE id = ? AND pin_failures > 0`, p.ID).Error
		}
		failures := p.PINFailures + 1
		if p.PINLockedUntil != nil { // an expired lock: a fresh set of tries
			failures = 1
		}
		var until *time.Time
		if failures >= PINTries {
			u := now.Add(PINLockTime)
			until = &u
			verdict = &PINLockedError{Until: u}
		} else {
			verdict = &WrongPINError{TriesLeft: PINTries - failures}
		}
		if err := t.db.Exec(`UPDATE chama_people SET pin_failures = ?, pin_locked_until = ? WHERE id = ?`,
			failures, until, p.ID).Error; err != nil {
			return err
		}
		if until != nil {
			t.notify(p, "pin.locked", map[string]string{"until": until.In(nairobi).Format("15:04")})
			return t.audit(0, p.ID, System, "pin.locked", p.ID, nil)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return verdict
}
