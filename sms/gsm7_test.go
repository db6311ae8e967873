package sms

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name  string
		text  string
		parts int
		gsm7  bool
	}{
		{"empty", "", 1, true},
		{"one part full", a(160), 1, true},
		{"one over", a(161), 2, true},
		{"two parts full", a(306), 2, true},
		{"three parts", a(307), 3, true},
		{"basic set beyond ASCII", strings.Repeat("é£ΩÑü", 32), 1, true},
		{"extension counts two: 80 braces fill one", strings.Repeat("{", 80), 1, true},
		{"extension counts two: 81 braces need two", strings.Repeat("{", 81), 2, true},
		{"euro tips it over", a(159) + "€", 2, true},
		{"every extension character", "^{}\\[~]|€", 1, true},
		{"extension fills two exactly", a(300) + "[]~", 2, true},
		{"extension pushes to three", a(301) + "[]~", 3, true},
		{"UCS-2 one part full", strings.Repeat("ж", 70), 1, false},
		{"UCS-2 one over", strings.Repeat("ж", 71), 2, false},
		{"UCS-2 two parts full", strings.Repeat("ж", 134), 2, false},
		{"UCS-2 three parts", strings.Repeat("ж", 135), 3, false},
		{"one smart quote makes it UCS-2", a(69) + "’", 1, false},
		{"and then 71 needs two", a(70) + "’", 2, false},
		{"an emoji is two UTF-16 units", a(68) + "😀", 1, false},
		{"and one unit more needs two", a(69) + "😀", 2, false},
		{"extension characters count one in UCS-2", strings.Repeat("{", 69) + "ж", 1, false},
		{"a backtick is not GSM-7", "`", 1, false},
	}
	for _, c := range cases {
		parts, gsm7 := Segments(c.text)
		if parts != c.parts || gsm7 != c.gsm7 {
			t.Errorf("%s: Segments = %d, %t; want %d, %t", c.name, parts, gsm7, c.parts, c.gsm7)
		}
	}
}

func TestCost(t *testing.T) {
	for parts, want := range map[int]string{1: "0.8", 2: "1.6", 3: "2.4"} {
		if got := Cost(parts); got.String() != want {
			t.Errorf("Cost(%d) = %s, want %s", parts, got, want)
		}
	}
}

func TestCleanAndTruncate(t *testing.T) {
	for in, want := range map[string]string{
		"Wanjiru":              "Wanjiru",
		"‘Ann’ – “Zoë” …":      `'Ann' - "Zoe" ...`,
		"two\nlines\r\n":       "two lines  ",
		"Ñandú 😀":              "Ñandu ",
		"Ölçüm":                "Ölcüm",
		"名前 Amani":             " Amani",
		"tab\there\u00a0there": "tab here there",
	} {
		got := clean(in)
		if got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
		if !isGSM7(got) {
			t.Errorf("clean(%q) = %q is not GSM-7", in, got)
		}
	}
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"Wanjiru", 10, "Wanjiru"},
		{"Wanjiru Kamau Njoroge", 10, "Wanjiru..."},
		{"ab cdefgh", 6, "ab..."},
		{"€€€€€€", 8, "€€..."},
	} {
		got := truncate(c.in, c.n)
		if got != c.want || septetLen(got) > c.n {
			t.Errorf("truncate(%q, %d) = %q (%d septets), want %q", c.in, c.n, got, septetLen(got), c.want)
		}
	}
}
