package chama_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kikundi/kikundi/chama"
)

func TestAStaleLoanRequestReleasesItsPledges(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(yearRules(), "baraka", "chebet", "daudi")
	for _, n := range []string{"baraka", "chebet", "daudi"} {
		w.pay(g, n, "3000", chama.ForContribution)
	}
	loan, _, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("2000"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AcceptLoan(w.ctx, w.member["baraka"], loan.ID, testPIN, []string{w.member["chebet"].Phone, w.member["daudi"].Phone}); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Guarantee(w.ctx, w.member["chebet"], loan.ID, true, testPIN); err != nil {
		t.Fatal(err)
	}
	eq(t, "chebet's free savings while pledging", mustPosition(w, g, "chebet").Free, "2500")
	// daudi never answers; a week later the sweep cancels the request.
	w.clock.add(chama.StaleLoanAge + time.Hour)
	sw, err := w.s.Sweep(w.ctx)
	if err != nil || sw.Cancelled != 1 {
		t.Fatalf("sweep = %+v, %v; want one loan cancelled", sw, err)
	}
	eq(t, "chebet's free savings after", mustPosition(w, g, "chebet").Free, "3000")
	if l, _ := w.s.LoanByID(w.ctx, loan.ID); l.Status != chama.LoanCancelled {
		t.Errorf("loan is %s, want cancelled", l.Status)
	}
	// baraka may ask again.
	if _, _, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("1000"), 2); err != nil {
		t.Errorf("new request after the cancellation: %v", err)
	}
	w.verify()
}

func TestAnExitSettlesFinesAndWaivesArrears(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(yearRules(), "baraka", "chebet")
	if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	w.pay(g, "chebet", "1050", chama.ForContribution)
	w.clock.set(eat(2026, 1, 20, 9))
	if _, err := w.s.ChargeFines(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	// baraka saved 40 in advance earlier, owes January's 1,050 and a fine of 100.
	w.pay(g, "baraka", "40", chama.ForContribution) // goes to the fine first
	pos := mustPosition(w, g, "baraka")
	eq(t, "baraka's fines before leaving", pos.Fines, "60")
	ap, err := w.s.RequestExit(w.ctx, w.member["baraka"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"wanjiru", "otieno"} {
		if ap, err = w.s.Vote(w.ctx, w.member[o], ap.ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	if ap.Status != "approved" {
		t.Fatalf("exit %s: %s", ap.Status, ap.Outcome)
	}
	eq(t, "fines due after the exit", w.balance(g, "fines-due:m4"), "0")
	// Four members were fined 100; baraka paid 40 of his and the 60 he could not pay
	// from savings is written off.
	eq(t, "fine income after the write-off", w.balance(g, "fine-income"), "340")
	if n, _ := w.s.ChargeFines(w.ctx, g.Code); n != 0 {
		t.Errorf("fines charged after the exit: %d", n)
	}
	if _, err := w.s.Position(w.ctx, w.member["baraka"], g.Code); !errors.Is(err, chama.ErrNotMember) {
		t.Errorf("position after exit: err = %v, want ErrNotMember", err)
	}
	w.verify()
}
