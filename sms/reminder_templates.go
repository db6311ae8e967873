package sms

import (
	"fmt"
	"text/template"
)

// reminderTemplates are the reminders Reminders sends, in Swahili and English ({sw, en}).
// They join the catalogue in init below, like the replies, so chama's own kinds stay what
// its tests hold them to. Every reminder names .dial, the USSD shortcut that does what it
// asks (pay, repay, decide, read the statement), except the treasurer's digest, which
// asks nothing and needs the room for its figures; see Reminders for how it is built.
//
// Vars: .group the group's code; .amount what is unpaid; .date a day (dd/mm/yyyy) or, for
// an approval, when it expires (dd/mm/yyyy hh:mm); .fine the late fine the group's rules
// charge, with .every (once, daily, weekly) how often; .loan and .n an instalment; .penalty
// the late penalty on it; .id and .subject a request; .cycle the cycle's number. .fine
// and .penalty may be empty: the sentence about them is left out. Each text stays within
// MaxSegments GSM-7 parts with every var at its longest: the tests check each one.
var reminderTemplates = map[string][2]string{
	"remind.due": {
		`{{.group}}: kumbusho, mchango wako wa {{kes .amount}} unatakiwa tarehe {{.date}}. Piga {{.dial}} kulipa.`,
		`{{.group}}: reminder, your contribution of {{kes .amount}} is due on {{.date}}. Dial {{.dial}} to pay.`,
	},
	"remind.overdue": {
		`{{.group}}: mchango wako wa {{kes .amount}} uliotakiwa {{.date}} umechelewa.{{with .fine}} Faini ya kuchelewa: {{kes .}}{{if eq $.every "daily" "weekly"}} {{recur $.every}}{{end}}.{{end}} Piga {{.dial}} kulipa.`,
		`{{.group}}: your contribution of {{kes .amount}} due on {{.date}} is late.{{with .fine}} Late fine: {{kes .}}{{if eq $.every "daily" "weekly"}} {{recur $.every}}{{end}}.{{end}} Dial {{.dial}} to pay.`,
	},
	"remind.instalment": {
		`{{.group}}: kumbusho, awamu ya {{.n}} ya mkopo #{{.loan}}, {{kes .amount}}, inatakiwa tarehe {{.date}}. Piga {{.dial}} kulipa.`,
		`{{.group}}: reminder, instalment {{.n}} of loan #{{.loan}}, {{kes .amount}}, is due on {{.date}}. Dial {{.dial}} to repay.`,
	},
	"remind.instalment_overdue": {
		`{{.group}}: awamu ya {{.n}} ya mkopo #{{.loan}} ({{kes .amount}}) iliyotakiwa {{.date}} imechelewa.{{with .penalty}} Adhabu ya kuchelewa: {{kes .}}.{{end}} Piga {{.dial}} kulipa.`,
		`{{.group}}: instalment {{.n}} of loan #{{.loan}} ({{kes .amount}}) due on {{.date}} is late.{{with .penalty}} Late penalty: {{kes .}}.{{end}} Dial {{.dial}} to repay.`,
	},
	"remind.approval": {
		`{{.group}}: ombi #{{.id}} ({{subject .subject}}) bado linasubiri uamuzi wako; litaisha muda {{.date}}. Piga {{.dial}} kukubali au kukataa kwa PIN yako.`,
		`{{.group}}: request #{{.id}} ({{subject .subject}}) still needs your decision; it expires {{.date}}. Dial {{.dial}} to approve or reject it with your PIN.`,
	},
	"remind.official": { // sent by an official's REMIND (sms/officials.go), .by naming them
		`{{.group}}: {{.by}} anakukumbusha kuwa unadaiwa {{kes .amount}} ya michango au faini zilizochelewa. Piga {{.dial}} kulipa.`,
		`{{.group}}: {{.by}} reminds you that you owe {{kes .amount}} in overdue contributions or fines. Dial {{.dial}} to pay.`,
	},
	"digest.treasurer": { // sms/digest.go; .in_n and .out_n count payments, .inhand may be empty
		`{{.group}} {{.date}}: zimeingia {{kes .in}} ({{.in_n}}), zimetoka {{kes .out}} ({{.out_n}}). Pesa {{kes .cash}}{{with .inhand}}, viongozi wanashika {{kes .}}{{end}}. Madeni {{kes .arrears}} kwa {{.debtors}}. Maombi: {{.approvals}}.`,
		`{{.group}} {{.date}}: in {{kes .in}} ({{.in_n}}), out {{kes .out}} ({{.out_n}}). Cash {{kes .cash}}{{with .inhand}}, officials hold {{kes .}}{{end}}. Owed {{kes .arrears}} by {{.debtors}}. Requests: {{.approvals}}.`,
	},
	"remind.cycle": {
		`{{.group}}: mzunguko wa {{.cycle}} wa kikundi unaisha tarehe {{.date}}. Piga {{.dial}} kuona akiba na taarifa yako.`,
		`{{.group}}: the group's cycle {{.cycle}} ends on {{.date}}. Dial {{.dial}} to see your savings and statement.`,
	},
}

// Longest each reminder var may be, in septets (see varLimits). .group, .amount,
// .subject and .id have chama's limits; .fine and .dial the replies' (reply_templates.go),
// which are the same as they would be here.
var reminderLimits = map[string]int{
	"date":    maxVar, // "05/03/2026 14:00"
	"every":   8,      // "weekly"
	"penalty": maxAmount,
	"cycle":   8,
	"n":       8,
	// the digest's
	"in":        maxAmount,
	"out":       maxAmount,
	"cash":      maxAmount,
	"inhand":    maxAmount,
	"in_n":      8,
	"out_n":     8,
	"debtors":   8,
	"approvals": 8,
}

// reminderKinds is every reminder kind, for the tests.
var reminderKinds []string

// init adds the reminders to the catalogue Render reads and their vars' limits to
// varLimits. A kind already in the catalogue, or a var already limited differently, stops
// the program: reminders must never change how another message renders. Vars the replies
// also limit are left to reply_templates.go's init (which refuses any it finds already
// set), provided both agree.
func init() {
	for kind, pair := range reminderTemplates {
		if _, dup := parsed[kind]; dup {
			panic("sms: reminder kind " + kind + " already in the catalogue")
		}
		var p [2]*template.Template
		for i, src := range pair {
			p[i] = template.Must(template.New(kind).Option("missingkey=error").Funcs(replyFuncs[i]).Parse(src))
		}
		parsed[kind] = p
		reminderKinds = append(reminderKinds, kind)
	}
	for k, n := range reminderLimits {
		if old, ok := replyLimits[k]; ok {
			if old != n {
				panic(fmt.Sprintf("sms: reminder var %q (limit %d) limited to %d by the replies", k, n, old))
			}
			continue
		}
		if old, ok := varLimits[k]; ok && old != n {
			panic(fmt.Sprintf("sms: reminder var %q (limit %d) already limited to %d", k, n, old))
		}
		varLimits[k] = n
	}
}
