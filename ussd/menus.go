package ussd

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kikundi/kikundi/ussd/screen"
)

// node is one screen of the menu graph and what its input does. handle returns the node
// to go to next ("" stays, re-rendering with any flash line; nodeHome starts over).
type node struct {
	screen func(c *call) (screen.Screen, error)
	handle func(c *call, in string) (string, error)
	// takesText marks free input (a name, a code, a PIN): there 0, 00 and 98 are what the
	// member typed, not navigation.
	takesText bool
}

// Node names.
const (
	nodeLanguage       = "language"
	nodeConsent        = "consent"
	nodeName           = "name"
	nodePIN            = "pin"
	nodePINAgain       = "pin-again"
	nodeResume         = "resume"
	nodeHome           = "home"
	nodeGroup          = "group"
	nodeAmount         = "contribute"
	nodePayPIN         = "contribute-pin"
	nodeBalance        = "balance"
	nodeStatement      = "statement"
	nodeGroupInfo      = "group-info"
	nodeMembers        = "members"
	nodeWithdrawAmount = "withdraw-amount"
	nodeWithdrawPIN    = "withdraw-pin"
	nodeApprovals      = "approvals"
	nodeApproval       = "approval"
	nodeVotePIN        = "vote-pin"
	nodeSettings       = "settings"
	nodeSetLang        = "set-language"
	nodeCreateCode     = "create-code"
	nodeCreateName     = "create-name"
	nodeHelp           = "help"
	nodePeer           = "peer"      // peer loans (peer.go)
	nodeOfficials      = "officials" // the officials' menu (officials.go)
	nodeDone           = "done"
)

// nodes is the menu graph; the files per area fill it in their init.
var nodes = map[string]node{}

// choice reads a 1-based menu choice among n options.
func choice(in string, n int) (int, bool) {
	i, err := strconv.Atoi(in)
	if err != nil || i < 1 || i > n {
		return 0, false
	}
	return i - 1, true
}

// takeAmount is the handler of an amount screen: whole shillings M-Pesa can move, kept
// in the flow's data as "amount", then on to next.
func takeAmount(next string) func(*call, string) (string, error) {
	return func(c *call, in string) (string, error) {
		amount, ok := parseAmount(in)
		if !ok {
			return c.invalid("amount.bad")
		}
		c.s.set("amount", amount.String())
		return next, nil
	}
}

// takeAmountOr is takeAmount where "1" accepts the amount the screen offered, kept in the
// session under key (nothing is offered when it is empty or "0").
func takeAmountOr(key, next string) func(*call, string) (string, error) {
	take := takeAmount(next)
	return func(c *call, in string) (string, error) {
		if offered := c.s.Data[key]; in == "1" && offered != "" && offered != "0" {
			in = offered
		}
		return take(c, in)
	}
}

// termScreen asks over how many months, within the group's maximum.
func termScreen(c *call) (screen.Screen, error) {
	rc, _, err := c.e.groups.Rules(c.ctx, c.s.Group)
	if err != nil {
		return screen.Screen{}, err
	}
	return screen.Screen{Prompt: t(c.lang(), "l.term", rc.MaxTermMonths)}, nil
}

// readTerm reads a term in months; ok is false when the member has been re-prompted.
func (c *call) readTerm(in string) (term int, ok bool, err error) {
	rc, _, err := c.e.groups.Rules(c.ctx, c.s.Group)
	if err != nil {
		return 0, false, err
	}
	term, err = strconv.Atoi(in)
	if err != nil || term < 1 || term > rc.MaxTermMonths {
		_, _ = c.invalid("l.term.bad", rc.MaxTermMonths)
		return 0, false, nil
	}
	return term, true, nil
}

// invalid re-prompts the same screen with what went wrong.
func (c *call) invalid(key string, args ...any) (string, error) {
	c.s.Flash = t(c.lang(), key, args...)
	return "", nil
}

// done ends the session with a message.
func (c *call) done(key string, args ...any) (string, error) {
	c.s.set("done", t(c.lang(), key, args...))
	return nodeDone, nil
}

func init() {
	nodes[nodeDone] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{c.s.Data["done"]}, End: true}, nil
		},
		handle: func(*call, string) (string, error) { return "", nil },
	}
	nodes[nodeResume] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{t(c.lang(), "resume")}, Options: []string{t(c.lang(), "resume.yes"), t(c.lang(), "resume.no")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			switch in {
			case "1":
				prev, ok := decodeResume(c.s.Data["resume"])
				if ok {
					*c.s = State{Phone: c.s.Phone, Lang: prev.Lang, Group: prev.Group, Route: prev.Route, Data: prev.Data}
					return "", nil
				}
				return nodeHome, nil
			case "2":
				return nodeHome, nil
			}
			return c.invalid("invalid")
		},
	}
	nodes[nodeHelp] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{t(c.lang(), "help.text", c.e.code)}, End: true}, nil
		},
		handle: func(*call, string) (string, error) { return "", nil },
	}
}

// encodeResume keeps an interrupted flow inside the new session's data. A PIN hash may be
// in it (onboarding's first PIN); never a PIN.
func encodeResume(s State) string {
	s.Last, s.PathHash = "", ""
	b, _ := json.Marshal(s)
	return string(b)
}

func decodeResume(raw string) (State, bool) {
	var s State
	if err := json.Unmarshal([]byte(strings.TrimSpace(raw)), &s); err != nil || len(s.Route) == 0 {
		return State{}, false
	}
	return s, true
}
