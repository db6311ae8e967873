package ussd

// The lines of the officials' menu, peer loans and the PIN change, in Swahili and English,
// added to texts.

func init() {
	for k, v := range map[string][2]string{
		// The officials' menu.
		"o.title":    {"Viongozi:", "Officials:"},
		"o.invite":   {"Alika mwanachama", "Invite a member"},
		"o.welfare":  {"Msaada wa ustawi", "Welfare grant"},
		"o.contrib":  {"Badilisha mchango", "Change the contribution"},
		"o.shareout": {"Mgao wa mwisho wa mzunguko", "Share-out"},
		"o.cash":     {"Rekodi mchango taslimu", "Record a cash contribution"},
		"o.cashin":   {"Lipa taslimu unayoshika", "Pay in cash you hold"},

		"o.phone.bad": {"Nambari si sahihi. Andika kama 0712345678.", "Not a valid number. Write it like 0712345678."},
		"o.notmember": {"Nambari hiyo si ya mwanachama hai wa kikundi hiki.", "That number is not an active member of this group."},
		"o.requested": {"Ombi #%d limetumwa. Linasubiri idhini ya viongozi %d; pesa hutumwa kwa M-Pesa wakikubali.", "Request #%d sent. It waits for %d officials to approve; the money goes by M-Pesa once they do."},

		"o.inv.phone":    {"Nambari ya simu ya mwanachama mpya (mfano 0712345678):", "Phone number of the new member (e.g. 0712345678):"},
		"o.inv.name":     {"Jina lake:", "Their name:"},
		"o.inv.role":     {"Mwalike %s kama:", "Invite %s as:"},
		"o.inv.confirm":  {"Mwalike %s (%s) kama %s.", "Invite %s (%s) as %s."},
		"o.invited":      {"%s amealikwa kama %s. Atapata SMS, kisha ajiunge kwa kupiga %s.", "%s is invited as %s. They get an SMS and join by dialling %s."},
		"role.member":    {"Mwanachama", "Member"},
		"role.treasurer": {"Mweka hazina", "Treasurer"},
		"role.secretary": {"Katibu", "Secretary"},
		"role.chair":     {"Mwenyekiti", "Chair"},

		"o.cash.phone":    {"Nambari ya simu ya mwanachama aliyekupa pesa taslimu:", "Phone number of the member who handed you cash:"},
		"o.cash.amount":   {"Kiasi ulichopokea kutoka kwa %s (KES):", "How much did %s hand you (KES)?"},
		"o.cash.bad":      {"Andika shilingi nzima, 1 hadi 100,000.", "Enter whole shillings, 1 to 100,000."},
		"o.cash.confirm":  {"Umepokea KES %s taslimu kutoka kwa %s na unazishika wewe. Kiongozi mwingine atathibitisha.", "You received KES %s in cash from %s and hold it. Another official will confirm."},
		"o.cash.recorded": {"Imerekodiwa #%d. Kiongozi mwingine akithibitisha, %s atapata SMS na akiba yake itaongezeka.", "Recorded as #%d. Once another official confirms, %s gets an SMS and their savings go up."},

		"o.cashin.none":    {"Hushiki pesa taslimu za kikundi.", "You hold no cash of the group."},
		"o.cashin.amount":  {"Unashika KES %s taslimu. Kiasi cha kulipa kwa M-Pesa (KES), 1 = chote:", "You hold KES %s in cash. How much to pay in by M-Pesa (KES)? 1 = all of it:"},
		"o.cashin.confirm": {"Lipa KES %s taslimu kwa %s kupitia M-Pesa.", "Pay in KES %s of cash to %s through M-Pesa."},

		"o.wf.phone":   {"Nambari ya simu ya mwanachama wa kusaidiwa:", "Phone number of the member to help:"},
		"o.wf.amount":  {"Mfuko wa ustawi: KES %s. Kiasi cha kumpa %s (KES):", "Welfare fund: KES %s. How much for %s (KES)?"},
		"o.wf.reason":  {"Sababu:", "Reason:"},
		"o.wf.confirm": {"Msaada wa KES %s kwa %s (%s).", "Welfare grant of KES %s to %s (%s)."},
		"wf.funeral":   {"Msiba", "Funeral"},
		"wf.illness":   {"Ugonjwa", "Illness"},
		"wf.birth":     {"Kujifungua", "Childbirth"},
		"wf.other":     {"Dharura nyingine", "Other emergency"},

		"o.ct.prompt":  {"Mchango sasa ni KES %s kila %s. Kiasi kipya kila %s (KES):", "The contribution is KES %s a %s. New amount per %s (KES):"},
		"o.ct.same":    {"Huo ndio mchango wa sasa. Andika kiasi kipya.", "That is the contribution already. Enter a new amount."},
		"o.ct.confirm": {"Mchango mpya: KES %s kila %s (sasa KES %s), kuanzia kipindi kijacho ukiidhinishwa.", "New contribution: KES %s a %s (now KES %s), from the next period once approved."},
		"o.ct.sent":    {"Pendekezo #%d limetumwa: KES %s kila %s kuanzia kipindi kijacho, viongozi %d wakikubali.", "Proposal #%d sent: KES %s a %s from the next period, once %d officials approve."},
		"freq.monthly": {"mwezi", "month"},
		"freq.weekly":  {"wiki", "week"},

		"o.so.head":    {"Mgao, mzunguko %d. Faida KES %s. Mfuko KES %s:", "Share-out, cycle %d. Profit KES %s. Fund KES %s:"},
		"o.so.line":    {"%s: KES %s", "%s: KES %s"},
		"o.so.request": {"Omba mgao", "Request the share-out"},
		"o.so.none":    {"Hakuna wanachama wa kugawiwa.", "No members to share out to."},
		"o.so.confirm": {"Omba viongozi waidhinishe kugawa KES %s kwa wanachama %d na kufunga mzunguko %d.", "Ask the officials to approve paying out KES %s to %d members and closing cycle %d."},

		"ap.rules":       {"mchango KES %s (sasa %s)", "contribution KES %s (now %s)"},
		"ap.rules.other": {"kanuni nyingine", "other rules"},
		"ap.cycle":       {"mzunguko %d", "cycle %d"},

		// Refusals, in Swahili; in English the chama's own sentence is shown.
		"x.office":      {"Nafasi hiyo ina mtu tayari, au pesa zimeshaanza kusonga: sasa viongozi hubadilishwa kwa idhini.", "Someone holds this office already, or money has moved: offices now change by approval."},
		"x.already":     {"Tayari ni mwanachama au amealikwa.", "Already a member or invited."},
		"x.quorum":      {"Kikundi kina viongozi wachache mno kuidhinisha hili.", "The group has too few officials to approve this."},
		"x.pending":     {"Ombi kama hili tayari linasubiri idhini.", "A request like this is already waiting for approval."},
		"x.savings":     {"Akiba inayopatikana haitoshi.", "The free savings do not cover this."},
		"x.loans":       {"Kuna mkopo unaoendelea: ulipwe kwanza.", "A loan is still in progress: it must be repaid first."},
		"x.mpesa":       {"M-Pesa hutuma KES 10 hadi 250,000 kwa mara moja.", "M-Pesa moves KES 10 to 250,000 at a time."},
		"x.amount":      {"Kiasi au riba si sahihi.", "The amount or the rate is not valid."},
		"x.rules":       {"Kanuni hizo hazikubaliki.", "Those rules are not valid."},
		"x.loanstate":   {"Mkopo huu hauko tena katika hatua hii.", "This loan is no longer at this step."},
		"x.unknownloan": {"Mkopo huo haupo.", "No such loan."},
		"x.role":        {"Cheo si sahihi.", "Not a valid role."},
		"x.other":       {"Imekataliwa: %s", "Refused: %s"},

		// Peer loans.
		"p.title":      {"Mkopo kwa mwenzako:", "Peer loans:"},
		"p.offer":      {"Mkopeshe mwanachama", "Offer a loan"},
		"p.offers":     {"Ofa kwangu (%d)", "Offers to me (%d)"},
		"p.ask":        {"Omba mkopo", "Ask for a loan"},
		"p.ask.text":   {"Mwombe mwanachama mwenzako akukopeshe: achague Mkopo kwa mwenzako, kisha Mkopeshe mwanachama. Ofa yake itaonekana hapa, kwenye Ofa kwangu.", "Ask a fellow member to lend to you: they choose Peer loans, then Offer a loan. Their offer then shows here, under Offers to me."},
		"p.phone":      {"Nambari ya simu ya mwanachama utakayemkopesha:", "Phone number of the member you will lend to:"},
		"p.self":       {"Huwezi kujikopesha mwenyewe.", "You cannot lend to yourself."},
		"p.amount":     {"Kiasi cha kumkopesha %s (KES):", "How much to lend %s (KES)?"},
		"p.rate":       {"Riba kwa mwezi kwa asilimia, 0 hadi %s (mfano 1 = 1%%):", "Interest a month in percent, 0 to %s (e.g. 1 = 1%%):"},
		"p.rate.bad":   {"Andika asilimia 0 hadi %s.", "Enter a percent from 0 to %s."},
		"p.disclosure": {"Mkopo KES %s kutoka kwa %s kwa miezi %d, riba %s%% kwa mwezi.", "Loan KES %s from %s over %d months at %s%% a month."},
		"p.costs":      {"Riba KES %s. Ada KES %s. Gharama yote ya mkopo KES %s. Jumla ya kulipa KES %s.", "Interest KES %s. Fees KES %s. Total cost of credit KES %s. Total to repay KES %s."},
		"p.sees":       {"%s ataona:", "%s will see:"},
		"p.offer.yes":  {"Toa ofa (PIN)", "Make the offer (PIN)"},
		"p.offer.no":   {"Ghairi", "Cancel"},
		"p.offer.pin":  {"KES %s zitashikiliwa kwenye akiba yako hadi %s ajibu.", "KES %s will be held from your savings until %s answers."},
		"p.offered":    {"Ofa #%d imetumwa kwa %s. Ataijibu kwenye Mkopo kwa mwenzako; utapata SMS.", "Offer #%d sent to %s. They answer it under Peer loans; you will get an SMS."},
		"p.busy":       {"%s ana mkopo unaoendelea tayari.", "%s already has a loan in progress."},
		"p.cancelled":  {"Sawa, hakuna ofa iliyotumwa.", "Fine, no offer was sent."},
		"p.none":       {"Hakuna ofa za mkopo kwako.", "No loan offers for you."},
		"p.line":       {"#%d %s: KES %s, miezi %d", "#%d %s: KES %s, %d months"},
		"p.accept.pin": {"Pokea mkopo wa KES %s kutoka kwa %s.", "Take the loan of KES %s from %s."},
		"p.accepted":   {"Umekubali. KES %s zinatumwa kwa M-Pesa yako; utapata SMS.", "Accepted. KES %s is on its way to your M-Pesa; you will get an SMS."},
		"p.declined":   {"Umekataa ofa. Akiba ya mkopeshaji imeachiliwa.", "Offer declined. The lender's savings are released."},

		// Changing the PIN.
		"settings.pin":  {"Badilisha PIN", "Change PIN"},
		"s.pin.new":     {"Chagua PIN mpya ya tarakimu 4 (si ya M-Pesa):", "Choose a new 4-digit PIN (not your M-Pesa PIN):"},
		"s.pin.current": {"Sasa weka PIN yako ya sasa:", "Now enter your current PIN:"},
		"s.pin.again":   {"Andika PIN mpya tena:", "Enter the new PIN again:"},
		"s.pin.same":    {"PIN mpya ni sawa na ya sasa. Chagua nyingine.", "The new PIN is the same as the current one. Choose another."},
		"s.pin.changed": {"PIN yako imebadilishwa. Tumia PIN mpya kuanzia sasa.", "Your PIN has been changed. Use the new PIN from now on."},
	} {
		texts[k] = v
	}
}
