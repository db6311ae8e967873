package ussd

import (
	"errors"
	"strconv"

	"github.com/kikundi/kikundi/chama"

	"github.com/kikundi/kikundi/ussd/screen"
)

// Paying a merry-go-round pot before every contribution is in, from the officials' menu
// (a member is late, and the one whose turn it is cannot wait): the pot next due and
// whose it is, then the PIN; the other officials approve, and what is in the pot goes.

const nodeShortPot = "short-pot"

func init() {
	nodes[nodeShortPot] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			period, name, err := c.e.groups.PotDue(c.ctx, c.actor(), c.s.Group)
			if errors.Is(err, chama.ErrNotYourTurn) {
				return screen.Screen{Body: []string{t(c.lang(), "o.pot.none")}, End: true}, nil
			}
			if err != nil {
				return screen.Screen{}, err
			}
			c.s.set("pot.period", strconv.Itoa(period))
			return screen.Screen{Body: []string{t(c.lang(), "o.pot.confirm", period, shortName(name))},
				Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			period, _ := strconv.Atoi(c.s.Data["pot.period"])
			ap, err := c.e.groups.RequestShortRotation(c.ctx, c.actor(), c.s.Group, period)
			if err != nil {
				return c.refused(err)
			}
			return c.done("o.requested", ap.ID, ap.Quorum)
		},
	}
}
