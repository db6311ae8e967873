package ledger_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/ledger"
)

// validationErrors are the only errors Validate may return.
var validationErrors = []error{
	ledger.ErrMissingKey, ledger.ErrMissingBook, ledger.ErrInvalidKind, ledger.ErrMemoTooLong,
	ledger.ErrInvalidRefs, ledger.ErrInvalidCurrency, ledger.ErrTooFewLegs, ledger.ErrTooManyLegs,
	ledger.ErrInvalidSide, ledger.ErrUnknownAccount, ledger.ErrInvalidAmount, ledger.ErrTooPrecise,
	ledger.ErrAmountTooLarge, ledger.ErrUnbalanced,
}

// FuzzEntryValidation builds requests from arbitrary text: amounts is a comma-separated
// list of legs, and each byte of sides picks the side of one leg (0 debit, 1 credit,
// anything else that byte as a raw Side). Whatever comes in, Validate must not panic, must
// refuse with one of its sentinels, and must accept only what Postgres can store as a
// balanced entry. The seeds run with every `go test`; `go test -fuzz FuzzEntryValidation
// ./ledger/` explores further.
func FuzzEntryValidation(f *testing.F) {
	f.Add("mpesa:NLJ7RT61SV", "contribution", "week 3", "KES", "NLJ7RT61SV", "500,500", []byte{0, 1})
	f.Add("k", "loan.disbursement", "ñ𝄞", "UGX", "", "100.50,40.25,60.25", []byte{0, 1, 1})
	f.Add("k", "fine", "", "KES", "", "1.005,1.005", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "1.000,1.00", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "0,0", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "-5,-5", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "10000000000000000,10000000000000000", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "9999999999999999.99,9999999999999999.99", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "1e-2,0.01", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "1e3,1000", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "1e-9999,1e9999", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", "5,5", []byte{0, 0})
	f.Add("k", "fine", "", "KES", "", "5,5", []byte{0, 7})
	f.Add("k", "fine", "", "KES", "", "5", []byte{0})
	f.Add("k", "fine", "", "KES", "", strings.Repeat("1,", 100)+"1", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "", strings.Repeat("1,", 99)+"1", []byte{0, 1})
	f.Add("", "fine", "", "KES", "", "5,5", []byte{0, 1})
	f.Add("k\x00", "fine", "", "KES", "", "5,5", []byte{0, 1})
	f.Add("\xff", "fine", "", "KES", "", "5,5", []byte{0, 1})
	f.Add(strings.Repeat("k", 201), "fine", "", "KES", "", "5,5", []byte{0, 1})
	f.Add("k", "Fine", "", "KES", "", "5,5", []byte{0, 1})
	f.Add("k", "fine\n", "", "KES", "", "5,5", []byte{0, 1})
	f.Add("k", "fine", strings.Repeat("𝄞", 280), "KES", "", "5,5", []byte{0, 1})
	f.Add("k", "fine", strings.Repeat("𝄞", 281), "KES", "", "5,5", []byte{0, 1})
	f.Add("k", "fine", "\x00", "KES", "", "5,5", []byte{0, 1})
	f.Add("k", "fine", "", "kes", "", "5,5", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "\xff", "5,5", []byte{0, 1})
	f.Add("k", "fine", "", "KES", "a\x00b", "5,5", []byte{0, 1})

	f.Fuzz(func(t *testing.T, key, kind, memo, currency, ref, amounts string, sides []byte) {
		req := ledger.EntryRequest{Key: key, Book: 1, Kind: kind, Memo: memo, Currency: currency,
			Refs: map[string]string{"ref": ref}}
		for i, text := range strings.Split(amounts, ",") {
			amount, err := decimal.NewFromString(text)
			if err != nil {
				continue
			}
			pick := byte(i % 2) // without sides: debit, credit, debit...
			if len(sides) > 0 {
				pick = sides[i%len(sides)]
			}
			side := ledger.Side(int8(pick))
			switch pick {
			case 0:
				side = ledger.DebitSide
			case 1:
				side = ledger.CreditSide
			}
			req.Legs = append(req.Legs, ledger.Leg{Account: int64(i + 1), Side: side, Amount: amount})
		}

		err := req.Validate()
		if err != nil {
			for _, sentinel := range validationErrors {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("Validate() = %v: not one of the validation sentinels", err)
		}

		// Accepted: check every promise without the code under test's own helpers.
		checkText(t, "key", key, 1, 200, false)
		checkText(t, "memo", memo, 0, 280, true)
		checkText(t, "ref", ref, 0, -1, false)
		if len(kind) < 1 || len(kind) > 64 || kind[0] < 'a' || kind[0] > 'z' ||
			strings.Trim(kind, "abcdefghijklmnopqrstuvwxyz0123456789_.:-") != "" {
			t.Fatalf("accepted kind %q", kind)
		}
		if len(currency) != 3 || strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Fatalf("accepted currency %q", currency)
		}
		if len(req.Legs) < 2 || len(req.Legs) > 100 {
			t.Fatalf("accepted %d legs", len(req.Legs))
		}
		debits, credits := decimal.Zero, decimal.Zero
		for _, l := range req.Legs {
			_, cents, _ := strings.Cut(l.Amount.String(), ".") // String drops trailing zeros
			switch {
			case l.Amount.Sign() <= 0:
				t.Fatalf("accepted amount %s", l.Amount)
			case len(cents) > 2:
				t.Fatalf("accepted amount %s with more than two decimals", l.Amount)
			case !l.Amount.LessThan(decimal.New(1, 16)):
				t.Fatalf("accepted amount %s that NUMERIC(18,2) cannot hold", l.Amount)
			}
			switch l.Side {
			case ledger.DebitSide:
				debits = debits.Add(l.Amount)
			case ledger.CreditSide:
				credits = credits.Add(l.Amount)
			default:
				t.Fatalf("accepted side %d", l.Side)
			}
		}
		if !debits.Equal(credits) {
			t.Fatalf("accepted debits %s and credits %s", debits, credits)
		}
	})
}

// checkText fails unless s is UTF-8 without NUL, with between lo and hi bytes (or runes,
// when runes is set); hi < 0 means no upper bound.
func checkText(t *testing.T, what, s string, lo, hi int, runes bool) {
	t.Helper()
	n := len(s)
	if runes {
		n = utf8.RuneCountInString(s)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || n < lo || (hi >= 0 && n > hi) {
		t.Fatalf("accepted %s %q", what, s)
	}
}
