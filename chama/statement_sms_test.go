package chama_test

import (
	"strings"
	"testing"

	"github.com/kikundi/kikundi/chama"
)

func TestTheFullStatementGoesBySMSInParts(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 1, 9))
	g := w.group(defaultRules(), "baraka")
	baraka := w.member["baraka"]
	if n, err := w.s.SendStatement(w.ctx, baraka, g.Code); err != nil || n != 0 {
		t.Fatalf("empty statement: %d messages, %v", n, err)
	}
	for range 9 {
		w.pay(g, "baraka", "100", chama.ForContribution)
	}
	n, err := w.s.SendStatement(w.ctx, baraka, g.Code)
	if err != nil || n != 3 {
		t.Fatalf("9 lines: %d messages, %v; want 3", n, err)
	}
	var parts []chama.Notice
	for _, x := range w.notes.notices {
		if x.Kind == "statement.part" && x.Phone == w.phones["baraka"] {
			parts = append(parts, x)
		}
	}
	if len(parts) != 3 {
		t.Fatalf("%d statement notices, want 3", len(parts))
	}
	for i, p := range parts {
		lines := strings.Split(p.Vars["lines"], "\n")
		want := []int{4, 4, 1}[i]
		if len(lines) != want || p.Vars["parts"] != "3" || p.Vars["part"] != []string{"1", "2", "3"}[i] {
			t.Errorf("part %d: %+v, want %d lines", i+1, p.Vars, want)
		}
		if p.Lang != "sw" || !strings.Contains(lines[0], "Mchango +100.00") {
			t.Errorf("part %d in %s: %q", i+1, p.Lang, lines[0])
		}
	}
	// Newest first: the first line carries the final balance.
	if first := strings.Split(parts[0].Vars["lines"], "\n")[0]; !strings.HasSuffix(first, "=900.00") {
		t.Errorf("first line %q, want the newest (balance 900.00)", first)
	}
	if _, err := w.s.SendStatement(w.ctx, w.person("stranger"), g.Code); err == nil {
		t.Error("a stranger was sent the statement")
	}
}
