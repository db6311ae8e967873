package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/ledger"
)

// validEntry is a well-formed request against accounts 1 and 2 of book 1; each case of
// the validation tables breaks one thing about it.
func validEntry() ledger.EntryRequest {
	return ledger.EntryRequest{
		Key: "mpesa:NLJ7RT61SV", Book: 1, Kind: "contribution", Memo: "week 3",
		Refs: map[string]string{"mpesa_receipt": "NLJ7RT61SV"}, Currency: ledger.KES,
		Legs: []ledger.Leg{ledger.Debit(1, kes("500")), ledger.Credit(2, kes("500"))},
	}
}

func validHold() ledger.HoldRequest {
	return ledger.HoldRequest{
		Key: "b2c:42", Book: 1, Kind: "payout", Memo: "loan 12", Refs: map[string]string{"loan": "12"},
		Currency: ledger.KES, Debit: 2, Credit: 1, Amount: kes("250.50"),
	}
}

// balancedLegs is n legs between accounts 1 and 2 that balance: debits of 1.00 to
// account 1, then credits of 1.00 to account 2 (n is even).
func balancedLegs(n int) []ledger.Leg {
	legs := make([]ledger.Leg, 0, n)
	for i := range n {
		if i < n/2 {
			legs = append(legs, ledger.Debit(1, kes("1")))
		} else {
			legs = append(legs, ledger.Credit(2, kes("1")))
		}
	}
	return legs
}

// withAmount makes both legs of the valid entry carry amount.
func withAmount(amount string) func(*ledger.EntryRequest) {
	return func(r *ledger.EntryRequest) {
		r.Legs = []ledger.Leg{ledger.Debit(1, kes(amount)), ledger.Credit(2, kes(amount))}
	}
}

const invalidUTF8 = "\xff\xfe"

// entryCases lists invalid and borderline-valid entry requests with the error Validate
// must return (nil: valid).
var entryCases = []struct {
	name   string
	change func(*ledger.EntryRequest)
	want   error
}{
	{"valid", func(*ledger.EntryRequest) {}, nil},
	{"key of 200 bytes", func(r *ledger.EntryRequest) { r.Key = strings.Repeat("k", 200) }, nil},
	{"kind of 64 characters", func(r *ledger.EntryRequest) { r.Kind = "a" + strings.Repeat("b", 63) }, nil},
	{"kind with every allowed character", func(r *ledger.EntryRequest) { r.Kind = "loan.disbursement:v2_b-9" }, nil},
	{"memo of 280 ascii characters", func(r *ledger.EntryRequest) { r.Memo = strings.Repeat("m", 280) }, nil},
	{"memo of 280 multi-byte runes", func(r *ledger.EntryRequest) { r.Memo = strings.Repeat("ñ", 140) + strings.Repeat("𝄞", 140) }, nil},
	{"no refs", func(r *ledger.EntryRequest) { r.Refs = nil }, nil},
	{"100 legs", func(r *ledger.EntryRequest) { r.Legs = balancedLegs(100) }, nil},
	{"one cent", withAmount("0.01"), nil},
	{"trailing zeros beyond two decimals", withAmount("1.000"), nil},
	{"largest amount", withAmount("9999999999999999.99"), nil},
	{"several legs on one account", func(r *ledger.EntryRequest) {
		r.Legs = []ledger.Leg{ledger.Debit(1, kes("50")), ledger.Debit(1, kes("25.50")), ledger.Credit(2, kes("75.50"))}
	}, nil},

	{"missing key", func(r *ledger.EntryRequest) { r.Key = "" }, ledger.ErrMissingKey},
	{"key of 201 bytes", func(r *ledger.EntryRequest) { r.Key = strings.Repeat("k", 201) }, ledger.ErrMissingKey},
	{"key not utf-8", func(r *ledger.EntryRequest) { r.Key = "k" + invalidUTF8 }, ledger.ErrMissingKey},
	{"key with a NUL byte", func(r *ledger.EntryRequest) { r.Key = "k\x00ey" }, ledger.ErrMissingKey},
	{"missing book", func(r *ledger.EntryRequest) { r.Book = 0 }, ledger.ErrMissingBook},
	{"negative book", func(r *ledger.EntryRequest) { r.Book = -3 }, ledger.ErrMissingBook},
	{"missing kind", func(r *ledger.EntryRequest) { r.Kind = "" }, ledger.ErrInvalidKind},
	{"kind in capitals", func(r *ledger.EntryRequest) { r.Kind = "Contribution" }, ledger.ErrInvalidKind},
	{"kind starting with a digit", func(r *ledger.EntryRequest) { r.Kind = "1contribution" }, ledger.ErrInvalidKind},
	{"kind with a space", func(r *ledger.EntryRequest) { r.Kind = "loan disbursement" }, ledger.ErrInvalidKind},
	{"kind with a trailing newline", func(r *ledger.EntryRequest) { r.Kind = "contribution\n" }, ledger.ErrInvalidKind},
	{"kind of 65 characters", func(r *ledger.EntryRequest) { r.Kind = "a" + strings.Repeat("b", 64) }, ledger.ErrInvalidKind},
	{"memo of 281 characters", func(r *ledger.EntryRequest) { r.Memo = strings.Repeat("m", 281) }, ledger.ErrMemoTooLong},
	{"memo of 281 multi-byte runes", func(r *ledger.EntryRequest) { r.Memo = strings.Repeat("ñ", 281) }, ledger.ErrMemoTooLong},
	{"memo not utf-8", func(r *ledger.EntryRequest) { r.Memo = "late" + invalidUTF8 }, ledger.ErrMemoTooLong},
	{"memo with a NUL byte", func(r *ledger.EntryRequest) { r.Memo = "late\x00" }, ledger.ErrMemoTooLong},
	{"missing currency", func(r *ledger.EntryRequest) { r.Currency = "" }, ledger.ErrInvalidCurrency},
	{"currency in lower case", func(r *ledger.EntryRequest) { r.Currency = "kes" }, ledger.ErrInvalidCurrency},
	{"currency of two letters", func(r *ledger.EntryRequest) { r.Currency = "KE" }, ledger.ErrInvalidCurrency},
	{"currency of four letters", func(r *ledger.EntryRequest) { r.Currency = "KESH" }, ledger.ErrInvalidCurrency},
	{"currency with a digit", func(r *ledger.EntryRequest) { r.Currency = "K3S" }, ledger.ErrInvalidCurrency},
	{"ref key not utf-8", func(r *ledger.EntryRequest) { r.Refs = map[string]string{invalidUTF8: "1"} }, ledger.ErrInvalidRefs},
	{"ref value not utf-8", func(r *ledger.EntryRequest) { r.Refs = map[string]string{"loan": invalidUTF8} }, ledger.ErrInvalidRefs},
	{"ref with a NUL byte", func(r *ledger.EntryRequest) { r.Refs = map[string]string{"loan": "1\x002"} }, ledger.ErrInvalidRefs},
	{"no legs", func(r *ledger.EntryRequest) { r.Legs = nil }, ledger.ErrTooFewLegs},
	{"one leg", func(r *ledger.EntryRequest) { r.Legs = r.Legs[:1] }, ledger.ErrTooFewLegs},
	{"101 legs", func(r *ledger.EntryRequest) {
		r.Legs = append(balancedLegs(100), ledger.Debit(1, kes("1")))
	}, ledger.ErrTooManyLegs},
	{"side zero", func(r *ledger.EntryRequest) { r.Legs[0].Side = 0 }, ledger.ErrInvalidSide},
	{"side two", func(r *ledger.EntryRequest) { r.Legs[1].Side = 2 }, ledger.ErrInvalidSide},
	{"missing account", func(r *ledger.EntryRequest) { r.Legs[0].Account = 0 }, ledger.ErrUnknownAccount},
	{"zero amount", withAmount("0"), ledger.ErrInvalidAmount},
	{"zero amount with decimals", withAmount("0.00"), ledger.ErrInvalidAmount},
	{"negative amount", withAmount("-500"), ledger.ErrInvalidAmount},
	{"three decimals", withAmount("1.005"), ledger.ErrTooPrecise},
	{"a tenth of a cent", withAmount("0.001"), ledger.ErrTooPrecise},
	{"amount of 1e16", withAmount("10000000000000000"), ledger.ErrAmountTooLarge},
	{"amount beyond 1e16", withAmount("123456789012345678.5"), ledger.ErrAmountTooLarge},
	{"unbalanced by a cent", func(r *ledger.EntryRequest) { r.Legs[1].Amount = kes("499.99") }, ledger.ErrUnbalanced},
	{"two debits", func(r *ledger.EntryRequest) { r.Legs[1].Side = ledger.DebitSide }, ledger.ErrUnbalanced},
}

func TestEntryRequestValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range entryCases {
		t.Run(tt.name, func(t *testing.T) {
			req := validEntry()
			tt.change(&req)
			if err := req.Validate(); !errors.Is(err, tt.want) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
}

// holdCases lists hold requests with the error HoldRequest.Validate must return.
var holdCases = []struct {
	name   string
	change func(*ledger.HoldRequest)
	want   error
}{
	{"valid", func(*ledger.HoldRequest) {}, nil},
	{"memo of 280 multi-byte runes", func(r *ledger.HoldRequest) { r.Memo = strings.Repeat("𝄞", 280) }, nil},
	{"missing key", func(r *ledger.HoldRequest) { r.Key = "" }, ledger.ErrMissingKey},
	{"key of 201 bytes", func(r *ledger.HoldRequest) { r.Key = strings.Repeat("k", 201) }, ledger.ErrMissingKey},
	{"key not utf-8", func(r *ledger.HoldRequest) { r.Key = invalidUTF8 }, ledger.ErrMissingKey},
	{"key with a NUL byte", func(r *ledger.HoldRequest) { r.Key = "b2c\x00" }, ledger.ErrMissingKey},
	{"missing book", func(r *ledger.HoldRequest) { r.Book = 0 }, ledger.ErrMissingBook},
	{"bad kind", func(r *ledger.HoldRequest) { r.Kind = "Payout" }, ledger.ErrInvalidKind},
	{"memo of 281 multi-byte runes", func(r *ledger.HoldRequest) { r.Memo = strings.Repeat("ñ", 281) }, ledger.ErrMemoTooLong},
	{"bad currency", func(r *ledger.HoldRequest) { r.Currency = "kes" }, ledger.ErrInvalidCurrency},
	{"ref value not utf-8", func(r *ledger.HoldRequest) { r.Refs = map[string]string{"loan": invalidUTF8} }, ledger.ErrInvalidRefs},
	{"ref with a NUL byte", func(r *ledger.HoldRequest) { r.Refs = map[string]string{"lo\x00an": "12"} }, ledger.ErrInvalidRefs},
	{"missing debit account", func(r *ledger.HoldRequest) { r.Debit = 0 }, ledger.ErrUnknownAccount},
	{"missing credit account", func(r *ledger.HoldRequest) { r.Credit = -1 }, ledger.ErrUnknownAccount},
	{"one account on both sides", func(r *ledger.HoldRequest) { r.Credit = r.Debit }, ledger.ErrUnknownAccount},
	{"zero amount", func(r *ledger.HoldRequest) { r.Amount = decimal.Zero }, ledger.ErrInvalidAmount},
	{"negative amount", func(r *ledger.HoldRequest) { r.Amount = kes("-1") }, ledger.ErrInvalidAmount},
	{"three decimals", func(r *ledger.HoldRequest) { r.Amount = kes("1.005") }, ledger.ErrTooPrecise},
	{"amount of 1e16", func(r *ledger.HoldRequest) { r.Amount = kes("1e16") }, ledger.ErrAmountTooLarge},
}

func TestHoldRequestValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range holdCases {
		t.Run(tt.name, func(t *testing.T) {
			req := validHold()
			tt.change(&req)
			if err := req.Validate(); !errors.Is(err, tt.want) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
}

// footprint is everything a request could write, counted.
type footprint struct {
	Entries, Postings, Holds, Queued, Pending int64
	Balances                                  string
}

func (b *books) footprint(t *testing.T) footprint {
	t.Helper()
	var f footprint
	err := ledger.DB(b.l).Raw(`SELECT
		(SELECT count(*) FROM ledger_entries) AS entries,
		(SELECT count(*) FROM ledger_postings) AS postings,
		(SELECT count(*) FROM ledger_holds) AS holds,
		(SELECT count(*) FROM ledger_chain_queue WHERE entry_id > 0) AS queued,
		(SELECT count(*) FROM ledger_holds WHERE status = 'pending') AS pending,
		(SELECT string_agg(id || ':' || balance || '/' || held || '/' || postings_count, ' ' ORDER BY id)
		 FROM ledger_accounts) AS balances`).Scan(&f).Error
	if err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return f
}

// TestRefusedRequestsWriteNothing sends every invalid request through the real write
// paths, and requests the database itself refuses, and checks that not one row changed.
func TestRefusedRequestsWriteNothing(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	b.contribute(t, "c1", b.alice, "1000")
	closed, err := b.l.OpenAccount(ctx, ledger.AccountSpec{Book: b.group.ID, Code: "closed", Type: ledger.Liability, Currency: ledger.KES})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.l.CloseAccount(ctx, closed.ID); err != nil {
		t.Fatal(err)
	}

	// The templates' book 1 and accounts 1 and 2 become the group, its cash and alice.
	onBooks := func(id int64) int64 {
		if mapped, ok := map[int64]int64{1: b.cash.ID, 2: b.alice.ID}[id]; ok {
			return mapped
		}
		return id
	}
	entryReq := func(change func(*ledger.EntryRequest)) ledger.EntryRequest {
		r := validEntry()
		change(&r)
		if r.Book == 1 {
			r.Book = b.group.ID
		}
		for i := range r.Legs {
			r.Legs[i].Account = onBooks(r.Legs[i].Account)
		}
		return r
	}
	post := func(r ledger.EntryRequest) error {
		_, err := b.l.Post(ctx, r)
		return err
	}
	batch := func(r ledger.EntryRequest) error { return b.l.PostBatch(ctx, []ledger.EntryRequest{r})[0].Err }
	batcher := ledger.NewBatcher(b.l, 1, 8)
	defer batcher.Close()
	viaBatcher := func(r ledger.EntryRequest) error {
		_, err := batcher.Post(ctx, r)
		return err
	}

	type refused struct {
		name string
		send func() error
		want error
	}
	var cases []refused
	for _, tt := range entryCases {
		if tt.want == nil {
			continue
		}
		r := entryReq(tt.change)
		cases = append(cases,
			refused{"Post " + tt.name, func() error { return post(r) }, tt.want},
			refused{"PostBatch " + tt.name, func() error { return batch(r) }, tt.want},
			refused{"Batcher " + tt.name, func() error { return viaBatcher(r) }, tt.want})
	}
	for _, tt := range holdCases {
		if tt.want == nil {
			continue
		}
		r := validHold()
		tt.change(&r)
		if r.Book == 1 {
			r.Book = b.group.ID
		}
		r.Debit, r.Credit = onBooks(r.Debit), onBooks(r.Credit)
		cases = append(cases, refused{"Hold " + tt.name, func() error {
			_, err := b.l.Hold(ctx, r)
			return err
		}, tt.want})
	}
	// What only the database can know.
	withdraw := func(key string, from, to ledger.Account, amount string) ledger.EntryRequest {
		return ledger.EntryRequest{Key: key, Book: b.group.ID, Kind: "withdrawal", Currency: ledger.KES,
			Legs: []ledger.Leg{ledger.Debit(from.ID, kes(amount)), ledger.Credit(to.ID, kes(amount))}}
	}
	dbRefusals := []struct {
		name string
		req  ledger.EntryRequest
		want error
	}{
		{"insufficient funds", withdraw("w:bob", b.bob, b.cash, "0.01"), ledger.ErrInsufficientFunds},
		{"more than the balance", withdraw("w:alice", b.alice, b.cash, "1000.01"), ledger.ErrInsufficientFunds},
		{"unknown account", withdraw("w:unknown", ledger.Account{ID: 987654}, b.cash, "1"), ledger.ErrUnknownAccount},
		{"account of another book", withdraw("w:platform", b.alice, b.owed, "1"), ledger.ErrWrongBook},
		{"closed account", withdraw("w:closed", b.alice, closed, "1"), ledger.ErrAccountClosed},
		{"currency mismatch", func() ledger.EntryRequest {
			r := withdraw("w:ugx", b.alice, b.cash, "1")
			r.Currency = "UGX"
			return r
		}(), ledger.ErrCurrencyMismatch},
		{"key reused with other content", withdraw("c1:group", b.alice, b.cash, "1"), ledger.ErrIdempotencyConflict},
	}
	// Beside a good entry, a refused one takes ledger_post's set-based statement, whose
	// reason a caller's transaction gets (outside one the entries are retried one by one).
	var besides [2]ledger.Account
	for i, typ := range []ledger.AccountType{ledger.Asset, ledger.Liability} {
		if besides[i], err = b.l.OpenAccount(ctx, ledger.AccountSpec{Book: b.group.ID, Code: fmt.Sprintf("beside-%d", i),
			Type: typ, Currency: ledger.KES}); err != nil {
			t.Fatal(err)
		}
	}
	beside := func(key string) ledger.EntryRequest { // on accounts no refusal touches
		return ledger.EntryRequest{Key: key, Book: b.group.ID, Kind: "contribution", Currency: ledger.KES,
			Legs: []ledger.Leg{ledger.Debit(besides[0].ID, kes("1")), ledger.Credit(besides[1].ID, kes("1"))}}
	}
	for i, tt := range dbRefusals {
		okInTx := beside(fmt.Sprintf("beside:%d", i))
		cases = append(cases,
			refused{"Post " + tt.name, func() error { return post(tt.req) }, tt.want},
			refused{"PostBatch " + tt.name, func() error { return batch(tt.req) }, tt.want},
			refused{"Batcher " + tt.name, func() error { return viaBatcher(tt.req) }, tt.want},
			refused{"PostBatch of two in a transaction " + tt.name, func() error {
				return b.l.Transaction(ctx, func(tx *ledger.Ledger) error {
					return tx.PostBatch(ctx, []ledger.EntryRequest{okInTx, tt.req})[1].Err
				})
			}, tt.want})
	}
	cases = append(cases,
		refused{"Hold beyond the balance", func() error {
			_, err := b.l.Hold(ctx, ledger.HoldRequest{Key: "h:big", Book: b.group.ID, Kind: "payout", Currency: ledger.KES,
				Debit: b.alice.ID, Credit: b.cash.ID, Amount: kes("1000.01")})
			return err
		}, ledger.ErrInsufficientFunds},
		refused{"Reverse an unknown entry", func() error {
			_, err := b.l.Reverse(ctx, 987654, "r:unknown", "")
			return err
		}, ledger.ErrUnknownEntry},
		refused{"PostHold an unknown hold", func() error {
			_, err := b.l.PostHold(ctx, 987654, kes("1"), "hp:unknown")
			return err
		}, ledger.ErrUnknownHold},
		refused{"PostHold three decimals", func() error {
			_, err := b.l.PostHold(ctx, 987654, kes("1.001"), "hp:precise")
			return err
		}, ledger.ErrTooPrecise},
	)

	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			before := b.footprint(t)
			if err := tt.send(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
			if diff := cmp.Diff(before, b.footprint(t)); diff != "" {
				t.Errorf("a refused request changed the ledger (-before +after):\n%s", diff)
			}
		})
	}
	b.mustVerify(t)
}

// TestValidBoundariesArePosted sends the borderline-valid requests to Postgres: what Go
// accepts, the database's own checks accept too.
func TestValidBoundariesArePosted(t *testing.T) {
	t.Parallel()
	b := newBooks(t)
	ctx := context.Background()
	for i, tt := range entryCases {
		if tt.want != nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			// Two fresh accounts that may go either way take any valid amount.
			var accounts [2]int64
			for j, typ := range []ledger.AccountType{ledger.Expense, ledger.Income} {
				a, err := b.l.OpenAccount(ctx, ledger.AccountSpec{Book: b.group.ID, Code: fmt.Sprintf("boundary:%d:%d", i, j),
					Type: typ, Currency: ledger.KES, AllowNegative: true})
				if err != nil {
					t.Fatal(err)
				}
				accounts[j] = a.ID
			}
			req := validEntry()
			tt.change(&req)
			if req.Key == validEntry().Key {
				req.Key += fmt.Sprint(":", i)
			}
			req.Book = b.group.ID
			for j := range req.Legs {
				req.Legs[j].Account = accounts[req.Legs[j].Account-1]
			}
			e, err := b.l.Post(ctx, req)
			if err != nil {
				t.Fatalf("post: %v", err)
			}
			got, err := b.l.EntryByID(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{req.Key, req.Kind, req.Memo, fmt.Sprint(len(req.Legs), " postings")}
			if diff := cmp.Diff(want, []string{got.IdempotencyKey, got.Kind, got.Memo, fmt.Sprint(len(got.Postings), " postings")}); diff != "" {
				t.Errorf("stored entry differs from the request (-want +got):\n%s", diff)
			}
		})
	}
	b.mustVerify(t)
}
