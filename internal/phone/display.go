package phone

// Mask hides part of a phone number for logs: +254712345678 becomes +254712***678,
// keeping the country code, the network prefix and the last three digits. It is the same
// function as logging.Phone, character for character on any input (0711000111 becomes
// 0711***111, anything shorter than seven characters becomes ***), so either may be used
// and logging.Phone can simply call it. Give it a normalized number: separators left in
// the input take the place of hidden digits, so a spaced number shows more of itself.
func Mask(e164 string) string {
	r := []rune(e164)
	if len(r) < 7 {
		return "***"
	}
	return string(r[:len(r)-6]) + "***" + string(r[len(r)-3:])
}

// Local formats a number the way Kenyans read it on a phone screen, "0712 345 678", for
// SMS texts and USSD menus. It accepts anything Normalize accepts; text that is not a
// Kenyan mobile number is returned unchanged, since a display helper has no one to tell.
func Local(e164 string) string {
	n, err := Normalize(e164)
	if err != nil {
		return e164
	}
	nsn := n[len("+"+countryCode):]
	return "0" + nsn[:3] + " " + nsn[3:6] + " " + nsn[6:]
}
