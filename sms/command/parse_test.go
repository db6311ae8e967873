package command_test

import (
	"errors"
	"testing"

	"github.com/kikundi/kikundi/sms/command"
)

// want is a test's expectation: a command, or a failure described by its kind.
type want struct {
	cmd        command.Command
	empty      bool
	unknown    bool
	suggestion command.Verb
	problem    string
}

func ok(c command.Command) want   { return want{cmd: c} }
func unknown(s command.Verb) want { return want{unknown: true, suggestion: s} }
func argument(v command.Verb, problem string) want {
	return want{cmd: command.Command{Verb: v}, problem: problem}
}

const amina = "+254712345678"

var cases = []struct {
	text string
	want want
}{
	// Members, Swahili.
	{"SALIO", ok(command.Command{Verb: command.Balance})},
	{"salio", ok(command.Command{Verb: command.Balance})},
	{"  Salio.  ", ok(command.Command{Verb: command.Balance})},
	{".salio", ok(command.Command{Verb: command.Balance})},
	{"SALIO umoja", ok(command.Command{Verb: command.Balance, Group: "UMOJA"})},
	{"UMOJA salio", ok(command.Command{Verb: command.Balance, Group: "UMOJA"})},
	{"Tafadhali salio", ok(command.Command{Verb: command.Balance})},
	{"TAARIFA", ok(command.Command{Verb: command.Statement})},
	{"taarifa#umoja2", ok(command.Command{Verb: command.Statement, Group: "UMOJA2"})},
	{"CHANGA 500", ok(command.Command{Verb: command.Contribute, Amount: 500})},
	{"changa   5,000/=", ok(command.Command{Verb: command.Contribute, Amount: 5000})},
	{"Changa Ksh.500", ok(command.Command{Verb: command.Contribute, Amount: 500})},
	{"changia 500 umoja", ok(command.Command{Verb: command.Contribute, Amount: 500, Group: "UMOJA"})},
	{"CHANGA*500#", ok(command.Command{Verb: command.Contribute, Amount: 500})},
	{"MKOPO 5000 3", ok(command.Command{Verb: command.Loan, Amount: 5000, Months: 3})},
	{"mkopo 5000", ok(command.Command{Verb: command.Loan, Amount: 5000})},
	{"MKOPO 5,000 3 umoja", ok(command.Command{Verb: command.Loan, Amount: 5000, Months: 3, Group: "UMOJA"})},
	{"MKOPO.5000.3", ok(command.Command{Verb: command.Loan, Amount: 5000, Months: 3})},
	{"mkopo miezi 3 5000", ok(command.Command{Verb: command.Loan, Amount: 5000, Months: 3})},
	{"kopa 10k miezi 6", ok(command.Command{Verb: command.Loan, Amount: 10000, Months: 6})},
	{"LIPA 1000", ok(command.Command{Verb: command.Repay, Amount: 1000})},
	{"lipa 1000/=", ok(command.Command{Verb: command.Repay, Amount: 1000})},
	{"lipa 1000/- asante", ok(command.Command{Verb: command.Repay, Amount: 1000})},
	{"MSAADA", ok(command.Command{Verb: command.Help})},
	{"msaada mkopo", ok(command.Command{Verb: command.Help, Topic: command.Loan})},
	{"LUGHA SW", ok(command.Command{Verb: command.Language, Lang: "sw"})},
	{"lugha kiingereza", ok(command.Command{Verb: command.Language, Lang: "en"})},
	{"Kiswahili", ok(command.Command{Verb: command.Language, Lang: "sw"})},
	{"ACHA", ok(command.Command{Verb: command.Stop})},
	{"JIUNGE UMOJA", ok(command.Command{Verb: command.Join, Group: "UMOJA"})},
	{"kubali umoja", ok(command.Command{Verb: command.Join, Group: "UMOJA"})},
	{"Habari", ok(command.Command{Verb: command.Help})},

	// Members, English.
	{"BAL", ok(command.Command{Verb: command.Balance})},
	{"Balance", ok(command.Command{Verb: command.Balance})},
	{"bal: umoja", ok(command.Command{Verb: command.Balance, Group: "UMOJA"})},
	{"statement", ok(command.Command{Verb: command.Statement})},
	{"contribute KES 2500", ok(command.Command{Verb: command.Contribute, Amount: 2500})},
	{"contribute ksh2500", ok(command.Command{Verb: command.Contribute, Amount: 2500})},
	{"Contribute 2.5k", ok(command.Command{Verb: command.Contribute, Amount: 2500})},
	{"contribute 500.00", ok(command.Command{Verb: command.Contribute, Amount: 500})},
	{"loan 20,000 6 months", ok(command.Command{Verb: command.Loan, Amount: 20000, Months: 6})},
	{"LOAN 5k for 2 mths", ok(command.Command{Verb: command.Loan, Amount: 5000, Months: 2})},
	{"repay 1500 UMOJA", ok(command.Command{Verb: command.Repay, Amount: 1500, Group: "UMOJA"})},
	{"help", ok(command.Command{Verb: command.Help})},
	{"?", ok(command.Command{Verb: command.Help})},
	{"HELP?", ok(command.Command{Verb: command.Help})},
	{"lang en", ok(command.Command{Verb: command.Language, Lang: "en"})},
	{"language: english", ok(command.Command{Verb: command.Language, Lang: "en"})},
	{"STOP", ok(command.Command{Verb: command.Stop})},
	{"stop umoja", ok(command.Command{Verb: command.Stop, Group: "UMOJA"})},
	{"STOP sending me these", ok(command.Command{Verb: command.Stop})},
	{"join umoja", ok(command.Command{Verb: command.Join, Group: "UMOJA"})},
	{"Hi, bal please", ok(command.Command{Verb: command.Balance})},

	// Officials.
	{"add 0712345678 Amina Wanjiru", ok(command.Command{Verb: command.Add, Phone: amina, Name: "Amina Wanjiru"})},
	{"ONGEZA 0712 345 678 amina", ok(command.Command{Verb: command.Add, Phone: amina, Name: "amina"})},
	{"ongeza umoja 254712345678", ok(command.Command{Verb: command.Add, Group: "UMOJA", Phone: amina})},
	{"UMOJA ADD +254712345678 Amina,  Wanjiru", ok(command.Command{Verb: command.Add, Group: "UMOJA", Phone: amina, Name: "Amina Wanjiru"})},
	{"ALIKA 0712-345-678 Ng'ang'a katibu", ok(command.Command{Verb: command.Invite, Phone: amina, Name: "Ng'ang'a", Role: "secretary"})},
	{"invite +254 712 345 678 treasurer", ok(command.Command{Verb: command.Invite, Phone: amina, Role: "treasurer"})},
	{"ONDOA 0112345678", ok(command.Command{Verb: command.Remove, Phone: "+254112345678"})},
	{"remove 0712345678 umoja", ok(command.Command{Verb: command.Remove, Phone: amina, Group: "UMOJA"})},
	{"WANACHAMA", ok(command.Command{Verb: command.Members})},
	{"members umoja", ok(command.Command{Verb: command.Members, Group: "UMOJA"})},
	{"madeni", ok(command.Command{Verb: command.Arrears})},
	{"ARREARS", ok(command.Command{Verb: command.Arrears})},
	{"KUMBUSHA", ok(command.Command{Verb: command.Remind})},
	{"remind 0712345678", ok(command.Command{Verb: command.Remind, Phone: amina})},
	{"TASLIMU 0712345678 500", ok(command.Command{Verb: command.Cash, Phone: amina, Amount: 500})},
	{"cash 500 0712345678", ok(command.Command{Verb: command.Cash, Phone: amina, Amount: 500})},
	{"TOA 0712 345 678 5000", ok(command.Command{Verb: command.Payout, Phone: amina, Amount: 5000})},
	{"payout 2540712345678 KES 5,000", ok(command.Command{Verb: command.Payout, Phone: amina, Amount: 5000})},
	{"SHERIA", ok(command.Command{Verb: command.Rules})},
	{"katiba", ok(command.Command{Verb: command.Rules})},
	{"THIBITISHA umoja", ok(command.Command{Verb: command.Verify, Group: "UMOJA"})},
	{"verify", ok(command.Command{Verb: command.Verify})},

	// Unknown, with and without a suggestion.
	{"xyz", unknown("")},
	{"BALANC", unknown(command.Balance)},
	{"BALL", unknown(command.Balance)},
	{"SALLIO", unknown(command.Balance)},
	{"CHANGE 500", unknown(command.Contribute)},
	{"chang 500", unknown(command.Contribute)},
	{"MKOPA 5000", unknown(command.Loan)},
	{"UMOJA BALANC", unknown(command.Balance)},
	{"CONTR 500", unknown(command.Contribute)},
	{"hello world", unknown("")},
	{"500", unknown("")},
	{"0712345678", unknown("")},
	{"UMOJA", unknown("")},

	// Known commands with details missing or wrong.
	{"", want{empty: true}},
	{"  ...  ", want{empty: true}},
	{"CHANGA", argument(command.Contribute, command.ProblemNoAmount)},
	{"changa pesa", argument(command.Contribute, command.ProblemNoAmount)},
	{"changa 5x", argument(command.Contribute, command.ProblemBadAmount)},
	{"changa 0", argument(command.Contribute, command.ProblemBadAmount)},
	{"changa 5.000", argument(command.Contribute, command.ProblemBadAmount)},
	{"changa 500.50", argument(command.Contribute, command.ProblemExtra)}, // the dot separates,
	{"changa 99999999999", argument(command.Contribute, command.ProblemBadAmount)},
	{"changa 500 700", argument(command.Contribute, command.ProblemExtra)},
	{"MKOPO 5000 0", argument(command.Loan, command.ProblemBadMonths)},
	{"mkopo 3 5000", argument(command.Loan, command.ProblemBadMonths)},
	{"mkopo miezi 3", argument(command.Loan, command.ProblemNoAmount)},
	{"LIPA", argument(command.Repay, command.ProblemNoAmount)},
	{"BAL 500", argument(command.Balance, command.ProblemExtra)},
	{"UMOJA BAL SACCO", argument(command.Balance, command.ProblemTwoGroups)},
	{"LUGHA", argument(command.Language, command.ProblemNoLanguage)},
	{"lang french", argument(command.Language, command.ProblemBadLanguage)},
	{"JIUNGE", argument(command.Join, command.ProblemNoGroup)},
	{"ONGEZA", argument(command.Add, command.ProblemNoPhone)},
	{"add 07123456 Amina", argument(command.Add, command.ProblemBadPhone)},
	{"add +255712345678", argument(command.Add, command.ProblemBadPhone)},
	{"add 0212345678", argument(command.Add, command.ProblemBadPhone)},
	{"add Amina Wanjiru 0712345678", argument(command.Add, command.ProblemExtra)},
	{"invite 0712345678 katibu chair", argument(command.Invite, command.ProblemTwoRoles)},
	{"ONDOA", argument(command.Remove, command.ProblemNoPhone)},
	{"TASLIMU 0712345678", argument(command.Cash, command.ProblemNoAmount)},
	{"taslimu 500", argument(command.Cash, command.ProblemNoPhone)},
	{"TOA 0712345678 0722345678 500", argument(command.Payout, command.ProblemTwoPhones)},
	{"lipa 0712345678 500", argument(command.Repay, command.ProblemExtra)},
}

func TestParse(t *testing.T) {
	for _, tc := range cases {
		got, err := command.Parse(tc.text)
		var ue *command.UnknownError
		var ae *command.ArgumentError
		switch w := tc.want; {
		case w.empty:
			if !errors.Is(err, command.ErrEmpty) {
				t.Errorf("Parse(%q) = %+v, %v; want ErrEmpty", tc.text, got, err)
			}
		case w.unknown:
			if !errors.As(err, &ue) || !errors.Is(err, command.ErrUnknown) || ue.Suggestion != w.suggestion {
				t.Errorf("Parse(%q) = %+v, %v; want unknown, suggestion %q", tc.text, got, err, w.suggestion)
			}
		case w.problem != "":
			if !errors.As(err, &ae) || !errors.Is(err, command.ErrArguments) || ae.Verb != w.cmd.Verb || ae.Problem != w.problem {
				t.Errorf("Parse(%q) = %+v, %v; want %s: %s", tc.text, got, err, w.cmd.Verb, w.problem)
			}
		default:
			if err != nil || got != w.cmd {
				t.Errorf("Parse(%q) = %+v, %v;\nwant %+v", tc.text, got, err, w.cmd)
			}
		}
		if err != nil && got != (command.Command{}) {
			t.Errorf("Parse(%q) failed with a non-zero command %+v", tc.text, got)
		}
	}
	if len(cases) < 60 {
		t.Errorf("only %d cases", len(cases))
	}
}

func TestPhoneForms(t *testing.T) {
	for _, s := range []string{"0712345678", "0712 345 678", "0712-345-678", "712345678x", "254712345678",
		"+254712345678", "+254 712 345 678", "+254-712-345-678", "2540712345678", "00254712345678", "(+254)712345678"} {
		got, err := command.Parse("ONDOA " + s)
		if s == "712345678x" { // a bare subscriber number is too like an amount to be taken
			if !errors.Is(err, command.ErrArguments) {
				t.Errorf("ONDOA %s = %+v, %v; want an argument error", s, got, err)
			}
			continue
		}
		if err != nil || got.Phone != amina {
			t.Errorf("ONDOA %s = %+v, %v; want %s", s, got, err, amina)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"BALANC", `command: unknown command "BALANC"; did you mean BAL?`},
		{"xyz", `command: unknown command "xyz"`},
		{"0712345678", "command: unknown command"}, // a number sent by mistake is not repeated
		{"CHANGA", "command: contribute: amount missing (e.g. CONTRIBUTE 500)"},
	} {
		if _, err := command.Parse(tc.text); err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) error = %v; want %s", tc.text, err, tc.want)
		}
	}
}

func TestMovesMoney(t *testing.T) {
	moves := map[command.Verb]bool{command.Contribute: true, command.Loan: true, command.Repay: true, command.Cash: true, command.Payout: true}
	for _, v := range allVerbs {
		if got := (command.Command{Verb: v}).MovesMoney(); got != moves[v] {
			t.Errorf("%s MovesMoney = %t", v, got)
		}
	}
}

var allVerbs = []command.Verb{command.Balance, command.Statement, command.Contribute, command.Loan, command.Repay,
	command.Help, command.Language, command.Stop, command.Join, command.Add, command.Remove, command.Members,
	command.Arrears, command.Remind, command.Cash, command.Payout, command.Rules, command.Verify, command.Invite}

// TestExamplesParse checks that every example a reply quotes parses to its own verb, in
// both languages, and that each keyword does.
func TestExamplesParse(t *testing.T) {
	for _, v := range allVerbs {
		for _, lang := range []string{"sw", "en"} {
			for _, s := range []string{v.Example(lang), v.Keyword(lang)} {
				c, err := command.Parse(s)
				var ae *command.ArgumentError
				if errors.As(err, &ae) {
					c.Verb = ae.Verb
				}
				if c.Verb != v || (err != nil && ae == nil) {
					t.Errorf("%s %s: Parse(%q) = %+v, %v", v, lang, s, c, err)
				}
			}
			if c, err := command.Parse(v.Example(lang)); err != nil {
				t.Errorf("%s %s: example %q: %v (%+v)", v, lang, v.Example(lang), err, c)
			}
		}
	}
	if command.Verb("dance").Keyword("en") != "" {
		t.Error("an undefined verb has a keyword")
	}
}

// TestSuggestion: a typo is never obeyed, but the reply names the command it resembles.
// "CHANGE 500" suggests CHANGA rather than being taken for it: CHANGE is an English word,
// and a reply costs less than a wrong command.
func TestSuggestion(t *testing.T) {
	for _, tc := range []struct {
		text string
		want command.Verb
	}{
		{"BALANC", command.Balance},
		{"BALL", command.Balance},          // a multi-tap double letter
		{"SALLIO", command.Balance},        // the same in Swahili
		{"ACK", command.Balance},           // T9 predictive text for the keys of BAL
		{"SUMS", command.Stop},             // T9 for STOP
		{"CHANAG 500", command.Contribute}, // two letters swapped
		{"CHANGE 500", command.Contribute},
		{"MKOPPO 5000 3", command.Loan},
		{"LIPAA 1000", command.Repay},
		{"TAARIFAA", command.Statement},
		{"WANACHAM", command.Members},
		{"MEMB", command.Members}, // cut short: the start of one command's keywords only
		{"REM", ""},               // the start of REMOVE and REMIND: no guess
		{"HELLP", command.Help},
		{"VERFY", command.Verify},
		{"THIBITSHA", command.Verify},
		{"KUMBUSA", command.Remind},
		{"INVTE 0712345678", command.Invite},
		{"MADENII", command.Arrears},
		{"TOAA", command.Payout},
		{"umoja salioo", command.Balance},
		{"QQQ", ""},
		{"supercalifragilistic", ""},
	} {
		_, err := command.Parse(tc.text)
		var ue *command.UnknownError
		if !errors.As(err, &ue) || ue.Suggestion != tc.want {
			t.Errorf("Parse(%q) = %v; want a suggestion of %q", tc.text, err, tc.want)
		}
	}
}
