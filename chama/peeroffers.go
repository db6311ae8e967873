package chama

import "context"

// PeerOffer is a peer loan offered to a member and waiting for their answer, with the
// lender's name as a menu shows it (their phone when they gave no name).
type PeerOffer struct {
	Loan
	Lender string `gorm:"column:lender"`
}

// PeerOffers lists the peer loans offered to the actor in a group that they have not yet
// accepted or declined, oldest first. The disclosure each carries is the one the lender
// was shown and the borrower must see before AcceptPeerLoan.
func (s *Service) PeerOffers(ctx context.Context, a Actor, code string) ([]PeerOffer, error) {
	var out []PeerOffer
	err := s.tx(ctx, func(t *txn) error {
		_, _, m, err := t.activeMember(a, code)
		if err != nil {
			return err
		}
		out = nil
		return t.db.Raw(`SELECT l.*, coalesce(nullif(p.name, ''), p.phone) AS lender
			FROM chama_loans l JOIN chama_members lm ON lm.id = l.lender_id JOIN chama_people p ON p.id = lm.person_id
			WHERE l.borrower_id = ? AND l.lender_id IS NOT NULL AND l.status = ? ORDER BY l.id`,
			m.ID, LoanRequested).Scan(&out).Error
	})
	return out, err
}
