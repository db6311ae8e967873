package chama_test

import (
	"testing"

	"github.com/kikundi/kikundi/chama"
)

func TestStandingsShowWhoOwesAndWhosePotIsNext(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 3, 2, 9)) // a Monday
	g := w.group(weeklyRotation(), "baraka")
	everyone := []string{"wanjiru", "otieno", "akinyi", "baraka"}
	if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	// Before any pot is paid the round is not drawn: no next payout is invented.
	if _, next, err := w.s.Standings(w.ctx, w.member["baraka"], g.Code); err != nil || next != nil {
		t.Fatalf("before the first pot: next %+v, %v", next, err)
	}
	for _, n := range everyone {
		w.pay(g, n, "200", chama.ForContribution)
	}
	if _, err := w.s.PayRotation(w.ctx, g.Code, 1); err != nil {
		t.Fatal(err)
	}
	// Week 2: Baraka does not pay and is late by the next Monday.
	w.clock.set(eat(2026, 3, 9, 9))
	if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	for _, n := range everyone[:3] {
		w.pay(g, n, "200", chama.ForContribution)
	}
	w.clock.set(eat(2026, 3, 16, 9))
	people, next, err := w.s.Standings(w.ctx, w.member["akinyi"], g.Code)
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 4 || people[0].Role != chama.RoleChair {
		t.Fatalf("standings %+v", people)
	}
	for _, p := range people {
		want := "0"
		if p.Name == "baraka" {
			want = "200"
		}
		eq(t, p.Name+" owes", p.Owed, want)
	}
	// Week 1's pot went to Wanjiru (joining order); week 2's is unpaid, so it is next: Otieno.
	if next == nil || next.Name != "otieno" || next.Period != 2 {
		t.Errorf("next payout %+v, want otieno for period 2", next)
	}
	if _, _, err := w.s.Standings(w.ctx, w.person("stranger"), g.Code); err == nil {
		t.Error("a stranger read the standings")
	}
}
