package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/testkit"
	"github.com/kikundi/kikundi/mpesa/reconcile"
	rt "github.com/kikundi/kikundi/mpesa/reconcile/reconciletest"
)

// reconcileRun runs `kikundi reconcile args...` through runReconcile, as main would.
func reconcileRun(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr testkit.SyncBuffer
	e := env{getenv: func(k string) string { return vars[k] }, stdout: &stdout, stderr: &stderr}
	code := report(runReconcile(context.Background(), e, args), &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func writeStatement(t *testing.T, lines ...rt.Line) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "statement.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := rt.WriteStatement(f, lines...); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReconcileExitCodes(t *testing.T) {
	t.Parallel()
	db, url := dbtest.PostgresURL(t)
	vars := map[string]string{"KIKUNDI_DATABASE_URL": url}
	books := rt.NewBooks(t, db)
	day := time.Date(2024, 7, 6, 9, 0, 0, 0, rt.Nairobi)
	books.PaidIn(t, "SG61CMD001", "500.00", day)
	books.PaidOut(t, "SG61CMD002", "120.00", day.Add(time.Hour))
	books.InSuspense(t, "SG61CMD003", "75.00", day.Add(2*time.Hour))
	agreeing := []rt.Line{
		{Receipt: "SG61CMD001", At: day, Details: "Pay Bill", PaidIn: "500.00"},
		{Receipt: "SG61CMD002", At: day.Add(time.Hour), Details: "Business Payment", Withdrawn: "120.00"},
		{Receipt: "SG61CMD003", At: day.Add(2 * time.Hour), Details: "Pay Bill Acc. ?", PaidIn: "75.00"},
	}

	t.Run("clean", func(t *testing.T) {
		r := reconcileRun(t, vars, "statement", writeStatement(t, agreeing...))
		if r.code != 0 {
			t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"CLEAN", "1 in suspense to assign", "SG61CMD003"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
		// stderr is not a terminal here: plain progress lines, no carriage returns.
		if !strings.Contains(r.stderr, "statement.csv: 100.0%  3 lines") || strings.Contains(r.stderr, "\r") {
			t.Errorf("stderr progress:\n%q", r.stderr)
		}
	})

	t.Run("differences", func(t *testing.T) {
		path := writeStatement(t, append(agreeing[:2:2],
			rt.Line{Receipt: "SG61CMD004", At: day.Add(3 * time.Hour), Details: "Pay Bill", PaidIn: "42.00"})...)
		r := reconcileRun(t, vars, "statement", path, "--json")
		if r.code != 1 {
			t.Fatalf("exit code %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		var rep reconcile.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("--json output does not parse: %v\n%s", err, r.stdout)
		}
		if rep.MissingFromBooks.Count != 1 || rep.MissingFromBooks.Items[0].Receipt != "SG61CMD004" ||
			rep.MissingFromMpesa.Count != 1 || rep.MissingFromMpesa.Items[0].Receipt != "SG61CMD003" {
			t.Errorf("report: missing from books %+v, from M-Pesa %+v", rep.MissingFromBooks, rep.MissingFromMpesa)
		}
		if strings.Contains(r.stderr, "kikundi:") {
			t.Errorf("differences are a report, not an error:\n%s", r.stderr)
		}
	})

	t.Run("could not run", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.csv")
		if err := os.WriteFile(bad, []byte("Receipt,When\nX,Y\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			args []string
			want string
		}{
			{"missing file", []string{"statement", filepath.Join(t.TempDir(), "nope.csv")}, "open statement:"},
			{"wrong header", []string{"statement", bad}, "not an M-Pesa organisation statement"},
			{"no file", []string{"statement"}, "reconcile statement needs a FILE"},
			{"no subcommand", nil, "reconcile needs a subcommand"},
		} {
			r := reconcileRun(t, vars, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("%s: exit code %d, stderr %q; want 2 and %q", tt.name, r.code, r.stderr, tt.want)
			}
		}
		r := reconcileRun(t, map[string]string{"KIKUNDI_DATABASE_URL": "postgres://kikundi@127.0.0.1:1/none?sslmode=disable"},
			"statement", writeStatement(t, agreeing...))
		if r.code != 2 || !strings.Contains(r.stderr, "postgres") {
			t.Errorf("unreachable database: exit code %d, stderr %q; want 2", r.code, r.stderr)
		}
	})

	var lines, runs, reports int64
	db.Raw(`SELECT count(*) FROM mpesa_statement_lines`).Scan(&lines)
	db.Raw(`SELECT count(*), count(report) FROM mpesa_statement_runs`).Row().Scan(&runs, &reports)
	if lines != 0 || runs != 2 || reports != 2 {
		t.Errorf("after the runs: %d lines kept, %d runs with %d reports; want 0 lines and 2 runs with reports", lines, runs, reports)
	}
}
