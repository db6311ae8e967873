package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/ledger"
)

// SQLSTATEs the ledger's guards raise.
const (
	integrityViolation = "23000" // the append-only and account triggers
	checkViolation     = "23514" // the balanced-entry trigger
)

// sqlState is the SQLSTATE of a Postgres error, or "" for anything else.
func sqlState(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	return ""
}

// history posts a little history in both books and chains it: two contributions, a
// withdrawal and a fine, so there are old entries, several postings per account and a
// running balance to break.
func (b *books) history(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	b.contribute(t, "c1", b.alice, "500")
	b.contribute(t, "c2", b.bob, "300")
	for _, req := range []ledger.EntryRequest{
		{Key: "w1", Book: b.group.ID, Kind: "withdrawal", Currency: ledger.KES,
			Legs: []ledger.Leg{ledger.Debit(b.alice.ID, kes("120")), ledger.Credit(b.cash.ID, kes("120"))}},
		{Key: "f1", Book: b.group.ID, Kind: "fine.paid", Memo: "late", Currency: ledger.KES,
			Legs: []ledger.Leg{ledger.Debit(b.bob.ID, kes("50")), ledger.Credit(b.fines.ID, kes("50"))}},
	} {
		if _, err := b.l.Post(ctx, req); err != nil {
			t.Fatalf("post %s: %v", req.Key, err)
		}
	}
	b.mustVerify(t)
}

// firstEntry is the id of the entry with this key, and of its first posting.
func (b *books) firstEntry(t *testing.T, key string) (entry, posting int64) {
	t.Helper()
	var row struct{ Entry, Posting int64 }
	if err := ledger.DB(b.l).Raw(`SELECT e.id AS entry, min(p.id) AS posting FROM ledger_entries e
		JOIN ledger_postings p ON p.entry_id = e.id WHERE e.idempotency_key = ? GROUP BY e.id`, key).Scan(&row).Error; err != nil || row.Entry == 0 {
		t.Fatalf("find entry %s: %v", key, err)
	}
	return row.Entry, row.Posting
}

func TestPostgresRefusesEditsToHistory(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	b.history(t)
	entry, posting := b.firstEntry(t, "c1:group")
	db := ledger.DB(b.l)
	before := b.footprint(t)

	tests := []struct {
		name string
		sql  string
		args []any
	}{
		{"update a posting's amount", `UPDATE ledger_postings SET amount = amount + 1 WHERE id = ?`, []any{posting}},
		{"update a posting's running balance", `UPDATE ledger_postings SET balance_after = 0 WHERE id = ?`, []any{posting}},
		{"delete a posting", `DELETE FROM ledger_postings WHERE id = ?`, []any{posting}},
		{"delete every posting", `DELETE FROM ledger_postings`, nil},
		{"truncate postings", `TRUNCATE ledger_postings`, nil},
		{"update an entry", `UPDATE ledger_entries SET memo = 'nothing to see' WHERE id = ?`, []any{entry}},
		{"delete an entry", `DELETE FROM ledger_entries WHERE id = ?`, []any{entry}},
		{"truncate entries", `TRUNCATE ledger_entries CASCADE`, nil},
		{"edit the chain", `UPDATE ledger_chain SET hash = prev_hash WHERE entry_id = ?`, []any{entry}},
		{"delete from the chain", `DELETE FROM ledger_chain WHERE entry_id = ?`, []any{entry}},
		{"delete an account", `DELETE FROM ledger_accounts WHERE id = ?`, []any{b.alice.ID}},
		{"change an account's type", `UPDATE ledger_accounts SET type = 'asset' WHERE id = ?`, []any{b.alice.ID}},
		{"change an account's currency", `UPDATE ledger_accounts SET currency = 'UGX' WHERE id = ?`, []any{b.alice.ID}},
		{"move an account to another book", `UPDATE ledger_accounts SET book_id = ? WHERE id = ?`, []any{b.platform.ID, b.alice.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Exec(tt.sql, tt.args...).Error
			if got := sqlState(err); got != integrityViolation {
				t.Errorf("%s: error %v (SQLSTATE %q), want the ledger's refusal (SQLSTATE %s)", tt.sql, err, got, integrityViolation)
			}
		})
	}
	if diff := cmp.Diff(before, b.footprint(t)); diff != "" {
		t.Errorf("a refused statement changed the ledger (-before +after):\n%s", diff)
	}
	b.mustVerify(t)
}

// TestPostgresRefusesUnbalancedEntriesAtCommit writes entries by hand, as a session in psql
// could, bypassing every Go check: each INSERT goes through, and COMMIT refuses the entry.
func TestPostgresRefusesUnbalancedEntriesAtCommit(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	db := ledger.DB(b.l)

	type leg struct {
		account  int64
		currency string
		amount   string
	}
	tests := []struct {
		name    string
		legs    []leg
		wantErr bool
	}{
		{"unbalanced", []leg{{b.cash.ID, "KES", "100"}, {b.alice.ID, "KES", "-99.99"}}, true},
		{"one leg", []leg{{b.cash.ID, "KES", "100"}}, true},
		{"no postings", nil, true},
		{"balanced in total but not per currency", []leg{{b.cash.ID, "KES", "100"}, {b.alice.ID, "UGX", "-100"}}, true},
		{"three legs, one cent off", []leg{{b.cash.ID, "KES", "100"}, {b.alice.ID, "KES", "-60"}, {b.bob.ID, "KES", "-39.99"}}, true},
		// The control: the same statements with balanced legs commit, so the refusals
		// above come from the balance, not from the way the rows are written.
		{"balanced", []leg{{b.cash.ID, "KES", "100"}, {b.alice.ID, "KES", "-100"}}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := db.Begin()
			if tx.Error != nil {
				t.Fatal(tx.Error)
			}
			defer tx.Rollback()
			var id int64
			if err := tx.Raw(`INSERT INTO ledger_entries (book_id, idempotency_key, content_hash, kind, occurred_at)
				VALUES (?, ?, sha256(?::bytea), 'manual', now()) RETURNING id`,
				b.group.ID, fmt.Sprint("by-hand:", i), fmt.Sprint("by-hand:", i)).Scan(&id).Error; err != nil {
				t.Fatalf("insert entry: %v", err)
			}
			for _, l := range tt.legs {
				if err := tx.Exec(`INSERT INTO ledger_postings (entry_id, account_id, currency, amount, balance_after)
					VALUES (?, ?, ?, ?::numeric, 0)`, id, l.account, l.currency, l.amount).Error; err != nil {
					t.Fatalf("insert posting: %v (the refusal must come at commit)", err)
				}
			}
			err := tx.Commit().Error
			switch {
			case tt.wantErr && sqlState(err) != checkViolation:
				t.Errorf("commit: %v (SQLSTATE %q), want the balance check's refusal (SQLSTATE %s)", err, sqlState(err), checkViolation)
			case !tt.wantErr && err != nil:
				t.Errorf("commit of a balanced entry: %v", err)
			}
			var n int64
			if err := db.Raw(`SELECT count(*) FROM ledger_entries WHERE id = ?`, id).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int64{true: 0, false: 1}[tt.wantErr]; n != want {
				t.Errorf("entry %d: %d rows after commit, want %d", id, n, want)
			}
		})
	}
}

// failing lists the checks of a report that found violations.
func failing(rep *ledger.Report) []string {
	var names []string
	for _, c := range rep.Checks {
		if len(c.Violations) > 0 {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	return names
}

// behindTheLedger runs statements in one transaction with the triggers switched off, as
// a superuser who wants to hide something could.
func behindTheLedger(t *testing.T, db *gorm.DB, stmts ...func(tx *gorm.DB) error) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL session_replication_role = replica`).Error; err != nil {
			return err
		}
		for _, stmt := range stmts {
			if err := stmt(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func exec(sql string, args ...any) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		res := tx.Exec(sql, args...)
		if res.Error == nil && res.RowsAffected == 0 {
			return fmt.Errorf("%s: no row changed", sql)
		}
		return res.Error
	}
}

// TestVerifyFindsTampering alters chained history behind the ledger's back, each case in
// its own database, and expects Verify to name exactly the invariants that broke.
func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tamper func(b *books, entry, posting int64) []func(tx *gorm.DB) error
		want   []string
	}{
		{"a posting's amount", func(b *books, _, posting int64) []func(tx *gorm.DB) error {
			return []func(tx *gorm.DB) error{exec(`UPDATE ledger_postings SET amount = amount + 1 WHERE id = ?`, posting)}
		}, []string{"account_balances", "entries_balanced", "hash_chains", "running_balances"}},
		{"both postings of an entry, still balanced", func(b *books, entry, _ int64) []func(tx *gorm.DB) error {
			return []func(tx *gorm.DB) error{exec(`UPDATE ledger_postings SET amount = amount * 2 WHERE entry_id = ?`, entry)}
		}, []string{"account_balances", "hash_chains", "running_balances"}},
		{"a posting's amount and every balance after it", func(b *books, entry, posting int64) []func(tx *gorm.DB) error {
			// A careful forger fixes the running balances and the account too; the entry
			// no longer balances and its hash no longer matches.
			return []func(tx *gorm.DB) error{
				exec(`UPDATE ledger_postings p SET amount = p.amount + 1,
					balance_after = p.balance_after + a.normal_sign * 1
					FROM ledger_accounts a WHERE a.id = p.account_id AND p.id = ?`, posting),
				exec(`UPDATE ledger_postings p SET balance_after = p.balance_after + a.normal_sign * 1
					FROM ledger_accounts a WHERE a.id = p.account_id
					AND p.account_id = (SELECT account_id FROM ledger_postings WHERE id = ?) AND p.id > ?`, posting, posting),
				exec(`UPDATE ledger_accounts a SET balance = a.balance + a.normal_sign * 1
					WHERE a.id = (SELECT account_id FROM ledger_postings WHERE id = ?)`, posting),
			}
		}, []string{"entries_balanced", "hash_chains"}},
		{"an entry's memo", func(b *books, entry, _ int64) []func(tx *gorm.DB) error {
			return []func(tx *gorm.DB) error{exec(`UPDATE ledger_entries SET memo = 'nothing to see' WHERE id = ?`, entry)}
		}, []string{"hash_chains"}},
		{"a deleted posting", func(b *books, _, posting int64) []func(tx *gorm.DB) error {
			return []func(tx *gorm.DB) error{exec(`DELETE FROM ledger_postings WHERE id = ?`, posting)}
		}, []string{"account_balances", "entries_balanced", "hash_chains", "running_balances"}},
		{"an account's balance", func(b *books, _, _ int64) []func(tx *gorm.DB) error {
			return []func(tx *gorm.DB) error{exec(`UPDATE ledger_accounts SET balance = balance + 1000 WHERE id = ?`, b.alice.ID)}
		}, []string{"account_balances"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBooks(t)
			b.history(t)
			entry, posting := b.firstEntry(t, "c1:group")
			behindTheLedger(t, ledger.DB(b.l), tt.tamper(b, entry, posting)...)
			rep, err := b.l.Verify(context.Background())
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if rep.OK {
				t.Fatal("Verify reports OK after tampering")
			}
			if diff := cmp.Diff(tt.want, failing(rep)); diff != "" {
				var sb stringsBuilder
				rep.WriteText(&sb)
				t.Errorf("failing checks (-want +got):\n%s\n%s", diff, sb.String())
			}
		})
	}
}

// TestVerifyFindsPostingsSlippedIntoAnOldEntry adds a balanced pair of postings to an old,
// chained entry. No trigger sees it (the balance check runs when an entry is inserted),
// and even running balances that continue correctly do not hide it.
func TestVerifyFindsPostingsSlippedIntoAnOldEntry(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	b.history(t)
	entry, _ := b.firstEntry(t, "c1:group")
	db := ledger.DB(b.l)
	err := db.Exec(`INSERT INTO ledger_postings (entry_id, account_id, currency, amount, balance_after)
		SELECT ?, a.id, 'KES', v.amount, a.balance + a.normal_sign * v.amount
		FROM (VALUES (?::bigint, 50.00), (?::bigint, -50.00)) AS v(account, amount)
		JOIN ledger_accounts a ON a.id = v.account`, entry, b.cash.ID, b.fines.ID).Error
	if err != nil {
		t.Fatalf("slip postings in: %v", err)
	}
	rep, err := b.l.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if diff := cmp.Diff([]string{"account_balances", "hash_chains"}, failing(rep)); diff != "" {
		var sb stringsBuilder
		rep.WriteText(&sb)
		t.Errorf("failing checks (-want +got):\n%s\n%s", diff, sb.String())
	}
}
