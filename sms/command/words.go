package command

// kind is what a reserved word does in a command.
type kind uint8

const (
	kindVerb     kind = iota + 1
	kindLang          // a language: a value for LANG, or the Language command by itself
	kindRole          // a role for ADD and INVITE
	kindMonths        // marks the number next to it as a loan's months
	kindCurrency      // KES, /=: skipped
	kindFiller        // please, thanks, for: skipped, even inside a name
	kindGreeting      // hello: skipped, but kept inside a name
)

type word struct {
	kind kind
	verb Verb   // kindVerb
	val  string // kindLang: "sw"/"en"; kindRole: the role
}

// verbWords is in suggestion order: when two keywords are equally close to a typo, the
// earlier one is suggested, so members' everyday words come first.
var verbWords = []struct {
	verb  Verb
	words []string
}{
	{Balance, []string{"SALIO", "BAL", "BALANCE"}},
	{Contribute, []string{"CHANGA", "CHANGIA", "CONTRIBUTE", "CONTRIB"}},
	{Loan, []string{"MKOPO", "KOPA", "LOAN", "BORROW"}},
	{Repay, []string{"LIPA", "REPAY"}},
	{Statement, []string{"TAARIFA", "STATEMENT", "STMT"}},
	{Help, []string{"MSAADA", "SAIDIA", "HELP"}},
	{Language, []string{"LUGHA", "LANG", "LANGUAGE"}},
	{Stop, []string{"STOP", "ACHA", "SIMAMISHA", "UNSUBSCRIBE"}},
	{Join, []string{"JIUNGE", "KUBALI", "JOIN", "ACCEPT"}},
	{Add, []string{"ONGEZA", "ADD"}},
	{Remove, []string{"ONDOA", "REMOVE"}},
	{Members, []string{"WANACHAMA", "MEMBERS"}},
	{Arrears, []string{"MADENI", "ARREARS"}},
	{Remind, []string{"KUMBUSHA", "REMIND"}},
	{Cash, []string{"TASLIMU", "CASH"}},
	{Payout, []string{"TOA", "PAYOUT"}},
	{Rules, []string{"SHERIA", "KATIBA", "RULES", "CONSTITUTION"}},
	{Verify, []string{"THIBITISHA", "HAKIKI", "VERIFY"}},
	{Invite, []string{"ALIKA", "INVITE"}},
}

var otherWords = []struct {
	w     word
	words []string
}{
	{word{kind: kindLang, val: "sw"}, []string{"SW", "SWA", "SWAHILI", "KISWAHILI"}},
	{word{kind: kindLang, val: "en"}, []string{"EN", "ENG", "ENGLISH", "KIINGEREZA"}},
	{word{kind: kindRole, val: "chair"}, []string{"MWENYEKITI", "CHAIR", "CHAIRPERSON", "CHAIRMAN", "CHAIRLADY"}},
	{word{kind: kindRole, val: "treasurer"}, []string{"MWEKAHAZINA", "HAZINA", "TREASURER"}},
	{word{kind: kindRole, val: "secretary"}, []string{"KATIBU", "SECRETARY", "SEC"}},
	{word{kind: kindRole, val: "member"}, []string{"MWANACHAMA", "MEMBER"}},
	{word{kind: kindMonths}, []string{"MIEZI", "MWEZI", "MONTH", "MONTHS", "MTHS", "MOS"}},
	{word{kind: kindCurrency}, []string{"KES", "KSH", "KSHS", "SH", "SHS", "BOB", "SHILLINGS", "SHILINGI", "/=", "/-", "=", "-", "/"}},
	// MWEKA is the first half of "mweka hazina" (treasurer) typed as two words.
	{word{kind: kindFiller}, []string{"TAFADHALI", "TAFADALI", "PLEASE", "PLS", "PLZ", "ASANTE", "THANKS", "THANKYOU", "FOR", "KWA", "MWEKA"}},
	{word{kind: kindGreeting}, []string{"HABARI", "HI", "HELLO", "JAMBO", "HUJAMBO", "MAMBO", "NIAJE", "SASA", "SALAAM"}},
}

// maxWord bounds a reserved word's length; longer tokens are never looked up.
const maxWord = 12

var reserved = func() map[string]word {
	m := make(map[string]word, 128)
	add := func(s string, w word) {
		if _, dup := m[s]; dup || len(s) > maxWord {
			panic("command: reserved word " + s + " repeated or too long")
		}
		m[s] = w
	}
	for _, vw := range verbWords {
		for _, s := range vw.words {
			add(s, word{kind: kindVerb, verb: vw.verb})
		}
	}
	for _, ow := range otherWords {
		for _, s := range ow.words {
			add(s, ow.w)
		}
	}
	return m
}()

// lookup finds a reserved word in any case without allocating.
func lookup(tok string) (word, bool) {
	if len(tok) > maxWord {
		return word{}, false
	}
	var buf [maxWord]byte
	for i := 0; i < len(tok); i++ {
		buf[i] = upper(tok[i])
	}
	w, ok := reserved[string(buf[:len(tok)])]
	return w, ok
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'A' <= upper(c) && upper(c) <= 'Z' }

// groupCode returns tok as a group code, upper case, when it has a group code's shape
// (3-12 ASCII letters and digits, the first a letter, the rule chama enforces) and is not
// a reserved word. It allocates only when tok has lower-case letters.
func groupCode(tok string) (string, bool) {
	if len(tok) < 3 || len(tok) > 12 || !isLetter(tok[0]) {
		return "", false
	}
	lower := false
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !isLetter(c) && !isDigit(c) {
			return "", false
		}
		lower = lower || ('a' <= c && c <= 'z')
	}
	if _, ok := lookup(tok); ok {
		return "", false
	}
	if !lower {
		return tok, true
	}
	var buf [12]byte
	for i := 0; i < len(tok); i++ {
		buf[i] = upper(tok[i])
	}
	return string(buf[:len(tok)]), true
}
