// Package phone owns Kenyan mobile numbers: it turns any way a member or official writes
// one into E.164 (+2547XXXXXXXX, +2541XXXXXXXX), the single form the rest of Kikundi
// stores, compares and sends to, and it formats numbers back for SMS, USSD screens and logs.
// A member is known by their number, so two spellings of it must never become two members.
package phone

import (
	"errors"
	"strings"
	"unicode"
)

// The errors Normalize returns. Their text can be shown to an official as it is, and it
// never repeats the input: a phone number is personal data, so the error may be logged.
var (
	ErrEmpty           = errors.New("phone: no number given; write it like 0712 345 678")
	ErrNotANumber      = errors.New("phone: use only digits, spaces and dashes, e.g. 0712 345 678")
	ErrWrongLength     = errors.New("phone: wrong number of digits; a Kenyan mobile number has 10, e.g. 0712 345 678")
	ErrNotKenyanMobile = errors.New("phone: not a Kenyan mobile number; it starts 07 or 01, e.g. 0712 345 678")
)

const (
	countryCode = "254"
	// subscriberLen is the length of the national significant number: 7xxxxxxxx or 1xxxxxxxx.
	subscriberLen = 9
	// maxInput bounds the work done on text pasted into a form; no honest spelling of a
	// number, with all its spaces and brackets, comes near it.
	maxInput = 64
)

// Normalize returns the E.164 form of a Kenyan mobile number written in any of the ways
// Kenyans write one: 0712345678, 712345678, 0112345678, 254712345678, +254712345678,
// 00254712345678, +254 (0)712 345 678, 0712-345-678, (0712) 345678, 0712.345.678, with
// spaces (non-breaking ones too), dots, dashes and brackets anywhere and whitespace around.
//
// It refuses, with one of the package's errors: nothing at all (ErrEmpty); letters or other
// symbols, or a plus sign after a digit (ErrNotANumber); a number of the wrong length
// (ErrWrongLength); another country's code, a Kenyan landline such as 020…, or "+0712…"
// (ErrNotKenyanMobile). Any prefix 7 or 1 is accepted, so a newly issued range needs no
// change here.
func Normalize(s string) (string, error) {
	if strings.TrimSpace(s) == "" { // Unicode spaces, U+00A0 included
		return "", ErrEmpty
	}
	if len(s) > maxInput {
		return "", ErrWrongLength
	}
	digits := make([]byte, 0, len(s))
	plus := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '+' && !plus && len(digits) == 0:
			plus = true
		case isSeparator(r):
		default:
			return "", ErrNotANumber
		}
	}
	if len(digits) == 0 {
		return "", ErrNotANumber
	}

	rest, ok := subscriber(string(digits), plus)
	if !ok {
		return "", ErrNotKenyanMobile
	}
	// The prefix is checked before the length so that a landline (020 + 7 or 8 digits)
	// is named as one rather than as a number of the wrong length.
	if rest != "" && rest[0] != '7' && rest[0] != '1' {
		return "", ErrNotKenyanMobile
	}
	if len(rest) != subscriberLen {
		return "", ErrWrongLength
	}
	return "+" + countryCode + rest, nil
}

// subscriber strips the international or trunk prefix from d and returns what should be
// the 9-digit national number. ok is false when d names a country other than Kenya.
func subscriber(d string, plus bool) (rest string, ok bool) {
	switch {
	case plus:
		// "+0712…" lands here too: nothing after a plus starts with 0.
		if !hasPrefix(d, countryCode) {
			return "", false
		}
		d = d[len(countryCode):]
	case hasPrefix(d, "00"):
		if !hasPrefix(d, "00"+countryCode) {
			return "", false
		}
		d = d[len("00"+countryCode):]
	case hasPrefix(d, countryCode):
		// No national number starts with 2, so a leading 254 is always the country code.
		d = d[len(countryCode):]
	default:
		// 0712…: the trunk prefix, dropped below.
		if hasPrefix(d, "0") {
			return d[1:], true
		}
		return d, true
	}
	// "+254 (0)712 345 678": a trunk 0 kept after the country code.
	if hasPrefix(d, "0") {
		d = d[1:]
	}
	return d, true
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// isSeparator reports whether r is one of the marks people put between groups of digits:
// any Unicode space (U+00A0 and U+202F arrive from copy-paste), dots, brackets, slashes
// and any dash (Word turns "-" into "–").
func isSeparator(r rune) bool {
	switch r {
	case '.', '(', ')', '/':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r)
}
