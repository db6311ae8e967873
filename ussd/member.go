package ussd

import (
	"errors"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ussd/screen"
)

// Home lists the member's groups (straight into the group's menu when there is only one),
// invitations waiting, creating a group, and help.

// homeItem is one line of the home menu and what choosing it does.
type homeItem struct {
	label, action, code string
}

func (c *call) homeItems() ([]homeItem, error) {
	var items []homeItem
	for _, m := range c.s.Groups {
		switch m.Status {
		case "active":
			items = append(items, homeItem{label: m.Name, action: "group", code: m.Code})
		case "invited":
			items = append(items, homeItem{label: t(c.lang(), "invite.accept", m.Name), action: "join", code: m.Code},
				homeItem{label: t(c.lang(), "invite.decline", m.Name), action: "decline", code: m.Code})
		}
	}
	items = append(items, homeItem{label: t(c.lang(), "create.group"), action: "create"}, homeItem{label: t(c.lang(), "help"), action: "help"})
	return items, nil
}

// official reports whether the member holds an office in the session's group.
func (c *call) official() bool {
	for _, g := range c.s.Groups {
		if g.Code == c.s.Group && g.Status == "active" {
			return g.Role.Official()
		}
	}
	return false
}

// soleGroup is the member's only group when they have exactly one and no invitation.
func soleGroup(items []homeItem) string {
	if len(items) == 3 && items[0].action == "group" {
		return items[0].code
	}
	return ""
}

func init() {
	nodes[nodeHome] = node{
		screen: func(c *call) (screen.Screen, error) {
			items, err := c.homeItems()
			if err != nil {
				return screen.Screen{}, err
			}
			if code := soleGroup(items); code != "" {
				c.s.Group = code
				return groupMenu(c)
			}
			sc := screen.Screen{Title: t(c.lang(), "choose.group")}
			if len(items) == 2 {
				sc.Title = t(c.lang(), "no.groups")
			}
			for _, it := range items {
				sc.Options = append(sc.Options, it.label)
			}
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			items, err := c.homeItems()
			if err != nil {
				return "", err
			}
			if code := soleGroup(items); code != "" {
				c.s.Group = code
				return groupChoice(c, in)
			}
			i, ok := choice(in, len(items))
			if !ok {
				return c.invalid("invalid")
			}
			it := items[i]
			switch it.action {
			case "group":
				c.s.Group = it.code
				return nodeGroup, nil
			case "join":
				if _, err := c.e.groups.Accept(c.ctx, c.actor(), it.code); err != nil {
					return c.refused(err)
				}
				if err := c.refreshGroups(); err != nil {
					return "", err
				}
				c.s.Group = it.code
				c.s.Flash = t(c.lang(), "joined", it.code)
				return nodeGroup, nil
			case "decline":
				c.s.Group = it.code
				return nodeDecline, nil
			case "create":
				return nodeCreateCode, nil
			}
			return nodeHelp, nil
		},
	}
	nodes[nodeGroup] = node{screen: groupMenu, handle: groupChoice}
}

// groupOption is one entry of a group's menu.
type groupOption struct {
	label string
	next  string
}

// groupOptions is the group's menu; counted is set when it is drawn (the officials'
// entry then shows how many requests wait), not when a choice is read.
func (c *call) groupOptions(counted bool) ([]groupOption, error) {
	l := c.lang()
	opts := []groupOption{
		{t(l, "m.contribute"), nodeAmount}, {t(l, "m.balance"), nodeBalance}, {t(l, "m.loans"), nodeLoans},
		{t(l, "m.peer"), nodePeer}, {t(l, "m.statement"), nodeStatement}, {t(l, "m.group"), nodeGroupInfo},
		{t(l, "m.settings"), nodeSettings},
	}
	if c.official() {
		n := 0
		if counted {
			var err error
			if n, err = c.e.groups.PendingCount(c.ctx, c.s.Phone, c.s.Group); err != nil {
				return nil, err
			}
		}
		opts = append(opts, groupOption{t(l, "m.officials", n), nodeOfficials})
	}
	return opts, nil
}

func groupMenu(c *call) (screen.Screen, error) {
	opts, err := c.groupOptions(true)
	if err != nil {
		return screen.Screen{}, err
	}
	sc := screen.Screen{Title: t(c.lang(), "menu", c.s.Group)}
	for _, o := range opts {
		sc.Options = append(sc.Options, o.label)
	}
	return sc, nil
}

func groupChoice(c *call, in string) (string, error) {
	opts, err := c.groupOptions(false)
	if err != nil {
		return "", err
	}
	i, ok := choice(in, len(opts))
	if !ok {
		return c.invalid("invalid")
	}
	return opts[i].next, nil
}

// parseAmount reads whole shillings, 10 to 250,000 (M-Pesa's limits).
func parseAmount(in string) (decimal.Decimal, bool) {
	d, err := decimal.NewFromString(strings.ReplaceAll(strings.TrimSpace(in), ",", ""))
	if err != nil || !d.Equal(d.Truncate(0)) || d.LessThan(decimal.NewFromInt(10)) || d.GreaterThan(decimal.NewFromInt(250000)) {
		return decimal.Zero, false
	}
	return d, true
}

func init() {
	nodes[nodeAmount] = node{
		screen: func(c *call) (screen.Screen, error) {
			due, err := c.e.groups.Due(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			c.s.set("due", due.StringFixed(0))
			if due.IsPositive() {
				return screen.Screen{Prompt: t(c.lang(), "amount.due", chama.Shillings(due))}, nil
			}
			return screen.Screen{Prompt: t(c.lang(), "amount")}, nil
		},
		handle: takeAmountOr("due", nodePayPIN),
	}
	nodes[nodePayPIN] = collectPIN("confirm.pay", chama.ForContribution)
	nodes[nodeBalance] = node{
		screen: func(c *call) (screen.Screen, error) {
			b, err := c.e.groups.MemberBalances(c.ctx, c.s.Phone, c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			body := t(c.lang(), "balance", c.s.Group, chama.Shillings(b.Savings), chama.Shillings(b.Free),
				chama.Shillings(b.Arrears), chama.Shillings(b.Fines), chama.Shillings(b.Loan))
			return screen.Screen{Body: strings.Split(body, "\n"), Options: []string{t(c.lang(), "withdraw")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			return nodeWithdrawAmount, nil
		},
	}
	nodes[nodeStatement] = node{
		screen: func(c *call) (screen.Screen, error) {
			lines, err := c.e.groups.Statement(c.ctx, c.actor(), c.s.Group, 0, 5)
			if err != nil {
				return screen.Screen{}, err
			}
			if len(lines) == 0 {
				return screen.Screen{Body: []string{t(c.lang(), "statement.none")}, End: true}, nil
			}
			sc := screen.Screen{Options: []string{t(c.lang(), "statement.sms")}}
			for _, l := range lines {
				sc.Body = append(sc.Body, chama.LineText(l, c.lang()))
			}
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			n, err := c.e.groups.SendStatement(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return c.refused(err)
			}
			return c.done("statement.sent", n)
		},
	}
	nodes[nodeGroupInfo] = node{
		screen: func(c *call) (screen.Screen, error) {
			gp, err := c.e.groups.GroupStatement(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			body := t(c.lang(), "group.info", c.s.Group, gp.Members, chama.Shillings(gp.Cash), chama.Shillings(gp.LoansOut),
				chama.Shillings(gp.Savings), chama.Shillings(gp.Welfare), gp.Fingerprint)
			lines := strings.Split(body, "\n")
			if gp.CashInHand.IsPositive() { // recorded at meetings, not yet paid in: say who has it
				lines = slices.Insert(lines, 2, t(c.lang(), "group.inhand", chama.Shillings(gp.CashInHand)))
			}
			return screen.Screen{Body: lines, Options: []string{t(c.lang(), "group.members")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			return nodeMembers, nil
		},
	}
	nodes[nodeCreateCode] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Prompt: t(c.lang(), "group.code")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			code := strings.ToUpper(strings.TrimSpace(in))
			if _, err := c.e.groups.GroupByCode(c.ctx, code); err == nil || len(code) < 3 || len(code) > 12 {
				return c.invalid("code.bad")
			}
			c.s.set("code", code)
			return nodeCreateName, nil
		},
	}
	nodes[nodeCreateName] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Prompt: t(c.lang(), "group.name")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			name := strings.Join(strings.Fields(in), " ")
			g, err := c.e.groups.CreateGroup(c.ctx, c.actor(), chama.NewGroup{Code: c.s.Data["code"], Name: name, Rules: rules.Default()})
			if err != nil {
				if errors.Is(err, chama.ErrInvalidGroup) || errors.Is(err, chama.ErrGroupCodeTaken) {
					c.s.Route = c.s.Route[:len(c.s.Route)-1]
					return c.invalid("code.bad")
				}
				return c.refused(err)
			}
			c.s.Group = g.Code
			if err := c.refreshGroups(); err != nil {
				return "", err
			}
			return c.done("group.created", g.Code, g.Code)
		},
	}
}

// collectPIN is the last step of paying in by M-Pesa: the amount in the flow's data
// confirmed (confirm: a text taking the amount and the group) with the PIN, then an
// M-Pesa prompt on the member's phone for purpose.
func collectPIN(confirm, purpose string) node {
	return node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			return screen.Screen{Body: []string{t(c.lang(), confirm, chama.Shillings(amount), c.s.Group)}, Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			if c.e.payments == nil {
				return c.done("error")
			}
			if err := c.e.payments.Collect(c.ctx, c.s.Group, c.s.Phone, amount, purpose, 0); err != nil {
				c.e.log.ErrorContext(c.ctx, "M-Pesa prompt not started", "purpose", purpose, "group", c.s.Group, "err", err)
				return c.done("error")
			}
			return c.done("pay.coming", chama.Shillings(amount))
		},
	}
}
