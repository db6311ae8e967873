package chama_test

import (
	"errors"
	"testing"

	"github.com/kikundi/kikundi/chama"
)

func TestRoleChangesRemovalsAndWaiversGoThroughApproval(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(yearRules(), "baraka", "chebet", "daudi")
	if _, err := w.s.RaiseDues(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	w.clock.set(eat(2026, 1, 20, 9))
	if _, err := w.s.ChargeFines(w.ctx, g.Code); err != nil {
		t.Fatal(err)
	}
	// Once money has moved, no official seats a treasurer by invitation alone.
	x := w.person("kamau")
	if _, err := w.s.Invite(w.ctx, w.member["wanjiru"], g.Code, x.Phone, "Kamau", chama.RoleSecretary); !errors.Is(err, chama.ErrOfficeTaken) {
		t.Errorf("office by invitation after money moved: err = %v", err)
	}

	// Baraka becomes treasurer. Otieno, the treasurer now, may vote on it: only the
	// requester (wanjiru) and the beneficiary (baraka) may not.
	ap, err := w.s.ChangeRole(w.ctx, w.member["wanjiru"], g.Code, w.member["baraka"].Phone, chama.RoleTreasurer)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"otieno", "akinyi"} {
		if ap, err = w.s.Vote(w.ctx, w.member[o], ap.ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	ms, _ := w.s.Memberships(w.ctx, w.member["baraka"].Phone)
	if ap.Status != "approved" || ms[0].Member.Role != chama.RoleTreasurer {
		t.Fatalf("role change %s, baraka is %s", ap.Status, ms[0].Member.Role)
	}
	ms, _ = w.s.Memberships(w.ctx, w.member["otieno"].Phone)
	if ms[0].Member.Role != chama.RoleMember {
		t.Errorf("the old treasurer is %s, want member", ms[0].Member.Role)
	}

	// Removing akinyi (an official) leaves only baraka eligible (the requester and the
	// target may not vote): a quorum of 2 is impossible, and the request says so at once.
	if _, err := w.s.Remove(w.ctx, w.member["wanjiru"], g.Code, w.member["akinyi"].Phone, "left the village"); !errors.Is(err, chama.ErrQuorumImpossible) {
		t.Errorf("removing an official with too few others: err = %v, want ErrQuorumImpossible", err)
	}
	// A welfare grant for akinyi, asked by chebet: akinyi may not approve it.
	wg, err := w.s.RequestWelfare(w.ctx, w.member["chebet"], g.Code, w.member["akinyi"].Phone, kes("100"), "illness")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Vote(w.ctx, w.member["akinyi"], wg.ID, true, testPIN); !errors.Is(err, chama.ErrOwnRequest) {
		t.Errorf("the beneficiary votes: err = %v, want ErrOwnRequest", err)
	}
	// Removing daudi, who never paid.
	rm, err := w.s.Remove(w.ctx, w.member["wanjiru"], g.Code, w.member["daudi"].Phone, "never paid")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"baraka", "akinyi"} {
		if rm, err = w.s.Vote(w.ctx, w.member[o], rm.ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	if rm.Status != "approved" {
		t.Fatalf("removal %s: %s", rm.Status, rm.Outcome)
	}
	if _, err := w.s.Position(w.ctx, w.member["daudi"], g.Code); !errors.Is(err, chama.ErrNotMember) {
		t.Errorf("daudi after removal: err = %v", err)
	}

	// A fine waived by approval leaves the books and the dues agreeing: chebet pays
	// exactly January's 1,050 afterwards and owes nothing.
	dues := w.finesOf(g, "chebet")
	if len(dues) != 1 {
		t.Fatalf("chebet's fines: %v", dues)
	}
	wv, err := w.s.Waive(w.ctx, w.member["baraka"], g.Code, dues[0], "funeral in the family")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"wanjiru", "akinyi"} {
		if wv, err = w.s.Vote(w.ctx, w.member[o], wv.ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	if wv.Status != "approved" {
		t.Fatalf("waiver %s: %s", wv.Status, wv.Outcome)
	}
	got := w.pay(g, "chebet", "1050", chama.ForContribution)
	eq(t, "fines paid after the waiver", got.Fines, "0")
	pos := mustPosition(w, g, "chebet")
	eq(t, "chebet's fines", pos.Fines, "0")
	eq(t, "chebet's arrears", pos.Arrears, "0")
	eq(t, "chebet's savings", pos.Savings, "1000")
	w.verify()
}

// finesOf lists the ids of a member's fine dues.
func (w *world) finesOf(g chama.Group, name string) []int64 {
	w.t.Helper()
	var ids []int64
	if err := w.db.Raw(`SELECT d.id FROM chama_dues d JOIN chama_members m ON m.id = d.member_id
		JOIN chama_people p ON p.id = m.person_id WHERE d.kind = 'fine' AND p.phone = ? AND d.group_id = ? ORDER BY d.id`,
		w.phones[name], g.ID).Scan(&ids).Error; err != nil {
		w.t.Fatal(err)
	}
	return ids
}
