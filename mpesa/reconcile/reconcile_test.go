package reconcile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/ledger"
	"github.com/kikundi/kikundi/mpesa/reconcile"
	rt "github.com/kikundi/kikundi/mpesa/reconcile/reconciletest"
)

// day is the statement's day; every time in these tests is an offset from it.
var day = time.Date(2024, 7, 6, 0, 0, 0, 0, rt.Nairobi)

func at(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// row is an item as the tests compare it.
type row struct {
	Receipt, Statement, Books string
	Suspense                  bool
}

func rows(p reconcile.Part) []row {
	var out []row
	for _, it := range p.Items {
		r := row{Receipt: it.Receipt, Suspense: it.Suspense}
		if it.Statement != nil {
			r.Statement = it.Statement.StringFixed(2)
		}
		if it.Books != nil {
			r.Books = it.Books.StringFixed(2)
		}
		out = append(out, r)
	}
	return out
}

func load(t *testing.T, db *gorm.DB, lines ...rt.Line) int64 {
	t.Helper()
	var buf bytes.Buffer
	if err := rt.WriteStatement(&buf, lines...); err != nil {
		t.Fatal(err)
	}
	runID, err := reconcile.Load(context.Background(), db, &buf, "test.csv", nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return runID
}

func TestMatchFindsEveryKindOfDifference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Postgres(t)
	books := rt.NewBooks(t, db)

	books.PaidIn(t, "SG61AAAAA1", "500.00", at(8, 0))
	books.PaidIn(t, "SG61AAAAA2", "1200.50", at(9, 30))
	books.PaidOut(t, "SG61AAAAA3", "300.00", at(10, 0))
	books.PaidIn(t, "SG61AAAAA5", "700.00", at(12, 0))            // M-Pesa never had it
	books.PaidIn(t, "SG61AAAAA6", "80.00", day.AddDate(0, 0, -7)) // a week before: out of the period
	books.PaidIn(t, "SG61AAAAA7", "100.00", at(14, 0))            // M-Pesa says 1000
	books.InSuspense(t, "SG61AAAAA8", "450.00", at(15, 0))
	books.PaidOut(t, "SG61AAAAA9", "50.00", at(16, 0)) // books say 50 out, M-Pesa says 60 out
	// An entry keyed like the platform's but in a group's book is not the platform's.
	group, err := books.Ledger.CreateBook(ctx, "group:1", "Umoja")
	if err != nil {
		t.Fatal(err)
	}
	var legs []ledger.Leg
	for _, spec := range []ledger.AccountSpec{{Code: "cash", Type: ledger.Asset}, {Code: "savings:m1", Type: ledger.Liability}} {
		spec.Book, spec.Currency = group.ID, ledger.KES
		a, err := books.Ledger.OpenAccount(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		legs = append(legs, ledger.Leg{Account: a.ID, Side: ledger.Side(1 - 2*len(legs)), Amount: decimal.NewFromInt(40)})
	}
	if _, err := books.Ledger.Post(ctx, ledger.EntryRequest{Key: "mpesa:SG61AAAAC1:platform", Book: group.ID, Kind: "contribution",
		OccurredAt: at(13, 0), Currency: ledger.KES, Legs: legs}); err != nil {
		t.Fatal(err)
	}

	runID := load(t, db,
		rt.Line{Receipt: "SG61AAAAA1", At: at(8, 0), Details: "Pay Bill from 254711000000 - JOHN DOE Acc. GRP1", PaidIn: "500.00"},
		rt.Line{Receipt: "SG61AAAAA2", At: at(9, 31), Details: "Pay Bill Online", PaidIn: "1200.50"},
		rt.Line{Receipt: "SG61AAAAA3", At: at(10, 0), Details: "Business Payment to 254722000000", Withdrawn: "300.00"},
		rt.Line{Receipt: "SG61AAAAA4", At: at(11, 0), Details: "Pay Bill from 254733000000 - JANE Acc. ???", PaidIn: "250.00"},
		rt.Line{Receipt: "SG61AAAAA7", At: at(14, 0), Details: "Pay Bill", PaidIn: "1000.00"},
		rt.Line{Receipt: "SG61AAAAA8", At: at(15, 0), Details: "Pay Bill Acc. WRONG", PaidIn: "450.00"},
		rt.Line{Receipt: "SG61AAAAA9", At: at(16, 0), Details: "Business Payment", Withdrawn: "60.00"},
		rt.Line{Receipt: "SG61AAAAB0", At: at(17, 0), Details: "Pay Bill", Status: "Failed", PaidIn: "99.00"},
	)
	rep, err := reconcile.Match(ctx, db, runID)
	if err != nil {
		t.Fatalf("match: %v", err)
	}

	if rep.Lines != 8 || rep.Compared != 7 {
		t.Errorf("lines %d, compared %d; want 8 and 7 (the failed line is not compared)", rep.Lines, rep.Compared)
	}
	if rep.Matched.Count != 4 || !rep.Matched.Total.Equal(decimal.RequireFromString("1850.50")) {
		t.Errorf("matched %d for %s, want 4 for 1850.50 (500 + 1200.50 - 300 + 450)", rep.Matched.Count, rep.Matched.Total)
	}
	parts := map[string]struct {
		got   reconcile.Part
		want  []row
		total string
	}{
		"missing from books":  {rep.MissingFromBooks, []row{{Receipt: "SG61AAAAA4", Statement: "250.00"}}, "250"},
		"missing from M-Pesa": {rep.MissingFromMpesa, []row{{Receipt: "SG61AAAAA5", Books: "700.00"}}, "700"},
		"amount mismatch": {rep.AmountMismatch, []row{
			{Receipt: "SG61AAAAA7", Statement: "1000.00", Books: "100.00"},
			{Receipt: "SG61AAAAA9", Statement: "-60.00", Books: "-50.00"},
		}, "890"},
		"in suspense": {rep.InSuspense, []row{{Receipt: "SG61AAAAA8", Statement: "450.00", Books: "450.00", Suspense: true}}, "450"},
	}
	for name, p := range parts {
		if diff := cmp.Diff(p.want, rows(p.got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
		if p.got.Count != int64(len(p.want)) || !p.got.Total.Equal(decimal.RequireFromString(p.total)) {
			t.Errorf("%s: count %d total %s, want %d and %s", name, p.got.Count, p.got.Total, len(p.want), p.total)
		}
	}
	if it := rep.MissingFromBooks.Items[0]; it.Details != "Pay Bill from 254733000000 - JANE Acc. ???" || !it.At.Equal(at(11, 0)) {
		t.Errorf("missing-from-books item %+v: want the statement's details and time", it)
	}
	if it := rep.MissingFromMpesa.Items[0]; it.EntryID == 0 || !it.At.Equal(at(12, 0)) {
		t.Errorf("missing-from-M-Pesa item %+v: want the entry and its time", it)
	}
	if rep.Clean() {
		t.Error("Clean() = true for a report with differences")
	}

	var stored string
	if err := db.Raw(`SELECT report FROM mpesa_statement_runs WHERE id = ?`, runID).Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	var back reconcile.Report
	if err := json.Unmarshal([]byte(stored), &back); err != nil {
		t.Fatalf("stored report: %v\n%s", err, stored)
	}
	if diff := cmp.Diff(rows(rep.AmountMismatch), rows(back.AmountMismatch)); diff != "" || back.Matched.Count != 4 {
		t.Errorf("stored report differs from the returned one: matched %d\n%s", back.Matched.Count, diff)
	}

	var text strings.Builder
	rep.WriteText(&text)
	for _, want := range []string{"SG61AAAAA4", "SG61AAAAA5", "1000.00", "100.00", "DIFFERENCES: 1 missing from the books, 1 missing from M-Pesa, 2 amounts differ", "1 in suspense"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}

	if err := reconcile.DropLines(ctx, db, runID); err != nil {
		t.Fatal(err)
	}
	var left int64
	db.Raw(`SELECT count(*) FROM mpesa_statement_lines WHERE run_id = ?`, runID).Scan(&left)
	if left != 0 {
		t.Errorf("%d lines left after DropLines", left)
	}
	if _, err := reconcile.Match(ctx, db, runID); !errors.Is(err, reconcile.ErrLinesGone) {
		t.Errorf("matching a dropped run: %v, want ErrLinesGone", err)
	}
}

func TestMatchCleanStatement(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	books := rt.NewBooks(t, db)
	books.PaidIn(t, "TAV1000001", "10.00", at(1, 0))
	books.InSuspense(t, "TAV1000002", "20.00", at(2, 0))
	books.PaidOut(t, "TAV1000003", "5.50", at(3, 0))
	runID := load(t, db,
		rt.Line{Receipt: "TAV1000001", At: at(1, 0), PaidIn: "10"},
		rt.Line{Receipt: "TAV1000002", At: at(2, 0), PaidIn: "20.00"},
		rt.Line{Receipt: "TAV1000003", At: at(3, 0), Withdrawn: "5.5"},
	)
	rep, err := reconcile.Match(context.Background(), db, runID)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Clean() || rep.Matched.Count != 3 || rep.InSuspense.Count != 1 {
		t.Errorf("report %+v: want clean, 3 matched, 1 in suspense", rep)
	}
}

func TestMatchRefusals(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	if _, err := reconcile.Match(context.Background(), db, 999); !errors.Is(err, reconcile.ErrUnknownRun) {
		t.Errorf("unknown run: %v, want ErrUnknownRun", err)
	}
	runID := load(t, db, rt.Line{Receipt: "TAV1000001", At: at(1, 0), PaidIn: "10"})
	if _, err := reconcile.Match(context.Background(), db, runID); !errors.Is(err, reconcile.ErrNoPlatformBook) {
		t.Errorf("no platform book: %v, want ErrNoPlatformBook", err)
	}
}

func TestLoadRefusesBadStatements(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	const header = "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance\n"
	good := "SG61AAAAA1,2024-07-06 08:00:00,Pay Bill,Completed,500.00,,10000500.00\n"

	tests := []struct {
		name     string
		file     string
		wantLine int // 0: a header error
		want     string
	}{
		{"wrong header", "Receipt,Time,Details,Status,In,Out,Balance\n" + good, 0,
			`header is "Receipt,Time,Details,Status,In,Out,Balance", want "Receipt No.,Completion Time,`},
		{"empty file", "", 0, "the file is empty"},
		{"malformed amount on line 7", header + strings.Repeat(good, 5) + "SG61AAAAA7,2024-07-06 08:00:00,Pay Bill,Completed,5O0.00,,1.00\n" + good, 7,
			`statement line 7: Paid In "5O0.00": want an amount`},
		{"three decimals", header + good + "SG61AAAAA2,2024-07-06 08:00:00,x,Completed,,1.005,1.00\n", 3, `Withdrawn "1.005"`},
		{"bad time", header + "SG61AAAAA1,06/07/2024 08:00,x,Completed,1.00,,1.00\n", 2, `Completion Time "06/07/2024 08:00"`},
		{"missing column", header + good + "SG61AAAAA2,2024-07-06 08:00:00,x,Completed,1.00,\n", 3, "wrong number of fields"},
		{"both directions", header + "SG61AAAAA1,2024-07-06 08:00:00,x,Completed,1.00,2.00,1.00\n", 2, "both Paid In and Withdrawn"},
		{"no amount", header + "SG61AAAAA1,2024-07-06 08:00:00,x,Completed,,,1.00\n", 2, "neither Paid In nor Withdrawn"},
		{"bad receipt", header + "SG61:AAAA1,2024-07-06 08:00:00,x,Completed,1.00,,1.00\n", 2, `Receipt No. "SG61:AAAA1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := reconcile.Load(context.Background(), db, strings.NewReader(tt.file), tt.name, nil)
			if err == nil {
				t.Fatal("loaded a bad statement")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			var le *reconcile.LineError
			switch {
			case tt.wantLine == 0 && !errors.Is(err, reconcile.ErrHeader):
				t.Errorf("error %v is not ErrHeader", err)
			case tt.wantLine != 0 && (!errors.As(err, &le) || le.Line != tt.wantLine):
				t.Errorf("error %v: want a LineError on line %d", err, tt.wantLine)
			}
		})
	}
	var runs, lines int64
	db.Raw(`SELECT count(*) FROM mpesa_statement_runs`).Scan(&runs)
	db.Raw(`SELECT count(*) FROM mpesa_statement_lines`).Scan(&lines)
	if runs != 0 || lines != 0 {
		t.Errorf("a refused statement left %d runs and %d lines behind", runs, lines)
	}
}

func TestLoadReportsProgress(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	var buf bytes.Buffer
	s, err := rt.NewStatement(&buf, decimal.Zero)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25_000 {
		if err := s.Write(rt.Line{Receipt: "R" + decimal.NewFromInt(int64(i)).String(), At: at(0, 0), PaidIn: "1.00"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	var calls []int64
	runID, err := reconcile.Load(context.Background(), db, &buf, "progress.csv", func(n int64) { calls = append(calls, n) })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{10_000, 20_000, 25_000}, calls); diff != "" {
		t.Errorf("progress calls (-want +got):\n%s", diff)
	}
	var stored int64
	db.Raw(`SELECT lines FROM mpesa_statement_runs WHERE id = ?`, runID).Scan(&stored)
	if stored != 25_000 {
		t.Errorf("run records %d lines, want 25000", stored)
	}
}
