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

// TestASwappedSIMWaits: for SIMSwapHold (72 hours) after Baraka's SIM changes, his number
// cannot ask for money or a PIN reset, or set a PIN without the current one, and what is
// approved for him is not sent until the hold ends; Otieno cannot vote once his changes;
// paying in stays open, and the officials hear of it.
func TestASwappedSIMWaits(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 3, 2, 9))
	g := w.group(defaultRules(), "baraka")
	w.pay(g, "baraka", "3000", chama.ForContribution)
	asked, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("1000"))
	if err != nil {
		t.Fatal(err)
	}
	// He also forgot his PIN, and the officials allowed a reset.
	reset, err := w.s.RequestPINReset(w.ctx, w.member["baraka"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"wanjiru", "otieno"} {
		if reset, err = w.s.Vote(w.ctx, w.member[name], reset.ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	if reset.Status != "approved" {
		t.Fatalf("PIN reset %s", reset.Status)
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
	// Setting a PIN without the current one, as the reset allows, is the thief's way in.
	if err := w.s.SetPIN(w.ctx, w.member["baraka"], "", "9137"); !errors.Is(err, chama.ErrSIMSwapped) {
		t.Errorf("a PIN set without the current one after a swap: %v", err)
	}
	// The withdrawal he asked for before the swap may be approved, but its money waits.
	for _, name := range []string{"wanjiru", "akinyi"} {
		if _, err := w.s.Vote(w.ctx, w.member[name], asked.ID, true, testPIN); err != nil {
			t.Fatalf("%s approves: %v", name, err)
		}
	}
	if orders := w.payer.taken(); len(orders) != 0 {
		t.Errorf("M-Pesa was asked to pay a swapped number: %+v", orders)
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
	rc, err := w.s.ProposeRules(w.ctx, w.member["wanjiru"], g.Code, defaultRules())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["otieno"], rc.ID, false, testPIN); !errors.Is(err, chama.ErrSIMSwapped) {
		t.Errorf("a swapped official votes: %v", err)
	}

	// When the hold ends, the payout sweep sends the withdrawal, and Otieno may vote.
	w.clock.add(2 * time.Hour)
	if _, err := w.s.DispatchPending(w.ctx, 0); err != nil {
		t.Fatal(err)
	}
	if orders := w.payer.taken(); len(orders) != 1 || orders[0].Phone != w.phones["baraka"] || orders[0].Amount.StringFixed(2) != "1000.00" {
		t.Errorf("after the hold: %+v, want Baraka's 1000.00", orders)
	}
	if _, err := w.s.Vote(w.ctx, w.member["otieno"], rc.ID, true, testPIN); err != nil {
		t.Errorf("Otieno votes after the hold: %v", err)
	}
	w.verify()
}

// TestAReportedSwapIsToldAtOnce: when an operator records a swap, the officials of the
// number's groups hear of it before the number tries anything; an old swap holds nothing.
func TestAReportedSwapIsToldAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 3, 2, 9))
	w.group(defaultRules(), "baraka")
	swaps := simswap.Sandbox{DB: w.db}
	if err := swaps.Record(w.ctx, w.phones["baraka"], w.clock.Now().Add(-100*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if held, err := w.s.SIMSwapReported(w.ctx, w.phones["baraka"]); err != nil || held {
		t.Errorf("a swap 100 hours ago: held %v, %v", held, err)
	}
	if err := swaps.Record(w.ctx, w.phones["baraka"], w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if held, err := w.s.SIMSwapReported(w.ctx, w.phones["baraka"]); err != nil || !held {
		t.Fatalf("a swap now: held %v, %v", held, err)
	}
	for _, name := range []string{"wanjiru", "otieno", "akinyi"} {
		if got := w.notes.kinds(w.phones[name]); !slices.Contains(got, "simswap.hold") {
			t.Errorf("%s was not told: %v", name, got)
		}
	}
	if got := w.notes.kinds(w.phones["baraka"]); slices.Contains(got, "simswap.hold") {
		t.Error("the swapped number was told")
	}
}
