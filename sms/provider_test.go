package sms

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Africa's Talking's answers, as its API sends them.
const (
	atSuccess   = `{"SMSMessageData":{"Message":"Sent to 1/1 Total Cost: KES 0.8000","Recipients":[{"statusCode":101,"number":"+254711000111","status":"Success","cost":"KES 0.8000","messageId":"ATPid_SampleTxnId123"}]}}`
	atInvalid   = `{"SMSMessageData":{"Message":"Sent to 0/1 Total Cost: 0","Recipients":[{"statusCode":403,"number":"+254711000111","status":"InvalidPhoneNumber","cost":"0","messageId":"None"}]}}`
	atGateway   = `{"SMSMessageData":{"Message":"Sent to 0/1 Total Cost: 0","Recipients":[{"statusCode":501,"number":"+254711000111","status":"GatewayError","cost":"0","messageId":"None"}]}}`
	atBroke     = `{"SMSMessageData":{"Message":"Sent to 0/1 Total Cost: 0","Recipients":[{"statusCode":405,"number":"+254711000111","status":"InsufficientBalance","cost":"0","messageId":"None"}]}}`
	atBlacklist = `{"SMSMessageData":{"Message":"Sent to 0/1 Total Cost: 0","Recipients":[{"statusCode":406,"number":"+254711000111","status":"UserInBlacklist","cost":"0","messageId":"None"}]}}`
	atNoRecip   = `{"SMSMessageData":{"Message":"InvalidSenderId","Recipients":[]}}`
)

// fakeAT answers every send with status and body, and keeps the requests it got.
type fakeAT struct {
	t        *testing.T
	status   int
	body     string
	requests []*http.Request
	forms    []url.Values
}

func (f *fakeAT) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		f.t.Errorf("body is not a form: %q", raw)
	}
	f.requests = append(f.requests, r)
	f.forms = append(f.forms, form)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func newFakeAT(t *testing.T, status int, body string) (*fakeAT, *httptest.Server) {
	f := &fakeAT{t: t, status: status, body: body}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func TestAfricasTalkingSendsTheDocumentedRequest(t *testing.T) {
	f, srv := newFakeAT(t, http.StatusCreated, atSuccess)
	at := NewAfricasTalking(srv.URL+"/", "kikundi", "atsk_secret", "KIKUNDI", srv.Client())
	msg := "UMOJA: we received your contribution of KES 1,500.00 & more {test}."
	id, status, err := at.Send(context.Background(), "+254711000111", msg)
	if err != nil {
		t.Fatal(err)
	}
	if id != "ATPid_SampleTxnId123" || status != "Sent" {
		t.Errorf("got id %q status %q, want ATPid_SampleTxnId123 Sent", id, status)
	}
	if len(f.requests) != 1 {
		t.Fatalf("%d requests, want 1", len(f.requests))
	}
	r := f.requests[0]
	if r.Method != http.MethodPost || r.URL.Path != "/version1/messaging" {
		t.Errorf("request %s %s, want POST /version1/messaging", r.Method, r.URL.Path)
	}
	for h, want := range map[string]string{
		"apiKey":       "atsk_secret",
		"Accept":       "application/json",
		"Content-Type": "application/x-www-form-urlencoded",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	want := url.Values{"username": {"kikundi"}, "to": {"+254711000111"}, "message": {msg}, "from": {"KIKUNDI"}}
	if diff := cmp.Diff(want, f.forms[0]); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
}

func TestAfricasTalkingLeavesFromOutWithoutSender(t *testing.T) {
	f, srv := newFakeAT(t, http.StatusCreated, atSuccess)
	if _, _, err := NewAfricasTalking(srv.URL, "sandbox", "k", "", nil).Send(context.Background(), "+254711000111", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.forms[0]["from"]; ok {
		t.Errorf("from sent without a sender: %v", f.forms[0])
	}
}

func TestAfricasTalkingRefusals(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		permanent *PermanentError // nil: a retryable error
	}{
		{"403 InvalidPhoneNumber is permanent", http.StatusCreated, atInvalid, &PermanentError{Code: 403, Status: "InvalidPhoneNumber"}},
		{"HTTP 500 is retryable", http.StatusInternalServerError, "Internal Server Error", nil},
		{"HTTP 502 is retryable", http.StatusBadGateway, "<html>Bad Gateway</html>", nil},
		{"recipient 501 GatewayError is retryable", http.StatusCreated, atGateway, nil},
		{"no recipient is retryable", http.StatusCreated, atNoRecip, nil},
		{"HTTP 401 (our key) is retryable once fixed", http.StatusUnauthorized, "The supplied authentication is invalid", nil},
		{"unreadable body is retryable", http.StatusCreated, "not json", nil},
		{"recipient 405 InsufficientBalance (ours) is retryable", http.StatusCreated, atBroke, nil},
		{"recipient 406 UserInBlacklist is permanent", http.StatusCreated, atBlacklist, &PermanentError{Code: 406, Status: "UserInBlacklist"}},
	}
	for _, c := range cases {
		_, srv := newFakeAT(t, c.status, c.body)
		id, _, err := NewAfricasTalking(srv.URL, "kikundi", "k", "", srv.Client()).Send(context.Background(), "+254711000111", "hi")
		if err == nil {
			t.Errorf("%s: sent, id %q", c.name, id)
			continue
		}
		var pe *PermanentError
		if got := errors.As(err, &pe); got != (c.permanent != nil) {
			t.Errorf("%s: permanent %t (%v)", c.name, got, err)
			continue
		}
		if c.permanent != nil && *pe != *c.permanent {
			t.Errorf("%s: %+v, want %+v", c.name, *pe, *c.permanent)
		}
	}
}

func TestAfricasTalkingNetworkErrorIsRetryable(t *testing.T) {
	_, srv := newFakeAT(t, http.StatusCreated, atSuccess)
	srv.Close()
	_, _, err := NewAfricasTalking(srv.URL, "kikundi", "k", "", nil).Send(context.Background(), "+254711000111", "hi")
	var pe *PermanentError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("closed server: %v, want a retryable error", err)
	}
}

func TestSandboxDeliversAtOnce(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, status, err := Sandbox{}.Send(context.Background(), "+254711000111", "hi")
		if err != nil || status != "Success" || !strings.HasPrefix(id, "SBX-") || seen[id] {
			t.Fatalf("Send = %q, %q, %v (seen %t)", id, status, err, seen[id])
		}
		seen[id] = true
	}
}
