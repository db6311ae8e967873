package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kikundi/kikundi/ledger"
)

type stringsBuilder = strings.Builder

func TestPostReplayConflictAndRefusals(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	b.contribute(t, "c1", b.alice, "500")
	if got := b.balance(t, b.alice); got != "500.00" {
		t.Fatalf("alice savings = %s, want 500.00", got)
	}
	if got := b.balance(t, b.cash); got != "500.00" {
		t.Fatalf("cash = %s, want 500.00", got)
	}

	req := ledger.EntryRequest{Key: "w1", Book: b.group.ID, Kind: "withdrawal", Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(b.alice.ID, kes("200")), ledger.Credit(b.cash.ID, kes("200"))}}
	first, err := b.l.Post(ctx, req)
	if err != nil || first.Replayed {
		t.Fatalf("first post: %+v %v", first, err)
	}
	again, err := b.l.Post(ctx, req)
	if err != nil || !again.Replayed || again.ID != first.ID {
		t.Fatalf("replay: %+v %v, want replay of %d", again, err, first.ID)
	}
	req.Memo = "something else"
	if _, err := b.l.Post(ctx, req); !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Fatalf("same key, other content: %v, want ErrIdempotencyConflict", err)
	}

	// Bob has nothing: the group cannot pay him out of his savings.
	_, err = b.l.Post(ctx, ledger.EntryRequest{Key: "w2", Book: b.group.ID, Kind: "withdrawal", Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(b.bob.ID, kes("1")), ledger.Credit(b.cash.ID, kes("1"))}})
	var ife *ledger.InsufficientFundsError
	if !errors.Is(err, ledger.ErrInsufficientFunds) || !errors.As(err, &ife) || ife.Account != b.bob.ID || !ife.Available.IsZero() {
		t.Fatalf("overdraft: %v, want insufficient funds on bob with 0 available", err)
	}
	_, err = b.l.Post(ctx, ledger.EntryRequest{Key: "x", Book: b.group.ID, Kind: "fine", Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(b.cash.ID, kes("1")), ledger.Credit(b.owed.ID, kes("1"))}})
	if !errors.Is(err, ledger.ErrWrongBook) {
		t.Fatalf("cross-book entry: %v, want ErrWrongBook", err)
	}
	_, err = b.l.Post(ctx, ledger.EntryRequest{Key: "y", Book: b.group.ID, Kind: "fine", Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(b.cash.ID, kes("1")), ledger.Credit(999999, kes("1"))}})
	if !errors.Is(err, ledger.ErrUnknownAccount) {
		t.Fatalf("unknown account: %v, want ErrUnknownAccount", err)
	}
	_, err = b.l.Post(ctx, ledger.EntryRequest{Key: "z", Book: b.group.ID, Kind: "fine", Currency: "UGX",
		Legs: []ledger.Leg{ledger.Debit(b.cash.ID, kes("1")), ledger.Credit(b.fines.ID, kes("1"))}})
	if !errors.Is(err, ledger.ErrCurrencyMismatch) {
		t.Fatalf("currency: %v, want ErrCurrencyMismatch", err)
	}
	if got := b.balance(t, b.alice); got != "300.00" {
		t.Fatalf("alice savings = %s after refusals, want 300.00", got)
	}
	b.mustVerify(t)
}

func TestHoldsPostPartiallyVoidAndExpire(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	b.contribute(t, "c1", b.alice, "1000")

	payout := func(key, amount string, expires time.Time) ledger.Hold {
		h, err := b.l.Hold(ctx, ledger.HoldRequest{Key: key, Book: b.group.ID, Kind: "payout", Currency: ledger.KES,
			Debit: b.alice.ID, Credit: b.cash.ID, Amount: kes(amount), ExpiresAt: expires})
		if err != nil {
			t.Fatalf("hold %s: %v", key, err)
		}
		return h
	}
	h1 := payout("h1", "600", time.Time{})
	if bal, _ := b.l.Balance(ctx, b.alice.ID); bal.Available.StringFixed(2) != "400.00" {
		t.Fatalf("alice available with a 600 hold = %s, want 400.00", bal.Available)
	}
	if _, err := b.l.Hold(ctx, ledger.HoldRequest{Key: "h2", Book: b.group.ID, Kind: "payout", Currency: ledger.KES,
		Debit: b.alice.ID, Credit: b.cash.ID, Amount: kes("500")}); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("second hold beyond available: %v, want ErrInsufficientFunds", err)
	}
	if _, err := b.l.PostHold(ctx, h1.ID, kes("700"), "h1:post"); !errors.Is(err, ledger.ErrExceedsHold) {
		t.Fatalf("post more than held: %v, want ErrExceedsHold", err)
	}
	// M-Pesa charged less than reserved: post 550, release the rest.
	e, err := b.l.PostHold(ctx, h1.ID, kes("550"), "h1:post")
	if err != nil {
		t.Fatalf("post hold: %v", err)
	}
	if again, err := b.l.PostHold(ctx, h1.ID, kes("550"), "h1:post"); err != nil || again.ID != e.ID {
		t.Fatalf("post hold again: %+v %v, want the same entry %d", again, err, e.ID)
	}
	if err := b.l.VoidHold(ctx, h1.ID); !errors.Is(err, ledger.ErrHoldNotPending) {
		t.Fatalf("void a posted hold: %v, want ErrHoldNotPending", err)
	}
	bal, _ := b.l.Balance(ctx, b.alice.ID)
	if bal.Balance.StringFixed(2) != "450.00" || !bal.Held.IsZero() {
		t.Fatalf("alice after partial post = %+v, want 450.00 and nothing held", bal)
	}

	h3 := payout("h3", "100", time.Time{})
	if err := b.l.VoidHold(ctx, h3.ID); err != nil {
		t.Fatalf("void: %v", err)
	}
	if err := b.l.VoidHold(ctx, h3.ID); err != nil {
		t.Fatalf("void twice: %v", err)
	}
	h4 := payout("h4", "100", time.Now().Add(-time.Second))
	if _, err := b.l.PostHold(ctx, h4.ID, kes("100"), "h4:post"); !errors.Is(err, ledger.ErrHoldExpired) {
		t.Fatalf("post an expired hold: %v, want ErrHoldExpired", err)
	}
	payout("h5", "100", time.Now().Add(-time.Second))
	if n, err := b.l.ExpireHolds(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("expire holds: %d %v, want 1", n, err)
	}
	bal, _ = b.l.Balance(ctx, b.alice.ID)
	if bal.Balance.StringFixed(2) != "450.00" || !bal.Held.IsZero() {
		t.Fatalf("alice after void and expiry = %+v, want 450.00 and nothing held", bal)
	}
	b.mustVerify(t)
}

func TestReverseStatementBalanceAtAndFingerprint(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	b.contribute(t, "c1", b.alice, "300")
	before := time.Now()
	time.Sleep(5 * time.Millisecond)
	fine, err := b.l.Post(ctx, ledger.EntryRequest{Key: "f1", Book: b.group.ID, Kind: "fine.paid", Memo: "late, week 3",
		Currency: ledger.KES, Legs: []ledger.Leg{ledger.Debit(b.alice.ID, kes("50")), ledger.Credit(b.fines.ID, kes("50"))}})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := b.l.Reverse(ctx, fine.ID, "f1:reversal", "waived by the officials")
	if err != nil {
		t.Fatalf("reverse: %v", err)
	}
	if _, err := b.l.Reverse(ctx, fine.ID, "f1:reversal:again", "twice"); !errors.Is(err, ledger.ErrAlreadyReversed) {
		t.Fatalf("second reversal: %v, want ErrAlreadyReversed", err)
	}
	if again, err := b.l.Reverse(ctx, fine.ID, "f1:reversal", "waived by the officials"); err != nil || again.ID != rev.ID {
		t.Fatalf("reversal replay: %+v %v", again, err)
	}
	lines, err := b.l.Statement(ctx, b.alice.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ln := range lines {
		got = append(got, ln.Kind+" "+ln.Amount.StringFixed(2)+" -> "+ln.BalanceAfter.StringFixed(2))
	}
	want := "reversal 50.00 -> 300.00|fine.paid -50.00 -> 250.00|contribution 300.00 -> 300.00"
	if strings.Join(got, "|") != want {
		t.Fatalf("statement:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	if at, err := b.l.BalanceAt(ctx, b.alice.ID, before); err != nil || at.StringFixed(2) != "300.00" {
		t.Fatalf("balance before the fine = %s %v, want 300.00", at, err)
	}
	b.mustVerify(t)
	fp, err := b.l.Fingerprint(ctx, b.group.ID)
	if err != nil || fp.Entries != 3 || len(fp.Code) != 9 {
		t.Fatalf("fingerprint = %+v %v, want 3 entries", fp, err)
	}
}

func TestMirrorPairMovesTogetherOrNotAtAll(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	b.pairMirror(t)
	b.contribute(t, "c1", b.alice, "500") // both books in one transaction: fine

	// Paying out of the group's cash without the platform's side is refused at commit.
	_, err := b.l.Post(ctx, ledger.EntryRequest{Key: "w1", Book: b.group.ID, Kind: "withdrawal", Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(b.alice.ID, kes("100")), ledger.Credit(b.cash.ID, kes("100"))}})
	if err == nil {
		t.Fatal("moving cash without its mirror was accepted")
	}
	if got := b.balance(t, b.cash); got != "500.00" {
		t.Fatalf("cash = %s after the refused entry, want 500.00", got)
	}
	if _, err := b.l.OpenAccount(ctx, ledger.AccountSpec{Book: b.group.ID, Code: "cash", Type: ledger.Asset,
		Currency: ledger.KES, Mirror: b.collections.ID}); !errors.Is(err, ledger.ErrAccountConflict) {
		t.Fatalf("re-pairing a mirror: %v, want ErrAccountConflict", err)
	}
	b.mustVerify(t)
}

func TestBalanceOverflowAndBadHoldKeysAreRefusedCleanly(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	most := kes("9999999999999999.99") // the largest amount one leg may carry
	var big [2]ledger.Account
	for i, code := range []string{"big:asset", "big:equity"} {
		typ := map[int]ledger.AccountType{0: ledger.Asset, 1: ledger.Equity}[i]
		a, err := b.l.OpenAccount(ctx, ledger.AccountSpec{Book: b.platform.ID, Code: code, Type: typ, Currency: ledger.KES, AllowNegative: true})
		if err != nil {
			t.Fatal(err)
		}
		big[i] = a
	}
	transfer := func(key string) ledger.EntryRequest {
		return ledger.EntryRequest{Key: key, Book: b.platform.ID, Kind: "test", Currency: ledger.KES,
			Legs: []ledger.Leg{ledger.Debit(big[0].ID, most), ledger.Credit(big[1].ID, most)}}
	}
	if _, err := b.l.Post(ctx, transfer("big1")); err != nil {
		t.Fatalf("first large transfer: %v", err)
	}
	// A second would take both balances past NUMERIC(18,2).
	if _, err := b.l.Post(ctx, transfer("big2")); !errors.Is(err, ledger.ErrAmountTooLarge) {
		t.Fatalf("overflowing balance: %v, want ErrAmountTooLarge", err)
	}
	// In a batch, the overflowing entry alone is refused; the others go through.
	small := ledger.EntryRequest{Key: "small", Book: b.group.ID, Kind: "test", Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(b.cash.ID, kes("5")), ledger.Credit(b.alice.ID, kes("5"))}}
	res := b.l.PostBatch(ctx, []ledger.EntryRequest{transfer("big3"), small})
	if !errors.Is(res[0].Err, ledger.ErrAmountTooLarge) || res[1].Err != nil {
		t.Fatalf("batch with an overflowing entry: %v / %v, want ErrAmountTooLarge / nil", res[0].Err, res[1].Err)
	}

	b.contribute(t, "c1", b.alice, "100")
	h, err := b.l.Hold(ctx, ledger.HoldRequest{Key: "h1", Book: b.group.ID, Kind: "payout", Currency: ledger.KES,
		Debit: b.alice.ID, Credit: b.cash.ID, Amount: kes("10")})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", "nul\x00key", "bad\xffutf8", strings.Repeat("k", 201)} {
		if _, err := b.l.PostHold(ctx, h.ID, kes("10"), key); !errors.Is(err, ledger.ErrMissingKey) {
			t.Errorf("PostHold with key %q: %v, want ErrMissingKey", key, err)
		}
	}
	b.mustVerify(t)
}

func TestChainQueueLostInACrashIsRecovered(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	b.contribute(t, "c1", b.alice, "100")
	// What crash recovery does to an unlogged table.
	if err := ledger.DB(b.l).Exec(`TRUNCATE ledger_chain_queue`).Error; err != nil {
		t.Fatal(err)
	}
	rep, err := b.l.Verify(ctx)
	if err != nil || !rep.OK || !rep.QueueLost {
		t.Fatalf("verify after the queue was lost: ok=%v lost=%v err=%v, want ok and lost", rep.OK, rep.QueueLost, err)
	}
	rep = b.mustVerify(t) // chains: re-queues the lost entries first
	if rep.QueueLost {
		t.Fatal("the chainer did not restore the queue's sentinel")
	}
	if fp, _ := b.l.Fingerprint(ctx, b.group.ID); fp.Entries != 1 {
		t.Fatalf("group chain covers %d entries after recovery, want 1", fp.Entries)
	}
}

func TestTransactionRunsAgainAfterADeadlock(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	b.contribute(t, "c1", b.alice, "100")
	b.contribute(t, "c2", b.bob, "100")
	// Two transactions lock alice and bob in opposite orders and wait for each other:
	// Postgres aborts one; Transaction must run it again and both must land once.
	ready := make(chan struct{}, 2)
	runs := make([]int, 2)
	var income [2]ledger.Account // each transaction credits its own, so only alice and bob are shared
	for i := range income {
		a, err := b.l.OpenAccount(ctx, ledger.AccountSpec{Book: b.group.ID, Code: fmt.Sprintf("income:%d", i),
			Type: ledger.Income, Currency: ledger.KES, AllowNegative: true})
		if err != nil {
			t.Fatal(err)
		}
		income[i] = a
	}
	move := func(i int, first, second ledger.Account) error {
		return b.l.Transaction(ctx, func(tx *ledger.Ledger) error {
			runs[i]++
			if _, err := tx.Post(ctx, ledger.EntryRequest{Key: fmt.Sprintf("t%d:a", i), Book: b.group.ID, Kind: "transfer",
				Currency: ledger.KES, Legs: []ledger.Leg{ledger.Debit(first.ID, kes("1")), ledger.Credit(income[i].ID, kes("1"))}}); err != nil {
				return err
			}
			if runs[i] == 1 {
				ready <- struct{}{}
				// Both have their first account locked before either asks for its second.
				deadline := time.Now().Add(5 * time.Second)
				for len(ready) < 2 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
			}
			_, err := tx.Post(ctx, ledger.EntryRequest{Key: fmt.Sprintf("t%d:b", i), Book: b.group.ID, Kind: "transfer",
				Currency: ledger.KES, Legs: []ledger.Leg{ledger.Debit(second.ID, kes("1")), ledger.Credit(income[i].ID, kes("1"))}})
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- move(0, b.alice, b.bob) }()
	go func() { errs <- move(1, b.bob, b.alice) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("transaction: %v", err)
		}
	}
	if runs[0]+runs[1] < 3 {
		t.Fatalf("runs = %v: expected Postgres to break a deadlock and one transaction to run again", runs)
	}
	if got := b.balance(t, b.alice); got != "98.00" {
		t.Fatalf("alice = %s, want 98.00 (each transfer exactly once)", got)
	}
	b.mustVerify(t)
}
