package chama_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
)

// yearRules is Umoja's constitution: KES 1,000 a month into savings plus 50 for welfare,
// due on the 5th with three days' grace, a KES 100 fine once; loans up to 3x savings at 5%
// a month flat, two guarantors covering half, a 5% penalty on a late instalment.
func yearRules() rules.Constitution {
	c := rules.Default()
	c.Contribution = kes("1000")
	c.Welfare = kes("50")
	c.Fine = rules.Fine{Basis: rules.FineFixed, Amount: kes("100"), Recurrence: rules.FineOnce}
	c.Interest = rules.Flat
	c.MonthlyRate = kes("0.05")
	return c
}

// members of Umoja besides its three officials (wanjiru, otieno, akinyi).
var umoja = []string{"baraka", "chebet", "daudi", "esther", "faith", "gitau", "halima"}

// TestAYearInUmoja runs ten members through a year: monthly contributions and welfare,
// late fines, three loans (one repaid on schedule, one repaid early, one defaulting and
// recovered from its guarantors), a welfare grant, a rule change, an exit and the
// share-out, asserting the figures on the way and ending with ledger verify clean.
func TestAYearInUmoja(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(yearRules(), umoja...)
	everyone := append([]string{"wanjiru", "otieno", "akinyi"}, umoja...)

	// month raises the month's dues on the 2nd, takes each payment on the 4th, then runs
	// the daily jobs on the 10th (fines, interest, penalties, recoveries).
	month := func(m time.Month, pays map[string]string) {
		t.Helper()
		w.clock.set(eat(2026, m, 2, 8))
		if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
			t.Fatalf("%s dues: %v", m, err)
		}
		w.clock.set(eat(2026, m, 4, 12))
		for _, name := range everyone {
			amount, ok := pays[name]
			if !ok {
				amount = "1050"
			}
			if amount != "0" {
				w.pay(g, name, amount, chama.ForContribution)
			}
		}
		w.clock.set(eat(2026, m, 10, 6))
		w.jobs(g)
	}
	approve := func(ap chama.Approval, officials ...string) {
		t.Helper()
		var err error
		for _, o := range officials {
			if ap, err = w.s.Vote(w.ctx, w.member[o], ap.ID, true, testPIN); err != nil {
				t.Fatalf("%s approves %s %d: %v", o, ap.Subject, ap.ID, err)
			}
		}
		if ap.Status != "approved" {
			t.Fatalf("%s %d is %s after its quorum: %s", ap.Subject, ap.ID, ap.Status, ap.Outcome)
		}
	}
	payOut := func() []chama.PayoutOrder {
		t.Helper()
		orders := w.payer.taken()
		for _, o := range orders {
			receipts++
			if err := w.s.PayoutPaid(w.ctx, o.ID, fmt.Sprintf("B2C%07d", receipts)); err != nil {
				t.Fatalf("payout %d paid: %v", o.ID, err)
			}
		}
		return orders
	}
	borrow := func(name, amount string, term int, guarantors ...string) chama.Loan {
		t.Helper()
		loan, disc, err := w.s.RequestLoan(w.ctx, w.member[name], g.Code, kes(amount), term)
		if err != nil {
			t.Fatalf("%s requests %s: %v", name, amount, err)
		}
		if len(disc.Instalments) != term || !disc.TotalRepayable.Equal(disc.Principal.Add(disc.TotalCost)) {
			t.Fatalf("disclosure %+v", disc)
		}
		var phones []string
		for _, gu := range guarantors {
			phones = append(phones, w.member[gu].Phone)
		}
		if loan, err = w.s.AcceptLoan(w.ctx, w.member[name], loan.ID, testPIN, phones); err != nil {
			t.Fatalf("%s accepts: %v", name, err)
		}
		for _, gu := range guarantors {
			if err := w.s.Guarantee(w.ctx, w.member[gu], loan.ID, true, testPIN); err != nil {
				t.Fatalf("%s guarantees: %v", gu, err)
			}
		}
		aps, err := w.s.PendingApprovals(w.ctx, w.member["wanjiru"], g.Code)
		if err != nil || len(aps) == 0 {
			t.Fatalf("pending approvals: %v, %v", aps, err)
		}
		approve(aps[len(aps)-1], "wanjiru", "otieno")
		if orders := payOut(); len(orders) != 1 || !orders[0].Amount.Equal(kes(amount)) {
			t.Fatalf("disbursement orders %+v", orders)
		}
		loan, _ = w.s.LoanByID(w.ctx, loan.ID)
		if loan.Status != chama.LoanActive {
			t.Fatalf("loan %d is %s, want active", loan.ID, loan.Status)
		}
		return loan
	}

	// January: everyone pays, but gitau pays late (on the 12th) and is fined 100.
	month(time.January, map[string]string{"gitau": "0"})
	w.clock.set(eat(2026, 1, 12, 9))
	w.pay(g, "gitau", "1150", chama.ForContribution) // fine first, then the month
	eq(t, "fine income in January", w.balance(g, "fine-income"), "100")
	eq(t, "welfare after January", w.balance(g, "welfare"), "500")

	// February: baraka borrows 3,000 over 3 months (flat 5%: 450 interest) guaranteed by
	// chebet and daudi; he repays 1,150 with each month's contribution.
	month(time.February, nil)
	w.clock.set(eat(2026, 2, 11, 9))
	loanA := borrow("baraka", "3000", 3, "chebet", "daudi")
	eq(t, "chebet's free savings while pledging 750", mustPosition(w, g, "chebet").Free, "1250")

	// March: halima borrows 6,000 over 2 months (600 interest), guaranteed by esther and
	// faith for 1,500 each, and from April pays nothing at all.
	month(time.March, nil)
	w.pay(g, "baraka", "1150", chama.ForRepayment)
	w.clock.set(eat(2026, 3, 11, 9))
	loanB := borrow("halima", "6000", 2, "esther", "faith")
	noHalima := map[string]string{"halima": "0"}

	// April: faith borrows 1,500 over 3 months guaranteed by gitau and wanjiru, and repays
	// it all early in May (saving the interest not yet due).
	month(time.April, noHalima)
	w.pay(g, "baraka", "1150", chama.ForRepayment)
	w.clock.set(eat(2026, 4, 11, 9))
	loanC := borrow("faith", "1500", 3, "gitau", "wanjiru")

	month(time.May, noHalima)
	w.pay(g, "baraka", "1150", chama.ForRepayment)
	w.clock.set(eat(2026, 5, 12, 9))
	w.jobs(g) // loan C's first instalment fell due on 11 May: 75 interest
	// Faith settles early: principal 1,500, the 75 due and the 75 of the instalment in
	// progress; the third instalment's interest is never charged.
	w.pay(g, "faith", "1650", chama.ForRepayment)
	for id, want := range map[int64]string{loanA.ID: chama.LoanClosed, loanC.ID: chama.LoanClosed, loanB.ID: chama.LoanActive} {
		if l, _ := w.s.LoanByID(w.ctx, id); l.Status != want {
			t.Errorf("loan %d is %s in May, want %s", id, l.Status, want)
		}
	}

	// May: a welfare grant of 2,000 to esther (a funeral), approved by two officials.
	ap, err := w.s.RequestWelfare(w.ctx, w.member["akinyi"], g.Code, w.member["esther"].Phone, kes("2000"), "funeral")
	if err != nil {
		t.Fatal(err)
	}
	approve(ap, "wanjiru", "otieno")
	payOut()
	eq(t, "welfare after the grant", w.balance(g, "welfare"), "400") // 3 × 500 + 2 × 450 − 2,000
	// Loan A 450 + loan B's two instalments 600 + 5% penalty on B's first (3,300) 165 + loan C
	// 150; B's second instalment fell due on 11 May and is penalised after its grace days.
	eq(t, "interest income in May", w.balance(g, "interest-income"), "1365")

	// June: the contribution rises to 1,200 from July, approved in June.
	month(time.June, noHalima)
	next := yearRules()
	next.Contribution = kes("1200")
	ap, err = w.s.ProposeRules(w.ctx, w.member["wanjiru"], g.Code, next)
	if err != nil {
		t.Fatal(err)
	}
	approve(ap, "otieno", "akinyi")
	if c, v, _ := w.s.Rules(w.ctx, g.Code); v != 1 || !c.Contribution.Equal(kes("1000")) {
		t.Errorf("June's rules: version %d contribution %s, want version 1 at 1000", v, c.Contribution)
	}
	// Halima's loan: instalments due 11 April and 11 May, never paid; 90 days after the
	// first, in July, it is recovered from her savings, then from her guarantors.
	halimaSavings := mustPosition(w, g, "halima").Savings
	month(time.July, map[string]string{"halima": "0", "baraka": "1250", "chebet": "1250", "daudi": "1250", "esther": "1250",
		"faith": "1250", "gitau": "1250", "wanjiru": "1250", "otieno": "1250", "akinyi": "1250"})
	if c, v, _ := w.s.Rules(w.ctx, g.Code); v != 2 || !c.Contribution.Equal(kes("1200")) {
		t.Errorf("July's rules: version %d contribution %s, want version 2 at 1200", v, c.Contribution)
	}
	// Owed: 6,000 + 600 interest + 165 + 165 penalties (5% of each unpaid instalment of
	// 3,300) = 6,930. Halima's 3,000 pays the penalties, the interest and 2,070; esther's
	// and faith's pledges 1,500 each; 930 of principal stays owed.
	if l, _ := w.s.LoanByID(w.ctx, loanB.ID); l.Status != chama.LoanDefaulted {
		t.Fatalf("loan B in July is %s, want defaulted", l.Status)
	}
	eq(t, "halima's savings before recovery", halimaSavings, "3000")
	eq(t, "loan B principal after recovery", w.balance(g, fmt.Sprintf("loan:l%d", loanB.ID)), "930")
	eq(t, "halima's savings after recovery", mustPosition(w, g, "halima").Savings, "0")
	eq(t, "esther's savings after recovery", mustPosition(w, g, "esther").Savings, "5700") // 6 × 1,000 + 1,200 − 1,500
	eq(t, "interest income after recovery", w.balance(g, "interest-income"), "1530")

	// August: gitau leaves; his savings come back to him.
	month(time.August, map[string]string{"halima": "0", "baraka": "1250", "chebet": "1250", "daudi": "1250", "esther": "1250",
		"faith": "1250", "gitau": "1250", "wanjiru": "1250", "otieno": "1250", "akinyi": "1250"})
	gitau := mustPosition(w, g, "gitau").Savings
	ap, err = w.s.RequestExit(w.ctx, w.member["gitau"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	approve(ap, "wanjiru", "otieno")
	if orders := payOut(); len(orders) != 1 || !orders[0].Amount.Equal(gitau) {
		t.Fatalf("exit refund %+v, want %s", orders, gitau)
	}

	for m := time.September; m <= time.December; m++ {
		pays := map[string]string{"halima": "0", "gitau": "0"}
		for _, n := range everyone {
			if _, ok := pays[n]; !ok {
				pays[n] = "1250"
			}
		}
		month(m, pays)
	}

	// December: the share-out. The cycle's profit is shared by savings to the cent.
	pv, err := w.s.PreviewShareOut(w.ctx, w.member["wanjiru"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	sumProfit, sumSavings := decimal.Zero, decimal.Zero
	for _, l := range pv.Lines {
		sumProfit = sumProfit.Add(l.Profit)
		sumSavings = sumSavings.Add(l.Savings)
	}
	if !sumProfit.Equal(pv.Profit) || !sumSavings.Add(pv.Profit).Equal(pv.Fund) {
		t.Fatalf("share-out preview does not add up: profit %s vs %s, fund %s", sumProfit, pv.Profit, pv.Fund)
	}
	// Income: interest and penalties 1,530 + fines 1,000 (gitau's one, halima's nine); halima's
	// 930 of principal and 900 of fines are beyond her savings and written off: 700 to share.
	eq(t, "profit to share", pv.Profit, "700")
	ap, err = w.s.RequestShareOut(w.ctx, w.member["otieno"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	approve(ap, "wanjiru", "akinyi")
	paid := decimal.Zero
	for _, o := range payOut() {
		paid = paid.Add(o.Amount)
	}
	gp, err := w.s.GroupStatement(w.ctx, w.member["wanjiru"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	// After the share-out the group holds only its welfare fund (and what halima's
	// recovery left owed, which is not cash).
	// M-Pesa pays whole shillings: each member's cents stay in their savings.
	eq(t, "paid out plus the cents kept", paid.Add(gp.Savings), pv.Fund.String())
	if !gp.Savings.LessThan(decimal.NewFromInt(int64(len(pv.Lines)))) {
		t.Errorf("savings after share-out %s: more than a shilling a member left behind", gp.Savings)
	}
	eq(t, "welfare kept", gp.Welfare, "3350")
	eq(t, "cash after share-out", gp.Cash, gp.Welfare.Add(gp.Savings).String())
	eq(t, "profit after share-out", gp.Profit, "0")
	t.Logf("profit %s shared; fund %s; paid out %s; welfare kept %s", pv.Profit, pv.Fund, paid, gp.Welfare)
	w.verify()
}

// jobs runs what the workers run daily.
func (w *world) jobs(g chama.Group) {
	w.t.Helper()
	for name, job := range map[string]func() (int, error){
		"fines":    func() (int, error) { return w.s.ChargeFines(w.ctx, g.Code) },
		"accrue":   func() (int, error) { return w.s.AccrueLoans(w.ctx, g.Code) },
		"defaults": func() (int, error) { return w.s.RecoverDefaults(w.ctx, g.Code) },
	} {
		if _, err := job(); err != nil {
			w.t.Fatalf("%s: %v", name, err)
		}
	}
}

func mustPosition(w *world, g chama.Group, name string) chama.MemberPosition {
	w.t.Helper()
	pos, err := w.s.Position(w.ctx, w.member[name], g.Code)
	if err != nil {
		w.t.Fatalf("position of %s: %v", name, err)
	}
	return pos
}
