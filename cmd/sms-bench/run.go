package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/benchdb"
	"github.com/kikundi/kikundi/internal/tasks"
	"github.com/kikundi/kikundi/sms"
)

// queueOnto enqueues every task onto the bench's own queue.
type queueOnto struct {
	c *asynq.Client
	q string
}

func (o queueOnto) Enqueue(t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	return o.c.Enqueue(t, append(opts, asynq.Queue(o.q))...)
}

// nairobi is East Africa Time.
var nairobi = time.FixedZone("EAT", 3*60*60)

func run(ctx context.Context, o options) error {
	db, done, err := benchdb.Open(ctx, "kikundi_bench_sms", o.workers+16, o.keep)
	if err != nil {
		return err
	}
	defer done()

	// The reminders' clock is noon in Nairobi today, so that a run at night measures the
	// same thing (rather than deferring every message to 07:00).
	y, m, d := time.Now().In(nairobi).Date()
	noon := time.Date(y, m, d, 12, 0, 0, 0, nairobi)
	seeded := time.Now()
	if err := seed(ctx, db, o, noon); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if err := db.WithContext(ctx).Exec(`ANALYZE`).Error; err != nil { // a fresh database's planner knows no sizes
		return err
	}
	fmt.Fprintf(os.Stderr, "sms-bench: seeded %d members in %d groups in %s\n", o.members, o.groups,
		time.Since(seeded).Round(time.Millisecond))

	redisOpt, err := asynq.ParseRedisURI(benchdb.Env("KIKUNDI_REDIS_URL", "redis://127.0.0.1:6379/0"))
	if err != nil {
		return err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	queue := "bench-sms-" + hex.EncodeToString(b)
	aq := asynq.NewClient(redisOpt)
	defer aq.Close()
	insp := asynq.NewInspector(redisOpt)
	defer insp.Close()
	defer func() { _ = insp.DeleteQueue(queue, true) }()

	out := sms.NewOutbox(db, sms.Renderer{USSDCode: benchdb.Env("KIKUNDI_USSD_CODE", sms.DefaultUSSDCode)}, nil)
	reminders := sms.NewReminders(db, out, queueOnto{aq, queue}, func() time.Time { return noon },
		sms.ReminderOptions{Enqueuers: 32})
	start := time.Now()
	n, err := reminders.Run(ctx)
	enqueued := time.Since(start)
	if err != nil {
		return fmt.Errorf("reminders: %w", err)
	}
	info, err := insp.GetQueueInfo(queue)
	if err != nil {
		return fmt.Errorf("queue %s: %w", queue, err)
	}
	fmt.Fprintf(os.Stderr, "sms-bench: %d reminders stored and enqueued in %s (%d tasks pending on %s)\n",
		n, enqueued.Round(time.Millisecond), info.Pending, queue)
	if again, err := reminders.Run(ctx); err != nil || again != 0 {
		return fmt.Errorf("a second run queued %d more (%v)", again, err)
	}

	mux := asynq.NewServeMux()
	mux.HandleFunc(tasks.TypeSMSSend, func(ctx context.Context, t *asynq.Task) error {
		id, err := tasks.ParseID(t)
		if err != nil {
			return err
		}
		return out.Send(ctx, id, sms.Sandbox{})
	})
	srv := asynq.NewServer(redisOpt, asynq.Config{
		Concurrency: o.workers, Queues: map[string]int{queue: 1},
		TaskCheckInterval: 10 * time.Millisecond, ShutdownTimeout: 10 * time.Second, LogLevel: asynq.WarnLevel,
	})
	start = time.Now()
	if err := srv.Start(mux); err != nil {
		return err
	}
	left, err := waitSent(ctx, db, 2*time.Minute)
	sending := time.Since(start)
	srv.Shutdown()
	if err != nil {
		return err
	}
	if left > 0 {
		return fmt.Errorf("%d messages still queued after %s", left, sending.Round(time.Millisecond))
	}
	var r struct{ Messages, Success, Reminders, Linked int }
	if err := db.WithContext(ctx).Raw(`SELECT (SELECT count(*) FROM sms_messages) AS messages,
		(SELECT count(*) FROM sms_messages WHERE status = 'success') AS success,
		(SELECT count(*) FROM sms_reminders) AS reminders,
		(SELECT count(*) FROM sms_reminders WHERE message_id IS NOT NULL) AS linked`).Scan(&r).Error; err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "sms-bench: %d messages sent to the sandbox in %s with %d workers; %d stored, %d delivered, %d reminders (%d linked)\n",
		n, sending.Round(time.Millisecond), o.workers, r.Messages, r.Success, r.Reminders, r.Linked)
	if r.Messages != n || r.Success != n || r.Reminders != n || r.Linked != n {
		return fmt.Errorf("counts disagree: queued %d, stored %d, delivered %d, reminders %d (%d linked)",
			n, r.Messages, r.Success, r.Reminders, r.Linked)
	}
	fmt.Printf("sms-bench: reminders=%d enqueue_s=%.2f send_per_s=%.0f\n", n, enqueued.Seconds(), float64(n)/sending.Seconds())
	return nil
}

// seed writes, set-based, what the reminders read: o.members people (every fourth reads
// English), o.groups groups with the default constitution (member i is in group
// (i-1) mod groups + 1, and the first of each chairs it), every member active, and a
// KES 500 contribution due for each two days after today. Groups need a ledger book (a
// foreign key); nothing else of the ledger is read by reminders.
func seed(ctx context.Context, db *gorm.DB, o options, now time.Time) error {
	ruleJSON, err := json.Marshal(rules.Default())
	if err != nil {
		return err
	}
	today := rules.Day(now)
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO ledger_books (code, name) SELECT 'group:bench' || g, 'Bench group ' || g FROM generate_series(1, ?) g`,
				[]any{o.groups}},
			{`INSERT INTO chama_people (phone, name, lang) SELECT '+2547' || lpad(i::text, 8, '0'), 'Member ' || i,
				CASE WHEN i % 4 = 0 THEN 'en' ELSE 'sw' END FROM generate_series(1, ?) i`, []any{o.members}},
			{`INSERT INTO chama_groups (code, name, book_id, cycle_start, created_by)
				SELECT 'BENCH' || g, 'Bench group ' || g, b.id, ?::date, p.id FROM generate_series(1, ?) g
				JOIN ledger_books b ON b.code = 'group:bench' || g
				JOIN chama_people p ON p.phone = '+2547' || lpad(g::text, 8, '0')`,
				[]any{today.AddDate(0, 0, -10).Format(time.DateOnly), o.groups}},
			{`INSERT INTO chama_constitutions (group_id, version, effective_from, rules)
				SELECT id, 1, cycle_start, ?::jsonb FROM chama_groups`, []any{string(ruleJSON)}},
			{`INSERT INTO chama_members (group_id, person_id, role, status, joined_at)
				SELECT g.id, p.id, CASE WHEN i <= ? THEN 'chair' ELSE 'member' END, 'active', ?::timestamptz
				FROM generate_series(1, ?) i
				JOIN chama_people p ON p.phone = '+2547' || lpad(i::text, 8, '0')
				JOIN chama_groups g ON g.code = 'BENCH' || ((i - 1) % ? + 1)`,
				[]any{o.groups, now.AddDate(0, 0, -10), o.members, o.groups}},
			{`INSERT INTO chama_dues (group_id, member_id, kind, cycle, period, amount, due_on)
				SELECT group_id, id, 'contribution', 1, 1, 500, ?::date FROM chama_members`,
				[]any{today.AddDate(0, 0, 2).Format(time.DateOnly)}},
		} {
			if err := tx.Exec(q.sql, q.args...).Error; err != nil {
				return err
			}
		}
		return nil
	}, nil)
}

// waitSent waits until no message is left queued, or nothing has moved for patience, and
// returns how many are left.
func waitSent(ctx context.Context, db *gorm.DB, patience time.Duration) (int, error) {
	last, lastChange := -1, time.Now()
	for {
		var left int
		if err := db.WithContext(ctx).Raw(`SELECT count(*) FROM sms_messages WHERE status = 'queued'`).Scan(&left).Error; err != nil {
			return left, err
		}
		if left == 0 {
			return 0, nil
		}
		if left != last {
			last, lastChange = left, time.Now()
		} else if time.Since(lastChange) > patience {
			return left, nil
		}
		select {
		case <-ctx.Done():
			return left, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
