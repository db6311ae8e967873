package chama_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/simswap"
)

// TestASwappedSIMWaits: for SIMSwapHold (72 hours) after Baraka's SIM changes, his number cannot take
// money out, ask for a PIN reset or be paid by an approval, and Otieno's cannot vote once
// his changes; paying in stays open, and the officials hear of it once per change.
func TestASwappedSIMWaits(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 3, 2, 9))
	g := w.group(defaultRules(), "baraka")
	w.pay(g, "baraka", "3000", chama.ForContribution)
	asked, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("1000"))
	if err != nil {
		t.Fatal(err)
	}
	swaps := simswap.Sandbox{DB: w.db}
	// His SIM changed 70 hours ago: two hours of the hold are left.
	if err := swaps.Record(w.ctx, w.member["baraka"].Phone, w.clock.Now().Add(-70*time.Hour)); err != nil {
		t.Fatal(err)
	}

	_, err = w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("500"))
	if !errors.Is(err, chama.ErrSIMSwapped) || !strings.Contains(err.Error(), "until 02/03 11:00") {
		t.Errorf("withdraw after a swap: %v, want ErrSIMSwapped until 02/03 11:00", err)
	}
	if _, err := w.s.RequestPINReset(w.ctx, w.member["baraka"], g.Code); !errors.Is(err, chama.ErrSIMSwapped) {
		t.Errorf("PIN reset after a swap: %v", err)
	}
	if _, _, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("1000"), 3); !errors.Is(err, chama.ErrSIMSwapped) {
		t.Errorf("loan after a swap: %v", err)
	}
	w.pay(g, "baraka", "500", chama.ForContribution) // paying in is never held
	// The withdrawal he asked for before the swap would now pay the new SIM: it waits.
	if _, err := w.s.Vote(w.ctx, w.member["wanjiru"], asked.ID, true, testPIN); !errors.Is(err, chama.ErrRecipientSIMSwapped) {
		t.Errorf("approving a payout to a swapped number: %v", err)
	}
	for _, name := range []string{"wanjiru", "otieno", "akinyi"} {
		if got := w.notes.kinds(w.phones[name]); !slices.Contains(got, "simswap.hold") {
			t.Errorf("%s was not told of the swap: %v", name, got)
		}
	}
	if got := w.notes.kinds(w.phones["baraka"]); slices.Contains(got, "simswap.hold") {
		t.Error("the swapped number itself was told")
	}
	var onces []string
	for _, n := range w.notes.notices {
		if n.Kind == "simswap.hold" && !slices.Contains(onces, n.Phone+n.Once) {
			onces = append(onces, n.Phone+n.Once)
		}
	}
	if len(onces) != 3 {
		t.Errorf("%d distinct (official, change) alerts, want 3 (one each, however often he tries)", len(onces))
	}

	// An official with a new SIM cannot vote at all.
	if err := swaps.Record(w.ctx, w.member["otieno"].Phone, w.clock.Now().Add(-70*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["otieno"], asked.ID, false, testPIN); !errors.Is(err, chama.ErrSIMSwapped) {
		t.Errorf("a swapped official votes: %v", err)
	}

	// When the hold ends, both numbers are trusted again and the withdrawal is paid.
	w.clock.add(2 * time.Hour)
	for _, name := range []string{"wanjiru", "otieno"} {
		if _, err := w.s.Vote(w.ctx, w.member[name], asked.ID, true, testPIN); err != nil {
			t.Fatalf("%s votes after the hold: %v", name, err)
		}
	}
	if n := len(w.payer.taken()); n != 1 {
		t.Errorf("%d payouts after the hold, want 1", n)
	}
	w.verify()
}
