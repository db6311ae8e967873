package chama

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kikundi/kikundi/internal/phone"
)

// A SIM swap is the classic route to stealing mobile money: the thief has the victim's
// number moved to a new SIM, then asks for the victim's savings, a loan or a PIN reset,
// or approves a payout as if they were an official. So for SIMSwapHold after a number's
// SIM changes, that number may not ask for anything, vote or set a PIN without its
// current one, and no payout is sent to it: a payout approved or due (a share-out, a
// pot, a retry) stays pending and goes once the hold has passed (dispatch, in
// payouts.go). Paying in stays open: a member with a genuinely new SIM can still
// contribute and repay. The officials of the number's groups are told (at most once a
// day each), so a real member can be vouched for and a thief is noticed.

// SIMSwapHold is how long after a SIM change the number waits.
const SIMSwapHold = 72 * time.Hour

// ErrSIMSwapped matches every SIMSwapError.
var ErrSIMSwapped = errors.New("chama: this number's SIM card changed recently; for safety it cannot take money out or approve anything for 72 hours after the change")

// SIMSwapError refuses a number whose SIM changed less than SIMSwapHold ago, and says
// when the hold ends.
type SIMSwapError struct{ Until time.Time }

var _ error = (*SIMSwapError)(nil)

func (e *SIMSwapError) Error() string {
	return fmt.Sprintf("%s (until %s)", ErrSIMSwapped.Error(), e.UntilText())
}

// Is makes errors.Is(err, ErrSIMSwapped) true.
func (e *SIMSwapError) Is(target error) bool { return target == ErrSIMSwapped }

// UntilText is when the hold ends, as a member reads it (Nairobi time).
func (e *SIMSwapError) UntilText() string { return e.Until.In(nairobi).Format("02/01 15:04") }

// simHold returns ErrSIMSwapped, with the time the hold ends, when rawPhone's SIM changed
// less than SIMSwapHold ago, and tells the officials of group code (of every group the
// number is an active member of when code is ""). A lookup that fails refuses too (as an
// error, not a refusal): money does not go out on a guess.
func (s *Service) simHold(ctx context.Context, code, rawPhone string) error {
	if s.simSwaps == nil {
		return nil
	}
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return err
	}
	at, err := s.simSwaps.LastSwap(ctx, e164)
	if err != nil {
		return fmt.Errorf("sim-swap lookup: %w", err)
	}
	until := at.Add(SIMSwapHold)
	if at.IsZero() || !s.now().Before(until) {
		return nil
	}
	s.alertOfficials(ctx, code, e164, at, until)
	return &SIMSwapError{Until: until}
}

// alertOfficials tells the officials of group code (of every group of the number when code
// is ""), other than the number itself, that a member's SIM changed and what waits: the
// outbox sends a notice with the same Once at most once a day. A number that is not an
// active member of a group alerts nobody there.
func (s *Service) alertOfficials(ctx context.Context, code, e164 string, at, until time.Time) {
	if s.notifier == nil {
		return
	}
	var rows []struct {
		Code, Phone, Lang, Member string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT g.code, o.phone, o.lang, sw.name AS member
		FROM chama_groups g
		JOIN chama_members om ON om.group_id = g.id AND om.status = 'active' AND om.role <> 'member'
		JOIN chama_people o ON o.id = om.person_id AND o.phone <> ?
		JOIN chama_people sw ON sw.phone = ?
		JOIN chama_members swm ON swm.group_id = g.id AND swm.person_id = sw.id AND swm.status = 'active'
		WHERE g.code = ? OR ? = ''`, e164, e164, code, code).Scan(&rows).Error
	if err != nil {
		s.log.WarnContext(ctx, "sim swap: officials not told", "group", code, "error", err)
		return
	}
	for _, r := range rows {
		n := Notice{Phone: r.Phone, Lang: r.Lang, Kind: "simswap.hold", Once: "simswap:" + e164 + ":" + at.UTC().Format(time.RFC3339),
			Vars: map[string]string{"group": r.Code, "name": r.Member, "phone": phone.Local(e164),
				"until": until.In(nairobi).Format("02/01 15:04")}}
		if err := s.notifier.Notify(ctx, n); err != nil {
			s.log.WarnContext(ctx, "sim swap: official not told", "group", code, "error", err)
		}
	}
}

// simHoldVote checks a voter's number. Whom the approval would pay is not checked here:
// the payout it makes waits at dispatch while that number is held.
func (s *Service) simHoldVote(ctx context.Context, a Actor, approvalID int64) error {
	if s.simSwaps == nil {
		return nil
	}
	var code string
	if err := s.db.WithContext(ctx).Raw(`SELECT g.code FROM chama_approvals ap JOIN chama_groups g ON g.id = ap.group_id
		WHERE ap.id = ?`, approvalID).Scan(&code).Error; err != nil {
		return err
	}
	return s.simHold(ctx, code, a.Phone)
}

// SIMSwapReported tells the officials of every group the number belongs to that its SIM
// changed (as simHold would the first time it tried something), when an operator records
// a swap: they should hear of it before anything is asked of them. It returns whether the
// number is now held.
func (s *Service) SIMSwapReported(ctx context.Context, rawPhone string) (bool, error) {
	err := s.simHold(ctx, "", rawPhone)
	if errors.Is(err, ErrSIMSwapped) {
		return true, nil
	}
	return false, err
}
