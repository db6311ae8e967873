package ledger_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/ledger"
)

// books is a small chart of accounts in a fresh database: a group book with cash, two
// members' savings and fine income, and the platform's collections and its debt to the
// group (which pairMirror makes the mirror of the group's cash).
type books struct {
	l                       *ledger.Ledger
	group, platform         ledger.Book
	cash, alice, bob, fines ledger.Account
	collections, owed       ledger.Account
}

func newBooks(t *testing.T) *books {
	t.Helper()
	ctx := context.Background()
	l := ledger.New(dbtest.Postgres(t))
	b := &books{l: l}
	var err error
	if b.platform, err = l.CreateBook(ctx, "platform", "Kikundi platform"); err != nil {
		t.Fatal(err)
	}
	if b.group, err = l.CreateBook(ctx, "group:1", "Umoja chama"); err != nil {
		t.Fatal(err)
	}
	open := func(book ledger.Book, code string, typ ledger.AccountType, allowNegative bool) ledger.Account {
		t.Helper()
		a, err := l.OpenAccount(ctx, ledger.AccountSpec{Book: book.ID, Code: code, Type: typ, Currency: ledger.KES, AllowNegative: allowNegative})
		if err != nil {
			t.Fatalf("open %s: %v", code, err)
		}
		return a
	}
	b.cash = open(b.group, "cash", ledger.Asset, false)
	b.alice = open(b.group, "savings:alice", ledger.Liability, false)
	b.bob = open(b.group, "savings:bob", ledger.Liability, false)
	b.fines = open(b.group, "fine-income", ledger.Income, true)
	b.collections = open(b.platform, "mpesa:collections", ledger.Asset, true)
	b.owed = open(b.platform, "owed:group:1", ledger.Liability, false)
	return b
}

// pairMirror declares the group's cash and the platform's debt to the group a mirror
// pair: from then on every entry moving one must move the other in the same transaction.
func (b *books) pairMirror(t *testing.T) {
	t.Helper()
	if _, err := b.l.OpenAccount(context.Background(), ledger.AccountSpec{Book: b.group.ID, Code: "cash",
		Type: ledger.Asset, Currency: ledger.KES, Mirror: b.owed.ID}); err != nil {
		t.Fatalf("pair mirror: %v", err)
	}
}

func kes(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// contribute posts a member's contribution in both books, in one transaction, as the
// chama will.
func (b *books) contribute(t *testing.T, key string, member ledger.Account, amount string) {
	t.Helper()
	err := b.l.Transaction(context.Background(), func(tx *ledger.Ledger) error {
		if _, err := tx.Post(context.Background(), ledger.EntryRequest{
			Key: key + ":group", Book: b.group.ID, Kind: "contribution", Currency: ledger.KES,
			Legs: []ledger.Leg{ledger.Debit(b.cash.ID, kes(amount)), ledger.Credit(member.ID, kes(amount))},
		}); err != nil {
			return err
		}
		_, err := tx.Post(context.Background(), ledger.EntryRequest{
			Key: key + ":platform", Book: b.platform.ID, Kind: "contribution", Currency: ledger.KES,
			Legs: []ledger.Leg{ledger.Debit(b.collections.ID, kes(amount)), ledger.Credit(b.owed.ID, kes(amount))},
		})
		return err
	})
	if err != nil {
		t.Fatalf("contribute %s: %v", key, err)
	}
}

func (b *books) balance(t *testing.T, a ledger.Account) string {
	t.Helper()
	bal, err := b.l.Balance(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return bal.Balance.StringFixed(2)
}

// mustVerify chains what is queued and fails the test on any broken invariant.
func (b *books) mustVerify(t *testing.T) *ledger.Report {
	t.Helper()
	ctx := context.Background()
	for {
		n, err := b.l.ChainPending(ctx, 500)
		if err != nil {
			t.Fatalf("chain: %v", err)
		}
		if n == 0 {
			break
		}
	}
	rep, err := b.l.Verify(ctx)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rep.OK {
		var sb stringsBuilder
		rep.WriteText(&sb)
		t.Fatalf("ledger invariants broken:\n%s", sb.String())
	}
	return rep
}
