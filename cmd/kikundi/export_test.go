package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/simswap"
)

// TestExportDataAndSIMSwap: the operator's two commands for a person, against a real
// database: everything kept about them as JSON (never the PIN hash), and a SIM swap
// recorded; a malformed number is a usage error.
func TestExportDataAndSIMSwap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, url := dbtest.PostgresURL(t)
	vars := map[string]string{"KIKUNDI_DATABASE_URL": url}
	groups := chama.New(chama.Options{DB: db})
	a := chama.Actor{Phone: "0711000005", Channel: chama.System}
	if _, err := groups.Register(ctx, a.Phone, "Chebet Kiprono", "sw"); err != nil {
		t.Fatal(err)
	}
	if err := groups.GiveConsent(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := groups.SetPIN(ctx, a, "", "2580"); err != nil {
		t.Fatal(err)
	}

	r := kikundi(t, ctx, vars, "export-data", "0711 000 005")
	var x chama.DataExport
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &x) != nil || x.Name != "Chebet Kiprono" || len(x.Consents) != 1 {
		t.Fatalf("export-data: exit %d, %+v\n%s", r.code, x, r.stderr)
	}
	if strings.Contains(strings.ToLower(r.stdout), "argon2") || strings.Contains(r.stdout, "pin_hash") {
		t.Errorf("the export carries the PIN hash:\n%s", r.stdout)
	}
	if r := kikundi(t, ctx, vars, "export-data", "12"); r.code != 2 {
		t.Errorf("export-data 12: exit %d, want 2", r.code)
	}

	r = kikundi(t, ctx, vars, "sim-swap", "0711000005", "2026-11-22T09:00:00+03:00")
	if r.code != 0 || !strings.Contains(r.stdout, "2026-11-22T09:00:00+03:00") {
		t.Fatalf("sim-swap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	at, err := simswap.Sandbox{DB: db}.LastSwap(ctx, "+254711000005")
	if err != nil || at.UTC().Format("15:04") != "06:00" {
		t.Errorf("recorded %v, %v", at, err)
	}
}
