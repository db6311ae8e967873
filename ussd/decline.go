package ussd

import (
	"github.com/kikundi/kikundi/ussd/screen"
)

// Declining an invitation, from the home menu: a question first (one key would otherwise
// turn a group down for good), then the chama records it and the officials may invite
// the person again later.

const nodeDecline = "decline"

func init() {
	nodes[nodeDecline] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{t(c.lang(), "decline.confirm", c.groupName())},
				Options: []string{t(c.lang(), "decline.yes")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			name := c.groupName()
			if err := c.e.groups.Decline(c.ctx, c.actor(), c.s.Group); err != nil {
				return c.refused(err)
			}
			if err := c.refreshGroups(); err != nil {
				return "", err
			}
			return c.done("declined", name)
		},
	}
}

// groupName is the name of the session's group as the person's memberships give it,
// its code when they do not list it.
func (c *call) groupName() string {
	for _, g := range c.s.Groups {
		if g.Code == c.s.Group {
			return g.Name
		}
	}
	return c.s.Group
}
