package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/kikundi/kikundi/internal/dbtest"
)

// appliedRE matches the line migrations.Up prints for a migration it applied.
var appliedRE = regexp.MustCompile(`migrations: up \d+_\w+\.sql`)

// statusLines is `migrate status` as one line per migration.
func statusLines(t *testing.T, vars map[string]string) []string {
	t.Helper()
	r := kikundi(t, context.Background(), vars, "migrate", "status")
	if r.code != 0 {
		t.Fatalf("migrate status: exit %d\n%s", r.code, r.stderr)
	}
	return strings.Split(strings.TrimSpace(r.stdout), "\n")
}

func TestMigrate(t *testing.T) {
	_, url := dbtest.PostgresURL(t) // already migrated, from the template
	vars := map[string]string{"KIKUNDI_DATABASE_URL": url}

	before := statusLines(t, vars)
	if len(before) == 0 {
		t.Fatal("migrate status lists no migrations")
	}
	for _, l := range before {
		if !strings.Contains(l, "applied") || !strings.Contains(l, ".sql") {
			t.Errorf("status line %q: want an applied .sql migration", l)
		}
	}

	// Roll the latest back, and status shows it pending.
	if r := kikundi(t, context.Background(), vars, "migrate", "down"); r.code != 0 {
		t.Fatalf("migrate down: exit %d\n%s", r.code, r.stderr)
	}
	after := statusLines(t, vars)
	if latest := after[len(after)-1]; !strings.Contains(latest, "pending") {
		t.Errorf("after down, latest migration %q is not pending", latest)
	}

	// Up applies it again; a second up is a no-op.
	first := kikundi(t, context.Background(), vars, "migrate", "up")
	if first.code != 0 {
		t.Fatalf("migrate up: exit %d\n%s", first.code, first.stderr)
	}
	if !appliedRE.MatchString(first.stdout) {
		t.Errorf("first up reports nothing applied:\n%s", first.stdout)
	}
	second := kikundi(t, context.Background(), vars, "migrate", "up")
	if second.code != 0 {
		t.Fatalf("second migrate up: exit %d\n%s", second.code, second.stderr)
	}
	if appliedRE.MatchString(second.stdout) {
		t.Errorf("second up applied something:\n%s", second.stdout)
	}
	again := statusLines(t, vars)
	if len(again) != len(before) {
		t.Fatalf("status lists %d migrations, want %d", len(again), len(before))
	}
	for _, l := range again {
		if !strings.Contains(l, "applied") {
			t.Errorf("after up, %q is not applied", l)
		}
	}
}
