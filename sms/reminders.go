package sms

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/tasks"
)

// The reminder rules, as sms_reminders.rule records them. Each reminds a member once per
// obligation (the table's primary key), whatever the number of runs.
const (
	RuleDue               = "due"                // a contribution falls due within DueDaysBefore days
	RuleOverdue           = "overdue"            // a contribution is past its grace days, with the fine
	RuleInstalment        = "instalment"         // a loan instalment falls due within InstalmentDaysBefore days
	RuleInstalmentOverdue = "instalment_overdue" // an instalment is past its grace days, with the penalty
	RuleApproval          = "approval"           // a request has waited ApprovalWait for an official's vote
	RuleCycle             = "cycle"              // the group's cycle ends within CycleDaysBefore days
)

// Quiet hours in Nairobi: no reminder is handed to a provider from 21:00 until 07:00. A
// reminder decided then is stored at once and its sending deferred, never dropped.
const (
	QuietFrom  = 21
	QuietUntil = 7
)

// NotBefore is the earliest time at or after t that a reminder may be sent: t itself
// outside quiet hours, else the next 07:00 in Nairobi.
func NotBefore(t time.Time) time.Time {
	local := t.In(nairobi)
	y, m, d := local.Date()
	switch h := local.Hour(); {
	case h >= QuietFrom:
		return time.Date(y, m, d+1, QuietUntil, 0, 0, 0, nairobi)
	case h < QuietUntil:
		return time.Date(y, m, d, QuietUntil, 0, 0, 0, nairobi)
	}
	return t
}

// ReminderOptions tune Reminders; zero values take the defaults.
type ReminderOptions struct {
	DueDaysBefore        int           // contribution reminder this many days ahead (2)
	InstalmentDaysBefore int           // instalment reminder this many days ahead (2)
	CycleDaysBefore      int           // cycle-end reminder this many days ahead (7)
	ApprovalWait         time.Duration // an official is reminded of a request open this long (24h)
	// CatchUpDays is how long after an obligation became late its reminder still goes when
	// no run reached it on the day (workers down): 7. Older arrears are not reminded.
	CatchUpDays int
	// DigestHour is the hour (Nairobi time) from which the treasurer's daily digest goes:
	// 19, after the day's business and before quiet hours.
	DigestHour int
	Batch      int // messages stored per INSERT (2,000)
	Enqueuers  int // sms:send tasks enqueued at once (16)
}

func (o ReminderOptions) withDefaults() ReminderOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.DueDaysBefore, 2)
	def(&o.InstalmentDaysBefore, 2)
	def(&o.CycleDaysBefore, 7)
	def(&o.CatchUpDays, 7)
	def(&o.DigestHour, 19)
	def(&o.Batch, 2000)
	def(&o.Enqueuers, 16)
	if o.ApprovalWait <= 0 {
		o.ApprovalWait = 24 * time.Hour
	}
	return o
}

// Reminders finds what members owe or officials must decide and reminds each of them once,
// by SMS, in their language, naming the USSD shortcut that does what is asked. Its Run is
// meant for the periodic scheduler: running it often, twice at once, or again after a
// crash sends nothing twice.
//
// Each rule is one transaction: an INSERT … SELECT into sms_reminders (ON CONFLICT DO
// NOTHING) whose RETURNING rows are the reminders this run owns, rendered in Go and
// stored in sms_messages in batches, each reminder row pointing at its message. Only
// after commit are the sms:send tasks enqueued: with asynq.ProcessAt the next 07:00 when
// it is quiet hours. A message whose enqueue fails stays queued for Outbox.Requeue; a
// deferred message's updated_at is its send time, so that sweep (which takes messages
// idle since updated_at) does not send it during the night either.
//
// Members who are not active, and phones in sms_optouts, are not reminded (reminders are
// not receipts). The dial is the member's USSD shortcut: the code, the group's place in
// the home menu when they have more than one membership (see replies.go), then the menu:
// 1 to contribute, 3*2 to repay, 8*1 for the officials' approvals, 5 for the statement.
//
// What counts as paid: a contribution due is unpaid while chama_due_payments sum to less
// than it (welfare due the same period is added to the amount asked). A loan instalment
// is unpaid while the borrower's repayments received so far (chama_payments, purpose
// repayment) are less than the principal and interest scheduled up to and including it;
// repayments that went to a late penalty count too, so a member who paid penalties may be
// reminded less, never more. Only loans in status active are reminded (a defaulted loan
// has its own notice).
type Reminders struct {
	db   *gorm.DB
	out  *Outbox
	q    tasks.Enqueuer
	now  func() time.Time
	opts ReminderOptions
}

// NewReminders returns reminders over db, storing through out (its renderer and USSD code)
// and enqueuing on q (nil: messages are stored and left queued). now is the clock; nil
// means time.Now.
func NewReminders(db *gorm.DB, out *Outbox, q tasks.Enqueuer, now func() time.Time, opts ReminderOptions) *Reminders {
	if now == nil {
		now = time.Now
	}
	return &Reminders{db: db, out: out, q: q, now: now, opts: opts.withDefaults()}
}

// Run decides every reminder due now and returns how many it queued (stored, and
// enqueued unless q is nil). A rule that fails is reported and the others still run; a
// reminder whose task could not be enqueued is counted (it is stored and Requeue sends it)
// and reported.
func (r *Reminders) Run(ctx context.Context) (queued int, err error) {
	now := r.now()
	at := NotBefore(now)
	var errs []error
	for _, rule := range r.rules(now) {
		ids, err := r.runRule(ctx, rule, now, at)
		if err != nil {
			errs = append(errs, fmt.Errorf("sms: reminders %s: %w", rule.name, err))
			continue
		}
		queued += len(ids)
		if err := r.enqueue(ids, now, at); err != nil {
			errs = append(errs, fmt.Errorf("sms: reminders %s: %w", rule.name, err))
		}
	}
	return queued, errors.Join(errs...)
}

// reminderRule is one rule: its kind of message, the menu its dial opens, and the query
// of its candidates (member_id, obligation, phone, lang, path, vars as a JSON object of
// strings) with its named arguments.
type reminderRule struct {
	name  string
	kind  string
	menu  string
	query string
	args  map[string]any
}

// SQL shared by the rules. m is the membership reminded, p its person.
const (
	// memberCols are the columns every candidate query selects about the member; path is
	// the group's place in their USSD home menu followed by "*", or "" when home opens
	// the group directly (one membership, no invitation).
	memberCols = `m.id AS member_id, p.phone, p.lang, ` + pathCol + ` AS path`
	// pathCol is what to key after the USSD code to open member m's group: nothing when it
	// is their one group, else its place in the home list and a star.
	pathCol = `(SELECT CASE WHEN count(*) = 1 THEN '' ELSE (count(*) FILTER (WHERE o.id <= m.id))::text || '*' END
		 FROM chama_members o WHERE o.person_id = m.person_id AND o.status IN ('active', 'invited'))`
	// reachable: an active member who still consents and whose phone has not opted out.
	reachable = `m.status = 'active' AND NOT EXISTS (SELECT 1 FROM sms_optouts x WHERE x.phone = p.phone)
		AND EXISTS (SELECT 1 FROM chama_consents c WHERE c.person_id = p.id AND c.withdrawn_at IS NULL)`
	// duePaid is what has been paid on due d, and welfareOwed what is unpaid of the
	// welfare due in the same period.
	duePaid = `LEFT JOIN LATERAL (SELECT sum(amount) AS paid FROM chama_due_payments WHERE due_id = d.id) pd ON true
		LEFT JOIN LATERAL (SELECT sum(wd.amount - coalesce((SELECT sum(amount) FROM chama_due_payments WHERE due_id = wd.id), 0)) AS owed
			FROM chama_dues wd WHERE wd.member_id = d.member_id AND wd.cycle = d.cycle AND wd.period = d.period
			AND wd.kind = 'welfare') wo ON true`
	dueAmount = `(d.amount - coalesce(pd.paid, 0) + coalesce(wo.owed, 0))::text`
	// repaid is what the borrower of loan l has repaid so far, and scheduled the principal
	// and interest due up to and including instalment i.
	repaid = `CROSS JOIN LATERAL (SELECT sum(j.principal + j.interest) AS scheduled FROM chama_instalments j
			WHERE j.loan_id = i.loan_id AND j.n <= i.n) s
		LEFT JOIN LATERAL (SELECT sum(y.amount) AS paid FROM chama_payments y WHERE y.subject_id = l.id
			AND y.purpose = 'repayment' AND y.member_id = l.borrower_id AND y.received_at <= @now) rp ON true`
	ddmmyyyy = `'DD/MM/YYYY'`
)

// rulesOn is the constitution (k.rules) of group in force on day, as chama reads it: the
// latest version effective by then, else the founding one.
func rulesOn(group, day string) string {
	return `LATERAL (SELECT c.rules FROM chama_constitutions c WHERE c.group_id = ` + group + `
		AND (c.effective_from <= ` + day + ` OR c.version = 1)
		ORDER BY c.effective_from <= ` + day + ` DESC, c.version DESC LIMIT 1) k`
}

// rules are the reminder rules as of now.
func (r *Reminders) rules(now time.Time) []reminderRule {
	o := r.opts
	day := func(n int) string {
		y, m, d := now.In(nairobi).Date()
		return time.Date(y, m, d+n, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	today := day(0)
	// A late obligation is reminded from its late day for CatchUpDays days; the grace
	// days are at most 27 (rules.Constitution.Validate), which bounds the due dates.
	lateFrom := day(1 - o.CatchUpDays)
	dueLo := day(1 - o.CatchUpDays - 28)
	return append(r.digestRule(now, today), []reminderRule{
		{name: RuleDue, kind: "remind.due", menu: "1", args: map[string]any{"today": today, "until": day(o.DueDaysBefore)},
			query: `SELECT ` + memberCols + `, 'due:' || d.id AS obligation,
				jsonb_build_object('group', g.code, 'amount', ` + dueAmount + `,
					'date', to_char(d.due_on, ` + ddmmyyyy + `))::text AS vars
			FROM chama_dues d
			JOIN chama_members m ON m.id = d.member_id
			JOIN chama_people p ON p.id = m.person_id
			JOIN chama_groups g ON g.id = d.group_id
			` + duePaid + `
			WHERE d.kind = 'contribution' AND d.due_on BETWEEN CAST(@today AS date) AND CAST(@until AS date)
			AND d.amount > coalesce(pd.paid, 0) AND ` + reachable},
		{name: RuleOverdue, kind: "remind.overdue", menu: "1", args: map[string]any{"today": today, "from": lateFrom, "lo": dueLo},
			query: `SELECT ` + memberCols + `, 'due:' || d.id AS obligation,
				jsonb_build_object('group', g.code, 'amount', ` + dueAmount + `,
					'date', to_char(d.due_on, ` + ddmmyyyy + `), 'fine', coalesce(f.fine::text, ''),
					'every', coalesce(k.rules->'fine'->>'recurrence', ''))::text AS vars
			FROM chama_dues d
			JOIN chama_members m ON m.id = d.member_id
			JOIN chama_people p ON p.id = m.person_id
			JOIN chama_groups g ON g.id = d.group_id
			CROSS JOIN ` + rulesOn("d.group_id", "d.due_on") + `
			` + duePaid + `
			CROSS JOIN LATERAL (SELECT NULLIF(CASE WHEN coalesce((k.rules->'fine'->>'cap')::numeric, 0) > 0
					THEN least(e.each, (k.rules->'fine'->>'cap')::numeric) ELSE e.each END, 0) AS fine
				FROM (SELECT CASE k.rules->'fine'->>'basis'
					WHEN 'fixed' THEN round((k.rules->'fine'->>'amount')::numeric, 2)
					WHEN 'percent' THEN round((d.amount - coalesce(pd.paid, 0)) * (k.rules->'fine'->>'amount')::numeric / 100, 2)
					END AS each) e) f
			WHERE d.kind = 'contribution' AND d.due_on BETWEEN CAST(@lo AS date) AND CAST(@today AS date)
			AND d.due_on + coalesce((k.rules->>'grace_days')::int, 0) + 1 BETWEEN CAST(@from AS date) AND CAST(@today AS date)
			AND d.amount > coalesce(pd.paid, 0) AND ` + reachable + `
			-- cash handed to an official and waiting for a second one is not lateness
			AND NOT EXISTS (SELECT 1 FROM chama_approvals ca WHERE ca.subject = 'cash_contribution'
				AND ca.status = 'open' AND ca.beneficiary = m.id)`},
		{name: RuleInstalment, kind: "remind.instalment", menu: "3*2",
			args: map[string]any{"today": today, "until": day(o.InstalmentDaysBefore), "now": now},
			query: `SELECT ` + memberCols + `, 'instalment:' || i.loan_id || ':' || i.n AS obligation,
				jsonb_build_object('group', g.code, 'loan', i.loan_id::text, 'n', i.n::text,
					'amount', least(i.principal + i.interest, s.scheduled - coalesce(rp.paid, 0))::text,
					'date', to_char(i.due_on, ` + ddmmyyyy + `))::text AS vars
			FROM chama_loans l
			JOIN chama_instalments i ON i.loan_id = l.id
			JOIN chama_members m ON m.id = l.borrower_id
			JOIN chama_people p ON p.id = m.person_id
			JOIN chama_groups g ON g.id = l.group_id
			` + repaid + `
			WHERE l.status = 'active' AND i.due_on BETWEEN CAST(@today AS date) AND CAST(@until AS date)
			AND s.scheduled > coalesce(rp.paid, 0) AND ` + reachable},
		{name: RuleInstalmentOverdue, kind: "remind.instalment_overdue", menu: "3*2",
			args: map[string]any{"today": today, "from": lateFrom, "lo": dueLo, "now": now},
			query: `SELECT ` + memberCols + `, 'instalment:' || i.loan_id || ':' || i.n AS obligation,
				jsonb_build_object('group', g.code, 'loan', i.loan_id::text, 'n', i.n::text,
					'amount', v.overdue::text, 'date', to_char(i.due_on, ` + ddmmyyyy + `),
					'penalty', CASE WHEN l.lender_id IS NULL
						THEN coalesce(NULLIF(round(v.overdue * coalesce((k.rules->>'late_penalty')::numeric, 0), 2), 0)::text, '')
						ELSE '' END)::text AS vars
			FROM chama_loans l
			JOIN chama_instalments i ON i.loan_id = l.id
			JOIN chama_members m ON m.id = l.borrower_id
			JOIN chama_people p ON p.id = m.person_id
			JOIN chama_groups g ON g.id = l.group_id
			CROSS JOIN ` + rulesOn("l.group_id", "coalesce(l.disbursed_on, i.due_on)") + `
			` + repaid + `
			CROSS JOIN LATERAL (SELECT least(i.principal + i.interest, s.scheduled - coalesce(rp.paid, 0)) AS overdue) v
			WHERE l.status = 'active' AND i.due_on BETWEEN CAST(@lo AS date) AND CAST(@today AS date)
			AND i.due_on + coalesce((k.rules->>'grace_days')::int, 0) + 1 BETWEEN CAST(@from AS date) AND CAST(@today AS date)
			AND v.overdue > 0 AND ` + reachable},
		{name: RuleApproval, kind: "remind.approval", menu: "8*1",
			// An approval's expiry is set from chama's clock when it opens (ApprovalTTL
			// later), so it tells how long it has been open on any clock.
			args: map[string]any{"now": now, "latest": now.Add(chama.ApprovalTTL - o.ApprovalWait)},
			query: `SELECT ` + memberCols + `, 'approval:' || ap.id AS obligation,
				jsonb_build_object('group', g.code, 'id', ap.id::text, 'subject', ap.subject,
					'date', to_char((ap.expires_at AT TIME ZONE 'UTC') + interval '3 hours', 'DD/MM/YYYY HH24:MI'))::text AS vars
			FROM chama_approvals ap
			JOIN chama_groups g ON g.id = ap.group_id
			JOIN chama_members m ON m.group_id = ap.group_id AND m.role <> 'member'
			JOIN chama_people p ON p.id = m.person_id
			WHERE ap.status = 'open' AND ap.expires_at > @now AND ap.expires_at <= @latest
			AND ap.requested_by <> m.id AND ap.beneficiary IS DISTINCT FROM m.id
			AND NOT EXISTS (SELECT 1 FROM chama_votes v WHERE v.approval_id = ap.id AND v.member_id = m.id)
			AND ` + reachable},
		{name: RuleCycle, kind: "remind.cycle", menu: "5", args: map[string]any{"today": today, "until": day(o.CycleDaysBefore)},
			query: `SELECT ` + memberCols + `, 'cycle:' || g.id || ':' || g.cycle AS obligation,
				jsonb_build_object('group', g.code, 'cycle', g.cycle::text, 'date', to_char(e.ends_on, ` + ddmmyyyy + `))::text AS vars
			FROM chama_groups g
			CROSS JOIN ` + rulesOn("g.id", "CAST(@today AS date)") + `
			CROSS JOIN LATERAL (SELECT (g.cycle_start + make_interval(months => coalesce((k.rules->>'cycle_months')::int, 12)))::date AS ends_on) e
			JOIN chama_members m ON m.group_id = g.id
			JOIN chama_people p ON p.id = m.person_id
			WHERE e.ends_on > CAST(@today AS date) AND e.ends_on <= CAST(@until AS date) AND ` + reachable},
	}...)
}

// candidate is one reminder a rule's INSERT took.
type candidate struct {
	MemberID   int64  `gorm:"column:member_id"`
	Obligation string `gorm:"column:obligation"`
	Phone      string `gorm:"column:phone"`
	Lang       string `gorm:"column:lang"`
	Path       string `gorm:"column:path"`
	Vars       string `gorm:"column:vars"`
}

// runRule takes, stores and links the rule's new reminders in one transaction and returns
// their messages' ids. Runs of one rule are serialised by an advisory lock: a second run
// waits, then finds every reminder taken (the primary key would refuse a second row
// anyway; the lock spares the two inserts deadlocking on each other's rows).
func (r *Reminders) runRule(ctx context.Context, rule reminderRule, now, at time.Time) ([]int64, error) {
	var ids []int64
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids = ids[:0]
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext(?))`, "sms_reminders:"+rule.name).Error; err != nil {
			return err
		}
		args := map[string]any{"rule": rule.name, "not_before": at, "created": now}
		for k, v := range rule.args {
			args[k] = v
		}
		var cands []candidate
		if err := tx.Raw(`WITH cand AS (`+rule.query+`),
			ins AS (INSERT INTO sms_reminders (member_id, rule, obligation, not_before, created_at)
				SELECT member_id, CAST(@rule AS text), obligation, CAST(@not_before AS timestamptz), CAST(@created AS timestamptz) FROM cand ORDER BY member_id, obligation
				ON CONFLICT DO NOTHING RETURNING member_id, obligation)
			SELECT cand.* FROM cand JOIN ins USING (member_id, obligation) ORDER BY cand.member_id, cand.obligation`,
			args).Scan(&cands).Error; err != nil {
			return err
		}
		for start := 0; start < len(cands); start += r.opts.Batch {
			batch := cands[start:min(start+r.opts.Batch, len(cands))]
			got, err := r.out.storeReminders(tx, rule, batch, now, at)
			if err != nil {
				return err
			}
			ids = append(ids, got...)
		}
		return nil
	})
	return ids, err
}

// storeReminders renders a batch of a rule's reminders, stores them as queued messages
// (dedupe key remind:<rule>:<member>:<obligation>) and points each reminder at its
// message, in tx. It returns the messages' ids. A message created in quiet hours gets
// updated_at = at, its send time (see Reminders).
func (o *Outbox) storeReminders(tx *gorm.DB, rule reminderRule, batch []candidate, now, at time.Time) ([]int64, error) {
	n := len(batch)
	to, langs, kinds, texts, segs, costs, keys := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	members, obligations := make([]string, n), make([]string, n)
	base := o.r.USSDCode
	if base == "" {
		base = DefaultUSSDCode
	}
	base = strings.TrimSuffix(base, "#") + "*"
	for i, c := range batch {
		vars := map[string]string{}
		if err := json.Unmarshal([]byte(c.Vars), &vars); err != nil {
			return nil, fmt.Errorf("member %d %s: vars: %w", c.MemberID, c.Obligation, err)
		}
		vars["dial"] = base + c.Path + rule.menu + "#"
		text, err := o.r.Render(chama.Notice{Phone: c.Phone, Lang: c.Lang, Kind: rule.kind, Vars: vars})
		if err != nil {
			return nil, fmt.Errorf("member %d %s: %w", c.MemberID, c.Obligation, err)
		}
		parts, _ := Segments(text)
		member := strconv.FormatInt(c.MemberID, 10)
		to[i], langs[i], kinds[i], texts[i] = c.Phone, c.Lang, rule.kind, text
		segs[i], costs[i] = strconv.Itoa(parts), Cost(parts).String()
		keys[i] = "remind:" + rule.name + ":" + member + ":" + c.Obligation
		members[i], obligations[i] = member, c.Obligation
	}
	var rows []struct {
		ID  int64  `gorm:"column:id"`
		Key string `gorm:"column:dedupe_key"`
	}
	// A key stored before (a reminder row removed by hand and taken again) names its
	// message rather than failing the batch.
	if err := tx.Raw(`INSERT INTO sms_messages (to_phone, lang, kind, message, segments, cost, dedupe_key, created_at, updated_at)
		SELECT t.to_phone, t.lang, t.kind, t.message, t.segments::int, t.cost::numeric, t.dedupe_key, ?::timestamptz, ?::timestamptz
		FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
			AS t(to_phone, lang, kind, message, segments, cost, dedupe_key)
		ON CONFLICT (dedupe_key) DO UPDATE SET dedupe_key = EXCLUDED.dedupe_key
		RETURNING id, dedupe_key`,
		now, at, pgArray(to), pgArray(langs), pgArray(kinds), pgArray(texts), pgArray(segs), pgArray(costs), pgArray(keys)).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store messages: %w", err)
	}
	byKey := make(map[string]int64, len(rows))
	for _, row := range rows {
		byKey[row.Key] = row.ID
	}
	ids, idText := make([]int64, n), make([]string, n)
	for i, k := range keys {
		id, ok := byKey[k]
		if !ok {
			return nil, fmt.Errorf("store messages: no id for %s", k)
		}
		ids[i], idText[i] = id, strconv.FormatInt(id, 10)
	}
	if err := tx.Exec(`UPDATE sms_reminders r SET message_id = u.id
		FROM unnest(?::bigint[], ?::text[], ?::bigint[]) AS u(member_id, obligation, id)
		WHERE r.member_id = u.member_id AND r.rule = ? AND r.obligation = u.obligation`,
		pgArray(members), pgArray(obligations), pgArray(idText), rule.name).Error; err != nil {
		return nil, fmt.Errorf("link reminders: %w", err)
	}
	return ids, nil
}

// enqueue queues the sending of messages ids, at at when that is later than now, with
// Enqueuers tasks in flight. A task already queued is fine; any other failure is
// returned (the messages stay queued for Outbox.Requeue).
func (r *Reminders) enqueue(ids []int64, now, at time.Time) error {
	if r.q == nil || len(ids) == 0 {
		return nil
	}
	var opts []asynq.Option
	if at.After(now) {
		opts = append(opts, asynq.ProcessAt(at))
	}
	next := make(chan int64)
	var mu sync.Mutex
	var failed int
	var first error
	var wg sync.WaitGroup
	for range min(r.opts.Enqueuers, len(ids)) {
		wg.Go(func() {
			for id := range next {
				if _, err := r.q.Enqueue(tasks.NewSMSSendTask(id), opts...); err != nil &&
					!errors.Is(err, asynq.ErrDuplicateTask) && !errors.Is(err, asynq.ErrTaskIDConflict) {
					mu.Lock()
					if failed++; first == nil {
						first = fmt.Errorf("message %d stored but not queued: %w", id, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	if failed > 0 {
		return fmt.Errorf("%d of %d messages not queued, first: %w", failed, len(ids), first)
	}
	return nil
}

// pgArray is a Postgres array literal of strings, passed as one parameter (a slice would
// be spread into a list by GORM) and cast by the query (::text[], ::bigint[]).
type pgArray []string

// Value writes {"a","b"}: every element quoted, backslashes and quotes escaped.
func (a pgArray) Value() (driver.Value, error) {
	var b strings.Builder
	b.Grow(len(a) * 16)
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, c := range []byte(s) {
			if c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

var _ driver.Valuer = pgArray(nil)
