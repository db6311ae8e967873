package chama_test

import (
	"testing"
	"time"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

func TestWordsMembersRead(t *testing.T) {
	line := ledger.StatementLine{Kind: "contribution", Amount: kes("1050"), BalanceAfter: kes("6300"),
		OccurredAt: time.Date(2026, 5, 12, 6, 0, 0, 0, time.UTC)}
	for _, c := range []struct{ got, want string }{
		{chama.LineText(line, "sw"), "12/05 Mchango +1,050.00 =6,300.00"},
		{chama.LineText(line, "en"), "12/05 Contribution +1,050.00 =6,300.00"},
		{chama.Shillings(kes("1234567.5")), "1,234,567.50"},
		{chama.Shillings(kes("-950")), "-950.00"},
		{chama.ReasonText(rules.Reason{Code: rules.ReasonContributionsOnTime, Points: 25}, "sw"), "Michango kwa wakati +25"},
		{chama.ReasonText(rules.Reason{Code: rules.ReasonDefault, Points: -30}, "en"), "A loan not repaid -30"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// Every reason the score can give has words in both languages.
	for _, code := range []string{rules.ReasonContributionsOnTime, rules.ReasonLateContributions, rules.ReasonRepaidOnTime,
		rules.ReasonLateRepayments, rules.ReasonGuaranteesHonoured, rules.ReasonGuaranteesNotHonoured, rules.ReasonFines,
		rules.ReasonDefault, rules.ReasonTenure, rules.ReasonNewMember} {
		if sw, en := chama.ReasonText(rules.Reason{Code: code}, "sw"), chama.ReasonText(rules.Reason{Code: code}, "en"); sw == code || en == code || sw == en {
			t.Errorf("reason %s: sw %q en %q", code, sw, en)
		}
	}
}
