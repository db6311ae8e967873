package chama_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kikundi/kikundi/chama"
)

func TestTheTrailAndAMembersDataAreTheirs(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	w.pay(g, "baraka", "800", chama.ForContribution)
	ap, err := w.s.Withdraw(w.ctx, w.member["baraka"], g.Code, kes("300"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"wanjiru", "akinyi"} {
		if _, err := w.s.Vote(w.ctx, w.member[o], ap.ID, true, testPIN); err != nil {
			t.Fatal(err)
		}
	}
	// Any member reads the group's trail: who approved what, when, by which channel.
	trail, err := w.s.AuditTrail(w.ctx, w.member["baraka"], g.Code, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, l := range trail {
		actions = append(actions, l.Action)
	}
	all := strings.Join(actions, " ")
	for _, want := range []string{"group.created", "member.joined", "payment.contribution", "approval.requested", "approval.vote", "payout.created", "approval.approved"} {
		if !strings.Contains(all, want) {
			t.Errorf("trail lacks %s: %s", want, all)
		}
	}
	// The trail cannot be edited, even by hand in psql.
	if err := w.db.Exec(`UPDATE chama_audit SET action = 'nothing.happened'`).Error; err == nil {
		t.Error("Postgres let the audit trail be edited")
	}
	exp, err := w.s.ExportMyData(w.ctx, w.member["baraka"])
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(exp)
	if strings.Contains(string(raw), "argon2") || strings.Contains(string(raw), testPIN) {
		t.Fatalf("export leaks the PIN or its hash: %s", raw)
	}
	if len(exp.Consents) != 1 || len(exp.Groups) != 1 || len(exp.Groups[0].Payments) != 1 || len(exp.Groups[0].Savings) != 1 {
		t.Errorf("export = %s", raw)
	}
	if len(exp.Actions) == 0 {
		t.Error("export has none of baraka's own actions")
	}
}
