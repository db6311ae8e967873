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
// SIM changes, that number may not take money out of a group or decide anything there,
// and no approval that would pay it or give it a PIN goes through. Paying in stays open:
// a member with a genuinely new SIM can still contribute and repay. The group's other
// officials are told once, so a real member can be vouched for and a thief is noticed.

// SIMSwapHold is how long after a SIM change the number waits.
const SIMSwapHold = 72 * time.Hour

var (
	ErrSIMSwapped          = errors.New("chama: this number's SIM card changed recently; for safety it cannot take money out or approve anything for 72 hours after the change")
	ErrRecipientSIMSwapped = errors.New("chama: the SIM card of the member this would pay changed recently; it can be approved 72 hours after the change")
)

// simHold returns refusal (ErrSIMSwapped or ErrRecipientSIMSwapped), with the time the hold
// ends, when rawPhone's SIM changed less than SIMSwapHold ago, and tells the officials of
// group code (when known) once. A lookup that fails refuses too (as an error, not a
// refusal): money does not go out on a guess.
func (s *Service) simHold(ctx context.Context, code, rawPhone string, refusal error) error {
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
	if code != "" {
		s.alertOfficials(ctx, code, e164, at, until)
	}
	return fmt.Errorf("%w (until %s)", refusal, until.In(nairobi).Format("02/01 15:04"))
}

// alertOfficials tells a group's officials, other than the number itself, that a member's
// SIM changed and what waits: once per official and SIM change (the outbox keeps Once).
// A number that is not an active member of the group alerts nobody there.
func (s *Service) alertOfficials(ctx context.Context, code, e164 string, at, until time.Time) {
	if s.notifier == nil {
		return
	}
	var rows []struct {
		Phone, Lang, Member string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT o.phone, o.lang, sw.name AS member
		FROM chama_groups g
		JOIN chama_members om ON om.group_id = g.id AND om.status = 'active' AND om.role <> 'member'
		JOIN chama_people o ON o.id = om.person_id AND o.phone <> ?
		JOIN chama_people sw ON sw.phone = ?
		JOIN chama_members swm ON swm.group_id = g.id AND swm.person_id = sw.id AND swm.status = 'active'
		WHERE g.code = ?`, e164, e164, code).Scan(&rows).Error
	if err != nil {
		s.log.WarnContext(ctx, "sim swap: officials not told", "group", code, "error", err)
		return
	}
	for _, r := range rows {
		n := Notice{Phone: r.Phone, Lang: r.Lang, Kind: "simswap.hold", Once: "simswap:" + e164 + ":" + at.UTC().Format(time.RFC3339),
			Vars: map[string]string{"group": code, "name": r.Member, "phone": phone.Local(e164),
				"until": until.In(nairobi).Format("02/01 15:04")}}
		if err := s.notifier.Notify(ctx, n); err != nil {
			s.log.WarnContext(ctx, "sim swap: official not told", "group", code, "error", err)
		}
	}
}

// simHoldVote checks a vote: the voter's own number, and, for a vote to approve, the
// numbers the approval would pay or give a PIN to (its requester and beneficiary). Cash
// recorded at a meeting only credits savings, so its member is not checked.
func (s *Service) simHoldVote(ctx context.Context, a Actor, approvalID int64, approve bool) error {
	if s.simSwaps == nil {
		return nil
	}
	var ap struct {
		Code, Subject string
		Requester     string
		Beneficiary   *string
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT g.code, ap.subject, rp.phone AS requester, bp.phone AS beneficiary
		FROM chama_approvals ap JOIN chama_groups g ON g.id = ap.group_id
		JOIN chama_members rm ON rm.id = ap.requested_by JOIN chama_people rp ON rp.id = rm.person_id
		LEFT JOIN chama_members bm ON bm.id = ap.beneficiary LEFT JOIN chama_people bp ON bp.id = bm.person_id
		WHERE ap.id = ?`, approvalID).Scan(&ap).Error; err != nil {
		return err
	}
	if ap.Code == "" {
		return nil // no such approval: the vote itself says so
	}
	if err := s.simHold(ctx, ap.Code, a.Phone, ErrSIMSwapped); err != nil || !approve || ap.Subject == SubjectCash {
		return err
	}
	if err := s.simHold(ctx, ap.Code, ap.Requester, ErrRecipientSIMSwapped); err != nil {
		return err
	}
	if ap.Beneficiary != nil {
		return s.simHold(ctx, ap.Code, *ap.Beneficiary, ErrRecipientSIMSwapped)
	}
	return nil
}
