package sms

import (
	"strings"
	"unicode/utf16"

	"github.com/shopspring/decimal"
)

// The GSM 03.38 alphabets. Package ussd/screen has its own copy; sms may not import ussd
// (see DESIGN.md), and the two tables are the standard, not a choice either could drift on.
const (
	// gsmBasic is the default alphabet, without 0x1B, the escape to the extension table.
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅå" +
		"Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ" +
		" !\"#¤%&'()*+,-./" +
		"0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNO" +
		"PQRSTUVWXYZÄÖÑÜ§" +
		"¿abcdefghijklmno" +
		"pqrstuvwxyzäöñüà"
	// gsmExtension travels as the escape plus one septet, so each counts two.
	gsmExtension = "\f^{}\\[~]|€"
)

// septets is how many septets each GSM-7 character takes; a character absent is not GSM-7.
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

// Segment sizes (aggregators.md, "SMS length").
const (
	gsmSingle  = 160
	gsmPart    = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// MaxSegments is the most parts any rendered notice may take.
const MaxSegments = 2

// PricePerPart is what one SMS part is assumed to cost: KES 0.80, Africa's Talking's Kenyan
// rate as its own send answer shows it ("cost":"KES 0.8000"), the same on every network.
// It is an estimate recorded when a message is queued; the invoice is the truth, and a
// change of rate or of aggregator changes this one figure.
var PricePerPart = decimal.RequireFromString("0.80")

// Segments is how many SMS parts text takes and whether it travels as GSM-7. GSM-7 holds
// 160 septets in one message and 153 a part when split, each extension character (^ { } [
// ] ~ \ | €) taking two; one character outside GSM-7 makes the whole text UCS-2, 70 UTF-16
// units in one message and 67 a part (an emoji takes two units). Empty text is one part.
// As aggregators.md counts: a phone that will not split an escape pair across parts may
// need one part more at an exact boundary.
func Segments(text string) (parts int, gsm7 bool) {
	n, gsm7 := 0, true
	for _, r := range text {
		s := septets[r]
		if s == 0 {
			gsm7 = false
			break
		}
		n += s
	}
	single, part := gsmSingle, gsmPart
	if !gsm7 {
		n = len(utf16.Encode([]rune(text)))
		single, part = ucs2Single, ucs2Part
	}
	if n <= single {
		return 1, gsm7
	}
	return (n + part - 1) / part, gsm7
}

// Cost is the estimated price of a message of parts parts, at PricePerPart.
func Cost(parts int) decimal.Decimal {
	return PricePerPart.Mul(decimal.NewFromInt(int64(parts)))
}

// isGSM7 reports whether every character of s is in GSM-7's basic or extension table.
func isGSM7(s string) bool {
	for _, r := range s {
		if septets[r] == 0 {
			return false
		}
	}
	return true
}

// septetLen is the length of s in septets, counting a character outside GSM-7 as one.
func septetLen(s string) int {
	n := 0
	for _, r := range s {
		n += max(septets[r], 1)
	}
	return n
}

// clean spells s in GSM-7 on one line: typographic punctuation becomes its ASCII form,
// accented letters GSM-7 lacks their base letter, any line break or control character a
// space, and what has no GSM-7 spelling (other scripts, emoji) is dropped. A member's
// name typed on a smartphone must not turn a receipt into UCS-2, which halves its room.
func clean(s string) string {
	if isGSM7(s) && !strings.ContainsAny(s, "\n\r\f") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\f' || r == '\t' || r == '\u00a0':
			b.WriteByte(' ')
		case septets[r] > 0:
			b.WriteRune(r)
		case replacements[r] != "":
			b.WriteString(replacements[r])
		}
	}
	return b.String()
}

// replacements spells in GSM-7 the characters names and free text most often bring that
// GSM-7 lacks. Every value is GSM-7.
var replacements = map[rune]string{
	'`': "'", '‘': "'", '’': "'", '‚': "'", '′': "'", '´': "'",
	'“': `"`, '”': `"`, '„': `"`, '″': `"`, '«': `"`, '»': `"`,
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-",
	'…': "...", '•': "-", '·': ".", '×': "x",
	'\u2002': " ", '\u2003': " ", '\u2009': " ", '\u202f': " ",
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'È': "E", 'Ê': "E", 'Ë': "E",
	'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I", 'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ý': "Y",
	'á': "a", 'â': "a", 'ã': "a", 'ç': "c", 'ê': "e", 'ë': "e", 'í': "i", 'î': "i", 'ï': "i",
	'ó': "o", 'ô': "o", 'õ': "o", 'ú': "u", 'û': "u", 'ý': "y", 'ÿ': "y",
	'ā': "a", 'ē': "e", 'ī': "i", 'ō': "o", 'ū': "u", 'ł': "l", 'ń': "n",
	'č': "c", 'ć': "c", 'š': "s", 'ś': "s", 'ž': "z", 'ź': "z", 'ż': "z", 'ř': "r", 'ğ': "g", 'ş': "s",
}

// truncate cuts s to at most n septets, ending it with "..." when it cut.
func truncate(s string, n int) string {
	if septetLen(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := max(septets[r], 1)
		if used+w > n-3 {
			break
		}
		b.WriteRune(r)
		used += w
	}
	return strings.TrimRight(b.String(), " ") + "..."
}
