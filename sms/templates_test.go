package sms

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kikundi/kikundi/chama"
)

// realistic holds, for every kind chama sends, vars as chama writes them.
var realistic = map[string]map[string]string{
	"invited":               {"group": "Umoja Women Group", "code": "UMOJA", "by": "Wanjiru Kamau"},
	"pin.locked":            {"until": "15:04"},
	"simswap.hold":          {"group": "UMOJA", "name": "Baraka Njoroge", "phone": "0711000004", "until": "25/11 09:00"},
	"pin.reset_allowed":     {},
	"approval.needed":       {"group": "UMOJA", "id": "42", "subject": chama.SubjectLoan},
	"approval.approved":     {"group": "UMOJA", "id": "42", "subject": chama.SubjectWithdrawal, "reason": ""},
	"approval.rejected":     {"group": "UMOJA", "id": "42", "subject": chama.SubjectRotation, "reason": ""},
	"approval.expired":      {"group": "UMOJA", "id": "42", "subject": chama.SubjectRules, "reason": ""},
	"approval.failed":       {"group": "UMOJA", "id": "42", "subject": chama.SubjectLoan, "reason": "chama: not enough money in the group's cash"},
	"contribution.received": {"group": "UMOJA", "amount": "1500.00", "receipt": "SFK3QWERTY", "savings": "12500.00"},
	"cash.received":         {"group": "UMOJA", "amount": "700.00", "receipt": "CASH00000042", "savings": "12500.00", "holder": "Otieno Ochieng"},
	"cash.recorded":         {"group": "UMOJA", "amount": "700.00", "holder": "Otieno Ochieng", "id": "42"},
	"cash.not_confirmed":    {"group": "UMOJA", "amount": "700.00", "holder": "Otieno Ochieng", "id": "42"},
	"cash.deposited":        {"group": "UMOJA", "amount": "1000.00", "receipt": "SFK3QWERTY", "held": "200.00", "saved": "300.00"},
	"statement.part":        {"group": "UMOJA", "part": "1", "parts": "3", "lines": "12/05 Mchango +1,050.00 =6,300.00\n05/04 Mchango +500.00 =5,250.00\n05/03 Mchango +500.00 =4,750.00\n05/02 Rejesho +1,000.00 =4,250.00"},
	"fine.charged":          {"group": "UMOJA", "amount": "200.00", "period": "7"},
	"guarantee.asked":       {"group": "UMOJA", "loan": "17", "borrower": "Otieno Ochieng", "amount": "2500.00"},
	"guarantee.called":      {"group": "UMOJA", "loan": "17"},
	"loan.closed":           {"group": "UMOJA", "loan": "17", "reason": "repaid"},
	"loan.rejected":         {"group": "UMOJA", "loan": "17", "reason": "a guarantor declined"},
	"loan.cancelled":        {"group": "UMOJA", "loan": "17", "reason": "cancelled by member"},
	"loan.defaulted":        {"group": "UMOJA", "loan": "17", "reason": "2 instalments overdue"},
	"loan.repaid":           {"group": "UMOJA", "loan": "17", "amount": "1000.00", "receipt": "SFK3ASDFGH", "remaining": "4000.00"},
	"payout.paid":           {"group": "UMOJA", "amount": "15000.00", "receipt": "SFL1ZXCVBN", "purpose": chama.PurposeRotation},
	"peer.offer":            {"group": "UMOJA", "loan": "18", "lender": "Akinyi Odhiambo", "amount": "3000.00", "total": "3300.00"},
	"peer.repaid":           {"group": "UMOJA", "loan": "18", "amount": "1100.00", "remaining": "2200.00"},
}

// namesCode are the kinds that ask the member to act on USSD, so must name the code.
var namesCode = []string{"invited", "pin.reset_allowed", "approval.needed", "guarantee.asked", "peer.offer", "loan.defaulted"}

func TestCatalogueCoversEveryKind(t *testing.T) {
	got := slices.Sorted(maps.Keys(templates))
	want := slices.Sorted(maps.Keys(realistic))
	if !slices.Equal(got, want) {
		t.Fatalf("templates cover %v\nchama sends %v", got, want)
	}
}

func TestRenderEveryKindInBothLanguages(t *testing.T) {
	r := Renderer{USSDCode: "*483*57#"}
	for kind, vars := range realistic {
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
				case "amount", "savings", "remaining", "total", "held", "saved":
					amount, _ := kes(v)
					if v != "" && !strings.Contains(text, amount) { // an empty one is left out
						t.Errorf("%s/%s: %s %s not shown as %q: %q", kind, lang, k, v, amount, text)
					}
				case "group", "code", "by", "id", "loan", "receipt", "borrower", "lender", "until", "period":
					if !strings.Contains(text, v) {
						t.Errorf("%s/%s: %s %q missing: %q", kind, lang, k, v, text)
					}
				}
			}
			if slices.Contains(namesCode, kind) != strings.Contains(text, "*483*57#") {
				t.Errorf("%s/%s: names the USSD code %t, should %t: %q", kind, lang,
					strings.Contains(text, "*483*57#"), slices.Contains(namesCode, kind), text)
			}
			t.Logf("%-22s %s %d %q", kind, lang, parts, text)
		}
	}
}

// TestRenderLongestVarsFits fills every var to its limit, once with plain letters and once
// with extension characters that count two, and the text must still fit.
func TestRenderLongestVarsFits(t *testing.T) {
	for _, fill := range []string{"W", "€", "{"} {
		for kind, vars := range realistic {
			long := map[string]string{}
			for k := range vars {
				switch k {
				case "amount", "savings", "remaining", "total", "held", "saved":
					long[k] = "-9999999999999999.99" // NUMERIC(18,2) at its widest
				default:
					long[k] = strings.Repeat(fill, 100)
				}
			}
			for _, lang := range []string{"sw", "en"} {
				text, err := Renderer{USSDCode: "*384*12345#"}.Render(chama.Notice{Lang: lang, Kind: kind, Vars: long})
				if err != nil {
					t.Errorf("%s/%s with %q: %v", kind, lang, fill, err)
					continue
				}
				if parts, gsm7 := Segments(text); !gsm7 || parts > MaxSegments {
					t.Errorf("%s/%s: %d parts, GSM-7 %t", kind, lang, parts, gsm7)
				}
			}
		}
	}
}

func TestRenderSpellsVarsInGSM7(t *testing.T) {
	vars := map[string]string{"group": "UMOJA", "loan": "18", "lender": "“Zoë” Nyambura—Müller 😀\nстар",
		"amount": "3000.00", "total": "3300.00"}
	text, err := Renderer{}.Render(chama.Notice{Lang: "en", Kind: "peer.offer", Vars: vars})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `"Zoe" Nyambura-Müller `) {
		t.Errorf("lender not spelled in GSM-7: %q", text)
	}
	if !strings.Contains(text, DefaultUSSDCode) {
		t.Errorf("default USSD code missing: %q", text)
	}
	if _, gsm7 := Segments(text); !gsm7 {
		t.Errorf("not GSM-7: %q", text)
	}
}

func TestRenderTranslatesChamaWords(t *testing.T) {
	text, err := Renderer{}.Render(chama.Notice{Lang: "sw", Kind: "loan.rejected",
		Vars: map[string]string{"group": "UMOJA", "loan": "17", "reason": "a guarantor declined"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "UMOJA: mkopo #17 haukuidhinishwa (mdhamini amekataa). Dhamana zote zimeachiliwa."; text != want {
		t.Errorf("got  %q\nwant %q", text, want)
	}
	text, err = Renderer{}.Render(chama.Notice{Lang: "en", Kind: "loan.cancelled",
		Vars: map[string]string{"group": "UMOJA", "loan": "17", "reason": "cancelled by member"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "UMOJA: loan #17 was cancelled (by a member). Any pledges on it are released."; text != want {
		t.Errorf("got  %q\nwant %q", text, want)
	}
	text, err = Renderer{}.Render(chama.Notice{Lang: "en", Kind: "approval.rejected",
		Vars: map[string]string{"group": "UMOJA", "id": "3", "subject": chama.SubjectPINReset, "reason": ""}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "UMOJA: your request #3 (PIN reset) was rejected."; text != want {
		t.Errorf("got  %q\nwant %q", text, want)
	}
}

func TestRenderRefuses(t *testing.T) {
	cases := []struct {
		name string
		n    chama.Notice
		want error
	}{
		{"unknown kind", chama.Notice{Lang: "en", Kind: "loan.forgiven"}, ErrUnknownKind},
		{"unknown language", chama.Notice{Lang: "fr", Kind: "pin.reset_allowed"}, ErrUnknownLang},
		{"missing var", chama.Notice{Lang: "en", Kind: "fine.charged", Vars: map[string]string{"group": "UMOJA", "amount": "200.00"}}, nil},
		{"amount not a number", chama.Notice{Lang: "en", Kind: "fine.charged", Vars: map[string]string{"group": "UMOJA", "amount": "two hundred", "period": "7"}}, nil},
	}
	for _, c := range cases {
		text, err := Renderer{}.Render(c.n)
		if err == nil {
			t.Errorf("%s: rendered %q", c.name, text)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestKES(t *testing.T) {
	for in, want := range map[string]string{
		"0":                "KES 0.00",
		"5":                "KES 5.00",
		"999.5":            "KES 999.50",
		"1000":             "KES 1,000.00",
		"1500.00":          "KES 1,500.00",
		"12500.00":         "KES 12,500.00",
		"123456.78":        "KES 123,456.78",
		"1234567.00":       "KES 1,234,567.00",
		"-2500.00":         "KES -2,500.00",
		"1000000000000.01": "KES 1,000,000,000,000.01",
	} {
		if got, err := kes(in); err != nil || got != want {
			t.Errorf("kes(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
