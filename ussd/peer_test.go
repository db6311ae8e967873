package ussd_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
)

// TestAPeerLoanOfferedAndAcceptedThroughUSSD: a member offers a loan to another by USSD,
// reads the disclosure the borrower will see and confirms with the PIN; the borrower finds
// the offer, reads the same disclosure and accepts with the PIN; the money is sent.
func TestAPeerLoanOfferedAndAcceptedThroughUSSD(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	paid := &payoutLog{}
	r.withChama(chama.Options{Payer: paid})
	r.found(rules.Default(), "en", "baraka", "chebet", "daudi") // the group lends at 1% a month at most
	r.deposit("baraka", 5000)

	b := r.phone(numbers["baraka"])
	b.dial("offer")
	expect(t, b.press("4"), false, "Peer loans", "Offer a loan", "Offers to me (0)", "Ask for a loan")
	expect(t, b.press("1"), false, "Phone number of the member you will lend to")
	expect(t, b.press(numbers["baraka"]), false, "cannot lend to yourself")
	expect(t, b.press("0711999999"), false, "not an active member")
	expect(t, b.press(numbers["chebet"]), false, "How much to lend chebet")
	expect(t, b.press("2000"), false, "(1-12)")
	expect(t, b.press("13"), false, "Enter 1 to 12 months")
	expect(t, b.press("2"), false, "Interest a month in percent, 0 to 1")
	expect(t, b.press("5"), false, "Enter a percent from 0 to 1")
	disclosure, last := readAll(b, b.press("1"))
	for _, want := range []string{"chebet will see", "Loan KES 2,000.00 from baraka over 2 months at 1% a month",
		"Total cost of credit", "Total to repay"} {
		expect(t, hopText(disclosure), false, want)
	}
	expect(t, last, false, "Make the offer (PIN)", "Cancel")
	expect(t, b.press("1"), false, "KES 2,000.00 will be held from your savings until chebet answers", "PIN")
	expect(t, b.press("1111"), false, "Wrong PIN. 2 tries left")
	expect(t, b.press("5821"), true, "sent to chebet")
	pos, err := r.groups.Position(r.ctx, chama.Actor{Phone: numbers["baraka"]}, "UMOJA")
	if err != nil || !pos.Free.Equal(decimal.NewFromInt(3000)) {
		t.Fatalf("baraka's free savings while the offer waits: %v, %v", pos.Free, err)
	}

	c := r.phone(numbers["chebet"])
	c.dial("accept")
	expect(t, c.press("4"), false, "Offers to me (1)")
	expect(t, c.press("2"), false, "baraka: KES 2,000.00, 2 months")
	terms, last := readAll(c, c.press("1"))
	expect(t, hopText(terms), false, "Loan KES 2,000.00 from baraka over 2 months at 1% a month", "Total to repay")
	expect(t, last, false, "I accept these terms", "No")
	expect(t, c.press("1"), false, "Take the loan of KES 2,000.00 from baraka", "PIN")
	expect(t, c.press("5821"), true, "Accepted. KES 2,000.00 is on its way to your M-Pesa")

	orders := paid.taken()
	if len(orders) != 1 || orders[0].Purpose != chama.PurposePeerLoan || !orders[0].Amount.Equal(decimal.NewFromInt(2000)) ||
		orders[0].Phone != "+254711000005" {
		t.Fatalf("payout orders: %+v", orders)
	}
	c.dial("after")
	c.press("4")
	expect(t, c.press("2"), true, "No loan offers for you")
}

// TestADeclinedPeerOfferReleasesTheLender: in Swahili, the borrower declines; the lender's
// savings are free again. Asking for a loan explains how.
func TestADeclinedPeerOfferReleasesTheLender(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.found(rules.Default(), "sw", "daudi")
	r.deposit("wanjiru", 3000)

	w := r.phone(numbers["wanjiru"])
	w.dial("offer")
	expect(t, w.press("4"), false, "Mkopo kwa mwenzako", "Mkopeshe mwanachama", "Ofa kwangu (0)", "Omba mkopo")
	w.press("1")
	expect(t, w.press(numbers["daudi"]), false, "Kiasi cha kumkopesha daudi")
	w.press("1000")
	w.press("3")
	disclosure, last := readAll(w, w.press("0"))
	expect(t, hopText(disclosure), false, "daudi ataona", "Mkopo KES 1,000.00 kutoka kwa wanjiru kwa miezi 3, riba 0% kwa mwezi",
		"Jumla ya kulipa KES 1,000.00")
	expect(t, last, false, "Toa ofa (PIN)")
	w.press("1")
	expect(t, w.press("4826"), true, "Ofa #", "imetumwa kwa daudi")

	d := r.phone(numbers["daudi"])
	d.dial("decline")
	d.press("4")
	d.press("2")
	_, last = readAll(d, d.press("1"))
	expect(t, last, false, "No")
	expect(t, d.press("2"), true, "Offer declined")
	pos, err := r.groups.Position(r.ctx, chama.Actor{Phone: numbers["wanjiru"]}, "UMOJA")
	if err != nil || !pos.Free.Equal(decimal.NewFromInt(3000)) {
		t.Fatalf("wanjiru's free savings after the decline: %v, %v", pos.Free, err)
	}

	d.dial("ask")
	d.press("4")
	expect(t, d.press("3"), true, "Ask a fellow member to lend to you")
}
