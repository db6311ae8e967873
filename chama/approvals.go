package chama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama/rules"
)

// ApprovalTTL is how long officials have to decide before a request expires.
const ApprovalTTL = 72 * time.Hour

// The subjects of approval: every decision that moves money or changes who runs the group.
const (
	SubjectLoan       = "loan"
	SubjectWithdrawal = "withdrawal"
	SubjectRotation   = "rotation_payout"
	SubjectWelfare    = "welfare"
	SubjectRules      = "rule_change"
	SubjectRole       = "role_change"
	SubjectExit       = "exit"
	SubjectRemoval    = "removal"
	SubjectPINReset   = "pin_reset"
	SubjectWaiver     = "waiver"
	SubjectShareOut   = "shareout"
)

// Approval is one decision waiting for, or made by, the officials.
type Approval struct {
	ID          int64           `gorm:"column:id"`
	GroupID     int64           `gorm:"column:group_id"`
	Subject     string          `gorm:"column:subject"`
	SubjectID   *int64          `gorm:"column:subject_id"`
	Payload     json.RawMessage `gorm:"column:payload"`
	RequestedBy int64           `gorm:"column:requested_by"`
	Beneficiary *int64          `gorm:"column:beneficiary"`
	Quorum      int             `gorm:"column:quorum"`
	Status      string          `gorm:"column:status"`
	ExpiresAt   time.Time       `gorm:"column:expires_at"`
	DecidedAt   *time.Time      `gorm:"column:decided_at"`
	Outcome     string          `gorm:"column:outcome"`
	CreatedAt   time.Time       `gorm:"column:created_at"`
}

// outcome is what a subject does once decided. approved runs exactly once, in the
// transaction that records the deciding vote; closed runs when the request is rejected
// or expires (releasing whatever the request had reserved).
type outcome struct {
	quorum   func(rules.Quorum) int
	approved func(t *txn, ap Approval) error
	closed   func(t *txn, ap Approval) error
}

// outcomes is filled by the files that own each subject (loans.go, payouts.go…).
var outcomes = map[string]outcome{}

func (ap Approval) subjectID() int64 {
	if ap.SubjectID == nil {
		return 0
	}
	return *ap.SubjectID
}

// requestApproval opens a decision for the officials. At most one is open per subject.
// beneficiary is the member who gains from it when that is not the requester (0: none);
// like the requester, they may not vote.
func (t *txn) requestApproval(g Group, requester Member, subject string, subjectID, beneficiary int64, payload any, ch Channel) (Approval, error) {
	oc, ok := outcomes[subject]
	if !ok {
		return Approval{}, fmt.Errorf("chama: no outcome for subject %q", subject)
	}
	c, _, err := t.rulesNow(g)
	if err != nil {
		return Approval{}, err
	}
	quorum := oc.quorum(c.Quorum)
	officials, err := t.officials(g)
	if err != nil {
		return Approval{}, err
	}
	if eligible(officials, requester.ID, beneficiary) < quorum {
		return Approval{}, ErrQuorumImpossible
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return Approval{}, err
	}
	var ap Approval
	if err := t.db.Raw(`INSERT INTO chama_approvals (group_id, subject, subject_id, payload, requested_by, beneficiary, quorum, expires_at)
		VALUES (?, ?, NULLIF(?, 0), ?::jsonb, ?, NULLIF(?, 0), ?, ?) RETURNING *`,
		g.ID, subject, subjectID, string(raw), requester.ID, beneficiary, quorum, t.s.now().Add(ApprovalTTL)).Scan(&ap).Error; err != nil {
		if isUniqueViolation(err) {
			return Approval{}, ErrPending
		}
		return Approval{}, err
	}
	for _, o := range officials {
		if o.ID == requester.ID || o.ID == beneficiary {
			continue
		}
		if p, err := t.personByID(o.PersonID); err == nil {
			t.notify(p, "approval.needed", map[string]string{"group": g.Code, "id": fmt.Sprint(ap.ID), "subject": subject})
		}
	}
	requesterPerson, _ := t.personByID(requester.PersonID)
	return ap, t.audit(g.ID, requesterPerson.ID, ch, "approval.requested", ap.ID,
		map[string]any{"subject": subject, "subject_id": subjectID, "quorum": quorum})
}

// eligible counts the officials who may vote on a request: all but the requester and
// the beneficiary.
func eligible(officials []Member, requester, beneficiary int64) int {
	n := 0
	for _, o := range officials {
		if o.ID != requester && o.ID != beneficiary {
			n++
		}
	}
	return n
}

func (ap Approval) beneficiary() int64 {
	if ap.Beneficiary == nil {
		return 0
	}
	return *ap.Beneficiary
}

// Vote records an official's approval or rejection, confirmed with their PIN. The vote
// that reaches the quorum carries the decision out in the same transaction; the approval
// row is locked first, so two officials voting at the same instant are counted one after
// the other and the outcome runs once. A request that can no longer reach its quorum
// (too many rejections) is rejected at once.
func (s *Service) Vote(ctx context.Context, a Actor, approvalID int64, approve bool, pinCode string) (Approval, error) {
	if err := s.CheckPIN(ctx, a.Phone, pinCode); err != nil {
		return Approval{}, err
	}
	if err := s.simHoldVote(ctx, a, approvalID); err != nil {
		return Approval{}, err
	}
	var ap Approval
	var verdict error
	err := s.tx(ctx, func(t *txn) error {
		verdict = nil
		if err := t.db.Raw(`SELECT * FROM chama_approvals WHERE id = ? FOR UPDATE`, approvalID).Scan(&ap).Error; err != nil {
			return err
		}
		if ap.ID == 0 {
			return ErrUnknownApproval
		}
		g, err := t.groupByID(ap.GroupID)
		if err != nil {
			return err
		}
		p, err := t.actor(a)
		if err != nil {
			return err
		}
		m, err := t.member(g, p.ID)
		if err != nil || m.Status != "active" {
			return ErrNotMember
		}
		switch {
		case !m.Role.Official():
			return ErrNotOfficial
		case m.ID == ap.RequestedBy, m.ID == ap.beneficiary():
			return ErrOwnRequest
		case ap.Status != "open":
			return ErrApprovalClosed
		case !t.s.now().Before(ap.ExpiresAt):
			verdict = ErrApprovalExpired
			return t.close(g, &ap, "expired", "")
		}
		res := t.db.Exec(`INSERT INTO chama_votes (approval_id, member_id, approve, channel) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, ap.ID, m.ID, approve, string(a.Channel))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrAlreadyVoted
		}
		if err := t.audit(g.ID, p.ID, a.Channel, "approval.vote", ap.ID, map[string]any{"approve": approve}); err != nil {
			return err
		}
		var tally struct{ Yes, No int }
		if err := t.db.Raw(`SELECT count(*) FILTER (WHERE approve) AS yes, count(*) FILTER (WHERE NOT approve) AS no
			FROM chama_votes WHERE approval_id = ?`, ap.ID).Scan(&tally).Error; err != nil {
			return err
		}
		officials, err := t.officials(g)
		if err != nil {
			return err
		}
		switch {
		case tally.Yes >= ap.Quorum:
			return t.carryOut(g, &ap)
		case eligible(officials, ap.RequestedBy, ap.beneficiary())-tally.No < ap.Quorum:
			return t.close(g, &ap, "rejected", "")
		}
		return nil
	})
	if err != nil {
		return Approval{}, err
	}
	return ap, verdict
}

// carryOut runs an approved decision inside a savepoint. A refusal of the decision itself
// (the group's cash no longer covers a loan, say) marks the approval failed, with the
// reason, and undoes only what the outcome wrote; the votes stand.
func (t *txn) carryOut(g Group, ap *Approval) error {
	oc := outcomes[ap.Subject]
	// The outcome writes through t (same connection, same transaction): a savepoint taken
	// on the handle covers it. What it queued to send after the commit is dropped with it.
	orders, notices := len(t.orders), len(t.notices)
	err := t.db.Transaction(func(*gorm.DB) error { return oc.approved(t, *ap) })
	if err != nil && !domainRefusal(err) {
		return err
	}
	if err != nil {
		t.orders, t.notices = t.orders[:orders], t.notices[:notices]
	}
	status, reason := "approved", ""
	if err != nil {
		status, reason = "failed", err.Error()
	}
	if err := t.db.Raw(`UPDATE chama_approvals SET status = ?, decided_at = ?, outcome = ? WHERE id = ? RETURNING *`,
		status, t.s.now(), reason, ap.ID).Scan(ap).Error; err != nil {
		return err
	}
	if status == "failed" && oc.closed != nil {
		if err := oc.closed(t, *ap); err != nil {
			return err
		}
	}
	return t.notifyRequester(g, *ap)
}

// close ends a request without carrying it out and releases what it reserved.
func (t *txn) close(g Group, ap *Approval, status, reason string) error {
	if err := t.db.Raw(`UPDATE chama_approvals SET status = ?, decided_at = ?, outcome = ? WHERE id = ? RETURNING *`,
		status, t.s.now(), reason, ap.ID).Scan(ap).Error; err != nil {
		return err
	}
	if oc := outcomes[ap.Subject]; oc.closed != nil {
		if err := oc.closed(t, *ap); err != nil {
			return err
		}
	}
	return t.notifyRequester(g, *ap)
}

func (t *txn) notifyRequester(g Group, ap Approval) error {
	m, err := t.memberByID(ap.RequestedBy)
	if err != nil {
		return err
	}
	p, err := t.personByID(m.PersonID)
	if err != nil {
		return err
	}
	t.notify(p, "approval."+ap.Status, map[string]string{"group": g.Code, "id": fmt.Sprint(ap.ID), "subject": ap.Subject, "reason": ap.Outcome})
	return t.audit(g.ID, 0, System, "approval."+ap.Status, ap.ID, map[string]any{"reason": ap.Outcome})
}

// ExpireApprovals closes every open request whose time ran out and returns how many. The
// workers run it periodically; it is safe to run twice.
func (s *Service) ExpireApprovals(ctx context.Context) (int, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Raw(`SELECT id FROM chama_approvals WHERE status = 'open' AND expires_at <= ? ORDER BY id`,
		s.now()).Scan(&ids).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.tx(ctx, func(t *txn) error {
			var ap Approval
			if err := t.db.Raw(`SELECT * FROM chama_approvals WHERE id = ? FOR UPDATE`, id).Scan(&ap).Error; err != nil {
				return err
			}
			if ap.Status != "open" {
				return nil
			}
			g, err := t.groupByID(ap.GroupID)
			if err != nil {
				return err
			}
			n++
			return t.close(g, &ap, "expired", "")
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// PendingApprovals lists the open requests an official may vote on, oldest first.
func (s *Service) PendingApprovals(ctx context.Context, a Actor, code string) ([]Approval, error) {
	var out []Approval
	err := s.tx(ctx, func(t *txn) error {
		g, _, m, err := t.official(a, code)
		if err != nil {
			return err
		}
		return t.db.Raw(`SELECT * FROM chama_approvals ap WHERE group_id = ? AND status = 'open' AND expires_at > ?
			AND requested_by <> ? AND beneficiary IS DISTINCT FROM ? AND NOT EXISTS (SELECT 1 FROM chama_votes v WHERE v.approval_id = ap.id AND v.member_id = ?)
			ORDER BY id`, g.ID, t.s.now(), m.ID, m.ID, m.ID).Scan(&out).Error
	})
	return out, err
}

// domainRefusal reports an error that refuses the decision itself, as opposed to the
// database failing under it: a Postgres error other than a refusal means the transaction
// must roll back (and, for a deadlock, run again).
func domainRefusal(err error) bool {
	var pg *pgconn.PgError
	return !errors.As(err, &pg)
}
