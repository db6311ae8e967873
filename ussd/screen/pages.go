package screen

import (
	"slices"
	"strconv"
	"strings"
)

// titleMax is the longest title repeated at the head of every page: a third of a page, so
// that a continuation page keeps most of its room for what it continues.
const titleMax = Limit / 3

// Pages renders the screen into one or more page texts, each GSM-7 and at most Limit
// septets, for labels whose lines take well under half a page (Swahili and English do).
//
// A page is lines joined by "\n", in this order:
//
//   - header: the title, on every page, when it takes at most titleMax (60) septets; a
//     longer title is laid out as the first body paragraph instead, on the first page;
//   - content blocks, each starting on a line of its own: the body paragraphs, then the
//     options as "1. text", "2. text", numbered on across pages, then the prompt;
//   - footer: the More label on every page but the last, then the Back and the Home labels
//     on every page when asked for (never on an End screen), each on a line of its own.
//
// Everything goes through Clean first, and whitespace inside a field collapses to single
// spaces. If the whole screen fits one page with its footer, it is one page. Otherwise
// pages are filled in order, and a page is the last as soon as everything left fits on it
// without More. A block that fits in the room left goes there; one that does not, but
// would fit on a page of its own, starts the next page whole, so an option, a paragraph or
// the prompt is never split when it can be kept together. Only a block longer than a whole
// page is split: it starts in the room left and runs on over the next pages, broken
// between words, never inside one. A word is broken only when it alone is longer than an
// empty page's room: it then starts a page and is broken where that page ends.
func (s Screen) Pages(l Labels) []string {
	pages := s.layout(l)
	texts := make([]string, len(pages))
	for i, lines := range pages {
		texts[i] = strings.Join(lines, "\n")
	}
	return texts
}

// Page returns page n (0-based) of the screen and whether it is the last one; n outside
// the pages is clamped to the first or the last, so a stray "98" on the last page shows
// the last page again.
func (s Screen) Page(l Labels, n int) (text string, last bool) {
	pages := s.Pages(l)
	n = max(0, min(n, len(pages)-1))
	return pages[n], n == len(pages)-1
}

// layout returns the lines of each page.
func (s Screen) layout(l Labels) [][]string {
	var header []string
	var blocks [][]string // each block's words; a block is laid out as one line
	if title := words(s.Title); len(title) > 0 {
		if t := strings.Join(title, " "); Septets(t) <= titleMax {
			header = []string{t}
		} else {
			blocks = append(blocks, title)
		}
	}
	for _, p := range s.Body {
		if w := words(p); len(w) > 0 {
			blocks = append(blocks, w)
		}
	}
	for i, o := range s.Options {
		// The number is glued to the first word so that it never ends a page alone.
		num := strconv.Itoa(i+1) + "."
		w := words(o)
		if len(w) == 0 {
			w = []string{num}
		} else {
			w[0] = num + " " + w[0]
		}
		blocks = append(blocks, w)
	}
	if w := words(s.Prompt); len(w) > 0 {
		blocks = append(blocks, w)
	}

	var controls []string
	if !s.End {
		if s.Back {
			controls = appendLabel(controls, l.Back)
		}
		if s.Home {
			controls = appendLabel(controls, l.Home)
		}
	}
	withMore := slices.Concat(appendLabel(nil, l.More), controls)

	var pages [][]string
	for {
		if fitsAll(header, blocks, controls) {
			last := slices.Clone(header)
			for _, b := range blocks {
				last = append(last, strings.Join(b, " "))
			}
			return append(pages, append(last, controls...))
		}
		var lines []string
		lines, blocks = fill(header, blocks, withMore)
		pages = append(pages, lines)
	}
}

// fill lays out one page that is not the last: the header, as many blocks as the layout
// rules put on it, and the footer. It returns the page's lines and the blocks left over,
// the first of which may be the rest of a split block.
func fill(header []string, blocks [][]string, footer []string) (lines []string, rest [][]string) {
	lines = slices.Clone(header)
	content := false
	for len(blocks) > 0 {
		b := blocks[0]
		text := strings.Join(b, " ")
		if fits(slices.Concat(lines, []string{text}, footer)) {
			lines = append(lines, text)
			blocks = blocks[1:]
			content = true
			continue
		}
		if content && fits(slices.Concat(header, []string{text}, footer)) {
			break // keep the block whole: it starts the next page
		}
		// Longer than a page: split it, filling the room left. The empty line stands
		// for the new one, so that the join counts its line breaks.
		room := Limit - Septets(strings.Join(slices.Concat(lines, []string{""}, footer), "\n"))
		n := wordsWithin(b, room)
		switch {
		case n > 0:
			lines = append(lines, strings.Join(b[:n], " "))
			blocks = slices.Concat([][]string{b[n:]}, blocks[1:])
		case !content:
			// Only a word longer than an empty page's room is broken.
			head, tail := cut(b[0], room)
			lines = append(lines, head)
			after := slices.Clone(b)
			if after[0] = tail; tail == "" {
				after = after[1:] // only with labels that leave no room at all
			}
			if len(after) == 0 {
				blocks = blocks[1:]
			} else {
				blocks = slices.Concat([][]string{after}, blocks[1:])
			}
		}
		break
	}
	return append(lines, footer...), blocks
}

// wordsWithin returns how many of ws, from the first, fit in room septets joined by spaces.
func wordsWithin(ws []string, room int) int {
	used := -1 // no space before the first word
	for i, w := range ws {
		used += 1 + Septets(w)
		if used > room {
			return i
		}
	}
	return len(ws)
}

// cut breaks w after as many characters as fit in room septets, and after at least one, so
// that layout always moves on. An option's first word carries its number ("12. word"):
// when the word itself would fit an empty page, the break falls after the number instead.
func cut(w string, room int) (head, tail string) {
	if num, word, ok := strings.Cut(w, " "); ok && Septets(word) <= room {
		return num, word
	}
	used := 0
	for i, r := range w {
		used += max(septetsOf(r), 1)
		if used > room && i > 0 {
			return w[:i], w[i:]
		}
	}
	return w, ""
}

// fitsAll reports whether the header, every block on a line of its own and the footer fit
// one page, giving up as soon as they do not: the blocks left can be a long text.
func fitsAll(header []string, blocks [][]string, footer []string) bool {
	n := -1 // no line break before the first line
	for _, line := range slices.Concat(header, footer) {
		n += 1 + Septets(line)
	}
	for _, b := range blocks {
		n += len(b) // the line break before the block and the spaces between its words
		for _, w := range b {
			n += Septets(w)
		}
		if n > Limit {
			return false
		}
	}
	return n <= Limit
}

func fits(lines []string) bool {
	return Septets(strings.Join(lines, "\n")) <= Limit
}

func words(s string) []string {
	return strings.Fields(Clean(s))
}

func appendLabel(lines []string, label string) []string {
	if w := words(label); len(w) > 0 {
		return append(lines, strings.Join(w, " "))
	}
	return lines
}
