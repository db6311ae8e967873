package sms

import (
	"fmt"
	"maps"
	"text/template"

	"github.com/kikundi/kikundi/sms/command"
)

// replyTemplates answer the commands members and officials send by SMS, in Swahili and
// English ({sw, en}). They join chama's notices in the catalogue (init below), so a reply
// is rendered, stored, queued, sent and reported on like every other message. Every kind
// is answered with .ref, the inbound message's id: the outbox stores a notice once per
// kind, vars and day, and two identical commands on one day must both be answered.
//
// Vars beyond chama's: .dial is a USSD code or shortcut (the Renderer's own .ussd is the
// bare code, and a reply often needs more); lists (.names, .groups, .commands) are joined
// in Go and cut to fit (replyLimits). Each text must stay within MaxSegments GSM-7 parts
// with every var at its longest: the tests check each one in both languages.
var replyTemplates = map[string][2]string{
	"reply.join_us": { // one text in both slots: we do not know the sender's language
		joinUs, joinUs,
	},
	"reply.balance": {
		`{{.group}}: akiba {{kes .savings}} (inayopatikana {{kes .free}}). Mkopo {{kes .borrowed}}. Faini {{kes .fines}}. Michango iliyochelewa {{kes .arrears}}.`,
		`{{.group}}: savings {{kes .savings}} ({{kes .free}} free). Loan {{kes .borrowed}}. Fines {{kes .fines}}. Overdue contributions {{kes .arrears}}.`,
	},
	"reply.statement": {
		"{{.group}} taarifa ya akiba:\n{{.l1}}{{with .l2}}\n{{.}}{{end}}{{with .l3}}\n{{.}}{{end}}\nZaidi: piga {{.dial}}",
		"{{.group}} savings statement:\n{{.l1}}{{with .l2}}\n{{.}}{{end}}{{with .l3}}\n{{.}}{{end}}\nMore: dial {{.dial}}",
	},
	"reply.statement_empty": {
		`{{.group}}: bado hakuna miamala kwenye akiba yako.`,
		`{{.group}}: no transactions on your savings yet.`,
	},
	"reply.contribute": {
		`{{.group}}: kuchanga {{kes .amount}}, piga {{.dial}} kuthibitisha kwa PIN yako. SMS pekee haihamishi pesa.`,
		`{{.group}}: to contribute {{kes .amount}}, dial {{.dial}} and confirm with your PIN. An SMS alone never moves money.`,
	},
	"reply.loan": {
		`{{.group}}: kuomba mkopo wa {{kes .amount}}, piga {{.dial}}{{with .months}}, chagua miezi {{.}}{{end}}, soma masharti na uthibitishe kwa PIN yako. SMS pekee haihamishi pesa.`,
		`{{.group}}: to borrow {{kes .amount}}, dial {{.dial}}{{with .months}}, choose {{.}} months{{end}}, read the terms and confirm with your PIN. An SMS alone never moves money.`,
	},
	"reply.repay": {
		`{{.group}}: kulipa {{kes .amount}} kwa mkopo wako, piga {{.dial}} kuthibitisha kwa PIN yako. SMS pekee haihamishi pesa.`,
		`{{.group}}: to repay {{kes .amount}} on your loan, dial {{.dial}} and confirm with your PIN. An SMS alone never moves money.`,
	},
	"reply.help": {
		`Amri za Kikundi: {{.commands}}.{{with .officials}} Viongozi: {{.}}.{{end}} Msaada wa amri moja: {{.topic}}. Menyu: {{.dial}}`,
		`Kikundi commands: {{.commands}}.{{with .officials}} Officials: {{.}}.{{end}} Help on one: {{.topic}}. Menu: {{.dial}}`,
	},
	"reply.language": {
		`Sawa! Sasa tutakuandikia kwa Kiswahili.`,
		`OK! We will now write to you in English.`,
	},
	"reply.stop": {
		`Umejiondoa kwenye SMS za matangazo za Kikundi. Risiti na majibu ya maombi yako bado yatakufikia.`,
		`You are unsubscribed from Kikundi's promotional SMS. Receipts and answers to your own requests will still reach you.`,
	},
	"reply.joined": {
		`Karibu {{.name}} ({{.group}})! Sasa wewe ni mwanachama. Tuma {{.help}} kuona amri, au piga {{.dial}}.`,
		`Welcome to {{.name}} ({{.group}})! You are now a member. Send {{.help}} for the commands, or dial {{.dial}}.`,
	},
	"reply.already_member": {
		`Tayari wewe ni mwanachama wa {{.group}}. Tuma {{.help}} kuona amri.`,
		`You are already a member of {{.group}}. Send {{.help}} for the commands.`,
	},
	"reply.not_invited": {
		`Huna mwaliko wa kujiunga na {{.group}}. Mwombe kiongozi wa kikundi hicho akualike.`,
		`You have no invitation to join {{.group}}. Ask one of its officials to invite you.`,
	},
	"reply.not_member": {
		`Wewe si mwanachama hai wa {{.group}}.{{with .join}} Tuma {{.}} kukubali mwaliko wako.{{end}}{{with .groups}} Vikundi vyako: {{.}}.{{end}}`,
		`You are not an active member of {{.group}}.{{with .join}} Send {{.}} to accept your invitation.{{end}}{{with .groups}} Your groups: {{.}}.{{end}}`,
	},
	"reply.no_group": {
		`Bado hujawa mwanachama hai wa kikundi. {{if .join}}Tuma {{.join}} kukubali mwaliko wako.{{else}}Piga {{.dial}} kuanzisha kikundi, au mwombe kiongozi akualike.{{end}}`,
		`You are not an active member of a group yet. {{if .join}}Send {{.join}} to accept your invitation.{{else}}Dial {{.dial}} to start a group, or ask an official to invite you.{{end}}`,
	},
	"reply.which_group": {
		`Uko kwenye vikundi {{.count}}: {{.groups}}. Anza ujumbe kwa nambari ya kikundi, mfano: {{.example}}`,
		`You are in {{.count}} groups: {{.groups}}. Start your message with the group code, e.g. {{.example}}`,
	},
	"reply.officials_only": {
		`{{.group}}: {{.keyword}} ni kwa viongozi (mwenyekiti, mweka hazina, katibu) pekee. Tuma {{.help}} kuona amri zako.`,
		`{{.group}}: {{.keyword}} is for officials (chair, treasurer, secretary) only. Send {{.help}} for your commands.`,
	},
	"reply.officials_menu": {
		`{{.group}}: {{.keyword}} inafanywa kwenye menyu ya viongozi kwa sasa. Piga {{.dial}}; kila hatua inathibitishwa kwa PIN yako.`,
		`{{.group}}: {{.keyword}} is done from the officials' menu for now. Dial {{.dial}}; every step is confirmed with your PIN.`,
	},
	"reply.add": {
		`{{.group}}: kumwalika {{.phone}}, piga {{.dial}}, andika jina na cheo chake, kisha PIN yako. Hukutuma ujumbe huu? Puuza.`,
		`{{.group}}: to invite {{.phone}}, dial {{.dial}}, give their name and role, then your PIN. Did not send this? Ignore it.`,
	},
	"reply.removal": {
		`{{.group}}: ombi #{{.id}} la kumwondoa {{.phone}} limetumwa. Viongozi {{.quorum}} wengine wakikubali kwa PIN zao, akiba yake italipwa na ataondoka.`,
		`{{.group}}: request #{{.id}} to remove {{.phone}} is sent. Once {{.quorum}} other officials approve with their PINs, their savings are paid out and they leave.`,
	},
	"reply.cash": {
		`{{.group}}: kurekodi {{kes .amount}} taslimu kutoka kwa {{.phone}}, piga {{.dial}} na uweke PIN yako. Kiongozi mwingine atathibitisha. Hukutuma ujumbe huu? Puuza.`,
		`{{.group}}: to record {{kes .amount}} in cash from {{.phone}}, dial {{.dial}} and enter your PIN. Another official then confirms it. Did not send this? Ignore it.`,
	},
	"reply.payout": {
		`{{.group}}: kuomba msaada wa ustawi wa {{kes .amount}} kwa {{.phone}}, piga {{.dial}}, chagua sababu na uweke PIN yako. Viongozi wengine wataidhinisha. Hukutuma ujumbe huu? Puuza.`,
		`{{.group}}: to ask for a welfare grant of {{kes .amount}} to {{.phone}}, dial {{.dial}}, choose the reason and enter your PIN. The other officials approve it. Did not send this? Ignore it.`,
	},
	"reply.reminded": {
		`{{.group}}: kumbusho limetumwa kwa wanachama {{.count}} wenye madeni{{with .skipped}}; {{.}} hawapokei SMS{{end}}. Kila mmoja hupata moja tu kwa siku.`,
		`{{.group}}: reminder sent to {{.count}} members in arrears{{with .skipped}}; {{.}} do not take SMS{{end}}. Each gets at most one a day.`,
	},
	"reply.refused": {
		`{{.group}}: {{.keyword}} haikufanyika: {{why .why}}.`,
		`{{.group}}: {{.keyword}} not done: {{why .why}}.`,
	},
	"reply.members": {
		`{{.group}}: wanachama {{.count}}: {{.names}}{{with .more}} na {{.}} zaidi{{end}}.`,
		`{{.group}}: {{.count}} members: {{.names}}{{with .more}} and {{.}} more{{end}}.`,
	},
	"reply.arrears": {
		`{{.group}}: wanachama {{.count}} wana madeni, jumla {{kes .total}}: {{.names}}{{with .more}} na {{.}} zaidi{{end}}.`,
		`{{.group}}: {{.count}} members owe {{kes .total}} in all: {{.names}}{{with .more}} and {{.}} more{{end}}.`,
	},
	"reply.arrears_none": {
		`{{.group}}: hakuna mwanachama mwenye michango au faini zilizochelewa.`,
		`{{.group}}: no member has overdue contributions or fines.`,
	},
	"reply.rules": {
		`{{.group}} sheria: mchango {{kes .contribution}} {{if eq .frequency "weekly"}}kila wiki siku ya {{weekday .dueday}}{{else}}kila mwezi tarehe {{.dueday}}{{end}}. ` +
			`{{if .fine}}Faini {{if eq .finebasis "percent"}}{{.fine}}%{{else}}{{kes .fine}}{{end}} {{recur .recurrence}} baada ya siku {{.grace}} za ziada{{else}}Hakuna faini ya kuchelewa{{end}}. ` +
			`Mkopo hadi mara {{.multiple}} ya akiba, riba {{.rate}}% kwa mwezi, hadi miezi {{.term}}.`,
		`{{.group}} rules: contribution {{kes .contribution}} {{if eq .frequency "weekly"}}every week on {{weekday .dueday}}{{else}}every month on day {{.dueday}}{{end}}. ` +
			`{{if .fine}}Late fine {{if eq .finebasis "percent"}}{{.fine}}%{{else}}{{kes .fine}}{{end}} {{recur .recurrence}} after {{.grace}} days' grace{{else}}No late fine{{end}}. ` +
			`Loans up to {{.multiple}} times savings at {{.rate}}% a month, for up to {{.term}} months.`,
	},
	"reply.verify": {
		`{{.group}}: alama ya vitabu ni {{.fingerprint}}. Linganisha na ya wanachama wengine; ikitofautiana, mjulishe mwenyekiti.`,
		`{{.group}}: the books' fingerprint is {{.fingerprint}}. Compare it with other members'; if it differs, tell your chair.`,
	},
	"reply.unknown": {
		`Hatukuelewa ujumbe wako.{{with .example}} Ulimaanisha {{$.keyword}}? Mfano: {{.}}.{{end}} Tuma {{.help}} kuona amri zote.`,
		`We did not understand your message.{{with .example}} Did you mean {{$.keyword}}? E.g. {{.}}.{{end}} Send {{.help}} for all commands.`,
	},
	"reply.bad_args": {
		`{{.keyword}}: {{problem .problem}}. Andika hivi: {{.example}}`,
		`{{.keyword}}: {{problem .problem}}. Write it like this: {{.example}}`,
	},
}

// joinUs is the answer to a phone we do not know (or that has not consented yet), in both
// languages since we cannot know which it reads.
const joinUs = `Karibu Kikundi! Piga {{.dial}} kujisajili, kukubali mwaliko au kuanzisha kikundi. / ` +
	`Welcome to Kikundi! Dial {{.dial}} to register, accept an invitation or start a group.`

// helpTopics is what each command does, for HELP on one command (kind reply.help.<verb>):
// "{{.keyword}}: <what>. Mfano: {{.example}}".
var helpTopics = map[command.Verb][2]string{
	command.Balance:    {"akiba yako, mkopo, faini na michango iliyochelewa", "your savings, loan, fines and overdue contributions"},
	command.Statement:  {"miamala 3 ya mwisho ya akiba yako", "the last 3 transactions on your savings"},
	command.Contribute: {"kuchanga kiasi hicho; utapata nambari ya USSD ya kuthibitisha kwa PIN yako", "contribute that amount; you get a USSD code to confirm it with your PIN"},
	command.Loan:       {"kuomba mkopo wa kiasi hicho kwa miezi hiyo; unathibitisha kwa PIN yako kwenye USSD", "ask for a loan of that amount over that many months; you confirm it with your PIN on USSD"},
	command.Repay:      {"kulipa mkopo wako; unathibitisha kwa PIN yako kwenye USSD", "repay your loan; you confirm it with your PIN on USSD"},
	command.Help:       {"orodha ya amri, au msaada wa amri moja ({{.topic}})", "the list of commands, or help on one ({{.topic}})"},
	command.Language:   {"kubadili lugha ya SMS na USSD: SW au EN", "change the language of your SMS and USSD: SW or EN"},
	command.Stop:       {"kuacha kupokea SMS za matangazo; risiti bado zitakuja", "stop promotional SMS; receipts still come"},
	command.Join:       {"kukubali mwaliko wa kikundi kwa nambari yake", "accept an invitation to a group by its code"},
	command.Add:        {"viongozi: kuongeza mwanachama (kwenye menyu ya viongozi ya USSD kwa sasa)", "officials: add a member (from the officials' USSD menu for now)"},
	command.Remove:     {"viongozi: kuomba kumwondoa mwanachama (kwenye menyu ya viongozi ya USSD kwa sasa)", "officials: ask to remove a member (from the officials' USSD menu for now)"},
	command.Members:    {"viongozi: idadi na majina ya wanachama", "officials: how many members, and their names"},
	command.Arrears:    {"viongozi: wanachama wenye michango au faini zilizochelewa, na jumla", "officials: members with overdue contributions or fines, and the total"},
	command.Remind:     {"viongozi: kuwakumbusha wanachama kuchanga (kwenye menyu ya viongozi ya USSD kwa sasa)", "officials: remind members to contribute (from the officials' USSD menu for now)"},
	command.Cash:       {"viongozi: kurekodi pesa taslimu; inathibitishwa kwa PIN kwenye USSD", "officials: record cash received; confirmed with a PIN on USSD"},
	command.Payout:     {"viongozi: kumlipa mwanachama; inathibitishwa kwa PIN kwenye USSD", "officials: pay a member out; confirmed with a PIN on USSD"},
	command.Rules:      {"mchango, faini na masharti ya mikopo ya kikundi", "the group's contribution, fine and loan rules"},
	command.Verify:     {"alama ya vitabu vya kikundi, ya kulinganisha na wanachama wengine", "the fingerprint of the group's books, to compare with other members"},
	command.Invite:     {"viongozi: kumwalika mtu ajiunge (kwenye menyu ya viongozi ya USSD kwa sasa)", "officials: invite someone to join (from the officials' USSD menu for now)"},
}

// helpKind is the reply kind of HELP on one command.
func helpKind(v command.Verb) string { return "reply.help." + string(v) }

// Longest each reply var may be, in septets (see varLimits). The lists are cut by the
// code that joins them (fitList), to whole items, before Render would cut them mid-name.
var replyLimits = map[string]int{
	"dial":     40, // "*384*12345*12*3*1*10000000#"
	"l1":       60, // a statement line (chama.LineText)
	"l2":       60,
	"l3":       60,
	"names":    namesBudget,
	"groups":   groupsBudget,
	"commands": 100,
	// officials' commands in the help text
	"officials":    60,
	"topic":        30, // "MSAADA MKOPO"
	"example":      50, // "UMOJA ALIKA 0712345678 Amina KATIBU"
	"join":         maxName,
	"name":         maxName,
	"keyword":      maxVar,
	"problem":      maxVar * 4,
	"fingerprint":  32, // "#123456 7KQ3-ZT2M"
	"count":        8,
	"more":         8,
	"months":       8,
	"dueday":       8,
	"grace":        8,
	"term":         8,
	"multiple":     8,
	"rate":         8,
	"fine":         maxAmount,
	"contribution": maxAmount,
	"free":         maxAmount,
	"borrowed":     maxAmount,
	"fines":        maxAmount,
	"arrears":      maxAmount,
}

// Budgets of the joined lists, in septets.
const (
	namesBudget  = 150
	groupsBudget = 100
)

// replyFuncs are chama's template functions plus the words only replies use.
var replyFuncs = func() [2]template.FuncMap {
	var out [2]template.FuncMap
	for i := range out {
		out[i] = maps.Clone(funcs[i])
	}
	out[0]["weekday"] = words(weekdaysSw)
	out[1]["weekday"] = words(weekdaysEn)
	out[0]["recur"] = words(recurSw)
	out[1]["recur"] = words(recurEn)
	out[0]["why"] = words(whySw)
	out[1]["why"] = words(whyEn)
	out[0]["problem"] = words(problemsSw)
	out[1]["problem"] = words(problemsEn)
	return out
}()

var weekdaysSw = map[string]string{"1": "Jumatatu", "2": "Jumanne", "3": "Jumatano", "4": "Alhamisi", "5": "Ijumaa", "6": "Jumamosi", "7": "Jumapili"}
var weekdaysEn = map[string]string{"1": "Monday", "2": "Tuesday", "3": "Wednesday", "4": "Thursday", "5": "Friday", "6": "Saturday", "7": "Sunday"}

var recurSw = map[string]string{"once": "mara moja", "daily": "kila siku", "weekly": "kila wiki"}
var recurEn = map[string]string{"once": "once", "daily": "every day", "weekly": "every week"}

// whySw and whyEn word the refusals of the officials' commands (sms/officials.go).
var whySw = map[string]string{
	"already":      "tayari ni mwanachama au amealikwa",
	"not_member":   "nambari hiyo si ya mwanachama hai wa kikundi",
	"pending":      "ombi kama hilo tayari linasubiri idhini",
	"quorum":       "kikundi kina viongozi wachache mno kuidhinisha hili",
	"loan":         "ana mkopo au dhamana inayoendelea",
	"not_official": "ni kwa viongozi pekee",
	"cash":         "ana pesa taslimu za mikutano ambazo bado hazijawekwa au kuthibitishwa",
	"simswap":      "laini ya simu yako imebadilishwa hivi karibuni; subiri saa 72 baada ya kubadilishwa",
	"other":        "kikundi hakiruhusu hili kwa sasa; jaribu kwa USSD kuona sababu",
}

var whyEn = map[string]string{
	"already":      "already a member or invited",
	"not_member":   "that number is not an active member of the group",
	"pending":      "a request like this is already waiting for approval",
	"quorum":       "the group has too few officials to approve this",
	"loan":         "they have a loan or a guarantee in progress",
	"not_official": "for officials only",
	"cash":         "they hold cash from meetings still to be paid in or confirmed",
	"simswap":      "your SIM card changed recently; wait 72 hours after the change",
	"other":        "the group does not allow it now; try on USSD to see why",
}

// problemsSw and problemsEn word command.ArgumentError's problems.
var problemsSw = map[string]string{
	command.ProblemNoAmount:    "kiasi hakipo",
	command.ProblemBadAmount:   "kiasi kiwe shilingi kamili 1 hadi 10,000,000",
	command.ProblemBadMonths:   "miezi iwe 1 hadi 120",
	command.ProblemNoPhone:     "nambari ya simu haipo",
	command.ProblemBadPhone:    "nambari ya simu si ya Kenya",
	command.ProblemNoLanguage:  "lugha haipo",
	command.ProblemBadLanguage: "lugha haijulikani",
	command.ProblemNoGroup:     "nambari ya kikundi haipo",
	command.ProblemTwoGroups:   "nambari mbili za vikundi",
	command.ProblemTwoPhones:   "nambari mbili za simu",
	command.ProblemTwoRoles:    "vyeo viwili",
	command.ProblemExtra:       "kuna maneno ya ziada",
}

var problemsEn = map[string]string{
	command.ProblemNoAmount:    "the amount is missing",
	command.ProblemBadAmount:   "the amount must be whole shillings from 1 to 10,000,000",
	command.ProblemBadMonths:   "months must be 1 to 120",
	command.ProblemNoPhone:     "the phone number is missing",
	command.ProblemBadPhone:    "that is not a Kenyan mobile number",
	command.ProblemNoLanguage:  "the language is missing",
	command.ProblemBadLanguage: "unknown language",
	command.ProblemNoGroup:     "the group code is missing",
	command.ProblemTwoGroups:   "more than one group code",
	command.ProblemTwoPhones:   "more than one phone number",
	command.ProblemTwoRoles:    "more than one role",
	command.ProblemExtra:       "there are extra words",
}

// replyKinds is every reply kind, for the tests.
var replyKinds []string

// init adds the replies to the catalogue Render reads (parsed) and their vars' limits to
// varLimits. chama's own kinds stay in templates, which its tests hold to what chama
// sends. A reply kind, or a reply var with a limit, that chama's notices already have
// stops the program: replies must never change how a notice renders.
func init() {
	all := maps.Clone(replyTemplates)
	for v, what := range helpTopics {
		all[helpKind(v)] = [2]string{
			"{{.keyword}}: " + what[0] + ". Mfano: {{.example}}",
			"{{.keyword}}: " + what[1] + ". E.g. {{.example}}",
		}
	}
	for kind, pair := range all {
		if _, dup := parsed[kind]; dup {
			panic("sms: reply kind " + kind + " already in the catalogue")
		}
		var p [2]*template.Template
		for i, src := range pair {
			p[i] = template.Must(template.New(kind).Option("missingkey=error").Funcs(replyFuncs[i]).Parse(src))
		}
		parsed[kind] = p
		replyKinds = append(replyKinds, kind)
	}
	for k, n := range replyLimits {
		if old, ok := varLimits[k]; ok {
			panic(fmt.Sprintf("sms: reply var %q (limit %d) already limited to %d for chama's notices", k, n, old))
		}
		varLimits[k] = n
	}
}
