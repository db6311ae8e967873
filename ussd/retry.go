package ussd

import (
	"strconv"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/ussd/screen"
)

// Retrying a failed payout, from the officials' menu: the payouts M-Pesa refused and
// nobody has sent again (each is money a member is still owed, a merry-go-round pot
// among them: the sweep does not resend those by itself), then one of them, then the
// PIN. The official fixes the cause first (the member's M-Pesa registered, say).

const (
	nodeRetryList = "retry-list"
	nodeRetryPIN  = "retry-pin"
)

// purposeText is what a payout was for, in the member's words.
func purposeText(lang, purpose string) string {
	if _, ok := texts["purpose."+purpose]; ok {
		return t(lang, "purpose."+purpose)
	}
	return purpose
}

func retryLine(lang string, f chama.FailedPayout) string {
	return t(lang, "retry.line", f.ID, shortName(f.Name), chama.Shillings(f.Amount), purposeText(lang, f.Purpose))
}

func init() {
	nodes[nodeRetryList] = node{
		screen: func(c *call) (screen.Screen, error) {
			failed, err := c.e.groups.FailedPayouts(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			if len(failed) == 0 {
				return screen.Screen{Body: []string{t(c.lang(), "retry.none")}, End: true}, nil
			}
			sc := screen.Screen{}
			for _, f := range failed {
				sc.Options = append(sc.Options, retryLine(c.lang(), f))
			}
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			failed, err := c.e.groups.FailedPayouts(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return c.refused(err)
			}
			i, ok := choice(in, len(failed))
			if !ok {
				return c.invalid("invalid")
			}
			c.s.set("payout", strconv.FormatInt(failed[i].ID, 10))
			c.s.set("payout.line", retryLine(c.lang(), failed[i]))
			c.s.set("payout.reason", failed[i].Reason)
			return nodeRetryPIN, nil
		},
	}
	nodes[nodeRetryPIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{c.s.Data["payout.line"], t(c.lang(), "retry.confirm")}, Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			id, _ := strconv.ParseInt(c.s.Data["payout"], 10, 64)
			po, err := c.e.groups.RetryPayout(c.ctx, c.actor(), c.s.Group, id, in)
			if err != nil {
				return c.refused(err)
			}
			return c.done("retry.sent", po.ID)
		},
	}
}
