package workers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/httpserver"
	"github.com/kikundi/kikundi/ledger"
	"github.com/kikundi/kikundi/mpesa"
	"github.com/kikundi/kikundi/mpesa/reconcile"
	"github.com/kikundi/kikundi/mpesa/sim"
)

// The end-to-end tests run the whole money path over loopback: the Daraja simulator, our
// webhooks, Asynq workers on a real Redis, the chama and the ledger on a real Postgres.

const e2eToken = "e2e-token"

type e2eClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *e2eClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.offset) }
func (c *e2eClock) add(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// queueOnto enqueues every task onto one test's own queue.
type queueOnto struct {
	c *asynq.Client
	q string
}

func (o queueOnto) Enqueue(t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	return o.c.Enqueue(t, append(opts, asynq.Queue(o.q))...)
}

type payFunc func(context.Context, chama.PayoutOrder) error

func (f payFunc) Pay(ctx context.Context, o chama.PayoutOrder) error { return f(ctx, o) }

type e2e struct {
	t        *testing.T
	ctx      context.Context
	db       *gorm.DB
	clock    *e2eClock
	sim      *sim.Sim
	simURL   string
	appURL   string
	groups   *chama.Service
	payments *mpesa.Service
	handlers mpesaHandlers
	group    chama.Group
	phones   map[string]string
}

var e2ePeople = []struct {
	name, phone string
	role        chama.Role
}{
	{"wanjiru", "0711000001", chama.RoleChair}, {"otieno", "0711000002", chama.RoleTreasurer},
	{"akinyi", "0711000003", chama.RoleSecretary}, {"baraka", "0711000004", chama.RoleMember},
	{"chebet", "0711000005", chama.RoleMember},
}

func listen(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln := bind(t)
	serveOn(t, app, ln)
	return "http://" + ln.Addr().String()
}

// bind reserves a loopback address, so the URL is known before the routes are mounted.
func bind(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveOn starts app on ln once every route is mounted: Fiber builds its routing tree
// when it starts, and a route added later races the first requests.
func serveOn(t *testing.T, app *fiber.App, ln net.Listener) {
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(2 * time.Second) })
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	w := &e2e{t: t, ctx: ctx, db: dbtest.Postgres(t), clock: &e2eClock{}, phones: map[string]string{}}

	creds := sim.Options{Shortcode: "174379", ConsumerKey: "key", ConsumerSecret: "secret", Passkey: "passkey",
		Initiator: "initiator", InitiatorPassword: "initiator-password", Seed: 7,
		CallbackDelay: 20 * time.Millisecond, ValidationTimeout: 2 * time.Second}
	var err error
	if w.sim, err = sim.New(creds); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.sim.Close)
	w.simURL = listen(t, w.sim.App())

	client, err := mpesa.NewClient(mpesa.Config{BaseURL: w.simURL, ConsumerKey: creds.ConsumerKey, ConsumerSecret: creds.ConsumerSecret,
		Shortcode: creds.Shortcode, Passkey: creds.Passkey, Initiator: creds.Initiator, InitiatorPassword: creds.InitiatorPassword,
		CertPEM: w.sim.CertificatePEM(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	opt, q := testQueue(t)
	aq := asynq.NewClient(opt)
	t.Cleanup(func() { _ = aq.Close() })

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	ln := bind(t)
	appURL := "http://" + ln.Addr().String()
	w.appURL = appURL
	w.payments, err = mpesa.NewService(mpesa.Options{DB: w.db, Client: client, Queue: queueOnto{aq, q}, Logger: logger,
		Callbacks: mpesa.CallbacksAt(appURL, e2eToken), Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	w.groups = chama.New(chama.Options{DB: w.db, Logger: logger, Now: w.clock.Now,
		Payer: payFunc(func(ctx context.Context, o chama.PayoutOrder) error {
			return w.payments.Pay(ctx, mpesa.Payout{ID: o.ID, Group: o.Group, Phone: o.Phone, Amount: o.Amount, Purpose: o.Purpose})
		})})
	w.payments.Mount(app.Group("/hooks/daraja", httpserver.RequireHookToken(e2eToken)), func(ctx context.Context, code string) (bool, error) {
		_, err := w.groups.GroupByCode(ctx, code)
		return err == nil, nil
	})
	serveOn(t, app, ln)

	mux, err := NewMux(Deps{Ledger: &fakeLedger{}, Groups: w.groups, Payments: w.payments, Books: w.groups, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	w.handlers = mpesaHandlers{payments: w.payments, books: w.groups, logger: logger}
	cfg := ServerConfig(logger, 5*time.Second)
	cfg.Queues = map[string]int{q: 1}
	cfg.RetryDelayFunc = func(int, error, *asynq.Task) time.Duration { return 100 * time.Millisecond }
	srv := asynq.NewServer(opt, cfg)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	if err := w.payments.RegisterC2B(ctx); err != nil {
		t.Fatal(err)
	}
	w.found()
	return w
}

// found creates UMOJA with five consenting members.
func (w *e2e) found() {
	t := w.t
	for _, p := range e2ePeople {
		a := chama.Actor{Phone: p.phone, Channel: chama.System}
		if _, err := w.groups.Register(w.ctx, p.phone, p.name, "sw"); err != nil {
			t.Fatal(err)
		}
		if err := w.groups.GiveConsent(w.ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := w.groups.SetPIN(w.ctx, a, "", "2580"); err != nil {
			t.Fatal(err)
		}
		w.phones[p.name] = p.phone
	}
	chair := chama.Actor{Phone: e2ePeople[0].phone, Channel: chama.System}
	var err error
	if w.group, err = w.groups.CreateGroup(w.ctx, chair, chama.NewGroup{Code: "UMOJA", Name: "Umoja", Rules: rules.Default()}); err != nil {
		t.Fatal(err)
	}
	for _, p := range e2ePeople[1:] {
		if _, err := w.groups.Invite(w.ctx, chair, "UMOJA", p.phone, p.name, p.role); err != nil {
			t.Fatal(err)
		}
		if _, err := w.groups.Accept(w.ctx, chama.Actor{Phone: p.phone, Channel: chama.System}, "UMOJA"); err != nil {
			t.Fatal(err)
		}
	}
}

// control calls the simulator's control API.
func (w *e2e) control(method, path, body string) {
	w.t.Helper()
	req, _ := http.NewRequest(method, w.simURL+path, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		w.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b.String())
	}
}

func (w *e2e) behave(name, behaviour string) {
	w.control(http.MethodPut, "/simulator/customers/254"+w.phones[name][1:], fmt.Sprintf(`{"behaviour":%q}`, behaviour))
}

// wait polls until an intent reaches one of the statuses.
func (w *e2e) wait(id int64, statuses ...string) mpesa.Intent {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		in, err := w.payments.IntentByID(w.ctx, id)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, s := range statuses {
			if in.Status == s {
				return in
			}
		}
		if time.Now().After(deadline) {
			ev, _ := w.payments.History(w.ctx, id)
			var cbs []struct {
				ID          int64
				Kind        string
				ProcessedAt *time.Time
				Outcome     string
				Body        string
			}
			w.db.Raw(`SELECT id, kind, processed_at, outcome, convert_from(body, 'UTF8') AS body FROM mpesa_callbacks ORDER BY id`).Scan(&cbs)
			w.t.Fatalf("intent %d is %s, want %v; history %+v; callbacks %+v", id, in.Status, statuses, ev, cbs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *e2e) savings(name string) decimal.Decimal {
	w.t.Helper()
	pos, err := w.groups.Position(w.ctx, chama.Actor{Phone: w.phones[name], Channel: chama.System}, "UMOJA")
	if err != nil {
		w.t.Fatal(err)
	}
	return pos.Savings
}

func (w *e2e) collect(name, amount string) mpesa.Intent {
	w.t.Helper()
	in, err := w.payments.Collect(w.ctx, mpesa.Collection{Group: "UMOJA", Phone: w.phones[name], Amount: decimal.RequireFromString(amount)})
	if err != nil {
		w.t.Fatalf("collect from %s: %v", name, err)
	}
	return in
}

// verify checks the ledger and that every callback was processed.
func (w *e2e) verify() {
	w.t.Helper()
	l := ledger.New(w.db)
	for {
		n, err := l.ChainPending(w.ctx, 10000)
		if err != nil {
			w.t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	rep, err := l.Verify(w.ctx)
	if err != nil || !rep.OK {
		w.t.Fatalf("ledger verify: %v %+v", err, rep)
	}
	// The simulator's organisation statement against the books: zero differences.
	resp, err := http.Get(w.simURL + "/simulator/statement.csv")
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	run, err := reconcile.Load(w.ctx, w.db, resp.Body, "simulator", nil)
	if err != nil {
		w.t.Fatal(err)
	}
	rec, err := reconcile.Match(w.ctx, w.db, run)
	if err != nil {
		w.t.Fatal(err)
	}
	if !rec.Clean() {
		var b bytes.Buffer
		rec.WriteText(&b)
		w.t.Fatalf("the statement does not reconcile:\n%s", b.String())
	}
}

func kes(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestAContributionByPushForEachCustomerBehaviour(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	for _, c := range []struct {
		behaviour, status string
		saved             string
	}{
		{"accept", mpesa.StatusSettled, "500"},
		{"cancel", mpesa.StatusFailed, "500"},
		{"wrong_pin", mpesa.StatusFailed, "500"},
		{"timeout", mpesa.StatusFailed, "500"},
		{"insufficient", mpesa.StatusFailed, "500"},
	} {
		w.behave("baraka", c.behaviour)
		in := w.wait(w.collect("baraka", "500").ID, mpesa.StatusSettled, mpesa.StatusFailed)
		if in.Status != c.status {
			t.Errorf("%s: intent %s, want %s", c.behaviour, in.Status, c.status)
		}
		if got := w.savings("baraka"); !got.Equal(kes(c.saved)) {
			t.Errorf("after %s: baraka's savings %s, want %s", c.behaviour, got, c.saved)
		}
	}
	w.verify()
}

func TestCashHeldByAnOfficialIsPaidInByPush(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	otieno := chama.Actor{Phone: w.phones["otieno"], Channel: chama.USSD}
	ap, err := w.groups.RecordCash(w.ctx, otieno, "2580", "UMOJA", w.phones["chebet"], kes("700"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.groups.Vote(w.ctx, chama.Actor{Phone: w.phones["akinyi"], Channel: chama.USSD}, ap.ID, true, "2580"); err != nil {
		t.Fatal(err)
	}
	in, err := w.payments.Collect(w.ctx, mpesa.Collection{Group: "UMOJA", Phone: w.phones["otieno"], Amount: kes("700"),
		Purpose: mpesa.ForCashDeposit})
	if err != nil {
		t.Fatal(err)
	}
	if in = w.wait(in.ID, mpesa.StatusSettled, mpesa.StatusFailed); in.Status != mpesa.StatusSettled {
		t.Fatalf("deposit intent %s", in.Status)
	}
	if held, err := w.groups.CashInHand(w.ctx, otieno, "UMOJA"); err != nil || !held.IsZero() {
		t.Errorf("Otieno still holds %v, %v", held, err)
	}
	if got := w.savings("otieno"); !got.IsZero() {
		t.Errorf("the deposit went to Otieno's savings: %v", got)
	}
	if got := w.savings("chebet"); !got.Equal(kes("700")) {
		t.Errorf("Chebet's savings %v, want the 700 she handed over", got)
	}
	w.verify() // the group's cash equals what the platform owes it, and the statement reconciles
}

func TestADuplicatedCallbackPostsOnce(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	w.control(http.MethodPut, "/simulator/faults", `{"duplicate_callbacks":1.0}`)
	in := w.wait(w.collect("chebet", "700").ID, mpesa.StatusSettled)
	time.Sleep(300 * time.Millisecond) // let the second copy settle too
	var callbacks int64
	w.db.Raw(`SELECT count(*) FROM mpesa_callbacks WHERE kind = 'stk' AND processed_at IS NOT NULL`).Scan(&callbacks)
	if callbacks != 2 {
		t.Errorf("%d STK callbacks processed, want the 2 copies", callbacks)
	}
	if got := w.savings("chebet"); !got.Equal(kes("700")) {
		t.Errorf("savings %s after a doubled callback, want 700", got)
	}
	_ = in
	w.verify()
}

func TestADroppedCallbackIsRecoveredByPolling(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	w.control(http.MethodPut, "/simulator/faults", `{"drop_callbacks":1.0}`)
	in := w.collect("baraka", "800")
	time.Sleep(200 * time.Millisecond) // the customer pays; the callback is lost
	w.control(http.MethodPut, "/simulator/faults", `{}`)
	w.clock.add(time.Minute) // the intent's first poll is due
	if _, err := w.payments.Poll(w.ctx, 10); err != nil {
		t.Fatal(err)
	}
	// The STK query says paid; Transaction Status, asked by the push's id, brings the
	// receipt as a callback, which settles it.
	settled := w.wait(in.ID, mpesa.StatusSettled)
	if mpesa.Text(settled.Receipt) == "" {
		t.Fatal("settled without a receipt")
	}
	if got := w.savings("baraka"); !got.Equal(kes("800")) {
		t.Errorf("savings %s, want 800", got)
	}
	w.verify()
}

func TestACallbackBeforeTheReplyStillSettles(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	w.control(http.MethodPut, "/simulator/faults", `{"callback_before_reply":true}`)
	in := w.collect("chebet", "250")
	w.wait(in.ID, mpesa.StatusSettled)
	if got := w.savings("chebet"); !got.Equal(kes("250")) {
		t.Errorf("savings %s, want 250", got)
	}
	w.verify()
}

func TestPaybillPaymentsWithRightAndWrongReferences(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	pay := func(ref, amount string) {
		w.control(http.MethodPost, "/simulator/c2b/pay", fmt.Sprintf(`{"msisdn":"254711000004","amount":%q,"bill_ref":%q}`, amount, ref))
	}
	pay("UMOJA 0711000005", "300") // chebet's contribution, paid from baraka's phone
	pay("NOSUCHGROUP", "400")      // refused at validation: nothing moves
	pay("UMOJA", "450")            // the group, but nobody in it: suspense
	deadline := time.Now().Add(10 * time.Second)
	for {
		var settled, suspense int64
		w.db.Raw(`SELECT count(*) FILTER (WHERE status = 'settled'), count(*) FILTER (WHERE status = 'suspense') FROM mpesa_intents WHERE kind = 'c2b'`).Row().Scan(&settled, &suspense)
		if settled == 1 && suspense == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("c2b intents: %d settled, %d in suspense", settled, suspense)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := w.savings("chebet"); !got.Equal(kes("300")) {
		t.Errorf("chebet's savings %s, want 300", got)
	}
	var c2b int64
	w.db.Raw(`SELECT count(*) FROM mpesa_intents WHERE kind = 'c2b'`).Scan(&c2b)
	if c2b != 2 {
		t.Errorf("%d paybill intents, want 2 (the refused one never arrives)", c2b)
	}
	susp, err := w.payments.Suspense(w.ctx)
	if err != nil || len(susp) != 1 || !susp[0].Amount.Equal(kes("450")) {
		t.Fatalf("suspense = %+v, %v", susp, err)
	}
	// The treasurer recognises baraka's payment and assigns it, with her PIN.
	official := chama.Actor{Phone: w.phones["otieno"], Channel: chama.System}
	if _, err := AssignSuspense(w.ctx, w.payments, w.groups, official, "0000", susp[0].ID, "UMOJA", w.phones["baraka"], chama.ForContribution); err == nil {
		t.Error("assigned with a wrong PIN")
	}
	if _, err := AssignSuspense(w.ctx, w.payments, w.groups, official, "2580", susp[0].ID, "UMOJA", w.phones["baraka"], chama.ForContribution); err != nil {
		t.Fatal(err)
	}
	if got := w.savings("baraka"); !got.Equal(kes("450")) {
		t.Errorf("baraka's savings after the assignment %s, want 450", got)
	}
	if _, err := AssignSuspense(w.ctx, w.payments, w.groups, official, "2580", susp[0].ID, "UMOJA", w.phones["chebet"], chama.ForContribution); err == nil {
		t.Error("the same money was assigned twice")
	}
	l := ledger.New(w.db)
	platform, _ := l.BookByCode(w.ctx, "platform")
	suspense, _ := l.AccountByCode(w.ctx, platform.ID, "suspense")
	if !suspense.Balance.IsZero() {
		t.Errorf("suspense holds %s after the assignment", suspense.Balance)
	}
	w.verify()
}

// payout makes baraka's withdrawal of amount approved, so chama asks M-Pesa to pay it.
func (w *e2e) payout(amount string) int64 {
	w.t.Helper()
	w.wait(w.collect("baraka", "5000").ID, mpesa.StatusSettled)
	ap, err := w.groups.Withdraw(w.ctx, chama.Actor{Phone: w.phones["baraka"], Channel: chama.System}, "UMOJA", kes(amount))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, o := range []string{"wanjiru", "otieno"} {
		if ap, err = w.groups.Vote(w.ctx, chama.Actor{Phone: w.phones[o], Channel: chama.System}, ap.ID, true, "2580"); err != nil {
			w.t.Fatal(err)
		}
	}
	var id int64
	deadline := time.Now().Add(10 * time.Second)
	for id == 0 && time.Now().Before(deadline) {
		w.db.Raw(`SELECT id FROM mpesa_intents WHERE kind = 'b2c' ORDER BY id DESC LIMIT 1`).Scan(&id)
		time.Sleep(10 * time.Millisecond)
	}
	if id == 0 {
		w.t.Fatal("no B2C intent")
	}
	return id
}

func TestPayoutsSucceedFailAndSurviveAQueueTimeOut(t *testing.T) {
	t.Parallel()
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		w := newE2E(t)
		w.wait(w.payout("1200"), mpesa.StatusSettled)
		if got := w.savings("baraka"); !got.Equal(kes("3800")) {
			t.Errorf("savings %s after the payout, want 3800", got)
		}
		w.verify()
	})
	t.Run("failure voids the hold", func(t *testing.T) {
		t.Parallel()
		w := newE2E(t)
		w.wait(w.collect("baraka", "100").ID, mpesa.StatusSettled)
		w.behave("baraka", "unregistered") // the payout cannot reach his number
		in := w.payoutUnregistered()
		w.wait(in, mpesa.StatusFailed)
		time.Sleep(200 * time.Millisecond)
		pos, _ := w.groups.Position(w.ctx, chama.Actor{Phone: w.phones["baraka"], Channel: chama.System}, "UMOJA")
		if !pos.Free.Equal(pos.Savings) {
			t.Errorf("free %s of savings %s: the hold was not voided", pos.Free, pos.Savings)
		}
		w.verify()
	})
	t.Run("queue time-out", func(t *testing.T) {
		t.Parallel()
		w := newE2E(t)
		w.control(http.MethodPut, "/simulator/faults", `{"b2c_queue_timeout":1.0}`)
		id := w.payout("1000")
		w.wait(id, mpesa.StatusUnknown)
		w.control(http.MethodPut, "/simulator/faults", `{}`)
		if _, err := w.payments.Poll(w.ctx, 10); err != nil {
			t.Fatal(err)
		}
		w.wait(id, mpesa.StatusSettled)
		if got := w.savings("baraka"); !got.Equal(kes("4000")) {
			t.Errorf("savings %s, want 4000 (paid once)", got)
		}
		w.verify()
	})
}

// payoutUnregistered is payout for a member whose number has no M-Pesa account: the
// contribution must come first, from an account that can pay.
func (w *e2e) payoutUnregistered() int64 {
	w.t.Helper()
	ap, err := w.groups.Withdraw(w.ctx, chama.Actor{Phone: w.phones["baraka"], Channel: chama.System}, "UMOJA", kes("50"))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, o := range []string{"wanjiru", "otieno"} {
		if _, err = w.groups.Vote(w.ctx, chama.Actor{Phone: w.phones[o], Channel: chama.System}, ap.ID, true, "2580"); err != nil {
			w.t.Fatal(err)
		}
	}
	var id int64
	for i := 0; id == 0 && i < 500; i++ {
		w.db.Raw(`SELECT id FROM mpesa_intents WHERE kind = 'b2c' ORDER BY id DESC LIMIT 1`).Scan(&id)
		time.Sleep(10 * time.Millisecond)
	}
	return id
}

func TestAWorkerKilledMidSettlementSettlesOnce(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	in := w.wait(w.collect("chebet", "600").ID, mpesa.StatusSettled)
	var cb int64
	for i := 0; cb == 0 && i < 500; i++ { // marked processed just after the intent settles
		w.db.Raw(`SELECT id FROM mpesa_callbacks WHERE intent_id = ? AND kind = 'stk' AND processed_at IS NOT NULL`, in.ID).Scan(&cb)
		time.Sleep(10 * time.Millisecond)
	}
	// As if the worker died after the books but before marking the callback processed,
	// and the task ran again, twice at once.
	w.db.Exec(`UPDATE mpesa_callbacks SET processed_at = NULL WHERE id = ?`, cb)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := w.handlers.settleCallback(w.ctx, cb); err != nil {
				t.Errorf("settle again: %v", err)
			}
		})
	}
	wg.Wait()
	if got := w.savings("chebet"); !got.Equal(kes("600")) {
		t.Errorf("savings %s after settling again, want 600", got)
	}
	w.verify()
}

func TestHostileAndMalformedCallbacksAreKeptNeverPosted(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	post := func(path, token, body string) int {
		req, _ := http.NewRequest(http.MethodPost, w.appURL+path+"?token="+token, bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/hooks/daraja/stk", "wrong", `{}`); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	// Garbage, a success for a push nobody made, and a result for an unknown payout: each
	// is acknowledged, stored as it came, and moves no money.
	bodies := map[string]string{
		"/hooks/daraja/stk":        `{"Body":{"stkCallback":{"CheckoutRequestID":`,
		"/hooks/daraja/b2c/result": `{"Result":{"ResultType":0,"ResultCode":0,"OriginatorConversationID":"forged","TransactionID":"FAKE000001"}}`,
	}
	for path, body := range bodies {
		if code := post(path, e2eToken, body); code != http.StatusOK {
			t.Errorf("%s: %d, want 200", path, code)
		}
	}
	var stored int64
	w.db.Raw(`SELECT count(*) FROM mpesa_callbacks`).Scan(&stored)
	if stored != 2 {
		t.Errorf("%d callbacks stored, want 2", stored)
	}
	var entries int64
	w.db.Raw(`SELECT count(*) FROM ledger_entries`).Scan(&entries)
	if entries != 0 {
		t.Errorf("%d ledger entries after forged callbacks", entries)
	}
	w.verify()
}

func TestAPaymentTheOperatorMustLookAtCanBeAskedAboutAgain(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	w.control(http.MethodPut, "/simulator/faults", `{"drop_callbacks":1.0}`)
	in := w.collect("baraka", "300")
	time.Sleep(200 * time.Millisecond)
	w.control(http.MethodPut, "/simulator/faults", `{}`)
	// The poller gave up on it (as after maxPolls): it is listed for a person.
	w.db.Exec(`UPDATE mpesa_intents SET next_poll_at = NULL WHERE id = ?`, in.ID)
	stuck, err := w.payments.Stuck(w.ctx)
	if err != nil || len(stuck) != 1 || stuck[0].ID != in.ID {
		t.Fatalf("stuck = %+v, %v", stuck, err)
	}
	if err := w.payments.Repoll(w.ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.payments.Poll(w.ctx, 10); err != nil {
		t.Fatal(err)
	}
	w.wait(in.ID, mpesa.StatusSettled)
	if err := w.payments.Repoll(w.ctx, in.ID); err == nil {
		t.Error("a settled payment was put back in the poller's queue")
	}
	w.verify()
}

func TestACallbackThatKeepsFailingIsTriedLessOftenThenLeftForAPerson(t *testing.T) {
	t.Parallel()
	w := newE2E(t)
	var id int64
	w.db.Raw(`INSERT INTO mpesa_callbacks (kind, body, received_at) VALUES ('stk', '{}', now() - interval '1 hour') RETURNING id`).Scan(&id)
	due, err := w.payments.Unprocessed(w.ctx, time.Minute, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("unprocessed = %v, %v", due, err)
	}
	cause := fmt.Errorf("the books refused it")
	if err := w.payments.CallbackFailed(w.ctx, id, cause); err != nil {
		t.Fatal(err)
	}
	if due, _ := w.payments.Unprocessed(w.ctx, time.Minute, 10); len(due) != 0 {
		t.Fatal("a failed callback was due again at once")
	}
	for range 29 {
		if err := w.payments.CallbackFailed(w.ctx, id, cause); err != nil {
			t.Fatal(err)
		}
	}
	var outcome string
	w.db.Raw(`SELECT outcome FROM mpesa_callbacks WHERE id = ? AND processed_at IS NOT NULL`, id).Scan(&outcome)
	if !strings.Contains(outcome, "gave up: the books refused it") {
		t.Errorf("outcome after 30 failures = %q", outcome)
	}
}
