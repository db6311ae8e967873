package chama_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kikundi/kikundi/chama"
)

func TestAPeerLoanFromOfferToRepayment(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(yearRules(), "baraka", "chebet")
	w.pay(g, "baraka", "5000", chama.ForContribution)

	// The lender may not charge more than the group does (5% a month).
	if _, _, err := w.s.OfferPeerLoan(w.ctx, w.member["baraka"], g.Code, w.member["chebet"].Phone, kes("2000"), 2, kes("0.06"), testPIN); !errors.Is(err, chama.ErrInvalidAmount) {
		t.Errorf("rate above the group's: err = %v", err)
	}
	if _, _, err := w.s.OfferPeerLoan(w.ctx, w.member["baraka"], g.Code, w.member["chebet"].Phone, kes("6000"), 2, kes("0.02"), testPIN); !errors.Is(err, chama.ErrInsufficientSavings) {
		t.Errorf("offer above savings: err = %v", err)
	}
	loan, disc, err := w.s.OfferPeerLoan(w.ctx, w.member["baraka"], g.Code, w.member["chebet"].Phone, kes("2000"), 2, kes("0.02"), testPIN)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "disclosed total", disc.TotalRepayable, "2080") // flat 2% × 2 months on 2,000
	eq(t, "baraka's free savings while escrowed", mustPosition(w, g, "baraka").Free, "3000")
	if _, err := w.s.AcceptPeerLoan(w.ctx, w.member["baraka"], loan.ID, testPIN); !errors.Is(err, chama.ErrUnknownLoan) {
		t.Errorf("lender accepts own offer: err = %v", err)
	}
	if _, err := w.s.AcceptPeerLoan(w.ctx, w.member["chebet"], loan.ID, testPIN); err != nil {
		t.Fatal(err)
	}
	eq(t, "escrow", w.balance(g, fmt.Sprintf("escrow:l%d", loan.ID)), "2000")
	orders := w.payer.taken()
	if len(orders) != 1 || orders[0].Purpose != chama.PurposePeerLoan || !orders[0].Amount.Equal(kes("2000")) {
		t.Fatalf("payout orders %+v", orders)
	}
	if err := w.s.PayoutPaid(w.ctx, orders[0].ID, "PEER000001"); err != nil {
		t.Fatal(err)
	}
	eq(t, "escrow after disbursement", w.balance(g, fmt.Sprintf("escrow:l%d", loan.ID)), "0")
	// chebet repays 1,040 twice and 100 more: the lender gets 2,080, chebet saves 100.
	w.pay(g, "chebet", "1040", chama.ForRepayment)
	w.pay(g, "chebet", "1140", chama.ForRepayment)
	eq(t, "baraka's savings after repayment", mustPosition(w, g, "baraka").Savings, "5080")
	eq(t, "chebet's savings", mustPosition(w, g, "chebet").Savings, "100")
	if l, _ := w.s.LoanByID(w.ctx, loan.ID); l.Status != chama.LoanClosed {
		t.Errorf("peer loan is %s, want closed", l.Status)
	}
	w.verify()
}

func TestAWithdrawnPeerOfferFreesTheLendersSavings(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(yearRules(), "baraka", "chebet")
	w.pay(g, "baraka", "5000", chama.ForContribution)
	loan, _, err := w.s.OfferPeerLoan(w.ctx, w.member["baraka"], g.Code, w.member["chebet"].Phone, kes("2000"), 2, kes("0.02"), testPIN)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.s.CancelLoan(w.ctx, w.member["baraka"], loan.ID); err != nil {
		t.Fatal(err)
	}
	eq(t, "baraka's free savings", mustPosition(w, g, "baraka").Free, "5000")
	if _, err := w.s.AcceptPeerLoan(w.ctx, w.member["chebet"], loan.ID, testPIN); !errors.Is(err, chama.ErrLoanState) {
		t.Errorf("accept a withdrawn offer: err = %v", err)
	}
	w.verify()
}
