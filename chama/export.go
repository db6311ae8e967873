package chama

import (
	"context"
	"time"

	"github.com/kikundi/kikundi/ledger"
)

// DataExport is everything Kikundi holds about a person, as the Data Protection Act lets
// them ask for it: who they are (never their PIN), their consents, and in each group their
// position, their savings history and what they did.
type DataExport struct {
	Phone    string          `json:"phone"`
	Name     string          `json:"name"`
	Lang     string          `json:"lang"`
	Since    time.Time       `json:"since"`
	Consents []ConsentRecord `json:"consents"`
	Groups   []GroupExport   `json:"groups"`
	Actions  []AuditLine     `json:"actions"`
}

// ConsentRecord is one consent given, and when it was withdrawn.
type ConsentRecord struct {
	NoticeVersion string     `gorm:"column:notice_version" json:"notice_version"`
	Channel       string     `gorm:"column:channel" json:"channel"`
	GivenAt       time.Time  `gorm:"column:given_at" json:"given_at"`
	WithdrawnAt   *time.Time `gorm:"column:withdrawn_at" json:"withdrawn_at,omitempty"`
}

// GroupExport is a person's record in one group.
type GroupExport struct {
	Code     string                 `json:"code"`
	Role     Role                   `json:"role"`
	Status   string                 `json:"status"`
	JoinedAt *time.Time             `json:"joined_at,omitempty"`
	Savings  []ledger.StatementLine `json:"savings"`
	Payments []PaymentRecord        `json:"payments"`
}

// PaymentRecord is money a person paid into a group.
type PaymentRecord struct {
	Receipt    string    `gorm:"column:receipt" json:"receipt"`
	Amount     string    `gorm:"column:amount" json:"amount"`
	Purpose    string    `gorm:"column:purpose" json:"purpose"`
	ReceivedAt time.Time `gorm:"column:received_at" json:"received_at"`
}

// ExportMyData gathers a person's data for them. It works with consent withdrawn: seeing
// one's own data is a right, not processing.
func (s *Service) ExportMyData(ctx context.Context, a Actor) (DataExport, error) {
	var out DataExport
	err := s.tx(ctx, func(t *txn) error {
		p, err := t.personFor(a)
		if err != nil {
			return err
		}
		out = DataExport{Phone: p.Phone, Name: p.Name, Lang: p.Lang, Since: p.CreatedAt}
		if err := t.db.Raw(`SELECT notice_version, channel, given_at, withdrawn_at FROM chama_consents WHERE person_id = ? ORDER BY id`,
			p.ID).Scan(&out.Consents).Error; err != nil {
			return err
		}
		var ms []Member
		if err := t.db.Table("chama_members").Where("person_id = ?", p.ID).Order("id").Find(&ms).Error; err != nil {
			return err
		}
		for _, m := range ms {
			g, err := t.groupByID(m.GroupID)
			if err != nil {
				return err
			}
			ge := GroupExport{Code: g.Code, Role: m.Role, Status: m.Status, JoinedAt: m.JoinedAt}
			if acc, err := t.account(g, savingsAccount(m.ID)); err == nil {
				for before := int64(0); ; {
					page, err := t.l.Statement(t.ctx, acc.ID, before, 500)
					if err != nil {
						return err
					}
					ge.Savings = append(ge.Savings, page...)
					if len(page) < 500 {
						break
					}
					before = page[len(page)-1].PostingID
				}
			}
			if err := t.db.Raw(`SELECT receipt, amount::text AS amount, purpose, received_at FROM chama_payments WHERE member_id = ? ORDER BY id`,
				m.ID).Scan(&ge.Payments).Error; err != nil {
				return err
			}
			out.Groups = append(out.Groups, ge)
		}
		return t.db.Raw(`SELECT id, at, group_id, actor_id, channel, action, subject_id, details::text AS details
			FROM chama_audit WHERE actor_id = ? ORDER BY id`, p.ID).Scan(&out.Actions).Error
	})
	return out, err
}
