package command_test

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/kikundi/kikundi/sms/command"
)

var (
	e164  = regexp.MustCompile(`^\+254[17]\d{8}$`)
	group = regexp.MustCompile(`^[A-Z][A-Z0-9]{2,11}$`)
)

// checkInvariants is what every Parse result must satisfy, whatever the input.
func checkInvariants(t *testing.T, text string) {
	t.Helper()
	c, err := command.Parse(text)
	if err != nil {
		if !errors.Is(err, command.ErrEmpty) && !errors.Is(err, command.ErrUnknown) && !errors.Is(err, command.ErrArguments) {
			t.Fatalf("Parse(%q): error of no known kind: %v", text, err)
		}
		if c != (command.Command{}) {
			t.Fatalf("Parse(%q) failed but returned %+v", text, c)
		}
		var ue *command.UnknownError
		if errors.As(err, &ue) && ue.Suggestion != "" && ue.Suggestion.Keyword("en") == "" {
			t.Fatalf("Parse(%q): unknown suggestion %q", text, ue.Suggestion)
		}
		return
	}
	if c.Verb.Keyword("en") == "" {
		t.Fatalf("Parse(%q): unknown verb %q", text, c.Verb)
	}
	if c.Amount < 0 || c.Months < 0 {
		t.Fatalf("Parse(%q): negative amount or months: %+v", text, c)
	}
	if c.Phone != "" && !e164.MatchString(c.Phone) {
		t.Fatalf("Parse(%q): phone %q is not E.164 Kenyan mobile", text, c.Phone)
	}
	if c.Group != "" && !group.MatchString(c.Group) {
		t.Fatalf("Parse(%q): group %q is not a group code", text, c.Group)
	}
	if c.MovesMoney() && c.Amount == 0 {
		t.Fatalf("Parse(%q): %s without an amount", text, c.Verb)
	}
	if c.Name != strings.TrimSpace(c.Name) || strings.Contains(c.Name, "  ") {
		t.Fatalf("Parse(%q): name %q not collapsed", text, c.Name)
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.text)
	}
	for _, s := range []string{"\xc2\xa0BAL\xc2\xa0", "changa 1,2345", "mkopo 1.2345k 3", "+", "add +", "0,000", "5,000,000,000k",
		"add 0712345678 \xe2\x80\x99", "toa 00254 712 345 678 1k", "bal\x00umoja", strings.Repeat("MKOPO 5 ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) { checkInvariants(t, text) })
}

// TestParseRandom is FuzzParse's fixed-seed twin: sentences of real tokens in random
// order, so the combinations the table does not list are checked on every run.
func TestParseRandom(t *testing.T) {
	words := []string{"BAL", "salio", "UMOJA", "changa", "5,000", "500/=", "ksh500", "KES", "5k", "mkopo", "3", "miezi",
		"0712345678", "0712", "345", "678", "+254", "254712345678", "add", "alika", "Amina", "katibu", "chair", "lugha", "sw",
		"stop", "msaada", "?", ".", ",", "#", "*", "toa", "taslimu", "0", "99999999999", "1.5k", "500.00", "tafadhali", "jiunge"}
	seps := []string{" ", "  ", ".", ",", "*", "#", ":", ""}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for k := r.IntN(6); k >= 0; k-- {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteString(seps[r.IntN(len(seps))])
		}
		checkInvariants(t, b.String())
	}
}
