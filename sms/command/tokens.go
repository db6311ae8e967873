package command

// span is one token: text[start:end].
type span struct{ start, end int }

func (s span) of(text string) string { return text[s.start:s.end] }

// separates marks the bytes that end a token: white space and control characters, and the
// punctuation people put between words on a keypad (".", ",", ":", "#", "*", …). Kept
// inside tokens: letters, digits, non-ASCII, and "+-/='&@" which belong to phone numbers
// ("+254…", "0712-345-678"), amounts ("5000/=") and names ("Ng'ang'a").
var separates = func() (t [256]bool) {
	for c := 0; c <= ' '; c++ {
		t[c] = true
	}
	t[0x7f] = true
	for _, c := range []byte(".,:;#*!?()[]{}\"<>|\\_~^`") {
		t[c] = true
	}
	return t
}()

// tokenize appends text's tokens to toks. A comma stays inside a number when three digits
// follow it ("5,000"); a dot stays when zeros follow it ("500.00") or a number of thousands
// ("1.5k"), and otherwise separates, as in "MKOPO.5000.3" typed on a keypad. A no-break
// space (U+00A0) separates like a space.
func tokenize(text string, toks []span) []span {
	start := -1
	for i := 0; i < len(text); i++ {
		c := text[i]
		sep := separates[c]
		switch {
		case c == ',' && start >= 0:
			sep = !thousands(text, i)
		case c == '.' && start >= 0:
			sep = !decimal(text, i)
		case c == 0xC2 && i+1 < len(text) && text[i+1] == 0xA0:
			sep = true
			if start >= 0 {
				toks = append(toks, span{start, i})
				start = -1
			}
			i++
			continue
		}
		switch {
		case sep && start >= 0:
			toks = append(toks, span{start, i})
			start = -1
		case !sep && start < 0:
			start = i
		}
	}
	if start >= 0 {
		toks = append(toks, span{start, len(text)})
	}
	return toks
}

// thousands reports whether the comma at text[i] separates thousands: a digit before, then
// exactly three digits.
func thousands(text string, i int) bool {
	if !isDigit(text[i-1]) || i+3 >= len(text) {
		return false
	}
	for k := i + 1; k <= i+3; k++ {
		if !isDigit(text[k]) {
			return false
		}
	}
	return i+4 == len(text) || !isDigit(text[i+4])
}

// decimal reports whether the dot at text[i] is part of an amount: digits on both sides,
// and either only zeros after it or a "k" after the digits.
func decimal(text string, i int) bool {
	if !isDigit(text[i-1]) || i+1 == len(text) || !isDigit(text[i+1]) {
		return false
	}
	zeros := true
	j := i + 1
	for ; j < len(text) && isDigit(text[j]); j++ {
		zeros = zeros && text[j] == '0'
	}
	return zeros || (j < len(text) && upper(text[j]) == 'K')
}
