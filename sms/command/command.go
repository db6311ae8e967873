// Package command is the SMS command language: it turns the text a member or official
// typed on a keypad ("SALIO", "changa 5,000/=", "UMOJA MKOPO 5000 3") into a Command, or
// into an error that names the closest command so the reply can teach the right one. It
// is pure: it knows no database, no group and no person, so it cannot tell whether a
// group code exists or whether the sender may give the command; sms and chama decide that.
//
// Keywords (any case; Swahili | English):
//
//	Balance     SALIO | BAL, BALANCE
//	Statement   TAARIFA | STATEMENT, STMT
//	Contribute  CHANGA, CHANGIA | CONTRIBUTE, CONTRIB             amount
//	Loan        MKOPO, KOPA | LOAN, BORROW                         amount [months]
//	Repay       LIPA | REPAY                                       amount
//	Help        MSAADA, SAIDIA | HELP, ?                           [command]
//	Language    LUGHA | LANG, LANGUAGE                             SW|SWA|SWAHILI|KISWAHILI|EN|ENG|ENGLISH|KIINGEREZA
//	            (a language word alone, "KISWAHILI", is the same command)
//	Stop        ACHA, SIMAMISHA | STOP, UNSUBSCRIBE
//	Join        JIUNGE, KUBALI | JOIN, ACCEPT                      group code
//	Add         ONGEZA | ADD                                       phone [name…] [role]
//	Remove      ONDOA | REMOVE                                     phone
//	Members     WANACHAMA | MEMBERS
//	Arrears     MADENI | ARREARS
//	Remind      KUMBUSHA | REMIND                                  [phone]
//	Cash        TASLIMU | CASH                                     phone amount
//	Payout      TOA | PAYOUT                                       phone amount
//	Rules       SHERIA, KATIBA | RULES, CONSTITUTION
//	Verify      THIBITISHA, HAKIKI | VERIFY
//	Invite      ALIKA | INVITE                                     phone [name…] [role]
//
// Roles: MWENYEKITI, CHAIR, CHAIRPERSON, CHAIRMAN, CHAIRLADY (chair); MWEKAHAZINA,
// HAZINA, TREASURER (treasurer); KATIBU, SECRETARY, SEC (secretary); MWANACHAMA, MEMBER
// (member). Months may be marked MIEZI, MWEZI, MONTH(S), MTHS or MOS, before or after the
// number. Currency words (KES, KSH, KSHS, SH, SHS, BOB, SHILLINGS, SHILINGI, /=, /-),
// fillers (TAFADHALI, PLEASE, PLS, ASANTE, THANKS, FOR, KWA) and greetings (HABARI, HI,
// HELLO, JAMBO, MAMBO, NIAJE, SASA, SALAAM) are skipped wherever they stand. All of these words
// are reserved: none of them is ever taken for a group code.
package command

// Verb is what a command asks for. Its value is stable and may be stored or logged.
type Verb string

// The verbs. Members' commands first, then officials'.
const (
	Balance    Verb = "balance"
	Statement  Verb = "statement"
	Contribute Verb = "contribute"
	Loan       Verb = "loan"
	Repay      Verb = "repay"
	Help       Verb = "help"
	Language   Verb = "language"
	Stop       Verb = "stop"
	Join       Verb = "join"

	Add     Verb = "add"
	Remove  Verb = "remove"
	Members Verb = "members"
	Arrears Verb = "arrears"
	Remind  Verb = "remind"
	Cash    Verb = "cash"
	Payout  Verb = "payout"
	Rules   Verb = "rules"
	Verify  Verb = "verify"
	Invite  Verb = "invite"
)

// Command is one parsed SMS. Fields a verb does not take are left zero.
type Command struct {
	Verb Verb
	// Group is the group code, upper case, when the sender named one (before the verb,
	// after it, or at the end); "" means the sender's only group, which the handler finds.
	Group string
	// Amount is in whole shillings, 0 when the verb takes none.
	Amount int64
	// Months is a loan's term; 0 means the member did not say, and the reply asks.
	Months int
	// Phone is E.164 (+2547XXXXXXXX or +2541XXXXXXXX) when the command names a person.
	Phone string
	// Name is the name an official gave with ADD or INVITE, as typed, spaces collapsed.
	Name string
	// Lang is "sw" or "en" for the Language command.
	Lang string
	// Role is "chair", "treasurer", "secretary" or "member" when ADD or INVITE named one.
	Role string
	// Topic is the command a HELP asks about ("MSAADA MKOPO"), "" for general help.
	Topic Verb
}

// MovesMoney reports whether the command asks for money to move. The reply to such a
// command sends the member to USSD, where the PIN is asked; an SMS never moves money by
// itself, since anyone who holds the phone unlocked could send it.
func (c Command) MovesMoney() bool {
	switch c.Verb {
	case Contribute, Loan, Repay, Cash, Payout:
		return true
	}
	return false
}

// names holds each verb's canonical keyword and example in Swahili and English, for
// replies such as "did you mean SALIO?" or "send CHANGA 500".
var names = map[Verb][2]struct{ keyword, example string }{
	Balance:    {{"SALIO", "SALIO"}, {"BAL", "BAL"}},
	Statement:  {{"TAARIFA", "TAARIFA"}, {"STATEMENT", "STATEMENT"}},
	Contribute: {{"CHANGA", "CHANGA 500"}, {"CONTRIBUTE", "CONTRIBUTE 500"}},
	Loan:       {{"MKOPO", "MKOPO 5000 3"}, {"LOAN", "LOAN 5000 3"}},
	Repay:      {{"LIPA", "LIPA 1000"}, {"REPAY", "REPAY 1000"}},
	Help:       {{"MSAADA", "MSAADA"}, {"HELP", "HELP"}},
	Language:   {{"LUGHA", "LUGHA EN"}, {"LANG", "LANG SW"}},
	// STOP in both: it is the opt-out word aggregators and the regulator expect.
	Stop:    {{"STOP", "STOP"}, {"STOP", "STOP"}},
	Join:    {{"JIUNGE", "JIUNGE UMOJA"}, {"JOIN", "JOIN UMOJA"}},
	Add:     {{"ONGEZA", "ONGEZA 0712345678 Amina"}, {"ADD", "ADD 0712345678 Amina"}},
	Remove:  {{"ONDOA", "ONDOA 0712345678"}, {"REMOVE", "REMOVE 0712345678"}},
	Members: {{"WANACHAMA", "WANACHAMA"}, {"MEMBERS", "MEMBERS"}},
	Arrears: {{"MADENI", "MADENI"}, {"ARREARS", "ARREARS"}},
	Remind:  {{"KUMBUSHA", "KUMBUSHA"}, {"REMIND", "REMIND"}},
	Cash:    {{"TASLIMU", "TASLIMU 0712345678 500"}, {"CASH", "CASH 0712345678 500"}},
	Payout:  {{"TOA", "TOA 0712345678 5000"}, {"PAYOUT", "PAYOUT 0712345678 5000"}},
	Rules:   {{"SHERIA", "SHERIA"}, {"RULES", "RULES"}},
	Verify:  {{"THIBITISHA", "THIBITISHA"}, {"VERIFY", "VERIFY"}},
	Invite:  {{"ALIKA", "ALIKA 0712345678 Amina KATIBU"}, {"INVITE", "INVITE 0712345678 Amina SECRETARY"}},
}

// Keyword is the word a reply should teach for v: lang "en" gives English, anything else
// Swahili (the templates' default). It is "" for a Verb this package does not define.
func (v Verb) Keyword(lang string) string { return names[v][langIndex(lang)].keyword }

// Example is a complete command for v that a reply can quote, e.g. "CHANGA 500".
func (v Verb) Example(lang string) string { return names[v][langIndex(lang)].example }

func langIndex(lang string) int {
	if lang == "en" {
		return 1
	}
	return 0
}
