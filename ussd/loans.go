package ussd

import (
	"errors"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ussd/screen"
)

// Loans: request one with full disclosure before accepting (CBK's Digital Credit rules:
// total cost of credit, interest, fees, every due date), name guarantors, repay, see one's
// loans, and answer the guarantee requests waiting for one.

const (
	nodeLoans          = "loans"
	nodeLoanAmount     = "loan-amount"
	nodeLoanTerm       = "loan-term"
	nodeLoanDisclosure = "loan-disclosure"
	nodeLoanGuarantor  = "loan-guarantor"
	nodeLoanPIN        = "loan-pin"
	nodeMyLoans        = "my-loans"
	nodeRepayAmount    = "repay-amount"
	nodeRepayPIN       = "repay-pin"
	nodeGuarantees     = "guarantees"
	nodeGuarantee      = "guarantee"
	nodeGuaranteePIN   = "guarantee-pin"
)

func init() {
	nodes[nodeLoans] = node{
		screen: func(c *call) (screen.Screen, error) {
			reqs, err := c.e.groups.GuaranteeRequests(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			l := c.lang()
			return screen.Screen{Title: t(l, "m.loans"), Options: []string{t(l, "l.request"), t(l, "l.repay"), t(l, "l.mine"),
				t(l, "l.guarantees", len(reqs)), t(l, "l.score")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			next := map[string]string{"1": nodeLoanAmount, "2": nodeRepayAmount, "3": nodeMyLoans, "4": nodeGuarantees, "5": nodeScore}[in]
			if next == "" {
				return c.invalid("invalid")
			}
			return next, nil
		},
	}
	nodes[nodeLoanAmount] = node{
		screen: func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "l.amount")}, nil },
		handle: takeAmount(nodeLoanTerm),
	}
	nodes[nodeLoanTerm] = node{
		screen: termScreen,
		handle: func(c *call, in string) (string, error) {
			term, ok, err := c.readTerm(in)
			if err != nil || !ok {
				return "", err
			}
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			loan, disc, err := c.e.groups.RequestLoan(c.ctx, c.actor(), c.s.Group, amount, term)
			var over *chama.OverLimitError
			switch {
			case errors.As(err, &over):
				return c.done("l.overlimit", chama.Shillings(over.Limit))
			case errors.Is(err, chama.ErrInArrears):
				return c.done("l.inarrears")
			case errors.Is(err, chama.ErrActiveLoan):
				return c.done("l.active")
			case err != nil:
				return c.refused(err)
			}
			rc, _, err := c.e.groups.Rules(c.ctx, c.s.Group)
			if err != nil {
				return "", err
			}
			c.s.set("loan", strconv.FormatInt(loan.ID, 10))
			c.s.set("disclosure", disclosureText(c.lang(), disc))
			c.s.set("guarantors", strconv.Itoa(rc.Guarantors))
			c.s.set("named", "")
			return nodeLoanDisclosure, nil
		},
	}
	nodes[nodeLoanDisclosure] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: strings.Split(c.s.Data["disclosure"], "\n"),
				Options: []string{t(c.lang(), "l.accept"), t(c.lang(), "l.decline")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			switch in {
			case "1":
				if c.s.Data["guarantors"] != "0" {
					return nodeLoanGuarantor, nil
				}
				return nodeLoanPIN, nil
			case "2":
				id, _ := strconv.ParseInt(c.s.Data["loan"], 10, 64)
				if err := c.e.groups.CancelLoan(c.ctx, c.actor(), id); err != nil {
					return c.refused(err)
				}
				return c.done("l.cancelled")
			}
			return c.invalid("invalid")
		},
	}
	nodes[nodeLoanGuarantor] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			need, _ := strconv.Atoi(c.s.Data["guarantors"])
			have := len(splitNamed(c.s.Data["named"]))
			return screen.Screen{Prompt: t(c.lang(), "l.guarantor", have+1, need)}, nil
		},
		handle: func(c *call, in string) (string, error) {
			named := append(splitNamed(c.s.Data["named"]), strings.TrimSpace(in))
			c.s.set("named", strings.Join(named, ","))
			need, _ := strconv.Atoi(c.s.Data["guarantors"])
			if len(named) < need {
				return "", nil // the same screen asks for the next one
			}
			return nodeLoanPIN, nil
		},
	}
	nodes[nodeLoanPIN] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "pin.enter")}, nil },
		handle: func(c *call, in string) (string, error) {
			id, _ := strconv.ParseInt(c.s.Data["loan"], 10, 64)
			named := splitNamed(c.s.Data["named"])
			if _, err := c.e.groups.AcceptLoan(c.ctx, c.actor(), id, in, named); err != nil {
				if key := guarantorProblem(err); key != "" {
					c.s.set("named", "") // name them again
					c.s.Route = c.s.Route[:len(c.s.Route)-1]
					c.s.Flash = t(c.lang(), key)
					if c.lang() == "en" {
						c.s.Flash = sentence(err) // it names the number
					}
					return nodeLoanGuarantor, nil
				}
				return c.refused(err)
			}
			if len(named) > 0 {
				return c.done("l.sent", id)
			}
			return c.done("l.sent.noguar", id)
		},
	}
	nodes[nodeMyLoans] = node{
		screen: func(c *call) (screen.Screen, error) {
			loans, err := c.e.groups.MyLoans(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			sc := screen.Screen{End: true}
			for _, l := range loans {
				sc.Body = append(sc.Body, t(c.lang(), "l.line", l.ID, chama.Shillings(l.Principal), l.Status, chama.Shillings(l.Outstanding)))
			}
			if len(loans) == 0 {
				sc.Body = []string{t(c.lang(), "l.none")}
			}
			return sc, nil
		},
		handle: func(*call, string) (string, error) { return "", nil },
	}
	nodes[nodeRepayAmount] = node{
		screen: func(c *call) (screen.Screen, error) {
			loans, err := c.e.groups.MyLoans(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			for _, l := range loans {
				if l.Status == chama.LoanActive || l.Status == chama.LoanDefaulted {
					c.s.set("loan", strconv.FormatInt(l.ID, 10))
					c.s.set("due", l.Outstanding.Ceil().String())
					return screen.Screen{Prompt: t(c.lang(), "amount.due", chama.Shillings(l.Outstanding))}, nil
				}
			}
			return screen.Screen{Body: []string{t(c.lang(), "l.none")}, End: true}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if c.s.Data["loan"] == "" {
				return "", nil
			}
			if in == "1" {
				in = c.s.Data["due"]
			}
			amount, ok := parseAmount(in)
			if !ok {
				return c.invalid("amount.bad")
			}
			c.s.set("amount", amount.String())
			return nodeRepayPIN, nil
		},
	}
	nodes[nodeRepayPIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			id, _ := strconv.Atoi(c.s.Data["loan"])
			return screen.Screen{Body: []string{t(c.lang(), "r.confirm", chama.Shillings(amount), id)}, Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			id, _ := strconv.ParseInt(c.s.Data["loan"], 10, 64)
			if c.e.payments == nil || c.e.payments.Collect(c.ctx, c.s.Group, c.s.Phone, amount, chama.ForRepayment, id) != nil {
				return c.done("error")
			}
			return c.done("pay.coming", chama.Shillings(amount))
		},
	}
	nodes[nodeGuarantees] = node{
		screen: func(c *call) (screen.Screen, error) {
			reqs, err := c.e.groups.GuaranteeRequests(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			if len(reqs) == 0 {
				return screen.Screen{Body: []string{t(c.lang(), "g.none")}, End: true}, nil
			}
			sc := screen.Screen{}
			for _, r := range reqs {
				sc.Options = append(sc.Options, t(c.lang(), "g.line", r.LoanID, r.Borrower, chama.Shillings(r.Amount), chama.Shillings(r.Principal)))
			}
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			reqs, err := c.e.groups.GuaranteeRequests(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return "", err
			}
			i, ok := choice(in, len(reqs))
			if !ok {
				return c.invalid("invalid")
			}
			r := reqs[i]
			c.s.set("loan", strconv.FormatInt(r.LoanID, 10))
			c.s.set("g.line", t(c.lang(), "g.line", r.LoanID, r.Borrower, chama.Shillings(r.Amount), chama.Shillings(r.Principal)))
			return nodeGuarantee, nil
		},
	}
	nodes[nodeGuarantee] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{c.s.Data["g.line"]}, Options: []string{t(c.lang(), "g.pledge"), t(c.lang(), "g.decline")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" && in != "2" {
				return c.invalid("invalid")
			}
			c.s.set("pledge", in)
			return nodeGuaranteePIN, nil
		},
	}
	nodes[nodeGuaranteePIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{c.s.Data["g.line"]}, Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			id, _ := strconv.ParseInt(c.s.Data["loan"], 10, 64)
			if err := c.e.groups.Guarantee(c.ctx, c.actor(), id, c.s.Data["pledge"] == "1", in); err != nil {
				return c.refused(err)
			}
			return c.done("g.done")
		},
	}
}

func splitNamed(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// disclosureText is the loan's disclosure as lines: the figures, then every due date.
func disclosureText(lang string, d rules.Disclosure) string {
	lines := []string{t(lang, "l.disclosure", chama.Shillings(d.Principal), len(d.Instalments), chama.Shillings(d.Interest),
		chama.Shillings(d.Fees), chama.Shillings(d.TotalCost), chama.Shillings(d.TotalRepayable))}
	for _, in := range d.Instalments {
		lines = append(lines, t(lang, "l.instalment", in.Due.Format("02/01/2006"), chama.Shillings(in.Total())))
	}
	return strings.Join(lines, "\n")
}

// guarantorProblem is the words for a refusal of the guarantors a borrower named (they
// are asked for again), or "" for any other refusal. Here ErrNotMember and
// ErrUnknownPerson are about a guarantor, not the borrower.
func guarantorProblem(err error) string {
	switch {
	case errors.Is(err, chama.ErrNotMember):
		return "l.g.notmember"
	case errors.Is(err, chama.ErrUnknownPerson):
		return "l.g.unknown"
	case errors.Is(err, chama.ErrSelfGuarantee):
		return "x.selfguarantee"
	case errors.Is(err, chama.ErrNotGuarantor):
		return "l.g.list"
	}
	return ""
}
