package sms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/tasks"
)

// queue is an Enqueuer that keeps what it was given.
type queue struct {
	mu    sync.Mutex
	tasks []*asynq.Task
	at    []time.Time // when each task may run; zero: at once
	err   error
}

func (q *queue) Enqueue(t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return nil, q.err
	}
	q.tasks = append(q.tasks, t)
	var at time.Time
	for _, o := range opts {
		if o.Type() == asynq.ProcessAtOpt {
			at = o.Value().(time.Time)
		}
	}
	q.at = append(q.at, at)
	return &asynq.TaskInfo{}, nil
}

func (q *queue) ids(t *testing.T) []int64 {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []int64
	for _, task := range q.tasks {
		if task.Type() != tasks.TypeSMSSend {
			t.Fatalf("task type %q, want %q", task.Type(), tasks.TypeSMSSend)
		}
		id, err := tasks.ParseID(task)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// scripted is a provider that answers from a script and counts its calls.
type scripted struct {
	calls atomic.Int32
	delay time.Duration
	send  func(n int32) (string, string, error)
}

func (s *scripted) Send(context.Context, string, string) (string, string, error) {
	n := s.calls.Add(1)
	time.Sleep(s.delay)
	return s.send(n)
}

const member = "+254711000004"

func receipt(r string) chama.Notice {
	return chama.Notice{Phone: member, Lang: "en", Kind: "contribution.received",
		Vars: map[string]string{"group": "UMOJA", "amount": "500.00", "receipt": r, "savings": "2500.00"}}
}

func newOutbox(t *testing.T, q tasks.Enqueuer) *Outbox {
	t.Helper()
	return NewOutbox(dbtest.Postgres(t), Renderer{}, q)
}

func message(t *testing.T, o *Outbox, id int64) Message {
	t.Helper()
	var m Message
	if err := o.db.Raw(`SELECT `+columns+` FROM sms_messages WHERE id = ?`, id).Scan(&m).Error; err != nil || m.ID == 0 {
		t.Fatalf("message %d: %v", id, err)
	}
	return m
}

func TestNotifyStoresAndEnqueuesOnce(t *testing.T) {
	q := &queue{}
	o := newOutbox(t, q)
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, nairobi)
	o.now = func() time.Time { return day }

	for range 2 { // the same event notifying twice
		if err := o.Notify(ctx, receipt("SFK3QWERTY")); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Notify(ctx, receipt("SFK3OTHER1")); err != nil {
		t.Fatal(err)
	}
	// pin.reset_allowed has no vars: a second reset another day is a second message.
	reset := chama.Notice{Phone: "0711000004", Lang: "sw", Kind: "pin.reset_allowed"}
	if err := o.Notify(ctx, reset); err != nil {
		t.Fatal(err)
	}
	if err := o.Notify(ctx, reset); err != nil {
		t.Fatal(err)
	}
	o.now = func() time.Time { return day.Add(30 * 24 * time.Hour) }
	if err := o.Notify(ctx, reset); err != nil {
		t.Fatal(err)
	}

	got, err := o.Messages(ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d messages, want 4: %+v", len(got), got)
	}
	var ids []int64
	for _, m := range got {
		ids = append(ids, m.ID)
		if m.Status != StatusQueued || m.To != member || m.Segments != 1 || m.Cost.String() != "0.8" || m.Attempts != 0 {
			t.Errorf("stored %+v", m)
		}
	}
	if !slices.IsSorted(ids) {
		t.Errorf("not oldest first: %v", ids)
	}
	if got[0].Text != "UMOJA: we received your contribution of KES 500.00, M-Pesa SFK3QWERTY. Your savings are now KES 2,500.00. Thank you!" {
		t.Errorf("text %q", got[0].Text)
	}
	if got[2].Lang != "sw" || got[2].Kind != "pin.reset_allowed" {
		t.Errorf("third message %+v", got[2])
	}
	if diff := slices.Compare(q.ids(t), ids); diff != 0 {
		t.Errorf("enqueued %v, stored %v", q.ids(t), ids)
	}
}

func TestNotifyAtNightWaitsUnlessTheMemberAsked(t *testing.T) {
	q := &queue{}
	o := newOutbox(t, q)
	ctx := context.Background()
	night := time.Date(2026, 3, 2, 23, 10, 0, 0, nairobi)
	o.now = func() time.Time { return night }
	fine := chama.Notice{Phone: member, Lang: "en", Kind: "fine.charged",
		Vars: map[string]string{"group": "UMOJA", "amount": "50.00", "period": "3", "slot": "late:3"}}
	for _, n := range []chama.Notice{receipt("SFK3NIGHT1"), fine} {
		if err := o.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	morning := time.Date(2026, 3, 3, 7, 0, 0, 0, nairobi)
	if len(q.at) != 2 || !q.at[0].IsZero() || !q.at[1].Equal(morning) {
		t.Fatalf("receipt and fine may run at %v, want [now, %v]", q.at, morning)
	}
	// Requeue, which picks up messages idle for a while, must not send the fine early.
	ids := q.ids(t)
	if m := message(t, o, ids[1]); !m.UpdatedAt.Equal(morning) {
		t.Errorf("deferred message updated_at %v, want %v", m.UpdatedAt, morning)
	}
}

func TestNotifyAtNightAndAfterSTOPByKind(t *testing.T) {
	q := &queue{}
	o := newOutbox(t, q)
	ctx := context.Background()
	night := time.Date(2026, 3, 2, 22, 30, 0, 0, nairobi)
	o.now = func() time.Time { return night }
	if err := o.db.Exec(`INSERT INTO sms_optouts (phone, via) VALUES (?, 'stop')`, member).Error; err != nil {
		t.Fatal(err)
	}
	notices := []chama.Notice{
		receipt("SFK3NIGHT2"), // a receipt: at once, STOP or not
		{Phone: member, Lang: "en", Kind: "reply.balance", Vars: map[string]string{"group": "UMOJA", "savings": "1.00",
			"free": "1.00", "borrowed": "0.00", "fines": "0.00", "arrears": "0.00", "ref": "ATXid_1"}}, // an answer: at once
		{Phone: member, Lang: "en", Kind: "approval.needed", Vars: map[string]string{"group": "UMOJA", "id": "7",
			"subject": chama.SubjectCash}}, // another official's request: not to a phone that sent STOP
		{Phone: "+254711000099", Lang: "en", Kind: "approval.needed", Vars: map[string]string{"group": "UMOJA", "id": "7",
			"subject": chama.SubjectCash}}, // ... and in the morning to one that did not
	}
	for _, n := range notices {
		if err := o.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	morning := time.Date(2026, 3, 3, 7, 0, 0, 0, nairobi)
	if len(q.at) != 3 || !q.at[0].IsZero() || !q.at[1].IsZero() || !q.at[2].Equal(morning) {
		t.Errorf("queued to run at %v, want [now now %v]", q.at, morning)
	}
	var kinds []string
	o.db.Raw(`SELECT kind FROM sms_messages WHERE to_phone = ? ORDER BY id`, member).Scan(&kinds)
	if !slices.Equal(kinds, []string{"contribution.received", "reply.balance"}) {
		t.Errorf("stored for the opted-out phone: %v", kinds)
	}
}

func TestNotifyOnceADayWhateverTheFigures(t *testing.T) {
	o := newOutbox(t, nil)
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, nairobi)
	o.now = func() time.Time { return day }
	remind := func(by, amount string) chama.Notice {
		return chama.Notice{Phone: member, Lang: "en", Kind: "remind.official", Once: "UMOJA",
			Vars: map[string]string{"group": "UMOJA", "by": by, "amount": amount, "dial": "*384*12*1#"}}
	}
	for _, n := range []chama.Notice{remind("Wanjiru", "550.00"), remind("Otieno", "600.00")} {
		if err := o.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	o.now = func() time.Time { return day.Add(24 * time.Hour) }
	if err := o.Notify(ctx, remind("Otieno", "600.00")); err != nil {
		t.Fatal(err)
	}
	got, err := o.Messages(ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.Contains(got[0].Text, "Wanjiru") {
		t.Errorf("%d messages (want one a day, the first of the day): %+v", len(got), got)
	}
}

func TestNotifyWithoutQueueLeavesMessageQueued(t *testing.T) {
	o := newOutbox(t, nil)
	if err := o.Notify(context.Background(), receipt("SFK3QWERTY")); err != nil {
		t.Fatal(err)
	}
	got, err := o.Messages(context.Background(), "0711 000 004")
	if err != nil || len(got) != 1 || got[0].Status != StatusQueued {
		t.Fatalf("Messages = %+v, %v", got, err)
	}
}

func TestNotifyRefusesWithoutStoring(t *testing.T) {
	o := newOutbox(t, &queue{})
	ctx := context.Background()
	if err := o.Notify(ctx, chama.Notice{Phone: member, Lang: "en", Kind: "loan.forgiven"}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
	if err := o.Notify(ctx, chama.Notice{Phone: "+44 20 7946 0000", Kind: "pin.reset_allowed"}); err == nil {
		t.Error("foreign number stored")
	}
	if got, _ := o.Messages(ctx, member); len(got) != 0 {
		t.Errorf("stored %+v", got)
	}
}

func TestNotifyReportsAFailedEnqueueAndRequeueRecovers(t *testing.T) {
	q := &queue{err: errors.New("redis down")}
	o := newOutbox(t, q)
	ctx := context.Background()
	if err := o.Notify(ctx, receipt("SFK3QWERTY")); err == nil {
		t.Fatal("a failed enqueue was not reported")
	}
	q.err = nil
	if n, err := o.Requeue(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("Requeue of a fresh message = %d, %v; want 0", n, err)
	}
	o.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if n, err := o.Requeue(ctx, time.Hour); err != nil || n != 1 {
		t.Fatalf("Requeue = %d, %v; want 1", n, err)
	}
	if len(q.ids(t)) != 1 {
		t.Errorf("enqueued %v", q.ids(t))
	}
}

func TestMessagesJSONIsTheDevContract(t *testing.T) {
	o := newOutbox(t, nil)
	ctx := context.Background()
	if err := o.Notify(ctx, receipt("SFK3QWERTY")); err != nil {
		t.Fatal(err)
	}
	got, err := o.Messages(ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var decoded []map[string]any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range decoded[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"created_at", "id", "message", "status", "to"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v (%s)", keys, want, raw)
	}
	if _, ok := decoded[0]["id"].(string); !ok {
		t.Errorf("id is not a string: %s", raw)
	}
	none, err := o.Messages(ctx, "+254711000099")
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(none); string(raw) != "[]" {
		t.Errorf("no messages is %s, want []", raw)
	}
}

func TestSendWithSandbox(t *testing.T) {
	q := &queue{}
	o := newOutbox(t, q)
	ctx := context.Background()
	if err := o.Notify(ctx, receipt("SFK3QWERTY")); err != nil {
		t.Fatal(err)
	}
	id := q.ids(t)[0]
	if err := o.Send(ctx, id, Sandbox{}); err != nil {
		t.Fatal(err)
	}
	m := message(t, o, id)
	if m.Status != StatusSuccess || m.Provider != ProviderSandbox || len(m.ProviderID) < 5 || m.Attempts != 1 {
		t.Errorf("after sandbox send: %+v", m)
	}
	// The task again (Asynq ran it twice): nothing more is sent.
	p := &scripted{send: func(int32) (string, string, error) { return "X", "Sent", nil }}
	if err := o.Send(ctx, id, p); err != nil || p.calls.Load() != 0 {
		t.Errorf("second send: %v, %d provider calls", err, p.calls.Load())
	}
}

func TestSendPermanentRefusalIsRecordedNotRetried(t *testing.T) {
	q := &queue{}
	o := newOutbox(t, q)
	ctx := context.Background()
	if err := o.Notify(ctx, receipt("SFK3QWERTY")); err != nil {
		t.Fatal(err)
	}
	id := q.ids(t)[0]
	p := &scripted{send: func(int32) (string, string, error) {
		return "", "", &PermanentError{Code: 403, Status: "InvalidPhoneNumber"}
	}}
	if err := o.Send(ctx, id, p); err != nil {
		t.Fatalf("permanent refusal returned %v, want nil", err)
	}
	m := message(t, o, id)
	if m.Status != StatusRejected || m.FailureReason != "InvalidPhoneNumber" || m.Attempts != 1 || m.Provider != "" {
		t.Errorf("after refusal: %+v", m)
	}
}

func TestSendRetryableFailureThenSuccessThenDeliveryReports(t *testing.T) {
	q := &queue{}
	o := newOutbox(t, q)
	ctx := context.Background()
	if err := o.Notify(ctx, receipt("SFK3QWERTY")); err != nil {
		t.Fatal(err)
	}
	id := q.ids(t)[0]

	// Against a real (fake) Africa's Talking: a 500 first, then an acceptance.
	f, srv := newFakeAT(t, http.StatusInternalServerError, "Internal Server Error")
	at := NewAfricasTalking(srv.URL, "kikundi", "k", "", srv.Client())
	err := o.Send(ctx, id, at)
	if err == nil {
		t.Fatal("a 500 returned nil: Asynq would not retry")
	}
	var pe *PermanentError
	if errors.As(err, &pe) || errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("a 500 is not retryable: %v", err)
	}
	m := message(t, o, id)
	if m.Status != StatusQueued || m.Attempts != 1 || m.FailureReason == "" {
		t.Errorf("after a 500: %+v", m)
	}

	f.status, f.body = http.StatusCreated, atSuccess
	if err := o.Send(ctx, id, at); err != nil {
		t.Fatal(err)
	}
	m = message(t, o, id)
	if m.Status != StatusSent || m.ProviderID != "ATPid_SampleTxnId123" || m.Provider != ProviderAfricasTalking ||
		m.Attempts != 2 || m.FailureReason != "" {
		t.Errorf("after acceptance: %+v", m)
	}
	if f.forms[1].Get("to") != member || f.forms[1].Get("message") != m.Text {
		t.Errorf("sent %v", f.forms[1])
	}

	steps := []struct{ report, reason, want string }{
		{"Submitted", "", StatusSubmitted},
		{"Sent", "", StatusSubmitted}, // late: never backwards
		{"Buffered", "", StatusBuffered},
		{"Submitted", "", StatusBuffered},
		{"Failed", "UserIsInactive", StatusFailed},
		{"Success", "", StatusFailed}, // final stays final
		{"Failed", "DeliveryFailure", StatusFailed},
	}
	for _, s := range steps {
		if err := o.DeliveryReport(ctx, "ATPid_SampleTxnId123", s.report, s.reason); err != nil {
			t.Fatalf("%s: %v", s.report, err)
		}
		if got := message(t, o, id); got.Status != s.want {
			t.Errorf("after %s: %s, want %s", s.report, got.Status, s.want)
		}
	}
	if m := message(t, o, id); m.FailureReason != "UserIsInactive" {
		t.Errorf("failure reason %q, want UserIsInactive", m.FailureReason)
	}
	if err := o.DeliveryReport(ctx, "ATPid_nobody", "Success", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if err := o.DeliveryReport(ctx, "ATPid_SampleTxnId123", "Delivered", ""); !errors.Is(err, ErrUnknownStatus) {
		t.Errorf("unknown status: %v", err)
	}
}

func TestSendUnknownMessageIsNotRetried(t *testing.T) {
	o := newOutbox(t, nil)
	err := o.Send(context.Background(), 424242, Sandbox{})
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("unknown message: %v", err)
	}
}

func TestConcurrentSendsSendOnce(t *testing.T) {
	q := &queue{}
	o := newOutbox(t, q)
	ctx := context.Background()
	if err := o.Notify(ctx, receipt("SFK3QWERTY")); err != nil {
		t.Fatal(err)
	}
	id := q.ids(t)[0]
	p := &scripted{delay: 200 * time.Millisecond, send: func(n int32) (string, string, error) {
		return "ATPid_" + string(rune('0'+n)), "Sent", nil
	}}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- o.Send(ctx, id, p) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("provider called %d times, want 1", n)
	}
	if m := message(t, o, id); m.Status != StatusSent || m.Attempts != 1 || m.Provider != "" {
		t.Errorf("after concurrent sends: %+v", m)
	}
}

func TestSMSSendTask(t *testing.T) {
	task := tasks.NewSMSSendTask(77)
	if task.Type() != "sms:send" {
		t.Errorf("type %q", task.Type())
	}
	if id, err := tasks.ParseID(task); err != nil || id != 77 {
		t.Errorf("ParseID = %d, %v", id, err)
	}
}
