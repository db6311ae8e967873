package chama

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
)

// The merry-go-round: each period's pot (rotation:c<cycle>p<period>) goes to one member,
// in an order fixed when the round starts, nobody twice in a round. A round has as many
// periods as it has members; members who join mid-round wait for the next one.

func init() {
	outcomes[SubjectRotation] = outcome{quorum: func(q rules.Quorum) int { return q.Payout }, approved: (*txn).approveShortPot}
	outcomes[SubjectWelfare] = outcome{quorum: func(q rules.Quorum) int { return q.Payout }, approved: (*txn).grantWelfare}
}

// Turn is one slot of a round.
type Turn struct {
	Round    int   `gorm:"column:round"`
	Position int   `gorm:"column:position"`
	MemberID int64 `gorm:"column:member_id"`
}

// SetRotationOrder fixes the order of the next round by phones, for groups whose rules
// say the officials set it. It must name every active member once.
func (s *Service) SetRotationOrder(ctx context.Context, a Actor, code string, round int, phones []string) error {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return err
	}
	return s.tx(ctx, func(t *txn) error {
		g, p, _, err := t.official(a, code)
		if err != nil {
			return err
		}
		members, err := t.activeMembers(g)
		if err != nil {
			return err
		}
		if len(phones) != len(members) {
			return fmt.Errorf("chama: the order must name all %d members once", len(members))
		}
		for i, ph := range phones {
			m, err := t.memberByPhone(g, ph)
			if err != nil {
				return err
			}
			if err := t.db.Exec(`INSERT INTO chama_rotation (group_id, round, position, member_id) VALUES (?, ?, ?, ?)`,
				g.ID, round, i+1, m.ID).Error; err != nil {
				if isUniqueViolation(err) {
					return fmt.Errorf("chama: round %d already has an order, or a member is named twice", round)
				}
				return err
			}
		}
		return t.audit(g.ID, p.ID, a.Channel, "rotation.ordered", int64(round), nil)
	})
}

// rotationTurn is whose turn period n of the cycle is. A round has as many periods as
// its first round had members; each round's order is fixed when it begins: joining order,
// a lottery whose seed is recorded (so anyone can re-draw it), or the officials' order.
func (t *txn) rotationTurn(g Group, c rules.Constitution, period int) (Turn, error) {
	var size int
	if err := t.db.Raw(`SELECT count(*) FROM chama_rotation WHERE group_id = ? AND round = 1`, g.ID).Scan(&size).Error; err != nil {
		return Turn{}, err
	}
	if size == 0 {
		n, err := t.startRound(g, c, 1, 0)
		if err != nil {
			return Turn{}, err
		}
		size = n
	}
	round, pos := (period-1)/size+1, (period-1)%size+1
	var turn Turn
	find := func() error {
		return t.db.Raw(`SELECT round, position, member_id FROM chama_rotation WHERE group_id = ? AND round = ? AND position = ?`,
			g.ID, round, pos).Scan(&turn).Error
	}
	if err := find(); err != nil || turn.MemberID != 0 {
		return turn, err
	}
	if _, err := t.startRound(g, c, round, size); err != nil {
		return Turn{}, err
	}
	if err := find(); err != nil || turn.MemberID == 0 {
		return turn, ErrNotYourTurn
	}
	return turn, nil
}

// startRound writes a round's order and returns its size; size 0 means any.
func (t *txn) startRound(g Group, c rules.Constitution, round, size int) (int, error) {
	if c.RotationOrder == rules.RotationSet {
		return 0, fmt.Errorf("%w: the officials must set round %d's order", ErrNotYourTurn, round)
	}
	members, err := t.activeMembers(g)
	if err != nil {
		return 0, err
	}
	if size != 0 && len(members) != size {
		return 0, fmt.Errorf("%w: round %d needs %d members, the group has %d; the officials set its order", ErrNotYourTurn, round, size, len(members))
	}
	var seed int64
	if c.RotationOrder == rules.RotationLottery {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		seed = int64(binary.BigEndian.Uint64(b[:]) >> 1)
		r := mrand.New(mrand.NewPCG(uint64(seed), uint64(g.ID)))
		r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	}
	for i, m := range members {
		if err := t.db.Exec(`INSERT INTO chama_rotation (group_id, round, position, member_id, seed) VALUES (?, ?, ?, ?, NULLIF(?, 0))`,
			g.ID, round, i+1, m.ID, seed).Error; err != nil {
			return 0, err
		}
	}
	return len(members), t.audit(g.ID, 0, System, "rotation.ordered", int64(round), map[string]any{"order": c.RotationOrder, "seed": seed})
}

// PayPots pays, for a merry-go-round group, every pot of the cycle so far whose
// contributions are all in and which has not been paid, and returns how many it paid. The
// sweep calls it, so a pot goes out within a sweep of its last contribution settling,
// without anyone asking (to a number whose SIM just changed, once the hold has passed). A
// pot whose payout failed is not sent again by itself: M-Pesa would refuse it every 15
// minutes; an official retries it (RetryPayout) once the cause is fixed.
func (s *Service) PayPots(ctx context.Context, code string) (int, error) {
	var periods []int
	err := s.tx(ctx, func(t *txn) error {
		g, err := t.groupByCode(code)
		if err != nil {
			return err
		}
		c, _, err := t.rulesNow(g)
		if err != nil || !c.Rotation {
			return err
		}
		return t.db.Raw(`SELECT n FROM generate_series(1, ?) n
			WHERE EXISTS (SELECT 1 FROM chama_dues d WHERE d.group_id = ? AND d.cycle = ? AND d.period = n AND d.kind = 'contribution')
			AND NOT EXISTS (`+duesWithOutstanding+`WHERE d.group_id = ? AND d.cycle = ? AND d.period = n
				AND d.kind = 'contribution' AND d.amount > coalesce(p.paid, 0))
			AND NOT EXISTS (SELECT 1 FROM chama_payouts WHERE group_id = ? AND purpose = 'rotation'
				AND subject_id = ? * 10000 + n) -- rotationSubject; a failed one waits for an official's retry
			ORDER BY n`, t.period(g, c, t.s.now()).N, g.ID, g.Cycle, g.ID, g.Cycle, g.ID, g.Cycle).Scan(&periods).Error
	})
	if err != nil {
		return 0, err
	}
	paid := 0
	for _, n := range periods {
		_, err := s.PayRotation(ctx, code, n)
		if errors.Is(err, ErrNotYourTurn) {
			continue // the officials must set the round's order first
		}
		if err != nil {
			return paid, fmt.Errorf("pot of period %d: %w", n, err)
		}
		paid++
	}
	return paid, nil
}

// PayRotation pays period n's pot to the member whose turn it is, once every member's
// contribution for the period is in. A short pot needs the officials' approval
// (RequestShortRotation). It is safe to call repeatedly: the payout is unique per period.
func (s *Service) PayRotation(ctx context.Context, code string, period int) (Payout, error) {
	var po Payout
	err := s.tx(ctx, func(t *txn) error {
		g, err := t.groupByCode(code)
		if err != nil {
			return err
		}
		c, _, err := t.rulesNow(g)
		if err != nil {
			return err
		}
		var short int64
		if err := t.db.Raw(`SELECT count(*) FROM (`+duesWithOutstanding+`WHERE d.group_id = ? AND d.cycle = ? AND d.period = ?
			AND d.kind = 'contribution' AND d.amount > coalesce(p.paid, 0)) short`,
			g.ID, g.Cycle, period).Scan(&short).Error; err != nil {
			return err
		}
		if short > 0 {
			return ErrShortPot
		}
		po, err = t.payRotation(g, c, period)
		return err
	})
	return po, err
}

func (t *txn) payRotation(g Group, c rules.Constitution, period int) (Payout, error) {
	var prior Payout
	if err := t.db.Raw(`SELECT * FROM chama_payouts WHERE group_id = ? AND purpose = 'rotation' AND subject_id = ? AND status <> 'failed'`,
		g.ID, rotationSubject(g.Cycle, period)).Scan(&prior).Error; err != nil {
		return Payout{}, err
	}
	if prior.ID != 0 {
		return prior, nil
	}
	turn, err := t.rotationTurn(g, c, period)
	if err != nil {
		return Payout{}, err
	}
	pot, err := t.account(g, rotationAccount(g.Cycle, period))
	if err != nil {
		return Payout{}, ErrShortPot
	}
	// A pot above M-Pesa's 250,000 goes in parts; cents stay in the pot.
	subject := rotationSubject(g.Cycle, period)
	if err := t.payoutInParts(g, turn.MemberID, PurposeRotation, subject, pot.Available(), pot.Code); err != nil {
		return Payout{}, err
	}
	var first Payout
	if err := t.db.Raw(`SELECT * FROM chama_payouts WHERE group_id = ? AND purpose = 'rotation' AND subject_id = ?
		AND status <> 'failed' ORDER BY part LIMIT 1`, g.ID, subject).Scan(&first).Error; err != nil {
		return Payout{}, err
	}
	if first.ID == 0 {
		return Payout{}, ErrShortPot // less than M-Pesa's minimum in the pot
	}
	return first, nil
}

// rotationSubject numbers a period's pot uniquely across cycles.
func rotationSubject(cycle, period int) int64 { return int64(cycle)*10000 + int64(period) }

// RequestShortRotation asks the officials to pay a period's pot although some
// contributions are missing.
func (s *Service) RequestShortRotation(ctx context.Context, a Actor, code string, period int) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.official(a, code)
		if err != nil {
			return err
		}
		ap, err = t.requestApproval(g, m, SubjectRotation, rotationSubject(g.Cycle, period), 0, map[string]int{"period": period}, a.Channel)
		return err
	})
	return ap, err
}

func (t *txn) approveShortPot(ap Approval) error {
	var body struct {
		Period int `json:"period"`
	}
	if err := json.Unmarshal(ap.Payload, &body); err != nil {
		return err
	}
	g, err := t.groupByID(ap.GroupID)
	if err != nil {
		return err
	}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return err
	}
	_, err = t.payRotation(g, c, body.Period)
	return err
}

// RequestWelfare asks the officials to grant a member money from the welfare fund.
func (s *Service) RequestWelfare(ctx context.Context, a Actor, code, rawPhone string, amount decimal.Decimal, reason string) (Approval, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Approval{}, err
	}
	if !mpesaAmount(amount) {
		return Approval{}, ErrMpesaLimit
	}
	var ap Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, by, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		to, err := t.memberByPhone(g, rawPhone)
		if err != nil {
			return err
		}
		ap, err = t.requestApproval(g, by, SubjectWelfare, 0, to.ID, map[string]any{"member": to.ID, "amount": amount, "reason": reason}, a.Channel)
		return err
	})
	return ap, err
}

func (t *txn) grantWelfare(ap Approval) error {
	var body struct {
		Member int64           `json:"member"`
		Amount decimal.Decimal `json:"amount"`
	}
	if err := json.Unmarshal(ap.Payload, &body); err != nil {
		return err
	}
	g, err := t.groupByID(ap.GroupID)
	if err != nil {
		return err
	}
	_, err = t.payout(g, body.Member, PurposeWelfare, ap.ID, body.Amount, accountWelfare)
	return err
}
