package chama_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/simswap"
)

// weeklyRotation is a merry-go-round of 200 a week, due on Fridays, paid in joining order.
func weeklyRotation() rules.Constitution {
	c := rules.Default()
	c.Rotation = true
	c.RotationOrder = rules.RotationJoining
	c.Frequency = rules.Weekly
	c.DueDay = 5 // Friday
	c.Contribution = kes("200")
	return c
}

// TestAMerryGoRound runs a weekly merry-go-round of five for a round and a bit: each
// week's pot goes to the next member in joining order once everyone has paid, nobody is
// paid twice in a round, and a short week is paid only with the officials' approval.
func TestAMerryGoRound(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 3, 2, 9)) // a Monday
	g := w.group(weeklyRotation(), "baraka", "chebet")
	everyone := []string{"wanjiru", "otieno", "akinyi", "baraka", "chebet"}

	paidTo := map[string]int{}
	phoneName := map[string]string{}
	for _, n := range everyone {
		phoneName[w.phones[n]] = n
	}
	for week := 1; week <= 6; week++ {
		w.clock.set(eat(2026, 3, 2, 9).AddDate(0, 0, 7*(week-1)))
		if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
			t.Fatal(err)
		}
		short := week == 6
		for i, n := range everyone {
			if short && i == 4 {
				continue
			}
			w.pay(g, n, "200", chama.ForContribution)
		}
		_, err := w.s.PayRotation(w.ctx, g.Code, week)
		if short {
			if !errors.Is(err, chama.ErrShortPot) {
				t.Fatalf("week 6 short pot: err = %v, want ErrShortPot", err)
			}
			ap, err := w.s.RequestShortRotation(w.ctx, w.member["wanjiru"], g.Code, week)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range []string{"otieno", "akinyi"} {
				if ap, err = w.s.Vote(w.ctx, w.member[o], ap.ID, true, testPIN); err != nil {
					t.Fatal(err)
				}
			}
			if ap.Status != "approved" {
				t.Fatalf("short pot approval %s: %s", ap.Status, ap.Outcome)
			}
		} else if err != nil {
			t.Fatalf("week %d: %v", week, err)
		}
		// Asking again pays nothing more.
		if _, err := w.s.PayRotation(w.ctx, g.Code, week); err != nil && !errors.Is(err, chama.ErrShortPot) {
			t.Fatal(err)
		}
		orders := w.payer.taken()
		if len(orders) != 1 {
			t.Fatalf("week %d: %d payout orders, want 1", week, len(orders))
		}
		want := "1000.00"
		if short {
			want = "800.00"
		}
		if orders[0].Amount.StringFixed(2) != want {
			t.Errorf("week %d pot = %s, want %s", week, orders[0].Amount.StringFixed(2), want)
		}
		if err := w.s.PayoutPaid(w.ctx, orders[0].ID, fmt.Sprintf("RTN%07d", week)); err != nil {
			t.Fatal(err)
		}
		name := phoneName[orders[0].Phone]
		paidTo[name]++
		if week <= 5 && name != everyone[week-1] {
			t.Errorf("week %d paid %s, want %s (joining order)", week, name, everyone[week-1])
		}
	}
	for _, n := range everyone {
		want := 1
		if n == "wanjiru" {
			want = 2 // first of round two
		}
		if paidTo[n] != want {
			t.Errorf("%s paid %d times, want %d", n, paidTo[n], want)
		}
	}
	gp, err := w.s.GroupStatement(w.ctx, w.member["baraka"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "pots left", gp.Pots, "0")
	eq(t, "cash left", gp.Cash, "0")
	w.verify()
}

// TestTheSweepPaysFullPots: nobody has to ask for a merry-go-round pot. The sweep pays a
// week's pot once its last contribution is in, never twice, never a short one; a pot for
// a number whose SIM just changed is sent only when the hold ends.
func TestTheSweepPaysFullPots(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 3, 2, 9)) // a Monday
	g := w.group(weeklyRotation(), "baraka", "chebet")
	everyone := []string{"wanjiru", "otieno", "akinyi", "baraka", "chebet"}
	sweep := func(wantPots int) {
		t.Helper()
		sw, err := w.s.Sweep(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sw.Pots != wantPots {
			t.Fatalf("sweep paid %d pots, want %d", sw.Pots, wantPots)
		}
	}
	paidTo := func(name, amount string) {
		t.Helper()
		orders := w.payer.taken()
		if len(orders) != 1 || orders[0].Phone != w.phones[name] || orders[0].Amount.StringFixed(2) != amount {
			t.Fatalf("payouts %+v, want one of %s to %s", orders, amount, name)
		}
		if err := w.s.PayoutPaid(w.ctx, orders[0].ID, fmt.Sprintf("RTN%07d", orders[0].ID)); err != nil {
			t.Fatal(err)
		}
	}

	sweep(0) // raises week 1's dues; nothing is in yet
	for _, n := range everyone {
		w.pay(g, n, "200", chama.ForContribution)
	}
	sweep(1)
	paidTo("wanjiru", "1000.00")
	sweep(0) // paid once

	w.clock.set(eat(2026, 3, 9, 9))
	sweep(0)
	for _, n := range everyone[:4] {
		w.pay(g, n, "200", chama.ForContribution)
	}
	sweep(0) // Chebet has not paid: the pot waits (or the officials approve it short)
	w.pay(g, "chebet", "200", chama.ForContribution)
	sweep(1)
	paidTo("otieno", "1000.00")

	// Week 3 is Akinyi's, and her SIM changed an hour ago: her pot waits out the hold.
	w.clock.set(eat(2026, 3, 16, 9))
	sweep(0)
	if err := (simswap.Sandbox{DB: w.db}).Record(w.ctx, w.phones["akinyi"], w.clock.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, n := range everyone {
		w.pay(g, n, "200", chama.ForContribution)
	}
	sweep(1) // the pot is hers, but M-Pesa is not asked yet
	if orders := w.payer.taken(); len(orders) != 0 {
		t.Fatalf("a pot was sent to a swapped number: %+v", orders)
	}
	if got := w.notes.kinds(w.phones["wanjiru"]); !slices.Contains(got, "simswap.hold") {
		t.Errorf("the chair was not told why the pot waits: %v", got)
	}
	w.clock.add(chama.SIMSwapHold)
	if _, err := w.s.DispatchPending(w.ctx, time.Minute); err != nil { // the payout sweep
		t.Fatal(err)
	}
	paidTo("akinyi", "1000.00")
	w.verify()
}

// TestABigPotGoesInParts: a pot above M-Pesa's 250,000 a transaction is paid in parts.
func TestABigPotGoesInParts(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 3, 2, 9))
	c := weeklyRotation()
	c.Contribution = kes("60000")
	g := w.group(c, "baraka", "chebet")
	if _, err := w.s.Sweep(w.ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"wanjiru", "otieno", "akinyi", "baraka", "chebet"} {
		w.pay(g, n, "60000", chama.ForContribution)
	}
	sw, err := w.s.Sweep(w.ctx)
	if err != nil || sw.Pots != 1 {
		t.Fatalf("sweep: %+v, %v", sw, err)
	}
	orders := w.payer.taken()
	if len(orders) != 2 || orders[0].Amount.StringFixed(2) != "250000.00" || orders[1].Amount.StringFixed(2) != "50000.00" {
		t.Fatalf("orders %+v, want 250,000 then 50,000 to Wanjiru", orders)
	}
	for i, o := range orders {
		if o.Phone != w.phones["wanjiru"] {
			t.Errorf("part %d to %s", i+1, o.Phone)
		}
		if err := w.s.PayoutPaid(w.ctx, o.ID, fmt.Sprintf("BIG%07d", o.ID)); err != nil {
			t.Fatal(err)
		}
	}
	if sw, err := w.s.Sweep(w.ctx); err != nil || sw.Pots != 0 {
		t.Errorf("a second sweep: %+v, %v", sw, err)
	}
	w.verify()
}

// TestAFailedPotIsNotResentBySweeps: when M-Pesa refuses a pot's payout, the sweep does not
// send it again every 15 minutes; it waits for an official to retry it.
func TestAFailedPotIsNotResentBySweeps(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 3, 2, 9))
	g := w.group(weeklyRotation(), "baraka", "chebet")
	if _, err := w.s.Sweep(w.ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"wanjiru", "otieno", "akinyi", "baraka", "chebet"} {
		w.pay(g, n, "200", chama.ForContribution)
	}
	if _, err := w.s.Sweep(w.ctx); err != nil {
		t.Fatal(err)
	}
	orders := w.payer.taken()
	if len(orders) != 1 {
		t.Fatalf("%d orders, want the pot", len(orders))
	}
	if err := w.s.PayoutFailed(w.ctx, orders[0].ID, "2001: the initiator information is invalid"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if sw, err := w.s.Sweep(w.ctx); err != nil || sw.Pots != 0 {
			t.Fatalf("sweep after a failure: %+v, %v", sw, err)
		}
	}
	if orders := w.payer.taken(); len(orders) != 0 {
		t.Errorf("the failed pot was sent again: %+v", orders)
	}
	failed, err := w.s.FailedPayouts(w.ctx, w.member["otieno"], g.Code)
	if err != nil || len(failed) != 1 || failed[0].Name != "wanjiru" || failed[0].Purpose != chama.PurposeRotation {
		t.Fatalf("failed payouts: %+v, %v", failed, err)
	}
	if _, err := w.s.FailedPayouts(w.ctx, w.member["baraka"], g.Code); !errors.Is(err, chama.ErrNotOfficial) {
		t.Errorf("a member lists failed payouts: %v", err)
	}
	if _, err := w.s.RetryPayout(w.ctx, w.member["otieno"], g.Code, orders[0].ID, testPIN); err != nil {
		t.Fatal(err)
	}
	if failed, err := w.s.FailedPayouts(w.ctx, w.member["otieno"], g.Code); err != nil || len(failed) != 0 {
		t.Errorf("after the retry: %+v, %v", failed, err)
	}
	if orders := w.payer.taken(); len(orders) != 1 {
		t.Errorf("the retry sent %d orders, want 1", len(orders))
	}
	w.verify()
}
