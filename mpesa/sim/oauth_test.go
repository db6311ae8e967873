package sim

import (
	"encoding/base64"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestOAuth(t *testing.T) {
	h := newHarness(t)
	basic := func(k, s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(k+":"+s)) }
	tests := []struct {
		name     string
		query    string
		auth     string
		wantCode int
		wantErr  string
	}{
		{"good", "grant_type=client_credentials", basic("sim-consumer-key", "sim-consumer-secret"), http.StatusOK, ""},
		{"wrong secret", "grant_type=client_credentials", basic("sim-consumer-key", "nope"), http.StatusBadRequest, "400.008.01"},
		{"no auth", "grant_type=client_credentials", "", http.StatusBadRequest, "400.008.01"},
		{"bearer instead of basic", "grant_type=client_credentials", "Bearer x", http.StatusBadRequest, "400.008.01"},
		{"wrong grant", "grant_type=password", basic("sim-consumer-key", "sim-consumer-secret"), http.StatusBadRequest, "400.008.02"},
		{"no grant", "", basic("sim-consumer-key", "sim-consumer-secret"), http.StatusBadRequest, "400.008.02"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.auth != "" {
				hdr["Authorization"] = tc.auth
			}
			status, m := h.do(http.MethodGet, "/oauth/v1/generate?"+tc.query, nil, hdr)
			if status != tc.wantCode {
				t.Fatalf("status %d, want %d: %v", status, tc.wantCode, m)
			}
			if tc.wantErr == "" {
				if m["expires_in"] != "3599" { // a string, as Daraja sends it
					t.Errorf("expires_in = %#v, want the string \"3599\"", m["expires_in"])
				}
				if tok, _ := m["access_token"].(string); len(tok) != 28 {
					t.Errorf("access_token = %#v, want 28 characters", m["access_token"])
				}
				return
			}
			assertDarajaError(t, m, tc.wantErr)
		})
	}
}

func TestBearerRequired(t *testing.T) {
	h := newHarness(t)
	for name, hdr := range map[string]map[string]string{
		"no header":     nil,
		"unknown token": {"Authorization": "Bearer c9SQxWWhmdVRlyh0zh8gZDTkubVF"},
		"basic":         {"Authorization": "Basic c2ltOnNpbQ=="},
	} {
		t.Run(name, func(t *testing.T) {
			status, m := h.do(http.MethodPost, "/mpesa/stkpush/v1/processrequest", h.stkBody("254708374149", "1"), hdr)
			if status != http.StatusNotFound {
				t.Fatalf("status %d, want 404: %v", status, m)
			}
			assertDarajaError(t, m, "404.001.03")
		})
	}
	h.hooks.none(t, "/hooks/daraja/stk", 100*time.Millisecond)
}

// assertDarajaError checks Daraja's error body: exactly requestId, errorCode and
// errorMessage, all strings.
func assertDarajaError(t *testing.T, m map[string]any, code string) {
	t.Helper()
	keys := map[string]bool{}
	for k, v := range m {
		keys[k] = true
		if !isString(v) {
			t.Errorf("%s = %#v, want a string", k, v)
		}
	}
	if diff := cmp.Diff(map[string]bool{"requestId": true, "errorCode": true, "errorMessage": true}, keys); diff != "" {
		t.Errorf("error body keys (-want +got):\n%s", diff)
	}
	if m["errorCode"] != code {
		t.Errorf("errorCode = %v, want %s (%v)", m["errorCode"], code, m["errorMessage"])
	}
}

func TestTokenExpires(t *testing.T) {
	var offset atomic.Int64
	h := newHarness(t, func(o *Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	call := func() int {
		status, _ := h.daraja("/mpesa/stkpush/v1/processrequest", h.stkBody("254708374149", "1"))
		return status
	}
	offset.Store(int64(3599 * time.Second))
	if got := call(); got != http.StatusOK {
		t.Errorf("token refused before its hour was up: %d", got)
	}
	offset.Store(int64(3601 * time.Second))
	if got := call(); got != http.StatusNotFound {
		t.Errorf("expired token accepted: %d", got)
	}
}

func TestNewRefusesMissingCredentials(t *testing.T) {
	o := devOptions()
	o.Passkey = ""
	if _, err := New(o); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("New without a passkey: %v, want ErrInvalidOptions", err)
	}
}

// Close stops a pending prompt's timer: its callback never comes.
func TestCloseStopsTimers(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.CallbackDelay = 200 * time.Millisecond })
	h.push("254708374149", "1")
	h.sim.Close()
	h.hooks.none(t, "/hooks/daraja/stk", 400*time.Millisecond)
}
