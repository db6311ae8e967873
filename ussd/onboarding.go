package ussd

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/pin"
	"github.com/kikundi/kikundi/ussd/screen"
)

// First dial: language, the consent notice (Data Protection Act: what we keep and why,
// accept or leave), name, PIN twice. Nothing is stored until the member has agreed and
// chosen a PIN; then the person, the consent and the PIN's hash are written together.

func init() {
	nodes[nodeLanguage] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Title: "Karibu Kikundi / Welcome to Kikundi",
				Options: []string{t("sw", "lang.sw"), t("en", "lang.en")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			switch in {
			case "1":
				c.s.Lang = "sw"
			case "2":
				c.s.Lang = "en"
			default:
				return c.invalid("invalid")
			}
			return nodeConsent, nil
		},
	}
	nodes[nodeConsent] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{t(c.lang(), "consent")},
				Options: []string{t(c.lang(), "consent.yes"), t(c.lang(), "consent.no")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			switch in {
			case "1":
				c.s.set("consent", "yes")
				if p, err := c.e.groups.PersonByPhone(c.ctx, c.s.Phone); err == nil && p.HasPIN() {
					return c.finishOnboarding()
				}
				return nodeName, nil
			case "2":
				return c.done("consent.declined")
			}
			return c.invalid("invalid")
		},
	}
	nodes[nodeName] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Prompt: t(c.lang(), "name")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			name := strings.Join(strings.Fields(in), " ")
			if name == "" || utf8.RuneCountInString(name) > 60 {
				return c.invalid("name")
			}
			c.s.set("name", name)
			return nodePIN, nil
		},
	}
	nodes[nodePIN] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Prompt: t(c.lang(), "pin.new")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if err := pin.Valid(in); err != nil {
				if errors.Is(err, pin.ErrTooSimple) {
					return c.invalid("pin.weak")
				}
				return c.invalid("pin.new")
			}
			h, err := pin.Hash(in) // the session keeps only the hash until the PIN is confirmed
			if err != nil {
				return "", err
			}
			c.s.set("pin1", h)
			return nodePINAgain, nil
		},
	}
	nodes[nodePINAgain] = node{
		takesText: true,
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Prompt: t(c.lang(), "pin.again")}, nil
		},
		handle: func(c *call, in string) (string, error) {
			ok, err := pin.Verify(in, c.s.Data["pin1"])
			if err != nil || !ok {
				delete(c.s.Data, "pin1")
				c.s.Route = c.s.Route[:len(c.s.Route)-1] // back to choosing it
				return c.invalid("pin.mismatch")
			}
			c.s.set("pin", in) // used below, in this hop only, never saved (see finishOnboarding)
			return c.finishOnboarding()
		},
	}
}

// finishOnboarding writes what onboarding gathered: the person, their consent to the
// current notice, and their PIN.
func (c *call) finishOnboarding() (string, error) {
	p := c.s.Data["pin"]
	delete(c.s.Data, "pin")
	delete(c.s.Data, "pin1")
	a := c.actor()
	if _, err := c.e.groups.Register(c.ctx, c.s.Phone, c.s.Data["name"], c.s.Lang); err != nil {
		return "", err
	}
	if err := c.e.groups.GiveConsent(c.ctx, a); err != nil {
		return "", err
	}
	if p != "" {
		if err := c.e.groups.SetPIN(c.ctx, a, "", p); err != nil && !errors.Is(err, chama.ErrPINNotReset) {
			return "", err
		}
		c.s.Flash = t(c.lang(), "pin.set")
	}
	if err := c.e.groups.SetLanguage(c.ctx, a, c.s.Lang); err != nil {
		return "", err
	}
	c.s.Data = nil
	return nodeHome, nil
}
