package ussd_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/ussd"
	"github.com/kikundi/kikundi/ussd/hop"
	"github.com/kikundi/kikundi/ussd/screen"
)

// payments records the STK pushes the menus ask for.
type payments struct {
	mu    sync.Mutex
	asked []string
}

func (p *payments) Collect(_ context.Context, group, phone string, amount decimal.Decimal, purpose string, _ int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, group+" "+phone+" "+amount.String()+" "+purpose)
	return nil
}

type rig struct {
	t      *testing.T
	ctx    context.Context
	engine *ussd.Engine
	groups *chama.Service
	pay    *payments
	db     *gorm.DB
	store  *ussd.RedisStore
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := dbtest.Postgres(t)
	rdb, prefix := dbtest.Redis(t)
	r := &rig{t: t, ctx: context.Background(), groups: chama.New(chama.Options{DB: db}), pay: &payments{}, db: db,
		store: ussd.NewRedisStore(rdb, prefix)}
	r.engine = ussd.New(ussd.Options{Store: r.store, Groups: r.groups, Payments: r.pay})
	return r
}

// phone is one handset dialling as Africa's Talking carries it: the whole input path on
// every hop.
type phone struct {
	r       *rig
	number  string
	session string
	path    []string
}

func (r *rig) phone(number string) *phone {
	return &phone{r: r, number: number}
}

// dial starts a session (with an optional shortcut path) and returns the first screen.
func (p *phone) dial(session string, shortcut ...string) hop.Response {
	p.session, p.path = session, shortcut
	return p.send()
}

func (p *phone) send() hop.Response {
	p.r.t.Helper()
	resp, err := p.r.engine.Hop(p.r.ctx, hop.Request{Aggregator: "at", SessionID: p.session, Phone: p.number,
		ServiceCode: "*384*12#", Input: strings.Join(p.path, "*"), FullPath: true})
	if err != nil {
		p.r.t.Fatalf("hop %v: %v", p.path, err)
	}
	if !screen.Fits(resp.Text) {
		p.r.t.Fatalf("screen does not fit 182 GSM-7 characters (%d):\n%s", len(resp.Text), resp.Text)
	}
	return resp
}

// press types input and returns the next screen.
func (p *phone) press(in string) hop.Response {
	p.path = append(p.path, in)
	return p.send()
}

func expect(t *testing.T, resp hop.Response, end bool, parts ...string) {
	t.Helper()
	if resp.End != end {
		t.Fatalf("end = %v, want %v, screen:\n%s", resp.End, end, resp.Text)
	}
	for _, s := range parts {
		if !strings.Contains(resp.Text, s) {
			t.Fatalf("screen lacks %q:\n%s", s, resp.Text)
		}
	}
}

func TestOnboardingCreatingAGroupAndContributing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	w := r.phone("0711000001")
	expect(t, w.dial("s1"), false, "Kiswahili", "English")
	expect(t, w.press("2"), false, "We keep your number")
	expect(t, w.press("1"), false, "Enter your name")
	expect(t, w.press("Wanjiru Kamau"), false, "4-digit PIN")
	expect(t, w.press("1111"), false, "too easy")
	expect(t, w.press("4826"), false, "again")
	expect(t, w.press("4862"), false, "do not match")
	expect(t, w.press("4826"), false, "again")
	expect(t, w.press("4826"), false, "PIN set", "not in a group", "Create a group")
	expect(t, w.press("1"), false, "group code")
	expect(t, w.press("umoja"), false, "name")
	expect(t, w.press("Umoja Women"), true, "Group UMOJA created")

	// Next session: straight into UMOJA's menu; contributing offers what is due.
	r.raiseDues("UMOJA")
	expect(t, w.dial("s2"), false, "UMOJA", "Contribute", "Officials (0 to approve)")
	expect(t, w.press("1"), false, "You owe KES 500.00", "Enter 1")
	expect(t, w.press("1"), false, "Contribute KES 500.00 to UMOJA", "PIN")
	expect(t, w.press("9999"), false, "Wrong PIN. 2 tries left")
	expect(t, w.press("4826"), true, "M-Pesa request for KES 500.00")
	if len(r.pay.asked) != 1 || r.pay.asked[0] != "UMOJA +254711000001 500 contribution" {
		t.Fatalf("pushes asked: %v", r.pay.asked)
	}
	// Africa's Talking retries the last hop: the same screen, no second push.
	expect(t, w.send(), true, "M-Pesa request for KES 500.00")
	if len(r.pay.asked) != 1 {
		t.Fatalf("a retried hop pushed again: %v", r.pay.asked)
	}
}

func (r *rig) raiseDues(code string) {
	r.t.Helper()
	if _, err := r.groups.RaiseDues(r.ctx, code); err != nil {
		r.t.Fatal(err)
	}
}

func TestADirectDialShortcutAndAResumedSession(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	w := r.phone("0711000001")
	w.dial("a")
	for _, in := range []string{"1", "1", "Wanjiru", "4826", "4826", "1", "UMOJA", "Umoja"} {
		w.press(in)
	}
	// *384*12*1*700# goes straight to confirming a contribution of 700.
	expect(t, w.dial("b", "1", "700"), false, "Changia KES 700.00 kwa UMOJA", "PIN")
	// The line drops here. Dialling again offers to continue.
	expect(t, w.dial("c"), false, "Endelea ulipoishia")
	expect(t, w.press("1"), false, "Changia KES 700.00")
	expect(t, w.press("4826"), true, "M-Pesa")
	if len(r.pay.asked) != 1 {
		t.Fatalf("pushes: %v", r.pay.asked)
	}
}

func TestInvitedMemberJoinsAndAnOfficialApproves(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	chair := r.phone("0711000001")
	chair.dial("a")
	for _, in := range []string{"1", "1", "Wanjiru", "4826", "4826", "1", "UMOJA", "Umoja"} {
		chair.press(in)
	}
	// The chair invites a treasurer and a member (by SMS in the product; here directly).
	ca := chama.Actor{Phone: "0711000001", Channel: chama.SMS}
	if _, err := r.groups.Invite(r.ctx, ca, "UMOJA", "0711000002", "Otieno", chama.RoleTreasurer); err != nil {
		t.Fatal(err)
	}
	if _, err := r.groups.Invite(r.ctx, ca, "UMOJA", "0711000003", "Baraka", chama.RoleMember); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"0711000002", "0711000003"} {
		p := r.phone(n)
		expect(t, p.dial("j"+n), false, "Kiswahili")
		for _, in := range []string{"1", "1", "Jina", "5821", "5821"} {
			p.press(in)
		}
		expect(t, p.press("1"), false, "Umejiunga", "Changia")
	}
	// The member asks to withdraw (by USSD later; here directly): the chair approves.
	if _, err := r.groups.ReceivePayment(r.ctx, chama.Payment{Group: "UMOJA", Phone: "0711000003", Receipt: "UKM0000001",
		Amount: decimal.NewFromInt(2000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.groups.Withdraw(r.ctx, chama.Actor{Phone: "0711000003", Channel: chama.USSD}, "UMOJA", decimal.NewFromInt(500)); err != nil {
		t.Fatal(err)
	}
	expect(t, chair.dial("v"), false, "Viongozi (idhini 1)")
	chair.press("8")
	expect(t, chair.press("1"), false, "kutoa akiba", "KES 500.00")
	expect(t, chair.press("1"), false, "Kubali", "Kataa")
	expect(t, chair.press("1"), false, "PIN")
	expect(t, chair.press("4826"), true, "Kura imepokelewa", "inasubiri kura zaidi")
}

// TestALoanThroughUSSD: a member asks for a loan, reads the disclosure, names two
// guarantors; they pledge from their own phones; two officials approve; the money is sent.
func TestALoanThroughUSSD(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	var paid []chama.PayoutOrder
	r.groups = chama.New(chama.Options{DB: r.db, Payer: payerFunc(func(_ context.Context, o chama.PayoutOrder) error {
		paid = append(paid, o)
		return nil
	})})
	r.engine = ussd.New(ussd.Options{Store: r.store, Groups: r.groups, Payments: r.pay})
	people := map[string]string{"chair": "0711000001", "treasurer": "0711000002", "secretary": "0711000003",
		"baraka": "0711000004", "chebet": "0711000005", "daudi": "0711000006"}
	chair := r.phone(people["chair"])
	chair.dial("a")
	for _, in := range []string{"1", "1", "Wanjiru", "4826", "4826", "1", "UMOJA", "Umoja"} {
		chair.press(in)
	}
	ca := chama.Actor{Phone: people["chair"], Channel: chama.SMS}
	roles := map[string]chama.Role{"treasurer": chama.RoleTreasurer, "secretary": chama.RoleSecretary}
	for _, name := range []string{"treasurer", "secretary", "baraka", "chebet", "daudi"} {
		role, ok := roles[name]
		if !ok {
			role = chama.RoleMember
		}
		if _, err := r.groups.Invite(r.ctx, ca, "UMOJA", people[name], name, role); err != nil {
			t.Fatal(err)
		}
		p := r.phone(people[name])
		p.dial("j" + name)
		for _, in := range []string{"2", "1", name, "5821", "5821", "1"} {
			p.press(in)
		}
	}
	for i, name := range []string{"baraka", "chebet", "daudi"} {
		if _, err := r.groups.ReceivePayment(r.ctx, chama.Payment{Group: "UMOJA", Phone: people[name],
			Receipt: fmt.Sprintf("UKM000010%d", i), Amount: decimal.NewFromInt(3000)}); err != nil {
			t.Fatal(err)
		}
	}
	b := r.phone(people["baraka"])
	expect(t, b.dial("loan"), false, "Loans")
	expect(t, b.press("3"), false, "Request a loan", "Guarantee requests (0)")
	expect(t, b.press("1"), false, "Loan amount")
	expect(t, b.press("6000"), false, "over how many months? (1-12)")
	screen1 := b.press("3")
	expect(t, screen1, false, "Loan KES 6,000.00 over 3 months", "Total cost of credit")
	for strings.Contains(screen1.Text, "98 More") { // the disclosure runs over pages: read them all
		screen1 = b.press("98")
	}
	expect(t, screen1, false, "I accept these terms")
	expect(t, b.press("1"), false, "guarantor 1 of 2")
	expect(t, b.press(people["chebet"]), false, "guarantor 2 of 2")
	expect(t, b.press(people["daudi"]), false, "PIN")
	expect(t, b.press("5821"), true, "guarantors have been asked")
	for _, name := range []string{"chebet", "daudi"} {
		g := r.phone(people[name])
		g.dial("g" + name)
		g.press("3")
		expect(t, g.press("4"), false, "baraka", "KES 1,500.00")
		expect(t, g.press("1"), false, "Guarantee", "Decline")
		expect(t, g.press("1"), false, "PIN")
		expect(t, g.press("5821"), true, "recorded")
	}
	for _, name := range []string{"chair", "treasurer"} {
		o := r.phone(people[name])
		pinCode := "5821"
		lang := "en"
		if name == "chair" {
			pinCode, lang = "4826", "sw"
		}
		_ = lang
		o.dial("o" + name)
		o.press("8") // officials
		o.press("1") // approvals
		o.press("1") // the loan
		o.press("1") // approve
		o.press(pinCode)
	}
	if len(paid) != 1 || !paid[0].Amount.Equal(decimal.NewFromInt(6000)) {
		t.Fatalf("payouts sent: %+v", paid)
	}
}

type payerFunc func(context.Context, chama.PayoutOrder) error

func (f payerFunc) Pay(ctx context.Context, o chama.PayoutOrder) error { return f(ctx, o) }
