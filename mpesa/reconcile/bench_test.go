package reconcile_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/mpesa/reconcile"
	rt "github.com/kikundi/kikundi/mpesa/reconcile/reconciletest"
)

// The million-line benchmark's statement and books, receipt BMnnnnnnnn for i = 1..benchLines:
//   - every 10th is a B2C payment (withdrawn), the rest money in;
//   - every 1000th (i%1000 == 1) is held in suspense;
//   - i%100000 == 13 has no entry in the books (missing from books: 10);
//   - i%100000 == 7 is 1.00 more on the statement (amount mismatch: 10);
//   - benchExtra entries after the last line are not on the statement (missing from M-Pesa).
const (
	benchLines = 1_000_000
	benchExtra = 5
)

var benchStart = time.Date(2024, 7, 6, 0, 0, 0, 0, rt.Nairobi)

func benchCents(i int64) int64 { return (i*7919)%500000 + 1000 }

// BenchmarkReconcileMillion loads and matches a 1,000,000-line statement against a platform
// book holding a matching entry for almost every receipt. The entries are written
// set-based (one INSERT … SELECT generate_series each for entries and postings, in one
// transaction that the deferred balance check accepts), not through ledger.Post: building
// a million entries one by one would dwarf what is measured. They are not chained and the
// account balances are not updated, which reconciliation never reads.
//
//	go test -run='^$' -bench=ReconcileMillion -benchtime=1x ./mpesa/reconcile/
func BenchmarkReconcileMillion(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Postgres(b)
	books := rt.NewBooks(b, db)
	start := time.Now()
	seedBenchBooks(b, db, books)
	b.Logf("books: %d entries in %.1fs", benchLines-benchLines/100000+benchExtra, time.Since(start).Seconds())
	start = time.Now()
	path := writeBenchStatement(b)
	info, _ := os.Stat(path)
	b.Logf("statement: %d lines, %d MB in %.1fs", benchLines, info.Size()>>20, time.Since(start).Seconds())

	var loadTime, matchTime, dropTime time.Duration
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		runID, err := reconcile.Load(ctx, db, f, path, nil)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		rep, err := reconcile.Match(ctx, db, runID)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if err := reconcile.DropLines(ctx, db, runID); err != nil {
			b.Fatal(err)
		}
		loadTime += t1.Sub(t0)
		matchTime += t2.Sub(t1)
		dropTime += time.Since(t2)

		wantMatched := int64(benchLines - 2*benchLines/100000)
		if rep.Lines != benchLines || rep.Matched.Count != wantMatched || rep.MissingFromBooks.Count != benchLines/100000 ||
			rep.AmountMismatch.Count != benchLines/100000 || rep.MissingFromMpesa.Count != benchExtra ||
			rep.InSuspense.Count != benchLines/1000 || len(rep.InSuspense.Items) != reconcile.MaxItems {
			b.Fatalf("report: lines %d, matched %d (want %d), missing from books %d, mismatch %d, missing from M-Pesa %d, suspense %d",
				rep.Lines, rep.Matched.Count, wantMatched, rep.MissingFromBooks.Count, rep.AmountMismatch.Count,
				rep.MissingFromMpesa.Count, rep.InSuspense.Count)
		}
	}

	n := float64(b.N)
	b.ReportMetric(loadTime.Seconds()/n, "load-s")
	b.ReportMetric(matchTime.Seconds()/n, "match-s")
	b.ReportMetric(dropTime.Seconds()/n, "drop-s")
	b.ReportMetric(benchLines*n/(loadTime+matchTime).Seconds(), "lines/s")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // Linux reports kilobytes
	}
}

// seedBenchBooks writes the benchmark's platform entries and their postings set-based.
func seedBenchBooks(b *testing.B, db *gorm.DB, books *rt.Books) {
	b.Helper()
	args := map[string]any{
		"book": books.Book.ID, "n": benchLines + benchExtra, "start": benchStart,
		"coll": books.Collections, "disb": books.Disbursements, "owed": books.Owed, "susp": books.Suspense,
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL work_mem = '256MB'`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`
			INSERT INTO ledger_entries (book_id, idempotency_key, content_hash, kind, occurred_at)
			SELECT @book, 'mpesa:BM' || lpad(i::text, 8, '0') || CASE WHEN i % 1000 = 1 THEN ':suspense' ELSE ':platform' END,
			       sha256(int8send(i)), 'mpesa.settle', CAST(@start AS timestamptz) + i * interval '80 milliseconds'
			FROM generate_series(1, CAST(@n AS int)) AS i
			WHERE i % 100000 <> 13`, args).Error; err != nil {
			return fmt.Errorf("entries: %w", err)
		}
		// Money in: Dr collections / Cr owed (or suspense). Out: Dr owed / Cr disbursements.
		if err := tx.Exec(`
			INSERT INTO ledger_postings (entry_id, account_id, currency, amount, balance_after)
			SELECT e.id, leg.account, 'KES', leg.amount, 0
			FROM (SELECT id, substr(idempotency_key, 9, 8)::bigint AS i, idempotency_key LIKE '%:suspense' AS suspense
			      FROM ledger_entries WHERE book_id = @book) AS e
			CROSS JOIN LATERAL (SELECT ((e.i * 7919) % 500000 + 1000) / 100.0 AS amt) AS a
			CROSS JOIN LATERAL (VALUES
			    (CASE WHEN e.i % 10 = 0 THEN CAST(@owed AS bigint) ELSE CAST(@coll AS bigint) END, a.amt),
			    (CASE WHEN e.i % 10 = 0 THEN CAST(@disb AS bigint) WHEN e.suspense THEN CAST(@susp AS bigint) ELSE CAST(@owed AS bigint) END, -a.amt)
			) AS leg(account, amount)`, args).Error; err != nil {
			return fmt.Errorf("postings: %w", err)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed books: %v", err)
	}
	if err := db.Exec(`ANALYZE ledger_entries; ANALYZE ledger_postings`).Error; err != nil {
		b.Fatal(err)
	}
}

// writeBenchStatement streams the benchmark's statement to a temporary file.
func writeBenchStatement(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "statement.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	s, err := rt.NewStatement(w, decimal.NewFromInt(50_000_000))
	if err != nil {
		b.Fatal(err)
	}
	for i := int64(1); i <= benchLines; i++ {
		cents := benchCents(i)
		if i%100000 == 7 {
			cents += 100
		}
		amount := fmt.Sprintf("%d.%02d", cents/100, cents%100)
		l := rt.Line{Receipt: fmt.Sprintf("BM%08d", i), At: benchStart.Add(time.Duration(i) * 80 * time.Millisecond)}
		if i%10 == 0 {
			l.Details, l.Withdrawn = fmt.Sprintf("Business Payment to 2547%08d - JOHN DOE", i), amount
		} else {
			l.Details, l.PaidIn = fmt.Sprintf("Pay Bill from 2547%08d - JANE DOE Acc. GRP%d", i, i%500), amount
		}
		if err := s.Write(l); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return path
}
