package ussd

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/ussd/screen"
)

// Approvals waiting for an official: pick one, approve or reject, confirm with the PIN.

func approvalLine(c *call, ap chama.Approval) string {
	var body map[string]any
	_ = json.Unmarshal(ap.Payload, &body)
	detail := ""
	if a, ok := body["amount"]; ok {
		detail = fmt.Sprintf("KES %v", a)
	}
	return t(c.lang(), "approval", ap.ID, ap.Subject, detail)
}

func init() {
	nodes[nodeApprovals] = node{
		screen: func(c *call) (screen.Screen, error) {
			aps, err := c.e.groups.PendingApprovals(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			if len(aps) == 0 {
				return screen.Screen{Body: []string{t(c.lang(), "approvals.none")}, End: true}, nil
			}
			sc := screen.Screen{}
			for _, ap := range aps {
				sc.Options = append(sc.Options, approvalLine(c, ap))
			}
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			aps, err := c.e.groups.PendingApprovals(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return c.refused(err)
			}
			i, ok := choice(in, len(aps))
			if !ok {
				return c.invalid("invalid")
			}
			c.s.set("approval", strconv.FormatInt(aps[i].ID, 10))
			c.s.set("approval.line", approvalLine(c, aps[i]))
			return nodeApproval, nil
		},
	}
	nodes[nodeApproval] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{c.s.Data["approval.line"]}, Options: []string{t(c.lang(), "approve"), t(c.lang(), "reject")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			switch in {
			case "1", "2":
				c.s.set("vote", in)
				return nodeVotePIN, nil
			}
			return c.invalid("invalid")
		},
	}
	nodes[nodeVotePIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{c.s.Data["approval.line"]}, Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			id, _ := strconv.ParseInt(c.s.Data["approval"], 10, 64)
			ap, err := c.e.groups.Vote(c.ctx, c.actor(), id, c.s.Data["vote"] == "1", in)
			if err != nil {
				return c.refused(err)
			}
			return c.done("voted", ap.Status)
		},
	}
}

func init() {
	// The officials' menu: approvals waiting first; more of the officials' work joins it.
	nodes[nodeOfficials] = node{
		screen: func(c *call) (screen.Screen, error) {
			aps, err := c.e.groups.PendingApprovals(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			return screen.Screen{Options: []string{t(c.lang(), "m.approvals", len(aps))}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			return nodeApprovals, nil
		},
	}
	nodes[nodePeer] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{t(c.lang(), "help.text", c.e.code)}, End: true}, nil
		},
		handle: func(*call, string) (string, error) { return "", nil },
	}
}
