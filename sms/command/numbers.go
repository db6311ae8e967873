package command

// maxAmount bounds an amount only so that arithmetic cannot overflow and nonsense is caught
// early; the group's rules and M-Pesa's limits decide what is really allowed.
const maxAmount = 10_000_000

// numeric is what a token turned out to be.
type numeric uint8

const (
	notNumber numeric = iota // does not start with a digit (after a currency prefix)
	number                   // a well-formed amount
	badNumber                // starts like a number but is not one ("5x", "500.50")
)

// amount reads an amount as people write it: 5000, 5,000, 5000/=, 5000/-, ksh5000,
// KES5000, 5000ksh, 5k, 1.5k, 500.00. Cents other than zero are refused: amounts are whole
// shillings. The tokenizer has already split "KES 5000" and "Kshs.500" into two tokens,
// and it keeps a comma or dot inside a token only between digits where it belongs to the
// number.
func amount(tok string) (int64, numeric) {
	s := tok
	for _, p := range [...]string{"KSHS", "KSH", "KES", "SHS", "SH"} {
		if len(s) > len(p) && hasPrefixFold(s, p) && isDigit(s[len(p)]) {
			s = s[len(p):]
			break
		}
	}
	if s == "" || !isDigit(s[0]) {
		return 0, notNumber
	}
	var v int64
	i, run := 0, 0 // run counts digits since the last comma, to check thousands groups
	comma := false
digits:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if v > maxAmount*1000 { // more digits can only be nonsense; stop before overflow
				return 0, badNumber
			}
			v = v*10 + int64(c-'0')
			run++
		case c == ',':
			if (comma && run != 3) || (!comma && run > 3) {
				return 0, badNumber
			}
			comma, run = true, 0
		default:
			break digits
		}
	}
	if comma && run != 3 {
		return 0, badNumber
	}
	var frac, scale int64 = 0, 1
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && isDigit(s[i]); i++ {
			if scale >= 1000 {
				return 0, badNumber
			}
			frac = frac*10 + int64(s[i]-'0')
			scale *= 10
		}
	}
	rest := s[i:]
	switch {
	case currencySuffix(rest):
		// Cents only as ".0" or ".00": "5.000" may mean five thousand, so it is refused.
		if frac != 0 || scale > 100 {
			return 0, badNumber
		}
	case len(rest) > 0 && upper(rest[0]) == 'K' && currencySuffix(rest[1:]):
		v = v*1000 + frac*1000/scale
		if frac*1000%scale != 0 {
			return 0, badNumber
		}
	default:
		return 0, badNumber
	}
	if v > maxAmount {
		return v, badNumber
	}
	return v, number
}

// currencySuffix reports whether s may follow the digits of an amount: nothing, "/=", "/-"
// or a currency word.
func currencySuffix(s string) bool {
	switch len(s) {
	case 0:
		return true
	case 1:
		return s == "=" || s == "-" || s == "/"
	case 2:
		return s == "/=" || s == "/-" || hasPrefixFold(s, "SH")
	}
	for _, w := range [...]string{"KSHS", "KSH", "KES", "SHS", "BOB"} {
		if len(s) == len(w) && hasPrefixFold(s, w) {
			return true
		}
	}
	return false
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix is upper case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if upper(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// phoneShape is how a token that may begin a phone number begins.
type phoneShape uint8

const (
	noPhone phoneShape = iota
	local              // 07…, 01…: 10 digits
	intl               // 254…, +254…, 00254…: 12 digits, or 13 when a 0 follows 254
)

// maxPhoneParts bounds how many space-separated groups one number may be typed in
// ("+254 712 345 678" is four).
const maxPhoneParts = 4

// phone reads a Kenyan mobile number starting at toks[i], which may be written in groups
// over several tokens ("0712 345 678") and with dashes. It returns the E.164 form and
// how many tokens it used. ok is false when toks[i] does not start a number; bad is true
// when it plainly meant to be a phone number but is not a Kenyan mobile one.
func phone(text string, toks []span, i int) (e164 string, used int, ok, bad bool) {
	var d [16]byte
	n := 0
	first := toks[i].of(text)
	plus := first[0] == '+'
	n, ok = appendDigits(d[:], n, first[btoi(plus):])
	if !ok || n == 0 {
		return "", 0, false, plus && n > 0
	}
	shape := noPhone
	switch {
	case plus || (n >= 3 && string(d[:3]) == "254") || (n >= 5 && string(d[:5]) == "00254"):
		shape = intl
	case d[0] == '0':
		shape = local
	default:
		return "", 0, false, false
	}
	need := func() int {
		start := 0
		if n >= 2 && d[0] == '0' && d[1] == '0' {
			start = 2
		}
		switch {
		case shape == local:
			return 10
		case n >= start+4 && d[start+3] == '0':
			return start + 13
		}
		return start + 12
	}
	used = 1
	for n < need() && used < maxPhoneParts && i+used < len(toks) {
		next := toks[i+used].of(text)
		m, digitsOnly := appendDigits(d[:], n, next)
		if !digitsOnly || m == n {
			break
		}
		n, used = m, used+1
	}
	if n == need() {
		if e164, ok := e164Of(d[:n]); ok {
			return e164, used, true, false
		}
	}
	// Only the first token decides whether this was meant as a phone number: "0500" is an
	// amount, "07123456" a mistyped number.
	firstDigits := n
	if used > 1 {
		firstDigits, _ = appendDigits(d[:], 0, first[btoi(plus):])
	}
	switch {
	case plus:
		bad = true
	case shape == local:
		bad = firstDigits >= 7
	default:
		bad = firstDigits >= 11
	}
	return "", 0, false, bad
}

// appendDigits appends the digits of s to d[n:], skipping dashes. ok is false when s has
// anything else or the number grows too long for any phone number.
func appendDigits(d []byte, n int, s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if n == len(d) {
				return n, false
			}
			d[n] = c
			n++
		case c == '-' && i > 0:
		default:
			return n, false
		}
	}
	return n, true
}

// e164Of turns the digits of a Kenyan mobile number (0712345678, 254712345678,
// 2540712345678, 00254712345678) into +254712345678.
func e164Of(d []byte) (string, bool) {
	var sub []byte
	switch {
	case len(d) == 10 && d[0] == '0':
		sub = d[1:]
	case len(d) == 12 && string(d[:3]) == "254":
		sub = d[3:]
	case len(d) == 13 && string(d[:4]) == "2540":
		sub = d[4:]
	case len(d) == 14 && string(d[:5]) == "00254":
		sub = d[5:]
	case len(d) == 15 && string(d[:6]) == "002540":
		sub = d[6:]
	default:
		return "", false
	}
	if sub[0] != '7' && sub[0] != '1' {
		return "", false
	}
	var out [13]byte
	copy(out[:], "+254")
	copy(out[4:], sub)
	return string(out[:]), true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
