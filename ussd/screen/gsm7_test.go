package screen

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// gsmTable is GSM 03.38's default alphabet as the standard prints it, one row per high
// nibble; 0x1B (the escape) is shown as '\x00' and is not a character.
var gsmTable = [8]string{
	"@£$¥èéùìòÇ\nØø\rÅå",
	"Δ_ΦΓΛΩΠΨΣΘΞ\x00ÆæßÉ",
	" !\"#¤%&'()*+,-./",
	"0123456789:;<=>?",
	"¡ABCDEFGHIJKLMNO",
	"PQRSTUVWXYZÄÖÑÜ§",
	"¿abcdefghijklmno",
	"pqrstuvwxyzäöñüà",
}

func TestIsGSM7AcceptsTheBasicTable(t *testing.T) {
	n := 0
	for row, chars := range gsmTable {
		if got := utf8.RuneCountInString(chars); got != 16 {
			t.Fatalf("row %d has %d characters, want 16", row, got)
		}
		for _, r := range chars {
			if r == 0 {
				continue
			}
			n++
			if !IsGSM7(string(r)) {
				t.Errorf("IsGSM7(%q) = false, want true", r)
			}
			if got := Septets(string(r)); got != 1 {
				t.Errorf("Septets(%q) = %d, want 1", r, got)
			}
			if got := Clean(string(r)); got != string(r) && r != '\r' {
				t.Errorf("Clean(%q) = %q, want it kept", r, got)
			}
		}
	}
	if n != 127 {
		t.Errorf("checked %d characters, want 127", n)
	}
}

func TestIsGSM7AcceptsTheExtensionTable(t *testing.T) {
	for _, r := range "^{}[]~\\|€\f" {
		if !IsGSM7(string(r)) {
			t.Errorf("IsGSM7(%q) = false, want true", r)
		}
		if got := Septets(string(r)); got != 2 {
			t.Errorf("Septets(%q) = %d, want 2", r, got)
		}
	}
}

func TestIsGSM7Rejects(t *testing.T) {
	for _, s := range []string{"“", "”", "’", "–", "…", "\u00a0", "ê", "á", "ç", "ş", "😀", "`", "\t", "\x00", "\xff", "Mkopo “mpya”"} {
		if IsGSM7(s) {
			t.Errorf("IsGSM7(%q) = true, want false", s)
		}
	}
}

func TestSeptets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"Salio: KSh 1,500", 16},
		{"€5", 3},
		{"{a}", 5},
		{"a\nb", 3},
		{"é", 1},
		{"😀", 1}, // not GSM-7: one, and IsGSM7 says no
		{strings.Repeat("x", Limit), Limit},
	} {
		if got := Septets(tc.in); got != tc.want {
			t.Errorf("Septets(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "Salio: KSh 1,500", "Salio: KSh 1,500"},
		{"curly double quotes", "“Asante”", `"Asante"`},
		{"curly single quotes", "Wanjiku’s ‘loan’", "Wanjiku's 'loan'"},
		{"guillemets", "«Sawa»", `"Sawa"`},
		{"backtick", "`x`", "'x'"},
		{"en and em dash", "15–20 — sawa", "15-20 - sawa"},
		{"minus sign", "−500", "-500"},
		{"ellipsis", "Subiri…", "Subiri..."},
		{"non-breaking space", "KSh\u00a01,500", "KSh 1,500"},
		{"narrow and thin spaces", "1\u202f000\u2009KSh", "1 000 KSh"},
		{"ideographic space", "a\u3000b", "a b"},
		{"zero-width characters", "M\u200bk\u200do\ufeffpo", "Mkopo"},
		{"soft hyphen", "ma\u00adkato", "makato"},
		{"GSM accents kept", "éèùìòÇØøÅåÄÖÑÜäöñüàÉÆæß§", "éèùìòÇØøÅåÄÖÑÜäöñüàÉÆæß§"},
		{"other accents to base", "José Núñez Ålesund Çağrı Łódź Œuvre", "José Nuñez Ålesund Çagri Lodz OEuvre"},
		{"circumflex and tilde", "ÂÊÎÔÛâêîôû ãõÃÕ", "AEIOUaeiou aoAO"},
		{"combining accent dropped", "Jose\u0301", "Jose"},
		{"lower c cedilla", "façade", "facade"},
		{"euro and extension kept", "€10 {a} [b] ~c \\ |d ^", "€10 {a} [b] ~c \\ |d ^"},
		{"emoji removed", "Asante 🎉🙏🏾!", "Asante !"},
		{"flag and ZWJ sequence removed", "Kenya 🇰🇪 👨‍👩‍👧", "Kenya  "},
		{"controls removed", "a\x00b\x07c\x1bd\x7fe", "abcde"},
		{"tab to space", "a\tb", "a b"},
		{"CRLF and CR to LF", "a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"line separators", "a\u2028b\u2029c\u0085d", "a\nb\nc\nd"},
		{"form feed and vertical tab", "a\fb\vc", "a\nb\nc"},
		{"fullwidth ASCII", "ＫＳｈ　５００！", "KSh 500!"},
		{"fullwidth backtick", "｀", "'"},
		{"other scripts removed", "Habari Привет مرحبا 你好", "Habari   "},
		{"invalid UTF-8 removed", "a\xffb\xc0c", "abc"},
		{"fractions and symbols", "½ ¼ © ™ ×2 ÷", "1/2 1/4 (c) TM x2 /"},
		{"ohm sign to omega", "5\u2126", "5Ω"},
		{"pound and yen kept", "£5 ¥6 ¤ ¡¿", "£5 ¥6 ¤ ¡¿"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Clean(tc.in)
			if got != tc.want {
				t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if !IsGSM7(got) {
				t.Errorf("Clean(%q) = %q is not GSM-7", tc.in, got)
			}
		})
	}
}

// TestReplacementsAreClean holds what makes Clean idempotent: every replacement is GSM-7
// and Clean leaves it as it is.
func TestReplacementsAreClean(t *testing.T) {
	for from, to := range replacements {
		if IsGSM7(string(from)) {
			t.Errorf("replacement for %q, which is GSM-7 already", from)
		}
		if !IsGSM7(to) || Clean(to) != to || strings.ContainsAny(to, "\r\f") {
			t.Errorf("replacement %q for %q is not clean GSM-7", to, from)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "Asante “sana” 🎉", "a\r\nb\rc", "José Núñez…", "ＫＳｈ", "\xff\xfe", "€{}\f", "e\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if !IsGSM7(c) {
			t.Fatalf("Clean(%q) = %q is not GSM-7", s, c)
		}
		if strings.ContainsAny(c, "\r\f") {
			t.Fatalf("Clean(%q) = %q keeps a carriage return or form feed", s, c)
		}
		if cc := Clean(c); cc != c {
			t.Fatalf("Clean is not idempotent: Clean(%q) = %q, Clean of that = %q", s, c, cc)
		}
		if IsGSM7(s) && !strings.ContainsAny(s, "\r\f") && c != s {
			t.Fatalf("Clean(%q) = %q changed GSM-7 text", s, c)
		}
	})
}
