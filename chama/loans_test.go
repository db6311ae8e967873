package chama_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kikundi/kikundi/chama"
)

func TestLoanRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(yearRules(), "baraka", "chebet", "daudi")
	if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"wanjiru", "otieno", "akinyi", "baraka", "chebet"} {
		w.pay(g, n, "1050", chama.ForContribution)
	}
	w.clock.set(eat(2026, 1, 20, 9))
	if _, err := w.s.ChargeFines(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	// daudi has not paid January: in arrears, no loan.
	if _, _, err := w.s.RequestLoan(w.ctx, w.member["daudi"], g.Code, kes("500"), 2); !errors.Is(err, chama.ErrInArrears) {
		t.Errorf("in arrears: err = %v, want ErrInArrears", err)
	}
	// baraka has 1,000 saved: 3x is the most, scaled by a new member's score.
	_, _, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("3001"), 2)
	var over *chama.OverLimitError
	if !errors.As(err, &over) || over.Limit.GreaterThan(kes("3000")) {
		t.Fatalf("over the limit: err = %v, want OverLimitError with limit at most 3000", err)
	}
	if _, _, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("500"), 13); err == nil {
		t.Error("a term beyond the rules' 12 months was accepted")
	}
	loan, disc, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("1000"), 2)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "disclosed cost of credit", disc.TotalCost, "100") // 1,000 × 5% × 2, flat
	if len(disc.Instalments) != 2 || !disc.Instalments[0].Due.Equal(time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("disclosed instalments %+v", disc.Instalments)
	}
	if _, _, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("500"), 2); !errors.Is(err, chama.ErrActiveLoan) {
		t.Errorf("second loan: err = %v, want ErrActiveLoan", err)
	}
	if _, err := w.s.AcceptLoan(w.ctx, w.member["baraka"], loan.ID, testPIN, []string{w.member["baraka"].Phone, w.member["chebet"].Phone}); !errors.Is(err, chama.ErrSelfGuarantee) {
		t.Errorf("own guarantee: err = %v, want ErrSelfGuarantee", err)
	}
	if _, err := w.s.AcceptLoan(w.ctx, w.member["baraka"], loan.ID, testPIN, []string{w.member["chebet"].Phone}); !errors.Is(err, chama.ErrNotGuarantor) {
		t.Errorf("one guarantor of two: err = %v, want ErrNotGuarantor", err)
	}
	if _, err := w.s.AcceptLoan(w.ctx, w.member["chebet"], loan.ID, testPIN, nil); !errors.Is(err, chama.ErrUnknownLoan) {
		t.Errorf("someone else accepts: err = %v, want ErrUnknownLoan", err)
	}
	if _, err := w.s.AcceptLoan(w.ctx, w.member["baraka"], loan.ID, testPIN, []string{w.member["chebet"].Phone, w.member["wanjiru"].Phone}); err != nil {
		t.Fatal(err)
	}
	// daudi was not asked.
	if err := w.s.Guarantee(w.ctx, w.member["daudi"], loan.ID, true, testPIN); !errors.Is(err, chama.ErrNotGuarantor) {
		t.Errorf("stranger guarantees: err = %v, want ErrNotGuarantor", err)
	}
	if err := w.s.Guarantee(w.ctx, w.member["chebet"], loan.ID, true, testPIN); err != nil {
		t.Fatal(err)
	}
	// wanjiru declines: the loan is refused and chebet's pledge released.
	if err := w.s.Guarantee(w.ctx, w.member["wanjiru"], loan.ID, false, testPIN); err != nil {
		t.Fatal(err)
	}
	if l, _ := w.s.LoanByID(w.ctx, loan.ID); l.Status != chama.LoanRejected {
		t.Errorf("loan after a refusal: %s, want rejected", l.Status)
	}
	eq(t, "chebet's free savings after release", mustPosition(w, g, "chebet").Free, "1000")
	w.verify()
}

func TestAFailedDisbursementReleasesTheCash(t *testing.T) {
	t.Parallel()
	c := yearRules()
	c.Guarantors, c.GuaranteeShare = 0, kes("0")
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(c, "baraka")
	w.pay(g, "baraka", "2000", chama.ForContribution)
	loan, _, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("1500"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AcceptLoan(w.ctx, w.member["baraka"], loan.ID, testPIN, nil); err != nil {
		t.Fatal(err)
	}
	aps, _ := w.s.PendingApprovals(w.ctx, w.member["wanjiru"], g.Code)
	for _, o := range []string{"wanjiru", "otieno"} {
		if _, err := w.s.Vote(w.ctx, w.member[o], aps[0].ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	gp, _ := w.s.GroupStatement(w.ctx, w.member["baraka"], g.Code)
	eq(t, "cash held for the disbursement", gp.Held, "1500")
	orders := w.payer.taken()
	if err := w.s.PayoutFailed(w.ctx, orders[0].ID, "2001: initiator information invalid"); err != nil {
		t.Fatal(err)
	}
	gp, _ = w.s.GroupStatement(w.ctx, w.member["baraka"], g.Code)
	eq(t, "cash held after the failure", gp.Held, "0")
	eq(t, "cash after the failure", gp.Cash, "2000")
	// The treasurer sends it again; this time M-Pesa pays.
	po, err := w.s.RetryPayout(w.ctx, w.member["otieno"], g.Code, orders[0].ID, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.s.PayoutPaid(w.ctx, po.ID, "QKB3X4Y5Z7"); err != nil {
		t.Fatal(err)
	}
	if l, _ := w.s.LoanByID(w.ctx, loan.ID); l.Status != chama.LoanActive {
		t.Errorf("loan after the retry: %s, want active", l.Status)
	}
	eq(t, "loan principal", w.balance(g, "loan:l1"), "1500")
	w.verify()
}

func TestALockedPINCannotApprove(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	w.pay(g, "baraka", "3000", chama.ForContribution)
	ap, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("500"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, _ = w.s.Vote(w.ctx, w.member["otieno"], ap.ID, true, "1357")
	}
	if _, err := w.s.Vote(w.ctx, w.member["otieno"], ap.ID, true, testPIN); !errors.Is(err, chama.ErrPINLocked) {
		t.Fatalf("vote with a locked PIN: err = %v, want ErrPINLocked", err)
	}
	// A PIN reset, approved by two other officials, lets otieno set a new PIN without the old.
	rs, err := w.s.RequestPINReset(w.ctx, w.member["otieno"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"wanjiru", "akinyi"} {
		if _, err := w.s.Vote(w.ctx, w.member[o], rs.ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.s.SetPIN(w.ctx, w.member["otieno"], "", "7391"); err != nil {
		t.Fatalf("set PIN after an approved reset: %v", err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["otieno"], ap.ID, true, "7391"); err != nil {
		t.Fatal(err)
	}
	// Without a new reset, the old-PIN rule is back.
	if err := w.s.SetPIN(w.ctx, w.member["otieno"], "", "5038"); !errors.Is(err, chama.ErrWrongPIN) {
		t.Errorf("second PIN change without the PIN: err = %v, want ErrWrongPIN", err)
	}
}

// TestInDuplumCapsWhatAnUnpaidLoanCanCost: at 50% a month flat on 1,000, unpaid for six
// months, interest and penalties due stop at the principal outstanding.
func TestInDuplumCapsWhatAnUnpaidLoanCanCost(t *testing.T) {
	t.Parallel()
	c := yearRules()
	c.MonthlyRate = kes("0.5")
	c.Guarantors, c.GuaranteeShare = 0, kes("0")
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(c, "baraka")
	w.pay(g, "baraka", "1000", chama.ForContribution)
	loan, disc, err := w.s.RequestLoan(w.ctx, w.member["baraka"], g.Code, kes("1000"), 12)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "disclosed interest", disc.Interest, "6000")
	if _, err := w.s.AcceptLoan(w.ctx, w.member["baraka"], loan.ID, testPIN, nil); err != nil {
		t.Fatal(err)
	}
	aps, _ := w.s.PendingApprovals(w.ctx, w.member["wanjiru"], g.Code)
	for _, o := range []string{"wanjiru", "otieno"} {
		if _, err := w.s.Vote(w.ctx, w.member[o], aps[0].ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.s.PayoutPaid(w.ctx, w.payer.taken()[0].ID, "DUPLUM0001"); err != nil {
		t.Fatal(err)
	}
	for m := time.February; m <= time.July; m++ {
		w.clock.set(eat(2026, m, 20, 9))
		if _, err := w.s.AccrueLoans(w.ctx, g.Code); err != nil {
			t.Fatal(err)
		}
	}
	charges := w.balance(g, fmt.Sprintf("interest-due:l%d", loan.ID)).Add(w.balance(g, fmt.Sprintf("penalty-due:l%d", loan.ID)))
	eq(t, "unpaid interest and penalties", charges, "1000")
	w.verify()
}
