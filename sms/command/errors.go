package command

import (
	"errors"
	"strconv"
)

// The kinds of failure, for errors.Is. Parse returns ErrEmpty itself and the other two
// inside an *UnknownError or an *ArgumentError, which carry what the reply needs.
var (
	ErrEmpty     = errors.New("command: empty message")
	ErrUnknown   = errors.New("command: unknown command")
	ErrArguments = errors.New("command: wrong or missing details")
)

// UnknownError is a message whose first word is no command. Word is that word as typed (at
// most 32 bytes); Suggestion is the closest command, or "" when none is close enough.
type UnknownError struct {
	Word       string
	Suggestion Verb
}

var _ error = (*UnknownError)(nil)

// Error says what was not understood and, when there is one, the command meant. It quotes
// Word only when Word has no digits, so a phone number sent by mistake never reaches a log.
func (e *UnknownError) Error() string {
	s := "command: unknown command"
	if e.Word != "" && !hasDigit(e.Word) {
		s += " " + strconv.Quote(e.Word)
	}
	if kw := e.Suggestion.Keyword("en"); kw != "" {
		s += "; did you mean " + kw + "?"
	}
	return s
}

// Is makes errors.Is(err, ErrUnknown) true.
func (e *UnknownError) Is(target error) bool { return target == ErrUnknown }

// The problems an ArgumentError reports. They are stable, so a reply template can choose
// its Swahili or English text by them.
const (
	ProblemNoAmount    = "amount missing"
	ProblemBadAmount   = "amount must be whole shillings from 1 to 10,000,000"
	ProblemBadMonths   = "months must be a number from 1 to 120"
	ProblemNoPhone     = "phone number missing"
	ProblemBadPhone    = "not a Kenyan mobile number"
	ProblemNoLanguage  = "language missing"
	ProblemBadLanguage = "unknown language"
	ProblemNoGroup     = "group code missing"
	ProblemTwoGroups   = "more than one group code"
	ProblemTwoPhones   = "more than one phone number"
	ProblemTwoRoles    = "more than one role"
	ProblemExtra       = "unexpected words"
)

// ArgumentError is a known command with details missing or wrong: Problem is one of the
// Problem constants.
type ArgumentError struct {
	Verb    Verb
	Problem string
}

var _ error = (*ArgumentError)(nil)

// Error names the command, the problem and an example of the command written right. It
// never repeats what was typed.
func (e *ArgumentError) Error() string {
	return "command: " + string(e.Verb) + ": " + e.Problem + " (e.g. " + e.Verb.Example("en") + ")"
}

// Is makes errors.Is(err, ErrArguments) true.
func (e *ArgumentError) Is(target error) bool { return target == ErrArguments }

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}
