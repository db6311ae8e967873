package screen

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLabelsFor(t *testing.T) {
	for lang, want := range map[string]Labels{"en": English, "sw": Swahili, "": Swahili, "fr": Swahili} {
		if got := LabelsFor(lang); got != want {
			t.Errorf("LabelsFor(%q) = %+v, want %+v", lang, got, want)
		}
	}
}

func TestFits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true},
		{strings.Repeat("x", Limit), true},
		{strings.Repeat("x", Limit+1), false},
		{strings.Repeat("€", Limit/2), true},
		{strings.Repeat("€", Limit/2) + "x", false},
		{"Asante “sana”", false},
	} {
		if got := Fits(tc.in); got != tc.want {
			t.Errorf("Fits(%.20q… %d septets) = %t, want %t", tc.in, Septets(tc.in), got, tc.want)
		}
	}
}

func TestPageClamps(t *testing.T) {
	s := Screen{Title: "Orodha", Options: strings.Fields(strings.Repeat("chaguo-refu-sana-la-mfano ", 20)), Back: true}
	pages := s.Pages(Swahili)
	if len(pages) < 3 {
		t.Fatalf("want at least 3 pages, got %d", len(pages))
	}
	lastN := len(pages) - 1
	for _, tc := range []struct {
		n        int
		want     string
		wantLast bool
	}{
		{-1, pages[0], false},
		{0, pages[0], false},
		{1, pages[1], false},
		{lastN, pages[lastN], true},
		{lastN + 1, pages[lastN], true},
		{98, pages[lastN], true},
	} {
		text, last := s.Page(Swahili, tc.n)
		if text != tc.want || last != tc.wantLast {
			t.Errorf("Page(%d) = %q, %t; want %q, %t", tc.n, text, last, tc.want, tc.wantLast)
		}
	}
}

func TestPagesLayoutRules(t *testing.T) {
	long := strings.Repeat("neno ", 60) // 300 septets of five-letter words
	giant := strings.Repeat("x", 300)
	for _, tc := range []struct {
		name string
		s    Screen
		l    Labels
		want []string
	}{
		{
			name: "empty screen is one empty page",
			want: []string{""},
		},
		{
			name: "controls only",
			s:    Screen{Back: true, Home: true},
			l:    English,
			want: []string{"0 Back\n00 Home"},
		},
		{
			name: "End drops Back and Home",
			s:    Screen{Body: []string{"Asante."}, End: true, Back: true, Home: true},
			l:    Swahili,
			want: []string{"Asante."},
		},
		{
			name: "fields are cleaned and their whitespace collapsed",
			s:    Screen{Title: " Salio\n", Body: []string{"KSh\u00a0500 – “sawa”"}, Options: []string{"  Rudi\tnyuma "}, Prompt: "Chagua…"},
			l:    Swahili,
			want: []string{"Salio\nKSh 500 - \"sawa\"\n1. Rudi nyuma\nChagua..."},
		},
		{
			name: "an option that does not fit moves whole to the next page",
			s: Screen{Options: []string{
				strings.Repeat("a", 100), strings.Repeat("b", 80), strings.Repeat("c", 20),
			}},
			l: English,
			want: []string{
				"1. " + strings.Repeat("a", 100) + "\n98 More",
				"2. " + strings.Repeat("b", 80) + "\n3. " + strings.Repeat("c", 20),
			},
		},
		{
			name: "a paragraph longer than a page is split between words",
			s:    Screen{Body: []string{long}, Home: true},
			l:    English,
			want: []string{
				strings.TrimSpace(strings.Repeat("neno ", 33)) + "\n98 More\n00 Home", // 164 + 1 + 7 + 1 + 7
				strings.TrimSpace(strings.Repeat("neno ", 27)) + "\n00 Home",
			},
		},
		{
			name: "only a word longer than a page is broken, from the top of a page",
			s:    Screen{Body: []string{"mwanzo " + giant + " mwisho"}},
			l:    English,
			want: []string{
				"mwanzo\n98 More",
				giant[:174] + "\n98 More",
				giant[174:] + " mwisho",
			},
		},
		{
			name: "a long title becomes the first paragraph and is not repeated",
			s:    Screen{Title: strings.Repeat("kichwa ", 10), Options: []string{strings.Repeat("o", 150)}},
			l:    English,
			want: []string{
				strings.TrimSpace(strings.Repeat("kichwa ", 10)) + "\n98 More",
				"1. " + strings.Repeat("o", 150),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.s.Pages(tc.l)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Pages (-want +got):\n%s", diff)
			}
			for i, p := range got {
				if !Fits(p) {
					t.Errorf("page %d does not fit: %d septets", i+1, Septets(p))
				}
			}
		})
	}
}
