package chama_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kikundi/kikundi/chama"
)

func TestContributionsSettleFinesThenArrearsThenSave(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")

	if n, err := w.s.RaiseDues(w.ctx, g.Code); err != nil || n != 4 {
		t.Fatalf("raise dues for January: %d, %v; want 4 (one per member)", n, err)
	}
	if n, _ := w.s.RaiseDues(w.ctx, g.Code); n != 0 {
		t.Fatalf("raising January's dues again created %d", n)
	}
	// Baraka pays nothing in January; the fine falls on the 9th (due the 5th, 3 days' grace).
	w.clock.set(eat(2026, 1, 8, 9))
	if n, _ := w.s.ChargeFines(w.ctx, g.Code); n != 0 {
		t.Fatalf("fined %d within the grace days", n)
	}
	w.clock.set(eat(2026, 1, 9, 9))
	if n, err := w.s.ChargeFines(w.ctx, g.Code); err != nil || n != 4 {
		t.Fatalf("fines on the 9th: %d, %v; want 4", n, err)
	}
	// The job running again, or twice at once, charges nothing more.
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n, err := w.s.ChargeFines(w.ctx, g.Code); err != nil || n != 0 {
				t.Errorf("fines again: %d, %v", n, err)
			}
		}()
	}
	wg.Wait()
	eq(t, "fine income", w.balance(g, "fine-income"), "200")

	// February: 1,200 pays the 50 fine, January's 500, February's 500, and saves 150.
	w.clock.set(eat(2026, 2, 2, 9))
	if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	got := w.pay(g, "baraka", "1200", chama.ForContribution)
	eq(t, "fines paid", got.Fines, "50")
	eq(t, "dues paid", got.Dues, "1000")
	eq(t, "advance savings", got.Savings, "150")
	pos, err := w.s.Position(w.ctx, w.member["baraka"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "savings", pos.Savings, "1150")
	eq(t, "fines", pos.Fines, "0")
	eq(t, "arrears", pos.Arrears, "0")
	eq(t, "cash", w.balance(g, "cash"), "1200")
	w.verify()
}

func TestAReceiptIsAppliedOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	pay := chama.Payment{Group: g.Code, Phone: w.member["baraka"].Phone, Receipt: "NLJ7RT61SV", Amount: kes("500"), Purpose: chama.ForContribution}
	var wg sync.WaitGroup
	results := make([]chama.Applied, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if results[i], err = w.s.ReceivePayment(w.ctx, pay); err != nil {
				t.Errorf("payment %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	replays := 0
	for _, r := range results {
		if r.Replayed {
			replays++
		}
	}
	if replays != 3 {
		t.Errorf("replays = %d, want 3 of 4", replays)
	}
	eq(t, "cash", w.balance(g, "cash"), "500")
	// The same receipt for another amount is refused, not applied.
	pay.Amount = kes("5000")
	if _, err := w.s.ReceivePayment(w.ctx, pay); !errors.Is(err, chama.ErrDuplicateReceipt) {
		t.Errorf("same receipt, other amount: err = %v, want ErrDuplicateReceipt", err)
	}
	pay.Receipt = "bad receipt"
	if _, err := w.s.ReceivePayment(w.ctx, pay); !errors.Is(err, chama.ErrUnknownReceipt) {
		t.Errorf("malformed receipt: err = %v", err)
	}
	w.verify()
}

func TestTwoOfficialsApprovingAtOnceCarryItOutOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	w.pay(g, "baraka", "3000", chama.ForContribution)
	ap, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("1000"))
	if err != nil {
		t.Fatal(err)
	}
	// Three officials, quorum 2: all three approve at the same instant.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, name := range []string{"wanjiru", "otieno", "akinyi"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.s.Vote(w.ctx, w.member[name], ap.ID, true, testPIN)
		}()
	}
	wg.Wait()
	closed := 0
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, chama.ErrApprovalClosed):
			closed++
		default:
			t.Fatalf("vote: %v", err)
		}
	}
	if closed != 1 {
		t.Errorf("%d votes found the decision made, want 1 (the third)", closed)
	}
	orders := w.payer.taken()
	if len(orders) != 1 || !orders[0].Amount.Equal(kes("1000")) {
		t.Fatalf("payout orders = %+v, want one of 1000", orders)
	}
	// The hold reserves the money until M-Pesa answers; a second confirmation changes nothing.
	if err := w.s.PayoutPaid(w.ctx, orders[0].ID, "QKB3X4Y5Z6"); err != nil {
		t.Fatal(err)
	}
	if err := w.s.PayoutPaid(w.ctx, orders[0].ID, "QKB3X4Y5Z6"); err != nil {
		t.Fatal(err)
	}
	eq(t, "savings", w.balance(g, "savings:m4"), "2000")
	eq(t, "cash", w.balance(g, "cash"), "2000")
	w.verify()
}

func TestApprovalRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	w.pay(g, "baraka", "3000", chama.ForContribution)
	ap, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("1000"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("5000")); !errors.Is(err, chama.ErrInsufficientSavings) {
		t.Errorf("withdraw more than savings: err = %v", err)
	}
	if _, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("500")); !errors.Is(err, chama.ErrPending) {
		t.Errorf("a second withdrawal while the first waits: err = %v, want ErrPending", err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["baraka"], ap.ID, true, testPIN); !errors.Is(err, chama.ErrNotOfficial) {
		t.Errorf("member votes: err = %v, want ErrNotOfficial", err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["wanjiru"], ap.ID, true, "9999"); !errors.Is(err, chama.ErrWrongPIN) {
		t.Errorf("wrong PIN: err = %v, want ErrWrongPIN", err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["wanjiru"], ap.ID, true, testPIN); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["wanjiru"], ap.ID, true, testPIN); !errors.Is(err, chama.ErrAlreadyVoted) {
		t.Errorf("second vote: err = %v, want ErrAlreadyVoted", err)
	}
	// An official's own request: the other two must decide.
	rc, err := w.s.ProposeRules(w.ctx, w.member["otieno"], g.Code, defaultRules())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["otieno"], rc.ID, true, testPIN); !errors.Is(err, chama.ErrOwnRequest) {
		t.Errorf("own request: err = %v, want ErrOwnRequest", err)
	}
	// Expiry: after three days nobody can approve it, and the expiry job closes the rest.
	w.clock.add(chama.ApprovalTTL + time.Minute)
	if _, err := w.s.Vote(w.ctx, w.member["akinyi"], ap.ID, true, testPIN); !errors.Is(err, chama.ErrApprovalExpired) {
		t.Errorf("late vote: err = %v, want ErrApprovalExpired", err)
	}
	if n, err := w.s.ExpireApprovals(w.ctx); err != nil || n != 1 {
		t.Errorf("expire: %d, %v; want the rule change", n, err)
	}
	if len(w.payer.taken()) != 0 {
		t.Error("an expired withdrawal was paid")
	}
	// One rejection of a 2-of-2 leaves it impossible: rejected at once.
	ap2, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("1000"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"wanjiru", "otieno"} {
		if _, err := w.s.Vote(w.ctx, w.member[name], ap2.ID, false, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.s.Vote(w.ctx, w.member["akinyi"], ap2.ID, true, testPIN); !errors.Is(err, chama.ErrApprovalClosed) {
		t.Errorf("vote after rejection: err = %v, want ErrApprovalClosed", err)
	}
	w.verify()
}
