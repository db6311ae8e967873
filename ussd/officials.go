package ussd

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ussd/screen"
)

// The officials' menu: the approvals waiting for them (approve or reject with the PIN),
// inviting a member, asking for a welfare grant, proposing a new contribution, the
// share-out that closes a cycle, and recording cash a member handed over at a meeting, previewed line by line before it is asked for. Every
// request is confirmed with the official's PIN and then waits for the other officials.

const (
	nodeInvitePhone     = "invite-phone"
	nodeInviteName      = "invite-name"
	nodeInviteRole      = "invite-role"
	nodeInvitePIN       = "invite-pin"
	nodeWelfarePhone    = "welfare-phone"
	nodeWelfareAmount   = "welfare-amount"
	nodeWelfareReason   = "welfare-reason"
	nodeWelfarePIN      = "welfare-pin"
	nodeContribution    = "contribution"
	nodeContributionPIN = "contribution-pin"
	nodeShareOut        = "shareout"
	nodeShareOutPIN     = "shareout-pin"
	nodeCashPhone       = "cash-phone"
	nodeCashAmount      = "cash-amount"
	nodeCashPIN         = "cash-pin"
	nodeCashInAmount    = "cashin-amount"
	nodeCashInPIN       = "cashin-pin"
)

// inviteRoles are the roles an official can invite to, in menu order.
var inviteRoles = []chama.Role{chama.RoleMember, chama.RoleTreasurer, chama.RoleSecretary}

// welfareReasons are the reasons a welfare grant is asked for, in menu order; the key is
// what the request records.
var welfareReasons = []string{"funeral", "illness", "birth", "other"}

// statusText is an approval's status in the member's words; one without words is shown
// as chama names it.
func statusText(lang, status string) string {
	if _, ok := texts["status."+status]; ok {
		return t(lang, "status."+status)
	}
	return status
}

func roleText(lang string, r chama.Role) string { return t(lang, "role."+string(r)) }

func reasonText(lang, reason string) string {
	if _, ok := texts["wf."+reason]; ok {
		return t(lang, "wf."+reason)
	}
	return reason
}

func frequencyText(lang string, f rules.Frequency) string {
	if f == rules.Weekly {
		return t(lang, "freq.weekly")
	}
	return t(lang, "freq.monthly")
}

// approvalLine is one request as an official decides on it: its number, its subject and
// what it is for (the amount, the new contribution, the cycle shared out). A rule change
// made elsewhere (by SMS) that keeps the contribution says only that other rules change.
// subjectText names what an approval decides, in the member's words.
func subjectText(lang, subject string) string {
	if _, ok := texts["subject."+subject]; ok {
		return t(lang, "subject."+subject)
	}
	return subject
}

func approvalLine(c *call, ap chama.Approval) string {
	var body struct {
		Amount *decimal.Decimal    `json:"amount"`
		Reason string              `json:"reason"`
		Rules  *rules.Constitution `json:"rules"`
		Cycle  int                 `json:"cycle"`
		Role   chama.Role          `json:"role"`
	}
	_ = json.Unmarshal(ap.Payload, &body)
	detail := ""
	switch {
	case body.Amount != nil && body.Reason != "":
		detail = "KES " + chama.Shillings(*body.Amount) + " (" + reasonText(c.lang(), body.Reason) + ")"
	case body.Amount != nil:
		detail = "KES " + chama.Shillings(*body.Amount)
	case body.Rules != nil:
		detail = t(c.lang(), "ap.rules.other")
		if cur, _, err := c.e.groups.Rules(c.ctx, c.s.Group); err == nil && !cur.Contribution.Equal(body.Rules.Contribution) {
			detail = t(c.lang(), "ap.rules", chama.Shillings(body.Rules.Contribution), chama.Shillings(cur.Contribution))
		}
	case ap.Subject == chama.SubjectShareOut && body.Cycle > 0:
		detail = t(c.lang(), "ap.cycle", body.Cycle)
	case body.Role != "":
		detail = strings.ToLower(roleText(c.lang(), body.Role))
	}
	return t(c.lang(), "approval", ap.ID, subjectText(c.lang(), ap.Subject), detail)
}

// shortName is a name as a confirmation screen shows it: at most 24 letters, so that the
// screen, a wrong-PIN line above it and the PIN prompt stay on one page (a PIN screen takes
// text: 98 there is a PIN, not More).
func shortName(s string) string {
	if r := []rune(s); len(r) > 24 {
		return string(r[:21]) + "..."
	}
	return s
}

// memberNamed reads a phone typed for another member of the session's group: its E.164
// form and the member's name. A number that is not an active member re-prompts.
// memberPhone is a screen asking an official for a member's phone (prompt), which keeps
// the member's number and name in the session and goes on to next.
func memberPhone(prompt, next string) node {
	return node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), prompt)}, nil },
		handle: func(c *call, in string) (string, error) {
			e164, name, ok, err := c.memberNamed(in)
			if err != nil || !ok {
				return "", err
			}
			c.s.set("phone", e164)
			c.s.set("name", name)
			return next, nil
		},
	}
}

func (c *call) memberNamed(in string) (e164, name string, ok bool, err error) {
	e164, err = phone.Normalize(in)
	if err != nil {
		c.s.Flash = t(c.lang(), "o.phone.bad")
		return "", "", false, nil
	}
	o, err := c.e.groups.PersonOverview(c.ctx, e164)
	if err != nil && !errors.Is(err, chama.ErrUnknownPerson) {
		return "", "", false, err
	}
	for _, g := range o.Groups {
		if g.Code == c.s.Group && g.Status == "active" {
			name = shortName(o.Name)
			if name == "" {
				name = phone.Local(e164)
			}
			return e164, name, true, nil
		}
	}
	c.s.Flash = t(c.lang(), "o.notmember")
	return "", "", false, nil
}

// inGroup reports whether a phone is already a member of the session's group, or invited.
func (c *call) inGroup(e164 string) (bool, error) {
	o, err := c.e.groups.PersonOverview(c.ctx, e164)
	if errors.Is(err, chama.ErrUnknownPerson) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, g := range o.Groups {
		if g.Code == c.s.Group {
			return true, nil
		}
	}
	return false, nil
}

func init() {
	nodes[nodeOfficials] = node{
		screen: func(c *call) (screen.Screen, error) {
			aps, err := c.e.groups.PendingApprovals(c.ctx, c.actor(), c.s.Group)
			if errors.Is(err, chama.ErrNotOfficial) {
				return screen.Screen{Body: []string{t(c.lang(), "only.officials")}, End: true}, nil
			}
			if err != nil {
				return screen.Screen{}, err
			}
			l := c.lang()
			return screen.Screen{Title: t(l, "o.title"), Options: []string{t(l, "m.approvals", len(aps)), t(l, "o.invite"),
				t(l, "o.welfare"), t(l, "o.contrib"), t(l, "o.shareout"), t(l, "o.cash"), t(l, "o.cashin"), t(l, "o.retry"), t(l, "o.pot")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			next := map[string]string{"1": nodeApprovals, "2": nodeInvitePhone, "3": nodeWelfarePhone, "4": nodeContribution,
				"5": nodeShareOut, "6": nodeCashPhone, "7": nodeCashInAmount, "8": nodeRetryList, "9": nodeShortPot}[in]
			if next == "" {
				return c.invalid("invalid")
			}
			return next, nil
		},
	}
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
			return c.done("voted", statusText(c.lang(), ap.Status))
		},
	}
}

// Inviting a member: phone, name, role, PIN.
func init() {
	nodes[nodeInvitePhone] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "o.inv.phone")}, nil },
		handle: func(c *call, in string) (string, error) {
			e164, err := phone.Normalize(in)
			if err != nil {
				return c.invalid("o.phone.bad")
			}
			switch already, err := c.inGroup(e164); {
			case err != nil:
				return "", err
			case already:
				return c.invalid("x.already")
			}
			c.s.set("phone", e164)
			return nodeInviteName, nil
		},
	}
	nodes[nodeInviteName] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "o.inv.name")}, nil },
		handle: func(c *call, in string) (string, error) {
			name := strings.Join(strings.Fields(in), " ")
			if name == "" || utf8.RuneCountInString(name) > 60 {
				return c.invalid("o.inv.name")
			}
			c.s.set("name", name)
			return nodeInviteRole, nil
		},
	}
	nodes[nodeInviteRole] = node{
		screen: func(c *call) (screen.Screen, error) {
			sc := screen.Screen{Title: t(c.lang(), "o.inv.role", shortName(c.s.Data["name"]))}
			for _, r := range inviteRoles {
				sc.Options = append(sc.Options, roleText(c.lang(), r))
			}
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			i, ok := choice(in, len(inviteRoles))
			if !ok {
				return c.invalid("invalid")
			}
			c.s.set("role", string(inviteRoles[i]))
			return nodeInvitePIN, nil
		},
	}
	nodes[nodeInvitePIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			l := c.lang()
			return screen.Screen{Body: []string{t(l, "o.inv.confirm", shortName(c.s.Data["name"]), phone.Local(c.s.Data["phone"]),
				strings.ToLower(roleText(l, chama.Role(c.s.Data["role"]))))}, Prompt: t(l, "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			role := chama.Role(c.s.Data["role"])
			if _, err := c.e.groups.Invite(c.ctx, c.actor(), c.s.Group, c.s.Data["phone"], c.s.Data["name"], role); err != nil {
				return c.refused(err)
			}
			return c.done("o.invited", shortName(c.s.Data["name"]), strings.ToLower(roleText(c.lang(), role)), c.e.code)
		},
	}
}

// A welfare grant: the member's phone, the amount (the fund's balance shown), the reason,
// PIN; the grant is paid once the officials approve.
func init() {
	nodes[nodeWelfarePhone] = memberPhone("o.wf.phone", nodeWelfareAmount)
	nodes[nodeWelfareAmount] = node{
		screen: func(c *call) (screen.Screen, error) {
			gp, err := c.e.groups.GroupStatement(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			return screen.Screen{Prompt: t(c.lang(), "o.wf.amount", chama.Shillings(gp.Welfare), c.s.Data["name"])}, nil
		},
		handle: func(c *call, in string) (string, error) {
			amount, ok := parseAmount(in)
			if !ok {
				return c.invalid("amount.bad")
			}
			c.s.set("amount", amount.String())
			return nodeWelfareReason, nil
		},
	}
	nodes[nodeWelfareReason] = node{
		screen: func(c *call) (screen.Screen, error) {
			sc := screen.Screen{Title: t(c.lang(), "o.wf.reason")}
			for _, r := range welfareReasons {
				sc.Options = append(sc.Options, reasonText(c.lang(), r))
			}
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			i, ok := choice(in, len(welfareReasons))
			if !ok {
				return c.invalid("invalid")
			}
			c.s.set("reason", welfareReasons[i])
			return nodeWelfarePIN, nil
		},
	}
	nodes[nodeWelfarePIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			return screen.Screen{Body: []string{t(c.lang(), "o.wf.confirm", chama.Shillings(amount), c.s.Data["name"],
				reasonText(c.lang(), c.s.Data["reason"]))}, Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			ap, err := c.e.groups.RequestWelfare(c.ctx, c.actor(), c.s.Group, c.s.Data["phone"], amount, c.s.Data["reason"])
			if err != nil {
				return c.refused(err)
			}
			return c.done("o.requested", ap.ID, ap.Quorum)
		},
	}
}

// A new contribution: the amount now shown, the new one typed, PIN; the constitution in
// force is proposed again with only the contribution changed, and takes effect from the
// next period once approved.
func init() {
	nodes[nodeContribution] = node{
		screen: func(c *call) (screen.Screen, error) {
			rc, _, err := c.e.groups.Rules(c.ctx, c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			per := frequencyText(c.lang(), rc.Frequency)
			return screen.Screen{Prompt: t(c.lang(), "o.ct.prompt", chama.Shillings(rc.Contribution), per, per)}, nil
		},
		handle: func(c *call, in string) (string, error) {
			amount, ok := parseAmount(in)
			if !ok {
				return c.invalid("amount.bad")
			}
			rc, _, err := c.e.groups.Rules(c.ctx, c.s.Group)
			if err != nil {
				return "", err
			}
			if amount.Equal(rc.Contribution) {
				return c.invalid("o.ct.same")
			}
			c.s.set("amount", amount.String())
			c.s.set("was", rc.Contribution.String())
			c.s.set("per", frequencyText(c.lang(), rc.Frequency))
			return nodeContributionPIN, nil
		},
	}
	nodes[nodeContributionPIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			was, _ := decimal.NewFromString(c.s.Data["was"])
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			return screen.Screen{Body: []string{t(c.lang(), "o.ct.confirm", chama.Shillings(amount), c.s.Data["per"], chama.Shillings(was))},
				Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			rc, _, err := c.e.groups.Rules(c.ctx, c.s.Group)
			if err != nil {
				return "", err
			}
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			rc.Contribution = amount
			ap, err := c.e.groups.ProposeRules(c.ctx, c.actor(), c.s.Group, rc)
			if err != nil {
				return c.refused(err)
			}
			return c.done("o.ct.sent", ap.ID, chama.Shillings(amount), c.s.Data["per"], ap.Quorum)
		},
	}
}

// The share-out: the preview, one line per member (name and what they would be paid),
// over as many pages as it takes; then the request, with the PIN.
func init() {
	nodes[nodeShareOut] = node{
		screen: func(c *call) (screen.Screen, error) {
			pv, err := c.e.groups.PreviewShareOut(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				if msg, ok := refusalText(c.lang(), err); ok {
					return screen.Screen{Body: []string{msg}, End: true}, nil
				}
				return screen.Screen{}, err
			}
			l := c.lang()
			if len(pv.Lines) == 0 {
				return screen.Screen{Body: []string{t(l, "o.so.none")}, End: true}, nil
			}
			sc := screen.Screen{Body: []string{t(l, "o.so.head", pv.Cycle, chama.Shillings(pv.Profit), chama.Shillings(pv.Fund))},
				Options: []string{t(l, "o.so.request")}}
			paid := decimal.Zero
			for _, line := range pv.Lines {
				name := line.Name
				if name == "" {
					name = phone.Local(line.Phone)
				}
				sc.Body = append(sc.Body, t(l, "o.so.line", name, chama.Shillings(line.Net)))
				paid = paid.Add(line.Net)
			}
			c.s.set("fund", paid.String())
			c.s.set("members", strconv.Itoa(len(pv.Lines)))
			c.s.set("cycle", strconv.Itoa(pv.Cycle))
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" || c.s.Data["cycle"] == "" {
				return c.invalid("invalid")
			}
			return nodeShareOutPIN, nil
		},
	}
	nodes[nodeShareOutPIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			fund, _ := decimal.NewFromString(c.s.Data["fund"])
			members, _ := strconv.Atoi(c.s.Data["members"])
			cycle, _ := strconv.Atoi(c.s.Data["cycle"])
			return screen.Screen{Body: []string{t(c.lang(), "o.so.confirm", chama.Shillings(fund), members, cycle)},
				Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			ap, err := c.e.groups.RequestShareOut(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return c.refused(err)
			}
			return c.done("o.requested", ap.ID, ap.Quorum)
		},
	}
}

// A cash contribution: the member's phone, the amount they handed over, PIN. It is
// credited once a second official confirms it from their approvals, and the member gets
// an SMS naming who holds the cash.
func init() {
	nodes[nodeCashPhone] = memberPhone("o.cash.phone", nodeCashAmount)
	nodes[nodeCashAmount] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Prompt: t(c.lang(), "o.cash.amount", c.s.Data["name"])}, nil
		},
		handle: func(c *call, in string) (string, error) {
			amount, err := decimal.NewFromString(strings.ReplaceAll(strings.TrimSpace(in), ",", ""))
			if err != nil || !amount.IsPositive() || !amount.Equal(amount.Truncate(0)) || amount.GreaterThan(decimal.NewFromInt(100_000)) {
				return c.invalid("o.cash.bad")
			}
			c.s.set("amount", amount.String())
			return nodeCashPIN, nil
		},
	}
	nodes[nodeCashPIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			return screen.Screen{Body: []string{t(c.lang(), "o.cash.confirm", chama.Shillings(amount), c.s.Data["name"])},
				Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			ap, err := c.e.groups.RecordCash(c.ctx, c.actor(), in, c.s.Group, c.s.Data["phone"], amount)
			if errors.Is(err, chama.ErrWrongPIN) || errors.Is(err, chama.ErrPINLocked) {
				return c.refused(err)
			}
			if err != nil {
				return c.refused(err)
			}
			return c.done("o.cash.recorded", ap.ID, c.s.Data["name"])
		},
	}
}

// Paying in the cash an official holds from meetings: what they hold is shown and offered
// (1), an amount, PIN, then an M-Pesa prompt; settlement moves it from their hand to the
// group's cash at Kikundi.
func init() {
	nodes[nodeCashInAmount] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			held, err := c.e.groups.CashInHand(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			if !held.IsPositive() {
				return screen.Screen{Body: []string{t(c.lang(), "o.cashin.none")}, End: true}, nil
			}
			c.s.set("held", held.Ceil().String())
			return screen.Screen{Prompt: t(c.lang(), "o.cashin.amount", chama.Shillings(held))}, nil
		},
		handle: takeAmountOr("held", nodeCashInPIN),
	}
	nodes[nodeCashInPIN] = collectPIN("o.cashin.confirm", chama.ForCashDeposit)
}
