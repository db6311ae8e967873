package chama

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ledger"
)

// Role is what a member does in a group.
type Role string

// The roles. Officials are the chair, the treasurer and the secretary.
const (
	RoleChair     Role = "chair"
	RoleTreasurer Role = "treasurer"
	RoleSecretary Role = "secretary"
	RoleMember    Role = "member"
)

// Official reports whether the role may approve and run the group.
func (r Role) Official() bool { return r == RoleChair || r == RoleTreasurer || r == RoleSecretary }

func (r Role) valid() bool { return r.Official() || r == RoleMember }

// Member is a person's place in a group.
type Member struct {
	ID        int64      `gorm:"column:id"`
	GroupID   int64      `gorm:"column:group_id"`
	PersonID  int64      `gorm:"column:person_id"`
	Role      Role       `gorm:"column:role"`
	Status    string     `gorm:"column:status"`
	InvitedBy *int64     `gorm:"column:invited_by"`
	JoinedAt  *time.Time `gorm:"column:joined_at"`
	LeftAt    *time.Time `gorm:"column:left_at"`
}

// addMember makes a person an active member with their savings and fines accounts.
func (t *txn) addMember(g Group, p Person, role Role, invitedBy int64) (Member, error) {
	var m Member
	if err := t.db.Raw(`INSERT INTO chama_members (group_id, person_id, role, status, invited_by, joined_at)
		VALUES (?, ?, ?, 'active', NULLIF(?, 0), ?) RETURNING *`, g.ID, p.ID, role, invitedBy, t.s.now()).Scan(&m).Error; err != nil {
		if isUniqueViolation(err) {
			return Member{}, ErrOfficeTaken
		}
		return Member{}, err
	}
	return m, t.openMemberAccounts(g, m)
}

func (t *txn) openMemberAccounts(g Group, m Member) error {
	c, _, err := t.rulesNow(g)
	if err != nil {
		return err
	}
	for _, spec := range []ledger.AccountSpec{
		{Book: g.BookID, Code: savingsAccount(m.ID), Type: ledger.Liability},
		{Book: g.BookID, Code: finesDueAccount(m.ID), Type: ledger.Asset},
	} {
		spec.Currency = c.Currency
		if _, err := t.l.OpenAccount(t.ctx, spec); err != nil {
			return err
		}
	}
	return nil
}

// member finds a person's membership of a group, in any status.
func (t *txn) member(g Group, person int64) (Member, error) {
	var m Member
	err := t.db.Table("chama_members").Where("group_id = ? AND person_id = ?", g.ID, person).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Member{}, ErrNotMember
	}
	return m, err
}

// activeMember resolves an actor to an active member of the group with this code.
func (t *txn) activeMember(a Actor, code string) (Group, Person, Member, error) {
	g, err := t.groupByCode(code)
	if err != nil {
		return Group{}, Person{}, Member{}, err
	}
	p, err := t.actor(a)
	if err != nil {
		return Group{}, Person{}, Member{}, err
	}
	m, err := t.member(g, p.ID)
	if err != nil {
		return Group{}, Person{}, Member{}, err
	}
	if m.Status != "active" {
		return Group{}, Person{}, Member{}, ErrNotMember
	}
	return g, p, m, nil
}

// official is activeMember for acts only officials may do.
func (t *txn) official(a Actor, code string) (Group, Person, Member, error) {
	g, p, m, err := t.activeMember(a, code)
	if err == nil && !m.Role.Official() {
		err = ErrNotOfficial
	}
	return g, p, m, err
}

// Invite asks a phone to join a group in a role. Only officials invite; the invitee
// becomes a member by accepting (Accept), after consenting to the privacy notice. An
// office (treasurer, secretary) can be filled by invitation only while the group is being
// formed (before its first shilling moves) and the office is vacant: that is how a new
// group gets its officials. After that, offices change hands only by approval
// (ChangeRole), so no official can seat an accomplice alone.
func (s *Service) Invite(ctx context.Context, a Actor, code, rawPhone, name string, role Role) (Member, error) {
	if err := s.simHold(ctx, code, a.Phone); err != nil {
		return Member{}, err
	}
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return Member{}, err
	}
	if !role.valid() {
		return Member{}, ErrInvalidRole
	}
	var m Member
	err = s.tx(ctx, func(t *txn) error {
		g, p, by, err := t.official(a, code)
		if err != nil {
			return err
		}
		if role.Official() {
			var started bool
			if err := t.db.Raw(`SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE book_id = ?)`, g.BookID).Scan(&started).Error; err != nil {
				return err
			}
			if started {
				return fmt.Errorf("%w: once money has moved, offices change by approval", ErrOfficeTaken)
			}
			var held int64
			if err := t.db.Table("chama_members").Where("group_id = ? AND role = ? AND status IN ('active', 'invited')",
				g.ID, role).Count(&held).Error; err != nil {
				return err
			}
			if held > 0 {
				return ErrOfficeTaken
			}
		}
		invitee, err := t.register(e164, name, p.Lang)
		if err != nil {
			return err
		}
		if existing, err := t.member(g, invitee.ID); err == nil {
			if existing.Status != "declined" {
				return ErrAlreadyMember
			}
			// Invited again after declining: the same row, a new invitation.
			if err := t.db.Raw(`UPDATE chama_members SET status = 'invited', invited_by = ?, role = ?
				WHERE id = ? RETURNING *`, by.ID, role, existing.ID).Scan(&m).Error; err != nil {
				return err
			}
		} else if err := t.db.Raw(`INSERT INTO chama_members (group_id, person_id, role, status, invited_by)
			VALUES (?, ?, ?, 'invited', ?) RETURNING *`, g.ID, invitee.ID, role, by.ID).Scan(&m).Error; err != nil {
			return err
		}
		t.notify(invitee, "invited", map[string]string{"group": g.Name, "code": g.Code, "by": p.Name})
		return t.audit(g.ID, p.ID, a.Channel, "member.invited", m.ID, map[string]any{"phone": e164, "role": role})
	})
	return m, err
}

// Accept makes an invitee an active member; a registration fee, if the rules set one,
// falls due at once.
func (s *Service) Accept(ctx context.Context, a Actor, code string) (Member, error) {
	var m Member
	err := s.tx(ctx, func(t *txn) error {
		g, err := t.groupByCode(code)
		if err != nil {
			return err
		}
		p, err := t.actor(a)
		if err != nil {
			return err
		}
		if m, err = t.member(g, p.ID); err != nil || m.Status != "invited" {
			return ErrNotInvited
		}
		if err := t.db.Raw(`UPDATE chama_members SET status = 'active', joined_at = ? WHERE id = ? RETURNING *`,
			t.s.now(), m.ID).Scan(&m).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrOfficeTaken
			}
			return err
		}
		if err := t.openMemberAccounts(g, m); err != nil {
			return err
		}
		if err := t.registrationDue(g, m); err != nil {
			return err
		}
		return t.audit(g.ID, p.ID, a.Channel, "member.joined", m.ID, nil)
	})
	return m, err
}

// Decline turns an invitation down.
func (s *Service) Decline(ctx context.Context, a Actor, code string) error {
	return s.tx(ctx, func(t *txn) error {
		g, err := t.groupByCode(code)
		if err != nil {
			return err
		}
		p, err := t.personFor(a)
		if err != nil {
			return err
		}
		m, err := t.member(g, p.ID)
		if err != nil || m.Status != "invited" {
			return ErrNotInvited
		}
		if err := t.db.Exec(`UPDATE chama_members SET status = 'declined' WHERE id = ?`, m.ID).Error; err != nil {
			return err
		}
		return t.audit(g.ID, p.ID, a.Channel, "member.declined", m.ID, nil)
	})
}

// Membership is one of a person's groups, as a menu lists them.
type Membership struct {
	Group  Group
	Member Member
}

// Memberships lists the groups a phone belongs to or is invited to, oldest first.
func (s *Service) Memberships(ctx context.Context, rawPhone string) ([]Membership, error) {
	var out []Membership
	err := s.tx(ctx, func(t *txn) error {
		p, err := t.personFor(Actor{Phone: rawPhone})
		if err != nil {
			return err
		}
		var ms []Member
		if err := t.db.Table("chama_members").Where("person_id = ? AND status IN ('active', 'invited')", p.ID).
			Order("id").Find(&ms).Error; err != nil {
			return err
		}
		out = out[:0]
		for _, m := range ms {
			g, err := t.groupByID(m.GroupID)
			if err != nil {
				return err
			}
			out = append(out, Membership{Group: g, Member: m})
		}
		return nil
	})
	return out, err
}

// officials lists a group's active officials.
func (t *txn) officials(g Group) ([]Member, error) {
	var ms []Member
	err := t.db.Table("chama_members").Where("group_id = ? AND status = 'active' AND role <> 'member'", g.ID).
		Order("id").Find(&ms).Error
	return ms, err
}

// activeMembers lists a group's active members in joining order.
func (t *txn) activeMembers(g Group) ([]Member, error) {
	var ms []Member
	err := t.db.Table("chama_members").Where("group_id = ? AND status = 'active'", g.ID).
		Order("joined_at, id").Find(&ms).Error
	return ms, err
}

func (t *txn) personByID(id int64) (Person, error) {
	var p Person
	err := t.db.Table("chama_people").Where("id = ?", id).Take(&p).Error
	return p, err
}

func (t *txn) memberByID(id int64) (Member, error) {
	var m Member
	err := t.db.Table("chama_members").Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Member{}, ErrNotMember
	}
	return m, err
}
