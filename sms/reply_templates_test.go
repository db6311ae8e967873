package sms

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/sms/command"
)

// replyRealistic holds, for every reply kind, vars as the inbox writes them.
var replyRealistic = func() map[string]map[string]string {
	m := map[string]map[string]string{
		"reply.join_us": {"dial": "*384*12#"},
		"reply.balance": {"group": "UMOJA", "savings": "12500.00", "free": "10000.00", "borrowed": "5000.00",
			"fines": "50.00", "arrears": "500.00"},
		"reply.statement": {"group": "UMOJA", "l1": "12/05 Mchango +1,050.00 =6,300.00", "l2": "05/04 Mchango +500.00 =5,250.00",
			"l3": "", "dial": "*384*12*5#"},
		"reply.statement_empty": {"group": "UMOJA"},
		"reply.contribute":      {"group": "UMOJA", "amount": "500", "dial": "*384*12*1*500#"},
		"reply.loan":            {"group": "UMOJA", "amount": "5000", "months": "3", "dial": "*384*12*3*1*5000#"},
		"reply.repay":           {"group": "UMOJA", "amount": "1000", "dial": "*384*12*3*2*1000#"},
		"reply.help": {"commands": "SALIO, TAARIFA, CHANGA 500, MKOPO 5000 3, LIPA 1000, SHERIA, THIBITISHA, LUGHA EN, STOP",
			"officials": "WANACHAMA, MADENI, ONGEZA, ONDOA, KUMBUSHA, TASLIMU", "topic": "MSAADA MKOPO", "dial": "*384*12#"},
		"reply.language":       {},
		"reply.stop":           {},
		"reply.joined":         {"group": "UMOJA", "name": "Umoja Women Group", "help": "MSAADA", "dial": "*384*12#"},
		"reply.already_member": {"group": "UMOJA", "help": "MSAADA"},
		"reply.not_invited":    {"group": "UMOJA"},
		"reply.not_member":     {"group": "TUMAINI", "join": "JIUNGE TUMAINI", "groups": "UMOJA, JIRANI"},
		"reply.no_group":       {"join": "", "dial": "*384*12#"},
		"reply.which_group":    {"count": "2", "groups": "UMOJA, TUMAINI", "example": "UMOJA SALIO"},
		"reply.officials_only": {"group": "UMOJA", "keyword": "WANACHAMA", "help": "MSAADA"},
		"reply.officials_menu": {"group": "UMOJA", "keyword": "ALIKA", "dial": "*384*12*8#"},
		"reply.add":            {"group": "UMOJA", "phone": "0712 345 678", "dial": "*384*12*2*8*2*0712345678#"},
		"reply.removal":        {"group": "UMOJA", "phone": "0712 345 678", "id": "42", "quorum": "2"},
		"reply.cash":           {"group": "UMOJA", "amount": "500", "phone": "0712 345 678", "dial": "*384*12*2*8*6*0712345678*500#"},
		"reply.payout":         {"group": "UMOJA", "amount": "5000", "phone": "0712 345 678", "dial": "*384*12*2*8*3*0712345678*5000#"},
		"reply.reminded":       {"group": "UMOJA", "count": "12", "skipped": "1"},
		"reply.refused":        {"group": "UMOJA", "keyword": "ONDOA", "why": "pending"},
		"reply.members":        {"group": "UMOJA", "count": "23", "names": "Wanjiru Kamau, Otieno Ochieng, Akinyi Odhiambo", "more": "20"},
		"reply.arrears": {"group": "UMOJA", "count": "2", "total": "1100.00",
			"names": "Akinyi Odhiambo 550.00, Juma Mwangi 550.00", "more": ""},
		"reply.arrears_none": {"group": "UMOJA"},
		"reply.rules": {"group": "UMOJA", "contribution": "500.00", "frequency": "monthly", "dueday": "5", "fine": "50.00",
			"finebasis": "fixed", "recurrence": "once", "grace": "3", "multiple": "3", "rate": "1", "term": "12"},
		"reply.verify":   {"group": "UMOJA", "fingerprint": "#42 7KQ3-ZT2M"},
		"reply.unknown":  {"keyword": "SALIO", "example": "SALIO", "help": "MSAADA"},
		"reply.bad_args": {"keyword": "CHANGA", "problem": command.ProblemNoAmount, "example": "CHANGA 500"},
	}
	for v := range helpTopics {
		m[helpKind(v)] = map[string]string{"keyword": v.Keyword("sw"), "example": v.Example("sw"), "topic": "MSAADA MKOPO"}
	}
	for _, vars := range m {
		vars["ref"] = "ATXid_0123456789abcdef0123456789abcdef"
	}
	return m
}()

// replyAmounts are the reply vars the templates format as shillings.
var replyAmounts = []string{"amount", "savings", "free", "borrowed", "fines", "arrears", "total", "contribution", "fine"}

func TestReplyCatalogueCoversEveryKind(t *testing.T) {
	got := slices.Sorted(slices.Values(replyKinds))
	want := slices.Sorted(maps.Keys(replyRealistic))
	if !slices.Equal(got, want) {
		t.Fatalf("reply kinds %v\ntested %v", got, want)
	}
	verbs := []command.Verb{command.Balance, command.Statement, command.Contribute, command.Loan, command.Repay,
		command.Help, command.Language, command.Stop, command.Join, command.Add, command.Remove, command.Members,
		command.Arrears, command.Remind, command.Cash, command.Payout, command.Rules, command.Verify, command.Invite}
	for _, v := range verbs {
		if _, ok := helpTopics[v]; !ok {
			t.Errorf("no help on %s", v)
		}
	}
}

func TestRenderEveryReplyInBothLanguages(t *testing.T) {
	r := Renderer{USSDCode: "*384*12#"}
	for _, kind := range slices.Sorted(maps.Keys(replyRealistic)) {
		vars := replyRealistic[kind]
		for _, lang := range []string{"sw", "en"} {
			text, err := r.Render(chama.Notice{Phone: "+254711000001", Lang: lang, Kind: kind, Vars: vars})
			if err != nil {
				t.Errorf("%s/%s: %v", kind, lang, err)
				continue
			}
			parts, gsm7 := Segments(text)
			if !gsm7 || parts > MaxSegments {
				t.Errorf("%s/%s: %d parts, GSM-7 %t: %q", kind, lang, parts, gsm7, text)
			}
			if strings.Contains(text, "<no value>") || strings.Contains(text, "{{") {
				t.Errorf("%s/%s: unfilled: %q", kind, lang, text)
			}
			for k, v := range vars {
				switch k {
				case "group", "dial", "names", "groups", "example", "keyword", "fingerprint", "count", "name", "join":
					if v != "" && !strings.Contains(text, v) {
						t.Errorf("%s/%s: %s %q missing: %q", kind, lang, k, v, text)
					}
				}
			}
			t.Logf("%-26s %s %d %q", kind, lang, parts, text)
		}
	}
}

// TestRenderLongestReplyVarsFits fills every var to its limit, with plain letters and with
// extension characters that count two, and takes each branch of the rules text.
func TestRenderLongestReplyVarsFits(t *testing.T) {
	for _, fill := range []string{"W", "€", "{"} {
		for kind, vars := range replyRealistic {
			for _, variant := range []map[string]string{{}, {"frequency": "weekly", "finebasis": "percent"}} {
				long := map[string]string{}
				for k := range vars {
					switch {
					case slices.Contains(replyAmounts, k):
						long[k] = "-9999999999999999.99" // NUMERIC(18,2) at its widest
					default:
						long[k] = strings.Repeat(fill, 300)
					}
				}
				for k, v := range variant {
					if _, ok := long[k]; ok {
						long[k] = v
					}
				}
				for _, lang := range []string{"sw", "en"} {
					text, err := Renderer{USSDCode: "*384*12345#"}.Render(chama.Notice{Lang: lang, Kind: kind, Vars: long})
					if err != nil {
						t.Errorf("%s/%s with %q: %v", kind, lang, fill, err)
						continue
					}
					if parts, gsm7 := Segments(text); !gsm7 || parts > MaxSegments {
						t.Errorf("%s/%s %v: %d parts, GSM-7 %t: %q", kind, lang, variant, parts, gsm7, text)
					}
				}
			}
		}
	}
}

func TestFitList(t *testing.T) {
	var names []string
	for range 40 {
		names = append(names, listItem("Wanjiru “Mama Njeri” Kamau-Odhiambo"))
	}
	got, more := fitList(names, namesBudget)
	if septetLen(got) > namesBudget-8 || more == 0 || more >= len(names) {
		t.Errorf("fitList: %d septets, %d more: %q", septetLen(got), more, got)
	}
	if strings.Count(got, ", ")+1+more != len(names) {
		t.Errorf("shown and more do not add up to %d: %q +%d", len(names), got, more)
	}
	if !isGSM7(got) {
		t.Errorf("not GSM-7: %q", got)
	}
	if got, more := fitList([]string{"Amina", "Juma"}, namesBudget); got != "Amina, Juma" || more != 0 {
		t.Errorf("short list: %q +%d", got, more)
	}
}
