package sms

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/tasks"
)

// reminderRealistic holds, for every reminder kind, vars as Reminders writes them.
var reminderRealistic = map[string]map[string]string{
	"remind.due":     {"group": "UMOJA", "amount": "550.00", "date": "05/03/2026", "dial": "*384*12*1#"},
	"remind.overdue": {"group": "UMOJA", "amount": "500.00", "date": "05/03/2026", "fine": "50.00", "every": "once", "dial": "*384*12*1#"},
	"remind.instalment": {"group": "UMOJA", "loan": "17", "n": "3", "amount": "1038.80", "date": "10/04/2026",
		"dial": "*384*12*2*3*2#"},
	"remind.instalment_overdue": {"group": "UMOJA", "loan": "17", "n": "3", "amount": "1038.80", "date": "10/04/2026",
		"penalty": "51.94", "dial": "*384*12*3*2#"},
	"remind.approval": {"group": "UMOJA", "id": "42", "subject": chama.SubjectLoan, "date": "15/03/2026 20:00", "dial": "*384*12*8*1#"},
	"remind.cycle":    {"group": "UMOJA", "cycle": "1", "date": "01/04/2026", "dial": "*384*12*5#"},
	"digest.treasurer": {"group": "UMOJA", "date": "22/11", "in": "3500.00", "in_n": "7", "out": "5000.00", "out_n": "1",
		"cash": "45200.00", "inhand": "700.00", "arrears": "1100.00", "debtors": "2", "approvals": "1", "dial": "*384*12*8#"},
	"remind.official": {"group": "UMOJA", "by": "Otieno Ochieng", "amount": "1100.00", "dial": "*384*12*2*1#"},
}

// reminderAmounts are the reminder vars the templates format as shillings.
var reminderAmounts = []string{"amount", "fine", "penalty", "in", "out", "cash", "inhand", "arrears"}

func TestReminderCatalogueCoversEveryKind(t *testing.T) {
	got := slices.Sorted(slices.Values(reminderKinds))
	want := slices.Sorted(maps.Keys(reminderRealistic))
	if !slices.Equal(got, want) {
		t.Fatalf("reminder kinds %v\ntested %v", got, want)
	}
}

func TestRenderEveryReminderInBothLanguages(t *testing.T) {
	r := Renderer{USSDCode: "*384*12#"}
	for _, kind := range slices.Sorted(maps.Keys(reminderRealistic)) {
		for _, variant := range []map[string]string{{}, {"fine": "", "penalty": ""}, {"every": "daily"}, {"every": "weekly"}} {
			vars := maps.Clone(reminderRealistic[kind])
			for k, v := range variant {
				if _, ok := vars[k]; ok {
					vars[k] = v
				}
			}
			for _, lang := range []string{"sw", "en"} {
				text, err := r.Render(chama.Notice{Phone: "+254711000001", Lang: lang, Kind: kind, Vars: vars})
				if err != nil {
					t.Errorf("%s/%s: %v", kind, lang, err)
					continue
				}
				if parts, gsm7 := Segments(text); !gsm7 || parts > MaxSegments {
					t.Errorf("%s/%s: %d parts, GSM-7 %t: %q", kind, lang, parts, gsm7, text)
				}
				if strings.Contains(text, "<no value>") || strings.Contains(text, "{{") {
					t.Errorf("%s/%s: unfilled: %q", kind, lang, text)
				}
				// The digest reports and asks nothing; every other reminder says how to act.
				pay := map[string]string{"sw": "Piga " + vars["dial"], "en": "Dial " + vars["dial"]}[lang]
				if kind != "digest.treasurer" && !strings.Contains(text, pay) {
					t.Errorf("%s/%s: does not say %q: %q", kind, lang, pay, text)
				}
				for k, v := range vars {
					switch {
					case slices.Contains(reminderAmounts, k) && v != "":
						amount, _ := kes(v)
						if !strings.Contains(text, amount) {
							t.Errorf("%s/%s: %s %s not shown as %q: %q", kind, lang, k, v, amount, text)
						}
					case k == "group" || k == "date" || k == "loan" || k == "id" || k == "cycle":
						if !strings.Contains(text, v) {
							t.Errorf("%s/%s: %s %q missing: %q", kind, lang, k, v, text)
						}
					}
				}
				if kind == "remind.overdue" && vars["fine"] != "" {
					every := map[string]map[string]string{"daily": {"sw": "kila siku", "en": "every day"},
						"weekly": {"sw": "kila wiki", "en": "every week"}}[vars["every"]][lang]
					if every != "" && !strings.Contains(text, every) {
						t.Errorf("%s/%s: recurrence %q missing: %q", kind, lang, every, text)
					}
				}
				if len(variant) == 0 {
					t.Logf("%-26s %s %q", kind, lang, text)
				}
			}
		}
	}
}

// TestRenderLongestReminderVarsFits fills every var to its limit, with plain letters and
// with extension characters that count two.
func TestRenderLongestReminderVarsFits(t *testing.T) {
	for _, fill := range []string{"W", "€", "{"} {
		for kind, vars := range reminderRealistic {
			for _, every := range []string{"once", "daily", "weekly"} {
				long := map[string]string{}
				for k := range vars {
					switch {
					case slices.Contains(reminderAmounts, k):
						long[k] = "-9999999999999999.99" // NUMERIC(18,2) at its widest
					case k == "every":
						long[k] = every
					default:
						long[k] = strings.Repeat(fill, 300)
					}
				}
				for _, lang := range []string{"sw", "en"} {
					text, err := Renderer{USSDCode: "*384*12345#"}.Render(chama.Notice{Lang: lang, Kind: kind, Vars: long})
					if err != nil {
						t.Errorf("%s/%s with %q: %v", kind, lang, fill, err)
						continue
					}
					if parts, gsm7 := Segments(text); !gsm7 || parts > MaxSegments {
						t.Errorf("%s/%s: %d parts, GSM-7 %t: %q", kind, lang, parts, gsm7, text)
					}
				}
			}
		}
	}
}

func TestNotBefore(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, nairobi) }
	for _, c := range []struct{ now, want time.Time }{
		{at(13, 8, 0), at(13, 8, 0)},
		{at(13, 20, 59), at(13, 20, 59)},
		{at(13, 21, 0), at(14, 7, 0)},
		{at(13, 23, 30), at(14, 7, 0)},
		{at(14, 0, 0), at(14, 7, 0)},
		{at(14, 6, 59), at(14, 7, 0)},
		{at(14, 7, 0), at(14, 7, 0)},
		{time.Date(2026, 3, 31, 19, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 7, 0, 0, 0, nairobi)}, // 22:00 in Nairobi
	} {
		if got := NotBefore(c.now); !got.Equal(c.want) {
			t.Errorf("NotBefore(%s) = %s, want %s", c.now, got, c.want)
		}
	}
}

// remQueue is an Enqueuer that keeps each task with the time it was to be processed at
// (zero: at once).
type remQueue struct {
	mu    sync.Mutex
	tasks []remTask
}

type remTask struct {
	id int64
	at time.Time
}

func (q *remQueue) Enqueue(t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	id, err := tasks.ParseID(t)
	if err != nil || t.Type() != tasks.TypeSMSSend {
		return nil, fmt.Errorf("unexpected task %s: %v", t.Type(), err)
	}
	task := remTask{id: id}
	for _, o := range opts {
		if o.Type() == asynq.ProcessAtOpt {
			task.at = o.Value().(time.Time)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tasks = append(q.tasks, task)
	return &asynq.TaskInfo{}, nil
}

// take returns the tasks enqueued since the last call.
func (q *remQueue) take() []remTask {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.tasks
	q.tasks = nil
	return out
}

type remClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *remClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *remClock) set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func eatAt(d, hour int) time.Time       { return time.Date(2026, 3, d, hour, 0, 0, 0, nairobi) }
func aprilAt(d, hour int) time.Time     { return time.Date(2026, 4, d, hour, 0, 0, 0, nairobi) }
func remDec(s string) decimal.Decimal   { return decimal.RequireFromString(s) }
func remPIN() string                    { return "2580" }
func remActor(phone string) chama.Actor { return chama.Actor{Phone: phone, Channel: chama.USSD} }

// remRig is a group over its own database with reminders on a clock the test moves.
type remRig struct {
	t         *testing.T
	ctx       context.Context
	db        *gorm.DB
	clock     *remClock
	groups    *chama.Service
	q         *remQueue
	reminders *Reminders
	payer     *remPayer
	phones    map[string]string // by name
	receipts  int
}

type remPayer struct {
	mu     sync.Mutex
	orders []chama.PayoutOrder
}

func (p *remPayer) Pay(_ context.Context, o chama.PayoutOrder) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.orders = append(p.orders, o)
	return nil
}

func newRemRig(t *testing.T) *remRig {
	t.Helper()
	db := dbtest.Postgres(t)
	r := &remRig{t: t, ctx: context.Background(), db: db, clock: &remClock{now: eatAt(1, 8)}, q: &remQueue{},
		payer: &remPayer{}, phones: map[string]string{}}
	r.groups = chama.New(chama.Options{DB: db, Now: r.clock.Now, Payer: r.payer})
	out := NewOutbox(db, Renderer{USSDCode: "*384*12#"}, nil)
	r.reminders = NewReminders(db, out, r.q, r.clock.Now, ReminderOptions{})
	return r
}

// person registers a consenting person with a PIN; phones are handed out in order.
func (r *remRig) person(name, lang string) chama.Actor {
	r.t.Helper()
	phone := fmt.Sprintf("+2547220000%02d", len(r.phones)+1)
	a := remActor(phone)
	if _, err := r.groups.Register(r.ctx, phone, name, lang); err != nil {
		r.t.Fatalf("register %s: %v", name, err)
	}
	if err := r.groups.GiveConsent(r.ctx, a); err != nil {
		r.t.Fatalf("consent %s: %v", name, err)
	}
	if err := r.groups.SetPIN(r.ctx, a, "", remPIN()); err != nil {
		r.t.Fatalf("pin %s: %v", name, err)
	}
	r.phones[name] = phone
	return a
}

// group founds code with rules c, chaired by chair; each of members joins with its role.
func (r *remRig) group(code string, c rules.Constitution, chair string, members ...remMember) {
	r.t.Helper()
	if _, err := r.groups.CreateGroup(r.ctx, remActor(r.phones[chair]), chama.NewGroup{Code: code, Name: code + " Group", Rules: c}); err != nil {
		r.t.Fatal(err)
	}
	for _, m := range members {
		if _, err := r.groups.Invite(r.ctx, remActor(r.phones[chair]), code, r.phones[m.name], m.name, m.role); err != nil {
			r.t.Fatalf("invite %s: %v", m.name, err)
		}
		if _, err := r.groups.Accept(r.ctx, remActor(r.phones[m.name]), code); err != nil {
			r.t.Fatalf("accept %s: %v", m.name, err)
		}
	}
}

func (r *remRig) pay(code, name, amount, purpose string) {
	r.t.Helper()
	r.receipts++
	if _, err := r.groups.ReceivePayment(r.ctx, chama.Payment{Group: code, Phone: r.phones[name], Amount: remDec(amount),
		Receipt: fmt.Sprintf("REM%07d", r.receipts), Purpose: purpose, ReceivedAt: r.clock.Now()}); err != nil {
		r.t.Fatalf("%s pays %s: %v", name, amount, err)
	}
}

// sent is one reminder as a run queued it.
type sent struct {
	Name string
	Kind string
	Text string
	At   time.Time // ProcessAt; zero for at once
}

// run runs the reminders once at the clock's time and returns what they queued, after
// checking the count Run returned and that each message was stored as it was queued.
func (r *remRig) run() []sent {
	r.t.Helper()
	n, err := r.reminders.Run(r.ctx)
	if err != nil {
		r.t.Fatalf("run at %s: %v", r.clock.Now(), err)
	}
	return r.queued(n)
}

// queued reads the messages of the tasks enqueued since the last look; want is how many
// the runs said they queued.
func (r *remRig) queued(want int) []sent {
	r.t.Helper()
	byPhone := map[string]string{}
	for name, p := range r.phones {
		byPhone[p] = name
	}
	var out []sent
	for _, task := range r.q.take() {
		var m struct {
			To, Kind, Message, Status string
			UpdatedAt                 time.Time
		}
		if err := r.db.Raw(`SELECT to_phone AS "to", kind, message, status, updated_at FROM sms_messages WHERE id = ?`, task.id).
			Scan(&m).Error; err != nil || m.To == "" {
			r.t.Fatalf("message %d: %v", task.id, err)
		}
		if m.Status != StatusQueued {
			r.t.Errorf("message %d is %s, want queued", task.id, m.Status)
		}
		if !task.at.IsZero() && !m.UpdatedAt.Equal(task.at) {
			r.t.Errorf("deferred message %d: updated_at %s, want its send time %s", task.id, m.UpdatedAt, task.at)
		}
		out = append(out, sent{Name: byPhone[m.To], Kind: m.Kind, Text: m.Message, At: task.at})
	}
	if len(out) != want {
		r.t.Errorf("at %s: runs said %d queued, %d tasks enqueued", r.clock.Now(), want, len(out))
	}
	slices.SortFunc(out, func(a, b sent) int { return strings.Compare(a.Name+a.Kind, b.Name+b.Kind) })
	return out
}

// brief is what a reminder is: "name kind".
func brief(ss []sent) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.Name+" "+s.Kind)
	}
	slices.Sort(out)
	return out
}

// remMember is someone joining a group, with their role.
type remMember struct {
	name string
	role chama.Role
}

// TestRemindersOverAMonth walks March day by day in UMOJA (KES 500 due on the 5th, three
// days' grace, a KES 50 fine, a one-month cycle), running the reminders at 08:00, again
// at 08:00 (a second worker, or a restart), and at 22:00, and counts exactly what goes.
//
// wanjiru (chair) pays on the 2nd: no reminder. otieno (treasurer, English) pays on the
// 4th: reminded on the 3rd, not late. akinyi (secretary) pays on the 8th, the last day of
// grace: reminded, not late. juma (English) and baraka never pay: reminded on the 3rd,
// late on the 9th with the fine. baraka also has an invitation to TUMAINI, so his dial
// goes through the home menu. halima opted out by STOP: nothing, ever. zawadi is only
// invited: nothing. neema founded TUMAINI alone and never pays its contribution: due and
// late there (its cycle is a year; its fine 10% a day, at most KES 30). juma asks for a PIN reset at 20:00 on the 12th; otieno approves on
// the 13th; at 22:00 on the 13th wanjiru and akinyi, who have not voted, are reminded,
// sent at 07:00 on the 14th. On the 25th, a week before the cycle ends on 1 April, every
// reachable member is told.
func TestRemindersOverAMonth(t *testing.T) {
	r := newRemRig(t)
	r.person("wanjiru", "sw")
	r.person("otieno", "en")
	r.person("akinyi", "sw")
	r.person("juma", "en")
	r.person("baraka", "sw")
	r.person("halima", "sw")
	r.person("zawadi", "sw")
	r.person("neema", "sw")
	c := rules.Default()
	c.CycleMonths = 1
	r.group("UMOJA", c, "wanjiru", remMember{"otieno", chama.RoleTreasurer}, remMember{"akinyi", chama.RoleSecretary},
		remMember{"juma", chama.RoleMember}, remMember{"baraka", chama.RoleMember}, remMember{"halima", chama.RoleMember})
	if _, err := r.groups.Invite(r.ctx, remActor(r.phones["wanjiru"]), "UMOJA", r.phones["zawadi"], "Zawadi", chama.RoleMember); err != nil {
		t.Fatal(err)
	}
	tumaini := rules.Default()
	tumaini.Fine = rules.Fine{Basis: rules.FinePercent, Amount: remDec("10"), Recurrence: rules.FineDaily, Cap: remDec("30")}
	r.group("TUMAINI", tumaini, "neema")
	if _, err := r.groups.Invite(r.ctx, remActor(r.phones["neema"]), "TUMAINI", r.phones["baraka"], "Baraka", chama.RoleMember); err != nil {
		t.Fatal(err)
	}
	if err := r.db.Exec(`INSERT INTO sms_optouts (phone, via) VALUES (?, 'stop')`, r.phones["halima"]).Error; err != nil {
		t.Fatal(err)
	}

	// What each run should queue, by "day hour" (the second 08:00 run and every run not
	// listed queue nothing).
	want := map[string][]string{
		"3 08":  {"akinyi remind.due", "baraka remind.due", "juma remind.due", "neema remind.due", "otieno remind.due"},
		"9 08":  {"baraka remind.overdue", "juma remind.overdue", "neema remind.overdue"},
		"13 22": {"akinyi remind.approval", "wanjiru remind.approval"},
		// The treasurer's digest, on the days money came in (2, 4, 8) or fines were charged (9).
		"2 22":  {"otieno digest.treasurer"},
		"4 22":  {"otieno digest.treasurer"},
		"8 22":  {"otieno digest.treasurer"},
		"9 22":  {"otieno digest.treasurer"},
		"25 08": {"akinyi remind.cycle", "baraka remind.cycle", "juma remind.cycle", "otieno remind.cycle", "wanjiru remind.cycle"},
	}
	events := map[string]func(){
		"2 12": func() { r.pay("UMOJA", "wanjiru", "500", chama.ForContribution) },
		"4 12": func() { r.pay("UMOJA", "otieno", "500", chama.ForContribution) },
		"8 12": func() { r.pay("UMOJA", "akinyi", "500", chama.ForContribution) },
		"12 20": func() {
			if _, err := r.groups.RequestPINReset(r.ctx, remActor(r.phones["juma"]), "UMOJA"); err != nil {
				t.Fatal(err)
			}
		},
		"13 12": func() {
			aps, err := r.groups.PendingApprovals(r.ctx, remActor(r.phones["otieno"]), "UMOJA")
			if err != nil || len(aps) != 1 {
				t.Fatalf("pending approvals %v, %v", aps, err)
			}
			if _, err := r.groups.Vote(r.ctx, remActor(r.phones["otieno"]), aps[0].ID, true, remPIN()); err != nil {
				t.Fatal(err)
			}
		},
	}
	var all []sent
	for day := 1; day <= 31; day++ {
		for _, hour := range []int{8, 12, 20, 22} {
			key := fmt.Sprintf("%d %02d", day, hour)
			r.clock.set(eatAt(day, hour))
			if ev, ok := events[key]; ok {
				ev()
			}
			if hour != 8 && hour != 22 {
				continue
			}
			if hour == 8 { // the groups' own daily work
				for _, code := range []string{"UMOJA", "TUMAINI"} {
					if _, err := r.groups.RaiseDues(r.ctx, code); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := r.groups.ChargeFines(r.ctx, "UMOJA"); err != nil {
					t.Fatal(err)
				}
			}
			got := r.run()
			if w := want[key]; !slices.Equal(brief(got), append([]string{}, w...)) {
				t.Errorf("%s March: queued %v, want %v", key, brief(got), w)
			}
			for _, s := range got {
				switch {
				case hour == 22 && !s.At.Equal(time.Date(2026, 3, day+1, 7, 0, 0, 0, nairobi)):
					t.Errorf("%s March: %s %s deferred to %v, want 07:00 the next day", key, s.Name, s.Kind, s.At)
				case hour == 8 && !s.At.IsZero():
					t.Errorf("%s March: %s %s deferred to %v in the day", key, s.Name, s.Kind, s.At)
				}
			}
			all = append(all, got...)
			if hour == 8 {
				if again := r.run(); len(again) > 0 {
					t.Errorf("%s March, second run: queued %v", key, brief(again))
				}
			}
		}
	}
	if len(all) != 19 {
		t.Errorf("%d reminders in March, want 19", len(all))
	}
	var rows int64
	r.db.Raw(`SELECT count(*) FROM sms_reminders WHERE message_id IS NOT NULL`).Scan(&rows)
	if rows != 19 {
		t.Errorf("sms_reminders holds %d linked rows, want 19", rows)
	}

	// What they say: the member's language, the fine, the shortcut to pay.
	text := func(name, kind string) string {
		for _, s := range all {
			if s.Name == name && s.Kind == kind {
				return s.Text
			}
		}
		t.Fatalf("no %s for %s", kind, name)
		return ""
	}
	for _, c := range []struct{ name, kind, want string }{
		{"otieno", "remind.due", "UMOJA: reminder, your contribution of KES 500.00 is due on 05/03/2026. Dial *384*12*1# to pay."},
		{"akinyi", "remind.due", "UMOJA: kumbusho, mchango wako wa KES 500.00 unatakiwa tarehe 05/03/2026. Piga *384*12*1# kulipa."},
		{"baraka", "remind.due", "UMOJA: kumbusho, mchango wako wa KES 500.00 unatakiwa tarehe 05/03/2026. Piga *384*12*1*1# kulipa."},
		{"juma", "remind.overdue", "UMOJA: your contribution of KES 500.00 due on 05/03/2026 is late. Late fine: KES 50.00. Dial *384*12*1# to pay."},
		{"baraka", "remind.overdue", "UMOJA: mchango wako wa KES 500.00 uliotakiwa 05/03/2026 umechelewa. Faini ya kuchelewa: KES 50.00. Piga *384*12*1*1# kulipa."},
		{"neema", "remind.overdue", "TUMAINI: mchango wako wa KES 500.00 uliotakiwa 05/03/2026 umechelewa. Faini ya kuchelewa: KES 30.00 kila siku. Piga *384*12*1# kulipa."},
		{"wanjiru", "remind.approval", "UMOJA: ombi #1 (kubadili PIN) bado linasubiri uamuzi wako; litaisha muda 15/03/2026 20:00. Piga *384*12*8*1# kukubali au kukataa kwa PIN yako."},
		{"otieno", "remind.cycle", "UMOJA: the group's cycle 1 ends on 01/04/2026. Dial *384*12*5# to see your savings and statement."},
		{"otieno", "digest.treasurer", "UMOJA 02/03: in KES 500.00 (1), out KES 0.00 (0). Cash KES 500.00. Owed KES 0.00 by 0. Requests: 0."},
	} {
		if got := text(c.name, c.kind); got != c.want {
			t.Errorf("%s %s:\n got %q\nwant %q", c.name, c.kind, got, c.want)
		}
	}
}

// TestRemindersLoanInstalments lends to juma and baraka on 10 March (instalments due on
// the 10th of April and May) and walks April: both are reminded on the 8th; baraka repays
// the instalment on the 9th; juma is reminded on the 14th, after the grace days, that it
// is late, with the 5% penalty.
func TestRemindersLoanInstalments(t *testing.T) {
	r := newRemRig(t)
	for _, n := range []string{"wanjiru", "otieno", "akinyi", "juma", "baraka"} {
		lang := "sw"
		if n == "otieno" || n == "juma" {
			lang = "en"
		}
		r.person(n, lang)
	}
	c := rules.Default()
	c.Guarantors, c.GuaranteeShare = 0, decimal.Zero
	r.group("UMOJA", c, "wanjiru", remMember{"otieno", chama.RoleTreasurer}, remMember{"akinyi", chama.RoleSecretary},
		remMember{"juma", chama.RoleMember}, remMember{"baraka", chama.RoleMember})
	if _, err := r.groups.RaiseDues(r.ctx, "UMOJA"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"wanjiru", "otieno", "akinyi", "juma", "baraka"} {
		r.pay("UMOJA", n, "500", chama.ForContribution)
	}
	r.clock.set(eatAt(10, 9))
	loans := map[string]int64{}
	for _, n := range []string{"juma", "baraka"} {
		loan, _, err := r.groups.RequestLoan(r.ctx, remActor(r.phones[n]), "UMOJA", remDec("300"), 2)
		if err != nil {
			t.Fatalf("%s borrows: %v", n, err)
		}
		if _, err := r.groups.AcceptLoan(r.ctx, remActor(r.phones[n]), loan.ID, remPIN(), nil); err != nil {
			t.Fatalf("%s accepts: %v", n, err)
		}
		aps, err := r.groups.PendingApprovals(r.ctx, remActor(r.phones["wanjiru"]), "UMOJA")
		if err != nil || len(aps) != 1 {
			t.Fatalf("pending approvals %v, %v", aps, err)
		}
		for _, o := range []string{"wanjiru", "otieno"} {
			if _, err := r.groups.Vote(r.ctx, remActor(r.phones[o]), aps[0].ID, true, remPIN()); err != nil {
				t.Fatalf("%s approves: %v", o, err)
			}
		}
		loans[n] = loan.ID
	}
	r.payer.mu.Lock()
	orders := r.payer.orders
	r.payer.mu.Unlock()
	for i, o := range orders {
		if err := r.groups.PayoutPaid(r.ctx, o.ID, fmt.Sprintf("B2CREM%04d", i)); err != nil {
			t.Fatal(err)
		}
	}
	first := func(n string) decimal.Decimal {
		var total decimal.Decimal
		if err := r.db.Raw(`SELECT principal + interest FROM chama_instalments WHERE loan_id = ? AND n = 1`, loans[n]).
			Scan(&total).Error; err != nil || !total.IsPositive() {
			t.Fatalf("%s's first instalment: %v %v", n, total, err)
		}
		return total
	}
	jumaOwes, barakaOwes := first("juma"), first("baraka")
	r.run() // March's contribution reminders are not what this test counts
	r.q.take()

	want := map[int][]string{
		8:  {"baraka remind.instalment", "juma remind.instalment"},
		14: {"juma remind.instalment_overdue"},
	}
	var all []sent
	for day := 1; day <= 30; day++ {
		r.clock.set(aprilAt(day, 8))
		for _, job := range []func(context.Context, string) (int, error){r.groups.RaiseDues, r.groups.ChargeFines, r.groups.AccrueLoans} {
			if _, err := job(r.ctx, "UMOJA"); err != nil {
				t.Fatal(err)
			}
		}
		var got []sent
		for range 2 {
			for _, s := range r.run() {
				if strings.HasPrefix(s.Kind, "remind.instalment") {
					got = append(got, s)
				}
			}
		}
		if !slices.Equal(brief(got), append([]string{}, want[day]...)) {
			t.Errorf("%d April: queued %v, want %v", day, brief(got), want[day])
		}
		all = append(all, got...)
		if day == 9 {
			r.clock.set(aprilAt(day, 12))
			r.pay("UMOJA", "baraka", barakaOwes.StringFixed(2), chama.ForRepayment)
		}
	}
	amount, _ := kes(jumaOwes.StringFixed(2))
	penalty, _ := kes(jumaOwes.Mul(remDec("0.05")).Round(2).StringFixed(2))
	for _, s := range all {
		switch s.Kind {
		case "remind.instalment":
			owes := map[string]decimal.Decimal{"juma": jumaOwes, "baraka": barakaOwes}[s.Name]
			a, _ := kes(owes.StringFixed(2))
			if !strings.Contains(s.Text, a) || !strings.Contains(s.Text, "10/04/2026") || !strings.Contains(s.Text, "*384*12*3*2#") {
				t.Errorf("%s's instalment reminder: %q (owes %s)", s.Name, s.Text, a)
			}
		case "remind.instalment_overdue":
			want := fmt.Sprintf("UMOJA: instalment 1 of loan #%d (%s) due on 10/04/2026 is late. Late penalty: %s. Dial *384*12*3*2# to repay.",
				loans["juma"], amount, penalty)
			if s.Text != want {
				t.Errorf("overdue instalment:\n got %q\nwant %q", s.Text, want)
			}
		}
	}
}

// TestRemindersRunTwiceAtOnce runs the reminders from four workers at the same moment:
// each reminder is queued once.
func TestRemindersRunTwiceAtOnce(t *testing.T) {
	r := newRemRig(t)
	r.person("wanjiru", "sw")
	var members []remMember
	for i := range 30 {
		name := fmt.Sprintf("m%02d", i)
		r.person(name, []string{"sw", "en"}[i%2])
		members = append(members, remMember{name, chama.RoleMember})
	}
	r.group("UMOJA", rules.Default(), "wanjiru", members...)
	if _, err := r.groups.RaiseDues(r.ctx, "UMOJA"); err != nil {
		t.Fatal(err)
	}
	r.clock.set(eatAt(3, 22)) // in quiet hours: deferred, still once
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Go(func() {
			n, err := r.reminders.Run(r.ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	got := r.queued(total)
	if len(got) != 31 {
		t.Errorf("%d reminders queued by four runs at once (%v), want 31", len(got), counts)
	}
	seen := map[string]bool{}
	for _, s := range got {
		if seen[s.Name] {
			t.Errorf("%s reminded twice", s.Name)
		}
		seen[s.Name] = true
		if s.Kind != "remind.due" || !s.At.Equal(eatAt(4, 7)) {
			t.Errorf("%s: %s at %v, want remind.due at 07:00 on the 4th", s.Name, s.Kind, s.At)
		}
	}
	var stored int64
	r.db.Raw(`SELECT count(*) FROM sms_messages WHERE kind = 'remind.due'`).Scan(&stored)
	if stored != 31 {
		t.Errorf("%d messages stored, want 31", stored)
	}
}
