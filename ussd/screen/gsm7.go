package screen

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// gsmBasic is the GSM 03.38 default alphabet in code order (0x00 to 0x7F), without 0x1B,
// the escape that introduces the extension table.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅå" +
	"Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ" +
	" !\"#¤%&'()*+,-./" +
	"0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNO" +
	"PQRSTUVWXYZÄÖÑÜ§" +
	"¿abcdefghijklmno" +
	"pqrstuvwxyzäöñüà"

// gsmExtension is the GSM 03.38 extension table: each of these travels as the escape plus
// one septet, so it counts two. Form feed is part of the table; Clean never emits it.
const gsmExtension = "\f^{}\\[~]|€"

// septets is how many septets each GSM-7 character takes: 1 in the basic set, 2 in the
// extension table; a character absent is not GSM-7.
var septets = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// asciiSeptets is septets for ASCII, which is nearly all a screen holds, without the map.
var asciiSeptets = func() (t [utf8.RuneSelf]int8) {
	for r := range t {
		t[r] = int8(septets[rune(r)])
	}
	return t
}()

// septetsOf returns the septets r takes in GSM-7, or 0 if GSM-7 does not have it.
func septetsOf(r rune) int {
	if r < utf8.RuneSelf {
		return int(asciiSeptets[r])
	}
	return septets[r]
}

// IsGSM7 reports whether every character of s is in the GSM 03.38 basic set or its
// extension table, so that s can travel as GSM-7 rather than UCS-2. Invalid UTF-8 is not
// GSM-7.
func IsGSM7(s string) bool {
	for _, r := range s {
		if septetsOf(r) == 0 {
			return false
		}
	}
	return true
}

// Septets is the length of s in GSM-7 septets: one per character, two for each character
// of the extension table (^ { } [ ] ~ \ | € and form feed). A character outside GSM-7
// counts one; whether s is GSM-7 at all is IsGSM7's question (Fits asks both).
func Septets(s string) int {
	n := 0
	for _, r := range s {
		n += max(septetsOf(r), 1)
	}
	return n
}

// Clean returns s with every character a screen could not carry as GSM-7 replaced by its
// nearest GSM-7 spelling, so that one stray character never switches a screen to UCS-2:
// curly quotes become straight, dashes '-', the ellipsis "...", Unicode spaces ' ',
// accented Latin letters that GSM-7 lacks their base letter (é, ñ, ü and the others GSM-7
// has are kept), line breaks "\n". Control characters, zero-width characters, combining
// marks, emoji and letters of other scripts are removed. The result is always GSM-7 and
// Clean(Clean(s)) == Clean(s).
func Clean(s string) string {
	if IsGSM7(s) && !strings.ContainsAny(s, "\r\f") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevCR := false
	for _, r := range s {
		if prevCR && r == '\n' {
			// "\r\n" is one line break, already written.
			prevCR = false
			continue
		}
		prevCR = r == '\r'
		cleanRune(&b, r)
	}
	return b.String()
}

// cleanRune writes r's GSM-7 spelling to b: r itself, its replacement, or nothing.
func cleanRune(b *strings.Builder, r rune) {
	switch {
	case r == '\r' || r == '\v' || r == '\f' || r == '\u0085' || r == '\u2028' || r == '\u2029':
		b.WriteByte('\n')
	case r == '\t':
		b.WriteByte(' ')
	case septetsOf(r) > 0:
		b.WriteRune(r)
	case replacements[r] != "":
		b.WriteString(replacements[r])
	case r >= '\uFF01' && r <= '\uFF5E':
		// Fullwidth forms of ASCII, as some phones' keyboards type them.
		cleanRune(b, r-0xFEE0)
	case unicode.Is(unicode.Zs, r):
		b.WriteByte(' ')
	}
}

// replacements spells characters outside GSM-7 in GSM-7. Every value is GSM-7 and maps to
// itself (the tests hold this, which is what makes Clean idempotent).
var replacements = map[rune]string{
	// ASCII's one character outside GSM-7.
	'`': "'",

	// Quotes, dashes and other punctuation word processors and phones put in.
	'‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", '‹': "'", '›': "'", '´': "'",
	'“': `"`, '”': `"`, '„': `"`, '‟': `"`, '″': `"`, '«': `"`, '»': `"`,
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-", '¬': "-", '¯': "-",
	'…': "...", '•': "-", '·': ".", '×': "x", '÷': "/", '¦': "|",
	'¢': "c", '₤': "£", '©': "(c)", '®': "(R)", '™': "TM", '°': "o", 'µ': "u",
	'ª': "a", 'º': "o", '¹': "1", '²': "2", '³': "3", '¼': "1/4", '½': "1/2", '¾': "3/4",

	// Latin-1 letters GSM-7 lacks (it has ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùü).
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A",
	'È': "E", 'Ê': "E", 'Ë': "E",
	'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I",
	'Ð': "D", 'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ý': "Y", 'Þ': "Th",
	'á': "a", 'â': "a", 'ã': "a", 'ç': "c",
	'ê': "e", 'ë': "e", 'í': "i", 'î': "i", 'ï': "i",
	'ð': "d", 'ó': "o", 'ô': "o", 'õ': "o",
	'ú': "u", 'û': "u", 'ý': "y", 'þ': "th", 'ÿ': "y",

	// Latin Extended-A, in code order.
	'Ā': "A", 'ā': "a", 'Ă': "A", 'ă': "a", 'Ą': "A", 'ą': "a",
	'Ć': "C", 'ć': "c", 'Ĉ': "C", 'ĉ': "c", 'Ċ': "C", 'ċ': "c", 'Č': "C", 'č': "c",
	'Ď': "D", 'ď': "d", 'Đ': "D", 'đ': "d",
	'Ē': "E", 'ē': "e", 'Ĕ': "E", 'ĕ': "e", 'Ė': "E", 'ė': "e", 'Ę': "E", 'ę': "e", 'Ě': "E", 'ě': "e",
	'Ĝ': "G", 'ĝ': "g", 'Ğ': "G", 'ğ': "g", 'Ġ': "G", 'ġ': "g", 'Ģ': "G", 'ģ': "g",
	'Ĥ': "H", 'ĥ': "h", 'Ħ': "H", 'ħ': "h",
	'Ĩ': "I", 'ĩ': "i", 'Ī': "I", 'ī': "i", 'Ĭ': "I", 'ĭ': "i", 'Į': "I", 'į': "i", 'İ': "I", 'ı': "i",
	'Ĳ': "IJ", 'ĳ': "ij", 'Ĵ': "J", 'ĵ': "j", 'Ķ': "K", 'ķ': "k", 'ĸ': "k",
	'Ĺ': "L", 'ĺ': "l", 'Ļ': "L", 'ļ': "l", 'Ľ': "L", 'ľ': "l", 'Ŀ': "L", 'ŀ': "l", 'Ł': "L", 'ł': "l",
	'Ń': "N", 'ń': "n", 'Ņ': "N", 'ņ': "n", 'Ň': "N", 'ň': "n", 'ŉ': "'n", 'Ŋ': "N", 'ŋ': "n",
	'Ō': "O", 'ō': "o", 'Ŏ': "O", 'ŏ': "o", 'Ő': "O", 'ő': "o", 'Œ': "OE", 'œ': "oe",
	'Ŕ': "R", 'ŕ': "r", 'Ŗ': "R", 'ŗ': "r", 'Ř': "R", 'ř': "r",
	'Ś': "S", 'ś': "s", 'Ŝ': "S", 'ŝ': "s", 'Ş': "S", 'ş': "s", 'Š': "S", 'š': "s",
	'Ţ': "T", 'ţ': "t", 'Ť': "T", 'ť': "t", 'Ŧ': "T", 'ŧ': "t",
	'Ũ': "U", 'ũ': "u", 'Ū': "U", 'ū': "u", 'Ŭ': "U", 'ŭ': "u", 'Ů': "U", 'ů': "u", 'Ű': "U", 'ű': "u", 'Ų': "U", 'ų': "u",
	'Ŵ': "W", 'ŵ': "w", 'Ŷ': "Y", 'ŷ': "y", 'Ÿ': "Y",
	'Ź': "Z", 'ź': "z", 'Ż': "Z", 'ż': "z", 'Ž': "Z", 'ž': "z", 'ſ': "s",

	// A few from further on that names and pasted text bring.
	'ƒ': "f", 'Ș': "S", 'ș': "s", 'Ț': "T", 'ț': "t", '\u2126': "Ω", // the ohm sign, not the Greek capital GSM-7 has
}
