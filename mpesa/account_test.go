package mpesa

import "testing"

func TestParseAccount(t *testing.T) {
	for _, c := range []struct{ ref, group, phone string }{
		{"UMOJA", "UMOJA", ""},
		{"umoja 0712 345 678", "UMOJA", "+254712345678"},
		{"UMOJA#712345678", "UMOJA", "+254712345678"},
		{"UMOJA-254712345678", "UMOJA", "+254712345678"},
		{"KIJIJI70712345678", "KIJIJI7", "+254712345678"},
		{"KIJIJI7", "KIJIJI7", ""},
		{"0712345678", "", ""},
		{"", "", ""},
		{"U1", "", ""},
		{"UMOJA0712", "UMOJA0712", ""}, // not a phone: part of a code
	} {
		g, p := ParseAccount(c.ref)
		if g != c.group || p != c.phone {
			t.Errorf("ParseAccount(%q) = %q, %q; want %q, %q", c.ref, g, p, c.group, c.phone)
		}
	}
}

func FuzzParseAccount(f *testing.F) {
	for _, s := range []string{"UMOJA 0712345678", "x", "UMOJA#7", "Ūmoja"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		g, p := ParseAccount(ref)
		if g != "" && !isGroupCode(g) {
			t.Fatalf("group %q is not a group code", g)
		}
		if p != "" && g == "" {
			t.Fatalf("a phone %q without a group", p)
		}
	})
}
