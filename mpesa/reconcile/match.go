package reconcile

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// The platform book and the accounts whose postings are money at M-Pesa (books.md).
const (
	platformBook        = "platform"
	collectionsAccount  = "mpesa:collections"
	disbursementAccount = "mpesa:disbursements"
)

// Finding classes, as stored in the reconcile_findings temporary table.
const (
	classMissingFromBooks = "missing_from_books"
	classMissingFromMpesa = "missing_from_mpesa"
	classAmountMismatch   = "amount_mismatch"
	classInSuspense       = "in_suspense"
)

// The comparison is set-based: a few statements over temporary tables that live until the
// transaction ends, so a million-line statement costs a handful of hash joins, not a
// million round trips. One REPEATABLE READ transaction gives every statement the same
// snapshot of the books.
var matchSQL = []struct {
	table  string
	params bool // names @run, @book or @accounts
	create string
}{
	// The statement by receipt: Completed lines only, amounts signed (+ in, − out). A
	// receipt on two lines is summed, and then differs from its one entry in the books.
	// Completion Time is Nairobi wall-clock time.
	{"reconcile_statement", true, `CREATE TEMP TABLE reconcile_statement ON COMMIT DROP AS
	 SELECT receipt,
	        sum(coalesce(paid_in, 0) - coalesce(withdrawn, 0)) AS amount,
	        min(completion_time) AT TIME ZONE 'Africa/Nairobi' AS completed_at,
	        min(details) AS details
	 FROM mpesa_statement_lines
	 WHERE run_id = @run AND status = '` + StatusCompleted + `'
	 GROUP BY receipt`},

	// The books by receipt: every platform entry keyed mpesa:R:platform or mpesa:R:suspense
	// (or mpesa:R:assigned, when an official later placed suspense money with a member:
	// that entry moves no M-Pesa money, it only takes the receipt out of suspense) whose
	// receipt is on the statement, or which occurred within the statement's period
	// (a day of slack either side). Its amount is what it posts to the two M-Pesa accounts.
	// One pass over the entries (the period needs it: occurred_at has no index), hash-joined
	// to the statement, so memory is bounded by the statement, not the books.
	{"reconcile_books", true, `CREATE TEMP TABLE reconcile_books ON COMMIT DROP AS
	 WITH period AS (
	     SELECT min(completed_at) - interval '1 day' AS lo, max(completed_at) + interval '1 day' AS hi
	     FROM reconcile_statement
	 ), keyed AS (
	     SELECT e.id, split_part(e.idempotency_key, ':', 2) AS receipt,
	            split_part(e.idempotency_key, ':', 3) AS part, e.occurred_at
	     FROM ledger_entries e
	     WHERE e.book_id = @book AND e.idempotency_key LIKE 'mpesa:%'
	       AND e.idempotency_key ~ '^mpesa:[^:]+:(platform|suspense|assigned)$'
	 ), wanted AS (
	     SELECT k.* FROM keyed k
	     LEFT JOIN reconcile_statement s ON s.receipt = k.receipt
	     CROSS JOIN period
	     WHERE s.receipt IS NOT NULL OR k.occurred_at BETWEEN period.lo AND period.hi
	 )
	 SELECT w.receipt, bool_or(w.part = 'suspense') AND NOT bool_or(w.part = 'assigned') AS suspense, min(w.id) AS entry_id,
	        min(w.occurred_at) AS occurred_at, coalesce(sum(p.amount), 0) AS amount
	 FROM wanted w
	 LEFT JOIN ledger_postings p ON p.entry_id = w.id AND p.account_id IN @accounts
	 GROUP BY w.receipt`},

	// Everything that is not a plain match, classified. Matches are not stored: there may be
	// a million of them.
	{"reconcile_findings", false, `CREATE TEMP TABLE reconcile_findings ON COMMIT DROP AS
	 SELECT CASE WHEN b.receipt IS NULL THEN '` + classMissingFromBooks + `'
	             WHEN s.receipt IS NULL THEN '` + classMissingFromMpesa + `'
	             WHEN s.amount <> b.amount THEN '` + classAmountMismatch + `'
	             ELSE '` + classInSuspense + `' END AS class,
	        coalesce(s.receipt, b.receipt) AS receipt,
	        coalesce(s.completed_at, b.occurred_at) AS at,
	        coalesce(s.details, '') AS details,
	        s.amount AS statement_amount, b.amount AS book_amount,
	        b.entry_id, coalesce(b.suspense, false) AS suspense
	 FROM reconcile_statement s FULL JOIN reconcile_books b ON b.receipt = s.receipt
	 WHERE b.receipt IS NULL OR s.receipt IS NULL OR s.amount <> b.amount OR b.suspense`},
}

// Match compares run's Completed lines with the platform book, stores the report as the
// run's report, and returns it. It writes nothing to the books: the report is its output.
func Match(ctx context.Context, db *gorm.DB, runID int64) (Report, error) {
	rep := Report{RunID: runID}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var run struct {
			Source string
			Lines  int64
		}
		res := tx.Raw(`SELECT source, lines FROM mpesa_statement_runs WHERE id = ?`, runID).Scan(&run)
		if res.Error != nil {
			return fmt.Errorf("read run: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%w: %d", ErrUnknownRun, runID)
		}
		rep.Source, rep.Lines = run.Source, run.Lines
		if run.Lines > 0 {
			var present bool
			if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM mpesa_statement_lines WHERE run_id = ?)`, runID).Scan(&present).Error; err != nil {
				return fmt.Errorf("read lines: %w", err)
			}
			if !present { // else an empty comparison would pass for a clean one
				return fmt.Errorf("%w: run %d", ErrLinesGone, runID)
			}
		}

		var book int64
		if err := tx.Raw(`SELECT id FROM ledger_books WHERE code = ?`, platformBook).Scan(&book).Error; err != nil {
			return fmt.Errorf("find platform book: %w", err)
		}
		if book == 0 {
			return ErrNoPlatformBook
		}
		var accounts []int64
		if err := tx.Raw(`SELECT id FROM ledger_accounts WHERE book_id = ? AND code IN (?, ?)`,
			book, collectionsAccount, disbursementAccount).Scan(&accounts).Error; err != nil {
			return fmt.Errorf("find M-Pesa accounts: %w", err)
		}

		// Room for the hash joins and aggregates over a million receipts to stay in memory.
		if err := tx.Exec(`SET LOCAL work_mem = '128MB'`).Error; err != nil {
			return err
		}
		// Id 0 never exists and keeps the list non-empty: IN () is not SQL.
		args := map[string]any{"run": runID, "book": book, "accounts": append(accounts, 0)}
		for _, step := range matchSQL {
			var params []any
			if step.params {
				params = []any{args}
			}
			if err := tx.Exec(step.create, params...).Error; err != nil {
				return fmt.Errorf("build %s: %w", step.table, err)
			}
			// Fresh statistics, so that the planner sizes the joins that read the table.
			if err := tx.Exec(`ANALYZE ` + step.table).Error; err != nil {
				return fmt.Errorf("analyze %s: %w", step.table, err)
			}
		}
		if err := summarise(tx, &rep); err != nil {
			return err
		}
		js, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE mpesa_statement_runs SET report = ?::jsonb WHERE id = ?`, string(js), runID).Error; err != nil {
			return fmt.Errorf("store report: %w", err)
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		if errors.Is(err, ErrUnknownRun) || errors.Is(err, ErrLinesGone) || errors.Is(err, ErrNoPlatformBook) {
			return Report{}, err
		}
		return Report{}, fmt.Errorf("match run %d: %w", runID, err)
	}
	return rep, nil
}

// summarise fills rep from the temporary tables Match built.
func summarise(tx *gorm.DB, rep *Report) error {
	var period struct {
		Compared int64
		From, To *time.Time
	}
	if err := tx.Raw(`SELECT count(*) AS compared, min(completed_at) AS "from", max(completed_at) AS "to"
		FROM reconcile_statement`).Scan(&period).Error; err != nil {
		return fmt.Errorf("statement period: %w", err)
	}
	rep.Compared, rep.From, rep.To = period.Compared, period.From, period.To

	type tally struct {
		Class string
		Count int64
		Total decimal.Decimal
	}
	var matched tally
	if err := tx.Raw(`SELECT count(*) AS count, coalesce(sum(s.amount), 0) AS total
		FROM reconcile_statement s JOIN reconcile_books b ON b.receipt = s.receipt
		WHERE s.amount = b.amount`).Scan(&matched).Error; err != nil {
		return fmt.Errorf("count matches: %w", err)
	}
	rep.Matched = Part{Count: matched.Count, Total: matched.Total}

	var tallies []tally
	if err := tx.Raw(`SELECT class, count(*) AS count,
		       coalesce(sum(CASE class WHEN ? THEN statement_amount
		                               WHEN ? THEN statement_amount - book_amount
		                               ELSE book_amount END), 0) AS total
		FROM reconcile_findings GROUP BY class`, classMissingFromBooks, classAmountMismatch).Scan(&tallies).Error; err != nil {
		return fmt.Errorf("count findings: %w", err)
	}
	parts := map[string]*Part{
		classMissingFromBooks: &rep.MissingFromBooks,
		classMissingFromMpesa: &rep.MissingFromMpesa,
		classAmountMismatch:   &rep.AmountMismatch,
		classInSuspense:       &rep.InSuspense,
	}
	for _, t := range tallies {
		parts[t.Class].Count, parts[t.Class].Total = t.Count, t.Total
	}

	for class, part := range parts {
		if part.Count == 0 {
			continue
		}
		var rows []struct {
			Receipt         string
			At              time.Time
			Details         string
			StatementAmount decimal.NullDecimal
			BookAmount      decimal.NullDecimal
			EntryID         sql.NullInt64
			Suspense        bool
		}
		if err := tx.Raw(`SELECT receipt, at, details, statement_amount, book_amount, entry_id, suspense
			FROM reconcile_findings WHERE class = ? ORDER BY at, receipt LIMIT ?`, class, MaxItems).Scan(&rows).Error; err != nil {
			return fmt.Errorf("list %s: %w", class, err)
		}
		part.Items = make([]Item, len(rows))
		for i, r := range rows {
			part.Items[i] = Item{Receipt: r.Receipt, At: r.At.In(nairobi), Details: r.Details,
				Statement: nullable(r.StatementAmount), Books: nullable(r.BookAmount),
				EntryID: r.EntryID.Int64, Suspense: r.Suspense}
		}
	}
	if rep.From != nil {
		from, to := rep.From.In(nairobi), rep.To.In(nairobi)
		rep.From, rep.To = &from, &to
	}
	return nil
}

func nullable(d decimal.NullDecimal) *decimal.Decimal {
	if !d.Valid {
		return nil
	}
	return &d.Decimal
}
