package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	got, err := LoadFrom(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DatabaseURL:     "postgres://postgres@127.0.0.1:5432/kikundi?sslmode=disable",
		RedisURL:        "redis://127.0.0.1:6379/0",
		HTTPAddr:        "127.0.0.1:8080",
		PublicURL:       "http://127.0.0.1:8080",
		USSDCode:        "*384*12#",
		SimAddr:         "127.0.0.1:8090",
		ATBaseURL:       "https://api.sandbox.africastalking.com",
		ShutdownTimeout: 15 * time.Second,
		LogFormat:       "text",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("defaults (-want +got):\n%s", d)
	}
}

func TestLoadReadsEveryVariable(t *testing.T) {
	m := map[string]string{"KIKUNDI_SHUTDOWN_TIMEOUT": "3s"}
	var c Config
	for _, f := range c.fields() {
		m[f.env] = "v-" + f.env
	}
	got, err := LoadFrom(env(m))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got.fields() {
		if *f.ptr != m[f.env] {
			t.Errorf("%s: got %q, want %q", f.env, *f.ptr, m[f.env])
		}
	}
	if got.ShutdownTimeout != 3*time.Second {
		t.Errorf("ShutdownTimeout = %s, want 3s", got.ShutdownTimeout)
	}
	if got.HookToken != "v-KIKUNDI_HOOK_TOKEN" || got.ATAPIKey != "v-KIKUNDI_AT_API_KEY" {
		t.Errorf("fields do not map to their variables: %+v", got)
	}
}

func TestLoadBadDuration(t *testing.T) {
	_, err := LoadFrom(env(map[string]string{"KIKUNDI_SHUTDOWN_TIMEOUT": "fifteen"}))
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if !strings.Contains(err.Error(), "KIKUNDI_SHUTDOWN_TIMEOUT") || !strings.Contains(err.Error(), "fifteen") {
		t.Errorf("error %q should name the variable and the value", err)
	}
}

func TestDevFillsOnlyWhatIsEmpty(t *testing.T) {
	c, err := LoadFrom(env(map[string]string{"KIKUNDI_SIM_ADDR": "127.0.0.1:9999", "KIKUNDI_SMS_PROVIDER": "africastalking"}))
	if err != nil {
		t.Fatal(err)
	}
	c.Dev()
	if c.HookToken != "dev" {
		t.Errorf("HookToken = %q, want dev", c.HookToken)
	}
	if c.DarajaBaseURL != "http://127.0.0.1:9999" {
		t.Errorf("DarajaBaseURL = %q, want the simulator's URL", c.DarajaBaseURL)
	}
	if c.SMSProvider != "africastalking" {
		t.Errorf("Dev overwrote SMSProvider set by the environment: %q", c.SMSProvider)
	}
	d := Defaults()
	d.Dev()
	if d.SMSProvider != "sandbox" {
		t.Errorf("SMSProvider = %q, want sandbox", d.SMSProvider)
	}
}

func TestValidate(t *testing.T) {
	dev := Defaults()
	dev.Dev()
	withToken := Defaults()
	withToken.HookToken = "s3cret"
	atNoKey := withToken
	atNoKey.SMSProvider = SMSAfricasTalking
	badFormat := withToken
	badFormat.LogFormat = "xml"
	zeroTimeout := withToken
	zeroTimeout.ShutdownTimeout = 0
	realDaraja := withToken
	realDaraja.DarajaBaseURL = "https://api.safaricom.co.ke"
	realDarajaPublic := realDaraja
	realDarajaPublic.PublicURL = "https://kikundi.example.org"

	tests := []struct {
		name    string
		cfg     Config
		role    string
		wantErr string // substring; "" means valid
	}{
		{"serve without token", Defaults(), RoleServe, "KIKUNDI_HOOK_TOKEN"},
		{"work without token", Defaults(), RoleWork, "KIKUNDI_HOOK_TOKEN"},
		{"serve with token", withToken, RoleServe, ""},
		{"dev defaults", dev, RoleDev, ""},
		{"migrate needs no token", Defaults(), "migrate", ""},
		{"africastalking without key", atNoKey, RoleServe, "KIKUNDI_AT_API_KEY"},
		{"unknown log format", badFormat, RoleServe, "KIKUNDI_LOG_FORMAT"},
		{"zero shutdown timeout", zeroTimeout, RoleWork, "KIKUNDI_SHUTDOWN_TIMEOUT"},
		{"real Daraja calling back loopback", realDaraja, RoleServe, "KIKUNDI_PUBLIC_URL"},
		{"real Daraja with a public URL", realDarajaPublic, RoleWork, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate(tt.role)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate(%q) = %v, want nil", tt.role, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate(%q) = %v, want ErrInvalid mentioning %s", tt.role, err, tt.wantErr)
			}
		})
	}
}

// Every secret below contains "s3kr1t"; no printed form may contain it.
func TestPrintedFormHidesSecrets(t *testing.T) {
	m := map[string]string{
		"KIKUNDI_HOOK_TOKEN":                "hook-s3kr1t",
		"KIKUNDI_DARAJA_CONSUMER_KEY":       "key-s3kr1t",
		"KIKUNDI_DARAJA_CONSUMER_SECRET":    "secret-s3kr1t",
		"KIKUNDI_DARAJA_PASSKEY":            "passkey-s3kr1t",
		"KIKUNDI_DARAJA_INITIATOR_PASSWORD": "initiator-s3kr1t",
		"KIKUNDI_AT_API_KEY":                "at-s3kr1t",
		"KIKUNDI_DATABASE_URL":              "postgres://kikundi:db-s3kr1t@db.internal:5432/kikundi?sslmode=require",
		"KIKUNDI_REDIS_URL":                 "redis://:redis-s3kr1t@cache.internal:6379/0",
		"KIKUNDI_DARAJA_BASE_URL":           "https://api.safaricom.example/?password=query-s3kr1t",
		"KIKUNDI_AT_BASE_URL":               "host=at.internal password=kv-s3kr1t",
		"KIKUNDI_AT_USERNAME":               "kikundi-at-user",
	}
	c, err := LoadFrom(env(m))
	if err != nil {
		t.Fatal(err)
	}

	var jsonLog, textLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("starting", "config", c)
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("starting", "config", c)
	outputs := map[string]string{
		"String":   c.String(),
		"%v":       fmt.Sprintf("%v", c),
		"json log": jsonLog.String(),
		"text log": textLog.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "s3kr1t") {
			t.Errorf("%s leaks a secret:\n%s", name, out)
		}
		// Masking must not hide what an operator needs to see.
		for _, want := range []string{"db.internal:5432", "cache.internal:6379", "api.safaricom.example", "kikundi-at-user", "****"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, out)
			}
		}
	}
	if !strings.Contains(c.String(), "KIKUNDI_SHUTDOWN_TIMEOUT=15s") {
		t.Errorf("String lacks the shutdown timeout:\n%s", c.String())
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"":                              "",
		"redis://127.0.0.1:6379/0":      "redis://127.0.0.1:6379/0",
		"postgres://u:pw@h/db":          "postgres://u:xxxxx@h/db",
		"postgres:///db?host=/tmp":      "postgres:///db?host=/tmp",
		"postgres://h/db?password=pw":   "postgres://h/db?password=xxxxx",
		"host=h password=pw":            "(unprintable)",
		"postgres://u:pw@[::1]:5432/db": "postgres://u:xxxxx@[::1]:5432/db",
	}
	for in, want := range tests {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
