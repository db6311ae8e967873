package ussd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/ussd"
	"github.com/kikundi/kikundi/ussd/hop"
)

// payoutLog records the payout orders chama hands to M-Pesa.
type payoutLog struct {
	mu     sync.Mutex
	orders []chama.PayoutOrder
}

func (l *payoutLog) Pay(_ context.Context, o chama.PayoutOrder) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.orders = append(l.orders, o)
	return nil
}

func (l *payoutLog) taken() []chama.PayoutOrder {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.orders
	l.orders = nil
	return out
}

// testClock is chama's clock in a journey that crosses a period.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// withChama rebuilds the rig's chama (and the engine over it) from opts, on the rig's
// database.
func (r *rig) withChama(opts chama.Options) {
	opts.DB = r.db
	r.groups = chama.New(opts)
	r.engine = ussd.New(ussd.Options{Store: r.store, Groups: r.groups, Payments: r.pay})
}

// The people of the groups these journeys build, and their PINs.
var (
	numbers = map[string]string{"wanjiru": "0711000001", "otieno": "0711000002", "akinyi": "0711000003",
		"baraka": "0711000004", "chebet": "0711000005", "daudi": "0711000006"}
	pins = map[string]string{"wanjiru": "4826", "otieno": "5821", "akinyi": "5821", "baraka": "5821", "chebet": "5821", "daudi": "5821"}
)

// onboard takes a new number through the first dial by USSD: language, consent, name and
// PIN twice; it returns the screen that follows.
func (r *rig) onboard(name, lang string) (*phone, hop.Response) {
	r.t.Helper()
	p := r.phone(numbers[name])
	p.dial("on-" + name)
	key := map[string]string{"sw": "1", "en": "2"}[lang]
	var resp hop.Response
	for _, in := range []string{key, "1", name, pins[name], pins[name]} {
		resp = p.press(in)
	}
	return p, resp
}

// found builds group UMOJA under c: wanjiru onboards by USSD (in chairLang) and founds it,
// otieno and akinyi are invited as treasurer and secretary, the others as members, and
// each onboards by USSD in English and joins.
func (r *rig) found(c rules.Constitution, chairLang string, members ...string) {
	r.t.Helper()
	r.onboard("wanjiru", chairLang)
	ca := chama.Actor{Phone: numbers["wanjiru"], Channel: chama.SMS}
	if _, err := r.groups.CreateGroup(r.ctx, ca, chama.NewGroup{Code: "UMOJA", Name: "Umoja", Rules: c}); err != nil {
		r.t.Fatal(err)
	}
	roles := map[string]chama.Role{"otieno": chama.RoleTreasurer, "akinyi": chama.RoleSecretary}
	for _, name := range append([]string{"otieno", "akinyi"}, members...) {
		role, ok := roles[name]
		if !ok {
			role = chama.RoleMember
		}
		if _, err := r.groups.Invite(r.ctx, ca, "UMOJA", numbers[name], name, role); err != nil {
			r.t.Fatal(err)
		}
		p, _ := r.onboard(name, "en")
		expect(r.t, p.press("1"), false, "You have joined")
	}
}

// receiptSeq numbers the M-Pesa receipts of deposits.
var receiptSeq atomic.Int64

// deposit is an M-Pesa payment from a member to the group.
func (r *rig) deposit(name string, amount int64) {
	r.t.Helper()
	if _, err := r.groups.ReceivePayment(r.ctx, chama.Payment{Group: "UMOJA", Phone: numbers[name],
		Receipt: fmt.Sprintf("UKX%07d", receiptSeq.Add(1)), Amount: decimal.NewFromInt(amount)}); err != nil {
		r.t.Fatal(err)
	}
}

// approveAll has each official approve the one request waiting for them, by USSD.
func (r *rig) approveAll(shows string, officials ...string) {
	r.t.Helper()
	for _, name := range officials {
		o := r.phone(numbers[name])
		expect(r.t, o.dial("approve-"+name+fmt.Sprint(time.Now().UnixNano())), false, "Officials (1 to approve)")
		expect(r.t, o.press("8"), false, "Approvals (1)")
		expect(r.t, o.press("1"), false, shows)
		expect(r.t, o.press("1"), false, "Approve", "Reject")
		expect(r.t, o.press("1"), false, "PIN")
		expect(r.t, o.press(pins[name]), true, "Vote recorded")
	}
}

// readAll reads a screen to its last page (98 More) and returns every page's text.
func readAll(p *phone, resp hop.Response) (string, hop.Response) {
	text := resp.Text
	for strings.Contains(resp.Text, "\n98 ") {
		resp = p.press("98")
		text += "\n" + resp.Text
	}
	return text, resp
}

// hopText is text read over several pages, for expect.
func hopText(s string) hop.Response { return hop.Response{Text: s} }

func TestAnOfficialInvitesAMemberByUSSD(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	chair, _ := r.onboard("wanjiru", "sw")
	expect(t, chair.press("1"), false, "msimbo")
	chair.press("UMOJA")
	expect(t, chair.press("Umoja"), true, "UMOJA")

	// Before any money moves, an office can be filled by invitation.
	expect(t, chair.dial("inv1"), false, "Viongozi (idhini 0)")
	expect(t, chair.press("8"), false, "Viongozi:", "Idhini (0)", "Alika mwanachama", "Msaada wa ustawi", "Badilisha mchango", "Mgao")
	expect(t, chair.press("2"), false, "Nambari ya simu ya mwanachama mpya")
	expect(t, chair.press("12345"), false, "Nambari si sahihi")
	expect(t, chair.press("0711 000 002"), false, "Jina lake")
	expect(t, chair.press("Otieno"), false, "Mwalike Otieno kama", "Mwanachama", "Mweka hazina", "Katibu")
	expect(t, chair.press("2"), false, "Mwalike Otieno (0711 000 002) kama mweka hazina", "PIN")
	expect(t, chair.press("9999"), false, "PIN si sahihi. Majaribio 2")
	expect(t, chair.press("4826"), true, "Otieno amealikwa kama mweka hazina", "*384*12#")

	otieno, home := r.onboard("otieno", "en")
	expect(t, home, false, "Join Umoja")
	expect(t, otieno.press("1"), false, "You have joined", "Officials (0 to approve)")

	// Once money has moved, offices change by approval only: the chama's sentence says so.
	r.deposit("wanjiru", 1000)
	expect(t, otieno.dial("inv2"), false, "Officials")
	otieno.press("8")
	otieno.press("2")
	otieno.press("0711000003")
	otieno.press("Akinyi")
	expect(t, otieno.press("3"), false, "Invite Akinyi (0711 000 003) as secretary")
	expect(t, otieno.press("5821"), true, "Someone already holds this office: once money has moved, offices change by approval.")
	chair.dial("inv3")
	for _, in := range []string{"8", "2", "0711000003", "Akinyi", "3"} {
		chair.press(in)
	}
	expect(t, chair.press("4826"), true, "pesa zimeshaanza kusonga")

	// A member can still be invited, and joins by USSD.
	chair.dial("inv4")
	for _, in := range []string{"8", "2", "0711000004", "Baraka Mwangi", "1"} {
		chair.press(in)
	}
	expect(t, chair.press("4826"), true, "Baraka Mwangi amealikwa kama mwanachama")
	baraka, home := r.onboard("baraka", "en")
	expect(t, home, false, "Join Umoja")
	expect(t, baraka.press("1"), false, "You have joined UMOJA", "Contribute")
	ms, err := r.groups.Memberships(r.ctx, numbers["baraka"])
	if err != nil || len(ms) != 1 || ms[0].Member.Status != "active" || ms[0].Member.Role != chama.RoleMember {
		t.Fatalf("baraka's memberships: %+v, %v", ms, err)
	}
	// The shortcut an SMS ADD reply gives lands on the name, the number keyed.
	expect(t, chair.dial("inv-sms", "8", "2", numbers["daudi"]), false, "Jina lake")
	chair.press("Daudi")
	chair.press("1")
	expect(t, chair.press("4826"), true, "Daudi amealikwa kama mwanachama")
	// Inviting them again is refused at once.
	chair.dial("inv5")
	chair.press("8")
	chair.press("2")
	expect(t, chair.press("0711000004"), false, "Tayari ni mwanachama", "Nambari ya simu ya mwanachama mpya")
}

func TestAWelfareGrantApprovedByTwoOfficialsThroughUSSD(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	paid := &payoutLog{}
	r.withChama(chama.Options{Payer: paid})
	c := rules.Default()
	c.Welfare = decimal.NewFromInt(100)
	r.found(c, "en", "baraka")
	r.raiseDues("UMOJA")
	for _, name := range []string{"wanjiru", "otieno", "akinyi", "baraka"} {
		r.deposit(name, 600) // 500 contribution, 100 to the welfare fund
	}

	chair := r.phone(numbers["wanjiru"])
	expect(t, chair.dial("wf"), false, "Officials (0 to approve)")
	chair.press("8")
	expect(t, chair.press("3"), false, "Phone number of the member to help")
	expect(t, chair.press("0711999999"), false, "not an active member")
	expect(t, chair.press(numbers["baraka"]), false, "Welfare fund: KES 400.00", "How much for baraka")
	expect(t, chair.press("5"), false, "Not a valid amount")
	expect(t, chair.press("300"), false, "Reason", "Funeral", "Illness", "Childbirth", "Other emergency")
	expect(t, chair.press("1"), false, "Welfare grant of KES 300.00 to baraka (Funeral)", "PIN")
	expect(t, chair.press("4826"), true, "sent", "waits for 2 officials")

	// The shortcut an SMS PAYOUT reply gives lands on the reason, phone and amount keyed.
	expect(t, chair.dial("wf-sms", "8", "3", numbers["baraka"], "200"), false, "Reason", "Funeral")

	r.approveAll("KES 300.00 (Funeral)", "otieno", "akinyi")
	orders := paid.taken()
	if len(orders) != 1 || orders[0].Purpose != chama.PurposeWelfare || !orders[0].Amount.Equal(decimal.NewFromInt(300)) ||
		orders[0].Phone != "+254711000004" {
		t.Fatalf("payout orders: %+v", orders)
	}
}

func TestACashContributionIsCreditedOnlyOnceASecondOfficialConfirms(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.found(rules.Default(), "en", "baraka")
	r.raiseDues("UMOJA")
	baraka := chama.Actor{Phone: numbers["baraka"], Channel: chama.USSD}

	chair := r.phone(numbers["wanjiru"])
	chair.dial("cash")
	chair.press("8")
	expect(t, chair.press("6"), false, "Phone number of the member who handed you cash")
	expect(t, chair.press(numbers["baraka"]), false, "How much did baraka hand you")
	expect(t, chair.press("250000"), false, "Enter whole shillings, 1 to 100,000")
	expect(t, chair.press("700"), false, "You received KES 700.00 in cash from baraka", "PIN")
	expect(t, chair.press("0000"), false, "Wrong PIN")
	expect(t, chair.press(pins["wanjiru"]), true, "Recorded as #", "Once another official confirms")
	if pos, err := r.groups.Position(r.ctx, baraka, "UMOJA"); err != nil || !pos.Savings.IsZero() {
		t.Fatalf("savings before confirmation: %+v, %v", pos, err)
	}

	r.approveAll("cash contribution KES 700.00", "otieno")
	pos, err := r.groups.Position(r.ctx, baraka, "UMOJA")
	if err != nil || !pos.Savings.Equal(decimal.NewFromInt(700)) {
		t.Fatalf("savings after confirmation: %+v, %v", pos, err)
	}
	gp, err := r.groups.GroupStatement(r.ctx, baraka, "UMOJA")
	if err != nil || !gp.CashInHand.Equal(decimal.NewFromInt(700)) || !gp.Cash.IsZero() {
		t.Errorf("group: cash in hand %v, cash at Kikundi %v, %v", gp.CashInHand, gp.Cash, err)
	}
	// The shortcut an SMS CASH reply gives lands on the PIN, the member and amount keyed.
	expect(t, chair.dial("cash-sms", "8", "6", numbers["baraka"], "300"), false, "You received KES 300.00 in cash from baraka", "PIN")
	expect(t, chair.press(pins["wanjiru"]), true, "Recorded as #")

	b := r.phone(numbers["baraka"])
	b.dial("cash-group")
	expect(t, b.press("6"), false, "Cash: KES 0.00", "Cash with officials: KES 700.00")
	expect(t, b.press("1"), true, "wanjiru: paid up, holds cash KES 700.00", "baraka: paid up")
}

func TestAMemberWithdrawsSavingsOnceTwoOfficialsApprove(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	paid := &payoutLog{}
	r.withChama(chama.Options{Payer: paid})
	r.found(rules.Default(), "en", "baraka")
	r.deposit("baraka", 1500)

	b := r.phone(numbers["baraka"])
	b.dial("wd")
	expect(t, b.press("2"), false, "Available: KES 1,500.00", "1. Withdraw savings")
	expect(t, b.press("1"), false, "Available: KES 1,500.00. How much to withdraw")
	expect(t, b.press("900"), false, "Ask to withdraw KES 900.00", "PIN")
	expect(t, b.press(pins["baraka"]), true, "sent", "waits for 2 officials")

	r.approveAll("withdrawal KES 900.00", "wanjiru", "otieno")
	orders := paid.taken()
	if len(orders) != 1 || orders[0].Purpose != chama.PurposeWithdrawal || !orders[0].Amount.Equal(decimal.NewFromInt(900)) ||
		orders[0].Phone != "+254711000004" {
		t.Fatalf("payout orders: %+v", orders)
	}
}

func TestAContributionChangeTakesEffectFromTheNextPeriod(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	clock := &testClock{now: time.Date(2026, 1, 10, 9, 0, 0, 0, time.FixedZone("EAT", 3*3600))}
	r.withChama(chama.Options{Now: clock.Now})
	r.found(rules.Default(), "en")

	chair := r.phone(numbers["wanjiru"])
	chair.dial("ct1")
	chair.press("8")
	expect(t, chair.press("4"), false, "The contribution is KES 500.00 a month", "New amount per month")
	expect(t, chair.press("500"), false, "That is the contribution already")
	expect(t, chair.press("800"), false, "New contribution: KES 800.00 a month (now KES 500.00), from the next period once approved", "PIN")
	expect(t, chair.press("4826"), true, "Proposal #", "KES 800.00 a month from the next period, once 2 officials approve")

	r.approveAll("contribution KES 800.00", "otieno", "akinyi")

	// The rest of this period keeps the old amount.
	chair.dial("ct2")
	chair.press("8")
	expect(t, chair.press("4"), false, "The contribution is KES 500.00 a month")
	expect(t, chair.press("00"), false, "Contribute") // leaving the flow: nothing to resume

	// The next period asks for the new one.
	clock.set(time.Date(2026, 2, 11, 9, 0, 0, 0, time.FixedZone("EAT", 3*3600)))
	chair.dial("ct3")
	chair.press("8")
	expect(t, chair.press("4"), false, "The contribution is KES 800.00 a month")
	r.raiseDues("UMOJA")
	b := r.phone(numbers["otieno"])
	b.dial("ct4")
	expect(t, b.press("1"), false, "You owe KES 800.00")
}

func TestAShareOutPreviewShowsEveryMemberAndIsRequestedWithThePIN(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	paid := &payoutLog{}
	r.withChama(chama.Options{Payer: paid})
	r.found(rules.Default(), "en", "baraka", "chebet", "daudi")
	savings := map[string]int64{"wanjiru": 1000, "otieno": 2000, "akinyi": 3000, "baraka": 4000, "chebet": 5000, "daudi": 6000}
	for name, amount := range savings {
		r.deposit(name, amount)
	}

	chair := r.phone(numbers["wanjiru"])
	chair.dial("so")
	chair.press("8")
	all, last := readAll(chair, chair.press("5"))
	for _, want := range []string{"Share-out, cycle 1", "Fund KES 21,000.00", "wanjiru: KES 1,000.00", "otieno: KES 2,000.00",
		"akinyi: KES 3,000.00", "baraka: KES 4,000.00", "chebet: KES 5,000.00", "daudi: KES 6,000.00"} {
		if !strings.Contains(all, want) {
			t.Errorf("share-out preview lacks %q:\n%s", want, all)
		}
	}
	expect(t, last, false, "Request the share-out")
	expect(t, chair.press("1"), false, "paying out KES 21,000.00 to 6 members and closing cycle 1", "PIN")
	expect(t, chair.press("4826"), true, "waits for 2 officials")

	r.approveAll("share-out", "otieno", "akinyi")
	orders := paid.taken()
	got := map[string]string{}
	for _, o := range orders {
		if o.Purpose != chama.PurposeShareOut {
			t.Errorf("payout %+v is not a share-out", o)
		}
		got[o.Phone] = o.Amount.String()
	}
	for name, amount := range savings {
		e164 := "+254" + numbers[name][1:]
		if got[e164] != fmt.Sprint(amount) {
			t.Errorf("%s is paid %q, want %d (all: %v)", name, got[e164], amount, got)
		}
	}
}

func TestChangingThePINThroughUSSD(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	rdb, prefix := dbtest.Redis(t)
	r.store = ussd.NewRedisStore(rdb, prefix)
	r.engine = ussd.New(ussd.Options{Store: r.store, Groups: r.groups, Payments: r.pay})
	r.found(rules.Default(), "en")

	// noPINInSession fails if any session or resumable flow holds either PIN as a value.
	noPINInSession := func() {
		t.Helper()
		keys, err := rdb.Keys(r.ctx, prefix+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			raw, err := rdb.Get(r.ctx, k).Result()
			if err != nil {
				continue
			}
			var s struct {
				Data map[string]string `json:"data"`
			}
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				t.Fatalf("session %s: %v", k, err)
			}
			for dk, v := range s.Data {
				if v == "5821" || v == "7391" {
					t.Fatalf("session %s keeps a PIN in clear under %q", k, dk)
				}
			}
		}
	}

	o := r.phone(numbers["otieno"])
	o.dial("pin1")
	expect(t, o.press("7"), false, "Change language", "Change PIN")
	expect(t, o.press("2"), false, "Choose a new 4-digit PIN")
	expect(t, o.press("1234"), false, "too easy")
	expect(t, o.press("7391"), false, "current PIN")
	expect(t, o.press("0000"), false, "Wrong PIN. 2 tries left")
	expect(t, o.press("5821"), false, "new PIN again")
	noPINInSession()
	expect(t, o.press("7392"), false, "do not match", "Choose a new 4-digit PIN")
	expect(t, o.press("5821"), false, "current PIN")
	expect(t, o.press("5821"), false, "same as the current one", "Choose a new 4-digit PIN")
	expect(t, o.press("7391"), false, "current PIN")
	expect(t, o.press("5821"), false, "new PIN again")
	noPINInSession()
	expect(t, o.press("7391"), true, "Your PIN has been changed")

	// The old PIN no longer confirms anything; the new one does.
	o.dial("pin2")
	o.press("1")
	expect(t, o.press("700"), false, "Contribute KES 700.00", "PIN")
	expect(t, o.press("5821"), false, "Wrong PIN. 2 tries left")
	expect(t, o.press("7391"), true, "M-Pesa request for KES 700.00")
}

// TestPINScreensStayOnOnePage: a PIN screen takes text (98 there is a PIN, not More), so
// with the longest names and amounts and a wrong-PIN line above it, it must fit one page.
func TestPINScreensStayOnOnePage(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.found(rules.Default(), "sw", "baraka")
	long := strings.Repeat("Nyambura ", 7)[:60]
	chair := r.phone(numbers["wanjiru"])
	onePage := func(resp hop.Response) {
		t.Helper()
		expect(t, resp, false, "PIN si sahihi")
		if strings.Contains(resp.Text, "\n98 ") {
			t.Fatalf("a PIN screen runs over pages:\n%s", resp.Text)
		}
	}
	flows := [][]string{
		{"8", "2", "0799999999", long, "2"},                     // invite a treasurer with a 60-letter name
		{"8", "3", numbers["baraka"], "250000", "4"},            // welfare grant
		{"8", "4", "250000"},                                    // contribution
		{"8", "5", "1"},                                         // share-out
		{"4", "1", numbers["baraka"], "250000", "12", "1", "1"}, // peer offer
	}
	for i, flow := range flows {
		chair.dial(fmt.Sprint("long", i))
		for _, in := range flow {
			chair.press(in)
		}
		onePage(chair.press("0000"))
		chair.press(pins["wanjiru"]) // the right PIN resets the count of wrong ones
	}
}

// TestAShortPotIsPaidOnceTheOfficialsApprove: Chebet has not paid this week, and Wanjiru,
// whose turn it is, cannot wait: an official asks from the officials' menu (9), the
// others approve, and what is in the pot goes to her.
func TestAShortPotIsPaidOnceTheOfficialsApprove(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	paid := &payoutLog{}
	clock := &testClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("EAT", 3*3600))}
	r.withChama(chama.Options{Payer: paid, Now: clock.Now})
	c := rules.Default()
	c.Rotation, c.RotationOrder, c.Frequency, c.DueDay, c.Contribution = true, rules.RotationJoining, rules.Weekly, 5, decimal.NewFromInt(200)
	r.found(c, "en", "baraka", "chebet")
	r.raiseDues("UMOJA")
	for _, name := range []string{"wanjiru", "otieno", "akinyi", "baraka"} {
		r.deposit(name, 200)
	}

	o := r.phone(numbers["otieno"])
	o.dial("pot")
	o.press("8")
	expect(t, o.press("9"), false, "paying wanjiru the pot of period 1 now", "PIN")
	expect(t, o.press(pins["otieno"]), true, "sent", "waits for 2 officials")
	r.approveAll("merry-go-round", "wanjiru", "akinyi")
	orders := paid.taken()
	if len(orders) != 1 || orders[0].Purpose != chama.PurposeRotation || !orders[0].Amount.Equal(decimal.NewFromInt(800)) ||
		orders[0].Phone != "+254711000001" {
		t.Fatalf("payout orders: %+v", orders)
	}
	o.dial("pot2")
	o.press("8")
	expect(t, o.press("9"), true, "No merry-go-round pot is waiting")
}
