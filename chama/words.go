package chama

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// The words a member reads for what chama computes: score reasons and statement lines,
// in Swahili and English. USSD and SMS own their screens and templates; these are the
// domain's own terms, kept here so that both channels say the same thing.

var reasonWords = map[string][2]string{ // sw, en
	rules.ReasonContributionsOnTime:   {"Michango kwa wakati", "Contributions paid on time"},
	rules.ReasonLateContributions:     {"Michango imechelewa", "Late contributions"},
	rules.ReasonRepaidOnTime:          {"Mikopo imelipwa kwa wakati", "Loans repaid on time"},
	rules.ReasonLateRepayments:        {"Marejesho yamechelewa", "Late loan repayments"},
	rules.ReasonGuaranteesHonoured:    {"Dhamana zimeheshimiwa", "Guarantees honoured"},
	rules.ReasonGuaranteesNotHonoured: {"Dhamana hazikuheshimiwa", "Guarantees not honoured"},
	rules.ReasonFines:                 {"Faini", "Fines"},
	rules.ReasonDefault:               {"Mkopo haukulipwa", "A loan not repaid"},
	rules.ReasonTenure:                {"Muda kikundini", "Time in the group"},
	rules.ReasonNewMember:             {"Mwanachama mpya", "New member"},
}

// ReasonText is a score reason in words, with its points: "Michango kwa wakati +25".
func ReasonText(r rules.Reason, lang string) string {
	w, ok := reasonWords[r.Code]
	if !ok {
		w = [2]string{r.Code, r.Code}
	}
	text := w[0]
	if lang == "en" {
		text = w[1]
	}
	if r.Points == 0 {
		return text
	}
	return fmt.Sprintf("%s %+d", text, r.Points)
}

var kindWords = map[string][2]string{
	"contribution":      {"Mchango", "Contribution"},
	"contribution.cash": {"Mchango taslimu", "Cash contribution"},
	"cash.deposit":      {"Taslimu imelipwa", "Cash paid in"},
	"loan.repayment":    {"Rejesho", "Repayment"},
	"peer.repayment":    {"Rejesho", "Repayment"},
	"peer.escrow":       {"Mkopo kwa mwenzako", "Peer loan"},
	"peer.refund":       {"Mkopo umerudishwa", "Peer loan returned"},
	"hold.post":         {"Malipo", "Payout"},
	"debts.settled":     {"Deni limelipwa", "Debt settled"},
	"shareout.close":    {"Gawio", "Share-out"},
	"loan.recovery":     {"Dhamana imetumika", "Guarantee used"},
	"exit.fines":        {"Faini", "Fines"},
	"debt.written_off":  {"Deni limefutwa", "Debt written off"},
}

// LineText is one statement line short enough for a feature phone's screen or one SMS:
// "12/05 Mchango +1,050.00 =6,300.00".
func LineText(l ledger.StatementLine, lang string) string {
	w, ok := kindWords[l.Kind]
	if !ok {
		w = [2]string{l.Kind, l.Kind}
	}
	what := w[0]
	if lang == "en" {
		what = w[1]
	}
	sign := "+"
	if l.Amount.IsNegative() {
		sign = "-"
	}
	return fmt.Sprintf("%s %s %s%s =%s", l.OccurredAt.In(nairobi).Format("02/01"), what, sign,
		Shillings(l.Amount.Abs()), Shillings(l.BalanceAfter))
}

// Shillings writes an amount as members read it: thousands separated, two decimals.
func Shillings(d decimal.Decimal) string {
	s := d.StringFixed(2)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, cents, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String() + "." + cents
	if neg {
		return "-" + out
	}
	return out
}
