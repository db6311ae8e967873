package mpesa_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kikundi/kikundi/mpesa"
)

func TestOAuthOneTokenForConcurrentCalls(t *testing.T) {
	f := newFakeDaraja(t)
	f.oauth = func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond) // every caller arrives while the fetch runs
		writeFile(w, http.StatusOK, "oauth_token.json")
	}
	f.handle(queryPath, serveFile(http.StatusOK, "stk_query_response.json"))
	c := newClient(t, f)

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := c.STKQuery(t.Context(), "ws_CO_1")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.tokenRequests(); n != 1 {
		t.Errorf("%d token requests for 50 concurrent calls, want 1", n)
	}
	f.wantCalls(t, queryPath, 50)
}

func TestOAuthRenewsBeforeExpiry(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(queryPath, serveFile(http.StatusOK, "stk_query_response.json"))
	clk := &clock{t: testNow}
	c := newClient(t, f, func(c *mpesa.Config) { c.Now = clk.Now })
	query := func() {
		t.Helper()
		if _, err := c.STKQuery(t.Context(), "ws_CO_1"); err != nil {
			t.Fatal(err)
		}
	}

	query()
	// expires_in is "3599": the token is renewed 60 s early, at 3539 s.
	clk.Advance(3538 * time.Second)
	query()
	if n := f.tokenRequests(); n != 1 {
		t.Fatalf("%d token requests before the renewal point, want 1", n)
	}
	clk.Advance(2 * time.Second)
	query()
	if n := f.tokenRequests(); n != 2 {
		t.Fatalf("%d token requests after the renewal point, want 2", n)
	}
	query()
	if n := f.tokenRequests(); n != 2 {
		t.Fatalf("the renewed token was not cached: %d token requests", n)
	}
}

func TestOAuthExpiresInAsNumber(t *testing.T) {
	f := newFakeDaraja(t)
	f.oauth = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"access_token":"c9SQxWWhmdVRlyh0zh8gZDTkubVF","expires_in":3599}`)
	}
	f.handle(queryPath, serveFile(http.StatusOK, "stk_query_response.json"))
	clk := &clock{t: testNow}
	c := newClient(t, f, func(c *mpesa.Config) { c.Now = clk.Now })
	for range 2 {
		if _, err := c.STKQuery(t.Context(), "ws_CO_1"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(3000 * time.Second)
	}
	if n := f.tokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

func TestInvalidTokenRenewsAndRetriesOnce(t *testing.T) {
	invalidToken := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, `{"requestId":"11728-2929992-1","errorCode":"404.001.03","errorMessage":"Invalid Access Token"}`)
	}
	t.Run("then succeeds", func(t *testing.T) {
		f := newFakeDaraja(t)
		// Even STK push, which is never retried otherwise: Daraja refused it unread.
		f.handle(pushPath, sequence(invalidToken, serveFile(http.StatusOK, "stk_push_response.json")))
		c := newClient(t, f)
		if _, err := c.STKPush(t.Context(), validPush()); err != nil {
			t.Fatal(err)
		}
		if n := f.tokenRequests(); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
		f.wantCalls(t, pushPath, 2)
	})
	t.Run("only once", func(t *testing.T) {
		f := newFakeDaraja(t)
		f.handle(queryPath, invalidToken)
		c := newClient(t, f)
		_, err := c.STKQuery(t.Context(), "ws_CO_1")
		if !errors.Is(err, mpesa.ErrInvalidToken) {
			t.Errorf("err = %v, want ErrInvalidToken", err)
		}
		var ae *mpesa.APIError
		if errors.As(err, &ae) && ae.RequestID != "11728-2929992-1" {
			t.Errorf("RequestID = %q", ae.RequestID)
		}
		f.wantCalls(t, queryPath, 2)
		if n := f.tokenRequests(); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
	})
}

func TestOAuthRefused(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*mpesa.Config)
		srv  http.HandlerFunc
		want error
	}{
		{"wrong secret", func(c *mpesa.Config) { c.ConsumerSecret = "wrong" }, nil, mpesa.ErrInvalidAuth},
		{"grant type", nil, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusBadRequest, `{"requestId":"","errorCode":"400.008.02","errorMessage":"Invalid grant type passed"}`)
		}, mpesa.ErrInvalidAuth},
		{"no token in reply", nil, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, `{"expires_in":"3599"}`)
		}, mpesa.ErrUnexpectedResponse},
		{"expires_in garbage", nil, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, `{"access_token":"x","expires_in":"soon"}`)
		}, mpesa.ErrUnexpectedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDaraja(t)
			f.oauth = tt.srv
			f.handle(queryPath, serveFile(http.StatusOK, "stk_query_response.json"))
			var opts []option
			if tt.cfg != nil {
				opts = append(opts, tt.cfg)
			}
			c := newClient(t, f, opts...)
			_, err := c.STKQuery(t.Context(), "ws_CO_1")
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), `"access_token"`) {
				t.Errorf("error %q quotes the token reply", err)
			}
			f.wantCalls(t, queryPath, 0)
		})
	}
}
