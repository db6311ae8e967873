package ussd

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"encoding/base64"
	"errors"

	"golang.org/x/crypto/argon2"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/pin"
	"github.com/kikundi/kikundi/ussd/screen"
)

// Settings: the member's language, their PIN, a forgotten PIN, leaving the group, and the
// data we keep about them (with withdrawing consent).
//
// A forgotten PIN is reset only by the officials: the member asks here (no PIN needed),
// they approve with theirs, the member gets an SMS, and the next PIN change here asks
// for the new PIN twice and not for the current one.
//
// Changing the PIN takes the new PIN, the current PIN, then the new PIN again, and calls
// the chama with the current and the new PIN together on the last hop. Between hops the
// session must carry one of them without keeping it in clear, and without a server key
// (any instance may answer the next hop). So the first entry of the new PIN is turned,
// through argon2id (as costly as the stored PIN hash), into an HPKE key pair of which the
// session keeps only the public key and the salt; the current PIN, once checked, is
// sealed to that public key; the second entry of the new PIN derives the private key
// again, which both proves the two entries match and opens the current PIN. A stolen
// session reveals no more than an argon2id hash of the new PIN would.

const (
	nodePINChangeNew     = "pin-change-new"
	nodePINChangeCurrent = "pin-change-current"
	nodePINChangeAgain   = "pin-change-again"
	nodePINResetAgain    = "pin-reset-again"
	nodePINForgot        = "pin-forgot"
	nodeLeave            = "leave"
	nodeLeavePIN         = "leave-pin"
	nodeMyData           = "my-data"
	nodeConsentWithdraw  = "consent-withdraw"
)

var (
	pinKEM  = hpke.DHKEM(ecdh.X25519())
	pinKDF  = hpke.HKDFSHA256()
	pinAEAD = hpke.AES256GCM()
	pinInfo = []byte("kikundi ussd pin change v1")
	b64     = base64.RawStdEncoding
)

// pinKey derives the key pair a new PIN stands for, with the same argon2id costs as the
// stored PIN hash (internal/pin).
func pinKey(p string, salt []byte) (hpke.PrivateKey, error) {
	return pinKEM.DeriveKeyPair(argon2.IDKey([]byte(p), salt, 2, 19*1024, 1, 32))
}

// typedAgain derives the key pair of a new PIN typed a second time, and reports whether
// it is the PIN chosen first (the session kept only that one's public half and salt).
func (c *call) typedAgain(in string) (hpke.PrivateKey, bool, error) {
	salt, err1 := b64.DecodeString(c.s.Data["pin.salt"])
	raw, err2 := b64.DecodeString(c.s.Data["pin.pub"])
	if err := errors.Join(err1, err2); err != nil {
		return nil, false, err
	}
	k, err := pinKey(in, salt)
	if err != nil {
		return nil, false, err
	}
	return k, bytes.Equal(k.PublicKey().Bytes(), raw), nil
}

// forgetPINChange drops what a PIN change gathered.
func (c *call) forgetPINChange() {
	for _, k := range []string{"pin.salt", "pin.pub", "pin.sealed"} {
		delete(c.s.Data, k)
	}
}

func init() {
	nodes[nodeSettings] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Options: []string{t(c.lang(), "settings.lang"), t(c.lang(), "settings.pin"),
				t(c.lang(), "settings.forgot"), t(c.lang(), "settings.leave"), t(c.lang(), "settings.data")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			switch in {
			case "1":
				return nodeSetLang, nil
			case "2":
				return nodePINChangeNew, nil
			case "3":
				return nodePINForgot, nil
			case "4":
				return nodeLeave, nil
			case "5":
				return nodeMyData, nil
			}
			return c.invalid("invalid")
		},
	}
	nodes[nodePINForgot] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{t(c.lang(), "s.forgot.confirm", c.s.Group)}, Options: []string{t(c.lang(), "s.forgot.yes")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			ap, err := c.e.groups.RequestPINReset(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return c.refused(err)
			}
			return c.done("s.forgot.sent", ap.ID, ap.Quorum)
		},
	}
	nodes[nodeLeave] = node{
		screen: func(c *call) (screen.Screen, error) {
			b, err := c.e.groups.MemberBalances(c.ctx, c.s.Phone, c.s.Group)
			if err != nil {
				return screen.Screen{}, err
			}
			return screen.Screen{Body: []string{t(c.lang(), "s.leave.confirm", c.s.Group, chama.Shillings(b.Savings))},
				Options: []string{t(c.lang(), "s.leave.yes")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			return nodeLeavePIN, nil
		},
	}
	nodes[nodeLeavePIN] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "pin.enter")}, nil },
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err)
			}
			ap, err := c.e.groups.RequestExit(c.ctx, c.actor(), c.s.Group)
			if err != nil {
				return c.refused(err)
			}
			return c.done("s.leave.sent", ap.ID, ap.Quorum)
		},
	}
	// What we keep (the Data Protection Act: a member may see it, and withdraw consent).
	nodes[nodeMyData] = node{
		screen: func(c *call) (screen.Screen, error) {
			x, err := c.e.groups.ExportMyData(c.ctx, c.actor())
			if err != nil {
				return screen.Screen{}, err
			}
			var payments, lines int
			for _, g := range x.Groups {
				payments += len(g.Payments)
				lines += len(g.Savings)
			}
			return screen.Screen{Body: []string{t(c.lang(), "s.data", x.Since.Format("02/01/2006"), len(x.Groups), payments, lines, len(x.Actions))},
				Options: []string{t(c.lang(), "s.data.withdraw")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			return nodeConsentWithdraw, nil
		},
	}
	nodes[nodeConsentWithdraw] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Body: []string{t(c.lang(), "s.withdraw.confirm")}, Options: []string{t(c.lang(), "s.withdraw.yes")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			if err := c.e.groups.WithdrawConsent(c.ctx, c.actor()); err != nil {
				return c.refused(err)
			}
			return c.done("s.withdraw.done")
		},
	}
	nodes[nodePINResetAgain] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "s.pin.again")}, nil },
		handle: func(c *call, in string) (string, error) {
			_, same, err := c.typedAgain(in)
			if err != nil {
				return "", err
			}
			c.forgetPINChange()
			if !same { // not the PIN chosen first: choose it again
				c.s.Route = c.s.Route[:len(c.s.Route)-1]
				return c.invalid("pin.mismatch")
			}
			if err := c.e.groups.SetPIN(c.ctx, c.actor(), "", in); err != nil {
				return c.refused(err)
			}
			return c.done("s.pin.changed")
		},
	}
	nodes[nodeSetLang] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Options: []string{t("sw", "lang.sw"), t("en", "lang.en")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			lang := map[string]string{"1": "sw", "2": "en"}[in]
			if lang == "" {
				return c.invalid("invalid")
			}
			if err := c.e.groups.SetLanguage(c.ctx, c.actor(), lang); err != nil {
				return "", err
			}
			c.s.Lang = lang
			return c.done("lang.changed")
		},
	}
	nodes[nodePINChangeNew] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "s.pin.new")}, nil },
		handle: func(c *call, in string) (string, error) {
			if err := pin.Valid(in); err != nil {
				if errors.Is(err, pin.ErrTooSimple) {
					return c.invalid("pin.weak")
				}
				return c.invalid("s.pin.new")
			}
			salt := make([]byte, 16)
			if _, err := rand.Read(salt); err != nil {
				return "", err
			}
			k, err := pinKey(in, salt)
			if err != nil {
				return "", err
			}
			c.forgetPINChange()
			c.s.set("pin.salt", b64.EncodeToString(salt))
			c.s.set("pin.pub", b64.EncodeToString(k.PublicKey().Bytes()))
			// After a reset the officials approved, the current PIN is not asked for: the
			// new one is typed again, and only its key pair's public half is kept meanwhile.
			if reset, err := c.e.groups.PINResetAllowed(c.ctx, c.s.Phone); err != nil {
				return "", err
			} else if reset {
				return nodePINResetAgain, nil
			}
			return nodePINChangeCurrent, nil
		},
	}
	nodes[nodePINChangeCurrent] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "s.pin.current")}, nil },
		handle: func(c *call, in string) (string, error) {
			if err := c.e.groups.CheckPIN(c.ctx, c.s.Phone, in); err != nil {
				return c.refused(err) // a wrong PIN asks again, with the tries left
			}
			salt, err1 := b64.DecodeString(c.s.Data["pin.salt"])
			raw, err2 := b64.DecodeString(c.s.Data["pin.pub"])
			pub, err3 := pinKEM.NewPublicKey(raw)
			if err := errors.Join(err1, err2, err3); err != nil {
				return "", err
			}
			// The current PIN typed as the new one: nothing would change.
			if same, err := pinKey(in, salt); err == nil && bytes.Equal(same.PublicKey().Bytes(), raw) {
				c.forgetPINChange()
				c.s.Route = c.s.Route[:len(c.s.Route)-1]
				return c.invalid("s.pin.same")
			}
			sealed, err := hpke.Seal(pub, pinKDF, pinAEAD, pinInfo, []byte(in))
			if err != nil {
				return "", err
			}
			c.s.set("pin.sealed", b64.EncodeToString(sealed))
			return nodePINChangeAgain, nil
		},
	}
	nodes[nodePINChangeAgain] = node{
		takesText: true,
		screen:    func(c *call) (screen.Screen, error) { return screen.Screen{Prompt: t(c.lang(), "s.pin.again")}, nil },
		handle: func(c *call, in string) (string, error) {
			sealed, err := b64.DecodeString(c.s.Data["pin.sealed"])
			if err != nil {
				return "", err
			}
			k, same, err := c.typedAgain(in)
			if err != nil {
				return "", err
			}
			var current []byte
			if same {
				current, err = hpke.Open(k, pinKDF, pinAEAD, pinInfo, sealed)
			}
			if current == nil || err != nil { // not the PIN chosen first: choose it again
				c.forgetPINChange()
				c.s.Route = c.s.Route[:len(c.s.Route)-2]
				return c.invalid("pin.mismatch")
			}
			err = c.e.groups.SetPIN(c.ctx, c.actor(), string(current), in)
			c.forgetPINChange()
			var wrong *chama.WrongPINError
			switch {
			case errors.As(err, &wrong): // the current PIN failed on the way: start again
				c.s.Route = c.s.Route[:len(c.s.Route)-2]
				return c.invalid("pin.wrong", wrong.TriesLeft)
			case errors.Is(err, pin.ErrTooSimple):
				c.s.Route = c.s.Route[:len(c.s.Route)-2]
				return c.invalid("pin.weak")
			case err != nil:
				return c.refused(err)
			}
			return c.done("s.pin.changed")
		},
	}
}
