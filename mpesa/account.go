package mpesa

import (
	"strings"
	"unicode"

	"github.com/kikundi/kikundi/internal/phone"
)

// ParseAccount reads what a member typed as the paybill account number: the group's code,
// then optionally their own phone number, with or without spaces, dashes or a #
// ("UMOJA 0712345678", "umoja#712345678", "UMOJA"). group is "" when the reference is no
// group code at all; phone is "" when no phone number follows it. A wrong or missing phone
// leaves the money in suspense under the group, for an official to assign.
func ParseAccount(ref string) (group, e164 string) {
	var b strings.Builder
	for _, r := range strings.ToUpper(ref) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	s := b.String()
	// The longest trailing run of digits that is a Kenyan mobile number is the phone.
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	for start := i; start < len(s); start++ {
		if n, err := phone.Normalize(s[start:]); err == nil && start > 0 {
			code := s[:start]
			if isGroupCode(code) {
				return code, n
			}
		}
	}
	if isGroupCode(s) {
		return s, ""
	}
	return "", ""
}

// isGroupCode matches chama's group codes: a letter, then 2 to 11 letters or digits.
func isGroupCode(s string) bool {
	if len(s) < 3 || len(s) > 12 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
