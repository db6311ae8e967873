package chama_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/kikundi/kikundi/chama"
)

func TestCashContributionNeedsASecondOfficial(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	baraka := w.member["baraka"].Phone

	// Otieno (treasurer) records 700 Baraka handed him at the meeting.
	ap, err := w.s.RecordCash(w.ctx, w.member["otieno"], testPIN, g.Code, baraka, kes("700"))
	if err != nil {
		t.Fatal(err)
	}
	if ap.Subject != chama.SubjectCash || ap.Quorum != 1 || ap.Status != "open" {
		t.Fatalf("approval %+v", ap)
	}
	// Nothing is credited on one official's word.
	pos, err := w.s.Position(w.ctx, w.member["baraka"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "savings before confirmation", pos.Savings, "0")
	if due, _ := w.s.Due(w.ctx, w.member["baraka"], g.Code); !due.Equal(kes("500")) {
		t.Errorf("due before confirmation: %v, want 500", due)
	}

	// The recorder cannot confirm his own record; Baraka is not an official.
	if _, err := w.s.Vote(w.ctx, w.member["otieno"], ap.ID, true, testPIN); !errors.Is(err, chama.ErrOwnRequest) {
		t.Errorf("recorder confirming: %v, want ErrOwnRequest", err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["baraka"], ap.ID, true, testPIN); err == nil {
		t.Error("a member confirmed cash")
	}
	// Akinyi (secretary) confirms: January's 500 is paid and 200 saved ahead.
	if ap, err = w.s.Vote(w.ctx, w.member["akinyi"], ap.ID, true, testPIN); err != nil || ap.Status != "approved" {
		t.Fatalf("confirm: %+v, %v", ap, err)
	}
	pos, err = w.s.Position(w.ctx, w.member["baraka"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "savings", pos.Savings, "700")
	if due, err := w.s.Due(w.ctx, w.member["baraka"], g.Code); err != nil || !due.IsZero() {
		t.Errorf("still due after paying in cash: %v, %v", due, err)
	}

	// The cash is the group's, held by Otieno: Kikundi's cash and the platform's debt to
	// the group do not move.
	eq(t, "cash at Kikundi", w.balance(g, "cash"), "0")
	otieno := w.memberID(g, "otieno")
	eq(t, "cash in Otieno's hand", w.balance(g, "cash-in-hand:m"+otieno), "700")
	gp, err := w.s.GroupStatement(w.ctx, w.member["baraka"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "group's cash in hand", gp.CashInHand, "700")
	if !slices.Contains(w.notes.kinds(w.phones["baraka"]), "cash.received") {
		t.Errorf("Baraka was told %v, want a cash.received receipt", w.notes.kinds(w.phones["baraka"]))
	}

	// Deciding again changes nothing.
	if _, err := w.s.Vote(w.ctx, w.member["wanjiru"], ap.ID, true, testPIN); !errors.Is(err, chama.ErrApprovalClosed) {
		t.Errorf("a second confirmation: %v, want ErrApprovalClosed", err)
	}
	eq(t, "cash in hand after a second vote", w.balance(g, "cash-in-hand:m"+otieno), "700")
	w.verify()
}

func TestCashContributionRejectedMovesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	baraka := w.member["baraka"].Phone
	first, err := w.s.RecordCash(w.ctx, w.member["otieno"], testPIN, g.Code, baraka, kes("300"))
	if err != nil {
		t.Fatal(err)
	}
	// The same envelope recorded again (a retried session) waits for the first.
	if _, err := w.s.RecordCash(w.ctx, w.member["otieno"], testPIN, g.Code, baraka, kes("300")); !errors.Is(err, chama.ErrPending) {
		t.Fatalf("a second record while one waits: %v, want ErrPending", err)
	}
	if kinds := w.notes.kinds(w.phones["baraka"]); !slices.Contains(kinds, "cash.recorded") {
		t.Errorf("Baraka was not told what was recorded: %v", kinds)
	}
	// Two officials say it never happened: with one eligible voter left, the quorum of one
	// is still reachable after the first no, so both vote.
	for _, o := range []string{"akinyi", "wanjiru"} {
		if first, err = w.s.Vote(w.ctx, w.member[o], first.ID, false, testPIN); err != nil {
			t.Fatalf("%s rejects: %v", o, err)
		}
	}
	if first.Status != "rejected" {
		t.Fatalf("status %s, want rejected", first.Status)
	}
	pos, _ := w.s.Position(w.ctx, w.member["baraka"], g.Code)
	eq(t, "savings", pos.Savings, "0")
	if kinds := w.notes.kinds(w.phones["baraka"]); !slices.Contains(kinds, "cash.not_confirmed") {
		t.Errorf("Baraka was not told his cash was not confirmed: %v", kinds)
	}
	w.verify()
}

func TestCashTiesItsHolderAndItsMemberToTheGroup(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka", "chebet")
	if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	// Nobody records cash from themselves.
	if _, err := w.s.RecordCash(w.ctx, w.member["otieno"], testPIN, g.Code, w.member["otieno"].Phone, kes("500")); !errors.Is(err, chama.ErrOwnCash) {
		t.Errorf("own cash: %v, want ErrOwnCash", err)
	}
	// Baraka hands 500 over on the 8th, within January's grace days (late from the 9th);
	// it is still waiting for a second official on the 10th.
	w.clock.set(eat(2026, 1, 8, 9))
	ap, err := w.s.RecordCash(w.ctx, w.member["otieno"], testPIN, g.Code, w.member["baraka"].Phone, kes("500"))
	if err != nil {
		t.Fatal(err)
	}
	w.clock.set(eat(2026, 1, 10, 9))
	// While it waits, Baraka cannot leave; and he is not fined for the officials' delay
	// (Chebet, who paid nothing, is).
	if _, err := w.s.RequestExit(w.ctx, w.member["baraka"], g.Code); !errors.Is(err, chama.ErrCashInHand) {
		t.Errorf("exit with cash waiting: %v, want ErrCashInHand", err)
	}
	if _, err := w.s.ChargeFines(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	fines := func(name string) string {
		pos, err := w.s.Position(w.ctx, w.member[name], g.Code)
		if err != nil {
			t.Fatal(err)
		}
		return pos.Fines.StringFixed(2)
	}
	if b, c := fines("baraka"), fines("chebet"); b != "0.00" || c != "50.00" {
		t.Errorf("fines: Baraka %s, Chebet %s; want 0.00 and 50.00", b, c)
	}
	if _, err := w.s.Vote(w.ctx, w.member["akinyi"], ap.ID, true, testPIN); err != nil {
		t.Fatal(err)
	}
	// Otieno now holds the 500: he cannot leave, and there is no share-out, until he pays it in.
	if _, err := w.s.RequestExit(w.ctx, w.member["otieno"], g.Code); !errors.Is(err, chama.ErrCashInHand) {
		t.Errorf("the holder's exit: %v, want ErrCashInHand", err)
	}
	if _, err := w.s.RequestShareOut(w.ctx, w.member["wanjiru"], g.Code); !errors.Is(err, chama.ErrCashInHand) {
		t.Errorf("share-out with cash in hand: %v, want ErrCashInHand", err)
	}
	if _, err := w.s.ReceivePayment(w.ctx, chama.Payment{Group: g.Code, Phone: w.member["otieno"].Phone,
		Receipt: "DEP0000009", Amount: kes("500"), Purpose: chama.ForCashDeposit}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.RequestExit(w.ctx, w.member["baraka"], g.Code); err != nil {
		t.Errorf("exit once the cash is in: %v", err)
	}
	w.verify()
}

func TestCashContributionRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka", "chebet")
	baraka := w.member["baraka"].Phone
	cases := []struct {
		name   string
		by     string
		pin    string
		amount string
		want   error
	}{
		{"a member records", "chebet", testPIN, "500", chama.ErrNotOfficial},
		{"cents", "otieno", testPIN, "500.50", chama.ErrCashAmount},
		{"nothing", "otieno", testPIN, "0", chama.ErrCashAmount},
		{"too much", "otieno", testPIN, "100001", chama.ErrCashAmount},
		{"wrong PIN", "otieno", "1111", "500", chama.ErrWrongPIN},
	}
	for _, c := range cases {
		if _, err := w.s.RecordCash(w.ctx, w.member[c.by], c.pin, g.Code, baraka, kes(c.amount)); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := w.s.RecordCash(w.ctx, w.member["otieno"], testPIN, g.Code, "0799999999", kes("500")); err == nil {
		t.Error("cash recorded for a stranger")
	}
	// An M-Pesa callback can never carry a cash record's receipt.
	_, err := w.s.ReceivePayment(w.ctx, chama.Payment{Group: g.Code, Phone: baraka, Receipt: "CASH00000001",
		Amount: kes("500"), Purpose: chama.ForContribution})
	if !errors.Is(err, chama.ErrUnknownReceipt) {
		t.Errorf("M-Pesa payment with a cash receipt: %v", err)
	}
}

// memberID is name's membership number in g, as account codes spell it.
func (w *world) memberID(g chama.Group, name string) string {
	w.t.Helper()
	var id int64
	if err := w.db.Raw(`SELECT m.id FROM chama_members m JOIN chama_people p ON p.id = m.person_id
		WHERE p.phone = ? AND m.group_id = ?`, w.phones[name], g.ID).Scan(&id).Error; err != nil || id == 0 {
		w.t.Fatalf("member %s: %d, %v", name, id, err)
	}
	return fmt.Sprint(id)
}

func TestCashHeldIsPaidInByMpesa(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	ap, err := w.s.RecordCash(w.ctx, w.member["otieno"], testPIN, g.Code, w.member["baraka"].Phone, kes("700"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["akinyi"], ap.ID, true, testPIN); err != nil {
		t.Fatal(err)
	}
	otieno := w.memberID(g, "otieno")
	if held, err := w.s.CashInHand(w.ctx, w.member["otieno"], g.Code); err != nil || !held.Equal(kes("700")) {
		t.Fatalf("Otieno holds %v, %v; want 700", held, err)
	}
	// Otieno pays in 500 of it: Kikundi now holds it, and the platform owes the group it.
	deposit := func(receipt, amount string) chama.Applied {
		t.Helper()
		got, err := w.s.ReceivePayment(w.ctx, chama.Payment{Group: g.Code, Phone: w.member["otieno"].Phone,
			Receipt: receipt, Amount: kes(amount), Purpose: chama.ForCashDeposit})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	deposit("DEP0000001", "500")
	eq(t, "cash at Kikundi", w.balance(g, "cash"), "500")
	eq(t, "still in Otieno's hand", w.balance(g, "cash-in-hand:m"+otieno), "200")
	// The same receipt again changes nothing.
	if again := deposit("DEP0000001", "500"); !again.Replayed {
		t.Error("a repeated deposit was applied again")
	}
	// Paying in more than he holds: 200 clears his hand, the other 100 is his saving.
	got := deposit("DEP0000002", "300")
	eq(t, "saved beyond what was held", got.Savings, "100")
	eq(t, "cash at Kikundi", w.balance(g, "cash"), "800")
	eq(t, "nothing left in hand", w.balance(g, "cash-in-hand:m"+otieno), "0")
	pos, err := w.s.Position(w.ctx, w.member["otieno"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Otieno's savings", pos.Savings, "100")
	if !slices.Contains(w.notes.kinds(w.phones["otieno"]), "cash.deposited") {
		t.Errorf("Otieno was told %v", w.notes.kinds(w.phones["otieno"]))
	}
	w.verify()
}
