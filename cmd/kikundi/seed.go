package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/ledger"
)

// seedDemo writes the demo books `kikundi dev` starts with, unless they are there: the
// platform book and the book of a demo group whose cash mirrors the platform's debt to it,
// with three members' first contributions posted as the chama will post them (one entry
// in each book, in one transaction). Members, roles and PINs come with the chama domain.
func seedDemo(ctx context.Context, db *gorm.DB, out io.Writer) error {
	l := ledger.New(db)
	if _, err := l.BookByCode(ctx, "group:demo"); err == nil {
		return printDemo(ctx, l, out)
	} else if !errors.Is(err, ledger.ErrUnknownBook) {
		return fmt.Errorf("seed demo: %w", err)
	}
	platform, err := l.CreateBook(ctx, "platform", "Kikundi platform")
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	group, err := l.CreateBook(ctx, "group:demo", "Umoja Demo Chama")
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	open := func(book int64, code string, t ledger.AccountType, allowNegative bool, mirror int64) (int64, error) {
		a, err := l.OpenAccount(ctx, ledger.AccountSpec{Book: book, Code: code, Type: t, Currency: ledger.KES, AllowNegative: allowNegative, Mirror: mirror})
		return a.ID, err
	}
	collections, err := open(platform.ID, "mpesa:collections", ledger.Asset, true, 0)
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	owed, err := open(platform.ID, "owed:group:demo", ledger.Liability, false, 0)
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	cash, err := open(group.ID, "cash", ledger.Asset, false, owed)
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	for i, m := range []struct{ code, amount, receipt string }{
		{"savings:amina", "500", "SIM0000001"}, {"savings:baraka", "500", "SIM0000002"}, {"savings:chebet", "300", "SIM0000003"},
	} {
		savings, err := open(group.ID, m.code, ledger.Liability, false, 0)
		if err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
		amount := decimal.RequireFromString(m.amount)
		refs := map[string]string{"mpesa_receipt": m.receipt}
		err = l.Transaction(ctx, func(tx *ledger.Ledger) error {
			if _, err := tx.Post(ctx, ledger.EntryRequest{Key: "demo:contribution:" + m.receipt + ":group", Book: group.ID,
				Kind: "contribution", Memo: fmt.Sprintf("demo contribution %d", i+1), Refs: refs, Currency: ledger.KES,
				Legs: []ledger.Leg{ledger.Debit(cash, amount), ledger.Credit(savings, amount)}}); err != nil {
				return err
			}
			_, err := tx.Post(ctx, ledger.EntryRequest{Key: "demo:contribution:" + m.receipt + ":platform", Book: platform.ID,
				Kind: "contribution", Refs: refs, Currency: ledger.KES,
				Legs: []ledger.Leg{ledger.Debit(collections, amount), ledger.Credit(owed, amount)}})
			return err
		})
		if err != nil {
			return fmt.Errorf("seed demo contribution: %w", err)
		}
	}
	if _, err := l.ChainPending(ctx, 500); err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	return printDemo(ctx, l, out)
}

func printDemo(ctx context.Context, l *ledger.Ledger, out io.Writer) error {
	group, err := l.BookByCode(ctx, "group:demo")
	if err != nil {
		return err
	}
	cash, err := l.AccountByCode(ctx, group.ID, "cash")
	if err != nil {
		return err
	}
	fp, err := l.Fingerprint(ctx, group.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo books: %s (%s), cash KES %s, book fingerprint %s\n", group.Code, group.Name, cash.Balance.StringFixed(2), fp)
	fmt.Fprintln(out, "            check them any time with: go run ./cmd/kikundi ledger verify")
	return nil
}
