package main

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/ledger"
)

// postedLedger returns a fresh database with a book, three accounts and a few chained
// entries posted through the ledger package, and the environment that points kikundi at it.
func postedLedger(t *testing.T) (*gorm.DB, map[string]string) {
	t.Helper()
	ctx := context.Background()
	db, url := dbtest.PostgresURL(t)
	l := ledger.New(db)
	book, err := l.CreateBook(ctx, "group:1", "Umoja chama")
	if err != nil {
		t.Fatal(err)
	}
	var accts []ledger.Account
	for _, spec := range []ledger.AccountSpec{
		{Code: "cash", Type: ledger.Asset},
		{Code: "savings:alice", Type: ledger.Liability},
		{Code: "fine-income", Type: ledger.Income, AllowNegative: true},
	} {
		spec.Book, spec.Currency = book.ID, ledger.KES
		a, err := l.OpenAccount(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		accts = append(accts, a)
	}
	cash, alice, fines := accts[0].ID, accts[1].ID, accts[2].ID
	for _, req := range []ledger.EntryRequest{
		{Key: "c1", Kind: "contribution", Legs: []ledger.Leg{ledger.Debit(cash, decimal.NewFromInt(500)), ledger.Credit(alice, decimal.NewFromInt(500))}},
		{Key: "f1", Kind: "fine.paid", Legs: []ledger.Leg{ledger.Debit(alice, decimal.NewFromInt(50)), ledger.Credit(fines, decimal.NewFromInt(50))}},
	} {
		req.Book, req.Currency = book.ID, ledger.KES
		if _, err := l.Post(ctx, req); err != nil {
			t.Fatalf("post %s: %v", req.Key, err)
		}
	}
	if _, err := l.ChainPending(ctx, 100); err != nil {
		t.Fatal(err)
	}
	return db, map[string]string{"KIKUNDI_DATABASE_URL": url}
}

func TestLedgerVerifyExitCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("clean books", func(t *testing.T) {
		t.Parallel()
		_, vars := postedLedger(t)
		r := kikundi(t, ctx, vars, "ledger", "verify")
		if r.code != 0 {
			t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"ok   entries_balanced", "ok   hash_chains", "ledger verify: every invariant holds"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("report lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "FAIL") {
			t.Errorf("a clean ledger reports a failure:\n%s", r.stdout)
		}

		r = kikundi(t, ctx, vars, "ledger", "verify", "--json")
		if r.code != 0 {
			t.Fatalf("--json: exit code %d, want 0\n%s", r.code, r.stderr)
		}
		var rep ledger.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("--json output does not parse: %v\n%s", err, r.stdout)
		}
		if !rep.OK || len(rep.Checks) == 0 {
			t.Errorf("--json report: ok=%v with %d checks, want ok with every check", rep.OK, len(rep.Checks))
		}
	})

	t.Run("tampered books", func(t *testing.T) {
		t.Parallel()
		db, vars := postedLedger(t)
		// Alter a chained posting with the triggers off, as a superuser in psql could.
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET LOCAL session_replication_role = replica`).Error; err != nil {
				return err
			}
			return tx.Exec(`UPDATE ledger_postings SET amount = amount + 1
				WHERE id = (SELECT min(id) FROM ledger_postings)`).Error
		})
		if err != nil {
			t.Fatalf("tamper: %v", err)
		}
		broken := []string{"account_balances", "entries_balanced", "hash_chains", "running_balances"}

		r := kikundi(t, ctx, vars, "ledger", "verify")
		if r.code != 1 {
			t.Fatalf("exit code %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, name := range broken {
			if !strings.Contains(r.stdout, "FAIL "+name) {
				t.Errorf("report does not name %s:\n%s", name, r.stdout)
			}
		}
		if !strings.Contains(r.stdout, "INVARIANTS BROKEN") || r.stderr != "" {
			t.Errorf("want the verdict on stdout and nothing on stderr\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		}

		r = kikundi(t, ctx, vars, "ledger", "verify", "--json")
		if r.code != 1 {
			t.Fatalf("--json: exit code %d, want 1\n%s", r.code, r.stderr)
		}
		var rep ledger.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("--json output does not parse: %v\n%s", err, r.stdout)
		}
		if rep.OK {
			t.Error("--json report says ok=true after tampering")
		}
		var got []string
		for _, c := range rep.Checks {
			if len(c.Violations) > 0 {
				got = append(got, c.Name)
			}
		}
		slices.Sort(got)
		if diff := cmp.Diff(broken, got); diff != "" {
			t.Errorf("checks with violations in --json (-want +got):\n%s", diff)
		}
	})

	t.Run("postgres unreachable", func(t *testing.T) {
		t.Parallel()
		r := kikundi(t, ctx, map[string]string{"KIKUNDI_DATABASE_URL": "postgres://kikundi:pw@" + closedAddr(t) + "/kikundi?sslmode=disable"},
			"ledger", "verify")
		if r.code != 2 {
			t.Fatalf("exit code %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if last := lastLine(r.stderr); !strings.Contains(last, "postgres") || strings.Contains(last, ":pw@") {
			t.Errorf("error line should name postgres without its password: %s", last)
		}
		if r.stdout != "" {
			t.Errorf("a check that could not run printed a report:\n%s", r.stdout)
		}
	})

	t.Run("no subcommand", func(t *testing.T) {
		t.Parallel()
		if r := kikundi(t, ctx, nil, "ledger"); r.code != 2 || !strings.Contains(r.stderr, "ledger needs a subcommand") {
			t.Errorf("exit code %d, want 2 with the usage\n%s", r.code, r.stderr)
		}
	})
}

// closedAddr is a local address where nothing listens: a port the kernel just handed out
// and that was closed again.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
