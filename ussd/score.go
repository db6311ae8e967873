package ussd

import (
	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/ussd/screen"
)

// The member's score, from the loans menu: the number the loan limit follows, and the
// reasons that weigh most in it, on one screen, so that a member can see why and what
// would raise it.

const nodeScore = "score"

func init() {
	nodes[nodeScore] = node{
		screen: func(c *call) (screen.Screen, error) {
			score, _, err := c.e.groups.ScoreOf(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			body := []string{t(c.lang(), "score", score.Value)}
			for _, r := range score.Reasons {
				body = append(body, chama.ReasonText(r, c.lang()))
			}
			return screen.Screen{Body: body, End: true}, nil
		},
	}
}
