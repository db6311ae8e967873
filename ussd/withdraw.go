package ussd

import (
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/ussd/screen"
)

// Withdrawing savings, from the balance screen: the amount (what is available shown), the
// PIN, then the request waits for the officials, who approve it with theirs; the money
// goes by M-Pesa once they do.
func init() {
	nodes[nodeWithdrawAmount] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			b, err := c.e.groups.MemberBalances(c.ctx, c.s.Phone, c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			free := b.Free.Truncate(0) // M-Pesa pays whole shillings
			if !free.IsPositive() {
				return screen.Screen{Body: []string{t(c.lang(), "withdraw.none")}, End: true}, nil
			}
			return screen.Screen{Prompt: t(c.lang(), "withdraw.amount", chama.Shillings(free))}, nil
		},
		handle: takeAmount(nodeWithdrawPIN),
	}
	nodes[nodeWithdrawPIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			return screen.Screen{Body: []string{t(c.lang(), "withdraw.confirm", chama.Shillings(amount))},
				Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			ap, err := c.e.groups.Withdraw(c.ctx, c.actor(), c.s.Group, amount)
			if err != nil {
				return c.refused(err)
			}
			return c.done("o.requested", ap.ID, ap.Quorum)
		},
	}
}
