package sms

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/dbtest"
)

// The people of the inbox tests. UMOJA: Wanjiru chairs (reads Swahili), Otieno is its
// treasurer (English), Akinyi (Swahili) and Juma (English) are members. Baraka is in
// UMOJA and TUMAINI. Zawadi was invited to UMOJA and has not consented yet; Neema
// consented and was invited.
const (
	wanjiru = "+254711000001"
	otieno  = "+254711000002"
	akinyi  = "+254711000003"
	juma    = "+254711000005"
	baraka  = "+254711000006"
	zawadi  = "+254711000007"
	neema   = "+254711000008"
	nobody  = "+254799000999"
)

// inboxClock is the groups' time: the group starts on 1 March and the tests run on
// 10 March, after the first contribution fell due (5 March) and its grace ended.
type inboxClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *inboxClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *inboxClock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

type inboxRig struct {
	t      *testing.T
	ctx    context.Context
	db     *gorm.DB
	groups *chama.Service
	out    *Outbox
	inbox  *Inbox
	app    *fiber.App
	clock  *inboxClock
	ids    int
	logs   *strings.Builder
}

func newInboxRig(t *testing.T) *inboxRig {
	t.Helper()
	db := dbtest.Postgres(t)
	clock := &inboxClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, nairobi)}
	r := &inboxRig{t: t, ctx: context.Background(), db: db, clock: clock, logs: &strings.Builder{}}
	r.out = NewOutbox(db, Renderer{USSDCode: "*384*12#"}, nil)
	r.out.now = clock.Now
	r.groups = chama.New(chama.Options{DB: db, Now: clock.Now, Notifier: r.out})
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: r.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.inbox = NewInbox(db, r.groups, r.out, "*384*12#", logger)
	r.inbox.now = clock.Now
	r.app = fiber.New(fiber.Config{DisableStartupMessage: true})
	r.inbox.Mount(r.app.Group("/hooks"))
	return r
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// person registers a consenting person.
func (r *inboxRig) person(phone, name, lang string) chama.Actor {
	r.t.Helper()
	a := chama.Actor{Phone: phone, Channel: chama.USSD}
	if _, err := r.groups.Register(r.ctx, phone, name, lang); err != nil {
		r.t.Fatalf("register %s: %v", name, err)
	}
	if err := r.groups.GiveConsent(r.ctx, a); err != nil {
		r.t.Fatalf("consent %s: %v", name, err)
	}
	return a
}

func (r *inboxRig) join(chair chama.Actor, code string, a chama.Actor, name string, role chama.Role) {
	r.t.Helper()
	if _, err := r.groups.Invite(r.ctx, chair, code, a.Phone, name, role); err != nil {
		r.t.Fatalf("invite %s: %v", name, err)
	}
	if _, err := r.groups.Accept(r.ctx, a, code); err != nil {
		r.t.Fatalf("accept %s: %v", name, err)
	}
}

var inboxReceipts int

func (r *inboxRig) pay(code, phone, amount string) {
	r.t.Helper()
	inboxReceipts++
	if _, err := r.groups.ReceivePayment(r.ctx, chama.Payment{Group: code, Phone: phone, Amount: decimal.RequireFromString(amount),
		Receipt: fmt.Sprintf("SMS%07d", inboxReceipts), Purpose: chama.ForContribution, ReceivedAt: r.clock.Now()}); err != nil {
		r.t.Fatalf("%s pays %s: %v", phone, amount, err)
	}
}

// world sets up the groups and people above; Wanjiru and Otieno have paid March's
// contribution, Akinyi and Juma have not and have been fined.
func (r *inboxRig) world() {
	r.t.Helper()
	chair := r.person(wanjiru, "Wanjiru Kamau", "sw")
	if _, err := r.groups.CreateGroup(r.ctx, chair, chama.NewGroup{Code: "UMOJA", Name: "Umoja Women", Rules: rules.Default()}); err != nil {
		r.t.Fatal(err)
	}
	r.join(chair, "UMOJA", r.person(otieno, "Otieno Ochieng", "en"), "Otieno Ochieng", chama.RoleTreasurer)
	r.join(chair, "UMOJA", r.person(akinyi, "Akinyi Odhiambo", "sw"), "Akinyi Odhiambo", chama.RoleMember)
	r.join(chair, "UMOJA", r.person(juma, "Juma Mwangi", "en"), "Juma Mwangi", chama.RoleMember)
	b := r.person(baraka, "Baraka Njoroge", "sw")
	r.join(chair, "UMOJA", b, "Baraka Njoroge", chama.RoleMember)
	founder := r.person("+254711000009", "Halima Said", "sw")
	if _, err := r.groups.CreateGroup(r.ctx, founder, chama.NewGroup{Code: "TUMAINI", Name: "Tumaini Youth", Rules: rules.Default()}); err != nil {
		r.t.Fatal(err)
	}
	r.join(founder, "TUMAINI", b, "Baraka Njoroge", chama.RoleMember)
	if _, err := r.groups.Invite(r.ctx, chair, "UMOJA", zawadi, "Zawadi", chama.RoleMember); err != nil {
		r.t.Fatal(err)
	}
	r.person(neema, "Neema", "sw")
	if _, err := r.groups.Invite(r.ctx, founder, "TUMAINI", neema, "Neema", chama.RoleMember); err != nil {
		r.t.Fatal(err)
	}

	r.clock.set(time.Date(2026, 3, 10, 9, 0, 0, 0, nairobi))
	for _, code := range []string{"UMOJA", "TUMAINI"} {
		if _, err := r.groups.RaiseDues(r.ctx, code); err != nil {
			r.t.Fatal(err)
		}
	}
	r.pay("UMOJA", wanjiru, "500")
	r.pay("UMOJA", otieno, "700")
	r.pay("UMOJA", baraka, "500")
	r.pay("TUMAINI", baraka, "500")
	if _, err := r.groups.ChargeFines(r.ctx, "UMOJA"); err != nil {
		r.t.Fatal(err)
	}
}

// post sends a form to path and returns the status.
func (r *inboxRig) post(path string, form url.Values) int {
	r.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := r.app.Test(req, -1)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode
}

// smsWithID delivers an SMS as Africa's Talking would and returns the replies it caused.
func (r *inboxRig) smsWithID(id, from, text string) []Message {
	r.t.Helper()
	before, err := r.out.Messages(r.ctx, from)
	if err != nil {
		r.t.Fatal(err)
	}
	status := r.post("/hooks/at/sms", url.Values{"from": {from}, "to": {"22384"}, "text": {text}, "id": {id},
		"date": {"2026-03-10 09:00:00"}, "linkId": {""}, "networkCode": {"63902"}})
	if status != http.StatusOK {
		r.t.Fatalf("%q from %s: status %d", text, from, status)
	}
	after, err := r.out.Messages(r.ctx, from)
	if err != nil {
		r.t.Fatal(err)
	}
	return after[len(before):]
}

// sms delivers an SMS with a fresh id and returns its one reply.
func (r *inboxRig) sms(from, text string) Message {
	r.t.Helper()
	r.ids++
	got := r.smsWithID(fmt.Sprintf("ATXid_%04d", r.ids), from, text)
	if len(got) != 1 {
		r.t.Fatalf("%q from %s: %d replies, want 1: %+v", text, from, len(got), got)
	}
	parts, gsm7 := Segments(got[0].Text)
	if !gsm7 || parts > MaxSegments {
		r.t.Errorf("%q: reply in %d parts, GSM-7 %t: %q", text, parts, gsm7, got[0].Text)
	}
	r.t.Logf("%s %-28q -> %s %q", from, text, got[0].Kind, got[0].Text)
	return got[0]
}

func (r *inboxRig) count(query string, args ...any) int64 {
	r.t.Helper()
	var n int64
	if err := r.db.Raw(query, args...).Scan(&n).Error; err != nil {
		r.t.Fatal(err)
	}
	return n
}

func TestInboxAnswersEveryCommandInBothLanguages(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	gp, err := r.groups.GroupStatement(r.ctx, chama.Actor{Phone: wanjiru, Channel: chama.SMS}, "UMOJA")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		from, text, kind, lang string
		want                   []string
	}{
		{wanjiru, "SALIO", "reply.balance", "sw", []string{"UMOJA: akiba KES 500.00", "Faini KES 0.00"}},
		{otieno, "bal", "reply.balance", "en", []string{"UMOJA: savings KES 700.00 (KES 700.00 free)"}},
		{akinyi, "Salio tafadhali", "reply.balance", "sw", []string{"akiba KES 0.00", "Faini KES 50.00", "Michango iliyochelewa KES 500.00"}},
		{wanjiru, "TAARIFA", "reply.statement", "sw", []string{"UMOJA taarifa ya akiba:\n10/03 Mchango +500.00 =500.00", "Zaidi: piga *384*12*5#"}},
		{otieno, "statement", "reply.statement", "en", []string{"10/03 Contribution +700.00 =700.00", "More: dial *384*12*5#"}},
		{akinyi, "TAARIFA", "reply.statement_empty", "sw", []string{"bado hakuna miamala"}},
		{wanjiru, "CHANGA 500", "reply.contribute", "sw", []string{"piga *384*12*1*500# kuthibitisha kwa PIN yako"}},
		{otieno, "contribute 1,000/=", "reply.contribute", "en", []string{"KES 1,000.00", "dial *384*12*1*1000# and confirm with your PIN"}},
		{wanjiru, "MKOPO 5000 3", "reply.loan", "sw", []string{"*384*12*3*1*5000#", "chagua miezi 3"}},
		{otieno, "loan 2000", "reply.loan", "en", []string{"dial *384*12*3*1*2000#, read the terms"}},
		{wanjiru, "LIPA 1000", "reply.repay", "sw", []string{"*384*12*3*2*1000#"}},
		{otieno, "repay 1000", "reply.repay", "en", []string{"dial *384*12*3*2*1000#"}},
		{wanjiru, "MSAADA", "reply.help", "sw", []string{"SALIO, TAARIFA, CHANGA 500", "Viongozi: WANACHAMA, MADENI, ONGEZA, ONDOA, KUMBUSHA, TASLIMU"}},
		{juma, "help", "reply.help", "en", []string{"BAL, STATEMENT, CONTRIBUTE 500", "Help on one: HELP LOAN"}},
		{akinyi, "MSAADA MKOPO", "reply.help.loan", "sw", []string{"MKOPO: kuomba mkopo", "Mfano: MKOPO 5000 3"}},
		{juma, "help verify", "reply.help.verify", "en", []string{"VERIFY: the fingerprint", "E.g. VERIFY"}},
		{wanjiru, "WANACHAMA", "reply.members", "sw", []string{"UMOJA: wanachama 5: Wanjiru Kamau, Otieno Ochieng, Akinyi Odhiambo, Juma Mwangi, Baraka Njoroge."}},
		{otieno, "members", "reply.members", "en", []string{"UMOJA: 5 members: Wanjiru Kamau"}},
		{wanjiru, "MADENI", "reply.arrears", "sw", []string{"UMOJA: wanachama 2 wana madeni, jumla KES 1,100.00: Akinyi Odhiambo 550.00, Juma Mwangi 550.00."}},
		{otieno, "arrears", "reply.arrears", "en", []string{"2 members owe KES 1,100.00 in all"}},
		{akinyi, "SHERIA", "reply.rules", "sw", []string{"mchango KES 500.00 kila mwezi tarehe 5", "Faini KES 50.00 mara moja", "riba 1% kwa mwezi"}},
		{juma, "rules", "reply.rules", "en", []string{"every month on day 5", "Loans up to 3 times savings at 1% a month"}},
		{akinyi, "THIBITISHA", "reply.verify", "sw", []string{"alama ya vitabu ni " + gp.Fingerprint}},
		{juma, "verify", "reply.verify", "en", []string{"fingerprint is " + gp.Fingerprint}},
		{wanjiru, "ALIKA 0712345678 Amina", "reply.add", "sw", []string{"kumwalika 0712 345 678, piga *384*12*8*2*0712345678#"}},
		{wanjiru, "ALIKA 0712345679 Amina katibu", "reply.add", "sw", []string{"*384*12*8*2*0712345679#"}},
		{otieno, "cash 0712345678 500", "reply.cash", "en", []string{"KES 500.00 in cash from 0712 345 678", "*384*12*8*6*0712345678*500#"}},
		{otieno, "payout 0712345678 500", "reply.payout", "en", []string{"welfare grant of KES 500.00 to 0712 345 678", "*384*12*8*3*0712345678*500#"}},
		{otieno, "remind", "reply.reminded", "en", []string{"reminder sent to 2 members in arrears"}},
		{akinyi, "WANACHAMA", "reply.officials_only", "sw", []string{"WANACHAMA ni kwa viongozi"}},
		{juma, "arrears", "reply.officials_only", "en", []string{"ARREARS is for officials"}},
		{juma, "payout 0712345678 5000", "reply.officials_only", "en", []string{"PAYOUT is for officials"}},
		{akinyi, "SALOI", "reply.unknown", "sw", []string{"Ulimaanisha SALIO? Mfano: SALIO."}},
		{juma, "balanse", "reply.unknown", "en", []string{"Did you mean", "Send HELP"}},
		{juma, "qqqq wwww", "reply.unknown", "en", []string{"We did not understand your message. Send HELP"}},
		{akinyi, "CHANGA", "reply.bad_args", "sw", []string{"CHANGA: kiasi hakipo. Andika hivi: CHANGA 500"}},
		{juma, "loan 5000 300", "reply.bad_args", "en", []string{"LOAN: months must be 1 to 120. Write it like this: LOAN 5000 3"}},
		{juma, "JIUNGE UMOJA", "reply.already_member", "en", []string{"already a member of UMOJA"}},
		{akinyi, "JIUNGE TUMAINI", "reply.not_invited", "sw", []string{"Huna mwaliko wa kujiunga na TUMAINI"}},
		{akinyi, "TUMAINI SALIO", "reply.not_member", "sw", []string{"si mwanachama hai wa TUMAINI", "Vikundi vyako: UMOJA."}},
	}
	for _, c := range cases {
		got := r.sms(c.from, c.text)
		if got.Kind != c.kind || got.Lang != c.lang {
			t.Errorf("%q from %s: %s/%s, want %s/%s: %q", c.text, c.from, got.Kind, got.Lang, c.kind, c.lang, got.Text)
		}
		for _, w := range c.want {
			if !strings.Contains(got.Text, w) {
				t.Errorf("%q from %s: %q lacks %q", c.text, c.from, got.Text, w)
			}
		}
	}
	if n := r.count(`SELECT count(*) FROM sms_inbound WHERE handled_at IS NOT NULL AND outcome LIKE 'reply.%'`); n != int64(len(cases)) {
		t.Errorf("%d messages handled with a reply, want %d", n, len(cases))
	}
}

func TestInboxOfficialsInviteRemoveAndRemind(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	// ADD lets nobody in on SMS alone: it answers with the USSD shortcut, and the number
	// is told nothing until an official confirms with their PIN.
	if got := r.sms(wanjiru, "ONGEZA 0722 000 333 Amina Wairimu"); got.Kind != "reply.add" || !strings.Contains(got.Text, "*384*12*8*2*0722000333#") {
		t.Fatalf("ONGEZA: %s %q", got.Kind, got.Text)
	}
	if got, _ := r.out.Messages(r.ctx, "+254722000333"); len(got) != 0 {
		t.Errorf("the number was sent %+v on a bare SMS", got)
	}
	if n := r.count(`SELECT count(*) FROM chama_members m JOIN chama_people p ON p.id = m.person_id WHERE p.phone = '+254722000333'`); n != 0 {
		t.Errorf("an SMS alone invited someone: %d memberships", n)
	}
	// REMOVE asks the other officials; UMOJA has too few of them to decide it.
	if got := r.sms(wanjiru, "ONDOA 0711000005"); got.Kind != "reply.refused" || !strings.Contains(got.Text, "viongozi wachache mno") {
		t.Errorf("ONDOA with two officials: %s %q", got.Kind, got.Text)
	}
	chair := chama.Actor{Phone: wanjiru, Channel: chama.SMS}
	if _, err := r.groups.CreateGroup(r.ctx, chair, chama.NewGroup{Code: "JIRANI", Name: "Jirani", Rules: rules.Default()}); err != nil {
		t.Fatal(err)
	}
	r.join(chair, "JIRANI", chama.Actor{Phone: otieno, Channel: chama.USSD}, "Otieno", chama.RoleTreasurer)
	r.join(chair, "JIRANI", chama.Actor{Phone: akinyi, Channel: chama.USSD}, "Akinyi", chama.RoleSecretary)
	r.join(chair, "JIRANI", chama.Actor{Phone: juma, Channel: chama.USSD}, "Juma", chama.RoleMember)
	if got := r.sms(wanjiru, "JIRANI ONDOA 0711000005"); got.Kind != "reply.removal" || !strings.Contains(got.Text, "Viongozi 2 wengine") {
		t.Fatalf("ONDOA: %s %q", got.Kind, got.Text)
	}
	if n := r.count(`SELECT count(*) FROM chama_approvals WHERE subject = ? AND status = 'open'`, chama.SubjectRemoval); n != 1 {
		t.Errorf("%d removal requests open, want 1", n)
	}
	if got := r.sms(otieno, "JIRANI REMOVE 0711000005"); got.Kind != "reply.refused" || !strings.Contains(got.Text, "already waiting") {
		t.Errorf("REMOVE again: %s %q", got.Kind, got.Text)
	}
	if got := r.sms(juma, "JIRANI REMOVE 0711000001"); got.Kind != "reply.officials_only" {
		t.Errorf("REMOVE from a member: %s", got.Kind)
	}
	// Akinyi handed Otieno cash at a meeting that no second official has confirmed yet:
	// she cannot be removed until it is settled, and the reply says so in her chair's words.
	treasurer := chama.Actor{Phone: otieno, Channel: chama.USSD}
	if err := r.groups.SetPIN(r.ctx, treasurer, "", "2580"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.groups.RecordCash(r.ctx, treasurer, "2580", "JIRANI", akinyi, decimal.NewFromInt(300)); err != nil {
		t.Fatal(err)
	}
	if got := r.sms(wanjiru, "JIRANI ONDOA 0711000003"); got.Kind != "reply.refused" || !strings.Contains(got.Text, "pesa taslimu za mikutano") {
		t.Errorf("ONDOA a member whose cash waits: %s %q", got.Kind, got.Text)
	}

	// REMIND reaches Akinyi and Juma (they owe March and its fine), but not Juma once he
	// has sent STOP; a second REMIND the same day sends nothing new.
	reminded := func(phone string) int {
		msgs, err := r.out.Messages(r.ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range msgs {
			if m.Kind == "remind.official" {
				n++
				if !strings.Contains(m.Text, "Wanjiru Kamau") || !strings.Contains(m.Text, "*384*12*") {
					t.Errorf("reminder %q does not name the chair and the code", m.Text)
				}
			}
		}
		return n
	}
	r.sms(juma, "STOP")
	if got := r.sms(wanjiru, "UMOJA KUMBUSHA"); got.Kind != "reply.reminded" || !strings.Contains(got.Text, "wanachama 1 wenye madeni; 1 hawapokei SMS") {
		t.Errorf("KUMBUSHA: %s %q", got.Kind, got.Text)
	}
	r.sms(wanjiru, "UMOJA KUMBUSHA 0711000003")
	r.sms(otieno, "REMIND") // another official the same day: still one reminder each
	if a, j := reminded(akinyi), reminded(juma); a != 1 || j != 0 {
		t.Errorf("reminders: Akinyi %d, Juma %d; want 1 and 0", a, j)
	}
	if got := r.sms(wanjiru, "UMOJA KUMBUSHA 0711000002"); got.Kind != "reply.arrears_none" {
		t.Errorf("KUMBUSHA someone who owes nothing: %s %q", got.Kind, got.Text)
	}
}

func TestInboxLanguageChangesTheReplies(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	if got := r.sms(akinyi, "LUGHA EN"); got.Kind != "reply.language" || got.Lang != "en" || !strings.Contains(got.Text, "English") {
		t.Fatalf("LUGHA EN: %s/%s %q", got.Kind, got.Lang, got.Text)
	}
	if p, _ := r.groups.PersonByPhone(r.ctx, akinyi); p.Lang != "en" {
		t.Errorf("language %q, want en", p.Lang)
	}
	if got := r.sms(akinyi, "SALIO"); got.Lang != "en" || !strings.Contains(got.Text, "savings") {
		t.Errorf("SALIO after LUGHA EN: %s %q", got.Lang, got.Text)
	}
	if got := r.sms(akinyi, "kiswahili"); got.Kind != "reply.language" || got.Lang != "sw" || !strings.Contains(got.Text, "Kiswahili") {
		t.Errorf("KISWAHILI: %s/%s %q", got.Kind, got.Lang, got.Text)
	}
}

func TestInboxMoneyCommandsMoveNoMoney(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	entries := `SELECT count(*) FROM ledger_entries`
	before := []int64{r.count(entries), r.count(`SELECT count(*) FROM chama_payments`), r.count(`SELECT count(*) FROM chama_loans`),
		r.count(`SELECT count(*) FROM chama_approvals`), r.count(`SELECT count(*) FROM chama_payouts`)}
	balances, err := r.groups.MemberBalances(r.ctx, wanjiru, "UMOJA")
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"CHANGA 500", "MKOPO 5000 3", "LIPA 1000", "TASLIMU 0712345678 500", "TOA 0711000003 5000"} {
		got := r.sms(wanjiru, text)
		if !strings.Contains(got.Text, "*384*12*") || !strings.Contains(got.Text, "PIN") {
			t.Errorf("%q: no USSD shortcut confirmed by PIN: %q", text, got.Text)
		}
	}
	// A member of two groups is sent to the right one: UMOJA is first on their USSD home.
	if got := r.sms(baraka, "UMOJA CHANGA 500"); !strings.Contains(got.Text, "*384*12*1*1*500#") {
		t.Errorf("UMOJA CHANGA 500 from a member of two groups: %q", got.Text)
	}
	if got := r.sms(baraka, "changa 1 tumaini"); !strings.Contains(got.Text, "*384*12*2*1#") {
		t.Errorf("CHANGA 1 TUMAINI: %q (an amount of 1 means 'what is due' on USSD)", got.Text)
	}
	after := []int64{r.count(entries), r.count(`SELECT count(*) FROM chama_payments`), r.count(`SELECT count(*) FROM chama_loans`),
		r.count(`SELECT count(*) FROM chama_approvals`), r.count(`SELECT count(*) FROM chama_payouts`)}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("entries, payments, loans, approvals, payouts went from %v to %v", before, after)
	}
	again, err := r.groups.MemberBalances(r.ctx, wanjiru, "UMOJA")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Savings.Equal(balances.Savings) || !again.Loan.Equal(balances.Loan) {
		t.Errorf("balances moved: %+v then %+v", balances, again)
	}
}

func TestInboxDuplicateDeliveryHandledOnce(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	if got := r.smsWithID("ATXid_dup", wanjiru, "SALIO"); len(got) != 1 {
		t.Fatalf("first delivery: %d replies", len(got))
	}
	for range 3 {
		if got := r.smsWithID("ATXid_dup", wanjiru, "SALIO"); len(got) != 0 {
			t.Fatalf("repeated delivery answered again: %+v", got)
		}
	}
	if n := r.count(`SELECT count(*) FROM sms_inbound WHERE provider_id = 'ATXid_dup'`); n != 1 {
		t.Errorf("%d rows for one id", n)
	}
	// The same command again, a new message, is answered again the same day.
	if got := r.smsWithID("ATXid_dup2", wanjiru, "SALIO"); len(got) != 1 {
		t.Errorf("a second SALIO: %d replies, want 1", len(got))
	}

	// Deliveries racing each other: one reply.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, "/hooks/at/sms", strings.NewReader(url.Values{"from": {otieno},
				"text": {"BAL"}, "id": {"ATXid_race"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := r.app.Test(req, -1)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("racing delivery: status %d", res.StatusCode)
			}
		}()
	}
	wg.Wait()
	if n := r.count(`SELECT count(*) FROM sms_messages WHERE to_phone = ? AND kind LIKE 'reply.%'`, otieno); n != 1 {
		t.Errorf("racing deliveries: %d replies, want 1", n)
	}
}

func TestInboxRateLimitsAPhone(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	replies := 0
	for i := range rateLimit + 5 {
		replies += len(r.smsWithID(fmt.Sprintf("ATXid_loop%02d", i), akinyi, "SALIO"))
	}
	if replies != rateLimit {
		t.Errorf("%d replies to %d messages, want %d", replies, rateLimit+5, rateLimit)
	}
	if n := r.count(`SELECT count(*) FROM sms_inbound WHERE from_phone = ? AND outcome = ?`, akinyi, outcomeRateLimited); n != 5 {
		t.Errorf("%d rate limited rows, want 5", n)
	}
	if n := strings.Count(r.logs.String(), "incoming sms rate limited"); n != 1 {
		t.Errorf("rate limit logged %d times, want once", n)
	}
	// STOP from the looping phone is obeyed even though it is not answered.
	if got := r.smsWithID("ATXid_loopstop", akinyi, "STOP"); len(got) != 0 {
		t.Errorf("STOP over the limit answered: %+v", got)
	}
	if out, err := r.inbox.OptedOut(r.ctx, akinyi); err != nil || !out {
		t.Errorf("STOP over the rate limit: opted out %t, %v", out, err)
	}
	// Another phone is not held back, and after the window the phone is answered again.
	if got := r.sms(juma, "BAL"); got.Kind != "reply.balance" {
		t.Errorf("another phone: %s", got.Kind)
	}
	r.clock.set(r.clock.Now().Add(rateWindow + time.Second))
	if got := r.sms(akinyi, "SALIO"); got.Kind != "reply.balance" {
		t.Errorf("after the window: %s", got.Kind)
	}
}

func TestInboxTellsStrangersHowToJoin(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	for _, from := range []string{nobody, zawadi} { // unregistered; invited but not consented
		for _, text := range []string{"SALIO", "hello", "JIUNGE UMOJA"} {
			got := r.sms(from, text)
			if got.Kind != "reply.join_us" || !strings.Contains(got.Text, "Piga *384*12# kujisajili") ||
				!strings.Contains(got.Text, "Dial *384*12# to register") {
				t.Errorf("%q from %s: %s %q", text, from, got.Kind, got.Text)
			}
		}
	}
	if _, err := r.groups.PersonByPhone(r.ctx, nobody); err == nil {
		t.Error("an SMS registered the stranger")
	}
}

func TestInboxAsksForTheGroupCode(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	got := r.sms(baraka, "SALIO")
	if got.Kind != "reply.which_group" || !strings.Contains(got.Text, "vikundi 2: UMOJA, TUMAINI") ||
		!strings.Contains(got.Text, "mfano: UMOJA SALIO") {
		t.Errorf("SALIO from a member of two groups: %s %q", got.Kind, got.Text)
	}
	if got := r.sms(baraka, "TUMAINI SALIO"); got.Kind != "reply.balance" || !strings.HasPrefix(got.Text, "TUMAINI: akiba KES 500.00") {
		t.Errorf("TUMAINI SALIO: %s %q", got.Kind, got.Text)
	}
	if got := r.sms(baraka, "salio umoja"); got.Kind != "reply.balance" || !strings.HasPrefix(got.Text, "UMOJA:") {
		t.Errorf("SALIO UMOJA: %s %q", got.Kind, got.Text)
	}
	// Neema has only an invitation: she is told how to accept it, then accepts by SMS.
	if got := r.sms(neema, "SALIO"); got.Kind != "reply.no_group" || !strings.Contains(got.Text, "Tuma JIUNGE TUMAINI") {
		t.Errorf("SALIO with only an invitation: %s %q", got.Kind, got.Text)
	}
	if got := r.sms(neema, "JIUNGE TUMAINI"); got.Kind != "reply.joined" || !strings.Contains(got.Text, "Karibu Tumaini Youth (TUMAINI)") {
		t.Errorf("JIUNGE TUMAINI: %s %q", got.Kind, got.Text)
	}
	if got := r.sms(neema, "SALIO"); got.Kind != "reply.balance" {
		t.Errorf("SALIO after joining: %s %q", got.Kind, got.Text)
	}
}

func TestInboxStop(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	for _, from := range []string{juma, nobody} {
		got := r.sms(from, "STOP")
		if got.Kind != "reply.stop" {
			t.Errorf("STOP from %s: %s %q", from, got.Kind, got.Text)
		}
		if out, err := r.inbox.OptedOut(r.ctx, from); err != nil || !out {
			t.Errorf("STOP from %s: opted out %t, %v", from, out, err)
		}
	}
	if got := r.sms(juma, "stop"); got.Kind != "reply.stop" || got.Lang != "en" {
		t.Errorf("STOP again: %s/%s", got.Kind, got.Lang)
	}
	if n := r.count(`SELECT count(*) FROM sms_optouts`); n != 2 {
		t.Errorf("%d opt-outs, want 2", n)
	}
	// STOP is not a withdrawal of consent: the member still uses Kikundi.
	if ok, _ := r.groups.HasConsent(r.ctx, juma); !ok {
		t.Error("STOP withdrew consent")
	}
	if got := r.sms(juma, "BAL"); got.Kind != "reply.balance" {
		t.Errorf("BAL after STOP: %s", got.Kind)
	}
}

func TestInboxOptOutWebhook(t *testing.T) {
	r := newInboxRig(t)
	for range 2 {
		if s := r.post("/hooks/at/sms/optout", url.Values{"senderId": {"KIKUNDI"}, "phoneNumber": {"+254722000111"}}); s != http.StatusOK {
			t.Fatalf("opt-out: status %d", s)
		}
	}
	if out, err := r.inbox.OptedOut(r.ctx, "0722000111"); err != nil || !out {
		t.Errorf("opted out %t, %v", out, err)
	}
	if out, _ := r.inbox.OptedOut(r.ctx, "0722000112"); out {
		t.Error("another number opted out")
	}
	if s := r.post("/hooks/at/sms/optout", url.Values{"senderId": {"KIKUNDI"}}); s != http.StatusBadRequest {
		t.Errorf("no phone: status %d", s)
	}
	if s := r.post("/hooks/at/sms/optout", url.Values{"phoneNumber": {"KIKUNDI"}}); s != http.StatusOK {
		t.Errorf("unreadable phone: status %d, want 200 (a retry cannot help)", s)
	}
}

func TestInboxNeverStoresTheText(t *testing.T) {
	r := newInboxRig(t)
	r.world()
	const pin = "4826"
	for _, text := range []string{"CHANGA 500 " + pin, pin, "PIN yangu ni " + pin} {
		r.sms(wanjiru, text)
	}
	var rows []map[string]any
	if err := r.db.Raw(`SELECT * FROM sms_inbound`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if s := fmt.Sprint(row); strings.Contains(s, pin) {
			t.Errorf("a typed PIN is stored: %s", s)
		}
	}
	var cols []string
	if err := r.db.Raw(`SELECT column_name FROM information_schema.columns WHERE table_name = 'sms_inbound'`).Scan(&cols).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		if c == "text" || c == "message" || c == "body" {
			t.Errorf("sms_inbound has a %s column", c)
		}
	}
	msgs, _ := r.out.Messages(r.ctx, wanjiru)
	for _, m := range msgs {
		if strings.Contains(m.Text, pin) {
			t.Errorf("a reply repeats the PIN: %q", m.Text)
		}
	}
	if strings.Contains(r.logs.String(), pin) {
		t.Errorf("the logs hold the PIN:\n%s", r.logs.String())
	}
	var row struct {
		Verb       string
		TextLength int
		ToCode     string
	}
	if err := r.db.Raw(`SELECT verb, text_length, to_code FROM sms_inbound ORDER BY id LIMIT 1`).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Verb != "contribute" || row.TextLength != len("CHANGA 500 "+pin) || row.ToCode != "22384" {
		t.Errorf("stored %+v", row)
	}
}

func TestInboxRefusesMalformedCallbacks(t *testing.T) {
	r := newInboxRig(t)
	if s := r.post("/hooks/at/sms", url.Values{"from": {wanjiru}, "text": {"SALIO"}}); s != http.StatusBadRequest {
		t.Errorf("no id: status %d", s)
	}
	if s := r.post("/hooks/at/sms", url.Values{"id": {"ATXid_x"}, "text": {"SALIO"}}); s != http.StatusBadRequest {
		t.Errorf("no sender: status %d", s)
	}
	// A sender ID, not a phone: stored, unanswered, 200.
	if s := r.post("/hooks/at/sms", url.Values{"id": {"ATXid_y"}, "from": {"SAFARICOM"}, "text": {"Promo"}}); s != http.StatusOK {
		t.Errorf("sender ID: status %d", s)
	}
	if n := r.count(`SELECT count(*) FROM sms_inbound WHERE outcome = ?`, outcomeBadSender); n != 1 {
		t.Errorf("%d bad senders recorded", n)
	}
}
