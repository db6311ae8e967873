package main

import (
	"context"
	"strings"
	"testing"

	"github.com/kikundi/kikundi/internal/testkit"
)

// result is what a run of kikundi left: its exit code and its outputs.
type result struct {
	code           int
	stdout, stderr string
}

// kikundi runs the command line args as main would, with vars as the whole environment.
func kikundi(t *testing.T, ctx context.Context, vars map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr testkit.SyncBuffer
	err := run(ctx, args, func(k string) string { return vars[k] }, &stdout, &stderr)
	code := report(err, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string
		wantStdout []string
	}{
		{"no command", nil, 2, []string{"kikundi: no command given", "Usage: kikundi COMMAND"}, nil},
		{"unknown command", []string{"frobnicate"}, 2, []string{`kikundi: unknown command "frobnicate"`, "Usage: kikundi COMMAND", "serve", "migrate"}, nil},
		{"help", []string{"help"}, 0, nil, []string{"Usage: kikundi COMMAND", "serve", "work", "dev [--fresh]", "migrate up|down|status", "ledger verify [--json]"}},
		{"--help", []string{"--help"}, 0, nil, []string{"Usage: kikundi COMMAND"}},
		{"migrate without action", []string{"migrate"}, 2, []string{"migrate needs exactly one of up, down, status", "Usage: kikundi migrate"}, nil},
		{"migrate sideways", []string{"migrate", "sideways"}, 2, []string{`unknown migrate action "sideways"`}, nil},
		{"unknown flag", []string{"dev", "--bogus"}, 2, []string{"flag provided but not defined: -bogus", "Usage: kikundi dev [--fresh]", "-fresh"}, nil},
		{"stray argument", []string{"serve", "now"}, 2, []string{`serve takes no arguments, got "now"`}, nil},
		{"command help", []string{"dev", "-h"}, 0, nil, []string{"Usage: kikundi dev [--fresh]", "-fresh"}},
		{"serve without hook token", []string{"serve"}, 1, []string{"kikundi: invalid configuration: KIKUNDI_HOOK_TOKEN is required for serve"}, nil},
		{"work without hook token", []string{"work"}, 1, []string{"KIKUNDI_HOOK_TOKEN is required for work"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := kikundi(t, context.Background(), nil, tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
		})
	}
}

func TestUnreachableServicesSayWhichAndWhatToDo(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"postgres", map[string]string{"KIKUNDI_DATABASE_URL": "postgres://kikundi:pw@127.0.0.1:1/kikundi?sslmode=disable"},
			[]string{"migrate", "status"}, "postgres"},
		{"redis", map[string]string{"KIKUNDI_REDIS_URL": "redis://127.0.0.1:1/0", "KIKUNDI_HOOK_TOKEN": "t"},
			[]string{"serve"}, "reach redis at redis://127.0.0.1:1/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := kikundi(t, context.Background(), tt.vars, tt.args...)
			if r.code != 1 {
				t.Fatalf("exit code %d, want 1\n%s", r.code, r.stderr)
			}
			last := lastLine(r.stderr)
			for _, want := range []string{"kikundi: ", tt.want, "127.0.0.1:1", "make services", "make run"} {
				if !strings.Contains(last, want) {
					t.Errorf("error line lacks %q: %s", want, last)
				}
			}
			if strings.Contains(r.stderr, ":pw@") || strings.Contains(r.stderr, "goroutine") {
				t.Errorf("error output leaks a password or a stack:\n%s", r.stderr)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
