package chama_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/simswap"
	"github.com/kikundi/kikundi/ledger"
)

// clock is a test's time, moved by hand through a group's year.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// eat is a time of day in Nairobi.
func eat(y int, m time.Month, d, hour int) time.Time {
	return time.Date(y, m, d, hour, 0, 0, 0, time.FixedZone("EAT", 3*3600))
}

// payer records the payout orders chama hands to M-Pesa.
type payer struct {
	mu     sync.Mutex
	orders []chama.PayoutOrder
}

func (p *payer) Pay(_ context.Context, o chama.PayoutOrder) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.orders = append(p.orders, o)
	return nil
}

func (p *payer) taken() []chama.PayoutOrder {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.orders
	p.orders = nil
	return out
}

// notifier records the notices chama sends.
type notifier struct {
	mu      sync.Mutex
	notices []chama.Notice
}

func (n *notifier) Notify(_ context.Context, x chama.Notice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notices = append(n.notices, x)
	return nil
}

func (n *notifier) kinds(phone string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, x := range n.notices {
		if x.Phone == phone {
			out = append(out, x.Kind)
		}
	}
	return out
}

// world is one test's chama service over its own database.
type world struct {
	t      *testing.T
	ctx    context.Context
	s      *chama.Service
	l      *ledger.Ledger
	db     *gorm.DB
	clock  *clock
	payer  *payer
	notes  *notifier
	member map[string]chama.Actor // by name
	phones map[string]string
}

const testPIN = "2580"

func newWorld(t *testing.T, start time.Time) *world {
	t.Helper()
	db := dbtest.Postgres(t)
	w := &world{t: t, ctx: context.Background(), clock: &clock{now: start}, payer: &payer{}, notes: &notifier{},
		member: map[string]chama.Actor{}, phones: map[string]string{}, l: ledger.New(db), db: db}
	w.s = chama.New(chama.Options{DB: db, Payer: w.payer, Notifier: w.notes, Now: w.clock.Now, SIMSwaps: simswap.Sandbox{DB: db}})
	return w
}

// person registers a consenting person with a PIN; phone numbers are handed out in order.
func (w *world) person(name string) chama.Actor {
	w.t.Helper()
	phone := fmt.Sprintf("07%08d", 10000000+len(w.member)*1111)
	a := chama.Actor{Phone: phone, Channel: chama.USSD}
	if _, err := w.s.Register(w.ctx, phone, name, "sw"); err != nil {
		w.t.Fatalf("register %s: %v", name, err)
	}
	if err := w.s.GiveConsent(w.ctx, a); err != nil {
		w.t.Fatalf("consent %s: %v", name, err)
	}
	if err := w.s.SetPIN(w.ctx, a, "", testPIN); err != nil {
		w.t.Fatalf("pin %s: %v", name, err)
	}
	p, _ := w.s.PersonByPhone(w.ctx, phone)
	w.member[name] = a
	w.phones[name] = p.Phone
	return a
}

// group founds UMOJA with rules c: Wanjiru chairs, Otieno and Akinyi are treasurer and
// secretary, and each name in members joins as a member.
func (w *world) group(c rules.Constitution, members ...string) chama.Group {
	w.t.Helper()
	chair := w.person("wanjiru")
	g, err := w.s.CreateGroup(w.ctx, chair, chama.NewGroup{Code: "umoja", Name: "Umoja Women", Rules: c})
	if err != nil {
		w.t.Fatalf("create group: %v", err)
	}
	w.join(g, "otieno", chama.RoleTreasurer)
	w.join(g, "akinyi", chama.RoleSecretary)
	for _, m := range members {
		w.join(g, m, chama.RoleMember)
	}
	return g
}

func (w *world) join(g chama.Group, name string, role chama.Role) {
	w.t.Helper()
	a := w.person(name)
	if _, err := w.s.Invite(w.ctx, w.member["wanjiru"], g.Code, a.Phone, name, role); err != nil {
		w.t.Fatalf("invite %s: %v", name, err)
	}
	if _, err := w.s.Accept(w.ctx, a, g.Code); err != nil {
		w.t.Fatalf("accept %s: %v", name, err)
	}
}

var receipts int

// pay is name paying amount for a purpose through M-Pesa.
func (w *world) pay(g chama.Group, name, amount, purpose string) chama.Applied {
	w.t.Helper()
	receipts++
	ap, err := w.s.ReceivePayment(w.ctx, chama.Payment{Group: g.Code, Phone: w.member[name].Phone,
		Receipt: fmt.Sprintf("TST%07d", receipts), Amount: kes(amount), Purpose: purpose})
	if err != nil {
		w.t.Fatalf("%s pays %s: %v", name, amount, err)
	}
	return ap
}

// balance is a group account's balance.
func (w *world) balance(g chama.Group, code string) decimal.Decimal {
	w.t.Helper()
	acc, err := w.l.AccountByCode(w.ctx, g.BookID, code)
	if err != nil {
		w.t.Fatalf("account %s: %v", code, err)
	}
	return acc.Balance
}

// verify runs every ledger invariant.
func (w *world) verify() {
	w.t.Helper()
	for {
		n, err := w.l.ChainPending(w.ctx, 10000)
		if err != nil {
			w.t.Fatalf("chain: %v", err)
		}
		if n == 0 {
			break
		}
	}
	rep, err := w.l.Verify(w.ctx)
	if err != nil {
		w.t.Fatalf("verify: %v", err)
	}
	if !rep.OK {
		var b []byte
		for _, c := range rep.Checks {
			if len(c.Violations) > 0 {
				b = fmt.Appendf(b, "%s: %v\n", c.Name, c.Violations)
			}
		}
		w.t.Fatalf("ledger verify found violations:\n%s", b)
	}
}

func kes(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func eq(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(kes(want)) {
		t.Errorf("%s = %s, want %s", what, got.StringFixed(2), want)
	}
}
