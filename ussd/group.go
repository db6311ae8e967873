package ussd

import (
	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/ussd/screen"
)

// The group's members and their standing, from the group screen: what each owes that is
// overdue and their loan, and in a merry-go-round whose pot comes next. Every member sees
// it: the group's money is visible to all its members.
func init() {
	nodes[nodeMembers] = node{
		screen: func(c *call) (screen.Screen, error) {
			people, next, err := c.e.groups.Standings(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			l := c.lang()
			sc := screen.Screen{End: true}
			if next != nil {
				sc.Body = append(sc.Body, t(l, "next.payout", shortName(next.Name), next.Period, next.Due.Format("02/01")))
			}
			for _, p := range people {
				line := t(l, "member.ok", shortName(p.Name))
				if p.Owed.IsPositive() {
					line = t(l, "member.owes", shortName(p.Name), chama.Shillings(p.Owed))
				}
				if p.Loan.IsPositive() {
					line = t(l, "member.loan", line, chama.Shillings(p.Loan))
				}
				if p.Held.IsPositive() {
					line = t(l, "member.holds", line, chama.Shillings(p.Held))
				}
				sc.Body = append(sc.Body, line)
			}
			return sc, nil
		},
		handle: func(*call, string) (string, error) { return "", nil },
	}
}
