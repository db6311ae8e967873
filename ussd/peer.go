package ussd

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ussd/screen"
)

// Peer loans, member to member through the group's books: a lender offers (the borrower's
// phone, the amount, the months, a monthly rate no higher than the group's), reads the
// disclosure the borrower will be shown and confirms with the PIN, which holds the amount
// on their savings; the borrower sees the offers made to them, reads the same disclosure
// (CBK's Digital Credit rules: total cost of credit, interest, fees, every due date) and
// accepts with their PIN, which sends the money, or declines, which releases it. Asking
// for a loan is done by asking a fellow member to offer one.

const (
	nodePeerPhone      = "peer-phone"
	nodePeerAmount     = "peer-amount"
	nodePeerTerm       = "peer-term"
	nodePeerRate       = "peer-rate"
	nodePeerDisclosure = "peer-disclosure"
	nodePeerOfferPIN   = "peer-offer-pin"
	nodePeerOffers     = "peer-offers"
	nodePeerOffer      = "peer-offer"
	nodePeerAcceptPIN  = "peer-accept-pin"
	nodePeerAsk        = "peer-ask"
)

var hundred = decimal.NewFromInt(100)

// peerDisclosureText is a peer loan's disclosure as lines: the figures, then every due
// date.
func peerDisclosureText(lang, lender string, rate decimal.Decimal, d rules.Disclosure) string {
	lines := []string{t(lang, "p.disclosure", chama.Shillings(d.Principal), lender, len(d.Instalments), rate.Mul(hundred).String()),
		t(lang, "p.costs", chama.Shillings(d.Interest), chama.Shillings(d.Fees), chama.Shillings(d.TotalCost), chama.Shillings(d.TotalRepayable))}
	for _, in := range d.Instalments {
		lines = append(lines, t(lang, "l.instalment", in.Due.Format("02/01/2006"), chama.Shillings(in.Total())))
	}
	return strings.Join(lines, "\n")
}

func offerLine(lang string, o chama.PeerOffer) string {
	return t(lang, "p.line", o.ID, shortName(o.Lender), chama.Shillings(o.Principal), o.TermMonths)
}

func init() {
	nodes[nodePeer] = node{
		screen: func(c *call) (screen.Screen, error) {
			offers, err := c.e.groups.PeerOffers(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			l := c.lang()
			return screen.Screen{Title: t(l, "p.title"), Options: []string{t(l, "p.offer"), t(l, "p.offers", len(offers)), t(l, "p.ask")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			next := map[string]string{"1": nodePeerPhone, "2": nodePeerOffers, "3": nodePeerAsk}[in]
			if next == "" {
				return c.invalid("invalid")
			}
			return next, nil
		},
	}
	nodes[nodePeerAsk] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{t(c.lang(), "p.ask.text")}, End: true}, nil
		},
		handle: func(*call, string) (string, error) { return "", nil },
	}
}

// Offering: borrower, amount, months, rate, the disclosure, PIN.
func init() {
	nodes[nodePeerPhone] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "p.phone")}, nil },
		handle: func(c *call, in string) (string, error) {
			if e164, err := phone.Normalize(in); err == nil && e164 == c.s.Phone {
				return c.invalid("p.self")
			}
			e164, name, ok, err := c.memberNamed(in)
			if err != nil || !ok {
				return "", err
			}
			c.s.set("phone", e164)
			c.s.set("name", name)
			return nodePeerAmount, nil
		},
	}
	nodes[nodePeerAmount] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Prompt: t(c.lang(), "p.amount", c.s.Data["name"])}, nil
		},
		handle: takeAmount(nodePeerTerm),
	}
	nodes[nodePeerTerm] = node{
		screen: termScreen,
		handle: func(c *call, in string) (string, error) {
			term, ok, err := c.readTerm(in)
			if err != nil || !ok {
				return "", err
			}
			c.s.set("term", strconv.Itoa(term))
			return nodePeerRate, nil
		},
	}
	nodes[nodePeerRate] = node{
		takesText: true, // 0 is a rate here, not Back
		screen: func(c *call) (screen.Screen, error) {
			rc, _, err := c.e.groups.Rules(c.ctx, c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			return screen.Screen{Prompt: t(c.lang(), "p.rate", rc.MonthlyRate.Mul(hundred).String())}, nil
		},
		handle: func(c *call, in string) (string, error) {
			rc, _, err := c.e.groups.Rules(c.ctx, c.s.Group)
			if err != nil {
				return "", err
			}
			most := rc.MonthlyRate.Mul(hundred)
			pct, err := decimal.NewFromString(strings.TrimSpace(in))
			if err != nil || pct.IsNegative() || pct.GreaterThan(most) || !pct.Equal(pct.Round(2)) {
				return c.invalid("p.rate.bad", most.String())
			}
			rate := pct.Div(hundred)
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			term, _ := strconv.Atoi(c.s.Data["term"])
			terms := rc
			terms.MonthlyRate = rate
			// The same disclosure the chama makes with the offer, shown before the PIN.
			disc, err := rules.Disclose(amount, terms, term, rules.Day(now()), decimal.Zero)
			if err != nil {
				return c.invalid("x.amount")
			}
			me, err := c.e.groups.PersonByPhone(c.ctx, c.s.Phone)
			if err != nil {
				return "", err
			}
			lender := shortName(me.Name)
			if lender == "" {
				lender = phone.Local(c.s.Phone)
			}
			c.s.set("rate", rate.String())
			c.s.set("disclosure", peerDisclosureText(c.lang(), lender, rate, disc))
			return nodePeerDisclosure, nil
		},
	}
	nodes[nodePeerDisclosure] = node{
		screen: func(c *call) (screen.Screen, error) {
			body := append([]string{t(c.lang(), "p.sees", c.s.Data["name"])}, strings.Split(c.s.Data["disclosure"], "\n")...)
			return screen.Screen{Body: body, Options: []string{t(c.lang(), "p.offer.yes"), t(c.lang(), "p.offer.no")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			switch in {
			case "1":
				return nodePeerOfferPIN, nil
			case "2":
				return c.done("p.cancelled")
			}
			return c.invalid("invalid")
		},
	}
	nodes[nodePeerOfferPIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			return screen.Screen{Body: []string{t(c.lang(), "p.offer.pin", chama.Shillings(amount), c.s.Data["name"])},
				Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			term, _ := strconv.Atoi(c.s.Data["term"])
			rate, _ := decimal.NewFromString(c.s.Data["rate"])
			loan, _, err := c.e.groups.OfferPeerLoan(c.ctx, c.actor(), c.s.Group, c.s.Data["phone"], amount, term, rate, in)
			if errors.Is(err, chama.ErrActiveLoan) {
				return c.done("p.busy", c.s.Data["name"])
			}
			if err != nil {
				return c.refused(err)
			}
			return c.done("p.offered", loan.ID, c.s.Data["name"])
		},
	}
}

// Answering an offer: choose it, read the disclosure, accept with the PIN or decline.
func init() {
	nodes[nodePeerOffers] = node{
		screen: func(c *call) (screen.Screen, error) {
			offers, err := c.e.groups.PeerOffers(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			if len(offers) == 0 {
				return screen.Screen{Body: []string{t(c.lang(), "p.none")}, End: true}, nil
			}
			sc := screen.Screen{}
			for _, o := range offers {
				sc.Options = append(sc.Options, offerLine(c.lang(), o))
			}
			return sc, nil
		},
		handle: func(c *call, in string) (string, error) {
			offers, err := c.e.groups.PeerOffers(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return c.refused(err)
			}
			i, ok := choice(in, len(offers))
			if !ok {
				return c.invalid("invalid")
			}
			o := offers[i]
			var disc rules.Disclosure
			if err := json.Unmarshal(o.Disclosure, &disc); err != nil {
				return "", err
			}
			c.s.set("loan", strconv.FormatInt(o.ID, 10))
			c.s.set("amount", o.Principal.String())
			c.s.set("name", shortName(o.Lender))
			c.s.set("disclosure", peerDisclosureText(c.lang(), shortName(o.Lender), o.MonthlyRate, disc))
			return nodePeerOffer, nil
		},
	}
	nodes[nodePeerOffer] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: strings.Split(c.s.Data["disclosure"], "\n"),
				Options: []string{t(c.lang(), "l.accept"), t(c.lang(), "l.decline")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			switch in {
			case "1":
				return nodePeerAcceptPIN, nil
			case "2":
				id, _ := strconv.ParseInt(c.s.Data["loan"], 10, 64)
				if err := c.e.groups.CancelLoan(c.ctx, c.actor(), id); err != nil {
					return c.refused(err)
				}
				return c.done("p.declined")
			}
			return c.invalid("invalid")
		},
	}
	nodes[nodePeerAcceptPIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			amount, _ := decimal.NewFromString(c.s.Data["amount"])
			return screen.Screen{Body: []string{t(c.lang(), "p.accept.pin", chama.Shillings(amount), c.s.Data["name"])},
				Prompt: t(c.lang(), "pin.enter")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			id, _ := strconv.ParseInt(c.s.Data["loan"], 10, 64)
			loan, err := c.e.groups.AcceptPeerLoan(c.ctx, c.actor(), id, in)
			if err != nil {
				return c.refused(err)
			}
			return c.done("p.accepted", chama.Shillings(loan.Principal))
		},
	}
}
