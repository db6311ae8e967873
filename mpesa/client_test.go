package mpesa_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/kikundi/kikundi/mpesa"
)

func TestNewClientRefusesBadConfig(t *testing.T) {
	certPEM, _ := testCert()
	good := mpesa.Config{
		BaseURL: "https://sandbox.safaricom.co.ke", ConsumerKey: "k", ConsumerSecret: "s", Shortcode: "174379",
		Passkey: "p", Initiator: "i", InitiatorPassword: "pw", CertPEM: certPEM,
	}
	if _, err := mpesa.NewClient(good); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	minimal := mpesa.Config{BaseURL: "http://127.0.0.1:8090", ConsumerKey: "k", ConsumerSecret: "s", Shortcode: "600984"}
	if _, err := mpesa.NewClient(minimal); err != nil {
		t.Fatalf("config without STK or credential refused: %v", err)
	}
	tests := map[string]func(*mpesa.Config){
		"no base URL":          func(c *mpesa.Config) { c.BaseURL = "" },
		"relative base URL":    func(c *mpesa.Config) { c.BaseURL = "sandbox.safaricom.co.ke" },
		"no key":               func(c *mpesa.Config) { c.ConsumerKey = "" },
		"no secret":            func(c *mpesa.Config) { c.ConsumerSecret = "" },
		"shortcode not digits": func(c *mpesa.Config) { c.Shortcode = "17437x" },
		"negative timeout":     func(c *mpesa.Config) { c.Timeout = -time.Second },
		"cert not PEM":         func(c *mpesa.Config) { c.CertPEM = []byte("not a certificate") },
		"cert without initiator": func(c *mpesa.Config) {
			c.Initiator = ""
		},
	}
	for name, change := range tests {
		c := good
		change(&c)
		if _, err := mpesa.NewClient(c); !errors.Is(err, mpesa.ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestTimeoutIsHonoured(t *testing.T) {
	for _, name := range []string{"push", "query with retries"} {
		t.Run(name, func(t *testing.T) {
			f := newFakeDaraja(t)
			f.handle(pushPath, stall)
			f.handle(queryPath, stall)
			c := newClient(t, f, func(c *mpesa.Config) { c.Timeout = 200 * time.Millisecond })
			start := time.Now()
			var err error
			if name == "push" {
				_, err = c.STKPush(t.Context(), validPush())
			} else {
				_, err = c.STKQuery(t.Context(), "ws_CO_1")
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want a deadline", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %s with a 200ms timeout", d)
			}
		})
	}
	t.Run("token fetch", func(t *testing.T) {
		f := newFakeDaraja(t)
		f.oauth = stall
		c := newClient(t, f, func(c *mpesa.Config) { c.Timeout = 200 * time.Millisecond })
		if _, err := c.STKQuery(t.Context(), "ws_CO_1"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want a deadline", err)
		}
	})
}

func TestCallerCancellation(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(queryPath, stall)
	c := newClient(t, f)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	if _, err := c.STKQuery(ctx, "ws_CO_1"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s after cancellation", d)
	}
	f.wantCalls(t, queryPath, 1) // a cancelled call is not retried
}

func TestAPIErrorMatchesOnlyItsSentinel(t *testing.T) {
	sentinels := map[string]error{
		"404.001.03":   mpesa.ErrInvalidToken,
		"500.001.1001": mpesa.ErrStillProcessing,
		"500.002.1001": mpesa.ErrDuplicateOriginator,
		"400.002.02":   mpesa.ErrBadRequest,
		"400.008.01":   mpesa.ErrInvalidAuth,
		"400.008.02":   mpesa.ErrInvalidAuth,
		"":             mpesa.ErrUnexpectedResponse,
	}
	all := []error{mpesa.ErrInvalidToken, mpesa.ErrStillProcessing, mpesa.ErrDuplicateOriginator,
		mpesa.ErrBadRequest, mpesa.ErrInvalidAuth, mpesa.ErrUnexpectedResponse}
	for code, want := range sentinels {
		err := error(&mpesa.APIError{HTTPStatus: http.StatusInternalServerError, Code: code})
		for _, s := range all {
			if got := errors.Is(err, s); got != (s == want) {
				t.Errorf("code %q matches %v: %v", code, s, got)
			}
		}
	}
	other := &mpesa.APIError{HTTPStatus: 500, Code: "500.003.02", Message: "System is busy"}
	for _, s := range all {
		if errors.Is(other, s) {
			t.Errorf("500.003.02 matches %v", s)
		}
	}
}
