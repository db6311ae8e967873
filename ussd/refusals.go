package ussd

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
)

// refusals are every refusal the chama and its rules can give, with the key of their words
// in both languages (refusals_test.go fails on one left out, so a member never reads a
// refusal in a language they did not choose).
var refusals = []struct {
	err error
	key string
}{
	{chama.ErrUnknownPerson, "x.unknownperson"}, {chama.ErrNoConsent, "x.consent"},
	{chama.ErrUnknownGroup, "x.unknowngroup"}, {chama.ErrGroupCodeTaken, "x.codetaken"},
	{chama.ErrInvalidGroup, "x.badgroup"}, {chama.ErrNotMember, "not.member"},
	{chama.ErrNotOfficial, "only.officials"}, {chama.ErrAlreadyMember, "x.already"},
	{chama.ErrNotInvited, "x.notinvited"}, {chama.ErrOfficeTaken, "x.office"},
	{chama.ErrInvalidRole, "x.role"}, {chama.ErrNoPIN, "x.nopin"},
	{chama.ErrPINNotReset, "x.pinreset"}, {chama.ErrUnknownApproval, "x.unknownapproval"},
	{chama.ErrApprovalClosed, "x.closed"}, {chama.ErrApprovalExpired, "x.expired"},
	{chama.ErrOwnRequest, "x.own"}, {chama.ErrAlreadyVoted, "x.voted"},
	{chama.ErrQuorumImpossible, "x.quorum"}, {chama.ErrPending, "x.pending"},
	{chama.ErrInvalidAmount, "x.amount"}, {chama.ErrMpesaLimit, "x.mpesa"},
	{chama.ErrCashAmount, "o.cash.bad"}, {chama.ErrOwnCash, "x.owncash"},
	{chama.ErrCashInHand, "x.cashinhand"}, {chama.ErrUnknownLoan, "x.unknownloan"},
	{chama.ErrLoanState, "x.loanstate"}, {chama.ErrInArrears, "x.arrears"}, {chama.ErrOverLimit, "x.overlimit"},
	{chama.ErrActiveLoan, "x.loans"}, {chama.ErrNotGuarantor, "x.notguarantor"},
	{chama.ErrSelfGuarantee, "x.selfguarantee"}, {chama.ErrUnknownPayout, "x.unknownpayout"},
	{chama.ErrNotYourTurn, "x.notturn"}, {chama.ErrShortPot, "x.shortpot"},
	{chama.ErrDuplicateReceipt, "x.dupreceipt"}, {chama.ErrUnknownReceipt, "x.badreceipt"},
	{chama.ErrOwesGroup, "x.owes"}, {chama.ErrInsufficientSavings, "x.savings"},
	{chama.ErrWrongPIN, "x.wrongpin"}, {chama.ErrPINLocked, "pin.locked"},
	{chama.ErrSIMSwapped, "x.simswap"},
	{rules.ErrInvalidConstitution, "x.rules"}, {rules.ErrInvalidLoan, "x.badloan"},
	{rules.ErrTermTooLong, "x.term"}, {rules.ErrNoShares, "x.noshares"},
	{rules.ErrInvalidShareOut, "x.shareout"},
}

// refusalText is what to show for a refusal: in English the chama's own sentence (they are
// written to be shown, and carry the detail, e.g. how much of the savings is free), in
// Swahili its translation. ok is false for an error that is not a refusal (the database
// failing), which the caller must return as an error.
func refusalText(lang string, err error) (string, bool) {
	key := ""
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			key = r.key
			break
		}
	}
	if key == "" && !strings.HasPrefix(err.Error(), "chama: ") && !strings.HasPrefix(err.Error(), "rules: ") {
		return "", false
	}
	var swap *chama.SIMSwapError
	switch {
	case lang == "en":
		return sentence(err), true
	case errors.As(err, &swap):
		return t(lang, "x.simswap.until", swap.UntilText()), true
	case key != "":
		return t(lang, key), true
	}
	// A refusal written inline in chama (with its detail) rather than as a named error:
	// say it was refused, and why in the chama's English.
	return t(lang, "x.other", sentence(err)), true
}

// sentence is a chama refusal as a sentence: its package prefix gone, capitalised, with a
// full stop.
func sentence(err error) string {
	s := err.Error()
	for _, p := range []string{"chama: ", "rules: ", "phone: "} {
		s = strings.TrimPrefix(s, p)
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// refused ends a flow on a refusal from the chama, in the member's language; a wrong PIN
// asks for it again. An error that is not a refusal is returned.
func (c *call) refused(err error) (string, error) {
	var wrong *chama.WrongPINError
	switch {
	case errors.As(err, &wrong):
		return c.invalid("pin.wrong", wrong.TriesLeft)
	case errors.Is(err, chama.ErrPINLocked):
		return c.done("pin.locked")
	case errors.Is(err, chama.ErrNotMember):
		return c.done("not.member")
	case errors.Is(err, chama.ErrNotOfficial):
		return c.done("only.officials")
	}
	if msg, ok := refusalText(c.lang(), err); ok {
		c.s.set("done", msg)
		return nodeDone, nil
	}
	return "", err
}
