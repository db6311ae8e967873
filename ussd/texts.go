package ussd

import "fmt"

// texts holds every line a member reads, in Swahili and English. Keys name what the
// line says; the renderer (ussd/screen) lays them out within 182 GSM-7 characters.
var texts = map[string][2]string{
	"welcome":                   {"Karibu Kikundi. Chagua lugha:", "Welcome to Kikundi. Choose a language:"},
	"lang.sw":                   {"Kiswahili", "Kiswahili"},
	"lang.en":                   {"English", "English"},
	"consent":                   {"Tunahifadhi nambari, jina, michango na mikopo yako kuendesha kikundi. Hatuuzi data yako. Unaweza kuiona au kujiondoa wakati wowote.", "We keep your number, name, contributions and loans to run your group. We never sell your data. You can see it or withdraw at any time."},
	"consent.yes":               {"Nakubali", "I agree"},
	"consent.no":                {"Sikubali", "I do not agree"},
	"consent.declined":          {"Sawa. Hatujahifadhi chochote. Piga tena ukiwa tayari.", "Fine. Nothing has been kept. Dial again when you are ready."},
	"name":                      {"Andika jina lako:", "Enter your name:"},
	"pin.new":                   {"Chagua PIN ya tarakimu 4 (usiitumie ya M-Pesa):", "Choose a 4-digit PIN (not your M-Pesa PIN):"},
	"pin.again":                 {"Andika PIN tena:", "Enter the PIN again:"},
	"pin.mismatch":              {"PIN hazilingani. Jaribu tena.", "The PINs do not match. Try again."},
	"pin.weak":                  {"PIN rahisi mno (kama 1111 au 1234). Chagua nyingine.", "That PIN is too easy (like 1111 or 1234). Choose another."},
	"pin.enter":                 {"Weka PIN yako kuthibitisha:", "Enter your PIN to confirm:"},
	"pin.wrong":                 {"PIN si sahihi. Majaribio %d yamebaki.", "Wrong PIN. %d tries left."},
	"pin.locked":                {"PIN imefungwa kwa saa 1 baada ya makosa 3. Omba viongozi waibadilishe ukiisahau.", "PIN locked for 1 hour after 3 wrong tries. Ask your officials to reset it if forgotten."},
	"pin.set":                   {"PIN imewekwa. Karibu!", "PIN set. Welcome!"},
	"no.groups":                 {"Bado huna kikundi.", "You are not in a group yet."},
	"choose.group":              {"Chagua kikundi:", "Choose a group:"},
	"create.group":              {"Unda kikundi", "Create a group"},
	"help":                      {"Msaada", "Help"},
	"invite.accept":             {"Jiunge na %s", "Join %s"},
	"joined":                    {"Umejiunga na %s.", "You have joined %s."},
	"menu":                      {"%s:", "%s:"},
	"m.contribute":              {"Changia", "Contribute"},
	"m.balance":                 {"Salio langu", "My balance"},
	"m.statement":               {"Taarifa fupi", "Mini statement"},
	"m.group":                   {"Kikundi", "Group"},
	"m.approvals":               {"Idhini (%d)", "Approvals (%d)"},
	"m.peer":                    {"Mkopo kwa mwenzako", "Peer loans"},
	"m.officials":               {"Viongozi (idhini %d)", "Officials (%d to approve)"},
	"m.settings":                {"Mipangilio", "Settings"},
	"amount.due":                {"Kiasi cha kuchanga? Unadaiwa KES %s. Weka 1 kulipa hicho, au andika kiasi:", "How much? You owe KES %s. Enter 1 to pay that, or type an amount:"},
	"amount":                    {"Andika kiasi (KES):", "Enter the amount (KES):"},
	"amount.bad":                {"Kiasi si sahihi: andika shilingi nzima 10 hadi 250000.", "Not a valid amount: whole shillings, 10 to 250000."},
	"confirm.pay":               {"Changia KES %s kwa %s kupitia M-Pesa.", "Contribute KES %s to %s through M-Pesa."},
	"pay.coming":                {"Ombi la M-Pesa la KES %s linakuja kwenye simu yako. Weka PIN ya M-Pesa. Utapokea SMS likifika.", "An M-Pesa request for KES %s is coming to your phone. Enter your M-Pesa PIN. You will get an SMS when it arrives."},
	"balance":                   {"%s\nAkiba: KES %s\nInayopatikana: KES %s\nMichango iliyochelewa: KES %s\nFaini: KES %s\nMkopo: KES %s", "%s\nSavings: KES %s\nAvailable: KES %s\nOverdue contributions: KES %s\nFines: KES %s\nLoan: KES %s"},
	"statement.none":            {"Bado hakuna miamala.", "No transactions yet."},
	"group.info":                {"%s (%d wanachama)\nPesa: KES %s\nMikopo nje: KES %s\nAkiba: KES %s\nUstawi: KES %s\nAlama ya vitabu: %s", "%s (%d members)\nCash: KES %s\nLoans out: KES %s\nSavings: KES %s\nWelfare: KES %s\nBook fingerprint: %s"},
	"group.inhand":              {"Taslimu kwa viongozi: KES %s", "Cash with officials: KES %s"},
	"approvals.none":            {"Hakuna idhini zinazosubiri.", "No approvals waiting."},
	"approval":                  {"Ombi #%d: %s %s", "Request #%d: %s %s"},
	"subject.loan":              {"mkopo", "loan"},
	"subject.withdrawal":        {"kutoa akiba", "withdrawal"},
	"subject.rotation_payout":   {"malipo ya mzunguko", "rotation payout"},
	"subject.welfare":           {"msaada wa ustawi", "welfare grant"},
	"subject.rule_change":       {"kubadili sheria", "rule change"},
	"subject.role_change":       {"kubadili cheo", "role change"},
	"subject.exit":              {"kujiondoa", "leaving the group"},
	"subject.removal":           {"kuondoa mwanachama", "removing a member"},
	"subject.cash_contribution": {"mchango taslimu", "cash contribution"},
	"subject.pin_reset":         {"kubadili PIN", "PIN reset"},
	"subject.waiver":            {"kusamehe deni", "waiver"},
	"subject.shareout":          {"kugawa faida", "share-out"},
	"approve":                   {"Kubali", "Approve"},
	"reject":                    {"Kataa", "Reject"},
	"voted":                     {"Kura imepokelewa. Hali: %s.", "Vote recorded. Status: %s."},
	"settings.lang":             {"Badilisha lugha", "Change language"},
	"lang.changed":              {"Lugha imebadilishwa.", "Language changed."},
	"group.code":                {"Chagua msimbo wa kikundi (herufi 3-12, mfano UMOJA):", "Choose a group code (3-12 letters, e.g. UMOJA):"},
	"group.name":                {"Jina la kikundi:", "The group's name:"},
	"group.created":             {"Kikundi %s kimeundwa. Wewe ni mwenyekiti. Alika wanachama kwa SMS: INVITE %s 07XXXXXXXX", "Group %s created. You are the chair. Invite members by SMS: INVITE %s 07XXXXXXXX"},
	"code.bad":                  {"Msimbo si sahihi au umeshatumika.", "That code is not valid or already taken."},
	"help.text":                 {"Piga %s kuchangia, kuona salio, mikopo na idhini. Msaada: mwenyekiti wa kikundi chako.", "Dial %s to contribute, see balances, loans and approvals. Help: your group's chair."},
	"resume":                    {"Ulikatizwa. Endelea ulipoishia?", "You were cut off. Continue where you were?"},
	"resume.yes":                {"Endelea", "Continue"},
	"resume.no":                 {"Anza upya", "Start over"},
	"restart":                   {"Tuanze upya.", "Let us start again."},
	"invalid":                   {"Chaguo si sahihi. Jaribu tena.", "Not a valid choice. Try again."},
	"error":                     {"Samahani, kuna hitilafu. Jaribu tena baadaye.", "Sorry, something went wrong. Try again later."},
	"bye":                       {"Asante kwa kutumia Kikundi.", "Thank you for using Kikundi."},
	"not.member":                {"Wewe si mwanachama hai wa kikundi hiki.", "You are not an active member of this group."},
	"only.officials":            {"Ni viongozi pekee.", "Officials only."},
	"m.loans":                   {"Mikopo", "Loans"},
	"l.request":                 {"Omba mkopo", "Request a loan"},
	"l.repay":                   {"Lipa mkopo", "Repay a loan"},
	"l.mine":                    {"Mikopo yangu", "My loans"},
	"l.guarantees":              {"Maombi ya dhamana (%d)", "Guarantee requests (%d)"},
	"l.amount":                  {"Kiasi cha mkopo (KES):", "Loan amount (KES):"},
	"l.term":                    {"Miezi mingapi ya kulipa? (1-%d)", "Repay over how many months? (1-%d)"},
	"l.term.bad":                {"Andika miezi 1 hadi %d.", "Enter 1 to %d months."},
	"l.disclosure":              {"Mkopo KES %s kwa miezi %d. Riba KES %s. Ada KES %s. Gharama yote ya mkopo KES %s. Jumla ya kulipa KES %s.", "Loan KES %s over %d months. Interest KES %s. Fees KES %s. Total cost of credit KES %s. Total to repay KES %s."},
	"l.instalment":              {"%s: KES %s", "%s: KES %s"},
	"l.accept":                  {"Nakubali masharti", "I accept these terms"},
	"l.decline":                 {"Hapana", "No"},
	"l.guarantor":               {"Nambari ya simu ya mdhamini %d kati ya %d:", "Phone number of guarantor %d of %d:"},
	"l.sent":                    {"Mkopo #%d umekubaliwa. Wadhamini wameombwa; kisha viongozi wataidhinisha. Utapata SMS.", "Loan #%d accepted. Your guarantors have been asked; then the officials approve. You will get an SMS."},
	"l.sent.noguar":             {"Mkopo #%d umekubaliwa na unasubiri idhini ya viongozi. Utapata SMS.", "Loan #%d accepted and waiting for the officials' approval. You will get an SMS."},
	"l.cancelled":               {"Ombi la mkopo limefutwa.", "Loan request cancelled."},
	"l.inarrears":               {"Huwezi kukopa ukiwa na madeni ya michango au faini.", "You cannot borrow while contributions or fines are overdue."},
	"l.overlimit":               {"Kikomo chako cha mkopo ni KES %s.", "Your loan limit is KES %s."},
	"l.active":                  {"Tayari una mkopo unaoendelea.", "You already have a loan in progress."},
	"l.none":                    {"Huna mkopo unaoendelea.", "You have no loan in progress."},
	"l.line":                    {"#%d KES %s, %s, deni KES %s", "#%d KES %s, %s, owing KES %s"},
	"g.none":                    {"Hakuna maombi ya dhamana.", "No guarantee requests."},
	"g.line":                    {"#%d %s: KES %s (mkopo KES %s)", "#%d %s: KES %s (loan KES %s)"},
	"g.pledge":                  {"Dhamini", "Guarantee"},
	"g.decline":                 {"Kataa", "Decline"},
	"g.done":                    {"Jibu lako limepokelewa.", "Your answer has been recorded."},
	"r.confirm":                 {"Lipa KES %s kwa mkopo #%d kupitia M-Pesa.", "Repay KES %s on loan #%d through M-Pesa."},
}

// t is a text in lang, with its arguments.
func t(lang, key string, args ...any) string {
	pair, ok := texts[key]
	if !ok {
		return key
	}
	s := pair[0]
	if lang == "en" {
		s = pair[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
