package sms

import (
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
)

// templates is every notice chama sends, in Swahili and English ({sw, en}). Each is a Go
// text/template over the notice's Vars, plus .ussd, the code to dial; kes formats an
// amount ("1500.00" as "KES 1,500.00"); subject, purpose and reason put chama's words in
// the message's language. A notice that asks for a PIN names the code to dial. Every text
// must stay within MaxSegments GSM-7 parts with every var at its longest (limits below):
// the tests check each one.
var templates = map[string][2]string{
	"invited": {
		`{{.by}} amekualika ujiunge na {{.group}} (nambari {{.code}}) kwenye Kikundi. Piga {{.ussd}} kukubali na kuweka PIN yako.`,
		`{{.by}} has invited you to join {{.group}} (code {{.code}}) on Kikundi. Dial {{.ussd}} to accept and set your PIN.`,
	},
	"pin.locked": {
		`Kikundi: PIN yako imefungwa baada ya majaribio mengi yasiyo sahihi. Jaribu tena baada ya {{.until}}. Kama si wewe, mjulishe mwenyekiti wako.`,
		`Kikundi: your PIN is locked after too many wrong tries. Try again after {{.until}}. If it was not you, tell your chairperson.`,
	},
	"simswap.hold": {
		`{{.group}}: laini ya simu ya {{.name}} ({{.phone}}) imebadilishwa. Kwa usalama, haiwezi kuomba, kuidhinisha wala kuweka PIN mpya, na malipo kwake yanasubiri hadi {{.until}}. Kama si yeye, mtafuteni ana kwa ana au kwa nambari nyingine, si hii.`,
		`{{.group}}: the SIM card of {{.name}}'s number ({{.phone}}) changed. For safety it cannot ask, approve or set a new PIN, and payouts to it wait, until {{.until}}. Check with them in person or on another number, not this one.`,
	},
	"pin.reset_allowed": {
		`Kikundi: viongozi wameidhinisha PIN yako ibadilishwe. Piga {{.ussd}}, chagua Mipangilio kisha Badilisha PIN: PIN ya zamani haitaulizwa.`,
		`Kikundi: your officials approved a PIN reset. Dial {{.ussd}}, choose Settings, then Change PIN: the old PIN will not be asked for.`,
	},
	"approval.needed": {
		`{{.group}}: ombi #{{.id}} ({{subject .subject}}) linasubiri uamuzi wako. Piga {{.ussd}} kukubali au kukataa kwa PIN yako.`,
		`{{.group}}: request #{{.id}} ({{subject .subject}}) needs your decision. Dial {{.ussd}} to approve or reject it with your PIN.`,
	},
	"approval.approved": {
		`{{.group}}: ombi lako #{{.id}} ({{subject .subject}}) limeidhinishwa.`,
		`{{.group}}: your request #{{.id}} ({{subject .subject}}) was approved.`,
	},
	"approval.rejected": {
		`{{.group}}: ombi lako #{{.id}} ({{subject .subject}}) limekataliwa{{with .reason}}: {{reason .}}{{end}}.`,
		`{{.group}}: your request #{{.id}} ({{subject .subject}}) was rejected{{with .reason}}: {{reason .}}{{end}}.`,
	},
	"approval.expired": {
		`{{.group}}: ombi lako #{{.id}} ({{subject .subject}}) limeisha muda kabla ya viongozi wa kutosha kuamua.`,
		`{{.group}}: your request #{{.id}} ({{subject .subject}}) expired before enough officials decided.`,
	},
	"approval.failed": {
		`{{.group}}: ombi lako #{{.id}} ({{subject .subject}}) liliidhinishwa lakini halikuweza kutekelezwa{{with .reason}}: {{reason .}}{{end}}.`,
		`{{.group}}: your request #{{.id}} ({{subject .subject}}) was approved but could not be carried out{{with .reason}}: {{reason .}}{{end}}.`,
	},
	"contribution.received": {
		`{{.group}}: tumepokea mchango wako wa {{kes .amount}}, M-Pesa {{.receipt}}. Akiba yako sasa ni {{kes .savings}}. Asante!`,
		`{{.group}}: we received your contribution of {{kes .amount}}, M-Pesa {{.receipt}}. Your savings are now {{kes .savings}}. Thank you!`,
	},
	"cash.received": {
		`{{.group}}: mchango wako wa {{kes .amount}} taslimu ulioshikwa na {{.holder}} umethibitishwa, kumb. {{.receipt}}. Akiba yako sasa ni {{kes .savings}}. Asante!`,
		`{{.group}}: your cash contribution of {{kes .amount}}, held by {{.holder}}, is confirmed, ref {{.receipt}}. Your savings are now {{kes .savings}}. Thank you!`,
	},
	"cash.recorded": {
		`{{.group}}: {{.holder}} amerekodi {{kes .amount}} taslimu kutoka kwako (#{{.id}}). Zitaingia kwenye akiba yako kiongozi mwingine akithibitisha. Kama kiasi si sahihi, mwambie mwenyekiti.`,
		`{{.group}}: {{.holder}} recorded {{kes .amount}} in cash from you (#{{.id}}). It goes to your savings once another official confirms. If the amount is wrong, tell your chair.`,
	},
	"cash.not_confirmed": {
		`{{.group}}: taslimu ya {{kes .amount}} iliyorekodiwa na {{.holder}} (#{{.id}}) haikuthibitishwa; akiba yako haijabadilika. Waulize viongozi wako.`,
		`{{.group}}: the {{kes .amount}} in cash recorded by {{.holder}} (#{{.id}}) was not confirmed; your savings did not change. Ask your officials.`,
	},
	"cash.deposited": { // .saved is empty unless more was paid in than was held
		`{{.group}}: umelipa {{kes .amount}} za taslimu kwa M-Pesa {{.receipt}}. Bado unashika {{kes .held}}.{{with .saved}} {{kes .}} zaidi zimeongezwa kwenye akiba yako.{{end}}`,
		`{{.group}}: you paid in {{kes .amount}} of the cash you hold, M-Pesa {{.receipt}}. You still hold {{kes .held}}.{{with .saved}} {{kes .}} more went to your savings.{{end}}`,
	},
	"statement.part": { // chama.SendStatement: .lines are up to 4 statement lines, newline-separated
		"{{.group}} taarifa ya akiba {{.part}}/{{.parts}}:\n{{.lines}}",
		"{{.group}} savings statement {{.part}}/{{.parts}}:\n{{.lines}}",
	},
	"fine.charged": {
		`{{.group}}: umetozwa faini ya {{kes .amount}} kwa kipindi cha {{.period}}.`,
		`{{.group}}: you were charged a fine of {{kes .amount}} for period {{.period}}.`,
	},
	"guarantee.asked": {
		`{{.group}}: {{.borrower}} anakuomba umdhamini {{kes .amount}} kwa mkopo #{{.loan}}. Piga {{.ussd}} kukubali au kukataa kwa PIN yako.`,
		`{{.group}}: {{.borrower}} asks you to guarantee {{kes .amount}} of loan #{{.loan}}. Dial {{.ussd}} to accept or decline with your PIN.`,
	},
	"guarantee.called": {
		`{{.group}}: mkopo #{{.loan}} uliodhamini haukulipwa kwa wakati. Dhamana yako imetumika kuulipa.`,
		`{{.group}}: loan #{{.loan}} that you guaranteed was not repaid on time. Your pledge has been used to recover it.`,
	},
	"loan.closed": {
		`{{.group}}: mkopo #{{.loan}} umelipwa wote na kufungwa. Asante!`,
		`{{.group}}: loan #{{.loan}} is fully repaid and closed. Thank you!`,
	},
	"loan.rejected": {
		`{{.group}}: mkopo #{{.loan}} haukuidhinishwa{{with .reason}} ({{reason .}}){{end}}. Dhamana zote zimeachiliwa.`,
		`{{.group}}: loan #{{.loan}} was not approved{{with .reason}} ({{reason .}}){{end}}. Any pledges on it are released.`,
	},
	"loan.cancelled": {
		`{{.group}}: ombi la mkopo #{{.loan}} limefutwa{{with .reason}} ({{reason .}}){{end}}. Dhamana zote zimeachiliwa.`,
		`{{.group}}: loan #{{.loan}} was cancelled{{with .reason}} ({{reason .}}){{end}}. Any pledges on it are released.`,
	},
	"loan.defaulted": {
		`{{.group}}: mkopo #{{.loan}} haukulipwa kwa wakati{{with .reason}} ({{reason .}}){{end}}. Akiba na dhamana zimetumika kulipa sehemu; kilichobaki bado kinadaiwa. Piga {{.ussd}} kulipa.`,
		`{{.group}}: loan #{{.loan}} is in default{{with .reason}} ({{reason .}}){{end}}. Savings and pledges were used to recover part of it; the rest is still owed. Dial {{.ussd}} to repay.`,
	},
	"loan.repaid": {
		`{{.group}}: tumepokea {{kes .amount}} kwa mkopo #{{.loan}}, M-Pesa {{.receipt}}. Deni lililobaki: {{kes .remaining}}.`,
		`{{.group}}: we received {{kes .amount}} for loan #{{.loan}}, M-Pesa {{.receipt}}. Still owed: {{kes .remaining}}.`,
	},
	"payout.paid": {
		`{{.group}}: {{kes .amount}} ({{purpose .purpose}}) imetumwa kwa M-Pesa yako, kumbukumbu {{.receipt}}.`,
		`{{.group}}: {{kes .amount}} ({{purpose .purpose}}) was sent to your M-Pesa, ref {{.receipt}}.`,
	},
	"peer.offer": {
		`{{.group}}: {{.lender}} anakupa mkopo #{{.loan}} wa {{kes .amount}}; utarudisha jumla ya {{kes .total}}. Piga {{.ussd}} kuona masharti na kukubali kwa PIN yako.`,
		`{{.group}}: {{.lender}} offers you loan #{{.loan}} of {{kes .amount}}; you would repay {{kes .total}} in all. Dial {{.ussd}} to see the terms and accept with your PIN.`,
	},
	"peer.repaid": {
		`{{.group}}: umelipwa {{kes .amount}} kwa mkopo #{{.loan}} uliotoa. Bado unadai {{kes .remaining}}.`,
		`{{.group}}: you were repaid {{kes .amount}} on loan #{{.loan}} you gave. Still owed to you: {{kes .remaining}}.`,
	},
}

// Longest a var may be, in septets, once spelled in GSM-7; longer ones are cut with "...".
// The limits are what keeps every template within MaxSegments.
const (
	maxReason = 80 // free text, chama's English
	maxName   = 30 // a group's name or code, a person's name
	maxAmount = 20 // "1500.00", as chama writes NUMERIC(18,2)
	maxVar    = 16 // ids, receipts, periods, times
)

var varLimits = map[string]int{
	"reason": maxReason, "group": maxName, "by": maxName, "lender": maxName, "borrower": maxName, "holder": maxName,
	"subject": maxName, "purpose": maxName,
	"amount": maxAmount, "savings": maxAmount, "remaining": maxAmount, "total": maxAmount,
	"lines": 4 * 61, // four chama.LineText lines and their newlines
	"held":  maxAmount, "saved": maxAmount,
}

// Why a notice did not render.
var (
	ErrUnknownKind = errors.New("sms: unknown notice kind")
	ErrUnknownLang = errors.New("sms: unknown language")
	ErrTooLong     = errors.New("sms: message longer than allowed")
)

// DefaultUSSDCode is the code messages name when Renderer.USSDCode is empty.
const DefaultUSSDCode = "*384*12#"

// Renderer turns chama's notices into message text. Its zero value is ready to use.
type Renderer struct {
	USSDCode string // the code a message tells the member to dial; DefaultUSSDCode if empty
}

// Render returns n's text in n.Lang (sw when empty). Every var is first spelled in GSM-7
// and cut to its limit, so the text is always GSM-7 and at most MaxSegments parts. An
// unknown kind or language, a var the template needs but n lacks, or an amount that is not
// a number is an error.
func (r Renderer) Render(n chama.Notice) (text string, err error) {
	pair, ok := parsed[n.Kind]
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownKind, n.Kind)
	}
	lang, err := langIndex(n.Lang)
	if err != nil {
		return "", err
	}
	data := map[string]string{"reason": ""} // optional everywhere it appears
	for k, v := range n.Vars {
		limit, ok := varLimits[k]
		if !ok {
			limit = maxVar
		}
		v = strings.TrimSpace(clean(v))
		if k == "reason" {
			v = strings.TrimRight(v, ".") // the template ends the sentence
		}
		data[k] = truncate(v, limit)
	}
	data["ussd"] = r.USSDCode
	if data["ussd"] == "" {
		data["ussd"] = DefaultUSSDCode
	}
	var b strings.Builder
	if err := pair[lang].Execute(&b, data); err != nil {
		return "", fmt.Errorf("sms: render %s: %w", n.Kind, err)
	}
	text = b.String()
	if parts, gsm7 := Segments(text); !gsm7 || parts > MaxSegments {
		return "", fmt.Errorf("%w: %s in %d parts (GSM-7 %t)", ErrTooLong, n.Kind, parts, gsm7)
	}
	return text, nil
}

// langIndex is a language's place in a {sw, en} pair.
func langIndex(lang string) (int, error) {
	switch lang {
	case "sw", "":
		return 0, nil
	case "en":
		return 1, nil
	}
	return 0, fmt.Errorf("%w %q", ErrUnknownLang, lang)
}

// parsed is templates, parsed once; a template that does not parse stops the program at
// start (and the tests before that).
var parsed = func() map[string][2]*template.Template {
	out := make(map[string][2]*template.Template, len(templates))
	for kind, pair := range templates {
		var p [2]*template.Template
		for i, src := range pair {
			p[i] = template.Must(template.New(kind).Option("missingkey=error").Funcs(funcs[i]).Parse(src))
		}
		out[kind] = p
	}
	return out
}()

// funcs are the template functions of each language.
var funcs = [2]template.FuncMap{
	{"kes": kes, "subject": words(subjectsSw), "purpose": words(purposesSw), "reason": words(reasonsSw)},
	{"kes": kes, "subject": words(subjectsEn), "purpose": words(purposesEn), "reason": words(reasonsEn)},
}

// words translates chama's word for something, leaving one it does not know as it is.
func words(m map[string]string) func(string) string {
	return func(s string) string {
		if w, ok := m[s]; ok {
			return w
		}
		return s
	}
}

var subjectsEn = map[string]string{
	chama.SubjectLoan: "loan", chama.SubjectWithdrawal: "withdrawal", chama.SubjectRotation: "merry-go-round payout",
	chama.SubjectWelfare: "welfare", chama.SubjectRules: "rule change", chama.SubjectRole: "role change",
	chama.SubjectExit: "exit", chama.SubjectRemoval: "removal", chama.SubjectPINReset: "PIN reset",
	chama.SubjectWaiver: "fine waiver", chama.SubjectShareOut: "share-out", chama.SubjectCash: "cash contribution",
}

var subjectsSw = map[string]string{
	chama.SubjectLoan: "mkopo", chama.SubjectWithdrawal: "kutoa akiba", chama.SubjectRotation: "malipo ya mzunguko",
	chama.SubjectWelfare: "ustawi", chama.SubjectRules: "kubadili kanuni", chama.SubjectRole: "kubadili cheo",
	chama.SubjectExit: "kujiondoa", chama.SubjectRemoval: "kuondoa mwanachama", chama.SubjectPINReset: "kubadili PIN",
	chama.SubjectWaiver: "kusamehe faini", chama.SubjectShareOut: "kugawana akiba", chama.SubjectCash: "mchango taslimu",
}

var purposesEn = map[string]string{
	chama.PurposeLoan: "loan", chama.PurposeRotation: "merry-go-round", chama.PurposeWithdrawal: "withdrawal",
	chama.PurposeWelfare: "welfare", chama.PurposeShareOut: "share-out", chama.PurposeExit: "exit",
	chama.PurposePeerLoan: "peer loan",
}

var purposesSw = map[string]string{
	chama.PurposeLoan: "mkopo", chama.PurposeRotation: "mzunguko", chama.PurposeWithdrawal: "kutoa akiba",
	chama.PurposeWelfare: "ustawi", chama.PurposeShareOut: "mgao wa akiba", chama.PurposeExit: "kujiondoa",
	chama.PurposePeerLoan: "mkopo wa mwanachama",
}

// reasonsSw and reasonsEn word the reasons chama gives (in English) for closing a request
// or a loan so that they read well inside the message. A reason not listed, such as a
// refusal's error text, is shown as chama wrote it.
var reasonsSw = map[string]string{
	"rejected":                    "viongozi wamekataa",
	"expired":                     "muda wa kuamua umeisha",
	"failed":                      "haukuweza kutolewa",
	"repaid":                      "umelipwa",
	"a guarantor declined":        "mdhamini amekataa",
	"not completed within 7 days": "halikukamilika ndani ya siku 7",
	"cancelled by member":         "na mwanachama",
	"cancelled by chair":          "na mwenyekiti",
	"cancelled by treasurer":      "na mweka hazina",
	"cancelled by secretary":      "na katibu",
}

var reasonsEn = map[string]string{
	"rejected":               "the officials rejected it",
	"expired":                "the officials did not decide in time",
	"failed":                 "it could not be paid out",
	"cancelled by member":    "by a member",
	"cancelled by chair":     "by the chair",
	"cancelled by treasurer": "by the treasurer",
	"cancelled by secretary": "by the secretary",
}

// kes formats an amount as "KES 1,500.00": two decimals, a comma between thousands.
func kes(amount string) (string, error) {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return "", fmt.Errorf("amount %q is not a number", amount)
	}
	s := d.Abs().StringFixed(2)
	whole, cents := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	b.WriteString("KES ")
	if d.IsNegative() {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString(cents)
	return b.String(), nil
}
