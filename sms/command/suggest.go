package command

// maxTypo bounds the words suggest looks at; nothing longer is a mistyped keyword.
const maxTypo = 16

// suggest is the command a mistyped word most likely meant, or "". A keyword is close
// when it is:
//   - typed on the same keys (T9 predictive text turning a keyword into another word with
//     the same key presses);
//   - at most one edit away (a letter missing, extra, wrong or two letters swapped) for a
//     word of up to four letters, two edits for a longer one: "BALL", "SALLIO", "CHANGE";
//   - or, for three letters or more, the start of keywords of only one command: "CONTR".
//
// The closest wins; between equals, the keyword listed first in verbWords.
func suggest(tok string) Verb {
	if len(tok) == 0 || len(tok) > maxTypo {
		return ""
	}
	var buf [maxTypo]byte
	for i := 0; i < len(tok); i++ {
		buf[i] = upper(tok[i])
	}
	w := string(buf[:len(tok)])
	limit := 2
	if len(w) <= 4 {
		limit = 1
	}
	best, bestDist := Verb(""), limit+1
	prefixOf := Verb("")
	prefixUnique := true
	for _, vw := range verbWords {
		for _, kw := range vw.words {
			d := distance(w, kw)
			if sameKeys(w, kw) {
				d = 0
			}
			if d < bestDist {
				best, bestDist = vw.verb, d
			}
			if len(w) >= 3 && len(w) < len(kw) && kw[:len(w)] == w {
				prefixUnique = prefixUnique && (prefixOf == "" || prefixOf == vw.verb)
				prefixOf = vw.verb
			}
		}
	}
	if prefixOf != "" && prefixUnique && bestDist > 1 {
		return prefixOf
	}
	return best
}

// keypad is the digit key each letter is on.
const keypad = "22233344455566677778889999"

// sameKeys reports whether a and b, both upper case, are typed with the same key presses
// on a phone keypad.
func sameKeys(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] < 'A' || a[i] > 'Z' || b[i] < 'A' || b[i] > 'Z' || keypad[a[i]-'A'] != keypad[b[i]-'A'] {
			return false
		}
	}
	return true
}

// distance is the optimal string alignment distance between a and b (Levenshtein with
// adjacent transpositions), both at most maxTypo bytes.
func distance(a, b string) int {
	var rows [3][maxTypo + 1]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
