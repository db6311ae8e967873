package chama_test

import (
	"errors"
	"testing"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
)

func defaultRules() rules.Constitution { return rules.Default() }

func TestFoundingAGroup(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 5, 9))
	g := w.group(defaultRules(), "baraka")
	if g.Code != "UMOJA" {
		t.Fatalf("code = %q, want UMOJA", g.Code)
	}
	ms, err := w.s.Memberships(w.ctx, w.member["otieno"].Phone)
	if err != nil || len(ms) != 1 || ms[0].Member.Role != chama.RoleTreasurer {
		t.Fatalf("otieno's memberships = %+v, %v", ms, err)
	}
	// The treasurer's office is held: nobody else is invited into it.
	x := w.person("kamau")
	if _, err := w.s.Invite(w.ctx, w.member["wanjiru"], g.Code, x.Phone, "Kamau", chama.RoleTreasurer); !errors.Is(err, chama.ErrOfficeTaken) {
		t.Errorf("second treasurer: err = %v, want ErrOfficeTaken", err)
	}
	// Members do not invite.
	if _, err := w.s.Invite(w.ctx, w.member["baraka"], g.Code, x.Phone, "Kamau", chama.RoleMember); !errors.Is(err, chama.ErrNotOfficial) {
		t.Errorf("member invites: err = %v, want ErrNotOfficial", err)
	}
	if _, err := w.s.CreateGroup(w.ctx, x, chama.NewGroup{Code: "Umoja", Name: "Another", Rules: defaultRules()}); !errors.Is(err, chama.ErrGroupCodeTaken) {
		t.Errorf("same code: err = %v, want ErrGroupCodeTaken", err)
	}
	if _, err := w.s.Accept(w.ctx, x, g.Code); !errors.Is(err, chama.ErrNotInvited) {
		t.Errorf("accept without invitation: err = %v, want ErrNotInvited", err)
	}
	w.verify()
}
