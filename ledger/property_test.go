package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/ledger"
)

// The concurrency property test: workers post random money events into one book at once,
// through every write path (Post, PostBatch, the Batcher, holds, reversals, transactions),
// then the test recomputes the books on its own and compares. Each worker draws from its
// own generator, seeded from propertySeed and its number, so a failing sequence of
// operations replays exactly (only the interleaving between workers varies).
const (
	propertySeed     = 0x6b696b756e6469 // "kikundi"
	propertyWorkers  = 16
	propertyOps      = 150 // per worker
	propertyMembers  = 12
	propertyBursts   = 8 // rounds of one idempotency key sent by several callers at once
	burstCallers     = 6
	holdBurstCallers = 4
)

// property is the shared state of one run.
type property struct {
	t       *testing.T
	b       *books
	l       *ledger.Ledger
	batcher *ledger.Batcher

	cash                                ledger.Account // the hot account: nearly every event moves it
	bank, loans, reserve                ledger.Account // assets and equity that may not go negative
	fines, interest, expenses, suspense ledger.Account // may go either way
	members                             []ledger.Account
	burstMember                         ledger.Account // only the bursts touch it

	mu       sync.Mutex
	outcomes map[string]int // "op outcome" -> count
	failures atomic.Int64
}

// sentinelNames names the refusals a run may meet, for the tally of outcomes.
var sentinelNames = map[error]string{
	ledger.ErrInsufficientFunds: "insufficient_funds",
	ledger.ErrHoldExpired:       "hold_expired",
	ledger.ErrHoldNotPending:    "hold_not_pending",
	ledger.ErrAlreadyReversed:   "already_reversed",
	ledger.ErrUnbalanced:        "unbalanced",
}

// outcome records what an operation came to. An error that is not one of allowed fails the
// test; it reports whether the operation succeeded.
func (p *property) outcome(op string, err error, allowed ...error) bool {
	name := "ok"
	if err != nil {
		name = ""
		for _, want := range allowed {
			if errors.Is(err, want) {
				name = sentinelNames[want]
				break
			}
		}
		if name == "" {
			p.fail("%s: unexpected error %v", op, err)
			name = "unexpected"
		}
	}
	p.tally(op + " " + name)
	return err == nil
}

func (p *property) tally(what string) {
	p.mu.Lock()
	p.outcomes[what]++
	p.mu.Unlock()
}

// fail reports a broken property from any goroutine, without flooding the log.
func (p *property) fail(format string, args ...any) {
	if p.failures.Add(1) <= 20 {
		p.t.Errorf(format, args...)
	}
}

func newProperty(t *testing.T) *property {
	t.Helper()
	b := newBooks(t)
	p := &property{t: t, b: b, l: b.l, cash: b.cash, fines: b.fines, outcomes: map[string]int{}}
	open := func(code string, typ ledger.AccountType, allowNegative bool) ledger.Account {
		t.Helper()
		a, err := b.l.OpenAccount(context.Background(), ledger.AccountSpec{Book: b.group.ID, Code: code,
			Type: typ, Currency: ledger.KES, AllowNegative: allowNegative})
		if err != nil {
			t.Fatalf("open %s: %v", code, err)
		}
		return a
	}
	p.bank = open("bank", ledger.Asset, false)
	p.loans = open("loans", ledger.Asset, false)
	p.reserve = open("reserve", ledger.Equity, false)
	p.interest = open("interest-income", ledger.Income, true)
	p.expenses = open("expenses", ledger.Expense, true)
	p.suspense = open("suspense", ledger.Liability, true)
	p.members = []ledger.Account{b.alice, b.bob}
	for i := len(p.members); i < propertyMembers; i++ {
		p.members = append(p.members, open(fmt.Sprintf("savings:m%02d", i), ledger.Liability, false))
	}
	p.burstMember = open("savings:burst", ledger.Liability, false)
	return p
}

// worker is one goroutine's view: its generator and what it has written so far.
type worker struct {
	p       *property
	id      int
	rng     *rand.Rand
	ctx     context.Context
	batched bool // posts its single entries through the Batcher

	entries []int64       // entries it posted, candidates for reversal
	holds   []ledger.Hold // holds it placed and has not resolved
	replays []posted      // requests it may send again
	seq     int
}

type posted struct {
	req ledger.EntryRequest
	id  int64
}

func (w *worker) key(what string) string {
	w.seq++
	return fmt.Sprintf("prop:%d:%d:%s", w.id, w.seq, what)
}

// amount is between 0.01 and max shillings, to the cent.
func (w *worker) amount(max int) decimal.Decimal {
	return decimal.New(int64(w.rng.IntN(max*100)+1), -2)
}

func (w *worker) member() ledger.Account { return w.p.members[w.rng.IntN(len(w.p.members))] }

func (w *worker) entry(kind string, legs ...ledger.Leg) ledger.EntryRequest {
	return ledger.EntryRequest{Key: w.key(kind), Book: w.p.b.group.ID, Kind: kind, Currency: ledger.KES, Legs: legs}
}

// post writes one entry through the worker's path and checks the outcome.
func (w *worker) post(req ledger.EntryRequest, allowed ...error) {
	var e ledger.Entry
	var err error
	if w.batched {
		e, err = w.p.batcher.Post(w.ctx, req)
	} else {
		e, err = w.p.l.Post(w.ctx, req)
	}
	if w.p.outcome(req.Kind, err, allowed...) {
		if e.Replayed || e.ID == 0 {
			w.p.fail("%s %s: first post came back as %+v", req.Kind, req.Key, e)
		}
		w.entries = append(w.entries, e.ID)
		if len(w.replays) < 8 {
			w.replays = append(w.replays, posted{req, e.ID})
		}
	}
}

func (w *worker) step() {
	p := w.p
	switch r := w.rng.IntN(100); {
	case r < 18: // a contribution: always accepted
		a := w.amount(500)
		w.post(w.entry("contribution", ledger.Debit(p.cash.ID, a), ledger.Credit(w.member().ID, a)))
	case r < 30: // a withdrawal: savings and cash may not go negative
		a := w.amount(400)
		w.post(w.entry("withdrawal", ledger.Debit(w.member().ID, a), ledger.Credit(p.cash.ID, a)), ledger.ErrInsufficientFunds)
	case r < 36: // savings moved between members
		from, to := w.member(), w.member()
		if from.ID == to.ID {
			to = p.members[(slices.Index(p.members, from)+1)%len(p.members)]
		}
		a := w.amount(200)
		w.post(w.entry("transfer", ledger.Debit(from.ID, a), ledger.Credit(to.ID, a)), ledger.ErrInsufficientFunds)
	case r < 41: // one M-Pesa payment split over legs on the same accounts
		a, c := w.amount(100), w.amount(50)
		m := w.member()
		w.post(w.entry("contribution.split", ledger.Debit(p.cash.ID, a), ledger.Debit(p.cash.ID, c),
			ledger.Credit(m.ID, a), ledger.Credit(p.fines.ID, c)))
	case r < 46: // a fine and interest paid out of savings
		f, i := w.amount(30), w.amount(30)
		w.post(w.entry("fine.paid", ledger.Debit(w.member().ID, f.Add(i)), ledger.Credit(p.fines.ID, f),
			ledger.Credit(p.interest.ID, i)), ledger.ErrInsufficientFunds)
	case r < 50: // an expense from cash or the bank
		src := p.cash
		if w.rng.IntN(2) == 0 {
			src = p.bank
		}
		a := w.amount(300)
		w.post(w.entry("expense", ledger.Debit(p.expenses.ID, a), ledger.Credit(src.ID, a)), ledger.ErrInsufficientFunds)
	case r < 54: // cash banked, a loan out or back, the reserve topped up or drawn
		a := w.amount(300)
		switch w.rng.IntN(4) {
		case 0:
			w.post(w.entry("banking", ledger.Debit(p.bank.ID, a), ledger.Credit(p.cash.ID, a)), ledger.ErrInsufficientFunds)
		case 1:
			w.post(w.entry("loan.disbursement", ledger.Debit(p.loans.ID, a), ledger.Credit(p.cash.ID, a)), ledger.ErrInsufficientFunds)
		case 2:
			w.post(w.entry("loan.repayment", ledger.Debit(p.cash.ID, a), ledger.Credit(p.loans.ID, a)), ledger.ErrInsufficientFunds)
		default:
			w.post(w.entry("reserve", ledger.Debit(p.suspense.ID, a), ledger.Credit(p.reserve.ID, a)))
			more := a.Add(w.amount(100))
			w.post(w.entry("reserve.draw", ledger.Debit(p.reserve.ID, more), ledger.Credit(p.suspense.ID, more)), ledger.ErrInsufficientFunds)
		}
	case r < 66:
		w.hold()
	case r < 72:
		w.resolveHold()
	case r < 80:
		w.reverse()
	case r < 88:
		w.batch()
	case r < 91:
		if _, err := p.l.ExpireHolds(w.ctx, time.Now()); err != nil {
			p.fail("expire holds: %v", err)
		}
		p.tally("expire_holds ran")
	default:
		w.replay()
	}
}

// hold reserves a payout from a member's savings to the cash, expiring never, soon, or
// already, and sometimes resolves it at once.
func (w *worker) hold() {
	p := w.p
	req := ledger.HoldRequest{Key: w.key("hold"), Book: p.b.group.ID, Kind: "payout", Currency: ledger.KES,
		Debit: w.member().ID, Credit: p.cash.ID, Amount: w.amount(300)}
	switch w.rng.IntN(3) {
	case 1:
		req.ExpiresAt = time.Now().Add(time.Duration(20+w.rng.IntN(200)) * time.Millisecond)
	case 2:
		req.ExpiresAt = time.Now().Add(-time.Second)
	}
	h, err := p.l.Hold(w.ctx, req)
	if !p.outcome("hold.place", err, ledger.ErrInsufficientFunds) {
		return
	}
	if h.Replayed {
		p.fail("hold %s: a new key came back replayed", req.Key)
	}
	w.holds = append(w.holds, h)
	if w.rng.IntN(3) == 0 {
		w.resolveHold()
	}
}

// resolveHold posts (often partially), voids, or forgets one of the worker's holds.
func (w *worker) resolveHold() {
	p := w.p
	if len(w.holds) == 0 {
		return
	}
	i := w.rng.IntN(len(w.holds))
	h := w.holds[i]
	w.holds = slices.Delete(w.holds, i, i+1)
	rec, err := p.l.HoldByID(w.ctx, h.ID)
	if err != nil {
		p.fail("read hold %d: %v", h.ID, err)
		return
	}
	switch w.rng.IntN(4) {
	case 0, 1:
		amount := rec.Amount
		if w.rng.IntN(2) == 0 {
			amount = decimal.New(int64(w.rng.IntN(int(rec.Amount.Shift(2).IntPart()))+1), -2)
		}
		key := w.key("hold.post")
		e, err := p.l.PostHold(w.ctx, h.ID, amount, key)
		if !p.outcome("hold.post", err, ledger.ErrHoldExpired, ledger.ErrHoldNotPending) {
			return
		}
		if amount.LessThan(rec.Amount) {
			p.tally("hold.post partial")
		}
		w.entries = append(w.entries, e.ID)
		if again, err := p.l.PostHold(w.ctx, h.ID, amount, key); err != nil || again.ID != e.ID {
			p.fail("hold %d posted again with its key: %+v %v, want entry %d", h.ID, again, err, e.ID)
		}
	case 2:
		if p.outcome("hold.void", p.l.VoidHold(w.ctx, h.ID), ledger.ErrHoldNotPending) {
			p.outcome("hold.void again", p.l.VoidHold(w.ctx, h.ID))
		}
	default:
		// Left pending: it expires, or is still holding its money when the run ends.
	}
}

// reverse undoes one of the worker's entries, sometimes one already reversed.
func (w *worker) reverse() {
	p := w.p
	if len(w.entries) == 0 {
		return
	}
	orig := w.entries[w.rng.IntN(len(w.entries))]
	key := w.key("reversal")
	e, err := p.l.Reverse(w.ctx, orig, key, "property test")
	if !p.outcome("reversal", err, ledger.ErrAlreadyReversed, ledger.ErrInsufficientFunds) {
		return
	}
	w.entries = append(w.entries, e.ID)
	if again, err := p.l.Reverse(w.ctx, orig, key, "property test"); err != nil || again.ID != e.ID || !again.Replayed {
		p.fail("reversal %s replayed: %+v %v, want a replay of %d", key, again, err, e.ID)
	}
}

// batch sends PostBatch a mix: contributions (always accepted), withdrawals large enough to
// be refused now and then (some before a contribution to the same member that would cover
// them only afterwards), an unbalanced entry, and a contribution twice. One batch in four
// has 16 entries or more, which ledger_post writes set-based; half of those risk no refusal,
// so they are written in one statement rather than one by one.
func (w *worker) batch() {
	p := w.p
	type element struct {
		req     ledger.EntryRequest
		allowed []error
		dupOf   int // index of the element this one repeats, or -1
	}
	n, risky := 2+w.rng.IntN(5), true
	if w.rng.IntN(4) == 0 {
		n, risky = 16+w.rng.IntN(8), w.rng.IntN(2) == 0
	}
	contribution := func(m ledger.Account, a decimal.Decimal) element {
		if w.rng.IntN(3) == 0 { // paid in two parts: two legs on the cash
			c := w.amount(50)
			return element{w.entry("contribution", ledger.Debit(p.cash.ID, a), ledger.Debit(p.cash.ID, c), ledger.Credit(m.ID, a.Add(c))), nil, -1}
		}
		return element{w.entry("contribution", ledger.Debit(p.cash.ID, a), ledger.Credit(m.ID, a)), nil, -1}
	}
	withdrawal := func(m ledger.Account, a decimal.Decimal) element {
		return element{w.entry("withdrawal", ledger.Debit(m.ID, a), ledger.Credit(p.cash.ID, a)), []error{ledger.ErrInsufficientFunds}, -1}
	}
	var elems []element
	for len(elems) < n {
		switch k := w.rng.IntN(6); {
		case k <= 1 || (!risky && k <= 4):
			elems = append(elems, contribution(w.member(), w.amount(200)))
		case k == 2:
			elems = append(elems, withdrawal(w.member(), w.amount(2000)))
		case k == 3:
			m, a := w.member(), w.amount(500)
			elems = append(elems, withdrawal(m, a), contribution(m, a.Add(w.amount(100))))
		case k == 4:
			elems = append(elems, element{w.entry("unbalanced", ledger.Debit(p.cash.ID, kes("10")), ledger.Credit(w.member().ID, kes("9.99"))),
				[]error{ledger.ErrUnbalanced}, -1})
		default:
			for j, e := range elems {
				if e.req.Kind == "contribution" {
					elems = append(elems, element{e.req, nil, j})
					break
				}
			}
		}
	}
	reqs := make([]ledger.EntryRequest, len(elems))
	for i, e := range elems {
		reqs[i] = e.req
	}
	res := p.l.PostBatch(w.ctx, reqs)
	if len(res) != len(reqs) {
		p.fail("PostBatch: %d results for %d requests", len(res), len(reqs))
		return
	}
	refused := false
	for i, e := range elems {
		ok := p.outcome("batch."+e.req.Kind, res[i].Err, e.allowed...)
		refused = refused || !ok
		switch {
		case !ok:
		case e.dupOf >= 0:
			if !res[i].Entry.Replayed || res[i].Entry.ID != res[e.dupOf].Entry.ID {
				p.fail("PostBatch: repeated key %s gave %+v, want a replay of %+v", e.req.Key, res[i].Entry, res[e.dupOf].Entry)
			}
		case res[i].Entry.ID == 0 || res[i].Entry.Replayed:
			p.fail("PostBatch: %s gave %+v", e.req.Key, res[i].Entry)
		default:
			w.entries = append(w.entries, res[i].Entry.ID)
		}
	}
	switch {
	case refused:
		p.tally("batch with a refusal")
	case len(reqs) >= 16:
		p.tally("batch large all posted")
	}
}

// replay sends an earlier accepted request again: the same entry comes back.
func (w *worker) replay() {
	if len(w.replays) == 0 {
		return
	}
	r := w.replays[w.rng.IntN(len(w.replays))]
	var e ledger.Entry
	var err error
	if w.batched {
		e, err = w.p.batcher.Post(w.ctx, r.req)
	} else {
		e, err = w.p.l.Post(w.ctx, r.req)
	}
	if err != nil || !e.Replayed || e.ID != r.id {
		w.p.fail("replay of %s: %+v %v, want a replay of entry %d", r.req.Key, e, err, r.id)
	}
	w.p.tally("replay ok")
}

// burst sends one idempotency key from several callers at the same instant, each through
// another path, and checks that they all get the one entry.
func (p *property) burst(ctx context.Context, round int) {
	a := decimal.New(int64(1000+round), 0)
	req := ledger.EntryRequest{Key: fmt.Sprintf("shared:%d", round), Book: p.b.group.ID, Kind: "contribution",
		Memo: "sent by many", Currency: ledger.KES, Legs: []ledger.Leg{ledger.Debit(p.cash.ID, a), ledger.Credit(p.burstMember.ID, a)}}
	paths := []func() (ledger.Entry, error){
		func() (ledger.Entry, error) { return p.l.Post(ctx, req) },
		func() (ledger.Entry, error) { return p.batcher.Post(ctx, req) },
		func() (ledger.Entry, error) {
			other := ledger.EntryRequest{Key: req.Key + ":other", Book: req.Book, Kind: "withdrawal", Currency: ledger.KES,
				Legs: []ledger.Leg{ledger.Debit(p.members[round%len(p.members)].ID, kes("5000")), ledger.Credit(p.cash.ID, kes("5000"))}}
			res := p.l.PostBatch(ctx, []ledger.EntryRequest{other, req})
			p.outcome("burst withdrawal", res[0].Err, ledger.ErrInsufficientFunds)
			return res[1].Entry, res[1].Err
		},
		func() (ledger.Entry, error) {
			var e ledger.Entry
			err := p.l.Transaction(ctx, func(tx *ledger.Ledger) error {
				var err error
				e, err = tx.Post(ctx, req)
				return err
			})
			return e, err
		},
	}
	entries := make([]ledger.Entry, burstCallers)
	errs := make([]error, burstCallers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range burstCallers {
		wg.Go(func() {
			<-start
			entries[i], errs[i] = paths[i%len(paths)]()
		})
	}
	close(start)
	wg.Wait()
	fresh := 0
	for i := range burstCallers {
		if errs[i] != nil {
			p.fail("shared key %s, caller %d: %v", req.Key, i, errs[i])
			return
		}
		if !entries[i].Replayed {
			fresh++
		}
		if entries[i].ID != entries[0].ID {
			p.fail("shared key %s: callers got entries %d and %d", req.Key, entries[0].ID, entries[i].ID)
		}
	}
	if fresh != 1 {
		p.fail("shared key %s: %d callers were told they wrote it, want 1", req.Key, fresh)
	}
	p.tally("shared key entry")

	// Then one hold key. The first caller reserves 900 of the member's savings; in some
	// rounds that leaves too little for a second reservation, so the others must find the
	// first through the insufficient-funds path, in others through the unique key.
	hreq := ledger.HoldRequest{Key: fmt.Sprintf("shared:%d:hold", round), Book: p.b.group.ID, Kind: "payout",
		Currency: ledger.KES, Debit: p.burstMember.ID, Credit: p.cash.ID, Amount: kes("900")}
	holds := make([]ledger.Hold, holdBurstCallers)
	herrs := make([]error, holdBurstCallers)
	start = make(chan struct{})
	for i := range holdBurstCallers {
		wg.Go(func() {
			<-start
			holds[i], herrs[i] = p.l.Hold(ctx, hreq)
		})
	}
	close(start)
	wg.Wait()
	fresh = 0
	for i := range holdBurstCallers {
		if herrs[i] != nil || holds[i].ID != holds[0].ID {
			p.fail("shared hold key %s, caller %d: %+v %v, want hold %d", hreq.Key, i, holds[i], herrs[i], holds[0].ID)
			return
		}
		if !holds[i].Replayed {
			fresh++
		}
	}
	if fresh != 1 {
		p.fail("shared hold key %s: %d callers were told they placed it, want 1", hreq.Key, fresh)
	}
	if round%2 == 0 {
		_, err := p.l.PostHold(ctx, holds[0].ID, hreq.Amount, hreq.Key+":post")
		p.outcome("burst hold.post", err)
	} else {
		p.outcome("burst hold.void", p.l.VoidHold(ctx, holds[0].ID))
	}
	p.tally("shared key hold")
}

// chainAndVerify keeps chaining while the workers post, and checks every invariant of each
// committed snapshot as it goes.
func (p *property) chainAndVerify(ctx context.Context, done <-chan struct{}) {
	for i := 0; ; i++ {
		if _, err := p.l.ChainPending(ctx, 200); err != nil {
			p.fail("chain while posting: %v", err)
		}
		if i%10 == 9 {
			rep, err := p.l.Verify(ctx)
			switch {
			case err != nil:
				p.fail("verify while posting: %v", err)
			case !rep.OK:
				var sb stringsBuilder
				rep.WriteText(&sb)
				p.fail("verify while posting:\n%s", sb.String())
			}
			p.tally("verify while posting")
		}
		select {
		case <-done:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestConcurrentPostingKeepsEveryInvariant(t *testing.T) {
	t.Parallel()
	p := newProperty(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p.batcher = ledger.NewBatcher(p.l, 2, 16)

	var workers, background sync.WaitGroup
	for g := range propertyWorkers {
		w := &worker{p: p, id: g, rng: rand.New(rand.NewPCG(propertySeed, uint64(g))), ctx: ctx, batched: g%4 == 1}
		workers.Go(func() {
			for range propertyOps {
				w.step()
			}
		})
	}
	workers.Go(func() {
		for round := range propertyBursts {
			p.burst(ctx, round)
		}
	})
	done := make(chan struct{})
	background.Go(func() { p.chainAndVerify(ctx, done) })
	workers.Wait()
	close(done)
	background.Wait()
	p.batcher.Close()
	if st := p.batcher.Stats(); st.Batches == 0 || st.Entries < st.Batches {
		t.Errorf("Batcher stats %+v: every batch it wrote holds at least one entry", st)
	}
	if _, err := p.l.ExpireHolds(ctx, time.Now()); err != nil {
		t.Fatalf("expire holds: %v", err)
	}
	t.Logf("seed %#x; outcomes: %v", propertySeed, p.outcomes)
	if t.Failed() {
		t.FailNow()
	}

	p.b.mustVerify(t)
	p.recompute(t, ctx)
	p.checkSharedKeys(t, ctx)
	p.checkCoverage(t)
	p.checkNoDeadlocks(t, ctx)
}

// checkNoDeadlocks asks Postgres how many deadlocks it broke in this test's database. Every
// path locks accounts in one global order, so there must be none: the ledger retries a
// deadlock silently, but each costs its victims deadlock_timeout (a second) and kills
// callers that cannot retry (holds, a caller's own transaction). Backends publish their
// counters when they exit, so the pool is emptied first.
func (p *property) checkNoDeadlocks(t *testing.T, ctx context.Context) {
	t.Helper()
	db := ledger.DB(p.l).WithContext(ctx)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxIdleConns(0)
	for {
		var others int
		if err := db.Raw(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others).Error; err != nil {
			t.Fatal(err)
		}
		if others == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d connections still open: %v", others, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	var deadlocks int64
	if err := db.Raw(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&deadlocks).Error; err != nil {
		t.Fatal(err)
	}
	if deadlocks != 0 {
		t.Errorf("Postgres broke %d deadlocks during the run, want none", deadlocks)
	}
}

// recompute rebuilds every account from its postings, without the ledger's SQL: each
// running balance, each final balance, the posting counters, what pending holds reserve,
// that no account that may not go negative ever did, and that the books balance.
func (p *property) recompute(t *testing.T, ctx context.Context) {
	t.Helper()
	db := ledger.DB(p.l)
	var ids []int64
	if err := db.Raw(`SELECT id FROM ledger_accounts ORDER BY id`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	accounts := map[int64]ledger.Account{}
	for _, id := range ids {
		a, err := p.l.Account(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		accounts[id] = a
	}
	sign := func(a ledger.Account) decimal.Decimal {
		if a.Type == ledger.Asset || a.Type == ledger.Expense {
			return decimal.NewFromInt(1)
		}
		return decimal.NewFromInt(-1)
	}

	var postings []ledger.Posting
	if err := db.Raw(`SELECT id, entry_id, account_id, currency, amount, balance_after FROM ledger_postings ORDER BY id`).
		Scan(&postings).Error; err != nil {
		t.Fatal(err)
	}
	if len(postings) < propertyWorkers*propertyOps/2 {
		t.Fatalf("only %d postings written: the run exercised too little", len(postings))
	}
	running := map[int64]decimal.Decimal{}
	counts := map[int64]int64{}
	wentNegative := map[int64]bool{}
	for _, ps := range postings {
		a := accounts[ps.AccountID]
		running[a.ID] = running[a.ID].Add(ps.Amount.Mul(sign(a)))
		counts[a.ID]++
		if !ps.BalanceAfter.Equal(running[a.ID]) {
			t.Errorf("posting %d on %s: balance_after %s, recomputed %s", ps.ID, a.Code, ps.BalanceAfter, running[a.ID])
		}
		if !a.AllowNegative && running[a.ID].IsNegative() && !wentNegative[a.ID] {
			wentNegative[a.ID] = true
			t.Errorf("%s may not go negative but went to %s at posting %d", a.Code, running[a.ID], ps.ID)
		}
	}

	var pending []ledger.HoldRecord
	if err := db.Raw(`SELECT * FROM ledger_holds WHERE status = 'pending'`).Scan(&pending).Error; err != nil {
		t.Fatal(err)
	}
	held := map[int64]decimal.Decimal{}
	for _, h := range pending {
		// A hold reserves on each account its eventual entry would reduce.
		if !accounts[h.DebitAccountID].Type.DebitNormal() {
			held[h.DebitAccountID] = held[h.DebitAccountID].Add(h.Amount)
		}
		if accounts[h.CreditAccountID].Type.DebitNormal() {
			held[h.CreditAccountID] = held[h.CreditAccountID].Add(h.Amount)
		}
	}

	type position struct {
		Balance, Held string
		Postings      int64
	}
	total := decimal.Zero
	for _, id := range ids {
		a := accounts[id]
		bal, err := p.l.Balance(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := position{running[id].StringFixed(2), held[id].StringFixed(2), counts[id]}
		got := position{bal.Balance.StringFixed(2), bal.Held.StringFixed(2), a.PostingsCount}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("account %s (-recomputed +ledger):\n%s", a.Code, diff)
		}
		if !a.AllowNegative && bal.Available.IsNegative() {
			t.Errorf("account %s: available %s is negative", a.Code, bal.Available)
		}
		total = total.Add(bal.Balance.Mul(sign(a)))
	}
	if !total.IsZero() {
		t.Errorf("sum of every balance on its normal side = %s, want 0", total)
	}
}

// checkSharedKeys: each key sent by many callers at once was written exactly once.
func (p *property) checkSharedKeys(t *testing.T, ctx context.Context) {
	t.Helper()
	var rows []struct {
		Key string
		N   int
	}
	err := ledger.DB(p.l).WithContext(ctx).Raw(`
		SELECT k.key, (SELECT count(*) FROM ledger_entries e WHERE e.idempotency_key = k.key) AS n
		FROM unnest(?::text[]) AS k(key) ORDER BY k.key`, sharedKeys()).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != propertyBursts {
		t.Fatalf("checked %d shared keys, want %d", len(rows), propertyBursts)
	}
	for _, r := range rows {
		if r.N != 1 {
			t.Errorf("shared key %s: %d entries, want exactly 1", r.Key, r.N)
		}
	}
}

func sharedKeys() string {
	keys := "{"
	for round := range propertyBursts {
		if round > 0 {
			keys += ","
		}
		keys += fmt.Sprintf("shared:%d", round)
	}
	return keys + "}"
}

// checkCoverage fails a run that never reached the paths it exists to exercise.
func (p *property) checkCoverage(t *testing.T) {
	t.Helper()
	for _, want := range []string{
		"contribution ok", "contribution.split ok", "withdrawal ok", "withdrawal insufficient_funds",
		"hold.place ok", "hold.place insufficient_funds", "hold.post ok", "hold.post partial", "hold.post hold_expired",
		"hold.void ok", "expire_holds ran", "reversal ok", "reversal already_reversed",
		"batch.contribution ok", "batch.withdrawal insufficient_funds", "batch.unbalanced unbalanced", "batch with a refusal",
		"batch large all posted",
		"replay ok", "shared key entry", "shared key hold", "verify while posting",
	} {
		if p.outcomes[want] == 0 {
			t.Errorf("the run never reached %q", want)
		}
	}
}

// TestExpireHoldsCountsEachHoldOnce runs several expiry workers over the same due holds at
// once: every hold expires once, and the counts they report add up to the holds expired.
func TestExpireHoldsCountsEachHoldOnce(t *testing.T) {
	t.Parallel()
	const holds, expirers = 40, 8
	b := newBooks(t)
	ctx := context.Background()
	b.contribute(t, "c1", b.alice, "1000")
	for i := range holds {
		if _, err := b.l.Hold(ctx, ledger.HoldRequest{Key: fmt.Sprint("due:", i), Book: b.group.ID, Kind: "payout",
			Currency: ledger.KES, Debit: b.alice.ID, Credit: b.cash.ID, Amount: kes("10"),
			ExpiresAt: time.Now().Add(-time.Second)}); err != nil {
			t.Fatalf("hold %d: %v", i, err)
		}
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range expirers {
		wg.Go(func() {
			<-start
			n, err := b.l.ExpireHolds(ctx, time.Now())
			if err != nil {
				t.Errorf("expire holds: %v", err)
			}
			total.Add(int64(n))
		})
	}
	close(start)
	wg.Wait()
	if got := total.Load(); got != holds {
		t.Errorf("expiry workers reported %d holds expired, want %d", got, holds)
	}
	if bal, err := b.l.Balance(ctx, b.alice.ID); err != nil || !bal.Held.IsZero() {
		t.Errorf("alice still has %s held (%v), want nothing", bal.Held, err)
	}
	b.mustVerify(t)
}
