package sms

import "time"

// RuleDigest is the treasurer's daily digest: what came in and went out of the group
// since the last digest (the books' time, so nothing settled late is missed), the group's cash (and what officials hold from meetings),
// what members owe, and the requests waiting. It is one more reminder rule, so it goes
// once a group a day however often Reminders runs, to the treasurer (the chair when the
// group has none), from DigestHour on. A day on which no money moved and no fine was
// charged sends nothing: a treasurer who gets one only when there is news reads it.
const RuleDigest = "digest"

// digestRule is the digest's rule, or none before DigestHour (Nairobi time).
func (r *Reminders) digestRule(now time.Time, today string) []reminderRule {
	local := now.In(nairobi)
	if local.Hour() < r.opts.DigestHour {
		return nil
	}
	start := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, nairobi)
	return []reminderRule{{name: RuleDigest, kind: "digest.treasurer", menu: "8",
		args: map[string]any{"today": today, "start": start, "now": now},
		query: `SELECT ` + memberCols + `, 'digest:' || CAST(@today AS text) AS obligation,
			jsonb_build_object('group', g.code, 'date', to_char(CAST(@today AS date), 'DD/MM'),
				'in', a.in_amount::text, 'in_n', a.in_n::text, 'out', a.out_amount::text, 'out_n', a.out_n::text,
				'cash', coalesce(b.cash, 0)::text,
				'inhand', coalesce(NULLIF(b.inhand, 0)::text, ''),
				'arrears', debt.owed::text, 'debtors', debt.n::text, 'approvals', ap.n::text)::text AS vars
		FROM chama_groups g
		-- since the group's last digest (today's midnight for its first): what the books
		-- took in that time, however late M-Pesa's settlement or a cash confirmation came
		CROSS JOIN LATERAL (SELECT coalesce((SELECT max(r.created_at) FROM sms_reminders r
			JOIN chama_members rm ON rm.id = r.member_id WHERE r.rule = 'digest' AND rm.group_id = g.id), @start) AS since) w
		CROSS JOIN LATERAL (SELECT
			(SELECT coalesce(sum(y.amount), 0) FROM chama_payments y WHERE y.group_id = g.id
				AND y.created_at > w.since AND y.created_at <= @now) AS in_amount,
			(SELECT count(*) FROM chama_payments y WHERE y.group_id = g.id
				AND y.created_at > w.since AND y.created_at <= @now) AS in_n,
			(SELECT coalesce(sum(o.amount), 0) FROM chama_payouts o WHERE o.group_id = g.id AND o.status = 'paid'
				AND o.settled_at > w.since AND o.settled_at <= @now) AS out_amount,
			(SELECT count(*) FROM chama_payouts o WHERE o.group_id = g.id AND o.status = 'paid'
				AND o.settled_at > w.since AND o.settled_at <= @now) AS out_n,
			(SELECT coalesce(sum(f.amount), 0) FROM chama_dues f WHERE f.group_id = g.id AND f.kind = 'fine'
				AND f.created_at > w.since AND f.created_at <= @now) AS fines) a
		CROSS JOIN LATERAL (SELECT sum(balance) FILTER (WHERE code = 'cash') AS cash,
			sum(balance) FILTER (WHERE code LIKE 'cash-in-hand:%') AS inhand
			FROM ledger_accounts WHERE book_id = g.book_id) b
		CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(x.owed), 0) AS owed FROM (
			SELECT sum(d.amount - coalesce((SELECT sum(dp.amount) FROM chama_due_payments dp WHERE dp.due_id = d.id), 0)) AS owed
			FROM chama_dues d JOIN chama_members dm ON dm.id = d.member_id AND dm.status = 'active'
			WHERE d.group_id = g.id AND (d.kind = 'fine' OR d.due_on < CAST(@today AS date))
			GROUP BY d.member_id HAVING sum(d.amount - coalesce((SELECT sum(dp.amount) FROM chama_due_payments dp WHERE dp.due_id = d.id), 0)) > 0) x) debt
		CROSS JOIN LATERAL (SELECT count(*) AS n FROM chama_approvals WHERE group_id = g.id AND status = 'open') ap
		JOIN LATERAL (SELECT o.* FROM chama_members o WHERE o.group_id = g.id AND o.status = 'active'
			AND o.role IN ('treasurer', 'chair') ORDER BY o.role = 'treasurer' DESC, o.id LIMIT 1) m ON true
		JOIN chama_people p ON p.id = m.person_id
		WHERE (a.in_n > 0 OR a.out_n > 0 OR a.fines > 0) AND ` + reachable}}
}
