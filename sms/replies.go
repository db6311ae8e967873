package sms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/sms/command"
)

// What each command is answered with. Reads (balance, statement, rules, the books'
// fingerprint, and for officials the members and arrears) are answered from chama at
// once. Nothing that moves money or approves anything is done on an SMS alone: anyone
// holding an unlocked phone could send one, so the reply gives the USSD shortcut where
// the member's PIN confirms it. The shortcuts follow the USSD menus (ussd/member.go,
// ussd/loans.go, ussd/officials.go), keyed after the code (*384*12#):
//
//	[g*]1*AMOUNT    contribute AMOUNT: the next screen asks for the PIN
//	[g*]3*1*AMOUNT  Loans → request a loan of AMOUNT: the menu then asks the term,
//	                shows the terms and asks for the PIN
//	[g*]3*2*AMOUNT  Loans → repay AMOUNT, then the PIN
//	[g*]5           the full statement
//	[g*]8           the officials' menu (cash, payouts, invitations, removals, reminders)
//
// g is the group's place in the USSD home list, left out when the member has one group
// and no invitation (home then opens the group's menu directly); it is right as long as
// their memberships do not change between the SMS and the dial, and the PIN screen
// names the group either way. An amount of 1 is left out of a shortcut: on the amount
// screens "1" means "what is due".

// vars are a reply's template vars.
type vars = map[string]string

// conversation is one inbound message being answered.
type conversation struct {
	in    *Inbox
	ctx   context.Context
	phone string // E.164
	ref   string // the aggregator's id of the message
	lang  string
	who   chama.Overview
}

func (c *conversation) actor() chama.Actor { return chama.Actor{Phone: c.phone, Channel: chama.SMS} }

// say is the reply of kind with v, in the sender's language, carrying the inbound id so
// that the outbox stores one reply per inbound message.
func (c *conversation) say(kind string, v vars) chama.Notice {
	if v == nil {
		v = vars{}
	}
	v["ref"] = c.ref
	return chama.Notice{Phone: c.phone, Lang: c.lang, Kind: kind, Vars: v}
}

// answer works out the reply to one parsed message (cmd, or perr when it did not parse)
// from phone (E.164). An error is a failure to read or write, not a refusal: refusals are
// replies.
func (in *Inbox) answer(ctx context.Context, phone, ref string, cmd command.Command, perr error) (chama.Notice, error) {
	c := &conversation{in: in, ctx: ctx, phone: phone, ref: ref, lang: "sw"}
	who, err := in.groups.PersonOverview(ctx, phone)
	known := err == nil
	if err != nil && !errors.Is(err, chama.ErrUnknownPerson) {
		return chama.Notice{}, fmt.Errorf("sms: who is the sender: %w", err)
	}
	if known {
		c.who = who
		if who.Lang == "en" {
			c.lang = "en"
		}
	}
	// STOP works for anyone, registered or not: it is the opt-out the aggregators and the
	// regulator expect to always work.
	if perr == nil && cmd.Verb == command.Stop {
		if err := in.optOut(ctx, phone, "stop"); err != nil {
			return chama.Notice{}, err
		}
		return c.say("reply.stop", nil), nil
	}
	if !known || !who.Consented {
		return c.say("reply.join_us", vars{"dial": in.ussd}), nil
	}
	if perr != nil {
		return c.misunderstood(perr), nil
	}
	switch cmd.Verb {
	case command.Help:
		return c.help(cmd.Topic), nil
	case command.Language:
		if err := in.groups.SetLanguage(ctx, c.actor(), cmd.Lang); err != nil {
			return chama.Notice{}, fmt.Errorf("sms: set language: %w", err)
		}
		c.lang = cmd.Lang
		return c.say("reply.language", nil), nil
	case command.Join:
		return c.join(cmd.Group)
	}
	g, refusal := c.group(cmd)
	if refusal != nil {
		return *refusal, nil
	}
	if officialsOnly(cmd.Verb) && !g.Role.Official() {
		return c.say("reply.officials_only", vars{"group": g.Code, "keyword": cmd.Verb.Keyword(c.lang),
			"help": command.Help.Keyword(c.lang)}), nil
	}
	n, err := c.run(cmd, g)
	if errors.Is(err, chama.ErrNotMember) { // left the group since the overview was read
		return c.say("reply.not_member", vars{"group": g.Code, "join": "", "groups": ""}), nil
	}
	return n, err
}

// officialsOnly are the commands only a group's chair, treasurer or secretary may give.
func officialsOnly(v command.Verb) bool {
	switch v {
	case command.Members, command.Arrears, command.Add, command.Remove, command.Invite, command.Remind,
		command.Cash, command.Payout:
		return true
	}
	return false
}

// run answers a command about group g, which the sender may give.
func (c *conversation) run(cmd command.Command, g chama.GroupRef) (chama.Notice, error) {
	code, lang := g.Code, c.lang
	switch cmd.Verb {
	case command.Balance:
		b, err := c.in.groups.MemberBalances(c.ctx, c.phone, code)
		if err != nil {
			return chama.Notice{}, err
		}
		return c.say("reply.balance", vars{"group": code, "savings": b.Savings.StringFixed(2), "free": b.Free.StringFixed(2),
			"borrowed": b.Loan.StringFixed(2), "fines": b.Fines.StringFixed(2), "arrears": b.Arrears.StringFixed(2)}), nil
	case command.Statement:
		lines, err := c.in.groups.Statement(c.ctx, c.actor(), code, 0, 3)
		if err != nil {
			return chama.Notice{}, err
		}
		if len(lines) == 0 {
			return c.say("reply.statement_empty", vars{"group": code}), nil
		}
		v := vars{"group": code, "l1": "", "l2": "", "l3": "", "dial": c.shortcut(code, "5")}
		for i, l := range lines[:min(len(lines), 3)] {
			v["l"+strconv.Itoa(i+1)] = chama.LineText(l, lang)
		}
		return c.say("reply.statement", v), nil
	case command.Contribute:
		return c.say("reply.contribute", vars{"group": code, "amount": strconv.FormatInt(cmd.Amount, 10),
			"dial": c.shortcut(code, withAmount([]string{"1"}, cmd.Amount)...)}), nil
	case command.Loan:
		months := ""
		if cmd.Months > 0 {
			months = strconv.Itoa(cmd.Months)
		}
		return c.say("reply.loan", vars{"group": code, "amount": strconv.FormatInt(cmd.Amount, 10), "months": months,
			"dial": c.shortcut(code, "3", "1", strconv.FormatInt(cmd.Amount, 10))}), nil
	case command.Repay:
		return c.say("reply.repay", vars{"group": code, "amount": strconv.FormatInt(cmd.Amount, 10),
			"dial": c.shortcut(code, withAmount([]string{"3", "2"}, cmd.Amount)...)}), nil
	case command.Add, command.Invite:
		return c.add(cmd, code), nil
	case command.Remove:
		return c.remove(cmd, code)
	case command.Remind:
		return c.remind(cmd, code)
	case command.Cash:
		return c.cash(cmd, code), nil
	case command.Payout:
		return c.payout(cmd, code), nil
	case command.Members:
		people, err := c.in.activeMembers(c.ctx, code)
		if err != nil {
			return chama.Notice{}, err
		}
		labels := make([]string, len(people))
		for i, p := range people {
			labels[i] = listItem(p.label())
		}
		names, more := fitList(labels, namesBudget)
		return c.say("reply.members", vars{"group": code, "count": strconv.Itoa(len(people)), "names": names,
			"more": countOrEmpty(more)}), nil
	case command.Arrears:
		people, err := c.in.arrears(c.ctx, code, c.in.now())
		if err != nil {
			return chama.Notice{}, err
		}
		if len(people) == 0 {
			return c.say("reply.arrears_none", vars{"group": code}), nil
		}
		labels := make([]string, len(people))
		total := decimal.Zero
		for i, p := range people {
			labels[i] = listItem(p.label()) + " " + chama.Shillings(p.Owed)
			total = total.Add(p.Owed)
		}
		names, more := fitList(labels, namesBudget)
		return c.say("reply.arrears", vars{"group": code, "count": strconv.Itoa(len(people)), "total": total.StringFixed(2),
			"names": names, "more": countOrEmpty(more)}), nil
	case command.Rules:
		r, _, err := c.in.groups.Rules(c.ctx, code)
		if err != nil {
			return chama.Notice{}, err
		}
		fine := ""
		if r.Fine.Amount.IsPositive() {
			fine = r.Fine.Amount.StringFixed(2)
			if r.Fine.Basis == rules.FinePercent {
				fine = r.Fine.Amount.String()
			}
		}
		return c.say("reply.rules", vars{"group": code, "contribution": r.Contribution.StringFixed(2),
			"frequency": string(r.Frequency), "dueday": strconv.Itoa(r.DueDay), "fine": fine, "finebasis": string(r.Fine.Basis),
			"recurrence": string(r.Fine.Recurrence), "grace": strconv.Itoa(r.GraceDays), "multiple": r.LoanMultiple.String(),
			"rate": r.MonthlyRate.Shift(2).String(), "term": strconv.Itoa(r.MaxTermMonths)}), nil
	case command.Verify:
		gp, err := c.in.groups.GroupStatement(c.ctx, c.actor(), code)
		if err != nil {
			return chama.Notice{}, err
		}
		return c.say("reply.verify", vars{"group": code, "fingerprint": gp.Fingerprint}), nil
	}
	return chama.Notice{}, fmt.Errorf("sms: no answer for command %q", cmd.Verb)
}

// withAmount appends amount to a shortcut's inputs, except 1 (see the package comment).
func withAmount(inputs []string, amount int64) []string {
	if amount > 1 {
		return append(inputs, strconv.FormatInt(amount, 10))
	}
	return inputs
}

// countOrEmpty is n as a template var, "" for none (so {{with}} leaves it out).
func countOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// group is the group a command is about: the code it names, else the sender's only active
// group. Otherwise refusal is the reply that says why not.
func (c *conversation) group(cmd command.Command) (g chama.GroupRef, refusal *chama.Notice) {
	var active []chama.GroupRef
	var codes []string
	invited := ""
	for _, ref := range c.who.Groups {
		switch ref.Status {
		case "active":
			active = append(active, ref)
			codes = append(codes, ref.Code)
		case "invited":
			if invited == "" || strings.EqualFold(ref.Code, cmd.Group) {
				invited = ref.Code
			}
		}
	}
	join := ""
	if invited != "" {
		join = command.Join.Keyword(c.lang) + " " + invited
	}
	if cmd.Group != "" {
		for _, ref := range active {
			if strings.EqualFold(ref.Code, cmd.Group) {
				return ref, nil
			}
		}
		if !strings.EqualFold(invited, cmd.Group) {
			join = ""
		}
		groups, _ := fitCodes(codes)
		n := c.say("reply.not_member", vars{"group": cmd.Group, "join": join, "groups": groups})
		return chama.GroupRef{}, &n
	}
	switch len(active) {
	case 1:
		return active[0], nil
	case 0:
		n := c.say("reply.no_group", vars{"join": join, "dial": c.in.ussd})
		return chama.GroupRef{}, &n
	}
	groups, _ := fitCodes(codes)
	n := c.say("reply.which_group", vars{"count": strconv.Itoa(len(active)), "groups": groups,
		"example": active[0].Code + " " + cmd.Verb.Example(c.lang)})
	return chama.GroupRef{}, &n
}

// fitCodes joins group codes within their budget, "+k" standing for those left out.
func fitCodes(codes []string) (string, int) {
	s, more := fitList(codes, groupsBudget) // codes are 3-12 letters and digits
	if more > 0 {
		s += " +" + strconv.Itoa(more)
	}
	return s, more
}

// listItem is a name as a list shows it: spelled in GSM-7 and cut to maxName.
func listItem(s string) string { return truncate(strings.TrimSpace(clean(s)), maxName) }

// fitList joins items (each already a listItem, or as short) with ", " in at most budget
// septets. When they do not all fit it keeps the whole items that fit in budget less 8,
// room for the "+k" that says how many it left out.
func fitList(items []string, budget int) (joined string, more int) {
	if all := strings.Join(items, ", "); septetLen(all) <= budget {
		return all, 0
	}
	var b strings.Builder
	n := 0
	for _, it := range items {
		next := it
		if n > 0 {
			next = ", " + it
		}
		if septetLen(b.String())+septetLen(next) > budget-8 {
			break
		}
		b.WriteString(next)
		n++
	}
	return b.String(), len(items) - n
}

// shortcut is the USSD code followed by the path to code's menu and then inputs.
func (c *conversation) shortcut(code string, inputs ...string) string {
	path := c.menuPath(code)
	return strings.TrimSuffix(c.in.ussd, "#") + "*" + strings.Join(append(path, inputs...), "*") + "#"
}

// menuPath is what to key after the USSD code to open group code's menu: nothing when it
// is the member's one group and they have no invitation, since USSD home then opens it
// directly; else its place in the home list, which lists the groups and invitations in
// chama.PersonOverview's order (ussd/member.go, homeItems).
func (c *conversation) menuPath(code string) []string {
	gs := c.who.Groups
	if len(gs) == 1 && gs[0].Status == "active" {
		return nil
	}
	for i, g := range gs {
		if g.Code == code {
			return []string{strconv.Itoa(i + 1)}
		}
	}
	return nil
}

// misunderstood answers a message that did not parse: the closest command and its
// example, or the example of the command whose details were wrong.
func (c *conversation) misunderstood(perr error) chama.Notice {
	help := command.Help.Keyword(c.lang)
	var unknown *command.UnknownError
	var args *command.ArgumentError
	switch {
	case errors.As(perr, &args):
		return c.say("reply.bad_args", vars{"keyword": args.Verb.Keyword(c.lang), "problem": args.Problem,
			"example": args.Verb.Example(c.lang)})
	case errors.As(perr, &unknown) && unknown.Suggestion != "":
		return c.say("reply.unknown", vars{"keyword": unknown.Suggestion.Keyword(c.lang),
			"example": unknown.Suggestion.Example(c.lang), "help": help})
	}
	return c.say("reply.unknown", vars{"keyword": "", "example": "", "help": help})
}

// memberCommands and officialCommands are what the general help lists, in this order.
var (
	memberCommands = []command.Verb{command.Balance, command.Statement, command.Contribute, command.Loan,
		command.Repay, command.Rules, command.Verify, command.Language, command.Stop}
	officialCommands = []command.Verb{command.Members, command.Arrears, command.Add, command.Remove, command.Remind, command.Cash}
)

// help is the list of commands (the officials' too for an official of any group), or
// what one command does.
func (c *conversation) help(topic command.Verb) chama.Notice {
	topicExample := command.Help.Keyword(c.lang) + " " + command.Loan.Keyword(c.lang)
	if topic != "" {
		return c.say(helpKind(topic), vars{"keyword": topic.Keyword(c.lang), "example": topic.Example(c.lang),
			"topic": topicExample})
	}
	examples := func(vs []command.Verb) string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.Example(c.lang)
		}
		return strings.Join(out, ", ")
	}
	keywords := func(vs []command.Verb) string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.Keyword(c.lang)
		}
		return strings.Join(out, ", ")
	}
	officials := ""
	for _, g := range c.who.Groups {
		if g.Status == "active" && g.Role.Official() {
			officials = keywords(officialCommands)
		}
	}
	return c.say("reply.help", vars{"commands": examples(memberCommands), "officials": officials,
		"topic": topicExample, "dial": c.in.ussd})
}

// join accepts the sender's invitation to group code.
func (c *conversation) join(code string) (chama.Notice, error) {
	help := command.Help.Keyword(c.lang)
	for _, g := range c.who.Groups {
		if !strings.EqualFold(g.Code, code) {
			continue
		}
		if g.Status == "active" {
			return c.say("reply.already_member", vars{"group": g.Code, "help": help}), nil
		}
		_, err := c.in.groups.Accept(c.ctx, c.actor(), g.Code)
		switch {
		case errors.Is(err, chama.ErrNotInvited), errors.Is(err, chama.ErrUnknownGroup):
		case err != nil:
			return chama.Notice{}, fmt.Errorf("sms: accept invitation: %w", err)
		default:
			return c.say("reply.joined", vars{"group": g.Code, "name": g.Name, "help": help, "dial": c.in.ussd}), nil
		}
	}
	return c.say("reply.not_invited", vars{"group": code}), nil
}
