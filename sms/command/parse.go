package command

import "strings"

// maxMonths bounds a loan term only to catch nonsense ("MKOPO 3 5000"); the group's
// constitution sets the real limit.
const maxMonths = 120

// Parse reads one SMS. A group code may stand before the verb ("UMOJA BAL") or among its
// details ("BAL UMOJA", "MKOPO 5000 3 UMOJA"); for ADD and INVITE, whose trailing words
// are a name, it may stand before the verb or between the verb and the phone number.
//
// Parse is conservative: a misspelt keyword is never taken for the command it resembles,
// not even "CHANGE 500" for CHANGA; it becomes an *UnknownError whose Suggestion the reply
// offers. Greetings and politeness alone ("Habari", "?") are a request for help. STOP and
// HELP never fail once their keyword is recognised: an opt-out must always work.
func Parse(text string) (Command, error) {
	var buf [32]span
	toks := tokenize(text, buf[:0])
	i := 0
	for i < len(toks) {
		w, ok := lookup(toks[i].of(text))
		if !ok || (w.kind != kindFiller && w.kind != kindGreeting) {
			break
		}
		i++
	}
	if i == len(toks) {
		if len(toks) > 0 || strings.IndexByte(text, '?') >= 0 {
			return Command{Verb: Help}, nil
		}
		return Command{}, ErrEmpty
	}

	var c Command
	if !c.verb(toks[i].of(text)) {
		g, ok := groupCode(toks[i].of(text))
		if !ok || i+1 == len(toks) || !c.verb(toks[i+1].of(text)) {
			return Command{}, unknown(text, toks[i:])
		}
		c.Group = g
		i++
	}
	p := parser{text: text, c: c}
	args := toks[i+1:]
	var problem string
	switch c.Verb {
	case Help:
		p.help(args)
	case Stop:
		p.stop(args)
	case Language:
		problem = p.language(args)
	case Add, Invite:
		problem = p.person(args)
	default:
		problem = p.details(args)
	}
	if problem != "" {
		return Command{}, &ArgumentError{Verb: c.Verb, Problem: problem}
	}
	return p.c, nil
}

// verb sets c's verb from a keyword, or from a language word standing for LANG.
func (c *Command) verb(tok string) bool {
	w, ok := lookup(tok)
	switch {
	case ok && w.kind == kindVerb:
		c.Verb = w.verb
	case ok && w.kind == kindLang:
		c.Verb, c.Lang = Language, w.val
	default:
		return false
	}
	return true
}

// unknown explains a message that does not start with a command. When the first word is
// shaped like a group code and suggests nothing, the second is the likelier typo
// ("UMOJA BALANC").
func unknown(text string, toks []span) error {
	w := toks[0].of(text)
	s := suggest(w)
	if s == "" && len(toks) > 1 {
		if _, ok := groupCode(w); ok {
			if s2 := suggest(toks[1].of(text)); s2 != "" {
				w, s = toks[1].of(text), s2
			}
		}
	}
	return &UnknownError{Word: clip(w, 32), Suggestion: s}
}

// clip shortens s to at most n bytes without cutting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// parser holds what is read after the verb.
//
// The tokens are passed beside it, not kept in it: escape analysis does not tell one
// field from another, and the command's strings leave Parse, so tokens kept here would
// move the token buffer to the heap.
type parser struct {
	text string
	c    Command
}

// help takes the first keyword after HELP as the topic and ignores everything else.
func (p *parser) help(args []span) {
	for i := range args {
		if w, ok := lookup(args[i].of(p.text)); ok && w.kind == kindVerb {
			p.c.Topic = w.verb
			return
		}
	}
}

// stop takes a lone group code after STOP ("STOP UMOJA"); any other words are ignored.
func (p *parser) stop(args []span) {
	if len(args) == 1 && p.c.Group == "" {
		p.c.Group, _ = groupCode(args[0].of(p.text))
	}
}

func (p *parser) language(args []span) string {
	for i := range args {
		w, ok := lookup(args[i].of(p.text))
		switch {
		case ok && (w.kind == kindFiller || w.kind == kindGreeting):
		case ok && w.kind == kindLang && (p.c.Lang == "" || p.c.Lang == w.val):
			p.c.Lang = w.val
		default:
			return ProblemBadLanguage
		}
	}
	if p.c.Lang == "" {
		return ProblemNoLanguage
	}
	return ""
}

// setGroup records a group code met among the details; two different ones are a problem.
func (p *parser) setGroup(g string) bool {
	if p.c.Group != "" && p.c.Group != g {
		return false
	}
	p.c.Group = g
	return true
}

// person reads ADD and INVITE: [group] phone [name…] [role].
func (p *parser) person(args []span) string {
	i := 0
	for i < len(args) {
		if w, ok := lookup(args[i].of(p.text)); !ok || w.kind != kindFiller {
			break
		}
		i++
	}
	if i == len(args) {
		return ProblemNoPhone
	}
	e164, used, ok, bad := phone(p.text, args, i)
	if !ok && !bad && i+1 < len(args) {
		if g, isGroup := groupCode(args[i].of(p.text)); isGroup {
			if e164, used, ok, bad = phone(p.text, args, i+1); ok && !p.setGroup(g) {
				return ProblemTwoGroups
			}
			i++
		}
	}
	switch {
	case bad || !ok && startsNumber(args[i].of(p.text)):
		return ProblemBadPhone // where a phone number must stand, any number is a wrong one
	case !ok:
		if p.anyPhone(args, i) {
			return ProblemExtra // words before the number: the name belongs after it
		}
		return ProblemNoPhone
	}
	p.c.Phone = e164

	var name [16]span
	names := name[:0]
	for i += used; i < len(args); i++ {
		w, ok := lookup(args[i].of(p.text))
		switch {
		case ok && w.kind == kindRole:
			if p.c.Role != "" && p.c.Role != w.val {
				return ProblemTwoRoles
			}
			p.c.Role = w.val
			continue
		case ok && w.kind == kindFiller:
			continue
		}
		if _, _, isPhone, _ := phone(p.text, args, i); isPhone {
			return ProblemTwoPhones
		}
		names = append(names, args[i])
	}
	p.c.Name = join(p.text, names)
	return ""
}

// anyPhone reports whether a phone number starts at or after args[i].
func (p *parser) anyPhone(args []span, i int) bool {
	for ; i < len(args); i++ {
		if _, _, ok, bad := phone(p.text, args, i); ok || bad {
			return true
		}
	}
	return false
}

// join is the tokens separated by single spaces; when they already stand so in text it
// is a substring and costs no allocation.
func join(text string, toks []span) string {
	if len(toks) == 0 {
		return ""
	}
	contiguous := true
	for k := 1; k < len(toks) && contiguous; k++ {
		contiguous = toks[k].start == toks[k-1].end+1 && text[toks[k-1].end] == ' '
	}
	if contiguous {
		return text[toks[0].start:toks[len(toks)-1].end]
	}
	var b strings.Builder
	for k, t := range toks {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.of(text))
	}
	return b.String()
}

// lookupWord is lookup for a token that may be a word: numbers and phone numbers, the
// commonest details, skip the map.
func lookupWord(tok string) (word, bool) {
	if startsNumber(tok) {
		return word{}, false
	}
	return lookup(tok)
}

// startsNumber reports whether a token starts like a number or a phone number.
func startsNumber(tok string) bool { return isDigit(tok[0]) || tok[0] == '+' }

// takes says which details a verb takes.
type takes struct {
	amount, months bool
	phone          uint8 // 0 none, 1 optional, 2 required
	group          bool  // a group code is required
}

func detailsOf(v Verb) takes {
	switch v {
	case Contribute, Repay:
		return takes{amount: true}
	case Loan:
		return takes{amount: true, months: true}
	case Cash, Payout:
		return takes{amount: true, phone: 2}
	case Remove:
		return takes{phone: 2}
	case Remind:
		return takes{phone: 1}
	case Join:
		return takes{group: true}
	}
	return takes{}
}

// details reads every other verb: numbers, at most one phone and at most one group code,
// in any order, currency and month words skipped.
func (p *parser) details(args []span) string {
	t := detailsOf(p.c.Verb)
	var nums [3]int64
	n, monthsAt := 0, -1
	monthsNext, afterNumber := false, false
	var badPhone, badAmount, twoGroups, twoPhones, extra bool
	for i := 0; i < len(args); {
		tok := args[i].of(p.text)
		wasNumber := afterNumber
		afterNumber = false
		if w, ok := lookupWord(tok); ok {
			switch w.kind {
			case kindMonths:
				// "MIEZI 3" in Swahili, "3 MONTHS" in English: the number after the word
				// if there is one, else the number before it.
				if i+1 < len(args) && startsNumber(args[i+1].of(p.text)) {
					monthsNext = true
				} else if wasNumber && monthsAt < 0 {
					monthsAt = n - 1
				}
			case kindCurrency, kindFiller, kindGreeting:
			default:
				extra = true
			}
			i++
			continue
		}
		if e164, used, ok, bad := phone(p.text, args, i); ok {
			twoPhones = twoPhones || (p.c.Phone != "" && p.c.Phone != e164)
			p.c.Phone = e164
			i += used
			continue
		} else if bad {
			badPhone = true
			i++
			continue
		}
		i++
		switch v, kind := amount(tok); kind {
		case number:
			if n < len(nums) {
				nums[n] = v
			}
			if monthsNext && monthsAt < 0 {
				monthsAt = n
			}
			n++
			monthsNext, afterNumber = false, true
			continue
		case badNumber:
			badAmount = true
			continue
		}
		if g, ok := groupCode(tok); ok {
			twoGroups = twoGroups || !p.setGroup(g)
			continue
		}
		extra = true
	}

	if !t.months {
		monthsAt = -1
	}
	maxNums := 0
	if t.amount {
		maxNums = 1 + btoi(t.months)
	}
	switch {
	case badPhone && t.phone > 0:
		return ProblemBadPhone
	case badAmount && t.amount:
		return ProblemBadAmount
	case twoGroups:
		return ProblemTwoGroups
	case twoPhones && t.phone > 0:
		return ProblemTwoPhones
	case extra || badPhone || badAmount || twoPhones || n > maxNums || (p.c.Phone != "" && t.phone == 0):
		return ProblemExtra
	case t.phone == 2 && p.c.Phone == "":
		return ProblemNoPhone
	case t.group && p.c.Group == "":
		return ProblemNoGroup
	case t.amount && (n == 0 || monthsAt == 0 && n == 1):
		return ProblemNoAmount
	}
	if !t.amount {
		return ""
	}
	amountAt := 0
	if monthsAt == 0 {
		amountAt = 1
	}
	if n == 2 {
		months := nums[1-amountAt]
		if months < 1 || months > maxMonths {
			return ProblemBadMonths
		}
		p.c.Months = int(months)
	}
	if nums[amountAt] < 1 {
		return ProblemBadAmount
	}
	p.c.Amount = nums[amountAt]
	return ""
}
