package screen

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPagesProperties renders random screens and checks every layout promise on each; the
// seed is fixed so a failure reproduces.
func TestPagesProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 182))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		s, lang := randomScreen(rng)
		// The generator's words are either short or longer than a whole screen, so here
		// no word of at most Limit septets may be broken.
		if !checkPages(t, s, LabelsFor(lang), Limit) {
			t.Fatalf("screen %d (lang %q) failed: %#v", i, lang, s)
		}
	}
}

// FuzzPages checks the same promises on screens built from arbitrary text. Here a word may
// be broken when it is longer than the room an empty page leaves.
func FuzzPages(f *testing.F) {
	f.Add("Mikopo", "Mkopo: KSh 10,000.", "", "Omba|Lipa|Salio", "Chagua:", uint8(6))
	f.Add("", strings.Repeat("neno ", 80), "“Asante” 🎉", "", "", uint8(1))
	f.Add(strings.Repeat("k", 70), strings.Repeat("x", 400), "€€€ {} ~", strings.Repeat("a b|", 30), "Weka PIN", uint8(3))
	f.Fuzz(func(t *testing.T, title, body1, body2, options, prompt string, flags uint8) {
		s := Screen{Title: title, Body: []string{body1, body2}, Prompt: prompt,
			End: flags&1 != 0, Back: flags&2 != 0, Home: flags&4 != 0}
		if options != "" {
			s.Options = strings.Split(options, "|")
			if len(s.Options) > 97 {
				s.Options = s.Options[:97]
			}
		}
		l := Swahili
		if flags&8 != 0 {
			l = English
		}
		checkPages(t, s, l, emptyRoom(s, l))
	})
}

// emptyRoom is the room a page that is not the last leaves for content: what is left of
// Limit after the repeated title, the footer and their line breaks.
func emptyRoom(s Screen, l Labels) int {
	lines := []string{}
	if title, repeat := header(s); repeat {
		lines = append(lines, title)
	}
	lines = append(lines, "", l.More)
	if !s.End && s.Back {
		lines = append(lines, l.Back)
	}
	if !s.End && s.Home {
		lines = append(lines, l.Home)
	}
	return Limit - Septets(strings.Join(lines, "\n"))
}

func header(s Screen) (title string, repeat bool) {
	title = strings.Join(words(s.Title), " ")
	return title, title != "" && Septets(title) <= titleMax
}

// checkPages checks the promises Pages makes about s: every page fits; the footer is More
// on all pages but the last plus Back and Home as asked; a short title heads every page;
// the title, body words, numbered options and prompt appear exactly once, in order; no word
// of at most maxWhole septets is broken; an option, paragraph or prompt that fits an empty
// page is on one line; Page agrees with Pages. It reports whether all held.
func checkPages(t *testing.T, s Screen, l Labels, maxWhole int) bool {
	t.Helper()
	pages := s.Pages(l)
	if len(pages) == 0 {
		t.Error("no pages")
		return false
	}
	title, repeat := header(s)
	var tokens []string
	lines := map[string]int{}
	for i, p := range pages {
		isLast := i == len(pages)-1
		if !Fits(p) {
			t.Errorf("page %d does not fit (%d septets):\n%s", i+1, Septets(p), p)
		}
		if i == 0 || isLast { // Page renders the whole screen again: two pages tell enough
			if text, last := s.Page(l, i); text != p || last != isLast {
				t.Errorf("Page(%d) = %q, %t; want page %d of Pages, last %t", i, text, last, i+1, isLast)
			}
		}
		ls := strings.Split(p, "\n")
		var foot []string
		if !isLast {
			foot = append(foot, l.More)
		}
		if !s.End && s.Back {
			foot = append(foot, l.Back)
		}
		if !s.End && s.Home {
			foot = append(foot, l.Home)
		}
		if len(ls) < len(foot) || !slices.Equal(ls[len(ls)-len(foot):], foot) {
			t.Errorf("page %d does not end with %q:\n%s", i+1, foot, p)
			return false
		}
		ls = ls[:len(ls)-len(foot)]
		if repeat {
			if len(ls) == 0 || ls[0] != title {
				t.Errorf("page %d does not start with the title %q:\n%s", i+1, title, p)
				return false
			}
			ls = ls[1:]
		}
		if len(pages) > 1 && len(ls) == 0 {
			t.Errorf("page %d of %d has no content:\n%s", i+1, len(pages), p)
		}
		for _, line := range ls {
			tokens = append(tokens, strings.Fields(line)...)
			lines[line]++
		}
	}

	var want []string
	var whole []string // lines that must appear unbroken
	keepWhole := func(ws []string) {
		if line := strings.Join(ws, " "); Septets(line) <= emptyRoom(s, l) {
			whole = append(whole, line)
		}
	}
	if !repeat {
		want = append(want, words(s.Title)...)
		if len(words(s.Title)) > 0 {
			keepWhole(words(s.Title))
		}
	}
	for _, p := range s.Body {
		want = append(want, words(p)...)
		if len(words(p)) > 0 {
			keepWhole(words(p))
		}
	}
	var optionLines []string
	for i, o := range s.Options {
		ws := append([]string{strconv.Itoa(i+1) + "."}, words(o)...)
		want = append(want, ws...)
		if line := strings.Join(ws, " "); Septets(line) <= emptyRoom(s, l) {
			optionLines = append(optionLines, line)
		}
	}
	if ws := words(s.Prompt); len(ws) > 0 {
		want = append(want, ws...)
		keepWhole(ws)
	}

	j := 0
	for _, w := range want {
		if j < len(tokens) && tokens[j] == w {
			j++
			continue
		}
		if Septets(w) <= maxWhole {
			t.Errorf("word %q (%d septets) is broken or missing near %q", w, Septets(w), tokens[j:min(j+3, len(tokens))])
			return false
		}
		var acc string
		for acc != w && j < len(tokens) && strings.HasPrefix(w, acc+tokens[j]) {
			acc += tokens[j]
			j++
		}
		if acc != w {
			t.Errorf("long word %.20q… is not laid out whole in order", w)
			return false
		}
	}
	if j != len(tokens) {
		t.Errorf("extra text on the pages: %q", tokens[j:min(j+5, len(tokens))])
		return false
	}
	for _, line := range whole {
		if lines[line] == 0 {
			t.Errorf("%q fits an empty page but was split", line)
		}
	}
	for _, line := range optionLines {
		if lines[line] != 1 {
			t.Errorf("option line %q appears %d times, want once unbroken", line, lines[line])
		}
	}
	return !t.Failed()
}

// randomScreen makes a screen of random words: mostly short ones, some that Clean has to
// mend or remove, and rarely one longer than a whole screen; 0-30 options (a few longer
// than a page) and a body of up to 2000 characters.
func randomScreen(r *rand.Rand) (Screen, string) {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789,.:%"
	odd := []string{"“Asante”", "🎉", "José", "KSh€", "{x}", "naïve", "—", "…", "[0]", "Wanjiku’s", "\u00a0", "ñ~^"}
	word := func() string {
		switch n := r.IntN(200); {
		case n == 0:
			return strings.Repeat(string(letters[r.IntN(26)]), Limit+1+r.IntN(250))
		case n < 12:
			return odd[r.IntN(len(odd))]
		default:
			b := make([]byte, 1+r.IntN(12))
			for i := range b {
				b[i] = letters[r.IntN(len(letters))]
			}
			return string(b)
		}
	}
	text := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = word()
		}
		sep := " "
		if r.IntN(10) == 0 {
			sep = " \n "
		}
		return strings.Join(ws, sep)
	}
	var s Screen
	switch r.IntN(4) {
	case 0:
	case 1:
		s.Title = text(8 + r.IntN(20)) // usually too long to repeat
	default:
		s.Title = text(1 + r.IntN(5))
	}
	for size, target := 0, r.IntN(2001); size < target; {
		p := text(1 + r.IntN(60))
		s.Body = append(s.Body, p)
		size += len(p)
	}
	for range r.IntN(31) {
		if r.IntN(20) == 0 {
			s.Options = append(s.Options, text(30+r.IntN(30)))
		} else {
			s.Options = append(s.Options, text(1+r.IntN(6)))
		}
	}
	if r.IntN(2) == 0 {
		s.Prompt = text(1 + r.IntN(4))
	}
	s.End, s.Back, s.Home = r.IntN(4) == 0, r.IntN(2) == 0, r.IntN(2) == 0
	lang := "sw"
	if r.IntN(2) == 0 {
		lang = "en"
	}
	return s, lang
}
